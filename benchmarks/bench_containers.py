#!/usr/bin/env python3
"""Benchmark how long ``pyspire run`` takes to start and stop one container, against podman by hand.

The image is ``localhost/pyspire-test/busybox:latest`` (static busybox, built locally; nothing is
pulled). Its PID 1 ignores SIGTERM, so both sides stop it without a grace period.

What is measured, per round (``--runs``, default 7, the two variants alternately, the order swapped
every round; medians printed):

* **pyspire**: an app host written to a temp dir with one container resource, ``sh -c 'echo ok >
  /www/index.html && exec httpd -f -p 80 -h /www'``, ``.with_http_endpoint(port=P, target_port=80)``
  (P a free port chosen by the bench, so pyspire's proxy listens on it) and
  ``.with_stop_grace_period(0)``. From launching ``pyspire run apphost.py --no-resource-output
  --no-color`` as a subprocess (interpreter start and imports included) until pyspire reported the
  container Running (its startup summary, or a later state line) **and** ``GET http://127.0.0.1:P/``
  answers ``ok`` through the proxy (polled every 10 ms). Then SIGINT, and the time until pyspire has
  exited; the bench checks that its container and its network are gone and the proxy port closed.
* **podman by hand** (the reference): ``podman run -d --rm --name ... -p 127.0.0.1:Q:80
  --entrypoint sh IMAGE -c '...'`` (the same command), from launching the CLI until ``GET
  http://127.0.0.1:Q/`` answers ``ok`` (polled every 10 ms from launch); then ``podman rm -f -t 0``
  (``-t 0`` as pyspire does: podman's ``rm -f`` would otherwise wait 10 s for the ignored SIGTERM)
  and the time until it returned.

``pyspire - podman`` is the price of the orchestrator: its interpreter and imports, building the
model, detecting the engine, creating the run's network, inspecting the image, the proxy. Target:
under 0.5 s.

``--trace N`` adds N more pyspire runs with ``podman`` on ``PATH`` replaced by a bash wrapper that
logs when each call starts and ends, and prints the first run's timeline (which CLI calls pyspire
makes, in which order, what each costs) and the median start and duration of each call over the N
runs. The wrapper adds a few ms per call; these runs are not part of the figures above.

Usage: ``.venv/bin/python benchmarks/bench_containers.py [--runs 7] [--trace N]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    REPO,
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
from bench_startup import wait_exit

IMAGE = "localhost/pyspire-test/busybox:latest"
RESOURCE = "benchweb"  # pyspire names its container benchweb-<suffix>: the bench finds it by that
DIRECT_PREFIX = "pyspire-bench-direct-"
SCRIPT = "echo ok > /www/index.html && exec httpd -f -p 80 -h /www"
PORT_VARIABLE = "BENCH_CONTAINERS_PORT"
TARGET_ADDED_SECONDS = 0.5
DEADLINE_SECONDS = 30.0
POLL_SECONDS = 0.01
STATE_LINE = re.compile(r"^pyspire (\S+) (\S+)")

APPHOST = f'''\
"""Written by benchmarks/bench_containers.py: one busybox httpd container behind pyspire's proxy."""

import os

from pyspire import DistributedApplication

b = DistributedApplication.create_builder()
(
    b.add_container({RESOURCE!r}, {IMAGE!r})
    .with_entrypoint("sh")
    .with_args("-c", {SCRIPT!r})
    .with_http_endpoint(target_port=80, port=int(os.environ[{PORT_VARIABLE!r}]))
    .with_stop_grace_period(0)
)
b.build().run()
'''

#: Logs each podman call's start and end (``$EPOCHREALTIME``: bash's clock, no process spawned).
WRAPPER = """\
#!/bin/bash
printf 'S %s %s %s\\n' "$$" "$EPOCHREALTIME" "$*" >> {log}
{podman} "$@"
rc=$?
printf 'E %s %s %s\\n' "$$" "$EPOCHREALTIME" "$rc" >> {log}
exit $rc
"""


@dataclass
class Run:
    ready: float  # launch → Running reported and the URL answering
    running: float = 0.0  # launch → Running reported (pyspire) / `podman run -d` returned (by hand)
    reported: float = 0.0  # pyspire's own "app started in X s"
    exit: float = 0.0  # SIGINT → pyspire exited / `podman rm -f -t 0` returned
    notes: list[str] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)  # event → wall-clock time, for --trace


# -- helpers ----------------------------------------------------------------------------------------


def podman_binary() -> str:
    found = shutil.which("podman")
    if found is None:
        sys.exit("bench_containers: podman is not on PATH")
    return found


def podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([podman_binary(), *args], capture_output=True, text=True, env=clean_env())


def containers_named(prefix: str) -> list[str]:
    """Names of containers in any state whose name starts with ``prefix`` (others may be running
    containers on this machine at the same time: only the bench's own are looked at)."""
    out = podman("ps", "-a", "--filter", f"name=^{prefix}", "--format", "{{.Names}}").stdout
    return [name for name in out.split() if name.startswith(prefix)]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            status: int = response.status
            body: bytes = response.read()
    except (OSError, urllib.error.URLError):
        return False
    return status == 200 and body.strip() == b"ok"


def wait_until_answering(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if answers(url):
            return
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{url} did not answer")


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


# -- pyspire ----------------------------------------------------------------------------------------


def run_pyspire(apphost: Path, env_extra: dict[str, str] | None = None) -> Run:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [*pyspire_command(), "run", str(apphost), "--no-resource-output", "--no-color"]
    env = clean_env(**{PORT_VARIABLE: str(port)}, **(env_extra or {}))
    marks = {"launch": time.time()}
    start = time.monotonic()
    deadline = start + DEADLINE_SECONDS
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    reader = ProcessLines(proc, deadline)
    next_line = reader.next_line
    try:
        reported = reported_start_seconds(next_line)
        state = None
        while state is None:
            if (match := SUMMARY_ROW.match(next_line())) and match.group(1) == RESOURCE:
                state = match.group(3)
        # Still starting when the summary was printed: each change comes on a line of its own.
        while state != "Running":
            if state in ("FailedToStart", "Finished", "Terminated"):
                raise RuntimeError(f"{RESOURCE} is {state}:\n" + "\n".join(reader.output[-30:]))
            if (match := STATE_LINE.match(next_line())) and match.group(1) == RESOURCE:
                state = match.group(2)
        running = time.monotonic() - start
        marks["Running reported"] = time.time()
        wait_until_answering(url, deadline)
        ready = time.monotonic() - start
        marks["answering"] = time.time()
    except BaseException:
        proc.kill()
        proc.wait()
        raise

    run = Run(ready=ready, running=running, reported=reported, marks=marks)
    # Not timed: the run id, to check afterwards that the run's network is gone too.
    names = containers_named(f"{RESOURCE}-")
    if not names:
        run.notes.append(f"no container named {RESOURCE}-* while pyspire reported it Running")
    run_ids = {
        podman("inspect", "--format", '{{index .Config.Labels "pyspire.dev/run"}}', name).stdout.strip()
        for name in names
    }
    marks["SIGINT"] = time.time()
    stop = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = wait_exit(proc, DEADLINE_SECONDS)
    run.exit = time.monotonic() - stop
    marks["exited"] = time.time()
    if code != 0:
        run.notes.append(f"pyspire exited with code {code}")
    if port_open(port):
        run.notes.append("the proxy port is still open after exit")
    if left := [name for name in containers_named(f"{RESOURCE}-") if name in names]:
        run.notes.append(f"container left after exit: {left}")
    for run_id in run_ids - {""}:
        if podman("network", "exists", f"pyspire-{run_id.lower()}").returncode == 0:
            run.notes.append(f"network pyspire-{run_id.lower()} left after exit")
    return run


# -- the reference: the same container by hand ------------------------------------------------------


def run_direct(index: int) -> Run:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    name = f"{DIRECT_PREFIX}{os.getpid()}-{index}"
    command = [
        podman_binary(),
        *("run", "-d", "--rm", "--name", name, "-p", f"127.0.0.1:{port}:80"),
        *("--entrypoint", "sh", IMAGE, "-c", SCRIPT),
    ]
    start = time.monotonic()
    deadline = start + DEADLINE_SECONDS
    proc = subprocess.Popen(
        command, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    running = 0.0
    try:
        while time.monotonic() < deadline:
            if not running and proc.poll() is not None:
                running = time.monotonic() - start
                if proc.returncode != 0:
                    raise RuntimeError(f"podman run failed: {proc.stderr.read() if proc.stderr else ''}")
            if answers(url):
                break
            time.sleep(POLL_SECONDS)
        else:
            raise TimeoutError(f"{url} did not answer")
        ready = time.monotonic() - start
        proc.communicate()
        running = running or time.monotonic() - start
    finally:
        stop = time.monotonic()
        removed = subprocess.run(
            [podman_binary(), "rm", "-f", "-t", "0", name], capture_output=True, text=True, env=clean_env()
        )
        stopped = time.monotonic() - stop
    run = Run(ready=ready, running=running, exit=stopped)
    if removed.returncode != 0:
        run.notes.append(f"podman rm failed: {removed.stderr.strip()}")
    return run


# -- trace: which podman calls pyspire makes --------------------------------------------------------


@dataclass
class Call:
    start: float
    end: float | None
    rc: str
    argv: str


def read_trace(log: Path) -> list[Call]:
    calls: dict[str, Call] = {}
    order: list[str] = []
    for line in log.read_text().splitlines():
        kind, pid, stamp, rest = (line.split(" ", 3) + [""])[:4]
        if kind == "S":
            key = f"{pid}-{len(order)}"
            calls[key] = Call(float(stamp), None, "", rest)
            order.append(key)
        elif kind == "E":
            key = next(k for k in reversed(order) if k.startswith(f"{pid}-"))
            calls[key].end = float(stamp)
            calls[key].rc = rest
    return [calls[key] for key in order]


def short(argv: str) -> str:
    argv = re.sub(r"--env-file \S+", "--env-file …", argv)
    argv = re.sub(r"--label \S+", "--label …", argv)
    argv = re.sub(r"\b[0-9a-f]{64}\b", lambda m: m.group(0)[:12] + "…", argv)
    return argv if len(argv) <= 110 else argv[:107] + "..."


def call_kind(argv: str) -> str:
    """``network inspect``, ``run``, ``rm``: the subcommand, without names or values."""
    words = argv.split()
    kind = words[:2] if words and words[0] in ("network", "image", "container", "volume") else words[:1]
    return " ".join(kind)


def trace_pyspire(apphost: Path, folder: Path, rounds: int) -> None:
    """``rounds`` pyspire runs with every podman call timed: the first run's timeline, then each
    call's median start (from launch) and duration over all of them."""
    shim = folder / "shim"
    shim.mkdir()
    log = folder / "podman-calls.log"
    wrapper = shim / "podman"
    wrapper.write_text(WRAPPER.format(log=log, podman=podman_binary()))
    wrapper.chmod(0o755)
    env = {"PATH": f"{shim}{os.pathsep}{os.environ.get('PATH', '')}"}
    # (kind, occurrence) → offsets from launch and durations; marks likewise.
    starts: dict[tuple[str, int], list[float]] = {}
    durations: dict[tuple[str, int], list[float]] = {}
    marks: dict[str, list[float]] = {}
    for i in range(rounds):
        log.write_text("")
        run = run_pyspire(apphost, env)
        launched = run.marks["launch"]
        calls = read_trace(log)
        seen: dict[str, int] = {}
        for call in calls:
            kind = call_kind(call.argv)
            key = (kind, seen.setdefault(kind, 0))
            seen[kind] += 1
            starts.setdefault(key, []).append(call.start - launched)
            if call.end is not None:
                durations.setdefault(key, []).append(call.end - call.start)
        for name, stamp in run.marks.items():
            marks.setdefault(name, []).append(stamp - launched)
        if i > 0:
            continue
        events: list[tuple[float, str]] = [(t, f"---- {name}") for name, t in run.marks.items()]
        for call in calls:
            end = f"{(call.end - launched) * 1000:6.0f}" if call.end is not None else "killed"
            took = f"{(call.end - call.start) * 1000:5.0f} ms" if call.end is not None else "        "
            rc = f"rc={call.rc or '-'}"
            events.append((call.start, f"→ {end}  {took}  {rc:6} podman {short(call.argv)}"))
        print("\npodman calls of one `pyspire run` (podman wrapped; ms from launch: start → end, duration):")
        for stamp, text in sorted(events):
            print(f"  {(stamp - launched) * 1000:6.0f} {text}")
        print("  (`logs --follow` and `wait` last the container's life; the wrapper adds ~1-3 ms a call)")
    if rounds < 2:
        return
    rows: list[tuple[float, str]] = [(median(v), f"---- {name}") for name, v in marks.items()]
    for key, offsets in starts.items():
        took = f"{median(durations[key]) * 1000:5.0f} ms" if key in durations else "        "
        rows.append((median(offsets), f"  {took}  podman {key[0]}"))
    print(f"\nthe same, medians of {rounds} traced runs (ms from launch to the call's start; duration):")
    for offset, text in sorted(rows):
        print(f"  {offset * 1000:6.0f} {text}")


# -- main -------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="measured rounds of each (default 7)")
    parser.add_argument(
        "--trace", type=int, default=0, metavar="N", help="N more pyspire runs with every podman call timed"
    )
    options = parser.parse_args()

    print(f"bench_containers: {machine_note()}")
    version = podman("--version").stdout.strip()
    print(f"engine: {version} ({podman_binary()}), image {IMAGE}")
    if podman("image", "exists", IMAGE).returncode != 0:
        print(f"image {IMAGE} is not present locally (the bench never pulls); build it first")
        return 2
    print(
        f"pyspire command: {' '.join(pyspire_command())} run <tmp>/apphost.py --no-resource-output --no-color"
    )

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pyspire-bench-containers-") as tmp:
        folder = Path(tmp)
        apphost = folder / "apphost.py"
        apphost.write_text(APPHOST)
        print("warming up (one unmeasured run of each)...")
        run_pyspire(apphost)
        run_direct(0)

        pyspire_runs: list[Run] = []
        direct_runs: list[Run] = []
        for i in range(options.runs):
            if i % 2 == 0:
                pyspire_runs.append(run_pyspire(apphost))
                direct_runs.append(run_direct(i + 1))
            else:
                direct_runs.append(run_direct(i + 1))
                pyspire_runs.append(run_pyspire(apphost))
            p, d = pyspire_runs[-1], direct_runs[-1]
            notes = p.notes + d.notes
            note = f"  ! {'; '.join(notes)}" if notes else ""
            print(
                f"  run {i + 1}: pyspire ready {p.ready:.3f} s (Running reported {p.running:.3f} s, own "
                f"figure {p.reported:.2f} s), exit {p.exit:.3f} s | podman ready {d.ready:.3f} s "
                f"(`run -d` returned {d.running:.3f} s), rm {d.exit:.3f} s{note}"
            )
            problems += notes

        if options.trace:
            trace_pyspire(apphost, folder, options.trace)

    ready_p = [r.ready for r in pyspire_runs]
    ready_d = [r.ready for r in direct_runs]
    exit_p = [r.exit for r in pyspire_runs]
    exit_d = [r.exit for r in direct_runs]
    added = median(ready_p) - median(ready_d)
    print(f"\nstartup, launch → the container's HTTP endpoint answering (median of {options.runs}):")
    print(f"  pyspire run      {spread(ready_p)}")
    print(f"    of which: launch → Running reported  {median([r.running for r in pyspire_runs]):.3f} s")
    print(
        f"              pyspire's own 'app started in' figure {median([r.reported for r in pyspire_runs]):.2f} s"
    )
    print(f"  podman run -d    {spread(ready_d)}")
    print(f"    of which: `podman run -d` returned   {median([r.running for r in direct_runs]):.3f} s")
    print(f"  pyspire / podman: {median(ready_p) / median(ready_d):.2f}x")
    print(f"  pyspire - podman: {added:.3f} s")
    verdict = "OK" if added < TARGET_ADDED_SECONDS else "OVER TARGET"
    print(f"  target: pyspire adds under {TARGET_ADDED_SECONDS} s: {verdict}")
    print("\nshutdown, SIGINT → pyspire exited (container removed) / `podman rm -f -t 0` returned:")
    print(f"  pyspire run      {spread(exit_p)}")
    print(f"  podman rm -f     {spread(exit_d)}")
    print(f"  pyspire / podman: {median(exit_p) / median(exit_d):.2f}x")
    print(f"  pyspire - podman: {median(exit_p) - median(exit_d):.3f} s")

    left = containers_named(f"{RESOURCE}-") + containers_named(DIRECT_PREFIX)
    if left:
        problems.append(f"containers left at the end (removed now): {left}")
        podman("rm", "-f", "-t", "0", *left)
    print(f"\ncontainers left at the end: {left or 'none'}")
    if problems:
        print(f"\nproblems seen: {problems}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
