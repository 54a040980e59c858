"""How replica (Executable) states add up to the state a user sees for a resource."""

from __future__ import annotations

from collections.abc import Sequence

from pyspire.executor.snapshots import ReplicaSnapshot
from pyspire.states import ResourceState

S = ResourceState


def replica_state(executable_state: str | None, exit_code: int | None) -> ResourceState:
    """Executable or Container status → user-facing state. A process that ended by itself with code 0 is
    Finished; one that failed or was stopped is Exited."""
    if executable_state is None:
        return S.STARTING
    if executable_state == "Finished":
        return S.FINISHED if exit_code == 0 else S.EXITED
    if executable_state == "Terminated":
        return S.EXITED
    return ResourceState(executable_state)


def aggregate_state(replicas: Sequence[ReplicaSnapshot], expected: int, phase: ResourceState) -> ResourceState:
    """The resource's state from its replicas. ``phase`` is the executor's own state for the
    resource (Starting, Waiting, …), used while not every replica exists yet."""
    states = [r.state for r in replicas]
    if S.RUNNING in states:
        return S.RUNNING
    if len(replicas) < expected:
        return phase
    for transitional in (S.BUILDING, S.STARTING, S.STOPPING):
        if transitional in states:
            return transitional
    if states and all(s == S.FAILED_TO_START for s in states):
        return S.FAILED_TO_START
    if states and all(s == S.FINISHED for s in states):
        return S.FINISHED
    return S.EXITED if states else phase


def aggregate_exit_code(replicas: Sequence[ReplicaSnapshot]) -> int | None:
    codes = [r.exit_code for r in replicas if r.exit_code is not None]
    if not codes:
        return None
    return next((c for c in codes if c != 0), 0)
