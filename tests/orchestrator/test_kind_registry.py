"""The kind registry: a kind is declared once, registration can be undone, and the orchestrator
reconciles a registered kind and deletes its objects at shutdown in the kind's teardown phase."""

from __future__ import annotations

import asyncio
import sys

import pytest

from pyspire.errors import ConfigurationError
from pyspire.extensions import KINDS, KindRegistry, KindSpec, TeardownPhase
from pyspire.orchestrator import Orchestrator
from pyspire.orchestrator.objects import EXECUTABLE, SERVICE, new_executable, new_service
from tests.orchestrator.watching import until_object
from tests.orchestrator.widget_kind import WIDGET, new_widget, widget_spec


def test_a_kind_whose_name_is_taken_is_refused_naming_both_kinds():
    registry = KINDS.copy()
    with pytest.raises(ConfigurationError) as refused:
        registry.register(KindSpec(kind="Gadget", plural="gadgets", short_names=("exe",)))
    assert (
        "'exe'" in str(refused.value) and "Gadget" in str(refused.value) and EXECUTABLE in str(refused.value)
    )
    assert "Gadget" not in registry


def test_unregistering_a_kind_leaves_no_trace():
    registry = KindRegistry()
    handle = registry.register(widget_spec())
    assert registry.by_plural("widgets") is not None
    handle.unregister()
    assert len(registry) == 0 and registry.by_plural("widgets") is None
    with registry.registered(widget_spec()):
        assert WIDGET in registry
    assert WIDGET not in registry
    # The same name can be registered again once it is gone.
    registry.register(widget_spec()).unregister()


def test_an_orchestrator_keeps_the_kinds_it_was_made_with():
    with KINDS.registered(widget_spec()):
        orchestrator = Orchestrator()
    assert WIDGET in orchestrator.kinds and WIDGET in orchestrator.controllers
    assert WIDGET not in KINDS
    assert WIDGET not in Orchestrator().kinds


def test_built_in_kinds_tear_down_in_todays_order():
    phases = [[spec.kind for spec in phase] for phase in KINDS.teardown_phases()]
    assert phases == [["Executable", "Container"], ["Service"], ["ContainerNetwork", "ContainerVolume"]]
    assert KINDS.get("Endpoint").teardown is None


async def test_a_registered_kind_is_reconciled_and_deleted_at_shutdown_in_its_phase():
    registry = KINDS.copy()
    registry.register(widget_spec())
    assert TeardownPhase.WORKLOADS < registry.get(WIDGET).teardown < TeardownPhase.SERVICES  # type: ignore[operator]
    orchestrator = Orchestrator(kinds=registry)
    store = orchestrator.store
    deleted: list[str] = []

    async def record_deletions() -> None:
        async for event in store.watch():
            if event.type == "DELETED":
                deleted.append(event.kind)
                if event.kind == SERVICE:
                    return

    async with orchestrator.running():
        recorder = asyncio.create_task(record_deletions())
        store.create(
            new_executable(
                "sleeper",
                resource="sleeper",
                command=sys.executable,
                args=["-c", "import time; time.sleep(60)"],
                env={},
                working_directory="/",
                grace_period_seconds=5,
            )
        )
        store.create(
            new_service(
                "sleeper-http",
                resource="sleeper",
                endpoint="http",
                protocol="tcp",
                address="127.0.0.1",
                port=0,
                proxied=False,
            )
        )
        store.create(new_widget("w1", size=3))
        ready = await until_object(store, WIDGET, "w1", lambda o: o["status"].get("state") == "Ready")
        assert ready["status"]["size"] == 3
        await until_object(store, EXECUTABLE, "sleeper", lambda o: o["status"].get("state") == "Running")
    assert not store.list(WIDGET) and not store.list(EXECUTABLE) and not store.list(SERVICE)
    await asyncio.wait_for(recorder, 5)
    assert deleted == [EXECUTABLE, WIDGET, SERVICE]
