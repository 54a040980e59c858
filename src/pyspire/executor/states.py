"""How replica (Executable) states add up to the state a user sees for a resource."""

from __future__ import annotations

from collections.abc import Sequence

from pyspire.executor.snapshots import ReplicaSnapshot


def replica_state(executable_state: str | None, exit_code: int | None) -> str:
    """Executable or Container status → user-facing state. A process that ended by itself with code 0 is
    Finished; one that failed or was stopped is Exited."""
    if executable_state is None:
        return "Starting"
    if executable_state == "Finished":
        return "Finished" if exit_code == 0 else "Exited"
    if executable_state == "Terminated":
        return "Exited"
    return executable_state


def aggregate_state(replicas: Sequence[ReplicaSnapshot], expected: int, phase: str) -> str:
    """The resource's state from its replicas. ``phase`` is the executor's own state for the
    resource (Starting, Waiting, …), used while not every replica exists yet."""
    states = [r.state for r in replicas]
    if "Running" in states:
        return "Running"
    if len(replicas) < expected:
        return phase
    if "Building" in states:
        return "Building"
    if "Starting" in states:
        return "Starting"
    if "Stopping" in states:
        return "Stopping"
    if states and all(s == "FailedToStart" for s in states):
        return "FailedToStart"
    if states and all(s == "Finished" for s in states):
        return "Finished"
    return "Exited" if states else phase


def aggregate_exit_code(replicas: Sequence[ReplicaSnapshot]) -> int | None:
    codes = [r.exit_code for r in replicas if r.exit_code is not None]
    if not codes:
        return None
    return next((c for c in codes if c != 0), 0)
