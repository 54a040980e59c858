"""Helpers shared by the benchmark scripts (not a benchmark itself).

Everything here is standard library only, so the benchmarks run with the interpreter of the venv
pyspire is installed in (``.venv/bin/python benchmarks/bench_startup.py``).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "examples" / "shop"

#: Variables that change how a Python child buffers or caches; the benchmarks set them explicitly.
_PYTHON_KNOBS = ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")


def pyspire_command() -> list[str]:
    """How a user starts pyspire: the ``pyspire`` script installed next to this interpreter,
    else ``python -m pyspire``."""
    script = Path(sys.executable).parent / "pyspire"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("pyspire")
    return [found] if found else [sys.executable, "-m", "pyspire"]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without the Python buffering / bytecode knobs (a developer's shell may
    export them), plus ``extra``. ``COLUMNS`` keeps rich's tables on one line per row."""
    env = {k: v for k, v in os.environ.items() if k not in _PYTHON_KNOBS}
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set size of ``pid`` so far (``VmHWM`` in ``/proc/<pid>/status``), in KiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], unit: str = "s", scale: float = 1.0) -> str:
    """``median (min–max)`` of ``values`` for a results line."""
    return (
        f"{statistics.median(values) * scale:.3f} {unit} "
        f"(min {min(values) * scale:.3f}, max {max(values) * scale:.3f})"
    )


def machine_note() -> str:
    """CPU count and load average: other work on a 2-core machine skews every figure."""
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "?"
    python = subprocess.run(
        [sys.executable, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{os.cpu_count()} CPUs, load average {load}, Python {python} ({sys.executable})"


def processes_in(folder: Path) -> list[int]:
    """Pids of processes whose working directory is ``folder`` (services left behind)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if Path(os.readlink(entry / "cwd")) == folder:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


class ProcessLines:
    """The stdout lines of a running ``pyspire run``, read on a thread so the caller can wait
    for each with a deadline; ``output`` keeps what was read, for error messages."""

    def __init__(self, proc: subprocess.Popen[str], deadline: float) -> None:
        self.deadline = deadline
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self) -> str:
        try:
            line = self._lines.get(timeout=max(0.01, self.deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(
                "pyspire is not ready after its deadline:\n" + "\n".join(self.output[-30:])
            ) from None
        if line is None:
            raise RuntimeError("pyspire exited before it was ready:\n" + "\n".join(self.output[-30:]))
        self.output.append(line)
        return line


SUMMARY_TITLE = re.compile(r"(?:app started in|after) ([0-9.]+)s")
#: A row of the startup summary table: name, type, state, replica count, URL.
SUMMARY_ROW = re.compile(r"^(\S+)\s+│\s+(\S+)\s+│\s+(\S+)(?: ×(\d+))?\s+│\s*(\S*)")


def reported_start_seconds(next_line: Callable[[], str]) -> float:
    """Read ``pyspire run`` output up to its startup summary; returns the time it reports."""
    while True:
        if match := SUMMARY_TITLE.search(next_line()):
            return float(match.group(1))
