#!/usr/bin/env python3
"""Benchmark the control API with 100 resources: ``pyspire describe --format json`` and watch lag.

An app host written to a temporary folder runs ``--count`` (default 100) executables, all tiny
``python -S`` processes: ``--changes`` (default 30) *timers* (``timer.py``) and the rest plain
sleepers (``python -S -c 'import time; time.sleep(86400)'``). It is started with ``pyspire start``
(in the background; returns once every resource is Running) and stopped with ``pyspire stop`` at
the end, also after an error; then the bench checks that the app host, its reaper and every
process it started are gone (SIGKILLs and fails if not).

**describe round trip**: ``pyspire describe --format json`` run as a subprocess from the app's
folder (how a user runs it: the CLI finds the app host there), launch → exit, its output parsed and
checked to hold every resource. ``--runs`` (default 10) rounds, interleaved with the references,
medians printed:

* raw HTTP: ``GET /v1/resources`` (+ JSON parse) on an already-open ``httpx`` client with the run's
  bearer token — the server's share of a describe (``--requests``, default 50, after 5 unmeasured);
* ``python -c pass`` with the same interpreter: the floor any Python CLI pays;
* ``python -c 'import pyspire.cli.main'``: what the ``pyspire`` script imports before it does
  anything (describe minus this is the command's own work);
* ``kubectl get executables -o json`` against ``.pyspire/kubeconfig`` (its own ``--cache-dir`` in
  the temp folder), a peer tool doing the same over the object API — only if it works: one
  unmeasured try first, and skipped (saying why) when it fails.

**watch lag**: the bench opens ``GET /v1/resources?watch=1`` (Server-Sent Events, ``httpx_sse``)
on a thread, waits for ``synced``, and then, one timer at a time, causes a state change whose
moment is known exactly. Each timer blocks reading its FIFO (``fifo/<name>``, costs nothing while
blocked); the bench writes a deadline (epoch, 0.1 s ahead) into it, the timer sleeps until then,
takes ``time.time()``, writes it to ``exits/<name>`` and calls ``os._exit(0)``. The resource turns
``Finished``. Per change:

* **zero point**: the timer's own ``time.time()`` just before ``os._exit(0)`` — the latest moment
  known in the process itself, on the same clock (CLOCK_REALTIME) the bench reads; the deadline
  is printed too (their difference is the sleep's overshoot, so the zero point is tight);
* **stream lag**: when the bench's SSE reader got the first non-Running snapshot of that resource
  (``time.time()`` as the event is parsed) − zero point. Target: median under 50 ms;
* **reference, pidfd observer**: the bench holds a ``pidfd`` of every timer (pid from its
  snapshot) and a thread ``select``s on them: when the kernel reports the exit − zero point. This
  is the OS floor (process teardown, wake-up of a Python thread) that pyspire, which also watches a
  pidfd, pays as well; stream − pidfd is pyspire's share;
* pyspire's own ``finishTimestamp`` (the replica's ``stopped_at``, µs) − zero point: splits
  pyspire's share into noticing the exit (plus its post-exit clean-up) and publishing it to the
  stream.

The bench waits for each change to arrive (and 0.1 s more) before causing the next, so changes
never overlap. p95 is the nearest-rank 95th percentile.

It exits non-zero only on a failure (a check failed, a process was left behind), never because a
figure missed its target. About 25 s with the defaults.

Usage: ``.venv/bin/python benchmarks/bench_api.py [--count 100] [--changes 30] [--runs 10]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from _common import clean_env, machine_note, median, processes_in, pyspire_command
from httpx_sse import connect_sse

TARGET_LAG_MS = 50.0
START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 30.0
CHANGE_TIMEOUT = 5.0
LEAD_SECONDS = 0.1  # deadline written this far ahead: the bench is idle when the timer exits
SETTLE_SECONDS = 0.1  # pause after each change arrived, so post-exit work never overlaps the next
SLEEPER = "import time; time.sleep(86400)"

TIMER = '''\
"""Blocks on its FIFO until the bench writes a deadline (epoch seconds), sleeps until then, writes
its exit moment (time.time()) to a file and exits 0 (bench_api.py)."""
import os
import sys
import time

fifo, stamp = sys.argv[1], sys.argv[2]
fd = os.open(fifo, os.O_RDONLY)  # blocks until the bench opens it for writing
data = b""
while chunk := os.read(fd, 64):
    data += chunk
deadline = float(data)
delay = deadline - time.time()
if delay > 0:
    time.sleep(delay)
now = time.time()
with open(stamp, "w") as out:
    out.write(repr(now))
os._exit(0)
'''

APPHOST = '''\
"""{sleepers} sleepers and {timers} timers, all tiny python -S processes (bench_api.py)."""
import sys

from pyspire import DistributedApplication

builder = DistributedApplication.create_builder()
for i in range({sleepers}):
    builder.add_executable(f"sleeper{{i:03d}}", sys.executable, ".", "-S", "-c", {sleeper!r})
for i in range({timers}):
    name = f"timer{{i:03d}}"
    builder.add_executable(name, sys.executable, ".", "-S", "timer.py", f"fifo/{{name}}", f"exits/{{name}}")
builder.build().run()
'''


# -- processes --------------------------------------------------------------------------------------


@dataclass
class Finished:
    seconds: float  # launch → exit, noticed through a pidfd
    code: int
    stdout: bytes
    stderr: bytes


def run_timed(command: Sequence[str], cwd: Path, env: dict[str, str], timeout: float) -> Finished:
    """Run ``command`` with its output into files and time launch → exit through a pidfd
    (``Popen.wait(timeout)`` polls with sleeps of up to 50 ms; without a timeout it is unbounded)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        pidfd = os.pidfd_open(proc.pid)
        try:
            exited = bool(select.select([pidfd], [], [], timeout)[0])
        finally:
            os.close(pidfd)
        seconds = time.monotonic() - start
        if not exited:
            proc.kill()
            proc.wait()
            raise TimeoutError(f"{' '.join(command)} did not finish within {timeout} s")
        code = proc.wait()
        out.seek(0)
        err.seek(0)
        return Finished(seconds, code, out.read(), err.read())


def start_ticks(pid: int) -> int | None:
    """The pid's start time in clock ticks since boot (tells a process from a reused pid); None
    when it is gone or a zombie (an orphan's zombie lingers where PID 1 does not reap)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[19])


def alive(pid: int, ticks: int | None) -> bool:
    return ticks is not None and start_ticks(pid) == ticks


# -- the app ----------------------------------------------------------------------------------------


def prepare(app_dir: Path, count: int, timers: int) -> list[str]:
    """Write the app host, the timer and one FIFO per timer; returns the timers' names."""
    app_dir.mkdir(parents=True)
    (app_dir / "fifo").mkdir()
    (app_dir / "exits").mkdir()
    (app_dir / "timer.py").write_text(TIMER)
    (app_dir / "apphost.py").write_text(
        APPHOST.format(sleepers=count - timers, timers=timers, sleeper=SLEEPER)
    )
    names = [f"timer{i:03d}" for i in range(timers)]
    for name in names:
        os.mkfifo(app_dir / "fifo" / name)
    return names


@dataclass
class Host:
    api_url: str
    token: str
    kubeconfig: str | None
    pid: int
    ticks: int | None
    reaper_pid: int | None
    reaper_ticks: int | None
    run_file: Path


def start_app(app_dir: Path, env: dict[str, str], count: int) -> tuple[Host, float]:
    """``pyspire start``; returns the app host (from its run file) and how long start took."""
    command = [*pyspire_command(), "start", str(app_dir / "apphost.py"), "--format", "json"]
    command += ["--timeout", str(START_TIMEOUT)]
    done = run_timed(command, app_dir, env, START_TIMEOUT + 15)
    if done.code != 0:
        raise RuntimeError(
            f"pyspire start exited with code {done.code}:\n{done.stdout.decode()}{done.stderr.decode()}"
        )
    started = json.loads(done.stdout)
    states = Counter(r["state"] for r in started["resources"])
    if len(started["resources"]) != count or states["Running"] != count:
        raise RuntimeError(f"pyspire start returned with {dict(states)}, expected {count} Running")
    run_file = app_dir / ".pyspire" / "runs" / f"{started['run_id']}.json"
    run = json.loads(run_file.read_text())
    host = Host(
        api_url=run["api"]["url"],
        token=run["api"]["token"],
        kubeconfig=run["api"].get("kubeconfig"),
        pid=int(run["appHostPid"]),
        ticks=run.get("appHostStart"),
        reaper_pid=run.get("reaperPid"),
        reaper_ticks=run.get("reaperStart"),
        run_file=run_file,
    )
    return host, done.seconds


def stop_app(app_dir: Path, env: dict[str, str], host: Host | None, pids: Sequence[int]) -> list[str]:
    """``pyspire stop`` (also when ``pyspire start`` failed: harmless), then check that nothing
    is left: the app host, its reaper, every replica pid seen, any process working in the app's
    folder. Kills what is left; returns the problems."""
    problems = []
    command = [*pyspire_command(), "stop", "--apphost", str(app_dir / "apphost.py"), "--timeout", "30"]
    try:
        done = run_timed(command, app_dir, env, 60)
        print(f"\npyspire stop: {done.seconds:.2f} s, exit code {done.code}")
        if done.code != 0 and host is not None:
            problems.append(f"pyspire stop exited with code {done.code}: {done.stderr.decode().strip()}")
    except TimeoutError as exc:
        problems.append(str(exc))
    left: dict[int, str] = {}
    if host is not None:
        if alive(host.pid, host.ticks):
            left[host.pid] = "app host"
        if host.reaper_pid and alive(host.reaper_pid, host.reaper_ticks):
            left[host.reaper_pid] = "reaper"
        if host.run_file.exists():
            problems.append(f"the run file {host.run_file.name} is still there after the stop")
    for pid in pids:
        if app_dir == _cwd(pid):  # a zombie has no cwd
            left.setdefault(pid, "replica")
    for pid in processes_in(app_dir):
        left.setdefault(pid, "process in the app's folder")
    if left:
        problems.append(f"{len(left)} processes left after pyspire stop: {sorted(left.items())[:5]}")
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    else:
        print("  nothing left: app host, reaper and every process in the app's folder are gone")
    return problems


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


# -- describe and its references --------------------------------------------------------------------


def check_describe(done: Finished, count: int) -> str | None:
    """A problem with a describe's result, or None."""
    if done.code != 0:
        return f"pyspire describe exited with code {done.code}: {done.stderr.decode().strip()[:300]}"
    try:
        snapshots = json.loads(done.stdout)
    except ValueError as exc:
        return f"pyspire describe printed no JSON: {exc}"
    if len(snapshots) != count or not all("name" in s for s in snapshots):
        return f"pyspire describe listed {len(snapshots)} resources, expected {count}"
    return None


def kubectl_command(host: Host, cache: Path) -> list[str] | None:
    kubectl = shutil.which("kubectl")
    if kubectl is None or not host.kubeconfig or not Path(host.kubeconfig).is_file():
        return None
    return [
        kubectl, "--kubeconfig", host.kubeconfig, "--cache-dir", str(cache),
        "--request-timeout", "5s", "get", "executables", "-o", "json",
    ]  # fmt: skip


def try_kubectl(command: list[str] | None, app_dir: Path, env: dict[str, str]) -> tuple[bool, str]:
    """One unmeasured ``kubectl get executables -o json`` (it also fills the discovery cache):
    whether it works, and what it returned or why not."""
    if command is None:
        return False, "kubectl or the kubeconfig is missing"
    try:
        done = run_timed(command, app_dir, env, 30)
    except TimeoutError as exc:
        return False, str(exc)
    if done.code != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        return False, f"exit code {done.code}: {lines[-1] if lines else ''}"
    try:
        items = json.loads(done.stdout)["items"]
    except (ValueError, KeyError, TypeError):
        return False, "its output is not a JSON list of items"
    return True, f"{len(items)} items"


def raw_http(client: httpx.Client, count: int, requests: int) -> list[float]:
    """``GET /v1/resources`` + JSON parse on an open connection: 5 unmeasured, then timed."""
    times = []
    for i in range(5 + requests):
        start = time.perf_counter()
        response = client.get("/v1/resources")
        resources = response.json()["resources"]
        elapsed = time.perf_counter() - start
        if response.status_code != 200 or len(resources) != count:
            raise RuntimeError(f"GET /v1/resources: {response.status_code}, {len(resources)} resources")
        if i >= 5:
            times.append(elapsed)
    return times


# -- watch lag --------------------------------------------------------------------------------------


class StreamWatch:
    """Reads the SSE stream on a thread; notes when the first non-Running snapshot of each
    watched resource arrives."""

    def __init__(self, client: httpx.Client, watched: Sequence[str]) -> None:
        self.client = client
        self.watched = set(watched)
        self.latest: dict[str, dict[str, Any]] = {}
        self.arrivals: dict[str, tuple[float, dict[str, Any]]] = {}
        self.synced = threading.Event()
        self.ended = threading.Event()
        self.error: BaseException | None = None
        self.events = 0
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with connect_sse(self.client, "GET", "/v1/resources", params={"watch": "1"}) as source:
                source.response.raise_for_status()
                for event in source.iter_sse():
                    now = time.time()
                    self.events += 1
                    if event.event == "synced":
                        self.synced.set()
                    elif event.event == "closing":
                        return
                    elif event.event == "snapshot":
                        data = json.loads(event.data)
                        name = data["name"]
                        with self._changed:
                            self.latest[name] = data
                            if (
                                self.synced.is_set()
                                and name in self.watched
                                and name not in self.arrivals
                                and data["state"] != "Running"
                            ):
                                self.arrivals[name] = (now, data)
                                self._changed.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc
        finally:
            self.ended.set()
            with self._changed:
                self._changed.notify_all()

    def wait_for(self, name: str, timeout: float) -> tuple[float, dict[str, Any]] | None:
        with self._changed:
            self._changed.wait_for(lambda: name in self.arrivals or self.ended.is_set(), timeout)
            return self.arrivals.get(name)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class ExitWatch:
    """A thread that ``select``s on a pidfd of each process and notes when each exit is seen."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.seen: dict[str, float] = {}
        self._fds: dict[int, str] = {}
        for name, pid in pids.items():
            with contextlib.suppress(ProcessLookupError):
                self._fds[os.pidfd_open(pid)] = name
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        pending = dict(self._fds)
        while pending:
            ready, _, _ = select.select([*pending, self._wake_r], [], [])
            now = time.time()
            if self._wake_r in ready:
                return
            for fd in ready:
                self.seen[pending.pop(fd)] = now

    def close(self) -> None:
        os.write(self._wake_w, b"x")
        self._thread.join(5)
        for fd in (*self._fds, self._wake_r, self._wake_w):
            os.close(fd)


@dataclass
class Change:
    name: str
    deadline: float
    exited: float  # the timer's own time.time() just before os._exit(0)
    arrived: float  # the SSE reader got its first non-Running snapshot
    state: str
    exit_code: int | None
    pidfd: float | None  # the bench's pidfd observer saw the exit
    recorded: float | None  # pyspire's finishTimestamp (the replica's stopped_at)


def _epoch(rfc3339: str | None) -> float | None:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() if rfc3339 else None


def trigger(fifo: Path, deadline: float) -> None:
    """Hand the timer its deadline. O_NONBLOCK: fails at once (ENXIO) if no timer is reading."""
    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, repr(deadline).encode())
    finally:
        os.close(fd)


def measure_lag(
    app_dir: Path, stream: StreamWatch, names: Sequence[str], pids: dict[str, int], problems: list[str]
) -> list[Change]:
    exits = ExitWatch(pids)
    changes = []
    try:
        for name in names:
            deadline = time.time() + LEAD_SECONDS
            trigger(app_dir / "fifo" / name, deadline)
            arrival = stream.wait_for(name, CHANGE_TIMEOUT)
            if arrival is None:
                problems.append(f"the stream did not deliver {name}'s exit within {CHANGE_TIMEOUT} s")
                if stream.ended.is_set() or len(problems) >= 3:
                    break  # keep the run bounded: the stream is not delivering
                continue
            arrived, snapshot = arrival
            time.sleep(SETTLE_SECONDS)
            try:
                exited = float((app_dir / "exits" / name).read_text())
            except (OSError, ValueError):
                problems.append(f"{name} left no exit timestamp")
                continue
            replicas = snapshot.get("replicas") or [{}]
            changes.append(
                Change(
                    name=name,
                    deadline=deadline,
                    exited=exited,
                    arrived=arrived,
                    state=snapshot["state"],
                    exit_code=snapshot.get("exit_code"),
                    pidfd=exits.seen.get(name),
                    recorded=_epoch(replicas[0].get("stopped_at")),
                )
            )
    finally:
        exits.close()
    return changes


# -- reporting --------------------------------------------------------------------------------------


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ms_row(label: str, values: Sequence[float]) -> str:
    if not values:
        return f"  {label:44s} (no samples)"
    ms = [v * 1000 for v in values]
    return f"  {label:44s} {median(ms):8.2f} {p95(ms):8.2f} {min(ms):8.2f} {max(ms):8.2f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


# -- the two measurements --------------------------------------------------------------------------


def bench_describe(
    app_dir: Path,
    env: dict[str, str],
    host: Host,
    client: httpx.Client,
    count: int,
    options: argparse.Namespace,
    tmp: Path,
) -> list[str]:
    problems: list[str] = []
    describe = [*pyspire_command(), "describe", "--format", "json"]
    bare = [sys.executable, "-c", "pass"]
    imports = [sys.executable, "-c", "import pyspire.cli.main"]
    kubectl = kubectl_command(host, tmp / "kube-cache")
    kubectl_works, kubectl_note = try_kubectl(kubectl, app_dir, env)
    print(f"kubectl get executables -o json: {'works' if kubectl_works else 'skipped'} ({kubectl_note})")

    variants = {"describe": describe, "bare": bare, "imports": imports}
    if kubectl_works and kubectl is not None:
        variants["kubectl"] = kubectl
    for command in variants.values():  # warm-up: page cache, bytecode, kubectl's discovery cache
        run_timed(command, app_dir, env, COMMAND_TIMEOUT)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(options.runs):
        for name, command in variants.items():
            done = run_timed(command, app_dir, env, COMMAND_TIMEOUT)
            times[name].append(done.seconds)
            if name == "describe" and (problem := check_describe(done, count)):
                problems.append(problem)
            elif name != "describe" and done.code != 0:
                problems.append(f"{' '.join(command)} exited with code {done.code}")
    http = raw_http(client, count, options.requests)

    def ms(values: Sequence[float]) -> str:
        return f"{median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"

    d = median(times["describe"])
    print(
        f"\ndescribe round trip, {count} resources (median of {options.runs}; raw HTTP of {options.requests}):"
    )
    print(f"  pyspire describe --format json (subprocess)   {ms(times['describe'])}")
    print(f"  (i)   raw HTTP GET /v1/resources, open client {ms(http)}")
    print(f"  (ii)  python -c pass (interpreter floor)      {ms(times['bare'])}")
    print(f"  (iv)  python -c 'import pyspire.cli.main'     {ms(times['imports'])}")
    if "kubectl" in times:
        print(f"  (iii) kubectl get executables -o json         {ms(times['kubectl'])}")
    else:
        print(f"  (iii) kubectl get executables -o json         not measured ({kubectl_note})")
    print(f"  describe / raw HTTP:          {ratio(d, median(http))}")
    print(f"  describe / python -c pass:    {ratio(d, median(times['bare']))}")
    print(f"  describe / import CLI alone:  {ratio(d, median(times['imports']))}")
    if "kubectl" in times:
        print(f"  describe / kubectl:           {ratio(d, median(times['kubectl']))}")
    print(
        f"  describe - import CLI alone:  {(d - median(times['imports'])) * 1000:.1f} ms "
        "(finding the app host, the request, printing)"
    )
    return problems


def bench_watch(
    app_dir: Path, host: Host, timers: Sequence[str], pids: dict[str, int], count: int
) -> list[str]:
    problems: list[str] = []
    with httpx.Client(
        base_url=host.api_url,
        headers={"Authorization": f"Bearer {host.token}"},
        timeout=httpx.Timeout(10.0, read=None),
    ) as client:
        stream = StreamWatch(client, timers)
        if not stream.synced.wait(10):
            return [f"the watch stream did not send 'synced' within 10 s ({stream.error!r})"]
        if len(stream.latest) != count:
            problems.append(
                f"the watch stream listed {len(stream.latest)} resources before synced, expected {count}"
            )
        for snapshot in stream.latest.values():
            for replica in snapshot.get("replicas") or []:
                if replica.get("pid"):
                    pids[replica["name"]] = replica["pid"]
        timer_pids: dict[str, int] = {}
        for name in timers:
            replicas = stream.latest[name].get("replicas") or []
            pid = int(replicas[0].get("pid") or 0) if replicas else 0
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes() if pid else b""
            except OSError:
                cmdline = b""
            if b"timer.py" not in cmdline:
                problems.append(f"{name}: its snapshot's pid {pid} is not the timer process")
                continue
            timer_pids[name] = pid
        changes = measure_lag(app_dir, stream, [n for n in timers if n in timer_pids], timer_pids, problems)
        if stream.error is not None:
            problems.append(f"the watch stream failed: {stream.error!r}")
        events = stream.events
    stream.join(2)

    states = Counter(c.state for c in changes)
    codes = Counter(c.exit_code for c in changes)
    if any(c.state != "Finished" or c.exit_code != 0 for c in changes):
        problems.append(
            f"unexpected first snapshot after an exit: states {dict(states)}, exit codes {dict(codes)}"
        )
    lag = [c.arrived - c.exited for c in changes]
    observer = [c.pidfd - c.exited for c in changes if c.pidfd is not None]
    share = [c.arrived - c.pidfd for c in changes if c.pidfd is not None]
    recorded = [c.recorded - c.exited for c in changes if c.recorded is not None]
    published = [c.arrived - c.recorded for c in changes if c.recorded is not None]
    overshoot = [c.exited - c.deadline for c in changes]
    print(
        f"\nwatch lag: {len(changes)} changes (a timer exits by itself; first snapshot after it: "
        f"{dict(states)}), {events} events on the stream"
    )
    print("  zero point: the timer's own time.time() just before os._exit(0)")
    print(f"  {'':44s} {'median':>8s} {'p95':>8s} {'min':>8s} {'max':>8s}  (ms)")
    print(ms_row("stream: snapshot arrived on the SSE watch", lag))
    print(ms_row("reference: the bench's pidfd saw the exit", observer))
    print(ms_row("stream - pidfd, per change (pyspire's share)", share))
    print(ms_row("  exit -> pyspire's finishTimestamp", recorded))
    print(ms_row("  finishTimestamp -> snapshot on the stream", published))
    print(ms_row("(exit stamp - deadline: sleep overshoot)", overshoot))
    if lag:
        verdict = "OK" if median(lag) * 1000 < TARGET_LAG_MS else "MISSED"
        p95_verdict = "under" if p95(lag) * 1000 < TARGET_LAG_MS else "over"
        print(
            f"  target: median stream lag under {TARGET_LAG_MS:.0f} ms: {verdict} "
            f"({median(lag) * 1000:.1f} ms; p95 {p95(lag) * 1000:.1f} ms is {p95_verdict} it)"
        )
        if observer:
            print(f"  stream / pidfd observer: {ratio(median(lag), median(observer))}")
    if len(changes) < len(timers):
        problems.append(f"only {len(changes)} of {len(timers)} changes were measured")
    return problems


# -- main -------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100, help="executables in the app (default 100)")
    parser.add_argument(
        "--changes", type=int, default=30, help="timers, i.e. state changes timed (default 30)"
    )
    parser.add_argument(
        "--runs", type=int, default=10, help="describe runs and of each reference (default 10)"
    )
    parser.add_argument("--requests", type=int, default=50, help="raw HTTP requests timed (default 50)")
    options = parser.parse_args()
    count, changes_wanted = options.count, options.changes
    if not 1 <= changes_wanted <= count:
        parser.error("--changes must be between 1 and --count")

    print(f"bench_api: {machine_note()}")
    print(
        f"{count} executables: {count - changes_wanted} sleepers (python -S -c 'time.sleep') and "
        f"{changes_wanted} timers (python -S timer.py, blocked on a FIFO)"
    )
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pyspire-bench-api-") as tmp:
        app_dir = Path(tmp).resolve() / "app"
        timers = prepare(app_dir, count, changes_wanted)
        # Its own registry of running app hosts: nothing written to the user's, and `describe`
        # finds the app host from its folder as usual.
        env = clean_env(PYSPIRE_STATE_HOME=str(Path(tmp).resolve() / "state"))
        print(f"folder: {app_dir}")
        host: Host | None = None
        pids: dict[str, int] = {}
        try:
            host, start_seconds = start_app(app_dir, env, count)
            print(f"pyspire start: {start_seconds:.2f} s until all {count} Running; API {host.api_url}")
            with httpx.Client(
                base_url=host.api_url,
                headers={"Authorization": f"Bearer {host.token}"},
                timeout=httpx.Timeout(10.0, read=None),
            ) as client:
                problems += bench_describe(app_dir, env, host, client, count, options, Path(tmp))
                problems += bench_watch(app_dir, host, timers, pids, count)
        except Exception as exc:  # noqa: BLE001 - reported below, after the clean-up
            traceback.print_exc()
            problems.append(f"the bench failed: {type(exc).__name__}: {exc}")
        finally:
            problems += stop_app(app_dir, env, host, list(pids.values()))
    if problems:
        print("\nproblems seen:\n  " + "\n  ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
