"""The one vocabulary of resource states, shared by the executor, the API, the console and the CLI.

Dependency-free (only the standard library) so that a CLI command can import it without loading
the app host. Every module that asks "has this resource ended?" or "can it be stopped?" asks it
here; a state added to :class:`ResourceState` must be placed in every set below (a test checks
that it has a display style and a command-enablement rule), so the copies cannot drift again.
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
    RUNTIME_UNHEALTHY = "RuntimeUnhealthy"
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

#: A wait with ``stop_on_unavailable`` gives up when its target is in one of these.
UNAVAILABLE_STATES: frozenset[ResourceState] = TERMINAL_STATES | {S.RUNTIME_UNHEALTHY}

#: Failures the start-up summary reports as such.
FAILED_STATES: frozenset[ResourceState] = frozenset({S.FAILED_TO_START, S.VALUE_MISSING, S.RUNTIME_UNHEALTHY})

#: Nothing of the resource runs: ``start`` is the command that applies.
STOPPED_STATES: frozenset[ResourceState] = TERMINAL_STATES | {S.NOT_STARTED}


class HealthStatus(StrEnum):
    HEALTHY = "Healthy"
    UNHEALTHY = "Unhealthy"
