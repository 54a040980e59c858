"""The one vocabulary of resource states, shared by the executor, the API, the console and the CLI.

Dependency-free (only the standard library) so that a CLI command can import it without loading
the app host. Every module that asks "has this resource ended?" or "can it be stopped?" asks it
here; a state added to :class:`ResourceState` must be placed in every set below (a test checks
that it has a display style and a command-enablement rule, both in :mod:`pyspire.state_rules`), so
the copies cannot drift again.

There is no ``RuntimeUnhealthy``: Aspire shows it while the container runtime does not answer and
starts the container once it does. pyspire asks the engine once per run, so a container whose
engine is absent cannot start until the app host runs again: that is ``FailedToStart``, with the
engine's reason as the message.
"""

from __future__ import annotations

from enum import StrEnum


class ResourceState(StrEnum):
    """What a user sees for a resource (Aspire's ``KnownResourceStates``)."""

    NOT_STARTED = "NotStarted"
    WAITING = "Waiting"
    BUILDING = "Building"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    EXITED = "Exited"
    FINISHED = "Finished"
    FAILED_TO_START = "FailedToStart"
    VALUE_MISSING = "ValueMissing"


S = ResourceState

#: After these a resource does not change again by itself (until a command starts it).
TERMINAL_STATES: frozenset[ResourceState] = frozenset({S.FINISHED, S.EXITED, S.FAILED_TO_START})

#: On the way up: something is being prepared and will settle by itself.
STARTING_STATES: frozenset[ResourceState] = frozenset({S.WAITING, S.BUILDING, S.STARTING})

#: A process or container of the resource exists (is coming up, up, or going down).
ACTIVE_STATES: frozenset[ResourceState] = frozenset({S.STARTING, S.RUNNING, S.STOPPING})

#: A wait with ``stop_on_unavailable`` gives up when its target is in one of these.
UNAVAILABLE_STATES: frozenset[ResourceState] = TERMINAL_STATES

#: Failures the start-up summary reports as such; neither changes until someone acts.
FAILED_STATES: frozenset[ResourceState] = frozenset({S.FAILED_TO_START, S.VALUE_MISSING})

#: Start-up is over for the resource: it runs, or it will not run by itself.
SETTLED_STATES: frozenset[ResourceState] = TERMINAL_STATES | {S.RUNNING, S.VALUE_MISSING}

#: Nothing more happens to the resource by itself: it ended, or it has no value to start with.
HALTED_STATES: frozenset[ResourceState] = TERMINAL_STATES | {S.VALUE_MISSING}

#: Not running, and the snapshot's message says why (what it waits for, why it failed): the
#: console prints that message beside the state.
BLOCKED_STATES: frozenset[ResourceState] = FAILED_STATES | {S.WAITING}

#: A state whose snapshot message explains something the user should read (why it waits, failed,
#: or was not started).
EXPLAINED_STATES: frozenset[ResourceState] = FAILED_STATES | {S.WAITING, S.NOT_STARTED, S.EXITED, S.STOPPING}

#: Nothing of the resource runs: ``start`` is the command that applies.
STOPPED_STATES: frozenset[ResourceState] = TERMINAL_STATES | {S.NOT_STARTED}


class HealthStatus(StrEnum):
    """A running resource's health: every check passes (or it has none), or one does not."""

    HEALTHY = "Healthy"
    UNHEALTHY = "Unhealthy"
