"""Which Compose engine runs the deployment: Docker Compose when a Docker engine answers, else
podman-compose on podman.

Found by asking each engine (``docker info``, ``podman info``), never by finding a binary: a
``docker`` client without a daemon (this project's CI machines have one) must not be chosen.
podman-compose is a Python package (the ``deploy`` extra) run by this interpreter.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyspire.deploy.errors import NoComposeEngine

#: How long an engine may take to answer ``info`` (a cold podman takes a few seconds).
INFO_TIMEOUT = 30.0


@dataclass(frozen=True)
class ComposeEngine:
    """The engine's own CLI (to inspect containers) and its Compose command."""

    name: Literal["docker", "podman"]
    cli: tuple[str, ...]
    compose: tuple[str, ...]

    def compose_command(self, project: str, files: Sequence[Path], *args: str) -> list[str]:
        """``compose -p PROJECT -f FILE... ARGS`` for this engine."""
        command = [*self.compose, "-p", project]
        for file in files:
            command += ["-f", str(file)]
        return command + list(args)


def answers(command: Sequence[str]) -> bool:
    """Whether ``command`` runs and exits 0 in time (a missing program does not answer)."""
    try:
        done = subprocess.run(list(command), capture_output=True, timeout=INFO_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def detect_engine() -> ComposeEngine:
    """Docker (with its compose plugin) when its engine answers, else podman with
    podman-compose; :class:`NoComposeEngine` naming what was asked."""
    if answers(["docker", "info"]) and answers(["docker", "compose", "version"]):
        return ComposeEngine("docker", ("docker",), ("docker", "compose"))
    if answers(["podman", "info"]):
        if importlib.util.find_spec("podman_compose") is None:
            raise NoComposeEngine(
                "podman answers but podman-compose is not installed; install it with "
                "pip install 'pyspire[deploy]' (or pip install podman-compose)"
            )
        return ComposeEngine("podman", ("podman",), (sys.executable, "-m", "podman_compose"))
    raise NoComposeEngine(
        "no container engine answered: `docker info` and `podman info` both failed; start Docker "
        "(with its compose plugin) or install podman, then deploy again"
    )
