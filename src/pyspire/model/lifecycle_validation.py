"""Validation of lifecycle annotations: waits (including cycles), health checks, commands."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from pyspire.model.builder import AppModel
from pyspire.model.errors import ModelProblem
from pyspire.model.lifecycle import (
    CommandAnnotation,
    HealthCheckAnnotation,
    RestartPolicyAnnotation,
    WaitAnnotation,
)
from pyspire.model.resources import Resource

BUILT_IN_COMMANDS = frozenset({"start", "stop", "restart"})


def lifecycle_problems(resource: Resource, members: set[int]) -> Iterator[ModelProblem]:
    yield from _wait_problems(resource, members)
    yield from _health_problems(resource)
    yield from _command_problems(resource)
    for policy in resource.annotations_of(RestartPolicyAnnotation):
        if policy.policy not in ("never", "on_failure", "always"):
            yield ModelProblem(
                resource.name, "restart_policy", f"{policy.policy!r}: use 'never', 'on_failure' or 'always'"
            )
        if policy.initial_backoff < 0 or policy.max_backoff < policy.initial_backoff:
            yield ModelProblem(
                resource.name, "restart_policy", "backoffs must satisfy 0 <= initial_backoff <= max_backoff"
            )


def _wait_problems(resource: Resource, members: set[int]) -> Iterator[ModelProblem]:
    for wait in resource.annotations_of(WaitAnnotation):
        field = f"wait_for({wait.target.name!r})"
        if id(wait.target) not in members:
            yield ModelProblem(resource.name, field, "the resource waited for is not in this app model")
        elif wait.target is resource:
            yield ModelProblem(resource.name, field, "a resource cannot wait for itself")
        if wait.behavior not in ("stop_on_unavailable", "wait_on_unavailable"):
            yield ModelProblem(
                resource.name,
                f"{field} behavior",
                f"{wait.behavior!r}: use 'stop_on_unavailable' or 'wait_on_unavailable'",
            )


def _health_problems(resource: Resource) -> Iterator[ModelProblem]:
    endpoints = {e.name: e for e in resource.endpoints}
    for check in resource.annotations_of(HealthCheckAnnotation):
        field = f"health check '{check.name}'"
        if check.kind in ("http", "tcp"):
            if check.endpoint_name is not None and check.endpoint_name not in endpoints:
                yield ModelProblem(resource.name, field, f"no endpoint named '{check.endpoint_name}'")
            elif check.endpoint_name is None and check.kind == "http":
                if not any(e.scheme in ("http", "https") for e in endpoints.values()):
                    yield ModelProblem(
                        resource.name,
                        field,
                        "the resource has no http/https endpoint; add one or pass endpoint_name",
                    )
            elif check.endpoint_name is None and not endpoints:
                yield ModelProblem(resource.name, field, "the resource has no endpoint to connect to")
            if check.kind == "tcp" and any(
                e.protocol == "udp" for e in endpoints.values() if e.name == check.endpoint_name
            ):
                yield ModelProblem(resource.name, field, "a TCP check cannot probe a UDP endpoint")
        if check.kind == "log" and check.pattern is not None:
            try:
                re.compile(check.pattern)
            except re.error as exc:
                yield ModelProblem(resource.name, field, f"the pattern is not a valid regex: {exc}")


def _command_problems(resource: Resource) -> Iterator[ModelProblem]:
    commands = resource.annotations_of(CommandAnnotation)
    for name, count in Counter(c.name for c in commands).items():
        if count > 1:
            yield ModelProblem(
                resource.name, f"command '{name}'", f"declared {count} times; command names must be unique"
            )
    for command in commands:
        if command.name in BUILT_IN_COMMANDS:
            yield ModelProblem(
                resource.name, f"command '{command.name}'", "is a built-in command; choose another name"
            )
        if not command.name:
            yield ModelProblem(resource.name, "command", "the command name is empty")


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
