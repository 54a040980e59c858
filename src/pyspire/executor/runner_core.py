"""What the parts of one resource runner share: its resource, host, phase, message and replicas.

The parts (:mod:`~pyspire.executor.launch`, :mod:`~pyspire.executor.recovery`,
:mod:`~pyspire.executor.runner_commands`) each hold this core instead of each other, so none of
them imports another's module to reach shared state. The phase changes only in :meth:`advance`,
through the transition table of :mod:`pyspire.executor.phases`; an event the table refuses is
written to the resource's log and to the app host's logger as the internal error it is, then
raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any, Final

from pyspire.errors import PyspireError
from pyspire.executor.environment import mask_secrets
from pyspire.executor.phases import (
    FAILED_PHASES,
    SETTLED_PHASES,
    STOP_PHASES,
    IllegalTransition,
    RunnerEvent,
    RunnerPhase,
    Transition,
    next_phase,
)
from pyspire.executor.replica_set import ReplicaSet
from pyspire.executor.runner_host import RunnerHost
from pyspire.executor.states import aggregate_state
from pyspire.executor.user_code import describe, raised_by_user_code, user_traceback
from pyspire.model.resources import RunnableResource
from pyspire.states import ResourceState

_logger = logging.getLogger(__name__)


#: Phases whose own state is the resource's while no replica exists.
_SHOWN_WITHOUT_REPLICAS = frozenset(
    {RunnerPhase.NOT_STARTED, RunnerPhase.WAITING, RunnerPhase.UP_TO_DATE, RunnerPhase.STOPPED}
)


class _Keep:
    """The message argument's default: keep the message (within a phase) or clear it (on entering
    a new one)."""


_KEEP: Final = _Keep()


class RunnerCore:
    def __init__(
        self,
        resource: RunnableResource,
        host: RunnerHost,
        kind: str,
        start_errors: tuple[type[Exception], ...],
    ) -> None:
        self.resource = resource
        self.name = resource.name
        self.host = host
        #: The orchestrator kind of the replica objects.
        self.kind = kind
        #: pyspire's own reasons a resource cannot start (shown as a message, without a traceback).
        self.start_errors = start_errors
        self.phase = RunnerPhase.NOT_STARTED
        self.message: str | None = None
        self.replicas = ReplicaSet()
        self.env_shown: tuple[Any, ...] = ()
        #: Set once the current launch has settled: replicas created, Waiting, or failed.
        self.settled = asyncio.Event()
        #: Set at every replica change (a stop waits on it for its replicas to end).
        self.changed = asyncio.Event()
        #: Serializes commands and replacements of this resource (never held across resources).
        self.lock = asyncio.Lock()

    # -- phase ---------------------------------------------------------------------------------

    def advance(
        self, event: RunnerEvent, message: str | None | _Keep = _KEEP, publish: bool | None = True
    ) -> Transition:
        """Take ``event`` through the transition table. On entering a new phase the message is
        ``message`` (none by default); within a phase it changes only when one is given.
        ``publish``: True, False, or None for "only if what the user sees changed"."""
        try:
            transition = next_phase(self.phase, event)
        except IllegalTransition as exc:
            self.log(str(exc))
            _logger.error("resource %s: %s", self.name, exc)
            raise
        shown_before = (self.phase.shown, self.message)
        if transition.phase != self.phase:
            self.message = None if isinstance(message, _Keep) else message
        elif not isinstance(message, _Keep):
            self.message = message
        self.phase = transition.phase
        if self.phase in SETTLED_PHASES:
            self.settled.set()
        if publish or (publish is None and shown_before != (self.phase.shown, self.message)):
            self.host.publish(self.name)
        return transition

    @property
    def stop_requested(self) -> bool:
        return self.phase in STOP_PHASES

    def state(self) -> ResourceState:
        """The state a user sees: the runner's own while it failed or has no replicas to show,
        else what its replicas add up to."""
        phase, replicas = self.phase, self.replicas.snapshots
        if phase in FAILED_PHASES:
            return ResourceState.FAILED_TO_START
        if not replicas and phase in _SHOWN_WITHOUT_REPLICAS:
            return phase.shown
        # A stopped resource is what is left of it, even when not every replica was created.
        expected = len(replicas) if phase in STOP_PHASES else self.resource.replicas
        return aggregate_state(tuple(replicas.values()), expected, phase.shown)

    # -- log -----------------------------------------------------------------------------------

    def log(self, text: str) -> None:
        self.host.orchestrator.logs.system(self.name, text)

    def failure(self, what: str, exc: BaseException, secrets: Iterable[str] = ()) -> str:
        """Log why ``what`` failed — with the user's traceback when their code raised, or the
        whole one for a bug — and return the one-line message for the snapshot."""
        # pyspire's own errors say what to fix wherever they were raised (an integration's
        # hook raising ConfigurationError): the message is enough, a traceback would be noise.
        known = isinstance(exc, PyspireError) or (
            isinstance(exc, self.start_errors) and not raised_by_user_code(exc)
        )
        hidden = set(secrets)
        message = mask_secrets(f"{what}: {exc if known else describe(exc)}", hidden)
        self.log(message)
        if not known:
            lines = [mask_secrets(line, hidden) for line in user_traceback(exc)]
            self.host.orchestrator.logs.append(self.name, self.name, "system", lines)
        return message

    # -- replica objects -----------------------------------------------------------------------

    async def forget(self, names: list[str]) -> None:
        """Delete replica objects, wait until they are gone, and drop them from the snapshot."""
        orchestrator = self.host.orchestrator
        self.replicas.releasing.update(names)
        try:
            for name in names:
                orchestrator.store.delete(self.kind, name)
            await orchestrator.wait_deleted(self.kind, names)
            self.replicas.drop(names)
        finally:
            self.replicas.releasing.difference_update(names)
