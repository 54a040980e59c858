"""Builder methods for a resource's lifecycle: waits, health checks, commands, restarts, stopping.

Like every builder method they only record annotations (or a problem, for an argument of the wrong
kind); the executor's runner, health and command modules act on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Self, TypeVar

from pyspire.model.annotations import StopGracePeriodAnnotation
from pyspire.model.arguments import Arg, shown
from pyspire.model.command_arguments import CommandArgument
from pyspire.model.lifecycle import (
    CommandAnnotation,
    CommandState,
    ExplicitStartAnnotation,
    HealthCheck,
    HealthCheckAnnotation,
    HealthIntervalAnnotation,
    RestartPolicy,
    RestartPolicyAnnotation,
    WaitAnnotation,
    WaitBehavior,
)
from pyspire.model.resource import Resource
from pyspire.model.resource_builder import ResourceBuilder

RR = TypeVar("RR", bound=Resource)

_ASYNC_CHECK = "with_health_check(check) after `async def check(): ...`"


class LifecycleBuilder(ResourceBuilder[RR]):
    """Waits, health checks, commands, restart policy and stop grace period."""

    def with_stop_grace_period(self, seconds: float) -> Self:
        """Seconds between SIGTERM and SIGKILL when stopping (default 10)."""
        if self._rejects("with_stop_grace_period", Arg("", seconds, "number", "with_stop_grace_period(5)")):
            return self
        return self._record(StopGracePeriodAnnotation(float(seconds)))

    # -- waits ---------------------------------------------------------------------------------

    def wait_for(self, resource: object, behavior: WaitBehavior = "stop_on_unavailable") -> Self:
        """Start only once ``resource`` is Running and Healthy. With ``stop_on_unavailable`` (the
        default) this resource fails if ``resource`` ends (Exited, Finished, FailedToStart)
        while waited on; ``wait_on_unavailable`` keeps waiting instead."""
        target = self._target("wait_for", resource)
        if target is None or self._rejects(
            "wait_for", Arg("behavior", behavior, "text", "behavior='wait_on_unavailable'")
        ):
            return self
        return self._record(WaitAnnotation(target[0], "healthy", behavior))

    def wait_for_start(self, resource: object) -> Self:
        """Start once ``resource`` is Running (healthy or not)."""
        target = self._target("wait_for_start", resource)
        return self if target is None else self._record(WaitAnnotation(target[0], "start"))

    def wait_for_completion(self, resource: object, exit_code: int = 0) -> Self:
        """Start once ``resource`` has finished with ``exit_code`` (migrations, seeders, builds);
        fail if it ends with another code."""
        target = self._target("wait_for_completion", resource)
        if target is None or self._rejects(
            "wait_for_completion", Arg("exit_code", exit_code, "whole number", "exit_code=0")
        ):
            return self
        return self._record(WaitAnnotation(target[0], "completion", exit_code=exit_code))

    def with_explicit_start(self) -> Self:
        """Stay NotStarted until started by command."""
        return self._record(ExplicitStartAnnotation())

    # -- health --------------------------------------------------------------------------------

    def with_http_health_check(
        self, path: str = "/", status_code: int = 200, endpoint_name: str | None = None
    ) -> Self:
        """Healthy while GET ``path`` on the endpoint (default: the first http/https one) answers
        ``status_code``. Each replica is checked directly on its own port."""
        if self._rejects(
            "with_http_health_check",
            Arg("path", path, "text", "with_http_health_check('/health')"),
            Arg("status_code", status_code, "whole number", "status_code=200"),
            Arg("endpoint_name", endpoint_name, "text", "endpoint_name='http'", optional=True),
        ):
            return self
        name = f"http{path}" if endpoint_name is None else f"{endpoint_name}{path}"
        return self._record(
            HealthCheckAnnotation(name, "http", endpoint_name=endpoint_name, path=path, status_code=status_code)
        )

    def with_tcp_health_check(self, endpoint_name: str | None = None) -> Self:
        """Healthy while a TCP connection to the endpoint (default: the first) opens."""
        if self._rejects(
            "with_tcp_health_check",
            Arg("endpoint_name", endpoint_name, "text", "with_tcp_health_check('tcp')", optional=True),
        ):
            return self
        return self._record(
            HealthCheckAnnotation(f"tcp-{endpoint_name or 'default'}", "tcp", endpoint_name=endpoint_name)
        )

    def with_ready_log_line(self, pattern: str) -> Self:
        """Healthy once a line of output matches the regex ``pattern`` (process-compose's
        ``ready_log_line``): for programs that print "ready" before they answer anything."""
        if self._rejects("with_ready_log_line", Arg("", pattern, "text", "with_ready_log_line(r'listening')")):
            return self
        return self._record(HealthCheckAnnotation(f"log:{pattern}", "log", pattern=pattern))

    def with_health_check(self, check: HealthCheck, name: str | None = None) -> Self:
        """A custom async check: healthy when it returns ``True``/``None``, unhealthy when it
        returns ``False`` or a string (the description) or raises (the error). It must be an
        ``async def`` function (or a ``functools.partial`` of one, to pass it arguments); one
        that takes an argument receives a :class:`HealthCheckContext`."""
        if self._rejects(
            "with_health_check",
            Arg("", check, "async callable", _ASYNC_CHECK),
            Arg("name", name, "text", "name='database'", optional=True),
        ):
            return self
        check_name = name or str(getattr(check, "__name__", "custom"))
        return self._record(HealthCheckAnnotation(check_name, "custom", check=check))

    def with_health_check_interval(self, healthy: float = 5.0, unhealthy: float = 0.1) -> Self:
        """Seconds between checks while healthy / while not yet (or no longer) healthy."""
        if self._rejects(
            "with_health_check_interval",
            Arg("healthy", healthy, "number", "healthy=5"),
            Arg("unhealthy", unhealthy, "number", "unhealthy=0.5"),
        ):
            return self
        return self._record(HealthIntervalAnnotation(healthy, unhealthy))

    # -- commands and restarts -----------------------------------------------------------------

    def with_command(
        self,
        name: str,
        display_name: str,
        callback: Callable[[Any], Any],
        description: str | None = None,
        confirmation_message: str | None = None,
        enabled_when: Callable[[Any], CommandState | bool] | None = None,
        icon: str | None = None,
        arguments: Sequence[CommandArgument] = (),
    ) -> Self:
        """Add a custom command, run by name from the CLI, the dashboard or the testing harness.

        ``arguments`` declares what the callback reads from ``context.arguments``: the dashboard
        asks for them, and a call with an undeclared or a missing required one is refused before
        the callback runs. A command that declares none receives whatever the caller gives."""
        if self._rejects(
            "with_command",
            Arg("name", name, "text", "with_command('flush', 'Flush cache', flush)"),
            Arg("display_name", display_name, "text", "with_command('flush', 'Flush cache', flush)"),
            Arg("callback", callback, "callable", "with_command('flush', 'Flush cache', flush)"),
            Arg("description", description, "text", "description='Empty the cache'", optional=True),
            Arg("confirmation_message", confirmation_message, "text", "confirmation_message='Sure?'", optional=True),
            Arg("enabled_when", enabled_when, "callable", "enabled_when=lambda snapshot: True", optional=True),
            Arg("icon", icon, "text", "icon='trash'", optional=True),
        ):
            return self
        declared = self._command_arguments(arguments)
        if declared is None:
            return self
        return self._record(
            CommandAnnotation(
                name, display_name, callback, description, confirmation_message, enabled_when, icon, declared
            )
        )

    def _command_arguments(self, arguments: object) -> tuple[CommandArgument, ...] | None:
        """``arguments`` as a tuple of :class:`CommandArgument`, or ``None`` (a problem recorded)
        when it is not a list of them. Whether their names are right is validation's job."""
        example = "arguments=[CommandArgument('region', required=True)]"
        if not isinstance(arguments, list | tuple):
            self._reject("with_command arguments", f"{shown(arguments)} is not a list; pass {example}")
            return None
        declared: list[CommandArgument] = []
        for item in arguments:
            if not isinstance(item, CommandArgument):
                self._reject("with_command arguments", f"{shown(item)} is not a CommandArgument; pass {example}")
                return None
            declared.append(item)
        return tuple(declared)

    def with_restart_policy(
        self,
        policy: RestartPolicy,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_restarts: int | None = None,
    ) -> Self:
        """Restart replicas that exit by themselves: ``never`` (default), ``on_failure`` or
        ``always``, with exponential backoff. A crash-looping resource never slows the others."""
        if self._rejects(
            "with_restart_policy",
            Arg("policy", policy, "text", "with_restart_policy('on_failure')"),
            Arg("initial_backoff", initial_backoff, "number", "initial_backoff=1"),
            Arg("max_backoff", max_backoff, "number", "max_backoff=30"),
            Arg("max_restarts", max_restarts, "whole number", "max_restarts=5", optional=True),
        ):
            return self
        return self._record(RestartPolicyAnnotation(policy, initial_backoff, max_backoff, max_restarts))
