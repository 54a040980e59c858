"""``pyspire run`` as a subprocess for tests: wait until it has started, stop it, read what it
printed, and never leave one running when a test fails."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

PYSPIRE = str(Path(sys.executable).parent / "pyspire")


class AppHost:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.output)

    async def until(self, wanted: str, timeout: float = 20) -> None:
        """Read the app host's output until ``wanted`` appears in it."""
        assert self.proc.stdout is not None

        async def read() -> None:
            while wanted not in self.text:
                line = await self.proc.stdout.readline()  # type: ignore[union-attr]
                if not line:
                    raise AssertionError(f"pyspire exited before printing {wanted!r}:\n{self.text}")
                self.output.append(line.decode())

        await asyncio.wait_for(read(), timeout)

    async def finish(self, sig: int | None = signal.SIGINT, timeout: float = 30) -> str:
        """Send ``sig`` (None: none), read the rest of the output and wait for the exit."""
        assert self.proc.stdout is not None
        if sig is not None:
            self.proc.send_signal(sig)
        self.output.append((await asyncio.wait_for(self.proc.stdout.read(), timeout)).decode())
        await self.proc.wait()
        return self.text


@contextlib.asynccontextmanager
async def app_host(
    folder: Path,
    argv: Sequence[str] | None = None,
    started: str | None = "app started",
    env: dict[str, str] | None = None,
    **popen: Any,
) -> AsyncIterator[AppHost]:
    """Run ``pyspire run FOLDER`` (or ``argv``) until ``started`` is printed (None: do not wait);
    on the way out a still running app host gets SIGTERM (a clean stop), then SIGKILL."""
    proc = await asyncio.create_subprocess_exec(
        *(argv or [PYSPIRE, "run", str(folder), "--no-color"]),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        **popen,
    )
    host = AppHost(proc)
    try:
        if started is not None:
            await host.until(started)
        yield host
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def run_record(folder: Path) -> dict[str, Any]:
    """The run file of the one app host recorded in ``folder``."""
    [run_file] = (folder / ".pyspire" / "runs").glob("*.json")
    return dict(json.loads(run_file.read_text()))


async def until_exists(path: Path, timeout: float = 20) -> None:
    """Wait for ``path`` to appear (a reaper's note, a pid file)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not path.exists():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        await asyncio.sleep(0.02)
