#!/usr/bin/env python3
"""Benchmark an app host supervising crash loops, against a minimal supervisor doing the same.

Two processes that exit 1 at once (``python -S -c 'raise SystemExit(1)'``), each restarted 0.1 s
after it exits — ``initial_backoff = max_backoff = 0.1``, the floor validation allows:

* ``crash``: restart policy ``always``;
* ``crash-web``: the same with ``.with_http_endpoint(env="PORT")`` and ``on_failure`` — a server
  that dies before it listens, the usual crash loop of a web app.

Variants, one after the other, each for ``--seconds`` (default 60; ``--seconds 300`` gives the
5-minute figure):

* **pyspire**: ``pyspire run apphost.py --no-resource-output --no-color`` in a temp folder, with a
  ``PYSPIRE_STATE_HOME`` of its own. Restarts so far are the sum of ``restart_count`` from
  ``GET /v1/resources`` (URL and token from the run file in ``.pyspire/runs/``).
* **reference**: a 25-line asyncio supervisor (written next to the app host) that runs the same
  two commands with their output captured through pipes, as pyspire does, and starts each again
  0.1 s after it exits; it prints its restart count.

Both are sampled every ``--interval`` seconds (default 5) from the first moment the loops run: the
supervising process's ``VmRSS`` and its own CPU time (``utime + stime`` in ``/proc/PID/stat``; the
children's time is not included), and the restarts so far. Printed per variant: every sample,
then RSS at the first and last sample (growth: what per-restart state would show as), CPU
milliseconds per restart, restarts per second; and pyspire / reference for each.

``--src PATH`` runs pyspire from another source tree with this interpreter (``PYTHONPATH=PATH``):
``git archive main src | tar -x -C /tmp/main`` then ``--src /tmp/main/src`` measures the code on
main for a before/after. Exits non-zero if a supervisor exits early (its last output is printed)
or leaves a process behind.

Usage: ``.venv/bin/python benchmarks/bench_crash_loop.py [--seconds 60] [--interval 5] [--src PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from _common import clean_env, machine_note, processes_in, pyspire_command

CRASH = "raise SystemExit(1)"
BACKOFF = 0.1

APPHOST = f"""
import sys
from pyspire import DistributedApplication

b = DistributedApplication.create_builder()
b.add_executable("crash", sys.executable, ".", "-S", "-c", {CRASH!r}).with_restart_policy(
    "always", initial_backoff={BACKOFF}, max_backoff={BACKOFF}
)
b.add_executable("crash-web", sys.executable, ".", "-S", "-c", {CRASH!r}).with_http_endpoint(
    env="PORT"
).with_restart_policy("on_failure", initial_backoff={BACKOFF}, max_backoff={BACKOFF})
b.build().run()
"""

REFERENCE = f"""
import asyncio, sys

restarts = 0


async def supervise():
    global restarts
    while True:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-S", "-c", {CRASH!r},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        await proc.communicate()
        await asyncio.sleep({BACKOFF})
        restarts += 1
        print(restarts, flush=True)


async def main():
    await asyncio.gather(supervise(), supervise())


asyncio.run(main())
"""

TICKS = os.sysconf("SC_CLK_TCK")


class Output:
    """What a supervisor prints, read on a thread: its last lines (for an error message), the
    latest one (the reference's restart count), and whether a line containing ``ready`` came."""

    def __init__(self, proc: subprocess.Popen[str], ready: str) -> None:
        self.tail: deque[str] = deque(maxlen=40)
        self.ready = threading.Event()
        self._marker = ready
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.tail.append(line.rstrip("\n"))
            if self._marker in line:
                self.ready.set()

    def wait_ready(self, timeout: float, what: str) -> None:
        if not self.ready.wait(timeout):
            raise RuntimeError(f"{what} not ready after {timeout:.0f} s:\n" + "\n".join(self.tail))


@dataclass
class Sample:
    seconds: float
    restarts: int
    rss_mb: float
    cpu_seconds: float


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def sample(pid: int, began: float, restarts: Callable[[], int]) -> Sample:
    return Sample(time.monotonic() - began, restarts(), rss_mb(pid), cpu_seconds(pid))


@dataclass
class Run:
    samples: list[Sample]
    #: Why sampling ended early (the supervisor exited), with its last output.
    ended: str | None = None
    clean: bool = True


def measure(
    proc: subprocess.Popen[str], restarts: Callable[[], int], seconds: float, interval: float, output: Output
) -> Run:
    began = time.monotonic()
    run = Run([sample(proc.pid, began, restarts)])
    while run.samples[-1].seconds < seconds:
        time.sleep(max(0.0, began + len(run.samples) * interval - time.monotonic()))
        try:
            run.samples.append(sample(proc.pid, began, restarts))
        except OSError:  # gone (/proc, or its API): say how it ended
            proc.wait(10)
            tail = "\n".join(output.tail)
            run.ended = f"exited with {proc.returncode} after {time.monotonic() - began:.0f} s; its last output:\n{tail}"
            break
    return run


def stop(proc: subprocess.Popen[str], folder: Path, how: signal.Signals = signal.SIGINT) -> bool:
    """Signal (Ctrl+C by default), wait; True when nothing is left running in ``folder``."""
    proc.send_signal(how)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False
    deadline = time.monotonic() + 5
    while processes_in(folder) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not processes_in(folder)


def api_restarts(folder: Path) -> Callable[[], int]:
    runs = list((folder / ".pyspire" / "runs").glob("*.json"))
    record = json.loads(runs[0].read_text())
    request = urllib.request.Request(
        record["api"]["url"] + "/v1/resources", headers={"Authorization": f"Bearer {record['api']['token']}"}
    )

    def restarts() -> int:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read())
        return sum(int(r["restart_count"]) for r in body["resources"])

    return restarts


def run_pyspire(folder: Path, seconds: float, interval: float, src: str | None) -> Run:
    (folder / "apphost.py").write_text(APPHOST)
    env = clean_env(PYSPIRE_STATE_HOME=str(folder / "state"))
    command = pyspire_command()
    if src:
        env["PYTHONPATH"] = src
        command = [sys.executable, "-m", "pyspire"]
    proc = subprocess.Popen(
        [*command, "run", "apphost.py", "--no-resource-output", "--no-color"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(proc, "app started in")
    try:
        output.wait_ready(60, "pyspire")
        run = measure(proc, api_restarts(folder), seconds, interval, output)
    finally:
        clean = stop(proc, folder)
    run.clean = clean
    return run


def run_reference(folder: Path, seconds: float, interval: float) -> Run:
    (folder / "supervisor.py").write_text(REFERENCE)
    proc = subprocess.Popen(
        [sys.executable, "supervisor.py"], cwd=folder, env=clean_env(), stdout=subprocess.PIPE, text=True
    )
    output = Output(proc, "")  # its first line is its first restart: both loops run
    try:
        output.wait_ready(30, "the reference supervisor")
        run = measure(proc, lambda: int(output.tail[-1]), seconds, interval, output)
    finally:
        clean = stop(proc, folder, signal.SIGTERM)  # it has no shutdown of its own to measure
    run.clean = clean
    return run


@dataclass
class Summary:
    rss_first: float
    rss_last: float
    cpu_ms_per_restart: float
    restarts_per_second: float


def summarize(name: str, run: Run) -> Summary:
    samples = run.samples
    print(f"\n{name}")
    print(f"{'t (s)':>7} {'restarts':>9} {'RSS (MB)':>9} {'CPU %':>6}")
    for before, after in zip([samples[0], *samples], samples, strict=False):
        span = after.seconds - before.seconds
        cpu = 100 * (after.cpu_seconds - before.cpu_seconds) / span if span else 0.0
        print(f"{after.seconds:7.0f} {after.restarts:9d} {after.rss_mb:9.1f} {cpu:6.1f}")
    first, last = samples[0], samples[-1]
    restarts = max(1, last.restarts - first.restarts)
    summary = Summary(
        first.rss_mb,
        last.rss_mb,
        1000 * (last.cpu_seconds - first.cpu_seconds) / restarts,
        restarts / (last.seconds - first.seconds),
    )
    print(
        f"RSS {summary.rss_first:.1f} → {summary.rss_last:.1f} MB ({summary.rss_last - summary.rss_first:+.1f}), "
        f"{summary.cpu_ms_per_restart:.2f} ms CPU per restart, {summary.restarts_per_second:.1f} restarts/s"
    )
    if run.ended:
        print(f"FAILED: it {run.ended}")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per variant (300 for the note)")
    parser.add_argument("--interval", type=float, default=5.0, help="between samples")
    parser.add_argument("--src", help="run pyspire from this source tree (PYTHONPATH), e.g. main's")
    args = parser.parse_args()
    print(machine_note())
    print(
        f"two crash loops, backoff {BACKOFF} s, {args.seconds:.0f} s per variant, a sample every {args.interval:.0f} s"
    )
    with tempfile.TemporaryDirectory(prefix="bench-crash-") as tmp:
        (Path(tmp) / "ref").mkdir()
        (Path(tmp) / "app").mkdir()
        reference_run = run_reference(Path(tmp) / "ref", args.seconds, args.interval)
        pyspire_run = run_pyspire(Path(tmp) / "app", args.seconds, args.interval, args.src)
    reference = summarize("reference (asyncio supervisor)", reference_run)
    pyspire = summarize(f"pyspire run{' from ' + args.src if args.src else ''}", pyspire_run)
    print(
        f"\npyspire / reference: RSS growth {pyspire.rss_last - pyspire.rss_first:+.1f} MB vs "
        f"{reference.rss_last - reference.rss_first:+.1f} MB; "
        f"CPU per restart {pyspire.cpu_ms_per_restart / reference.cpu_ms_per_restart:.1f}×; "
        f"restarts/s {pyspire.restarts_per_second / reference.restarts_per_second:.2f}×"
    )
    ok = True
    for name, run in (("reference", reference_run), ("pyspire", pyspire_run)):
        if not run.clean:
            print(f"FAILED: the {name} left processes behind")
        ok = ok and run.clean and run.ended is None
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
