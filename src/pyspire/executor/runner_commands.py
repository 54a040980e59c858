"""The commands on one resource: stop, start, restart.

Commands on one resource are serialized (the runner's lock); different resources never wait on
each other, so a crash-looping resource does not slow the rest of the app. Stopping patches
``spec.stop`` and waits for every replica to end. Start after stop deletes the old objects and
creates new ones (new pids) on the same target ports, behind the same proxy port, so clients keep
working.

Starting by command re-evaluates the waits, as the app's start does: when one cannot be satisfied
now (the dependency is stopped, failed, or finished with the wrong exit code) the command fails
with the reason and the resource stays as it was; when one is pending the resource shows Waiting.
``start`` on a resource that is already Waiting starts it at once, skipping its waits (Aspire's
"force start").
"""

from __future__ import annotations

import asyncio
import contextlib

from pyspire.executor.commands import CommandResult
from pyspire.executor.launch import Launcher
from pyspire.executor.phases import FAILED_PHASES, RunnerEvent, RunnerPhase
from pyspire.executor.recovery import ReplicaRecovery
from pyspire.executor.runner_core import RunnerCore
from pyspire.executor.waits import blocked
from pyspire.states import ResourceState

E = RunnerEvent


class RunnerCommands:
    def __init__(self, core: RunnerCore, launcher: Launcher, recovery: ReplicaRecovery) -> None:
        self.core, self.launcher, self.recovery = core, launcher, recovery

    async def _cancel_pending(self) -> None:
        """Cancel the launch and every pending replacement, and wait until they have ended."""
        tasks = [t for t in [self.launcher.task, *self.recovery.tasks.values()] if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.recovery.tasks.clear()

    async def stop(self) -> CommandResult:
        """Stop every replica (SIGTERM to its group, grace period, SIGKILL) and wait until ended."""
        core = self.core
        async with core.lock:
            # First, so that nothing restarts a replica from now on.
            core.advance(E.STOP_REQUESTED, publish=False)
            await self._cancel_pending()
            store = core.host.orchestrator.store
            live = core.replicas.live()
            for name in live:
                if store.exists(core.kind, name):  # a deleted replica may be gone already
                    store.patch(core.kind, name, {"spec": {"stop": True}})
            while core.replicas.any_live(live):
                core.changed.clear()
                await core.changed.wait()
            core.advance(E.REPLICAS_ENDED, None if core.replicas.snapshots else "stopped before it started")
        return CommandResult.ok()

    def _blocked(self, command: str) -> CommandResult | None:
        """A failure naming every wait that cannot be satisfied now, else None."""
        core = self.core
        failed = blocked(self.launcher.waits, core.host.snapshots)
        if not failed:
            return None
        reasons = "; ".join(reason for _, reason in failed)
        names = ", ".join(dict.fromkeys(f"'{wait.target.name}'" for wait, _ in failed))
        return CommandResult.failure(f"cannot {command} '{core.name}': {reasons}; start {names} first")

    async def start(self) -> CommandResult:
        """Start again (new replicas in place of ended ones) once the waits are satisfied; on a
        Waiting resource, at once. Returns once the resource is starting, Waiting or failed."""
        core = self.core
        async with core.lock:
            force = core.state() == ResourceState.WAITING
            refusal = None if force else self._blocked("start")
            if refusal is not None:
                return refusal
            await self._cancel_pending()
            await core.forget(list(core.replicas.snapshots))
            self.recovery.backoff.reset()
            settled = self.launcher.launch(skip_waits=force)
            await settled.wait()
            if core.phase in FAILED_PHASES:
                return CommandResult.failure(core.message or f"'{core.name}' failed to start")
            # Waiting: what it waits for; up to date: why nothing had to run.
            said = core.phase in (RunnerPhase.WAITING, RunnerPhase.UP_TO_DATE)
            return CommandResult.ok(core.message if said else None)

    async def restart(self) -> CommandResult:
        """Stop, then start — unless a wait cannot be satisfied now: then it keeps running."""
        refusal = self._blocked("restart")
        if refusal is not None:
            return refusal
        await self.stop()
        return await self.start()
