"""Waiting for dependencies (``wait_for``, ``wait_for_start``, ``wait_for_completion``).

Waits are evaluated on resource snapshots, so a dependent reacts the moment its dependency's
snapshot changes — no polling here; how fast health is noticed is the health monitor's business.

A wait is in one of three conditions at any moment: satisfied, pending (the dependency may still
get there by itself), or failed (:class:`DependencyFailed`: it cannot get there unless someone
acts — it ended, failed, or finished with the wrong exit code). A failed wait is not final: the
dependent watches until none of its waits fails any more (the dependency was fixed and started
again), then waits again and starts, so a chain of dependents recovers by itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence

from pyspire.errors import PermanentError
from pyspire.executor.snapshots import ResourceSnapshot, SnapshotHub
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.states import UNAVAILABLE_STATES, HealthStatus, ResourceState

#: States in which a dependency is "unavailable": with stop_on_unavailable, the dependent fails.
UNAVAILABLE = UNAVAILABLE_STATES


class DependencyFailed(PermanentError, RuntimeError):
    """A dependency ended in a way that means the dependent cannot start until someone acts; names
    it. Permanent for this attempt: the dependent does not retry, it waits until the dependency is
    fixed (:func:`until_unblocked`)."""


def _check(wait: WaitAnnotation, snap: ResourceSnapshot) -> bool:
    """True when satisfied; raises DependencyFailed when it never will be; False to keep waiting."""
    name = wait.target.name
    if wait.kind == "completion":
        if snap.state in (ResourceState.FINISHED, ResourceState.EXITED):
            if snap.exit_code == wait.exit_code:
                return True
            raise DependencyFailed(
                f"'{name}' finished with exit code {snap.exit_code}, expected {wait.exit_code}"
            )
        if snap.state == ResourceState.FAILED_TO_START:
            raise DependencyFailed(f"'{name}' failed to start ({snap.state_message or 'no message'})")
        return False
    if snap.state == ResourceState.RUNNING and (wait.kind == "start" or snap.health_status == HealthStatus.HEALTHY):
        return True
    if wait.behavior == "stop_on_unavailable" and snap.state in UNAVAILABLE:
        detail = f", exit code {snap.exit_code}" if snap.exit_code is not None else ""
        raise DependencyFailed(f"'{name}' is {snap.state}{detail} and this resource waits for it")
    return False


def describe(wait: WaitAnnotation) -> str:
    if wait.kind == "completion":
        return f"'{wait.target.name}' to finish" + (
            f" with exit code {wait.exit_code}" if wait.exit_code else ""
        )
    if wait.kind == "start":
        return f"'{wait.target.name}' to be running"
    return f"'{wait.target.name}' to be healthy"


def blocked(waits: Sequence[WaitAnnotation], snapshots: SnapshotHub) -> list[tuple[WaitAnnotation, str]]:
    """Each wait that cannot be satisfied now, with why (empty when every wait is satisfied or
    pending)."""
    failed = []
    for wait in waits:
        try:
            _check(wait, snapshots.get(wait.target.name))
        except DependencyFailed as exc:
            failed.append((wait, str(exc)))
    return failed


async def _changes(waits: Sequence[WaitAnnotation], snapshots: SnapshotHub) -> AsyncGenerator[None, None]:
    """Once now, then after every change to a snapshot these waits look at."""
    watched = {w.target.name for w in waits}
    subscription = snapshots.subscribe()
    try:
        yield
        async for snap in subscription:
            if snap.name in watched:
                yield
    finally:
        await subscription.aclose()


async def until_unblocked(waits: Sequence[WaitAnnotation], snapshots: SnapshotHub) -> None:
    """Return once no wait fails any more (each is satisfied or pending again)."""
    async with contextlib.aclosing(_changes(waits, snapshots)) as changes:
        async for _ in changes:
            if not blocked(waits, snapshots):
                return


async def wait_for_dependencies(
    waits: Sequence[WaitAnnotation], snapshots: SnapshotHub, on_wait: Callable[[str], None]
) -> None:
    """Return once every wait is satisfied; raise :class:`DependencyFailed` if one never can be.
    ``on_wait`` is told what is still awaited whenever that changes."""
    pending = list(waits)
    told = ""
    async with contextlib.aclosing(_changes(waits, snapshots)) as changes:
        async for _ in changes:
            pending = [w for w in pending if not _check(w, snapshots.get(w.target.name))]
            if not pending:
                return
            message = "waiting for " + ", ".join(describe(w) for w in pending)
            if message != told:
                told = message
                on_wait(message)
