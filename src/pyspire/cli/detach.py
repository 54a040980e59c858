"""``pyspire start`` / ``pyspire run --detach``: run the app host in the background and return
once its resources are up, saying where its API is.

The app host is an ordinary ``pyspire run`` in a new session (no terminal, so closing the shell
does not stop it), its own output going to ``.pyspire/logs/apphost-<time>.log``. The CLI finds it
by its pid in the folder's run files, then follows its resources through the API until each has
settled (running — and healthy, if it has checks — finished, failed, or waiting to be started by
hand). If the app host dies first, its log says why and the exit code is 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.markup import escape

from pyspire.cli.client import ApiError, AppHostClient, AppHostUnreachable
from pyspire.cli.inspection import overview
from pyspire.cli.output import err, fail, out, print_json, progress
from pyspire.cli.watching import next_event, watch_in_background
from pyspire.loader import AppHostNotFound, find_apphost
from pyspire.runtime.apphosts import RunningAppHost, already_running, read_run_file, running_apphosts
from pyspire.runtime.state_dir import StateDir
from pyspire.states import FAILED_STATES, HALTED_STATES, HealthStatus, ResourceState

POLL_SECONDS = 0.02
LOGS_KEPT = 5


def _settled(snapshot: dict[str, Any]) -> bool:
    state = snapshot["state"]
    if state == ResourceState.RUNNING:
        return snapshot.get("health_status") in (None, HealthStatus.HEALTHY)
    if state == ResourceState.NOT_STARTED:
        return "started by command" in (snapshot.get("state_message") or "")
    return state in HALTED_STATES


def _log_file(app_dir: Path) -> Path:
    folder = StateDir.of(app_dir).logs
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("apphost-*.log"))[: -(LOGS_KEPT - 1) or None]:
        old.unlink(missing_ok=True)
    return folder / f"apphost-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"


def _spawn(path: Path, log: Path) -> subprocess.Popen[bytes]:
    # Readable by the user only: it holds the dashboard's login link (valid once, for 15 minutes),
    # and on a shared machine any other user could otherwise open it first.
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older log may be readable by others; it holds the login link now
    with os.fdopen(fd, "wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "pyspire.cli.main", "run", str(path), "--no-resource-output", "--no-color"],
            cwd=path.parent,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def _find_host(child: subprocess.Popen[bytes], path: Path, log: Path, deadline: float) -> RunningAppHost:
    runs = StateDir.of(path.parent).runs
    while time.monotonic() < deadline:
        if child.poll() is not None:
            _died(child.returncode, log)
        for run_file in runs.glob("*.json") if runs.is_dir() else []:
            host = read_run_file(run_file)
            if host is not None and host.pid == child.pid:
                return host
        time.sleep(POLL_SECONDS)
    fail(f"the app host did not serve its API within the timeout; see {log}")
    raise AssertionError  # unreachable


def _died(code: int, log: Path) -> None:
    text = log.read_text(errors="replace").strip()
    err().print(f"[bold red]error:[/] the app host exited (code {code}) before it was up; its output ({log}):")
    if text:
        err().print(escape(text), soft_wrap=True)
    sys.exit(2)


def _wait_until_up(client: AppHostClient, child: subprocess.Popen[bytes], log: Path, deadline: float) -> bool:
    """Follow the snapshots until every resource settled; False at the deadline, even if the
    app host has gone quiet (it sends nothing while a resource waits for a parameter)."""
    latest: dict[str, dict[str, Any]] = {}
    synced = False
    events = watch_in_background(client)
    with progress("starting…") as status:
        while (event := next_event(events, deadline)) is not None:
            kind, data = event
            if kind == "error":
                raise data
            if kind == "snapshot":
                latest[data["name"]] = data
            elif kind == "synced":
                synced = True
            elif kind == "closing":
                _died(child.wait(), log)
            if synced:
                up = sum(1 for s in latest.values() if _settled(s))
                if status is not None:
                    waiting = [n for n, s in latest.items() if not _settled(s)]
                    status.update(f"starting… {up}/{len(latest)} up" + (f" (waiting for {', '.join(waiting[:3])})" if waiting else ""))
                if up == len(latest):
                    return True
    return False


def start_detached(apphost: str | None, timeout: float, output_format: str) -> None:
    try:
        path = find_apphost(apphost)
    except AppHostNotFound as exc:
        fail(str(exc), 2)
    already = [h for h in running_apphosts([StateDir.of(path.parent).root]) if h.app_host == path]
    if already:
        fail(already_running(path, already[0].pid, already[0].api_url), 2)
    began = time.monotonic()
    deadline = began + timeout
    log = _log_file(path.parent)
    child = _spawn(path, log)
    host = _find_host(child, path, log, deadline)
    try:
        with AppHostClient(host) as client:
            up = _wait_until_up(client, child, log, deadline)
            snapshots = client.resources()
            info = client.info()
    except (ApiError, AppHostUnreachable) as exc:
        if child.poll() is not None:
            _died(child.returncode, log)
        fail(str(exc))
    elapsed = time.monotonic() - began
    if output_format == "json":
        print_json({**info, "up": up, "seconds": round(elapsed, 3), "log": str(log), "resources": snapshots})
    else:
        console = out()
        verdict = "[green]started[/]" if up else f"[yellow]started, but not every resource is up after {timeout:g}s[/]"
        console.print(f"{verdict} {escape(str(path))} in {elapsed:.2f}s (pid {host.pid})")
        console.print(overview(snapshots, ""))
        console.print(f"api         {host.api_url}   (token in {host.run_file})")
        dashboard = (info.get("urls") or {}).get("dashboard")
        if isinstance(dashboard, str):
            console.print(f"dashboard   {escape(dashboard)}   (pyspire dashboard opens it, logged in)")
        if host.kubeconfig:
            console.print(f"kubeconfig  {host.kubeconfig}")
        console.print(f"log         {log}")
        console.print("next        pyspire describe | pyspire logs -f | pyspire stop")
        failed = [s["name"] for s in snapshots if s["state"] in FAILED_STATES]
        if failed:
            console.print(f"[bold red]failed:[/] {escape(', '.join(failed))} — see `pyspire describe NAME`")
    if not up:
        sys.exit(1)
