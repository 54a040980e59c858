"""A cgroup (v2) per run: the one mark a process of the run cannot shed.

A process group is left with ``setsid()``, the environment marker with ``execve`` and an empty
environment; cgroup membership is inherited by every child and only someone allowed to write
``cgroup.procs`` can move a process out. So where the system lets the app host create a cgroup
below its own (root, or a user with a delegated cgroup: a systemd user service or scope), each
run gets ``pyspire-<run id>`` there, every replica joins it between fork and exec (it cannot fork
before it is in), and stopping the run kills the whole cgroup with ``cgroup.kill`` and removes
it. Elsewhere (cgroup v1 only, a read-only ``/sys/fs/cgroup``, a session scope owned by root) the
run falls back to the environment marker; the run file records which (``processTracking``).

Container engines run their containers under cgroups of their own: engine CLI calls never join
the run's cgroup (the engine's monitor process, conmon, would inherit it and die with the run,
taking persistent containers with it). Standard library only: the reaper imports this.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from pyspire.runtime.procs import KILL_TIMEOUT, command, kill_until_gone

PREFIX = "pyspire-"
_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """mountinfo writes a space in a path as ``\\040``."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def cgroup2_mount(mountinfo: str) -> tuple[Path, str] | None:
    """The mount point of the cgroup2 hierarchy and the cgroup it shows as its root, from the
    text of ``/proc/self/mountinfo`` (``/sys/fs/cgroup`` on most systems, ``/sys/fs/cgroup/unified``
    on hybrid ones: it is looked up, never assumed)."""
    for line in mountinfo.splitlines():
        fields, separator, rest = line.partition(" - ")
        if separator and rest.split()[:1] == ["cgroup2"]:
            parts = fields.split()
            return Path(_unescape(parts[4])), _unescape(parts[3])
    return None


def own_cgroup(proc_cgroup: str) -> str | None:
    """This process's cgroup v2 path (the ``0::`` line of ``/proc/self/cgroup``)."""
    for line in proc_cgroup.splitlines():
        if line.startswith("0::"):
            return line[3:].strip() or None
    return None


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def own_cgroup_dir() -> Path | None:
    """The folder of this process's cgroup v2, or None where there is none to be seen."""
    try:
        mount = cgroup2_mount(_read("/proc/self/mountinfo"))
        own = own_cgroup(_read("/proc/self/cgroup"))
    except OSError:
        return None
    if mount is None or own is None:
        return None
    mount_point, root = mount
    root = root.rstrip("/")
    if own != root and not own.startswith(root + "/"):
        return None  # our cgroup is outside what this mount shows
    return mount_point / own[len(root) :].lstrip("/")


@dataclass
class RunCgroup:
    """The run's cgroup and its ``cgroup.procs``, held open: a child joins by writing ``0``."""

    path: Path
    procs_fd: int

    def close(self) -> dict[int, str]:
        """Kill whatever is still in the cgroup and remove it; returns what was killed."""
        killed = kill_cgroup(self.path)
        with contextlib.suppress(OSError):
            os.close(self.procs_fd)
        return killed


def create_run_cgroup(run_id: str) -> RunCgroup | None:
    """``pyspire-<run id>`` below this process's own cgroup, or None where that is not allowed
    (then the run is tracked by its environment marker alone)."""
    parent = own_cgroup_dir()
    # Moving a process from our cgroup into a child needs write access to our cgroup.procs.
    if parent is None or not os.access(parent / "cgroup.procs", os.W_OK):
        return None
    path = parent / f"{PREFIX}{run_id}"
    try:
        path.mkdir()
    except OSError:
        return None
    try:
        return RunCgroup(path, os.open(path / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC))
    except OSError:
        with contextlib.suppress(OSError):
            path.rmdir()
        return None


def join(procs_fd: int) -> None:
    """Move the calling process into the cgroup whose ``cgroup.procs`` is open as ``procs_fd``
    (runs in the child between fork and exec)."""
    os.write(procs_fd, b"0")


def cgroup_pids(cgroup: Path) -> list[int]:
    """The processes in ``cgroup`` and the cgroups below it (zombies are not listed)."""
    found: list[int] = []
    for procs in cgroup.rglob("cgroup.procs"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(line) for line in procs.read_text().split()]
    return found


def kill_cgroup(cgroup: Path) -> dict[int, str]:
    """Kill every process in ``cgroup`` and below (``cgroup.kill``, which nothing forking can
    outrun; where the kernel lacks it, SIGKILL to each listed process until none is left), then
    remove the cgroups. Returns each process killed with its command."""
    if not cgroup.is_dir():
        return {}
    killed = {pid: command(pid) for pid in cgroup_pids(cgroup)}
    if killed:
        with contextlib.suppress(OSError):
            (cgroup / "cgroup.kill").write_text("1")
        for pid, description in kill_until_gone(lambda: cgroup_pids(cgroup)).items():
            killed.setdefault(pid, description)
    deadline = time.monotonic() + KILL_TIMEOUT
    for folder in sorted((p for p in cgroup.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [cgroup]:
        while True:
            try:
                folder.rmdir()  # EBUSY until its last process has exited
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
    return killed
