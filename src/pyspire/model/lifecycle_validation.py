"""Validation of lifecycle annotations: waits (including cycles), health checks, commands,
restart policy; and the warning for a wait that can never mean what it says."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from pyspire.model.annotations import StopGracePeriodAnnotation
from pyspire.model.arguments import required_parameters, shown
from pyspire.model.builder import AppModel
from pyspire.model.call_site import CallSite
from pyspire.model.command_arguments import ARGUMENT_NAME, CommandArgument
from pyspire.model.endpoint_validation import missing_endpoint
from pyspire.model.endpoints import EndpointAnnotation
from pyspire.model.errors import ModelProblem
from pyspire.model.lifecycle import (
    CommandAnnotation,
    HealthCheckAnnotation,
    HealthIntervalAnnotation,
    RestartPolicyAnnotation,
    WaitAnnotation,
)
from pyspire.model.resources import Resource, RunnableResource

BUILT_IN_COMMANDS = frozenset({"start", "stop", "restart"})
#: A command name is one segment of a URL and one word on a command line.
_COMMAND_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

#: The shortest pause before restarting a replica that exited. A replica that crashes at once is
#: then restarted at most 10 times a second, and the doubling reaches a 30 s max_backoff after 9
#: restarts; with no pause, one crash loop restarted 7,310 times in minutes and grew the app host
#: by 200 MB. 0.1 s is below what anyone waits for a crashed process to come back.
MIN_BACKOFF = 0.1
#: The shortest time between two runs of a health check: 20 probes a second per check is already
#: far more than a dependent's start needs; 0 would probe in a busy loop.
MIN_HEALTH_INTERVAL = 0.05


def lifecycle_problems(resource: Resource, members: set[int]) -> Iterator[ModelProblem]:
    yield from _wait_problems(resource, members)
    yield from _health_problems(resource)
    yield from _interval_problems(resource)
    yield from _command_problems(resource)
    yield from _restart_problems(resource)


def _restart_problems(resource: Resource) -> Iterator[ModelProblem]:
    for policy in resource.annotations_of(RestartPolicyAnnotation):
        at = resource.origin_of(policy)
        if policy.policy not in ("never", "on_failure", "always"):
            yield ModelProblem(
                resource.name, "restart_policy", f"{policy.policy!r}: use 'never', 'on_failure' or 'always'", at
            )
        if policy.initial_backoff < MIN_BACKOFF:
            yield ModelProblem(
                resource.name,
                "restart_policy initial_backoff",
                f"{policy.initial_backoff} s is below the {MIN_BACKOFF} s floor: a replica that crashes at once "
                f"would be restarted in a busy loop; use initial_backoff={MIN_BACKOFF} or more",
                at,
            )
        elif policy.max_backoff < policy.initial_backoff:
            yield ModelProblem(
                resource.name,
                "restart_policy max_backoff",
                f"{policy.max_backoff} s is below initial_backoff ({policy.initial_backoff} s); "
                "make max_backoff at least initial_backoff",
                at,
            )
        if policy.max_restarts is not None and policy.max_restarts < 0:
            yield ModelProblem(
                resource.name,
                "restart_policy max_restarts",
                f"{policy.max_restarts} is not a count; use 0 or more (None: no limit)",
                at,
            )


def _wait_problems(resource: Resource, members: set[int]) -> Iterator[ModelProblem]:
    for wait in resource.annotations_of(WaitAnnotation):
        field = f"wait_for({wait.target.name!r})"
        at = resource.origin_of(wait)
        if id(wait.target) not in members:
            yield ModelProblem(resource.name, field, "the resource waited for is not in this app model", at)
        elif wait.target is resource:
            yield ModelProblem(resource.name, field, "a resource cannot wait for itself", at)
        if wait.behavior not in ("stop_on_unavailable", "wait_on_unavailable"):
            yield ModelProblem(
                resource.name,
                f"{field} behavior",
                f"{wait.behavior!r}: use 'stop_on_unavailable' or 'wait_on_unavailable'",
                at,
            )
        if wait.kind == "completion" and not 0 <= wait.exit_code <= 255:
            yield ModelProblem(
                resource.name,
                f"wait_for_completion({wait.target.name!r}) exit_code",
                f"{wait.exit_code} is not an exit status; use 0-255",
                at,
            )


def _probed_endpoint(check: HealthCheckAnnotation, endpoints: list[EndpointAnnotation]) -> EndpointAnnotation | None:
    """The endpoint an http/tcp check probes, chosen as the health monitor chooses it: the one
    named, else the first http/https endpoint (http) or the first endpoint (tcp)."""
    for endpoint in endpoints:
        if check.endpoint_name == endpoint.name or (
            check.endpoint_name is None and (check.kind == "tcp" or endpoint.scheme in ("http", "https"))
        ):
            return endpoint
    return None


def _health_problems(resource: Resource) -> Iterator[ModelProblem]:
    endpoints = resource.endpoints
    for check in resource.annotations_of(HealthCheckAnnotation):
        field = f"health check '{check.name}'"
        at = resource.origin_of(check)
        if check.kind == "http":
            if not check.path.startswith("/"):
                yield ModelProblem(
                    resource.name, field, f"the path {check.path!r} must start with '/', e.g. '/{check.path}'", at
                )
            if not 100 <= check.status_code <= 599:
                yield ModelProblem(
                    resource.name, field, f"status_code {check.status_code} is not an HTTP status (100-599)", at
                )
        if check.kind in ("http", "tcp"):
            probed = _probed_endpoint(check, endpoints)
            if check.endpoint_name is not None and probed is None:
                yield ModelProblem(resource.name, field, missing_endpoint(resource, check.endpoint_name), at)
            elif probed is None and check.kind == "http":
                yield ModelProblem(
                    resource.name, field, "the resource has no http/https endpoint; add one or pass endpoint_name", at
                )
            elif probed is None:
                yield ModelProblem(resource.name, field, "the resource has no endpoint to connect to", at)
            elif probed.protocol == "udp":
                yield ModelProblem(
                    resource.name,
                    field,
                    f"a{'n HTTP' if check.kind == 'http' else ' TCP'} check cannot probe the UDP endpoint "
                    f"'{probed.name}'; probe it with with_health_check(async_fn), or name a TCP endpoint",
                    at,
                )
        if check.kind == "custom" and check.check is not None:
            yield from _check_signature_problems(resource, check, field, at)
        if check.kind == "log" and check.pattern is not None:
            try:
                re.compile(check.pattern)
            except re.error as exc:
                yield ModelProblem(resource.name, field, f"the pattern is not a valid regex: {exc}", at)


def _check_signature_problems(
    resource: Resource, check: HealthCheckAnnotation, field: str, at: tuple[CallSite, ...]
) -> Iterator[ModelProblem]:
    """A custom check is called with no argument or with one, its :class:`HealthCheckContext`."""
    required = required_parameters(check.check) or []
    if len(required) > 1:
        yield ModelProblem(
            resource.name,
            field,
            f"the check needs {len(required)} arguments ({', '.join(required)}) but is given at most one, "
            "its HealthCheckContext: write `async def check(ctx): ...` and bind the others with "
            "functools.partial(check, ...) or give them defaults",
            at,
        )


def _interval_problems(resource: Resource) -> Iterator[ModelProblem]:
    for interval in resource.annotations_of(HealthIntervalAnnotation):
        for label, seconds in (("healthy", interval.healthy), ("unhealthy", interval.unhealthy)):
            if seconds < MIN_HEALTH_INTERVAL:
                yield ModelProblem(
                    resource.name,
                    f"health_check_interval {label}",
                    f"{seconds} s is below the {MIN_HEALTH_INTERVAL} s floor (checks would run in a busy "
                    f"loop); use {label}={MIN_HEALTH_INTERVAL} or more",
                    resource.origin_of(interval),
                )


def _can_report_readiness(resource: Resource) -> bool:
    """A health check reports readiness; so does an endpoint, whose proxy holds connections."""
    return bool(resource.endpoints) or bool(resource.annotations_of(HealthCheckAnnotation))


def wait_warnings(model: AppModel) -> Iterator[ModelProblem]:
    """``wait_for(x)`` waits until x is Running and Healthy. When x has no health check and no
    endpoint it is healthy the moment it starts, so a migration waited on this way runs beside its
    dependents, which never learn its exit code. Valid, but almost never what was meant."""
    members = {id(r) for r in model.resources}
    for resource in model.resources:
        for wait in resource.annotations_of(WaitAnnotation):
            target = wait.target
            if wait.kind != "healthy" or id(target) not in members or target is resource:
                continue
            if not isinstance(target, RunnableResource) or _can_report_readiness(target):
                continue
            name = target.name.replace("-", "_")
            yield ModelProblem(
                resource.name,
                f"wait_for({target.name!r})",
                f"'{target.name}' has no health check and no endpoint, so it counts as ready as soon as it "
                "starts and its exit code is never looked at. If it runs to completion (a migration), use "
                f"wait_for_completion({name}); if it is a long-running worker, give it a health check "
                "(with_ready_log_line, with_health_check)",
                resource.origin_of(wait),
            )


#: Settings only the built-in runners act on: a resource run by its own handler (an
#: integration's) restarts and stops as its handler decides, so these would silently do nothing there.
_RUNNER_SETTINGS: dict[type, str] = {
    RestartPolicyAnnotation: "restart policy",
    StopGracePeriodAnnotation: "stop grace period",
}
#: The checks a resource without replicas can run: http, tcp and exec probe a replica (its port,
#: its container) and a ready-log line matches a replica's output; a custom check needs neither.
REPLICA_FREE_CHECKS = frozenset({"custom"})


def monitored_checks(resource: Resource) -> list[HealthCheckAnnotation]:
    """The health checks the executor runs for ``resource`` while it is Running: all of a process's
    or a container's; the custom ones of any other resource (its handler runs no replica)."""
    checks = resource.annotations_of(HealthCheckAnnotation)
    if isinstance(resource, RunnableResource):
        return checks
    return [c for c in checks if c.kind in REPLICA_FREE_CHECKS]


def ignored_setting_warnings(model: AppModel) -> Iterator[ModelProblem]:
    """A restart policy or grace period on a resource that is not a process or a container is
    ignored: its handler decides how it stops. So is a health check that probes a replica (http,
    tcp, exec, ready-log line) there, and the interval of checks when none is run."""
    for resource in model.resources:
        if isinstance(resource, RunnableResource):
            continue
        for annotation in resource.annotations:
            what = _RUNNER_SETTINGS.get(type(annotation))
            if what is not None:
                yield ModelProblem(
                    resource.name,
                    what,
                    f"ignored: a {resource.resource_type} resource is run by its handler, which reports "
                    "its health and decides how it stops; remove the call",
                    resource.origin_of(annotation),
                )
        for check in resource.annotations_of(HealthCheckAnnotation):
            if check.kind not in REPLICA_FREE_CHECKS:
                yield ModelProblem(
                    resource.name,
                    f"health check '{check.name}'",
                    f"ignored: a {check.kind} check probes a process or container replica, and a "
                    f"{resource.resource_type} resource has none; check it with with_health_check(async_fn)",
                    resource.origin_of(check),
                )
        if not monitored_checks(resource):
            for interval in resource.annotations_of(HealthIntervalAnnotation):
                yield ModelProblem(
                    resource.name,
                    "health check interval",
                    "ignored: the resource has no health check the app host runs; add "
                    "with_health_check(async_fn) or remove the call",
                    resource.origin_of(interval),
                )


def _command_problems(resource: Resource) -> Iterator[ModelProblem]:
    commands = resource.annotations_of(CommandAnnotation)
    for name, count in Counter(c.name for c in commands).items():
        if count > 1:
            sites = tuple(s for c in commands if c.name == name for s in resource.origin_of(c))
            yield ModelProblem(
                resource.name, f"command '{name}'", f"declared {count} times; command names must be unique", sites
            )
    for command in commands:
        at = resource.origin_of(command)
        if command.name in BUILT_IN_COMMANDS:
            yield ModelProblem(
                resource.name, f"command '{command.name}'", "is a built-in command; choose another name", at
            )
        if not command.name:
            yield ModelProblem(resource.name, "command", "the command name is empty", at)
        elif not _COMMAND_NAME.match(command.name):
            yield ModelProblem(
                resource.name,
                f"command '{command.name}'",
                "use letters, digits, '-', '_' and '.', starting with a letter or digit: the name is "
                "what `pyspire resource NAME COMMAND` and the API's URL carry",
                at,
            )
        for problem in _argument_problems(command):
            yield ModelProblem(resource.name, f"command '{command.name}' arguments", problem, at)


_ARGUMENT_TEXT = ("label", "description", "default")


def _argument_problems(command: CommandAnnotation) -> Iterator[str]:
    """What is wrong with the arguments a command declares, each with its fix."""
    for name, count in Counter(a.name for a in command.arguments).items():
        if count > 1:
            yield f"'{name}' is declared {count} times; each argument needs its own name"
    for argument in command.arguments:
        yield from _one_argument_problems(argument)


def _one_argument_problems(argument: CommandArgument) -> Iterator[str]:
    if not isinstance(argument.name, str) or not ARGUMENT_NAME.match(argument.name):
        yield (
            f"{shown(argument.name)} is not an argument name: use letters, digits, '_', '-' and '.', "
            "starting with a letter or '_' (it is the KEY of `--arg KEY=VALUE`), e.g. CommandArgument('region')"
        )
        return
    for field in _ARGUMENT_TEXT:
        value = getattr(argument, field)
        if value is not None and not isinstance(value, str):
            shown_value = "a value" if argument.secret else shown(value)
            yield f"'{argument.name}': {field} {shown_value} is not a string; pass text, e.g. {field}='eu-west-2'"
    for field in ("required", "secret"):
        if not isinstance(getattr(argument, field), bool):
            yield f"'{argument.name}': {field} is not True or False, e.g. {field}=True"


def wait_cycles(model: AppModel) -> Iterator[ModelProblem]:
    """Report each cycle in the wait graph once, listing it (``a → b → c → a``)."""
    graph = {
        r.name: [w.target.name for w in r.annotations_of(WaitAnnotation) if w.target is not r]
        for r in model.resources
    }
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> Iterator[ModelProblem]:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield ModelProblem(
                        cycle[0],
                        "wait_for",
                        f"the waits form a cycle: {' → '.join(cycle)}; nothing in it could ever start — remove one wait",
                    )
            elif state.get(nxt) is None:
                yield from visit(nxt)
        path.pop()
        state[node] = 2

    for node in graph:
        if state.get(node) is None:
            yield from visit(node)
