"""Shared fixtures: paths to the small test programs in tests/apps and process checks."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspire.executor.snapshots import ResourceSnapshot
    from pyspire.testing import AppHandle

APPS = Path(__file__).parent / "apps"
PYTHON = sys.executable


@pytest.fixture
def apps_dir() -> Path:
    return APPS


@pytest.fixture(autouse=True)
def private_apphost_registry(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's app hosts register in a registry of their own, so `pyspire ps` / `stop --all`
    in one test (or on the developer's machine) never sees or stops another's."""
    monkeypatch.setenv("PYSPIRE_STATE_HOME", str(tmp_path_factory.mktemp("pyspire-state")))


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def processes_with_marker(marker: str) -> list[int]:
    """Pids whose environment contains ``marker`` (to find every process a test started)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker.encode() in f.read():
                    if pid_alive(int(pid)):
                        found.append(int(pid))
        except OSError:
            continue
    return found


async def until(
    app: AppHandle, name: str, done: Callable[[ResourceSnapshot], bool], timeout: float = 15
) -> ResourceSnapshot:
    """Poll ``name``'s snapshot until ``done`` holds (for conditions the harness has no wait for)."""
    async with asyncio.timeout(timeout):
        while not done(snapshot := app.resource(name)):
            await asyncio.sleep(0.02)
    return snapshot
