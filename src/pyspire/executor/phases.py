"""A resource runner's phases and the one function that moves it from phase to phase.

The runner (:mod:`pyspire.executor.runner`) used to keep its phase as a string set from a dozen
places; which event could happen in which phase was nowhere written down. Here it is: a
:class:`RunnerPhase`, the :class:`RunnerEvent` that can happen to a runner, and
:func:`next_phase`, a pure function of the two. The runner changes phase only through it, and
``tests/executor/test_runner_transitions.py`` checks every (phase, event) pair against a table,
so a rule cannot go missing or change unnoticed.

An event the table has no rule for is a bug in pyspire, never a user's mistake: :func:`next_phase`
raises :class:`IllegalTransition` and the runner logs it (it is never silently ignored).

Some events are expected in a phase but call for nothing: a replica that exits while its resource
is being stopped is not restarted. Their transition keeps the phase and says ``act=False``, so that
policy is in the table too, not in scattered ``if stop_requested`` checks.

The phase is the runner's own progress. What a user sees (the resource's state) comes from the
replicas once they exist (:func:`pyspire.executor.states.aggregate_state`); :attr:`RunnerPhase.shown`
is the state shown while they do not (or not all of them do).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pyspire.errors import PyspireError
from pyspire.states import ResourceState


class RunnerPhase(StrEnum):
    #: Nothing launched yet: an explicit-start resource, before its start command.
    NOT_STARTED = "NotStarted"
    #: Launching; some wait (or a value a replica needs) is pending.
    WAITING = "Waiting"
    #: Launching was given up because a wait cannot be satisfied (a dependency failed, ended, or
    #: finished with the wrong exit code); shown as FailedToStart while the runner watches the
    #: dependency and launches again once it is fixed.
    BLOCKED = "Blocked"
    #: Launching: the waits are satisfied (or skipped), replicas are being rendered and created.
    STARTING = "Starting"
    #: Every replica was created; from now on the replicas' states are the resource's state.
    LAUNCHED = "Launched"
    #: Rendering or creating a replica failed (the user's code raised, a value cannot resolve,
    #: an endpoint failed, the container engine is unavailable).
    FAILED_TO_START = "FailedToStart"
    #: The resource said it is up to date (:meth:`RunnableResource.up_to_date`): nothing was
    #: started; it shows Finished with exit code 0, so what waits for its completion goes on.
    UP_TO_DATE = "UpToDate"
    #: A stop was requested; the replicas are being stopped.
    STOPPING = "Stopping"
    #: Stopped by request: every replica has ended (or there was none).
    STOPPED = "Stopped"

    @property
    def shown(self) -> ResourceState:
        """The state a user sees while this phase has no replicas (or fewer than expected)."""
        return _SHOWN[self]


_SHOWN: dict[RunnerPhase, ResourceState] = {
    RunnerPhase.NOT_STARTED: ResourceState.NOT_STARTED,
    RunnerPhase.WAITING: ResourceState.WAITING,
    RunnerPhase.BLOCKED: ResourceState.FAILED_TO_START,
    RunnerPhase.STARTING: ResourceState.STARTING,
    RunnerPhase.LAUNCHED: ResourceState.STARTING,
    RunnerPhase.FAILED_TO_START: ResourceState.FAILED_TO_START,
    RunnerPhase.UP_TO_DATE: ResourceState.FINISHED,
    RunnerPhase.STOPPING: ResourceState.STOPPING,
    RunnerPhase.STOPPED: ResourceState.NOT_STARTED,
}

#: Phases a start command waits for before it returns: the launch has settled in one of them.
SETTLED_PHASES: frozenset[RunnerPhase] = frozenset(
    {RunnerPhase.WAITING, RunnerPhase.BLOCKED, RunnerPhase.FAILED_TO_START, RunnerPhase.UP_TO_DATE}
)
#: Phases in which the runner's own state overrides its replicas' (it failed, whatever they do).
FAILED_PHASES: frozenset[RunnerPhase] = frozenset({RunnerPhase.BLOCKED, RunnerPhase.FAILED_TO_START})
#: Phases after a stop request: nothing is restarted or replaced any more.
STOP_PHASES: frozenset[RunnerPhase] = frozenset({RunnerPhase.STOPPING, RunnerPhase.STOPPED})


class RunnerEvent(StrEnum):
    #: App start, and the resource starts only by command.
    START_DEFERRED = "start deferred"
    #: App start (not explicit-start), or the start command.
    START_REQUESTED = "start requested"
    #: Something the launch needs is still awaited (a dependency, a value of another resource).
    WAITS_PENDING = "waits pending"
    #: Every wait is satisfied, or skipped (no waits, or a forced start).
    WAITS_SATISFIED = "waits satisfied"
    #: A wait can never be satisfied as things are.
    DEPENDENCY_FAILED = "dependency failed"
    #: No wait fails any more: the dependency was fixed and started again.
    DEPENDENCY_RECOVERED = "dependency recovered"
    #: One replica object was created (by the launch, or replacing an old one).
    REPLICA_CREATED = "replica created"
    #: The waits held and the before-start subscribers returned, and the resource says running it
    #: would change nothing: no replica is created.
    FOUND_UP_TO_DATE = "found up to date"
    #: The launch has created every replica.
    REPLICAS_CREATED = "replicas created"
    #: Rendering or creating a replica failed.
    START_FAILED = "start failed"
    #: A replica ended by itself: the restart policy may restart it.
    REPLICA_EXITED = "replica exited"
    #: A client deleted a replica object: it is replaced.
    REPLICA_DELETED = "replica deleted by a client"
    #: The stop command (also the first half of restart).
    STOP_REQUESTED = "stop requested"
    #: Every replica the stop was waiting for has ended.
    REPLICAS_ENDED = "replicas ended"


@dataclass(frozen=True)
class Transition:
    """Where an event takes a runner. ``act`` is False when the event is expected in that phase
    but calls for nothing (a replica exiting during a stop is not restarted)."""

    phase: RunnerPhase
    act: bool = True


class IllegalTransition(PyspireError):
    """A runner got an event its phase has no rule for: a bug in pyspire, reported as such."""

    def __init__(self, phase: RunnerPhase, event: RunnerEvent) -> None:
        super().__init__(
            f"internal error: a runner in phase {phase.name} has no rule for the event "
            f"'{event}' (pyspire.executor.phases); please report this as a bug"
        )
        self.phase, self.event = phase, event


P, E = RunnerPhase, RunnerEvent
_EVERY_PHASE = frozenset(RunnerPhase)
#: Phases in which replicas may exist and are supervised (restarted, replaced).
_SUPERVISED = frozenset({P.WAITING, P.STARTING, P.LAUNCHED, P.FAILED_TO_START})


def _same(phases: frozenset[RunnerPhase], act: bool = True) -> dict[RunnerPhase, Transition]:
    return {phase: Transition(phase, act) for phase in phases}


def _to(target: RunnerPhase, phases: frozenset[RunnerPhase]) -> dict[RunnerPhase, Transition]:
    return {phase: Transition(target) for phase in phases}


#: Every rule: event → {phase it may happen in → transition}. A pair that is not here is illegal.
RULES: dict[RunnerEvent, dict[RunnerPhase, Transition]] = {
    E.START_DEFERRED: _same(frozenset({P.NOT_STARTED})),
    # A start while Waiting forces it (the runner skips the waits); a start of a running
    # resource replaces its replicas. A stop holds the runner's lock until it has ended.
    E.START_REQUESTED: _to(P.STARTING, _EVERY_PHASE - {P.STOPPING}),
    # In LAUNCHED / FAILED_TO_START it is a replacement replica whose values are pending: the
    # phase stays, only the message says what is awaited.
    E.WAITS_PENDING: {
        P.STARTING: Transition(P.WAITING),
        **_same(frozenset({P.WAITING, P.LAUNCHED, P.FAILED_TO_START})),
    },
    E.WAITS_SATISFIED: _to(P.STARTING, frozenset({P.WAITING, P.STARTING})),
    E.DEPENDENCY_FAILED: _to(P.BLOCKED, frozenset({P.WAITING})),
    E.DEPENDENCY_RECOVERED: _to(P.WAITING, frozenset({P.BLOCKED})),
    E.REPLICA_CREATED: {
        P.WAITING: Transition(P.STARTING),
        **_same(frozenset({P.STARTING, P.LAUNCHED, P.FAILED_TO_START})),
    },
    # In WAITING, a replacement is still awaiting a value: the launch itself is done.
    E.REPLICAS_CREATED: {
        **_to(P.LAUNCHED, frozenset({P.STARTING, P.WAITING})),
        **_same(frozenset({P.FAILED_TO_START})),
    },
    E.FOUND_UP_TO_DATE: _to(P.UP_TO_DATE, frozenset({P.STARTING})),
    E.START_FAILED: _to(P.FAILED_TO_START, _SUPERVISED),
    E.REPLICA_EXITED: {**_same(_SUPERVISED), **_same(STOP_PHASES, act=False)},
    E.REPLICA_DELETED: {**_same(_SUPERVISED), **_same(STOP_PHASES, act=False)},
    E.STOP_REQUESTED: _to(P.STOPPING, _EVERY_PHASE - {P.STOPPING}),
    E.REPLICAS_ENDED: _to(P.STOPPED, frozenset({P.STOPPING})),
}


def next_phase(phase: RunnerPhase, event: RunnerEvent) -> Transition:
    """Where ``event`` takes a runner in ``phase``; raises :class:`IllegalTransition` when the
    table has no rule for the pair."""
    transition = RULES[event].get(phase)
    if transition is None:
        raise IllegalTransition(phase, event)
    return transition
