"""Run records: what an app host has spawned, on disk, so nothing outlives it unseen.

Each app host writes ``.pyspire/runs/<run id>.json`` with its own pid and start time, every
process it spawned (pid + start time + command), its reaper, its container engine, and how its
processes are tracked: ``processTracking`` is ``cgroup`` when the run has a cgroup of its own
(``cgroup`` holds its path; see :mod:`pyspire.runtime.cgroups`), else ``marker`` (the
``PYSPIRE_RUN_ID`` environment variable). A clean exit removes the file. One whose app host is
gone is swept by its reaper, or by the next app host started in the same folder (see
:mod:`pyspire.runtime.stale_runs`).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyspire.runtime import apphosts, reaper
from pyspire.runtime.apphost_lock import AppHostLock
from pyspire.runtime.cgroups import RunCgroup, create_run_cgroup
from pyspire.runtime.files import write_json_atomic
from pyspire.runtime.procs import kill_until_gone, marked_processes, start_ticks
from pyspire.runtime.stale_runs import SweepReport, sweep_stale_runs
from pyspire.runtime.state_dir import StateDir
from pyspire.runtime.sweep import MARKER, Leftovers, remove_run_containers

WRITE_DELAY_SECONDS = 0.05


class RunRecorder:
    """Keeps this app host's run file current, its reaper watching and its cgroup."""

    def __init__(self, state_dir: Path, app_host: Path) -> None:
        self.run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
        self.app_host = app_host
        self.state_dir = state_dir
        self.started_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._api: dict[str, Any] | None = None
        self.dir = StateDir(state_dir).runs
        self.path = StateDir(state_dir).run_file(self.run_id)
        self._lock = AppHostLock(state_dir, app_host)
        self._processes: dict[int, dict[str, Any]] = {}
        self._engine: str | None = None
        self._cgroup: RunCgroup | None = None
        self._reaper: subprocess.Popen[bytes] | None = None
        self._pending: asyncio.TimerHandle | None = None

    @property
    def env(self) -> dict[str, str]:
        """Variables every spawned process gets, so the reaper can find its descendants."""
        return {MARKER: self.run_id}

    @property
    def cgroup_procs(self) -> int | None:
        """The run cgroup's ``cgroup.procs``, open: every replica joins it before exec."""
        return self._cgroup.procs_fd if self._cgroup else None

    @property
    def engine_group(self) -> int | None:
        """The reaper's process group, where every engine CLI call runs (so it finds those in
        flight if the app host dies)."""
        return self._reaper.pid if self._reaper else None

    def start(self) -> list[SweepReport]:
        """Refuse to start when another app host runs this ``apphost.py``
        (:class:`~pyspire.runtime.apphost_lock.AppHostAlreadyRunning`); then clean up what dead
        runs of the folder left (returned, to be reported), record this run and start its reaper."""
        self._lock.acquire()
        try:
            sweeps = sweep_stale_runs(self.state_dir)
            self.dir.mkdir(parents=True, exist_ok=True)
            self._cgroup = create_run_cgroup(self.run_id)
            self._write()
            self._reaper = subprocess.Popen(
                [sys.executable, "-I", reaper.__file__, str(self.path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                process_group=0,  # see pyspire.runtime.reaper: in our session, out of the terminal's group
                close_fds=True,
            )
            self._write()  # now with the reaper's pid: a new run waits for it rather than racing it
        except BaseException:
            self.close()
            raise
        return sweeps

    def container_engine(self, binary: str) -> None:
        """The run uses this engine: a sweep removes the run's session containers through it."""
        self._engine = binary
        self._write()

    def api(
        self, url: str, token: str, socket: str | None, kubeconfig: str | None, kube_url: str | None = None
    ) -> None:
        """The control API is up: record where and how to reach it, and make the app host
        findable from any folder (``pyspire ps``)."""
        self._api = {
            "url": url,
            "token": token,
            "socket": socket,
            "kubeconfig": kubeconfig,
            "kubeUrl": kube_url,
        }
        self._write()
        apphosts.register(self.run_id, self.path)

    def api_closed(self) -> None:
        """The control API stopped listening (the app host is on its way out)."""
        self._api = None
        self._write()
        apphosts.unregister(self.run_id)

    def spawned(self, pid: int, command: str) -> None:
        self._processes[pid] = {"start": start_ticks(pid), "command": command[:120]}
        self._schedule_write()

    def exited(self, pid: int) -> None:
        if self._processes.pop(pid, None) is not None:
            self._schedule_write()

    def _schedule_write(self) -> None:
        """Coalesce writes: starting 100 processes rewrites the file a few times, not 100. A
        process spawned in the gap is still found through its cgroup or its environment marker."""
        if self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(WRITE_DELAY_SECONDS, self._flush)

    def _flush(self) -> None:
        self._pending = None
        self._write()

    def _write(self) -> None:
        write_json_atomic(
            self.path,
            {
                "runId": self.run_id,
                "appHost": str(self.app_host),
                "startedAt": self.started_at,
                "api": self._api,
                "appHostPid": os.getpid(),
                "appHostStart": start_ticks(os.getpid()),
                "processes": {str(pid): info for pid, info in self._processes.items()},
                "containerEngine": self._engine,
                "processTracking": "cgroup" if self._cgroup else "marker",
                "cgroup": str(self._cgroup.path) if self._cgroup else None,
                "reaperPid": self._reaper.pid if self._reaper else None,
                "reaperStart": start_ticks(self._reaper.pid) if self._reaper else None,
            },
        )

    def close(self) -> list[str]:
        """Clean shutdown: kill any process of this run that escaped its process group (a
        double-forked daemon) and remove any container of the run still there, tell the reaper
        all is well, remove the run file, let the next app host of this file in. Returns what had
        to be cleaned up."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        found = Leftovers()
        if self._cgroup is not None:
            found.processes(self._cgroup.close())
            self._cgroup = None
        found.processes(kill_until_gone(lambda: marked_processes(self.run_id, MARKER)))
        if self._engine:
            # A container whose start was interrupted (Ctrl+C during `run`) was never tracked.
            found.extend(remove_run_containers(self._engine, self.run_id))
        if self._reaper is not None and self._reaper.stdin is not None:
            try:
                self._reaper.stdin.write(b"bye")
                self._reaper.stdin.close()
            except OSError:
                pass
            try:
                self._reaper.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._reaper.kill()
        apphosts.unregister(self.run_id)
        self.path.unlink(missing_ok=True)
        self._lock.release()
        return found.described()
