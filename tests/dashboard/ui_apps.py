"""The apps the dashboard page's browser tests and benchmarks run: real processes that print,
exit and take commands, wired with references, waits and a parent, so every part of the
Resources and Console pages has something real to show."""

from __future__ import annotations

from pathlib import Path

from pyspire import DistributedApplication
from pyspire.app import DistributedApplicationBuilder
from pyspire.extensions import CommandResult
from tests.conftest import PYTHON

#: Prints a line of HTML once (the page must show it as text) and sleeps.
INJECTION = '<img src=x onerror="window.__injected=1"><b>bold?</b>'
SLEEPER = f"import time; print('up', {INJECTION!r}, flush=True); time.sleep(3600)"

#: Prints coloured lines (ANSI SGR) at a steady pace: a web service's log.
SERVICE = r"""
import itertools, time
for i in itertools.count():
    print(f"\x1b[32mINFO\x1b[0m  GET /orders/{i} \x1b[1m200\x1b[0m in {i % 17} ms", flush=True)
    time.sleep(0.2)
"""

#: Prints RATE lines a second in bursts of RATE/100 every 10 ms, numbered: "line N payload".
CHATTY = r"""
import sys, time
rate = int(sys.argv[1])
burst = max(1, rate // 100)
n = 0
start = time.monotonic()
while True:
    out = []
    for _ in range(burst):
        out.append(f"line {n} \x1b[36mworker\x1b[0m processed item {n * 7919 % 100003} ok")
        n += 1
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    ahead = n / rate - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
"""

FLUSHED = "flushed 3 keys"


def demo_app(app_dir: Path, chatty_rate: int = 20) -> DistributedApplicationBuilder:
    """cache (a custom `flush` command), api (2 replicas, references and waits for cache),
    migrate (a child of api that finishes), chatty (CHATTY at `chatty_rate` lines a second)."""
    builder = DistributedApplication.create_builder(app_dir=app_dir)
    greeting = builder.add_parameter("greeting", value="hello")
    cache = builder.add_executable("cache", PYTHON, ".", "-c", SLEEPER).with_http_endpoint(env="PORT")
    cache.with_command("flush", "Flush cache", lambda ctx: CommandResult.ok(FLUSHED), description="Empty the cache")
    api = (
        builder.add_executable("api", PYTHON, ".", "-c", SERVICE)
        .with_replicas(2)
        .with_env("GREETING", greeting)
        .with_reference(cache)
        .wait_for(cache)
    )
    builder.add_executable("migrate", PYTHON, ".", "-c", "print('migrated 4 tables')").with_parent(api)
    builder.add_executable("chatty", PYTHON, ".", "-c", CHATTY, str(chatty_rate))
    return builder
