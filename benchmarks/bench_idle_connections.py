#!/usr/bin/env python3
"""An app host under a flood of idle connections to its control API: descriptors and service.

What a local user without the token can do: open connections to the API's TCP port (and to the
HTTPS one kubectl uses) and send nothing. The bench starts an app host with ``pyspire start`` (one
HTTP server resource, proxied, with a health check) in a temp folder, then:

* **before**: the app host's open descriptors (``/proc/<pid>/fd``), and the references: the
  median time of ``--requests`` (default 20) authenticated ``GET /v1/resources``, of as many
  proxied ``GET /`` to the resource, and of a restart (``pyspire resource web restart`` +
  ``pyspire wait web --for healthy``), each on a quiet app host;
* **flood**: ``--attackers`` (default 4) processes open ``--connections`` (default 20,000) in
  all, half to the HTTP port and half to the HTTPS port, as fast as they can, and send nothing,
  then hold them (the attack of the issue). With ``--churn`` each keeps its share open instead:
  a socket the app host closes is closed and opened again at once, so the app host faces a
  new connection for every one it sheds. The app host's descriptor count is sampled every 5 ms
  from the first connection on: **peak**;
* **during** (the connections held, or churning): the descriptor count, and the same three
  measurements as before, printed as ratios against them; every request must succeed;
* **after**: the attackers close everything; the descriptor count once it has settled (the app
  host closes its side as it reads each EOF) and the app host's log: how many lines it wrote
  about the flood, and that it holds no traceback.

The attackers need a descriptor each per connection: with a 20,000 limit per process, four
processes hold 20,000 between them. Each prints how many it opened and how many it re-opened.

It exits non-zero only on a failure (a request that failed, an app host that died, a traceback
in its log), never because a figure looks bad. About 30 s with the defaults.

Usage: ``.venv/bin/python benchmarks/bench_idle_connections.py [--connections 20000] [--attackers 4] [--churn]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from _common import clean_env, machine_note, median, pyspire_command

APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    SERVER = (
        "import os, http.server as h\\n"
        "h.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), h.SimpleHTTPRequestHandler).serve_forever()"
    )
    builder = DistributedApplication.create_builder()
    builder.add_executable("web", sys.executable, ".", "-c", SERVER).with_http_endpoint(env="PORT").with_http_health_check("/")
    builder.build().run()
    """
)

ATTACKER = textwrap.dedent(
    """
    import select, socket, sys
    host, port, count, churn = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "churn"
    socks, reopened, failed = set(), 0, 0
    for _ in range(count):
        try:
            socks.add(socket.create_connection((host, port), timeout=5))
        except OSError:  # the app host no longer accepts: its backlog is full
            failed += 1
            if failed == 3:
                break
    print("held", len(socks), flush=True)
    poller = select.epoll()
    by_fd = {}
    for s in socks:
        poller.register(s, select.EPOLLIN | select.EPOLLRDHUP)
        by_fd[s.fileno()] = s
    poller.register(sys.stdin, select.EPOLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd == sys.stdin.fileno():
                print("reopened", reopened, flush=True)
                sys.exit(0)
            s = by_fd.pop(fd)
            poller.unregister(s)
            s.close()
            if not churn:
                continue
            try:
                new = socket.create_connection((host, port), timeout=5)
            except OSError:
                continue
            reopened += 1
            by_fd[new.fileno()] = new
            poller.register(new, select.EPOLLIN | select.EPOLLRDHUP)
    """
)


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Sampler(threading.Thread):
    """The app host's descriptor count every 5 ms: the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = descriptors(pid)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.005):
            try:
                self.peak = max(self.peak, descriptors(self.pid))
            except OSError:
                return


class Failures:
    """What failed while measuring (the bench goes on, and exits non-zero at the end)."""

    def __init__(self) -> None:
        self.seen: list[str] = []


def timed(action: Callable[[], None], times: int, failures: Failures) -> float | None:
    """Median seconds of ``action``; None if it failed (said in ``failures``)."""
    durations = []
    for _ in range(times):
        started = time.perf_counter()
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - a failed request is a result here
            failures.seen.append(f"{action.__name__}: {type(exc).__name__}: {exc}"[:300])
            return None
        durations.append(time.perf_counter() - started)
    return median(durations)


def shown(seconds: float | None) -> str:
    return "  FAILED" if seconds is None else f"{seconds * 1000:8.1f} ms"


def run_cli(*args: str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [*pyspire_command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"pyspire {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=20_000)
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--churn", action="store_true", help="re-open every connection the app host closes")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    env = clean_env(PYSPIRE_STATE_HOME=str(folder / "state"))
    (folder / "apphost.py").write_text(APPHOST)
    print(machine_note())
    run_cli("start", cwd=folder, env=env)
    [run_file] = (folder / ".pyspire" / "runs").glob("*.json")
    run = json.loads(run_file.read_text())
    pid, api = int(run["appHostPid"]), run["api"]
    attackers: list[subprocess.Popen[str]] = []
    failed = False
    failures = Failures()
    try:
        snapshot = json.loads(run_cli("describe", "web", "--format", "json", cwd=folder, env=env))
        web_url = snapshot["urls"][0]["url"]
        client = httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {api['token']}"}, timeout=10)
        proxied = httpx.Client(timeout=10)

        def authenticated() -> None:
            client.get("/v1/resources").raise_for_status()

        def through_proxy() -> None:
            proxied.get(web_url).raise_for_status()

        def restart() -> None:
            run_cli("resource", "web", "restart", cwd=folder, env=env)
            run_cli("wait", "web", "--for", "healthy", "--timeout", "60", cwd=folder, env=env)

        before = descriptors(pid)
        reference = [
            timed(authenticated, options.requests, failures),
            timed(through_proxy, options.requests, failures),
            timed(restart, 3, failures),
        ]

        targets = [urlparts(api["url"]), urlparts(api["kubeUrl"])]
        share = options.connections // options.attackers
        sampler = Sampler(pid)
        sampler.start()
        started = time.monotonic()
        for i in range(options.attackers):
            host, port = targets[i % len(targets)]
            attackers.append(
                subprocess.Popen(
                    [sys.executable, "-c", ATTACKER, host, str(port), str(share), "churn" if options.churn else "hold"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                )
            )
        held = sum(int(read_line(a).split()[1]) for a in attackers)
        if held < options.connections:
            print(f"FAILED: only {held} of {options.connections} connections could be opened")
            failed = True
        flood_seconds = time.monotonic() - started
        during = descriptors(pid)
        under_flood = [
            timed(authenticated, options.requests, failures),
            timed(through_proxy, options.requests, failures),
            timed(restart, 3, failures),
        ]
        during_late = descriptors(pid)

        reopened = 0
        for attacker in attackers:
            assert attacker.stdin is not None
            attacker.stdin.close()
            reopened += int(read_line(attacker).split()[1])
            attacker.wait(30)
        attackers.clear()
        deadline = time.monotonic() + 20
        while descriptors(pid) > before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        sampler.stopped.set()
        after = descriptors(pid)

        print(f"\nidle connections: {held} opened in {flood_seconds:.1f} s by {options.attackers} processes "
              f"(half to the HTTP port, half to HTTPS), {reopened} re-opened as the app host closed them"
              f"{' (--churn)' if options.churn else ' (held: none re-opened)'}")
        print(f"app host descriptors: before {before}, peak {sampler.peak}, during {during} "
              f"(after the measurements {during_late}), after {after}")
        for name, ref, flooded in zip(
            ("authenticated GET /v1/resources", "proxied GET /", "restart + healthy"), reference, under_flood,
            strict=True,
        ):
            ratio = f"{flooded / ref:5.2f}" if ref and flooded else "    -"
            print(f"{name:34} quiet {shown(ref)}   flooded {shown(flooded)}   ratio {ratio}")
        for failure in failures.seen:
            print("FAILED:", failure)
        failed = failed or bool(failures.seen)
    except Exception as exc:  # noqa: BLE001 - reported, then the exit code says so
        print(f"FAILED: {exc}")
        failed = True
    finally:
        for attacker in attackers:
            attacker.kill()
        subprocess.run([*pyspire_command(), "stop"], cwd=folder, env=env, capture_output=True, timeout=60)
        if os.path.exists(f"/proc/{pid}"):
            os.kill(pid, signal.SIGKILL)
    log = "".join(p.read_text() for p in (folder / ".pyspire" / "logs").glob("apphost-*.log"))
    flood_lines = [line for line in log.splitlines() if "control API" in line and "WARNING" in line]
    print(f"app host log: {len(log)} bytes, {len(flood_lines)} lines about the flood:")
    for line in flood_lines[:10]:
        print("   ", line)
    if "Traceback" in log:
        print(f"FAILED: {log.count('Traceback')} tracebacks in the app host's log "
              f"({log.count('Too many open files')} say 'Too many open files')")
        failed = True
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


def read_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline()


def urlparts(url: str) -> tuple[str, int]:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    return host, int(port)


if __name__ == "__main__":
    sys.exit(main())
