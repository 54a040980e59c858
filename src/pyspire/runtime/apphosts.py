"""Finding the app hosts running on this machine, for the CLI.

Each app host records its control API (URL, token, socket) in its run file,
``.pyspire/runs/<run id>.json`` next to its ``apphost.py`` (mode 0600). So that ``pyspire ps`` can
list app hosts in every folder, it also leaves a pointer to that file in a per-user registry
(``$PYSPIRE_STATE_HOME``, else ``$XDG_STATE_HOME/pyspire``, else ``~/.local/state/pyspire``). The
pointer holds no secret; the token is read from the run file, which only the user can read. A run
whose app host is gone (its pid no longer has the recorded start time) is never reported, and its
pointer is removed on sight.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspire.runtime.files import write_json_atomic
from pyspire.runtime.procs import start_ticks
from pyspire.runtime.state_dir import StateDir


def registry_dir() -> Path:
    explicit = os.environ.get("PYSPIRE_STATE_HOME")
    if explicit:
        return Path(explicit) / "apphosts"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "pyspire" / "apphosts"


def register(run_id: str, run_file: Path) -> None:
    folder = registry_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_json_atomic(folder / f"{run_id}.json", {"runFile": str(run_file)})


def unregister(run_id: str) -> None:
    (registry_dir() / f"{run_id}.json").unlink(missing_ok=True)


@dataclass(frozen=True)
class RunningAppHost:
    """An app host that is alive and serves its control API."""

    run_id: str
    pid: int
    #: The pid's start time (clock ticks since boot): tells this app host from a reused pid.
    pid_start: int | None
    app_host: Path
    started_at: str
    api_url: str
    token: str
    socket: str | None
    kubeconfig: str | None
    run_file: Path

    @property
    def app_dir(self) -> Path:
        return self.app_host.parent

    def is_alive(self) -> bool:
        return start_ticks(self.pid) == self.pid_start


def _alive(run: dict[str, Any]) -> bool:
    pid = int(run.get("appHostPid") or 0)
    return bool(pid) and start_ticks(pid) == run.get("appHostStart")


def read_run_file(path: Path) -> RunningAppHost | None:
    """The app host recorded in ``path``, if it is alive and its API is up."""
    try:
        run = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    api = run.get("api")
    if not isinstance(api, dict) or not run.get("appHost") or not _alive(run):
        return None
    return RunningAppHost(
        run_id=str(run["runId"]),
        pid=int(run["appHostPid"]),
        pid_start=run.get("appHostStart"),
        app_host=Path(run["appHost"]),
        started_at=str(run.get("startedAt", "")),
        api_url=str(api["url"]),
        token=str(api["token"]),
        socket=api.get("socket"),
        kubeconfig=api.get("kubeconfig"),
        run_file=path,
    )


def running_apphosts(state_dirs: Iterable[Path] = ()) -> list[RunningAppHost]:
    """Every live app host in the registry, plus any recorded under ``state_dirs`` (``.pyspire``
    folders), oldest first. Pointers to runs that ended are removed."""
    found: dict[str, RunningAppHost] = {}
    registry = registry_dir()
    pointers = sorted(registry.glob("*.json")) if registry.is_dir() else []
    for pointer in pointers:
        try:
            run_file = Path(json.loads(pointer.read_text())["runFile"])
        except (OSError, ValueError, KeyError, TypeError):
            pointer.unlink(missing_ok=True)
            continue
        host = read_run_file(run_file)
        if host is None:
            if not run_file.exists() or not _file_alive(run_file):
                pointer.unlink(missing_ok=True)
            continue
        found[host.run_id] = host
    for state_dir in state_dirs:
        runs = StateDir(state_dir).runs
        for run_file in sorted(runs.glob("*.json")) if runs.is_dir() else []:
            host = read_run_file(run_file)
            if host is not None:
                found.setdefault(host.run_id, host)
    return sorted(found.values(), key=lambda h: (h.started_at, h.run_id))


def already_running(app_host: Path, pid: int | None, api_url: str | None) -> str:
    """The refusal of a second app host for ``app_host`` (``pyspire start`` and the app host say
    the same)."""
    holder = f"pid {pid}" if pid else "another process"
    where = f"API {api_url}" if api_url else "still starting"
    return f"{app_host} is already running ({holder}, {where}); stop it first with: pyspire stop"


def _file_alive(run_file: Path) -> bool:
    """Whether the run file's app host is alive (it may not serve its API yet)."""
    try:
        return _alive(json.loads(run_file.read_text()))
    except (OSError, ValueError):
        return False
