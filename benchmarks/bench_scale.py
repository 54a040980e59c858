#!/usr/bin/env python3
"""Benchmark pyspire with 100 executables against honcho starting the same 100 commands.

Every resource is the same tiny standard-library HTTP server (``server.py``, written to a temporary
folder with the app host and the Procfile), listening on ``$PORT``. Whole-process figures, each
measured ``--runs`` times (default 5), the three variants interleaved, medians printed:

(a) **pyspire run** (CLI): ``pyspire run <tmp>/apphost.py --no-resource-output --no-color`` as a
    subprocess with ``COLUMNS=200``; every resource has ``.with_http_endpoint(env="PORT")`` (a proxy
    on a random port in front of each server).

    * *summary*: launch → the startup summary ("app started in X s" and a table row per resource)
      has been read and every resource is ``Running`` (when the summary was printed before all had
      settled, until each later "pyspire <name> Running" line). pyspire's own "app started in"
      figure is printed too (it counts from its process start).
    * *start*: launch → every URL in the table has answered ``GET /`` with 200 through its proxy.
      The URLs are only known from the table, so polling starts once the table is read; polling
      is sequential over the URLs still pending, 5 ms apart.
    * *stop*: SIGINT → the ``pyspire`` process has exited **and** every process it had started (the
      100 servers, its reaper) is gone, each watched through a pidfd (no polling delay).
    * the app host's memory with 100 resources: ``VmRSS`` / ``VmHWM`` of the ``pyspire`` process
      once every URL answered, and its CPU use while idle for 2 s (first run only).

(b) **pyspire in-process, healthy**: the same app with ``.with_http_health_check("/")`` on every
    resource, started with ``pyspire.testing.start(builder)`` in this process. *start*: from just
    before ``start`` until ``await app.wait_for_healthy(name)`` has returned for every resource (so
    interpreter start-up and imports are **not** included, unlike (a) and (c)). *stop*: leaving the
    ``async with`` block (which returns once every process is gone), checked through pidfds.

(c) **honcho** (the reference, ``pip install honcho``): ``honcho start -f Procfile`` with the same
    100 commands, each given its own fixed ``PORT`` allocated here (``svcNNN: PORT=<port> python
    server.py``). *start*: launch → every port answers ``GET /`` with 200 (polling starts at once:
    the ports are known). *stop*: SIGINT → honcho has exited and every process under it (its
    per-command helper processes, the shells, the servers) is gone.

Ratios pyspire/honcho are printed for start and stop. Targets: start and stop no slower than
honcho; app-host RSS under 150 MB.

``--profile`` additionally runs (a) once under ``python -m cProfile`` and prints where the app host
spends its time (top functions by own time and by cumulative time).

Usage: ``.venv/bin/python benchmarks/bench_scale.py [--count 100] [--runs 5] [--profile]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import io
import os
import pstats
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    SUMMARY_ROW,
    ProcessLines,
    clean_env,
    free_port,
    machine_note,
    median,
    pyspire_command,
    reported_start_seconds,
    spread,
)

DEADLINE_SECONDS = 60.0
RSS_TARGET_MB = 150.0
STATE_LINE = re.compile(r"^pyspire (\S+) (\S+)")

SERVER = '''\
"""A tiny HTTP server on $PORT: answers every GET with 200 "ok"."""
import http.server
import os


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''

APPHOST = '''\
"""{count} tiny HTTP servers, each behind its own proxy (bench_scale.py)."""
import sys

from pyspire import DistributedApplication

builder = DistributedApplication.create_builder()
for i in range({count}):
    resource = builder.add_executable(f"svc{{i:03d}}", sys.executable, ".", "server.py")
    resource.with_http_endpoint(env="PORT")
    if {health}:
        resource.with_http_health_check("/")
builder.build().run()
'''


@dataclass
class Result:
    start: float  # launch → every server answering (or healthy)
    stop: float  # signal → every process gone
    summary: float | None = None  # (a) launch → summary read, all Running
    reported: float | None = None  # (a) pyspire's own "app started in" figure
    rss_kib: int | None = None
    hwm_kib: int | None = None
    idle_cpu: float | None = None  # (a) CPU seconds per second while idle
    notes: list[str] = field(default_factory=list)


# -- processes --------------------------------------------------------------------------------------


def _proc_status(pid: int, key: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (by parent pid, transitively)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Watch:
    """pidfds on a set of processes: ``wait_all`` returns once every one has exited (a zombie counts
    as gone: it runs no code and holds no port)."""

    def __init__(self, pids: list[int]) -> None:
        self.fds: dict[int, int] = {}
        for pid in dict.fromkeys(pids):
            with contextlib.suppress(ProcessLookupError):
                self.fds[os.pidfd_open(pid)] = pid

    def wait_all(self, timeout: float) -> list[int]:
        """Wait until all have exited; returns the pids still alive at ``timeout``."""
        deadline = time.monotonic() + timeout
        pending = dict(self.fds)
        while pending:
            left = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select(list(pending), [], [], left)
            for fd in ready:
                pending.pop(fd)
            if not ready and left == 0.0:
                break
        for fd in self.fds:
            os.close(fd)
        return sorted(pending.values())


# -- HTTP -------------------------------------------------------------------------------------------


def answers(host: str, port: int) -> bool:
    """One ``GET /``: True on a 200."""
    conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def wait_all_answering(targets: list[tuple[str, int]], deadline: float) -> None:
    pending = list(targets)
    while pending:
        pending = [t for t in pending if not answers(*t)]
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} servers never answered, e.g. {pending[:3]}")
            time.sleep(0.005)


def _host_port(url: str) -> tuple[str, int]:
    rest = url.split("://", 1)[1]
    host, port = rest.rsplit(":", 1)
    return host, int(port)


# -- (a) pyspire run --------------------------------------------------------------------------------


def stop_with_sigint(proc: subprocess.Popen[str], result: Result) -> list[int]:
    """SIGINT ``proc`` and time until it and every descendant are gone (into ``result.stop``);
    returns the descendants it watched."""
    family = descendants(proc.pid)
    watch = Watch([proc.pid, *family])
    stop = time.monotonic()
    proc.send_signal(signal.SIGINT)
    left = watch.wait_all(DEADLINE_SECONDS)
    result.stop = time.monotonic() - stop
    if left:
        result.notes.append(
            f"{len(left)} processes still alive {DEADLINE_SECONDS} s after SIGINT: {left[:5]}"
        )
        for pid in left:  # a benchmark must not leave them behind either
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    return family


def run_pyspire_cli(folder: Path, count: int, measure_idle: bool, profile: Path | None = None) -> Result:
    apphost = folder / "apphost.py"
    command = [*pyspire_command(), "run", str(apphost), "--no-resource-output", "--no-color"]
    if profile is not None:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "pyspire", *command[1:]]
    start = time.monotonic()
    deadline = start + DEADLINE_SECONDS
    proc = subprocess.Popen(
        command, cwd=folder, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    reader = ProcessLines(proc, deadline)
    next_line = reader.next_line

    try:
        reported = reported_start_seconds(next_line)
        states: dict[str, str] = {}
        urls: dict[str, str] = {}
        while len(states) < count:
            if match := SUMMARY_ROW.match(next_line()):
                name, kind, state, _, url = match.groups()
                if kind == "Executable":
                    states[name] = state
                    urls[name] = url
        while any(state != "Running" for state in states.values()):
            if (match := STATE_LINE.match(next_line())) and match.group(1) in states:
                states[match.group(1)] = match.group(2)
        summary = time.monotonic() - start
        if missing := [n for n, u in urls.items() if not u]:
            raise RuntimeError(f"no URL in the table for {missing[:5]}")
        wait_all_answering([_host_port(u) for u in urls.values()], deadline)
        ready = time.monotonic() - start
    except BaseException:
        proc.kill()
        proc.wait()
        raise

    result = Result(start=ready, stop=0.0, summary=summary, reported=reported)
    result.rss_kib = _proc_status(proc.pid, "VmRSS")
    result.hwm_kib = _proc_status(proc.pid, "VmHWM")
    if measure_idle:
        time.sleep(0.5)  # let the start-up settle
        before, t0 = _cpu_seconds(proc.pid), time.monotonic()
        time.sleep(2.0)
        result.idle_cpu = (_cpu_seconds(proc.pid) - before) / (time.monotonic() - t0)
        result.hwm_kib = _proc_status(proc.pid, "VmHWM")
    family = stop_with_sigint(proc, result)
    code = proc.wait()
    if code != 0:
        result.notes.append(f"pyspire exited with code {code}")
    if len(family) < count:
        result.notes.append(f"only {len(family)} processes under pyspire before SIGINT")
    return result


# -- (b) pyspire in-process, until healthy ----------------------------------------------------------


async def _run_in_process(folder: Path, count: int) -> Result:
    import pyspire.testing
    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder(args=[], app_dir=folder)
    names = [f"svc{i:03d}" for i in range(count)]
    for name in names:
        builder.add_executable(name, sys.executable, ".", "server.py").with_http_endpoint(
            env="PORT"
        ).with_http_health_check("/")
    start = time.monotonic()
    async with pyspire.testing.start(builder) as app:
        for name in names:
            await app.wait_for_healthy(name, timeout=DEADLINE_SECONDS)
        ready = time.monotonic() - start
        pids = [r.pid for name in names for r in app.resource(name).replicas if r.pid]
        watch = Watch([*pids, *descendants(os.getpid())])
        stop = time.monotonic()
    stopped = time.monotonic() - stop
    result = Result(start=ready, stop=stopped)
    if left := watch.wait_all(0.0):
        result.notes.append(f"{len(left)} processes still alive when start() returned: {left[:5]}")
    if len(pids) != count:
        result.notes.append(f"{len(pids)} replica pids for {count} resources")
    return result


def run_pyspire_in_process(folder: Path, count: int) -> Result:
    return asyncio.run(_run_in_process(folder, count))


# -- (c) honcho -------------------------------------------------------------------------------------


def honcho_command() -> list[str]:
    script = Path(sys.executable).parent / "honcho"
    if script.is_file():
        return [str(script)]
    found = shutil.which("honcho")
    if found:
        return [found]
    raise SystemExit("honcho is not installed: .venv/bin/pip install honcho")


def run_honcho(folder: Path, count: int) -> Result:
    ports = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    procfile = folder / "Procfile"
    procfile.write_text(
        "".join(f"svc{i:03d}: PORT={port} {sys.executable} server.py\n" for i, port in enumerate(ports))
    )
    start = time.monotonic()
    deadline = start + DEADLINE_SECONDS
    proc = subprocess.Popen(
        [*honcho_command(), "start", "-f", str(procfile), "-d", str(folder)],
        cwd=folder,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_all_answering([("127.0.0.1", p) for p in ports], deadline)
        ready = time.monotonic() - start
    except BaseException:
        for pid in descendants(proc.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()
        raise
    result = Result(start=ready, stop=0.0)
    result.rss_kib = _proc_status(proc.pid, "VmRSS")
    result.hwm_kib = _proc_status(proc.pid, "VmHWM")
    stop_with_sigint(proc, result)
    proc.wait()
    return result


# -- profile ----------------------------------------------------------------------------------------


def print_profile(folder: Path, count: int) -> None:
    path = folder / "pyspire.prof"
    result = run_pyspire_cli(folder, count, measure_idle=False, profile=path)
    print(
        f"\nprofile of one `pyspire run` under cProfile (inflated by the profiler): start {result.start:.2f} s, "
        f"stop {result.stop:.2f} s, main thread only"
    )
    for order, restriction, what in (
        ("tottime", (15,), "all functions"),
        ("cumulative", (r"pyspire/(orchestrator|executor|runtime|app)", 20), "pyspire's own functions"),
    ):
        out = io.StringIO()
        stats = pstats.Stats(str(path), stream=out)
        stats.sort_stats(order).print_stats(*restriction)
        text = out.getvalue().replace(str(Path(pstats.__file__).parent) + "/", "")
        text = re.sub(r"\S*/src/pyspire/", "pyspire/", text)
        body = text[text.find("   ncalls") :]
        print(f"\n  top {what} by {order}:")
        for line in body.rstrip().splitlines():
            print("  " + line)


# -- main -------------------------------------------------------------------------------------------


def prepare(folder: Path, count: int, health: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "server.py").write_text(SERVER)
    (folder / "apphost.py").write_text(APPHOST.format(count=count, health=health))
    return folder


def tcp_table_size() -> int:
    """Sockets listed in /proc/net/tcp{,6} (TIME_WAIT included): what a /proc/net scan reads."""
    total = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            total += len(Path(table).read_text().splitlines()) - 1
    return total


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100, help="executables (default 100)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each variant (default 5)")
    parser.add_argument("--profile", action="store_true", help="also profile one `pyspire run` with cProfile")
    options = parser.parse_args()
    count = options.count

    print(f"bench_scale: {machine_note()}")
    print(f"{count} executables, each `python server.py` (stdlib ThreadingHTTPServer on $PORT)")
    print(f"TCP sockets on the machine now (/proc/net/tcp + tcp6 rows): {tcp_table_size()}")
    with tempfile.TemporaryDirectory(prefix="pyspire-scale-") as tmp:
        cli_dir = prepare(Path(tmp) / "cli", count, health=False)
        inproc_dir = prepare(Path(tmp) / "inproc", count, health=True)
        honcho_dir = prepare(Path(tmp) / "honcho", count, health=False)
        print(f"folder: {tmp}")
        print("warming up (one unmeasured run of (a) and (c))...")
        run_pyspire_cli(cli_dir, count, measure_idle=False)
        run_honcho(honcho_dir, count)

        a: list[Result] = []
        b: list[Result] = []
        c: list[Result] = []
        for i in range(options.runs):
            a.append(run_pyspire_cli(cli_dir, count, measure_idle=(i == 0)))
            c.append(run_honcho(honcho_dir, count))
            b.append(run_pyspire_in_process(inproc_dir, count))
            ra, rb, rc = a[-1], b[-1], c[-1]
            notes = [*ra.notes, *rb.notes, *rc.notes]
            print(
                f"  run {i + 1}: (a) pyspire run: all Running {ra.summary:.2f} s (own figure {ra.reported:.2f} s), "
                f"all answering {ra.start:.2f} s, stop {ra.stop:.2f} s | (b) in-process healthy "
                f"{rb.start:.2f} s, stop {rb.stop:.2f} s | (c) honcho answering {rc.start:.2f} s, "
                f"stop {rc.stop:.2f} s" + (f"  ! {'; '.join(notes)}" if notes else "")
            )

        start_a, stop_a = [r.start for r in a], [r.stop for r in a]
        start_b, stop_b = [r.start for r in b], [r.stop for r in b]
        start_c, stop_c = [r.start for r in c], [r.stop for r in c]
        print(f"\nstart, {count} executables (median of {options.runs}):")
        print(
            f"  (a) pyspire run, launch → summary read, all Running   {spread([r.summary or 0 for r in a])}"
        )
        print(
            f"      pyspire's own 'app started in' figure             {median([r.reported or 0 for r in a]):.2f} s"
        )
        print(f"  (a) pyspire run, launch → every proxy URL answering    {spread(start_a)}")
        print(f"  (b) pyspire in-process, start() → all Healthy          {spread(start_b)}")
        print("      (excludes interpreter start-up and imports: (a) and (c) include them)")
        print(f"  (c) honcho, launch → every port answering              {spread(start_c)}")
        print(f"  pyspire run / honcho:             {ratio(median(start_a), median(start_c))}")
        print(f"  pyspire in-process healthy / honcho: {ratio(median(start_b), median(start_c))}")

        print(f"\nstop, signal → every process gone (median of {options.runs}):")
        print(f"  (a) pyspire run, SIGINT                  {spread(stop_a)}")
        print(f"  (b) pyspire in-process, leaving start()  {spread(stop_b)}")
        print(f"  (c) honcho, SIGINT                       {spread(stop_c)}")
        print(f"  pyspire run / honcho:                {ratio(median(stop_a), median(stop_c))}")
        print(f"  pyspire in-process / honcho:         {ratio(median(stop_b), median(stop_c))}")

        rss = median([r.rss_kib or 0 for r in a]) / 1024
        hwm = max(r.hwm_kib or 0 for r in a) / 1024
        honcho_rss = median([r.rss_kib or 0 for r in c]) / 1024
        idle = next((r.idle_cpu for r in a if r.idle_cpu is not None), None)
        print(f"\napp-host memory with {count} resources (the `pyspire run` process, all answering):")
        print(f"  VmRSS {rss:.1f} MB (median), VmHWM {hwm:.1f} MB (max over runs)")
        print(
            f"  honcho's main process for comparison: VmRSS {honcho_rss:.1f} MB (plus one helper process per command)"
        )
        if idle is not None:
            print(f"  pyspire app-host CPU while idle: {idle * 100:.1f}% of one core")

        checks = [
            ("start: pyspire run no slower than honcho", median(start_a) <= median(start_c)),
            ("stop: pyspire run no slower than honcho", median(stop_a) <= median(stop_c)),
            (f"app-host memory under {RSS_TARGET_MB:.0f} MB RSS", hwm < RSS_TARGET_MB),
        ]
        print("\ntargets:")
        for what, ok in checks:
            print(f"  {what}: {'OK' if ok else 'MISSED'}")
        problems = [n for r in (*a, *b, *c) for n in r.notes]
        if problems:
            print(f"\nproblems seen: {problems}")
        if options.profile:
            print_profile(cli_dir, count)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
