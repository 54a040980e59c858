"""A resource's snapshot is a pure function of its runner's state, its health reports and its
outputs: the table below is what users see for each combination (no process, no executor)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from pyspire.executor.snapshot_building import configured_snapshot, output_properties, runner_snapshot
from pyspire.executor.snapshots import MASK, HealthReport, ReplicaSnapshot, ResourceSnapshot

HEALTHY = HealthReport("http", "Healthy")
UNHEALTHY = HealthReport("http", "Unhealthy", "GET / answered 500")


@dataclass
class FakeRunner:
    state: str
    replicas: dict[str, ReplicaSnapshot] = field(default_factory=dict)
    message: str | None = None
    restart_count: int = 0
    env_shown: Any = ()

    def properties(self) -> tuple[tuple[str, str], ...]:
        return ()


def replica(state: str, exit_code: int | None = None, message: str | None = None) -> dict[str, ReplicaSnapshot]:
    return {"api-x": ReplicaSnapshot("api-x", "x", state, exit_code=exit_code, message=message)}


@pytest.mark.parametrize(
    ("runner", "has_checks", "reports", "health", "exit_code", "message"),
    [
        (FakeRunner("Running", replica("Running")), False, (), "Healthy", None, None),
        (FakeRunner("Running", replica("Running")), True, (), "Unhealthy", None, None),
        (FakeRunner("Running", replica("Running")), True, (UNHEALTHY,), "Unhealthy", None, None),
        (FakeRunner("Running", replica("Running")), True, (HEALTHY,), "Healthy", None, None),
        (FakeRunner("Starting", replica("Starting")), True, (HEALTHY,), None, None, None),
        (FakeRunner("Exited", replica("Exited", 3)), True, (HEALTHY,), None, 3, None),
        (FakeRunner("FailedToStart", replica("FailedToStart", message="no such file")), False, (), None, None, "no such file"),
    ],
)
def test_runner_state_to_snapshot(runner, has_checks, reports, health, exit_code, message):
    snapshot = runner_snapshot(ResourceSnapshot("api", "Executable"), runner, has_checks, reports)
    assert (snapshot.state, snapshot.health_status, snapshot.exit_code, snapshot.state_message) == (
        runner.state,
        health,
        exit_code,
        message,
    )
    assert snapshot.health_reports == (reports if runner.state == "Running" else ())


def test_outputs_are_listed_in_the_properties_and_secret_ones_masked():
    outputs = output_properties({"kubeconfig": "/k", "token": "t0k3n"}, frozenset({"token"}))
    snapshot = runner_snapshot(ResourceSnapshot("c", "X"), FakeRunner("Running"), False, (), outputs)
    assert dict(snapshot.properties) == {"output.kubeconfig": "/k", "output.token": MASK}


def test_a_configured_value_is_running_once_known_and_says_how_to_supply_it_until_then():
    missing = configured_snapshot(ResourceSnapshot("key", "Parameter"), None, True, "set Parameters__key")
    assert (missing.state, missing.state_message) == ("ValueMissing", "no value: set Parameters__key")
    known = configured_snapshot(ResourceSnapshot("key", "Parameter"), "v", True, "set Parameters__key")
    assert (known.state, known.health_status, known.properties) == ("Running", "Healthy", (("value", MASK),))
