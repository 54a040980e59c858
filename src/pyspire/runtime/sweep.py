"""Sweeping a run that did not end cleanly: kill what is left of it, remove its containers and files.

The reaper runs a sweep when its app host dies; the next app host in the folder runs one for a
run whose app host and reaper both died. In this order:

1. each recorded process group whose leader is still the recorded process (pid + start time, so
   a reused pid is never hit), and every process carrying the run's ``PYSPIRE_RUN_ID``;
2. the run's session containers and networks, labelled ``pyspire.dev/run=<run id>``, through the
   engine recorded in the run file;
3. the files the run leaves: its API socket, its build secrets, and the folder's kubeconfig if
   it is still the run's own.

Standard library only: the reaper imports this.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from pyspire.runtime import procs
from pyspire.runtime.files import remove_if, write_json_atomic

MARKER = "PYSPIRE_RUN_ID"
REPLICA_MARKER = "PYSPIRE_REPLICA"
#: The label on every session container and network of a run (value: the run id).
RUN_LABEL = "pyspire.dev/run"


class Leftovers:
    """What a sweep killed or removed, each named once: a pid found through its group and again
    through its environment, or one that took a moment to die, is one leftover."""

    def __init__(self) -> None:
        self._found: dict[str, str] = {}

    def add(self, key: str, description: str) -> None:
        self._found.setdefault(key, description)

    def processes(self, killed: dict[int, str]) -> None:
        for pid, command in killed.items():
            self.add(f"pid {pid}", f"pid {pid} ({command})")

    def extend(self, descriptions: list[str]) -> None:
        for description in descriptions:
            self.add(description, description)

    def described(self) -> list[str]:
        return list(self._found.values())


def kill_marked(value: str, marker: str) -> list[str]:
    """SIGKILL every process whose environment has ``marker=value``; describes each one killed."""
    found = Leftovers()
    found.processes(procs.kill_until_gone(lambda: procs.marked_processes(value, marker)))
    return found.described()


def _engine(argv: list[str]) -> list[str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.split() if done.returncode == 0 else []


def remove_run_containers(engine: str, run_id: str) -> list[str]:
    """Remove the run's session containers (with their anonymous volumes), then its networks;
    describes each one removed."""
    found = Leftovers()
    label = f"label={RUN_LABEL}={run_id}"
    names = _engine([engine, "ps", "-a", "--filter", label, "--format", "{{.Names}}"])
    if names:
        no_wait = ["-t", "0"] if "podman" in os.path.basename(engine) else []
        _engine([engine, "rm", "-f", "-v", *no_wait, *names])
    networks = _engine([engine, "network", "ls", "--filter", label, "--format", "{{.Name}}"])
    if networks:
        _engine([engine, "network", "rm", *networks])
    for kind, removed in (("container", names), ("network", networks)):
        for name in removed:
            found.add(f"{kind} {name}", f"{kind} {name}")
    return found.described()


#: The kubeconfig an app host writes in its ``.pyspire`` folder (see :mod:`pyspire.api.kubeconfig`).
KUBECONFIG_FILE = "kubeconfig"


def kubeconfig_token(config: Any) -> str:
    """The token a kubeconfig holds: it tells which run wrote it."""
    return str(config["users"][0]["user"]["token"])


def remove_run_files(run: dict[str, Any], state_dir: Path) -> None:
    """The files a dead run leaves: its API socket, its build secrets, and the kubeconfig while it
    still holds the run's token (a later app host in the folder may have written its own)."""
    run_id = str(run.get("runId"))
    (state_dir / "runs" / f"{run_id}.sock").unlink(missing_ok=True)
    shutil.rmtree(state_dir / "secrets" / run_id, ignore_errors=True)
    api = run.get("api") or {}
    if api.get("kubeconfig") and api.get("token"):
        remove_if(Path(api["kubeconfig"]), lambda config: kubeconfig_token(config) == api["token"])


def sweep(run: dict[str, Any], state_dir: Path) -> list[str]:
    """Kill and remove what is left of ``run``; describes each leftover."""
    found = Leftovers()
    run_id = str(run["runId"])
    for pid_text, info in run.get("processes", {}).items():
        pid = int(pid_text)
        if procs.start_ticks(pid) == info.get("start"):
            found.processes({pid: str(info.get("command", "?"))})
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:  # not a group leader after all
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
    found.processes(procs.kill_until_gone(lambda: procs.marked_processes(run_id, MARKER)))
    engine = run.get("containerEngine")
    if engine:
        found.extend(remove_run_containers(str(engine), run_id))
    remove_run_files(run, state_dir)
    return found.described()


def sweep_run_file(run_file: Path, by: str) -> list[str]:
    """Sweep the run recorded in ``run_file``; replace the file with a note of what was killed."""
    try:
        run = json.loads(run_file.read_text())
    except (OSError, ValueError):
        return []
    killed = sweep(run, run_file.parent.parent)
    note = {
        "runId": run.get("runId"),
        "appHostPid": run.get("appHostPid"),
        "killed": killed,
        "by": by,
        "at": time.time(),
    }
    write_json_atomic(run_file.with_suffix(".swept"), note)
    run_file.unlink(missing_ok=True)
    return killed
