"""Sweeping a run that did not end cleanly: kill what is left of it, remove its containers and files.

The reaper runs a sweep when its app host dies; the next app host in the folder runs one for a
run whose app host and reaper both died. In this order, so that nothing can appear behind it:

1. the engine CLI calls in flight: the app host starts every one in its reaper's process group,
   so they are found there — a ``podman run`` killed now creates nothing after step 4;
2. the run's cgroup (see :mod:`pyspire.runtime.cgroups`): every replica and all it started,
   whatever it did to its process group or its environment;
3. each recorded process group whose leader is still the recorded process (pid + start time, so
   a reused pid is never hit), and every process carrying the run's ``PYSPIRE_RUN_ID`` (all the
   tracking there is where cgroups are not available);
4. the run's session containers and networks, labelled ``pyspire.dev/run=<run id>``, through the
   engine recorded in the run file (else every engine installed), until a pass finds none twice;
5. the files the run leaves: its API socket, its build secrets, and the folder's kubeconfig if
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

from pyspire.labels import LABEL_RUN
from pyspire.runtime import cgroups, procs
from pyspire.runtime.files import remove_if, write_json_atomic
from pyspire.runtime.state_dir import KUBECONFIG_FILE as KUBECONFIG_FILE
from pyspire.runtime.state_dir import StateDir

MARKER = "PYSPIRE_RUN_ID"
REPLICA_MARKER = "PYSPIRE_REPLICA"
#: The label on every session container and network of a run (value: the run id).
RUN_LABEL = LABEL_RUN  # the name callers know it by
ENGINES = ("podman", "docker")
#: A label sweep ends once this many passes in a row found nothing (or after MAX_LABEL_PASSES).
EMPTY_PASSES = 2
MAX_LABEL_PASSES = 10


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


def engine_call(pid: int) -> str:
    """``podman run``: the engine and its subcommand, never the arguments (they carry values)."""
    words = procs.argv(pid)[:3]
    return " ".join(os.path.basename(w) for w in words if not w.startswith("-")) or "?"


def kill_engine_calls(group: int, leader_start: int | None) -> dict[int, str]:
    """SIGKILL the engine CLI calls of a run still in flight: every process in its reaper's
    process group ``group`` but the caller. Nothing is touched when the group's id now belongs
    to another process than the recorded reaper."""
    leader = procs.start_ticks(group)
    if leader is not None and leader != leader_start:
        return {}
    return procs.kill_until_gone(lambda: procs.group_members(group, leader_start), engine_call)


def _engine(argv: list[str]) -> list[str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.split() if done.returncode == 0 else []


def engines_of(record: dict[str, Any]) -> list[str]:
    """The engine a run (or its note) recorded, else every engine binary on PATH."""
    engine = record.get("containerEngine")
    return [str(engine)] if engine else [found for name in ENGINES if (found := shutil.which(name))]


def remove_run_containers(engine: str, run_id: str, empty_passes: int = 1) -> list[str]:
    """Remove the run's session containers (with their anonymous volumes), then its networks,
    again until ``empty_passes`` passes in a row found nothing; describes each one removed."""
    found = Leftovers()
    label = f"label={RUN_LABEL}={run_id}"
    no_wait = ["-t", "0"] if "podman" in os.path.basename(engine) else []
    empty = 0
    for _ in range(MAX_LABEL_PASSES):
        names = _engine([engine, "ps", "-a", "--filter", label, "--format", "{{.Names}}"])
        if names:
            _engine([engine, "rm", "-f", "-v", *no_wait, *names])
        networks = _engine([engine, "network", "ls", "--filter", label, "--format", "{{.Name}}"])
        if networks:
            _engine([engine, "network", "rm", *networks])
        for kind, removed in (("container", names), ("network", networks)):
            for name in removed:
                found.add(f"{kind} {name}", f"{kind} {name}")
        empty = 0 if names or networks else empty + 1
        if empty >= empty_passes:
            break
        time.sleep(0.1)
    return found.described()




def kubeconfig_token(config: Any) -> str:
    """The token a kubeconfig holds: it tells which run wrote it."""
    return str(config["users"][0]["user"]["token"])


def remove_run_files(run: dict[str, Any], state_dir: Path) -> None:
    """The files a dead run leaves: its API socket, its build secrets, and the kubeconfig while it
    still holds the run's token (a later app host in the folder may have written its own)."""
    run_id = str(run.get("runId"))
    folder = StateDir(state_dir)
    folder.run_socket(run_id).unlink(missing_ok=True)
    shutil.rmtree(folder.run_secrets(run_id), ignore_errors=True)
    api = run.get("api") or {}
    if api.get("kubeconfig") and api.get("token"):
        remove_if(Path(api["kubeconfig"]), lambda config: kubeconfig_token(config) == api["token"])


def sweep(run: dict[str, Any], state_dir: Path) -> list[str]:
    """Kill and remove what is left of ``run``; describes each leftover."""
    found = Leftovers()
    run_id = str(run["runId"])
    if run.get("reaperPid"):
        found.processes(kill_engine_calls(int(run["reaperPid"]), run.get("reaperStart")))
    cgroup = run.get("cgroup")
    if cgroup and Path(cgroup).name == cgroups.PREFIX + run_id:
        found.processes(cgroups.kill_cgroup(Path(cgroup)))
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
    for engine in engines_of(run):
        found.extend(remove_run_containers(engine, run_id, EMPTY_PASSES))
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
        "containerEngine": run.get("containerEngine"),
        "killed": killed,
        "by": by,
        "at": time.time(),
    }
    write_json_atomic(run_file.with_suffix(".swept"), note)
    run_file.unlink(missing_ok=True)
    return killed
