#!/usr/bin/env python3
"""Benchmark how long ``pyspire run examples/shop`` takes to start and to stop.

What is measured, per run (``--runs``, default 7, interleaved with the reference; medians printed):

* **pyspire**: from launching ``pyspire run examples/shop --no-resource-output --no-color`` as a
  subprocess (so interpreter start and imports are included) until (1) it printed its startup
  summary ("app started in X s" and a row per resource, every executable Running) and (2) every
  proxied endpoint in that summary answers ``GET /health`` with 200 through its proxy — for
  ``catalog`` (2 replicas) until both replicas have answered, told apart by the ``replica`` field
  of their replies. Then SIGINT, and the time until the pyspire process has exited; the bench checks
  that no service process is left and that the proxy ports are closed.
* **direct** (the reference): the same five service processes started by hand with
  ``subprocess.Popen`` and a fixed environment (ports chosen up front, references pointing straight
  at the first catalog replica), until every server answers ``GET /health`` on its own port. Then
  SIGTERM to each and the time until all have exited.

``pyspire / direct`` is the price of the orchestrator: its interpreter and imports, building the
model, allocating ports, opening proxies, starting processes.

Then a breakdown: ``python -c 'import pyspire.cli.main'`` against ``python -c pass``, and the
modules that take longest to import (``python -X importtime``).

Usage: ``.venv/bin/python benchmarks/bench_startup.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from _common import (
    REPO,
    SHOP,
    SUMMARY_ROW,
    ProcessLines,
    clean_env,
    free_port,
    machine_note,
    median,
    processes_in,
    pyspire_command,
    reported_start_seconds,
    spread,
)

TARGET_SECONDS = 1.5
DEADLINE_SECONDS = 20.0
EXPECTED_RESOURCES = ("greeting", "catalog", "orders", "frontend", "worker")
STATE_LINE = re.compile(r"^pyspire (\S+) (\S+)")


@dataclass
class Row:
    resource: str
    kind: str
    state: str
    replicas: int
    url: str


@dataclass
class Run:
    ready: float  # launch → summary printed and every endpoint answered
    summary: float = 0.0  # launch → summary line read
    reported: float = 0.0  # pyspire's own "app started in X s"
    exit: float = 0.0  # SIGINT/SIGTERM → every process gone
    notes: list[str] = field(default_factory=list)


# -- HTTP polling -----------------------------------------------------------------------------------


def get_health(url: str) -> dict[str, object] | None:
    """``GET url/health``: the JSON reply (``{}`` for a non-JSON 200), or None while not answering."""
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            body = response.read()
            if response.status != 200:
                return None
    except (OSError, urllib.error.URLError):
        return None
    try:
        reply = json.loads(body)
    except ValueError:
        return {}
    return reply if isinstance(reply, dict) else {}


def wait_until_answering(url: str, replicas: int, deadline: float) -> int:
    """Poll ``url`` until it answers; with replicas behind a proxy, until ``replicas`` distinct
    replicas have answered (each reply names its replica). Returns the number of requests."""
    seen: set[object] = set()
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        reply = get_health(url)
        if reply is not None:
            if replicas <= 1 or "replica" not in reply:
                return attempts
            seen.add(reply["replica"])
            if len(seen) >= replicas:
                return attempts
        else:
            time.sleep(0.002)  # not up yet: poll again almost at once
    raise TimeoutError(f"{url} did not answer (replicas seen: {sorted(map(str, seen))})")


# -- pyspire ----------------------------------------------------------------------------------------


def run_pyspire() -> Run:
    command = [*pyspire_command(), "run", str(SHOP), "--no-resource-output", "--no-color"]
    start = time.monotonic()
    deadline = start + DEADLINE_SECONDS
    proc = subprocess.Popen(
        command, cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    reader = ProcessLines(proc, deadline)
    next_line = reader.next_line

    try:
        reported = reported_start_seconds(next_line)
        rows: dict[str, Row] = {}
        while len(rows) < len(EXPECTED_RESOURCES):
            if match := SUMMARY_ROW.match(next_line()):
                name, kind, state, count, url = match.groups()
                if name in EXPECTED_RESOURCES:
                    rows[name] = Row(name, kind, state, int(count or 1), url)
        summary = time.monotonic() - start
        # Resources still settling when the summary was printed announce each change on a line.
        states = {r.resource: r.state for r in rows.values() if r.kind == "Executable"}
        while any(state != "Running" for state in states.values()):
            if (match := STATE_LINE.match(next_line())) and match.group(1) in states:
                states[match.group(1)] = match.group(2)
        for row in rows.values():
            if row.url:
                wait_until_answering(row.url, row.replicas, deadline)
        ready = time.monotonic() - start
    except BaseException:
        proc.kill()
        proc.wait()
        raise

    run = Run(ready=ready, summary=summary, reported=reported)
    stop = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = wait_exit(proc, DEADLINE_SECONDS)
    run.exit = time.monotonic() - stop
    if code != 0:
        run.notes.append(f"pyspire exited with code {code}")
    for row in rows.values():
        if row.url and _port_open(row.url):
            run.notes.append(f"proxy of {row.resource} still listening after exit")
    if left := processes_in(SHOP):
        run.notes.append(f"{len(left)} service processes left running: {left}")
    return run


def wait_exit(proc: subprocess.Popen[str], timeout: float) -> int:
    """Wait for ``proc`` to exit, noticing it at once: ``Popen.wait(timeout)`` polls with sleeps
    of up to 50 ms, which would be counted as shutdown time."""
    pidfd = os.pidfd_open(proc.pid)
    try:
        if not select.select([pidfd], [], [], timeout)[0]:
            proc.kill()
            raise TimeoutError(f"pyspire did not exit within {timeout} s of SIGINT")
    finally:
        os.close(pidfd)
    return proc.wait()


def _port_open(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


# -- the reference: the same services started by hand ------------------------------------------


def run_direct() -> Run:
    catalog_ports = [free_port(), free_port()]
    orders_port, frontend_port = free_port(), free_port()
    catalog_url = f"http://127.0.0.1:{catalog_ports[0]}"  # no proxy: straight to replica 1
    orders_url = f"http://127.0.0.1:{orders_port}"
    env = clean_env(PYTHONUNBUFFERED="1")  # what pyspire gives its Python children
    services = [
        (
            "catalog.py",
            [],
            {"PORT": str(catalog_ports[0]), "OTEL_RESOURCE_ATTRIBUTES": "service.instance.id=a"},
        ),
        (
            "catalog.py",
            [],
            {"PORT": str(catalog_ports[1]), "OTEL_RESOURCE_ATTRIBUTES": "service.instance.id=b"},
        ),
        ("orders.py", [], {"PORT": str(orders_port), "CATALOG_HTTP": catalog_url}),
        (
            "frontend.py",
            [],
            {"PORT": str(frontend_port), "CATALOG_HTTP": catalog_url, "ORDERS_HTTP": orders_url},
        ),
        ("worker.py", ["--interval", "2"], {"ORDERS_HTTP": orders_url, "GREETING": "hello"}),
    ]
    start = time.monotonic()
    deadline = start + DEADLINE_SECONDS
    procs = [
        subprocess.Popen(
            [sys.executable, script, *args],
            cwd=SHOP,
            env={**env, **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for script, args, extra in services
    ]
    try:
        for port in (*catalog_ports, orders_port, frontend_port):
            wait_until_answering(f"http://127.0.0.1:{port}", 1, deadline)
        ready = time.monotonic() - start
    finally:
        stop = time.monotonic()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
    return Run(ready=ready, exit=time.monotonic() - stop)


# -- import breakdown -------------------------------------------------------------------------------


def timed(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(command, check=True, env=clean_env())
        times.append(time.monotonic() - start)
    return times


def teardown_ms(module: str, runs: int) -> float:
    """Median time from ``atexit`` in a process that imported ``module`` to its exit, as seen by the
    parent: the interpreter's finalisation, paid by every ``pyspire run`` on its way out."""
    code = f"import {module}, atexit, sys, time; atexit.register(lambda: print(time.monotonic()))"
    times = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_env())
        times.append(time.monotonic() - float(result.stdout.split()[-1]))
    return median(times) * 1000


def import_profile(module: str) -> list[tuple[int, int, str]]:
    """``python -X importtime -c 'import module'``: (self µs, cumulative µs, indented name) lines."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (.*)$", line)
        if match:
            rows.append((int(match.group(1)), int(match.group(2)), match.group(3)))
    return rows


def print_import_breakdown(runs: int) -> None:
    bare = timed([sys.executable, "-c", "pass"], runs)
    cli = timed([sys.executable, "-c", "import pyspire.cli.main"], runs)
    print("\nbreakdown (whole processes, median of", runs, "runs):")
    print(f"  python -c pass                      {median(bare) * 1000:7.1f} ms")
    print(f"  python -c 'import pyspire.cli.main' {median(cli) * 1000:7.1f} ms")
    print(f"  => importing pyspire's CLI costs    {(median(cli) - median(bare)) * 1000:7.1f} ms")
    print(
        f"     (of which interpreter teardown at exit: {teardown_ms('pyspire.cli.main', runs):.1f} ms, "
        f"vs {teardown_ms('os', runs):.1f} ms for a bare interpreter)"
    )

    rows = import_profile("pyspire.cli.main")
    by_package: dict[str, int] = {}
    for self_us, _, name in rows:
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + self_us
    total = sum(by_package.values())
    print(f"\n  where import time goes (python -X importtime, one run, {total / 1000:.1f} ms in all),")
    print("  self time summed per top-level package:")
    for package, self_us in sorted(by_package.items(), key=lambda item: -item[1])[:10]:
        print(f"    {self_us / 1000:7.1f} ms  {package}")
    slowest = sorted(rows, reverse=True)[:5]
    print(
        "  slowest single modules (self time): "
        + ", ".join(f"{n.strip()} {s / 1000:.1f} ms" for s, _, n in slowest)
    )


# -- main -------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each (default 7)")
    options = parser.parse_args()

    print(f"bench_startup: {machine_note()}")
    print(f"app: {SHOP} (catalog ×2, orders, frontend, worker)")
    print(f"pyspire command: {' '.join(pyspire_command())} run examples/shop --no-resource-output --no-color")
    print("warming up (one unmeasured run of each)...")
    run_pyspire()
    run_direct()

    pyspire_runs: list[Run] = []
    direct_runs: list[Run] = []
    for i in range(options.runs):
        pyspire_runs.append(run_pyspire())
        direct_runs.append(run_direct())
        p, d = pyspire_runs[-1], direct_runs[-1]
        note = f"  ! {'; '.join(p.notes)}" if p.notes else ""
        print(
            f"  run {i + 1}: pyspire ready {p.ready:.3f} s (summary {p.summary:.3f} s, own figure "
            f"{p.reported:.2f} s), exit {p.exit:.3f} s | direct ready {d.ready:.3f} s, exit {d.exit:.3f} s{note}"
        )

    ready_p = [r.ready for r in pyspire_runs]
    ready_d = [r.ready for r in direct_runs]
    exit_p = [r.exit for r in pyspire_runs]
    exit_d = [r.exit for r in direct_runs]
    print(f"\nstartup, launch → every endpoint answering (median of {options.runs}):")
    print(f"  pyspire run     {spread(ready_p)}")
    print(f"    of which: launch → summary printed   {median([r.summary for r in pyspire_runs]):.3f} s")
    print(
        f"              pyspire's own 'app started in' figure {median([r.reported for r in pyspire_runs]):.2f} s"
    )
    print(f"  direct Popen    {spread(ready_d)}")
    print(f"  pyspire / direct: {median(ready_p) / median(ready_d):.2f}x")
    print(f"  pyspire - direct: {(median(ready_p) - median(ready_d)) * 1000:.0f} ms")
    verdict = "OK" if median(ready_p) < TARGET_SECONDS else "OVER TARGET"
    print(f"  target: pyspire under {TARGET_SECONDS} s (Aspire measures 8-11 s): {verdict}")
    print("\nshutdown, SIGINT (pyspire) / SIGTERM to each (direct) → every process gone:")
    print(f"  pyspire run     {spread(exit_p)}")
    print(f"  direct          {spread(exit_d)}")
    print(f"  pyspire / direct: {median(exit_p) / median(exit_d):.2f}x")
    problems = [note for r in pyspire_runs for note in r.notes]
    if problems:
        print(f"\nproblems seen: {problems}")

    print_import_breakdown(options.runs)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
