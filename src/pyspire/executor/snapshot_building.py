"""Building a resource's snapshot: pure functions from what is known to what is shown.

No I/O and no publishing: the executor passes the current snapshot and what changed (a runner's
state, health reports, a handler's changes, outputs) and publishes what comes back. That keeps
"what does a resource look like now" testable and in one place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pyspire.executor.commands import PredicateErrors, command_snapshots
from pyspire.executor.snapshots import MASK, HealthReport, ReplicaSnapshot, ResourceSnapshot
from pyspire.executor.states import aggregate_exit_code
from pyspire.model.lifecycle import CommandAnnotation
from pyspire.model.resources import Resource
from pyspire.states import HealthStatus, ResourceState

#: Properties that show a resource's outputs are named ``output.<name>``.
OUTPUT_PROPERTY = "output."


class RunnerView(Protocol):
    """What a snapshot shows of a runner (:class:`pyspire.executor.runner.ResourceRunner`)."""

    @property
    def state(self) -> ResourceState: ...

    @property
    def message(self) -> str | None: ...

    @property
    def replicas(self) -> dict[str, ReplicaSnapshot]: ...

    @property
    def restart_count(self) -> int: ...

    @property
    def env_shown(self) -> Any: ...

    def properties(self) -> tuple[tuple[str, str], ...]: ...


def health_status(state: str, has_checks: bool, reports: Sequence[HealthReport]) -> HealthStatus | None:
    """Healthy / Unhealthy while Running (no checks: Healthy); None otherwise."""
    if state != ResourceState.RUNNING:
        return None
    if not has_checks:
        return HealthStatus.HEALTHY
    if not reports or any(r.status != HealthStatus.HEALTHY for r in reports):
        return HealthStatus.UNHEALTHY
    return HealthStatus.HEALTHY


def output_properties(outputs: Mapping[str, str], secret: frozenset[str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (OUTPUT_PROPERTY + name, MASK if name in secret else value) for name, value in outputs.items()
    )


def with_outputs(
    properties: Sequence[tuple[str, str]], outputs: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """``properties`` without stale output entries, then the outputs."""
    return tuple(p for p in properties if not p[0].startswith(OUTPUT_PROPERTY)) + outputs


def runner_snapshot(
    current: ResourceSnapshot,
    runner: RunnerView,
    has_checks: bool,
    reports: tuple[HealthReport, ...],
    outputs: tuple[tuple[str, str], ...] = (),
) -> ResourceSnapshot:
    """The snapshot of a process or container resource from its runner's state (no commands)."""
    replicas = tuple(runner.replicas.values())
    state = runner.state
    started = [r.started_at for r in replicas if r.started_at]
    stopped = [r.stopped_at for r in replicas if r.stopped_at]
    message = runner.message
    if message is None and state == ResourceState.FAILED_TO_START:
        message = next((r.message for r in replicas if r.message), None)
    running = state in (ResourceState.RUNNING, ResourceState.STARTING)
    exit_code = aggregate_exit_code(replicas) if not running else None
    if state == ResourceState.FINISHED and not replicas:
        exit_code = 0  # an up-to-date step: finished without having to run
    return dataclasses.replace(
        current,
        state=state,
        state_message=message,
        exit_code=exit_code,
        replicas=replicas,
        env=runner.env_shown,
        started_at=min(started) if started else None,
        stopped_at=max(stopped) if stopped and len(stopped) == len(replicas) else None,
        health_status=health_status(state, has_checks, reports),
        health_reports=reports if state == ResourceState.RUNNING else (),
        restart_count=runner.restart_count,
        properties=with_outputs(runner.properties() or current.properties, outputs),
    )


def with_commands(
    snapshot: ResourceSnapshot, resource: Resource, built_ins: bool, errors: PredicateErrors | None
) -> ResourceSnapshot:
    """``snapshot`` with its commands' enablement computed for its state."""
    custom = resource.annotations_of(CommandAnnotation)
    if not custom and not built_ins:
        return snapshot
    commands = command_snapshots(snapshot, custom, with_built_ins=built_ins, errors=errors)
    return dataclasses.replace(snapshot, commands=commands)


def configured_snapshot(
    current: ResourceSnapshot, value: str | None, secret: bool, how_to_supply: str
) -> ResourceSnapshot:
    """A parameter or connection string: Running once it has a value, else ValueMissing."""
    if value is None:
        return dataclasses.replace(
            current, state=ResourceState.VALUE_MISSING, state_message=f"no value: {how_to_supply}"
        )
    return dataclasses.replace(
        current,
        state=ResourceState.RUNNING,
        state_message=None,
        health_status=HealthStatus.HEALTHY,
        properties=(("value", MASK if secret else value),),
    )
