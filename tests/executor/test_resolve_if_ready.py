"""``HandlerContext.resolve_if_ready``: a handler can tell a configured value from a missing one at
once — the configured parameter resolves (a secret one stays masked), the unset one answers
``None`` without the resource being shown Waiting or a "waiting for" line in its log. The cloud
environments rely on it to show "missing configuration" instead of guessing with a timeout."""

from __future__ import annotations

from typing import ClassVar

import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import ResourceHandlerBase, resource_handlers
from pyspire.model import Resource, ResourceBuilder
from pyspire.states import HealthStatus, ResourceState


class Probe(Resource):
    resource_type: ClassVar[str] = "Probe"

    def __init__(self, name: str, values: dict[str, object]) -> None:
        super().__init__(name)
        self.values = values


class ProbeHandler(ResourceHandlerBase):
    resource: Probe

    async def on_start(self) -> None:
        shown = []
        for key, value in self.resource.values.items():
            ready = await self.ctx.resolve_if_ready(value)  # type: ignore[arg-type]
            shown.append((key, "<missing>" if ready is None else ready))
            if ready is not None:
                self.ctx.log(f"{key} resolved to {ready}")
        self.ctx.publish(state=ResourceState.RUNNING, properties=shown, health=HealthStatus.HEALTHY)


@pytest.fixture
def probe_handler():
    with resource_handlers.registered(Probe, ProbeHandler):
        yield ProbeHandler


async def test_a_configured_value_resolves_at_once_and_a_missing_one_is_none_without_waiting(tmp_path, probe_handler):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    given = b.add_parameter("given", "eu-west-1")
    key = b.add_parameter("key", "hunter2-secret", secret=True)
    unset = b.add_parameter("unset")
    b.add_resource(ResourceBuilder(b, Probe("probe", {"given": given.resource, "key": key.resource, "unset": unset.resource})))
    async with testing.start(b) as app:
        snapshot = await app.wait_for_healthy("probe", timeout=20)
        properties = dict(snapshot.properties)
        assert properties["given"] == "eu-west-1"
        assert properties["unset"] == "<missing>"
        log = app.log_text("probe")
        assert "given resolved to eu-west-1" in log
        assert "hunter2-secret" not in log  # a resolved secret is masked like any other
        assert "waiting for" not in log
        assert app.resource("probe").state == "Running"
