"""A console nobody reads: ``pyspire run`` with its stdout and stderr on a pipe the test never
drains, while a resource floods its output. The app host must go on serving its control API, and
Ctrl+C must stop it (and everything it started) promptly."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import httpx
import pytest

from pyspire.runtime.apphosts import RunningAppHost, read_run_file
from tests.conftest import processes_with_marker

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
F_SETPIPE_SZ = 1031
PIPE_SIZE = 4096

pytestmark = pytest.mark.slow

CHATTY_APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    CHATTER = (
        "import time\\n"
        "while True:\\n"
        "    print('\\\\n'.join(f'chatter line {i} ' + 'x' * 60 for i in range(200)), flush=True)\\n"
        "    time.sleep(0.01)\\n"
    )
    builder = DistributedApplication.create_builder()
    builder.add_executable("chatter", sys.executable, ".", "-c", CHATTER)
    builder.build().run()
    """
)


def blocked_writing_to_a_pipe(pid: int) -> bool:
    """Whether a thread of ``pid`` sleeps in the kernel's pipe write (the pipe is full)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if "pipe_write" in (task / "wchan").read_text():
                return True
        except OSError:
            continue
    return False


def wait_for(condition, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return result


def run_file(app: Path) -> RunningAppHost | None:
    runs = app / ".pyspire" / "runs"
    hosts = [read_run_file(f) for f in runs.glob("*.json")] if runs.is_dir() else []
    return next((h for h in hosts if h is not None and h.api_url), None)


def test_a_console_nobody_reads_never_freezes_the_api_nor_ctrl_c(tmp_path):
    (tmp_path / "apphost.py").write_text(CHATTY_APPHOST)
    marker = str(uuid.uuid4())
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_SIZE)
    proc = subprocess.Popen(
        [PYSPIRE, "run", str(tmp_path), "--no-color"],
        stdout=write_end,
        stderr=write_end,  # Python logging must not block the app host either
        env=dict(os.environ, PYSPIRE_TEST_MARKER=marker),
    )
    os.close(write_end)
    try:
        host = wait_for(lambda: run_file(tmp_path), "the app host's API")
        wait_for(lambda: blocked_writing_to_a_pipe(proc.pid), "the console to block on its full pipe")
        headers = {"Authorization": f"Bearer {host.token}"}
        with httpx.Client(base_url=host.api_url, headers=headers, timeout=5.0) as client:
            answered = [client.get("/v1/resources").status_code for _ in range(14)]
        assert answered == [200] * 14
        assert blocked_writing_to_a_pipe(proc.pid), "the console must still be blocked"

        proc.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        proc.wait(timeout=15)
        assert time.monotonic() - interrupted < 4.0, "Ctrl+C took too long with a blocked console"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(read_end)
    assert processes_with_marker(f"PYSPIRE_TEST_MARKER={marker}") == []
