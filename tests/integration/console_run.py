"""Helper for console tests: ``pyspire run`` (or any command) with its output on a pipe, read up
to a pattern, then interrupted as Ctrl+C would, and read to the end."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from tests.integration.test_cli_run import read_until


async def run_and_interrupt(
    *argv: str, cwd: Path, until: str, env: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, str]:
    """Exit code and whole output (stdout and stderr) of ``argv``, SIGINTed once ``until`` matched.
    ``env`` defaults to this process's environment without COLUMNS, as a CI runner has it."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert proc.stdout is not None
    output: list[str] = []
    try:
        await read_until(proc.stdout, until, output, timeout)
        proc.send_signal(signal.SIGINT)
        output.append((await asyncio.wait_for(proc.stdout.read(), timeout)).decode())
        return await asyncio.wait_for(proc.wait(), timeout), "".join(output)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
