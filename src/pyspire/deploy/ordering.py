"""Starting a project's services in the order their ``depends_on`` conditions ask, for podman.

Docker Compose waits for ``service_healthy`` and ``service_completed_successfully`` itself.
podman-compose does not on podman before 4.6 (it says it ignores the condition), and the
``--requires`` links it gives each container make podman 4.3 fail to start a service whose
dependency depends on another ("not found in input list"). So on podman the containers are
created without links (``up --no-start --no-deps``) and started here, service by service, each
once what it depends on is started, healthy or completed as asked (:mod:`pyspire.deploy.status`
runs the healthchecks podman cannot schedule without systemd).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyspire.deploy.engine import ComposeEngine
from pyspire.deploy.errors import DeployFailed
from pyspire.deploy.status import Container, containers, run_pending_checks

#: Compose's conditions and the container states that meet each.
MET_BY = {
    "service_started": {"running", "healthy", "completed"},
    "service_healthy": {"healthy"},
    "service_completed_successfully": {"completed"},
}

#: Called with the service and the container that failed, to raise with its log.
Fail = Callable[[str, Container, str], None]


def conditions(description: Mapping[str, Any]) -> dict[str, str]:
    """``depends_on`` as dependency → condition (the list form means ``service_started``)."""
    depends = description.get("depends_on") or {}
    if isinstance(depends, list):
        return {str(name): "service_started" for name in depends}
    return {str(name): str((spec or {}).get("condition", "service_started")) for name, spec in depends.items()}


def start_order(services: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every service after the ones it depends on, otherwise in the file's order."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order or name not in services or name in visiting:
            return
        visiting.add(name)
        for dependency in conditions(services[name]):
            visit(dependency)
        order.append(name)

    for name in services:
        visit(name)
    return order


def wait_for(
    engine: ComposeEngine, project: str, service: str, wanted: str, deadline: float, fail: Fail
) -> None:
    """Until every container of ``service`` meets ``wanted``; ``fail`` when one failed."""
    met = MET_BY.get(wanted, MET_BY["service_started"])
    while True:
        mine = [c for c in containers(engine, project) if c.service == service]
        run_pending_checks(engine, mine)
        failed = next((c for c in mine if c.state == "failed"), None)
        if failed is not None:
            fail(service, failed, f"exited with code {failed.exit_code}" if failed.status == "exited" else "is unhealthy")
        if mine and all(c.state in met for c in mine):
            return
        if time.monotonic() > deadline:
            what = wanted.removeprefix("service_").replace("_", " ")
            if mine:
                fail(service, mine[0], f"is not {what} in time")
            raise DeployFailed(f"service {service} has no container; it was never created")
        time.sleep(0.25)


def start_in_order(
    engine: ComposeEngine,
    project: str,
    services: Mapping[str, Mapping[str, Any]],
    report: Callable[[str, str], None],
    timeout: float,
    fail: Fail,
) -> None:
    """Start each created service once its dependencies meet their conditions."""
    deadline = time.monotonic() + timeout
    for service in start_order(services):
        for dependency, wanted in conditions(services[service]).items():
            if dependency in services:
                wait_for(engine, project, dependency, wanted, deadline, fail)
        ids: Sequence[str] = [c.id for c in containers(engine, project) if c.service == service]
        report(service, "starting")
        done = subprocess.run([*engine.cli, "start", *ids], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise DeployFailed(f"service {service} could not be started: {done.stderr.strip()}")
