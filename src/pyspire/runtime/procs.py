"""Finding processes through ``/proc`` and killing them for good.

A sweep must never hit a stranger: a pid is only trusted together with its start time (a reused
pid has another), and a process group only while its id still belongs to the recorded leader.
Standard library only: the reaper imports this.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator

#: How long a sweep keeps killing what it finds (a dying parent can still fork, once or twice).
KILL_TIMEOUT = 5.0


def stat_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` from field 3 (the state) on; None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22); None
    when it is gone or a zombie."""
    fields = stat_fields(pid)
    if fields is None or fields[0] == "Z":
        return None
    return int(fields[19])


def pids() -> Iterator[int]:
    """Every process but the caller."""
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            yield int(entry)


def argv(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def describe_command(args: list[str]) -> str:
    """What a process runs, for a leftover report: its program and, when the next argument is a
    file (``python server.py``), that file's name. Never the other arguments: they can carry a
    password, and these reports are printed by the next run, which cannot know it."""
    if not args:
        return "?"
    words = [os.path.basename(args[0]) or args[0]]
    if len(args) > 1 and not args[1].startswith("-") and os.path.isfile(args[1]):
        words.append(os.path.basename(args[1]))
    return " ".join(words)


def command(pid: int) -> str:
    return describe_command(argv(pid))


def marked_processes(value: str, marker: str) -> list[int]:
    """Every live process whose environment carries ``marker=value``."""
    needle = f"{marker}={value}".encode()
    found = []
    for pid in pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            continue
    return found


def group_members(group: int, started_since: int | None) -> list[int]:
    """Live processes in process group ``group`` started at or after ``started_since`` (ticks)."""
    found = []
    for pid in pids():
        fields = stat_fields(pid)
        if fields is None or fields[0] == "Z" or int(fields[2]) != group:
            continue
        if started_since is None or int(fields[19]) >= started_since:
            found.append(pid)
    return found


def kill_until_gone(find: Callable[[], list[int]], describe: Callable[[int], str] = command) -> dict[int, str]:
    """SIGKILL what ``find`` returns until it returns nothing (bounded by KILL_TIMEOUT); returns
    each pid killed with its description, read before it died."""
    killed: dict[int, str] = {}
    deadline = time.monotonic() + KILL_TIMEOUT
    while (found := find()) and time.monotonic() < deadline:
        for pid in found:
            if pid not in killed:
                killed[pid] = describe(pid)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    return killed
