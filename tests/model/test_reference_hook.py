"""``with_reference`` of a resource with a ``referenced_by`` hook (``ResourceWithReferenceHook``)
calls it once with the consumer's builder, after recording the reference, so the resource can add
what that consumer needs; its additions are reported by ``build()`` like the user's own calls."""

from __future__ import annotations

from typing import ClassVar

from pyspire import DistributedApplication
from pyspire.extensions import ResourceWithReferenceHook, can_be_referenced, resource_handlers
from pyspire.model import ContainerBuilder, Resource
from pyspire.model.annotations import EnvironmentAnnotation, ReferenceAnnotation
from pyspire.model.resources import ExecutableResource
from tests.model.model_problems import problems_of


class Vault(Resource):
    """No endpoint, no connection string: referencing it gives a mount or a variable."""

    resource_type: ClassVar[str] = "Vault"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.consumers: list[object] = []

    def referenced_by(self, consumer) -> None:
        self.consumers.append(consumer)
        if isinstance(consumer, ContainerBuilder):
            consumer.with_bind_mount("./no-such-folder", "/vault", read_only=True)
        else:
            consumer.with_env("VAULT_ADDR", "file:///vault")


def test_the_hook_gets_the_consumer_builder_once_after_the_reference_is_recorded(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    vault = Vault("vault")
    b.resources.append(vault)
    assert isinstance(vault, ResourceWithReferenceHook) and can_be_referenced(vault)
    api = b.add_executable("api", "python", ".", "app.py").with_reference(vault)
    assert vault.consumers == [api]
    assert isinstance(api.resource, ExecutableResource)
    [reference] = api.resource.annotations_of(ReferenceAnnotation)
    assert reference.target is vault
    assert [(e.name, e.value) for e in api.resource.annotations_of(EnvironmentAnnotation)] == [
        ("VAULT_ADDR", "file:///vault")
    ]


def test_what_the_hook_adds_is_checked_by_build_like_the_users_own_calls(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    vault = Vault("vault")
    b.resources.append(vault)
    b.add_container("box", "busybox").with_reference(vault)
    with resource_handlers.registered(Vault, lambda resource, ctx: None):
        problems = problems_of(b)
    assert any("box" in p and "no-such-folder does not exist" in p for p in problems), problems
