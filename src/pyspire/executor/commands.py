"""Commands: the built-in start / stop / restart and the user's own, with their enablement.

The built-in commands' enablement in each state is one table, :data:`pyspire.state_rules.COMMAND_RULES`
(Aspire's rules: start when stopped, waiting or not started, stop while active, restart when it
makes sense, hidden when a command has no meaning in the current state). Custom commands compute
their state from the snapshot with their ``enabled_when``.

A custom command's callback and its ``enabled_when`` are the user's code: whatever they raise
fails that command (or disables it) with the user's traceback in the resource's log, and never
reaches the app host.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyspire.executor.snapshots import CommandArgumentSnapshot, CommandSnapshot, ResourceSnapshot
from pyspire.executor.user_code import USER_ERRORS, describe, user_traceback
from pyspire.model.command_arguments import CommandArgument
from pyspire.model.lifecycle import CommandAnnotation
from pyspire.orchestrator.logs import LogStore
from pyspire.state_rules import COMMAND_RULES, CommandState
from pyspire.states import ResourceState


@dataclass(frozen=True)
class CommandResult:
    """What a command returns: success, or failure with a message for the user."""

    success: bool
    message: str | None = None

    @classmethod
    def ok(cls, message: str | None = None) -> CommandResult:
        return cls(True, message)

    @classmethod
    def failure(cls, message: str) -> CommandResult:
        return cls(False, message)


class CommandLogger:
    """Writes a command's messages into its resource's log (as app-host lines)."""

    def __init__(self, logs: LogStore, resource: str, command: str) -> None:
        self._logs, self._resource, self._command = logs, resource, command

    def info(self, message: str) -> None:
        self._logs.system(self._resource, f"[{self._command}] {message}")

    error = info
    warning = info

    def failed(self, what: str, exc: BaseException) -> None:
        """``what`` raised ``exc``: one line, then the user's traceback."""
        self.lines([f"{what}: {describe(exc)}", *user_traceback(exc)])

    def lines(self, lines: Iterable[str]) -> None:
        prefix = f"[{self._command}] "
        self._logs.append(self._resource, self._resource, "system", [prefix + line for line in lines])


class PredicateErrors:
    """Reports a command's failing ``enabled_when`` into the resource's log — once per distinct
    error, since the predicate runs at every snapshot and a traceback each time would flood the
    log. Holds one entry per command."""

    def __init__(self, logs: LogStore, resource: str) -> None:
        self._logs, self._resource = logs, resource
        self._last: dict[str, str] = {}

    def report(self, command: CommandAnnotation, exc: BaseException) -> None:
        if self._last.get(command.name) == describe(exc):
            return
        self._last[command.name] = describe(exc)
        logger = CommandLogger(self._logs, self._resource, command.name)
        logger.failed("enabled_when raised (the command is disabled)", exc)

    def cleared(self, command: CommandAnnotation) -> None:
        self._last.pop(command.name, None)


@dataclass
class CommandContext:
    """Passed to a custom command's callback."""

    resource: str
    snapshot: ResourceSnapshot
    logger: CommandLogger
    #: Set when the app host is stopping; a long command should check it and return.
    cancellation: asyncio.Event
    #: ``KEY=VALUE`` arguments the caller gave (``pyspire resource NAME CMD --arg region=eu-west-2``,
    #: the API's ``{"arguments": {...}}``); empty when none were given. For a command that declares
    #: its arguments: only declared names, required ones present, defaults filled in.
    arguments: Mapping[str, str] = field(default_factory=dict)


def built_in_states(state: ResourceState) -> dict[str, CommandState]:
    """The state of start, stop and restart for a resource in ``state``."""
    return COMMAND_RULES[state].as_dict()


_BUILT_IN_LABELS = {
    "start": ("Start", "Start the resource once its waits are satisfied (a Waiting one: at once)", "play"),
    "stop": ("Stop", "Stop the resource (its stop signal, SIGTERM unless set; SIGKILL after the grace period)", "stop"),
    "restart": ("Restart", "Stop, then start the resource", "arrow-clockwise"),
}


def _custom_state(
    command: CommandAnnotation, snapshot: ResourceSnapshot, errors: PredicateErrors | None
) -> str:
    if command.enabled_when is None:
        return "enabled"
    try:
        result = command.enabled_when(snapshot)
    except USER_ERRORS as exc:  # a broken predicate hides nothing: it disables the command
        if errors is not None:
            errors.report(command, exc)
        return "disabled"
    if errors is not None:
        errors.cleared(command)
    if result is True:
        return "enabled"
    if result is False:
        return "disabled"
    return str(result)


def command_snapshots(
    snapshot: ResourceSnapshot,
    custom: list[CommandAnnotation],
    with_built_ins: bool,
    errors: PredicateErrors | None = None,
) -> tuple[CommandSnapshot, ...]:
    commands: list[CommandSnapshot] = []
    if with_built_ins:
        for name, state in built_in_states(snapshot.state).items():
            display, description, icon = _BUILT_IN_LABELS[name]
            commands.append(CommandSnapshot(name, display, state, description, None, icon))
    for command in custom:
        commands.append(
            CommandSnapshot(
                command.name,
                command.display_name,
                _custom_state(command, snapshot, errors),
                command.description,
                command.confirmation_message,
                command.icon,
                tuple(argument_snapshot(a) for a in command.arguments),
            )
        )
    return tuple(commands)


def argument_snapshot(argument: CommandArgument) -> CommandArgumentSnapshot:
    """``argument`` as a snapshot shows it: a secret one without its default."""
    default = None if argument.secret else argument.default
    return CommandArgumentSnapshot(
        argument.name, argument.shown_label, argument.description, argument.required, argument.secret, default
    )


def to_result(value: Any) -> CommandResult:
    """Interpret a callback's return value (see :class:`pyspire.model.lifecycle.CommandAnnotation`)."""
    if isinstance(value, CommandResult):
        return value
    if value is None or value is True:
        return CommandResult.ok()
    if value is False:
        return CommandResult.failure("the command failed")
    return CommandResult.failure(str(value))


async def run_custom(command: CommandAnnotation, context: CommandContext) -> CommandResult:
    try:
        value = command.callback(context)
        if inspect.isawaitable(value):
            value = await value
    except asyncio.CancelledError:
        raise
    except USER_ERRORS as exc:
        context.logger.failed("failed", exc)
        return CommandResult.failure(describe(exc))
    return to_result(value)
