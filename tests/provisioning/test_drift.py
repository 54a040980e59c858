"""Drift: a periodic check (every 30 s by default) that starts one interval after the previous one
finished, never overlaps another, is queued at most once, and is not a user-visible operation.
A resource deleted out of band becomes "Missing in cloud" and the environment "Drifted"; an
unknown answer is not drift."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pyspire.provisioning import (
    DEFAULT_DRIFT_INTERVAL,
    EnsureProvisioned,
    EnvironmentState,
    Presence,
    ProvisioningController,
    ProvisioningState,
    Reprovision,
    SystemClock,
)
from tests.provisioning.conftest import SCOPE, Factory, chain_specs
from tests.provisioning.fake_backend import FakeBackend, FakeCloud, ManualClock, settle, wait_until


async def test_the_default_drift_interval_is_thirty_seconds() -> None:
    assert DEFAULT_DRIFT_INTERVAL == 30.0


async def test_a_resource_deleted_out_of_band_is_missing_within_one_interval_and_reprovision_restores_it(
    make: Factory, cloud: FakeCloud, clock: ManualClock
) -> None:
    controller, backend = make(drift=True, drift_interval=30)
    await controller.run(EnsureProvisioned())
    assert controller.board.environment is EnvironmentState.READY
    cloud.delete_out_of_band("b", "eu-west-1")
    await clock.advance(29)
    assert backend.count("exists") == 0
    await clock.advance(1)
    await wait_until(lambda: controller.board.resources["b"].state is ProvisioningState.MISSING_IN_CLOUD)
    assert controller.board.environment is EnvironmentState.DRIFTED
    assert controller.board.resources["a"].state is ProvisioningState.PROVISIONED
    await controller.run(Reprovision("b"))
    assert ("b", "eu-west-1") in cloud.resources
    assert controller.board.resources["b"].state is ProvisioningState.PROVISIONED
    assert controller.board.environment is EnvironmentState.READY


async def test_an_unknown_answer_from_the_cloud_is_not_drift(make: Factory, cloud: FakeCloud) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    cloud.delete_out_of_band("a", "eu-west-1")
    backend.presence["a"] = Presence.UNKNOWN  # e.g. expired credentials
    backend.transient[("exists", "b")] = 1  # a probe that raises is unknown too
    assert await controller.request_drift_check() == []
    assert {s.state for s in controller.board.resources.values()} == {ProvisioningState.PROVISIONED}
    assert controller.board.environment is EnvironmentState.READY


async def test_drift_checks_never_overlap_and_the_next_starts_one_interval_after_the_previous_finished(
    make: Factory, clock: ManualClock
) -> None:
    controller, backend = make(drift=True, drift_interval=30)
    await controller.run(EnsureProvisioned())
    backend.probe_gate.clear()  # the first check hangs on the cloud
    await clock.advance(30)
    await wait_until(lambda: backend.count("exists") == 3)
    for _ in range(5):
        await clock.advance(30)  # long past several intervals: no second check starts
    assert backend.count("exists") == 3
    backend.probe_gate.set()
    await settle()
    await clock.advance(29)
    assert backend.count("exists") == 3
    await clock.advance(1)
    await wait_until(lambda: backend.count("exists") == 6)
    assert backend.max_probes_in_flight == 3  # one check's probes at a time (they fan out)


async def test_at_most_one_drift_check_is_queued(make: Factory, cloud: FakeCloud) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    cloud.hold("a")
    busy = controller.submit(Reprovision("a"))
    await wait_until(lambda: cloud.running("a"))
    checks = {id(controller.request_drift_check()) for _ in range(5)}
    assert len(checks) == 1
    cloud.release("a")
    await busy
    await controller.request_drift_check()
    assert backend.count("exists") == 3


async def test_a_drift_check_is_not_a_user_visible_operation(make: Factory) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    backend.probe_gate.clear()
    check = controller.request_drift_check()
    await wait_until(lambda: backend.probes_in_flight == 3)
    assert controller.current_operation is None  # commands stay enabled: no flicker
    assert controller.cancel() is False  # and there is nothing for the user to cancel
    backend.probe_gate.set()
    await asyncio.wait_for(check, 1)


async def test_a_resource_found_missing_is_not_reused_from_the_cache_by_the_next_app_host(
    make: Factory, cloud: FakeCloud
) -> None:
    controller, _ = make()
    await controller.run(EnsureProvisioned())
    cloud.delete_out_of_band("a", "eu-west-1")
    assert await controller.request_drift_check() == ["a"]
    await controller.stop()
    restarted, backend = make()
    await restarted.run(EnsureProvisioned())
    assert [n for op, n in backend.calls if op == "deploy"] == ["a"]


async def test_the_drift_monitor_runs_on_the_real_clock_too(cloud: FakeCloud, state_path: Path) -> None:
    backend = FakeBackend(cloud)
    controller = ProvisioningController(
        SCOPE, chain_specs(), backend, state_path, clock=SystemClock(), drift_interval=0.05
    )
    controller.start()
    try:
        await controller.run(EnsureProvisioned())
        cloud.delete_out_of_band("c", "eu-west-1")
        await wait_until(lambda: controller.board.environment is EnvironmentState.DRIFTED, timeout=2)
        assert controller.board.resources["c"].state is ProvisioningState.MISSING_IN_CLOUD
    finally:
        await controller.stop()
