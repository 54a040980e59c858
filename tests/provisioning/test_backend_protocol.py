"""The fake sits behind the same Backend protocol as the real backends will."""

from __future__ import annotations

import inspect

from pyspire.provisioning import Backend
from tests.provisioning.fake_backend import FakeBackend, FakeCloud


def test_the_fake_backend_implements_every_method_of_the_backend_protocol_with_the_same_signatures() -> None:
    fake = FakeBackend(FakeCloud())
    assert isinstance(fake, Backend)
    for name in ("deployment_name", "deploy", "wait", "attach", "exists", "delete", "cancel"):
        ours, theirs = getattr(Backend, name), getattr(FakeBackend, name)
        assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(theirs), name
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters), name
