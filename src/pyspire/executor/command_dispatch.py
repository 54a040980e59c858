"""Running a command by name (start, stop, restart, or a custom one), as the CLI, the API and the
dashboard ask for it: checked against the resource's snapshot (does it have the command, is it
enabled now), then the built-ins go to the resource's handler and custom ones to their callback.

A custom command's arguments are checked against what it declares before its callback runs
(:func:`pyspire.model.command_arguments.checked_arguments` raises
:class:`~pyspire.model.command_arguments.CommandArgumentError`, which the API answers with 400),
and the values of its secret arguments join the run's redactor: whatever the callback logs,
returns or hands to a process shows them masked, as for a secret parameter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from pyspire.executor.commands import CommandContext, CommandLogger, CommandResult, run_custom
from pyspire.executor.handlers import ResourceHandler
from pyspire.executor.snapshots import SnapshotHub
from pyspire.model.command_arguments import checked_arguments, secret_values
from pyspire.model.lifecycle import CommandAnnotation
from pyspire.model.resources import Resource
from pyspire.orchestrator.logs import LogStore
from pyspire.orchestrator.redaction import Redactor

BUILT_IN = ("start", "stop", "restart")


class CommandDispatcher:
    def __init__(
        self,
        handlers: Mapping[str, tuple[Resource, ResourceHandler]],
        snapshots: SnapshotHub,
        logs: LogStore,
        redactor: Redactor,
        stopping: asyncio.Event,
    ) -> None:
        self._handlers = handlers
        self._snapshots = snapshots
        self._logs = logs
        self._redactor = redactor
        self._stopping = stopping

    async def execute(self, resource: str, command: str, arguments: Mapping[str, str] | None = None) -> CommandResult:
        """Run ``command`` on ``resource``: its result, or a failure saying why it cannot run now.
        Arguments a custom command does not accept raise ``CommandArgumentError`` instead (the
        caller's mistake, not the command's failure)."""
        found = self._handlers.get(resource)
        if found is None:
            return CommandResult.failure(f"no resource named '{resource}'")
        model, handler = found
        snapshot = self._snapshots.get(resource)
        commands = {c.name: c for c in snapshot.commands}
        if not commands:
            return CommandResult.failure(f"resource '{resource}' has no commands")
        known = commands.get(command)
        if known is None:
            return CommandResult.failure(
                f"resource '{resource}' has no command '{command}' (available: {', '.join(commands)})"
            )
        if known.state != "enabled":
            return CommandResult.failure(
                f"command '{command}' is {known.state} while '{resource}' is {snapshot.state}"
            )
        result: CommandResult
        custom = next((c for c in model.annotations_of(CommandAnnotation) if c.name == command), None)
        if custom is None and command in BUILT_IN:
            result = await getattr(handler, command)()
        else:
            assert custom is not None
            given = checked_arguments(resource, command, custom.arguments, arguments or {})
            self._redactor.add(secret_values(custom.arguments, given))
            logger = CommandLogger(self._logs, resource, command)
            result = await run_custom(custom, CommandContext(resource, snapshot, logger, self._stopping, given))
        # The message (the user's, an exception's, a failed start's) can quote a value the
        # resource was given.
        message = self._redactor.mask(result.message) if result.message else None
        return CommandResult(result.success, message)
