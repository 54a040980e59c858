"""Shared pieces of the deploy tests: the CLI run as a user runs it, and the engine's listings."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUSYBOX = "localhost/pyspire-test/busybox:latest"
PROJECT_LABEL = "com.docker.compose.project"


def pyspire(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``python -m pyspire ARGS`` in a child process, as a user would run it."""
    environ = {**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pyspire", *args], capture_output=True, text=True, env=environ, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def project_of(folder: Path) -> str:
    return str(json.loads((folder / "deployment.json").read_text())["project"])


def labelled(project: str) -> dict[str, list[str]]:
    """Every container, network and volume carrying the Compose project label of ``project``."""
    flt = ["--filter", f"label={PROJECT_LABEL}={project}"]
    listings = {"containers": ["ps", "-a", "-q"], "networks": ["network", "ls", "-q"], "volumes": ["volume", "ls", "-q"]}
    return {
        kind: subprocess.run(["podman", *cmd, *flt], capture_output=True, text=True, check=False).stdout.split()
        for kind, cmd in listings.items()
    }


def image_exists(name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name], check=False).returncode == 0


def write_app(folder: Path, body: str) -> Path:
    """An ``apphost.py`` in ``folder`` whose model is ``body`` (``builder`` is defined)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = "from pyspire import DistributedApplication\n\nbuilder = DistributedApplication.create_builder()\n"
    (folder / "apphost.py").write_text(text + body + "\nbuilder.build().run()\n")
    return folder / "apphost.py"


def stop_each(project: str, grace: int = 20) -> dict[str, int]:
    """Stop every container of ``project`` as destroy does — dependents first (the reverse of the
    order they were started in), each with its stop signal, then ``grace`` seconds, then SIGKILL —
    and give each one's exit code: 137 means the signal was ignored."""
    flt = ["--filter", f"label={PROJECT_LABEL}={project}"]
    listing = ["podman", "ps", *flt, "--sort", "created", "--format", "{{.Names}}"]
    names = subprocess.run(listing, capture_output=True, text=True, check=True).stdout.split()[::-1]
    codes: dict[str, int] = {}
    for name in names:
        subprocess.run(["podman", "stop", "--time", str(grace), name], capture_output=True, check=True)
        state = subprocess.run(["podman", "inspect", "--format", "{{.State.ExitCode}}", name], capture_output=True, text=True, check=True)
        codes[name] = int(state.stdout.strip())
    return codes
