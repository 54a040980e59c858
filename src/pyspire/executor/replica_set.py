"""Which replica objects belong to a runner now, and what each one looks like.

A runner creates one object per replica (an Executable, or a Container) and hears about every
change to objects of its resource from the executor's watch — including objects it has already
replaced (a persistent container's name is reused on every run, so the name alone does not say
which object an event is about; the uid does). This is that bookkeeping, in one place, bounded
by the replica count: an entry is dropped as soon as its object is, however many times a replica
is replaced.
"""

from __future__ import annotations

from pyspire.executor.snapshots import ReplicaSnapshot
from pyspire.executor.states import replica_state
from pyspire.orchestrator.store import Obj
from pyspire.states import TERMINAL_STATES, ResourceState


class ReplicaSet:
    def __init__(self) -> None:
        #: The replicas as the resource's snapshot shows them, by object name.
        self.snapshots: dict[str, ReplicaSnapshot] = {}
        #: The replica index of each current object.
        self.index: dict[str, int] = {}
        #: The uid of each replica object we created: events about an older object of the same
        #: name are not about the current replica.
        self.uids: dict[str, str] = {}
        #: Replicas the runner is deleting itself (start, restart): not to be replaced.
        self.releasing: set[str] = set()
        #: Replicas someone else deleted, being replaced → their last unadjusted snapshot.
        self.replacing: dict[str, ReplicaSnapshot] = {}

    def add(self, name: str, index: int, suffix: str) -> None:
        """A replica object is about to be created."""
        self.index[name] = index
        self.snapshots[name] = ReplicaSnapshot(name, suffix, ResourceState.STARTING)

    def created(self, name: str, uid: str) -> None:
        self.uids[name] = uid

    def is_current(self, obj: Obj) -> bool:
        """True when ``obj`` is the object of one of the current replicas."""
        name = obj["metadata"]["name"]
        return name in self.index and obj["metadata"].get("uid") == self.uids.get(name)

    def drop(self, names: list[str]) -> None:
        for name in names:
            self.snapshots.pop(name, None)
            self.index.pop(name, None)
            self.uids.pop(name, None)
            self.replacing.pop(name, None)

    def name_at(self, index: int) -> str:
        """The current replica with this index."""
        return next(name for name, i in self.index.items() if i == index)

    def running(self) -> list[tuple[str, int]]:
        """(name, index) of each Running replica."""
        return [(n, self.index[n]) for n, r in self.snapshots.items() if r.state == ResourceState.RUNNING]

    def live(self) -> list[str]:
        """Replicas that have not ended."""
        return [n for n, r in self.snapshots.items() if r.state not in TERMINAL_STATES]

    def any_live(self, names: list[str]) -> bool:
        """True while one of ``names`` is still a replica that has not ended."""
        return any(self.snapshots[n].state not in TERMINAL_STATES for n in names if n in self.snapshots)


def snapshot_of(obj: Obj) -> ReplicaSnapshot:
    """A replica as its object's status describes it."""
    name = obj["metadata"]["name"]
    status = obj.get("status", {})
    exit_code = status.get("exitCode")
    return ReplicaSnapshot(
        name=name,
        suffix=name.rsplit("-", 1)[-1],
        state=replica_state(status.get("state"), exit_code),
        pid=status.get("pid"),
        exit_code=exit_code,
        started_at=status.get("startupTimestamp"),
        stopped_at=status.get("finishTimestamp"),
        message=status.get("message"),
        container_id=status.get("containerId"),
    )
