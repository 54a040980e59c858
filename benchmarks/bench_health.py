#!/usr/bin/env python3
"""Benchmark how fast a ``.wait_for(dep)`` dependent starts once its dependency turns healthy.

The dependency (``dep.py``, written to a temporary folder) is a stdlib HTTP server on ``$PORT``
whose ``GET /health`` answers 503 until a moment chosen at random 0.8–1.3 s after it starts, then
200; it prints that moment (``healthy-at <epoch>``) first thing. The dependent (``dependent.py``)
prints ``time.time()`` as its very first statement (``started <epoch>``), then sleeps.

**Reaction time** = the dependent's printed start − the dependency's printed healthy moment. It
includes the dependent's interpreter start-up (the same in both variants), so it is what a user
sees: "my service started this long after its database was ready".

* **pyspire** (in-process, ``pyspire.testing.start``): each app has ``--pairs`` (default 5)
  dependency/dependent pairs, ``dep<i>`` with ``.with_http_endpoint(env="PORT")
  .with_http_health_check("/health")`` (default intervals: 0.1 s while unhealthy) and ``app<i>``
  with ``.wait_for(dep<i>)``. Also shown: the dependent replica's ``started_at`` from its snapshot
  (pyspire's own spawn timestamp, RFC 3339) − healthy moment, i.e. the reaction without the
  dependent's interpreter start-up, split at the ``checked_at`` of the dependency's first Healthy
  report (RFC 3339, milliseconds): how long the health check took to notice, and how long pyspire
  then took to spawn the dependent.
* **reference**: a naive poller per pair in a thread — ``Popen`` the dependency on a fixed port,
  ``urllib`` ``GET /health`` every 0.1 s, ``Popen`` the dependent at the first 200 — with the same
  number of pairs at once, measured the same way.

``--runs`` (default 6) apps of each, interleaved, so 30 samples of each by default. Median and max
printed, and pyspire / reference. Target: pyspire median under 0.5 s.

Usage: ``.venv/bin/python benchmarks/bench_health.py [--runs 6] [--pairs 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from _common import clean_env, free_port, machine_note

TARGET_SECONDS = 0.5
UNHEALTHY_POLL = 0.1
TIMEOUT = 30.0

DEP = '''\
"""A dependency: /health answers 503 until HEALTHY_AFTER seconds after start, then 200."""
import http.server
import os
import time

healthy_at = time.time() + float(os.environ["HEALTHY_AFTER"])
print(f"healthy-at {healthy_at!r}", flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = 200 if time.time() >= healthy_at else 503
        body = b"ok\\n" if status == 200 else b"not yet\\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''

DEPENDENT = """\
import time; print(f"started {time.time()!r}", flush=True)
time.sleep(3600)
"""


@dataclass
class Sample:
    reaction: float  # dependent's printed start − dependency's healthy moment
    spawned: float | None = None  # pyspire: replica started_at − healthy moment
    detected: float | None = None  # pyspire: first Healthy report's checked_at − healthy moment


def _value(text: str, prefix: str) -> float:
    return float(text.split(prefix, 1)[1].split()[0])


def _epoch(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


# -- pyspire ----------------------------------------------------------------------------------------


async def _pyspire_app(folder: Path, pairs: int) -> list[Sample]:
    import pyspire.testing
    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder(args=[], app_dir=folder)
    for i in range(pairs):
        dep = (
            builder.add_executable(f"dep{i}", sys.executable, ".", "dep.py")
            .with_env("HEALTHY_AFTER", f"{random.uniform(0.8, 1.3):.3f}")
            .with_http_endpoint(env="PORT")
            .with_http_health_check("/health")
        )
        builder.add_executable(f"app{i}", sys.executable, ".", "dependent.py").wait_for(dep)
    samples = []
    async with pyspire.testing.start(builder) as app:
        for i in range(pairs):
            healthy_line = await app.wait_for_log(f"dep{i}", r"^healthy-at ", TIMEOUT)
            started_line = await app.wait_for_log(f"app{i}", r"^started ", TIMEOUT)
            healthy = _value(healthy_line.text, "healthy-at ")
            started = _value(started_line.text, "started ")
            replica = app.resource(f"app{i}").replicas[0]
            spawned = _epoch(replica.started_at) - healthy if replica.started_at else None
            # With the default 5 s interval once healthy, the report still shown is the first Healthy one.
            reports = app.resource(f"dep{i}").health_reports
            checked = [r.checked_at for r in reports if r.status == "Healthy" and r.checked_at]
            detected = max(_epoch(c) for c in checked) - healthy if checked else None
            samples.append(Sample(started - healthy, spawned, detected))
    return samples


def run_pyspire(folder: Path, pairs: int) -> list[Sample]:
    return asyncio.run(_pyspire_app(folder, pairs))


# -- the reference: a naive poller ------------------------------------------------------------------


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _reference_pair(folder: Path, out: list[Sample], errors: list[str]) -> None:
    port = free_port()
    env = clean_env(PYTHONUNBUFFERED="1")
    dep = subprocess.Popen(
        [sys.executable, "dep.py"],
        cwd=folder,
        env={**env, "PORT": str(port), "HEALTHY_AFTER": f"{random.uniform(0.8, 1.3):.3f}"},
        stdout=subprocess.PIPE,
        text=True,
    )
    dependent = None
    try:
        assert dep.stdout is not None
        healthy = _value(dep.stdout.readline(), "healthy-at ")
        url = f"http://127.0.0.1:{port}/health"
        deadline = time.monotonic() + TIMEOUT
        while not _healthy(url):  # the naive loop: the same check every 0.1 s
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} never turned healthy")
            time.sleep(UNHEALTHY_POLL)
        dependent = subprocess.Popen(
            [sys.executable, "dependent.py"], cwd=folder, env=env, stdout=subprocess.PIPE, text=True
        )
        assert dependent.stdout is not None
        started = _value(dependent.stdout.readline(), "started ")
        out.append(Sample(started - healthy))
    except Exception as exc:  # reported by the caller
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        for proc in (dependent, dep):
            if proc is not None:
                proc.terminate()
                proc.wait()


def run_reference(folder: Path, pairs: int) -> list[Sample]:
    samples: list[Sample] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_reference_pair, args=(folder, samples, errors)) for _ in range(pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"reference failed: {errors}")
    return samples


# -- main -------------------------------------------------------------------------------------------


def describe(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:6.1f} ms, max {max(values) * 1000:6.1f} ms, "
        f"min {min(values) * 1000:6.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=6, help="apps of each variant (default 6)")
    parser.add_argument("--pairs", type=int, default=5, help="dependency/dependent pairs per app (default 5)")
    options = parser.parse_args()

    print(f"bench_health: {machine_note()}")
    print(
        f"{options.runs} runs x {options.pairs} pairs; the dependency turns healthy 0.8-1.3 s after it starts; "
        "reaction = dependent's first printed time.time() - healthy moment"
    )
    with tempfile.TemporaryDirectory(prefix="pyspire-health-") as tmp:
        folder = Path(tmp)
        (folder / "dep.py").write_text(DEP)
        (folder / "dependent.py").write_text(DEPENDENT)
        print("warming up (one unmeasured app of each)...")
        run_pyspire(folder, options.pairs)
        run_reference(folder, options.pairs)

        ours: list[Sample] = []
        ref: list[Sample] = []
        for i in range(options.runs):
            p = run_pyspire(folder, options.pairs)
            r = run_reference(folder, options.pairs)
            ours += p
            ref += r
            print(
                f"  run {i + 1}: pyspire "
                + " ".join(f"{s.reaction * 1000:.0f}" for s in p)
                + " ms | reference "
                + " ".join(f"{s.reaction * 1000:.0f}" for s in r)
                + " ms"
            )

    reaction_p = [s.reaction for s in ours]
    reaction_r = [s.reaction for s in ref]
    spawned = [s.spawned for s in ours if s.spawned is not None]
    detected = [s.detected for s in ours if s.detected is not None]
    handoff = [s.spawned - s.detected for s in ours if s.spawned is not None and s.detected is not None]
    print(f"\nreaction time, healthy → dependent running its first line ({len(reaction_p)} samples each):")
    print(f"  pyspire wait_for     {describe(reaction_p)}")
    print(f"  reference poller     {describe(reaction_r)}  (urllib every {UNHEALTHY_POLL} s, then Popen)")
    print(
        f"  pyspire / reference: {statistics.median(reaction_p) / statistics.median(reaction_r):.2f}x (medians)"
    )
    if detected and handoff:
        print("  pyspire breakdown:")
        print(f"    healthy → first Healthy check done (checked_at)   {describe(detected)}")
        print(f"    checked_at → dependent spawned (started_at)       {describe(handoff)}")
    if spawned:
        print(f"  pyspire, healthy → replica started_at (its spawn timestamp): {describe(spawned)}")
        print(
            "  (the rest, started_at → first line, is the dependent's interpreter start-up: "
            f"median {(statistics.median(reaction_p) - statistics.median(spawned)) * 1000:.1f} ms)"
        )
    verdict = "OK" if statistics.median(reaction_p) < TARGET_SECONDS else "MISSED"
    print(f"  target: pyspire median under {TARGET_SECONDS} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
