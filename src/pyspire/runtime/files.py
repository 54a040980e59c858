"""Files pyspire keeps under ``.pyspire/``: written atomically and readable only by the user.

Atomic (a temp file in the same folder, then a rename) so a reader — another app host, the CLI,
the reaper — never sees half a file; 0600 because run files and kubeconfigs hold the API token.
A file that several app hosts may write (the folder's kubeconfig) is checked and then replaced or
removed under :func:`exclusive`, so one never removes what another has just written.
Standard library only: the reaper imports this.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def write_atomic(path: Path, data: bytes | str, private_folder: bool = False) -> None:
    """Write ``data`` to ``path``, readable only by the user (0600), whole or not at all: into a
    temp file in the same folder, then renamed over ``path``, so a reader or a crash mid-write
    sees the old content or the new, never half. ``private_folder``: the folder too is the
    user's alone (0700), for files that hold keys or secrets.

    No fsync: what is kept here describes live runs and is swept when they end, so surviving a
    power cut is not worth an fsync on every run-file update."""
    if private_folder:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a leftover temp file of the same name keeps its mode otherwise
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def temp_path(path: Path, pid: int) -> Path:
    """Where process ``pid`` writes ``path`` before renaming it into place."""
    return path.with_name(f".{path.name}.{pid}.tmp")


def remove_abandoned_temps(folder: Path) -> None:
    """Remove the temp files, anywhere under ``folder``, of writers that died before renaming
    them (a crash mid-write leaves the old file whole, and this temp file behind)."""
    for tmp in folder.rglob(".*.tmp") if folder.is_dir() else []:
        pid = tmp.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _pid_exists(int(pid)):
            tmp.unlink(missing_ok=True)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_json_atomic(path: Path, data: Any, indent: int | None = None) -> None:
    """:func:`write_atomic` of ``data`` as JSON (serialised first: a value that cannot be
    serialised fails before anything is written)."""
    write_atomic(path, json.dumps(data, indent=indent, sort_keys=indent is not None))


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` (``.NAME.lock`` beside it) while checking and changing it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_if(path: Path, owned: Callable[[Any], bool]) -> bool:
    """Remove the JSON file at ``path`` if ``owned(its content)`` holds, under :func:`exclusive`;
    True when it was removed. A file that is missing or unreadable is left alone."""
    with exclusive(path):
        try:
            if owned(json.loads(path.read_text())):
                path.unlink()
                return True
        except (OSError, ValueError, LookupError, TypeError):
            pass
    return False
