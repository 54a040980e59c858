"""The reaper: a tiny watchdog process that outlives a killed app host and cleans up after it.

A parent-death signal kills an app host's direct children when it dies, but not what those
children started (a shell's background job, a daemon that double-forked into its own session).
So every app host starts this script (``python -I reaper.py RUN_FILE``, standard library only, in
its own session) with a pipe on its stdin. A clean shutdown writes ``bye`` and closes it; if the
pipe closes without ``bye`` the app host died, and the reaper kills every process of that run:
each recorded process group whose leader is still the recorded process (pid + start time, so a
reused pid is never hit) and every process carrying the run's ``PYSPIRE_RUN_ID`` in its
environment. Session containers of the run (labelled ``pyspire.dev/run=<run id>``) and its
network are removed through the engine recorded in the run file. It leaves a note so the next run
can say what was cleaned.

The same sweep runs at the next app-host start for runs whose app host and reaper both died.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MARKER = "PYSPIRE_RUN_ID"
REPLICA_MARKER = "PYSPIRE_REPLICA"
#: The label on every session container and network of a run (value: the run id).
RUN_LABEL = "pyspire.dev/run"


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return int(fields[19])


def marked_processes(run_id: str, marker: str = MARKER) -> list[int]:
    """Every live process whose environment carries ``marker=run_id``."""
    needle = f"{marker}={run_id}".encode()
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return "?"


def kill_marked(value: str, marker: str) -> list[str]:
    """SIGKILL every process whose environment has ``marker=value``; describes each one killed."""
    killed: list[str] = []
    for _ in range(3):  # a dying parent can still fork once: look again
        stragglers = marked_processes(value, marker)
        if not stragglers:
            break
        for pid in stragglers:
            killed.append(f"pid {pid} ({_command(pid)})")
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)
    return killed


def sweep(run: dict[str, Any]) -> list[str]:
    """Kill what is left of ``run``; returns a description of each process killed."""
    killed: list[str] = []
    for pid_text, info in run.get("processes", {}).items():
        pid = int(pid_text)
        if start_ticks(pid) == info.get("start"):
            killed.append(f"pid {pid} ({info.get('command', '?')})")
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    killed += kill_marked(str(run["runId"]), MARKER)
    engine = run.get("containerEngine")
    if engine:
        killed += remove_run_containers(str(engine), str(run["runId"]))
    return killed


def _engine(argv: list[str]) -> list[str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.split() if done.returncode == 0 else []


def remove_run_containers(engine: str, run_id: str) -> list[str]:
    """Remove the run's session containers (and their anonymous volumes) and its networks."""
    label = f"label={RUN_LABEL}={run_id}"
    names = _engine([engine, "ps", "-a", "--filter", label, "--format", "{{.Names}}"])
    if names:
        no_wait = ["-t", "0"] if "podman" in os.path.basename(engine) else []
        _engine([engine, "rm", "-f", "-v", *no_wait, *names])
    networks = _engine([engine, "network", "ls", "--filter", label, "--format", "{{.Name}}"])
    if networks:
        _engine([engine, "network", "rm", *networks])
    return [f"container {name}" for name in names]


def sweep_run_file(run_file: Path, by: str) -> list[str]:
    """Sweep the run recorded in ``run_file``, replace it with a note of what was killed."""
    try:
        run = json.loads(run_file.read_text())
    except (OSError, ValueError):
        return []
    killed = sweep(run)
    note = {
        "runId": run.get("runId"),
        "appHostPid": run.get("appHostPid"),
        "killed": killed,
        "by": by,
        "at": time.time(),
    }
    tmp = run_file.with_suffix(".swept.tmp")
    tmp.write_text(json.dumps(note))
    os.replace(tmp, run_file.with_suffix(".swept"))
    run_file.unlink(missing_ok=True)
    return killed


def main() -> None:
    run_file = Path(sys.argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl+C for the app host is not for us
    received = b""
    while True:
        try:
            chunk = os.read(0, 64)
        except InterruptedError:
            continue
        if not chunk:
            break
        received += chunk
    if received.strip() == b"bye":
        return
    sweep_run_file(run_file, by="reaper")


if __name__ == "__main__":
    main()
