"""The containers of a Compose project, as the engine reports them, and whether each service is up.

Read with the engine's own CLI (``ps`` by the ``com.docker.compose.project`` label both Docker
Compose and podman-compose set, then ``inspect``), so the same code reads either engine. A service
is up when every one of its containers runs (and is healthy, when it has a healthcheck), or has
exited 0 (a one-shot such as a migration); a container that exited otherwise or is unhealthy
fails the deploy.

Podman before 4.6 runs healthchecks from systemd timers, which a machine without systemd does
not have: the status would stay ``starting`` for ever. So for podman a container still
``starting`` gets its check run now (``podman healthcheck run``), which is what the timer would do.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pyspire.deploy.engine import ComposeEngine

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"

ServiceState = Literal["starting", "running", "healthy", "completed", "failed"]


@dataclass(frozen=True)
class Container:
    """One container of the project."""

    id: str
    name: str
    service: str
    image: str
    status: str
    exit_code: int
    health: str | None

    @property
    def state(self) -> ServiceState:
        if self.status == "exited":
            return "completed" if self.exit_code == 0 else "failed"
        if self.status != "running":
            return "starting"
        if self.health is None:
            return "running"
        if self.health == "healthy":
            return "healthy"
        return "failed" if self.health == "unhealthy" else "starting"


def _run(command: Sequence[str]) -> str:
    done = subprocess.run(list(command), capture_output=True, text=True, timeout=60, check=False)
    return done.stdout if done.returncode == 0 else ""


def project_filter(project: str) -> list[str]:
    return ["--filter", f"label={PROJECT_LABEL}={project}"]


def containers(engine: ComposeEngine, project: str) -> list[Container]:
    """Every container of ``project`` (running or not)."""
    ids = _run([*engine.cli, "ps", "-a", "-q", *project_filter(project)]).split()
    if not ids:
        return []
    found: list[Container] = []
    for item in json.loads(_run([*engine.cli, "inspect", *ids]) or "[]"):
        state = item.get("State") or {}
        health = state.get("Health") or state.get("Healthcheck") or {}
        labels = (item.get("Config") or {}).get("Labels") or {}
        has_check = bool((item.get("Config") or {}).get("Healthcheck"))
        found.append(
            Container(
                id=item["Id"],
                name=str(item.get("Name", "")).lstrip("/"),
                service=labels.get(SERVICE_LABEL, ""),
                image=str(item.get("ImageName") or (item.get("Config") or {}).get("Image") or ""),
                status=str(state.get("Status", "")),
                exit_code=int(state.get("ExitCode", 0) or 0),
                health=(health.get("Status") or "starting") if has_check or health.get("Status") else None,
            )
        )
    return found


def run_pending_checks(engine: ComposeEngine, found: Sequence[Container]) -> None:
    """Podman without systemd: run the healthcheck of each container still ``starting``."""
    if engine.name != "podman":
        return
    for container in found:
        if container.status == "running" and container.health == "starting":
            subprocess.run([*engine.cli, "healthcheck", "run", container.id], capture_output=True, timeout=60, check=False)


def log_tail(engine: ComposeEngine, container: Container, lines: int = 20) -> str:
    """The last ``lines`` lines the container printed (stdout and stderr)."""
    done = subprocess.run(
        [*engine.cli, "logs", "--tail", str(lines), container.id], capture_output=True, text=True, timeout=60, check=False
    )
    return (done.stdout + done.stderr).strip()
