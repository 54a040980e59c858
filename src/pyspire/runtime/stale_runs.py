"""What earlier runs in a folder left behind, cleaned up when the next app host starts there.

A run whose app host is gone and whose reaper is gone too is swept now (see
:mod:`pyspire.runtime.sweep`); a run its reaper swept left a note, read here so the user hears
what was cleaned, and its label is looked up once more in case a container appeared after all.
Files no live run owns go as well: API sockets, build secrets, a kubeconfig holding no live
run's token.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspire.runtime.files import remove_abandoned_temps, remove_if
from pyspire.runtime.procs import start_ticks
from pyspire.runtime.state_dir import StateDir
from pyspire.runtime.sweep import (
    engines_of,
    kubeconfig_token,
    remove_run_containers,
    sweep_run_file,
)

#: How long a new run waits for a dead run's reaper that is still cleaning up.
REAPER_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class SweepReport:
    """What was found from earlier runs that did not end cleanly."""

    run_id: str
    killed: list[str]
    by: str  # "reaper" (it cleaned when the app host died) or "startup" (cleaned now)

    def describe(self) -> str:
        if not self.killed:
            return f"an earlier run ({self.run_id}) ended without a clean shutdown; nothing was left running"
        who = "its reaper stopped" if self.by == "reaper" else "stopped now"
        listed = ", ".join(self.killed[:5]) + (
            f" and {len(self.killed) - 5} more" if len(self.killed) > 5 else ""
        )
        return f"an earlier run ({self.run_id}) did not shut down cleanly; {who} {len(self.killed)} leftover(s): {listed}"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def sweep_stale_runs(state_dir: Path) -> list[SweepReport]:
    """Clean up after earlier runs in this folder whose app host is gone; report each once."""
    runs = StateDir(state_dir).runs
    if not runs.is_dir():
        return []
    reports: list[SweepReport] = []
    for run_file in sorted(runs.glob("*.json")):
        run = _read(run_file)
        if run is None:
            run_file.unlink(missing_ok=True)
            continue
        if start_ticks(int(run.get("appHostPid", 0))) == run.get("appHostStart"):
            continue  # that app host is still running
        if _reaper_finishes(run, run_file):
            continue  # its reaper was mid-sweep: its note is read below
        killed = sweep_run_file(run_file, by="startup")
        reports.append(SweepReport(str(run.get("runId")), killed, "startup"))
        run_file.with_suffix(".swept").unlink(missing_ok=True)
    for note_file in sorted(runs.glob("*.swept")):
        note = _read(note_file) or {}
        run_id = str(note.get("runId", note_file.stem))
        killed = list(note.get("killed", []))
        for engine in engines_of(note):
            killed += [x for x in remove_run_containers(engine, run_id) if x not in killed]
        reports.append(SweepReport(run_id, killed, str(note.get("by", "reaper"))))
        note_file.unlink(missing_ok=True)
    remove_orphan_files(state_dir)
    return reports


def _reaper_finishes(run: dict[str, Any], run_file: Path, timeout: float = REAPER_WAIT_SECONDS) -> bool:
    """Whether the dead app host's reaper is still at work and finishes within ``timeout``
    (removing containers takes a moment): sweeping alongside it would report nothing left."""
    pid = int(run.get("reaperPid") or 0)
    if not pid or start_ticks(pid) != run.get("reaperStart"):
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not run_file.exists():
            return True
        time.sleep(0.05)
    return not run_file.exists()


def remove_orphan_files(state_dir: Path) -> None:
    """Remove the API sockets and build secrets of runs that have no run file any more, and the
    kubeconfig if no run file holds its token, and the temp files of writers that died mid-write.
    A run writes its run file before any of these,
    and its token before its kubeconfig; the token check runs under the kubeconfig's lock, so a
    kubeconfig being written meanwhile is never taken for an orphan."""
    remove_abandoned_temps(state_dir)
    runs = StateDir(state_dir).runs
    live = {path.stem for path in runs.glob("*.json")}
    for socket in runs.glob("*.sock"):
        if socket.stem not in live:
            socket.unlink(missing_ok=True)
    secrets = StateDir(state_dir).secrets
    for folder in secrets.iterdir() if secrets.is_dir() else []:
        if folder.name not in live:
            shutil.rmtree(folder, ignore_errors=True)

    def orphan(config: Any) -> bool:
        tokens = {((_read(path) or {}).get("api") or {}).get("token") for path in runs.glob("*.json")}
        return kubeconfig_token(config) not in tokens

    kubeconfig = StateDir(state_dir).kubeconfig
    if kubeconfig.exists():
        remove_if(kubeconfig, orphan)
