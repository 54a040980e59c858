"""Shared pieces of the app-host provisioning tests: the real CLI against the app host a test runs,
and waiting for a resource's snapshot to say something."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pyspire.extensions import ResourceSnapshot
from pyspire.testing import AppHandle

PYSPIRE = str(Path(sys.executable).parent / "pyspire")


def cli_environment() -> dict[str, str]:
    """This process's environment for the CLI: wide, uncoloured, and a relative PYTHONPATH (``src``
    of a worktree) made absolute so that it names the same folder from the CLI's ``cwd``."""
    path = os.pathsep.join(str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    return dict(os.environ, COLUMNS="200", NO_COLOR="1", PYTHONPATH=path)


async def pyspire_cli(*args: str, cwd: Path, check: bool = True) -> str:
    """The real CLI, in a subprocess, without blocking the app host's event loop."""
    process = await asyncio.create_subprocess_exec(
        PYSPIRE, *args, cwd=cwd, env=cli_environment(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    if check:
        assert process.returncode == 0, f"pyspire {' '.join(args)} → {process.returncode}\n{out.decode()}\n{err.decode()}"
    return out.decode() + err.decode()


async def until(app: AppHandle, name: str, predicate: Callable[[ResourceSnapshot], bool], timeout: float = 10.0) -> ResourceSnapshot:
    """The first snapshot of ``name`` that satisfies ``predicate``; fails after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        snapshot = app.resource(name)
        if predicate(snapshot):
            return snapshot
        if loop.time() > end:
            raise AssertionError(f"{name} never got there; last: {snapshot.state} {snapshot.state_message!r}")
        await asyncio.sleep(0.02)
