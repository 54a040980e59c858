#!/usr/bin/env python3
"""Benchmark one enormous line: a process writes ``--mib`` MiB (default 200) with no newline.

Two executables run under ``pyspire run`` (a subprocess, output shown, as a user runs it):

* ``echo``: a tiny TCP echo server behind its pyspire proxy (a fixed port the bench chose);
* ``bigline``: blocks on a FIFO until the bench writes to it, then writes the bytes in 1 MiB
  writes, no newline anywhere, and exits.

Measured, per run:

* **ingest time**: from the trigger until pyspire prints ``bigline Finished`` (it has read the
  whole pipe, stored the line and reaped the process), against the **reference**: the same
  ``bigline.py`` run alone, its stdout a 1 MiB pipe this bench reads and discards, timed from
  the trigger to its exit;
* **peak RSS** of the app host (``VmHWM``) before the trigger and after the line;
* **the neighbour's latency**: 64-byte round trips through the echo proxy, for 1.5 s while idle
  (the baseline, same run) and for as long as the line is being ingested; median and p99 of
  both, and the ratio p99 during / p99 idle.

Usage: ``.venv/bin/python benchmarks/bench_long_line.py [--mib 200] [--runs 3]``. Exits non-zero
if pyspire did not finish, or kept the whole line (it should keep a cut line with a marker).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _common import clean_env, free_port, machine_note, median, pyspire_command, vm_hwm_kib

DEADLINE_SECONDS = 300.0
IDLE_SECONDS = 1.5
PAYLOAD = b"x" * 64
F_SETPIPE_SZ = 1031

BIGLINE = """\
import sys

size = int(sys.argv[1])
with open(sys.argv[2], "rb") as trigger:  # blocks until the bench opens it for writing
    trigger.read()
chunk = b"y" * (1 << 20)
out = sys.stdout.buffer
for _ in range(size >> 20):
    out.write(chunk)
out.flush()
"""

ECHO = """\
import os
import socket
import threading


def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)


listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
print("echo ready", flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""

APPHOST = """\
import os
import sys

from pyspire import DistributedApplication

builder = DistributedApplication.create_builder()
builder.add_executable("echo", sys.executable, ".", "echo.py").with_endpoint(
    "tcp", port=int(os.environ["BENCH_ECHO_PORT"]), env="PORT"
)
builder.add_executable("bigline", sys.executable, ".", "bigline.py", os.environ["BENCH_BYTES"], "go.fifo")
builder.build().run()
"""


@dataclass
class Run:
    ingest: float
    reference: float
    rss_before_kib: int | None
    rss_after_kib: int | None
    idle: list[float]
    beside_reference: list[float]
    during: list[float]
    kept_line_bytes: int


@contextmanager
def measuring(sock: socket.socket) -> Iterator[list[float]]:
    """Round trips on a thread for as long as the block runs; the list is filled when it ends."""
    samples: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=lambda: samples.extend(round_trips(sock, stop.is_set)))
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


class Output:
    """Reads ``pyspire run``'s stdout on a thread: notes when marks appear, keeps the longest line."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.started = threading.Event()
        self.finished = threading.Event()
        self.finished_at = 0.0
        self.longest = 0
        self.tail: list[bytes] = []
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if b"bigline" in line and b"Finished" in line and not self.finished.is_set():
                self.finished_at = time.monotonic()
                self.finished.set()
            if b"app started in" in line:
                self.started.set()
            if line.startswith(b"bigline"):
                self.longest = max(self.longest, len(line))
            self.tail = (self.tail + [line[:200]])[-20:]
        self.started.set()
        self.finished.set()


def echo_once(sock: socket.socket) -> None:
    sock.sendall(PAYLOAD)
    got = 0
    while got < len(PAYLOAD):
        chunk = sock.recv(len(PAYLOAD) - got)
        if not chunk:
            raise ConnectionError("the echo server closed the connection")
        got += len(chunk)


def round_trips(sock: socket.socket, done: Callable[[], bool]) -> list[float]:
    """Echo round trips (microseconds) until ``done()``."""
    samples: list[float] = []
    clock = time.perf_counter_ns
    while not done():
        t0 = clock()
        echo_once(sock)
        samples.append((clock() - t0) / 1000)
    return samples


def connect_when_ready(port: int, deadline: float) -> socket.socket:
    """A connection to the echo service through its proxy, once it answers."""
    while True:
        sock = socket.socket()
        try:
            sock.settimeout(5)
            sock.connect(("127.0.0.1", port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            echo_once(sock)
            return sock
        except OSError:
            sock.close()
        if time.monotonic() > deadline:
            raise TimeoutError("the echo service never answered through its proxy")
        time.sleep(0.05)


def run_reference(workdir: Path, size: int) -> float:
    """``bigline.py`` alone, its stdout a 1 MiB pipe (as pyspire makes it) that this process
    reads 1 MiB at a time and throws away: the floor for moving the bytes at all."""
    fifo = workdir / "ref.fifo"
    os.mkfifo(fifo)
    try:
        proc = subprocess.Popen(
            [sys.executable, "bigline.py", str(size), str(fifo)], cwd=workdir, stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        try:
            fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        with open(fifo, "wb") as trigger:
            start = time.monotonic()
            trigger.write(b"go")
        while os.read(fd, 1 << 20):
            pass
        proc.wait()
        proc.stdout.close()
        return time.monotonic() - start
    finally:
        fifo.unlink()


def run_pyspire(workdir: Path, size: int) -> Run:
    fifo = workdir / "go.fifo"
    os.mkfifo(fifo)
    port = free_port()
    env = clean_env(BENCH_BYTES=str(size), BENCH_ECHO_PORT=str(port))
    proc = subprocess.Popen(
        [*pyspire_command(), "run", str(workdir / "apphost.py"), "--no-color"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        output = Output(proc)
        deadline = time.monotonic() + 30
        if not output.started.wait(30) or proc.poll() is not None:
            raise RuntimeError("pyspire did not start:\n" + b"".join(output.tail).decode(errors="replace"))
        sock = connect_when_ready(port, deadline)
        with sock:
            idle_until = time.monotonic() + IDLE_SECONDS
            idle = round_trips(sock, lambda: time.monotonic() > idle_until)
            with measuring(sock) as beside_reference:
                reference = run_reference(workdir, size)
            rss_before = vm_hwm_kib(proc.pid)
            with measuring(sock) as during:
                with open(fifo, "wb") as trigger:
                    start = time.monotonic()
                    trigger.write(b"go")
                ok = output.finished.wait(DEADLINE_SECONDS)
        if not ok or not output.finished_at:
            raise RuntimeError("pyspire did not report bigline Finished in time")
        rss_after = vm_hwm_kib(proc.pid)
        return Run(
            output.finished_at - start, reference, rss_before, rss_after, idle, beside_reference, during, output.longest
        )
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        fifo.unlink()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=200, help="size of the line in MiB")
    parser.add_argument("--runs", type=int, default=3, help="runs (medians shown)")
    options = parser.parse_args()
    size = options.mib << 20
    print(f"bench_long_line: {machine_note()}")
    print(f"one line of {options.mib} MiB without a newline; {options.runs} runs\n")
    workdir = Path(tempfile.mkdtemp(prefix="pyspire-bench-long-line-"))
    (workdir / "bigline.py").write_text(BIGLINE)
    (workdir / "echo.py").write_text(ECHO)
    (workdir / "apphost.py").write_text(APPHOST)
    runs: list[Run] = []
    try:
        for i in range(options.runs):
            run = run_pyspire(workdir, size)
            runs.append(run)
            print(
                f"  run {i + 1}: ingest {run.ingest:.3f} s (reference {run.reference:.3f} s); p99 idle "
                f"{percentile(run.idle, 0.99):.0f} us, beside the reference "
                f"{percentile(run.beside_reference, 0.99):.0f} us ({len(run.beside_reference)} round trips), "
                f"during the line {percentile(run.during, 0.99):.0f} us ({len(run.during)})"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    ingest = median([r.ingest for r in runs])
    reference = median([r.reference for r in runs])
    idle = [s for r in runs for s in r.idle]
    beside = [s for r in runs for s in r.beside_reference]
    during = [s for r in runs for s in r.during]
    p99_idle, p99_beside, p99_during = (percentile(x, 0.99) for x in (idle, beside, during))
    before = max((r.rss_before_kib or 0) for r in runs) / 1024
    after = max((r.rss_after_kib or 0) for r in runs) / 1024
    kept = max(r.kept_line_bytes for r in runs)
    print(f"\ningest: {ingest:.2f} s; reference (bigline.py | read and discard): {reference:.2f} s; ratio {ingest / reference:.1f}x")
    print(f"app host peak RSS: {before:.1f} MiB before the line, {after:.1f} MiB after")
    print("neighbour's round trips through its proxy (median / p99):")
    for label, samples, p99 in (
        ("idle", idle, p99_idle),
        ("while the reference moves the bytes", beside, p99_beside),
        ("while pyspire ingests the line", during, p99_during),
    ):
        print(f"  {label:36s} {statistics.median(samples):7.0f} us / {p99:7.0f} us   ({len(samples)} round trips)")
    print(f"  p99 during the line / idle: {p99_during / p99_idle:.1f}x, / beside the reference: {p99_during / p99_beside:.1f}x")
    print(f"longest line pyspire printed for bigline: {kept:,} bytes")
    if kept >= size:
        print("problem: the whole line was kept and printed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
