"""A resource its own handler runs (no process: a PostgreSQL database, a cloud resource) is stopped
through its handler when the app host stops — after what depends on it, as every resource — so
its ``on_stop`` runs and its last snapshot says it ended instead of showing it still Running."""

from __future__ import annotations

from typing import ClassVar

from pyspire import DistributedApplication, testing
from pyspire.extensions import (
    HealthStatus,
    LifecycleBuilder,
    ResourceHandlerBase,
    ResourceState,
    resource_handlers,
)
from pyspire.model import Resource
from tests.conftest import PYTHON

#: (what, resource) in the order it happened: the handler's stop, and the dependent's exit.
EVENTS: list[str] = []


class Catalogue(Resource):
    resource_type: ClassVar[str] = "Catalogue"


class CatalogueHandler(ResourceHandlerBase):
    async def on_start(self) -> None:
        self.ctx.publish(state=ResourceState.RUNNING, health=HealthStatus.HEALTHY)

    async def on_stop(self) -> None:
        EVENTS.append(f"on_stop {self.ctx.name}")


async def test_the_app_host_stopping_stops_a_handler_run_resource_after_its_dependents(tmp_path):
    EVENTS.clear()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    catalogue = LifecycleBuilder(b, Catalogue("catalogue"))
    b.add_resource(catalogue)
    reader = (
        b.add_executable("reader", PYTHON, ".", "-c", "import time; print('reading', flush=True); time.sleep(60)")
        .wait_for(catalogue)
        .with_stop_grace_period(2)
    )
    reader.on_stopped(lambda event: EVENTS.append(f"stopped {event.resource.name}"))
    with resource_handlers.registered(Catalogue, CatalogueHandler):
        async with testing.start(b) as app:
            await app.wait_for_log("reader", "reading", timeout=30)
            assert app.resource("catalogue").state == ResourceState.RUNNING
    assert app.resource("catalogue").state == ResourceState.EXITED
    assert EVENTS.index("on_stop catalogue") > EVENTS.index("stopped reader"), EVENTS
