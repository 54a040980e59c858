"""What each resource state looks like and which built-in commands it allows — one table each.

Dependency-free (the standard library and :mod:`pyspire.states`), so that the CLI's ``ps`` and
``describe`` style states without loading the app host, and so that the console, the CLI, the
API's command list and (later) the dashboard cannot disagree. Both tables are keyed by
:class:`~pyspire.states.ResourceState`; a test fails when a state lacks a row in either.

Enablement follows Aspire (``CommandsConfigurationExtensions``): start when nothing runs or while
waiting (on a Waiting resource it starts at once, skipping the waits); stop while active; both
disabled while a transition is under way; restart when there is something to restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from pyspire.states import HealthStatus, ResourceState

S = ResourceState

#: The rich style of each state, as the console and the CLI show it.
STATE_STYLES: Mapping[ResourceState, str] = MappingProxyType(
    {
        S.NOT_STARTED: "dim",
        S.WAITING: "magenta",
        S.BUILDING: "cyan",
        S.STARTING: "cyan",
        S.RUNNING: "green",
        S.STOPPING: "yellow",
        S.EXITED: "yellow",
        S.FINISHED: "blue",
        S.FAILED_TO_START: "bold red",
        S.VALUE_MISSING: "bold red",
    }
)

#: The rich style of each health status.
HEALTH_STYLES: Mapping[HealthStatus, str] = MappingProxyType(
    {HealthStatus.HEALTHY: "green", HealthStatus.UNHEALTHY: "red"}
)

#: Style for a state or health value the tables above do not know (from a newer app host).
UNKNOWN_STYLE = "white"


def style_of(value: str) -> str | None:
    """The style of a state or a health status given as text (as the API returns it); None when
    ``value`` is neither."""
    if value in STATE_STYLES:
        return STATE_STYLES[ResourceState(value)]
    if value in HEALTH_STYLES:
        return HEALTH_STYLES[HealthStatus(value)]
    return None


class CommandState(StrEnum):
    """Whether a command can run now (the API's ``commands[].state``)."""

    ENABLED = "enabled"
    DISABLED = "disabled"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class BuiltInCommands:
    """The state of ``start``, ``stop`` and ``restart`` for one resource state."""

    start: CommandState
    stop: CommandState
    restart: CommandState

    def as_dict(self) -> dict[str, CommandState]:
        return {"start": self.start, "stop": self.stop, "restart": self.restart}


E, D, H = CommandState.ENABLED, CommandState.DISABLED, CommandState.HIDDEN

#: Which built-in command is enabled, disabled or hidden in each state.
COMMAND_RULES: Mapping[ResourceState, BuiltInCommands] = MappingProxyType(
    {
        S.NOT_STARTED: BuiltInCommands(start=E, stop=H, restart=D),
        S.WAITING: BuiltInCommands(start=E, stop=E, restart=D),
        S.BUILDING: BuiltInCommands(start=D, stop=D, restart=D),
        S.STARTING: BuiltInCommands(start=D, stop=D, restart=D),
        S.RUNNING: BuiltInCommands(start=H, stop=E, restart=E),
        S.STOPPING: BuiltInCommands(start=D, stop=D, restart=D),
        S.EXITED: BuiltInCommands(start=E, stop=H, restart=E),
        S.FINISHED: BuiltInCommands(start=E, stop=H, restart=E),
        S.FAILED_TO_START: BuiltInCommands(start=E, stop=H, restart=E),
        # A parameter without a value: nothing to start or restart until it is given.
        S.VALUE_MISSING: BuiltInCommands(start=H, stop=E, restart=D),
    }
)
