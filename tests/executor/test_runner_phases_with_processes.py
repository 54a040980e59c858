"""The runner's phases where its behaviour is subtle, with real processes: a start while Waiting
forces the start, a stop before the start leaves nothing behind that would start it later, a
restart is refused while a wait cannot be satisfied, a dependent blocked by a failed dependency
launches once the dependency recovers, and an event its phase has no rule for is refused loudly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from pyspire import DistributedApplication, testing
from pyspire.executor.phases import IllegalTransition, RunnerEvent, RunnerPhase
from pyspire.testing import AppHandle
from tests.conftest import PYTHON, pid_alive

SLEEP = "import time; time.sleep(60)"


@contextlib.asynccontextmanager
async def states_of(app: AppHandle, name: str) -> AsyncIterator[list[str]]:
    """The states ``name``'s snapshots go through while the block runs (repeats folded)."""
    seen: list[str] = []
    subscription = app.executor.snapshots.subscribe()

    async def record() -> None:
        async for snap in subscription:
            if snap.name == name and (not seen or seen[-1] != snap.state):
                seen.append(snap.state)

    task = asyncio.create_task(record())
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await subscription.aclose()


async def test_start_while_waiting_starts_at_once_without_the_dependency(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", PYTHON, ".", "-c", SLEEP).with_explicit_start()
    b.add_executable("web", PYTHON, ".", "-c", SLEEP).wait_for_start(api)
    async with testing.start(b) as app:
        waiting = await app.wait_for_resource("web", "Waiting")
        assert waiting.state_message == "waiting for 'api' to be running"
        runner = app.executor.runners["web"]
        assert runner.phase == RunnerPhase.WAITING

        assert (await app.execute_command("web", "start")).success
        running = await app.wait_for_resource("web", "Running")
        assert pid_alive(running.replicas[0].pid)
        assert runner.phase == RunnerPhase.LAUNCHED
        assert app.resource("api").state == "NotStarted"


async def test_a_stop_before_the_start_leaves_nothing_that_would_start_it_later(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", PYTHON, ".", "-c", SLEEP).with_explicit_start()
    b.add_executable("web", PYTHON, ".", "-c", SLEEP).wait_for_start(api)
    async with testing.start(b) as app:
        await app.wait_for_resource("web", "Waiting")
        runner = app.executor.runners["web"]
        assert (await app.execute_command("web", "stop")).success
        stopped = app.resource("web")
        assert (stopped.state, stopped.state_message) == ("NotStarted", "stopped before it started")
        assert runner.phase == RunnerPhase.STOPPED and not runner.replicas

        # The launch that was waiting for 'api' is gone: api's start does not start web.
        assert (await app.execute_command("api", "start")).success
        await app.wait_for_resource("api", "Running")
        assert runner._launcher.task is not None and runner._launcher.task.done()
        assert app.resource("web").state == "NotStarted"

        assert (await app.execute_command("web", "start")).success
        await app.wait_for_resource("web", "Running")
        assert runner.phase == RunnerPhase.LAUNCHED


async def test_a_restart_is_refused_while_a_wait_cannot_be_satisfied_and_the_replica_keeps_running(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", PYTHON, ".", "-c", SLEEP)
    b.add_executable("web", PYTHON, ".", "-c", SLEEP).wait_for_start(api)
    async with testing.start(b) as app:
        web = await app.wait_for_resource("web", "Running")
        assert (await app.execute_command("api", "stop")).success
        assert app.executor.runners["api"].phase == RunnerPhase.STOPPED

        refused = await app.execute_command("web", "restart")
        assert not refused.success
        assert refused.message is not None and refused.message.startswith("cannot restart 'web': 'api' is Exited")
        runner = app.executor.runners["web"]
        assert runner.phase == RunnerPhase.LAUNCHED
        assert app.resource("web").replicas[0].pid == web.replicas[0].pid
        assert pid_alive(web.replicas[0].pid)


async def test_a_dependent_blocked_by_a_failed_dependency_launches_once_the_dependency_recovers(tmp_path):
    fixed = tmp_path / "fixed"
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    migrate = b.add_executable(
        "migrate", PYTHON, ".", "-c", f"import os, sys; sys.exit(0 if os.path.exists({str(fixed)!r}) else 3)"
    )
    b.add_executable("api", PYTHON, ".", "-c", SLEEP).wait_for_completion(migrate)
    async with testing.start(b) as app:
        with pytest.raises(testing.ResourceStateError, match="expected 0"):
            await app.wait_for_resource("api", "Running")
        runner = app.executor.runners["api"]
        assert runner.phase == RunnerPhase.BLOCKED and runner.state == "FailedToStart"

        fixed.touch()
        async with states_of(app, "api") as seen:
            assert (await app.execute_command("migrate", "start")).success
            await app.wait_for_resource("api", "Running")
        # In this order, each at most once (a fan-out that keeps only the latest snapshot of a
        # resource may fold Waiting into Starting: both are published in the same loop step).
        assert seen[-1] == "Running" and seen == sorted(set(seen), key=["Waiting", "Starting", "Running"].index)
        assert runner.phase == RunnerPhase.LAUNCHED
        assert "its dependencies are back; waiting for them again" in app.log_text("api")


async def test_an_event_its_phase_has_no_rule_for_is_refused_and_logged_as_an_internal_error(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, ".", "-c", SLEEP)
    async with testing.start(b) as app:
        await app.wait_for_resource("api", "Running")
        runner = app.executor.runners["api"]
        with pytest.raises(IllegalTransition):
            runner.core.advance(RunnerEvent.REPLICAS_ENDED)
        assert runner.phase == RunnerPhase.LAUNCHED and app.resource("api").state == "Running"
        assert "internal error: a runner in phase LAUNCHED has no rule for the event 'replicas ended'" in (
            app.log_text("api")
        )
