"""One app host per ``apphost.py``: a second one is refused, however it is started.

``pyspire run``, ``python apphost.py``, ``pyspire start`` and the testing harness all start an app
host through :class:`pyspire.runtime.records.RunRecorder`, which takes this lock before anything
else: an exclusive ``flock`` on ``.pyspire/<file name>.lock``, held for the app host's life. The
kernel drops it when the process ends, however it ends, so a killed app host never blocks the
next one, and two started at the same moment cannot both pass (a check of the run files could).
The file holds the holder's pid, so the refusal can name it before the holder serves its API.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from pyspire.errors import ConfigurationError
from pyspire.runtime.apphosts import already_running, running_apphosts
from pyspire.runtime.state_dir import StateDir


class AppHostAlreadyRunning(ConfigurationError):
    """Another app host runs this ``apphost.py``; the message names it and how to stop it."""


class AppHostLock:
    def __init__(self, state_dir: Path, app_host: Path) -> None:
        self.app_host = app_host
        self.state_dir = state_dir
        self.path = StateDir(state_dir).lock_for(app_host)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`AppHostAlreadyRunning` naming the app host that has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise AppHostAlreadyRunning(self._refusal(int(holder) if holder.isdigit() else None)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the next app host in. The file stays: removing it could let two in at once (one
        holding the old file, one a new one)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _refusal(self, pid: int | None) -> str:
        hosts = [h for h in running_apphosts([self.state_dir]) if h.app_host == self.app_host]
        if hosts:
            return already_running(self.app_host, hosts[0].pid, hosts[0].api_url)
        return already_running(self.app_host, pid, None)
