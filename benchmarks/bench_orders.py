#!/usr/bin/env python3
"""Benchmark ``pyspire run examples/orders`` to everything answering, against the same services
started by hand with the same images, first start and second start.

Each round (``--runs``, default 3) copies ``examples/orders`` into a fresh temp folder (no
``api/.venv``, no ``frontend/node_modules``, no ``.pyspire``) per variant and starts it twice:

* **first start**: the venv is created and ``requirements.txt`` installed, ``npm ci`` runs, the
  volumes are new (PostgreSQL runs initdb);
* **second start**, in the same folder: venv, ``node_modules``, volumes and passwords are there,
  so nothing should be installed.

The two variants, alternately (the order swapped every round):

* **pyspire**: ``pyspire run apphost.py --no-resource-output --no-color`` in the copy, as a whole
  process with its own ``PYSPIRE_STATE_HOME``, from launch until its control API (polled from this
  process, following its watch stream) says ``api`` is healthy and ``frontend`` and
  ``worker`` are running and no resource failed, and the app answers end to end (below) through pyspire's proxies; then SIGINT
  and the time until ``pyspire`` exited. Its ``*-install`` children's state messages are printed
  (the second start should say they were skipped).
* **by hand** (the reference): what a shell script would do, with the same images and settings:
  ``podman run -d`` of PostgreSQL (``POSTGRES_PASSWORD``, a named volume on
  ``/var/lib/postgresql/data``, ``--stop-signal SIGINT``) and Redis (``redis-server --requirepass
  … --save 60 1``, a named volume on ``/data``), while (first start only) ``python -m venv`` +
  ``pip install -r requirements.txt`` and ``npm ci`` run concurrently; then ``CREATE DATABASE
  orders`` when missing (retrying until PostgreSQL accepts connections), ``python -m alembic
  upgrade head``, two ``uvicorn --reload`` on two ports (as pyspire runs them), the worker, ``npm run start`` — until the same end
  to end check passes; then SIGTERM to the processes and ``podman rm -f -t 10`` of both containers.

End to end (the same code for both): ``GET /health`` is 200 on both API replicas (pyspire: two
distinct replicas seen through the proxy with ``/whoami``), the frontend's page is served, an order
placed through the frontend (``POST /api/orders``) is fulfilled by the worker (``GET
/api/orders/{id}`` polled every 20 ms).

Targets (issue 12): pyspire within 1.5× of by hand and under 3 s for the second start with images
present; the second start must not pay for the installers.

Images: :data:`POSTGRES_IMAGE` / :data:`REDIS_IMAGE` (the integrations' defaults, tagged locally by
``scripts/containers.sh`` on machines that cannot pull); ``--postgres-image`` / ``--redis-image``
switch the by-hand side. ``--only by-hand`` runs the reference alone; ``--apphost FILE`` runs
another app host (copied over the example's ``apphost.py``) on the pyspire side. Containers and volumes are
named ``orders-bench-*`` (by hand) or labelled ``pyspire.dev/app=<the copy's key>`` (pyspire's
volumes); the bench removes its own at the end and exits non-zero when something was left or a
check failed.

Usage: ``.venv/bin/python benchmarks/bench_orders.py [--runs 3] [--only pyspire|by-hand]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import REPO, ProcessLines, clean_env, free_port, machine_note, median, pyspire_command, spread
from bench_startup import wait_exit

POSTGRES_IMAGE = "docker.io/library/postgres:17"
REDIS_IMAGE = "docker.io/library/redis:7.4"
EXAMPLE = REPO / "examples" / "orders"
PREFIX = "orders-bench-"
FIRST_DEADLINE_SECONDS = 600.0  # pip install and npm ci (from the local caches) on 2 loaded cores
SECOND_DEADLINE_SECONDS = 120.0
POLL_SECONDS = 0.02
TARGET_RATIO = 1.5
TARGET_SECOND_SECONDS = 3.0
FAILED_STATES = ("FailedToStart", "Exited", "Terminated", "RuntimeUnhealthy")

#: Creates the database the way ``add_database`` does: connect to ``postgres``, create when missing;
#: retried because the container answers TCP only once initdb has finished.
CREATE_DATABASE = """\
import sys, time, psycopg
port, password, deadline = int(sys.argv[1]), sys.argv[2], time.monotonic() + float(sys.argv[3])
while True:
    try:
        conn = psycopg.connect(host="localhost", port=port, user="postgres", password=password,
                               dbname="postgres", autocommit=True, connect_timeout=2)
        break
    except psycopg.OperationalError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
with conn:
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'orders'").fetchone() is None:
        conn.execute("CREATE DATABASE orders")
"""


@dataclass
class Start:
    ready: float  # launch → everything answering end to end
    stop: float = 0.0  # SIGINT/SIGTERM → everything gone
    marks: dict[str, float] = field(default_factory=dict)  # phase → seconds from launch
    notes: list[str] = field(default_factory=list)


# -- helpers ----------------------------------------------------------------------------------------


def copy_example(dest: Path) -> Path:
    shutil.copytree(
        EXAMPLE, dest, ignore=shutil.ignore_patterns(".venv", "node_modules", ".pyspire", "__pycache__")
    )
    return dest


def podman(*args: str, check: bool = True) -> str:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, env=clean_env())
    if check and done.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args[:3])} failed: {done.stderr.strip()}")
    return done.stdout


def http(
    method: str, url: str, body: dict[str, object] | None = None, token: str | None = None
) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token is not None:
        request.add_header("authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())
    except OSError:
        return 0, b""


def poll(what: str, deadline: float, done: Callable[[], bool]) -> None:
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done before the deadline")
        time.sleep(POLL_SECONDS)


def check_end_to_end(
    api_urls: list[str], frontend: str, deadline: float, mark: Callable[[str], None], replicas: int = 1
) -> None:
    """Both API replicas healthy, the page served, an order placed through the frontend fulfilled.
    ``replicas=2`` with one URL (a proxy): poll ``/whoami`` until two distinct replicas answered.
    ``mark`` records when each step was done."""
    for url in api_urls:
        poll(f"GET {url}/health", deadline, lambda url=url: http("GET", url + "/health")[0] == 200)
    seen: set[str] = set()

    def both_replicas() -> bool:
        status, body = http("GET", api_urls[0] + "/whoami")
        if status == 200:
            seen.add(str(json.loads(body)["replica"]))
        return len(seen) >= replicas

    poll("two API replicas answering", deadline, both_replicas)
    mark("API replicas healthy")
    poll(f"GET {frontend}/", deadline, lambda: b"<title>Orders" in http("GET", frontend + "/")[1])
    mark("frontend page served")
    status, body = http("POST", frontend + "/api/orders", {"item": "bench", "quantity": 1})
    if status != 201:
        raise RuntimeError(f"POST /api/orders through the frontend answered {status}: {body!r}")
    order = json.loads(body)["id"]

    def fulfilled() -> bool:
        status, body = http("GET", f"{frontend}/api/orders/{order}")
        return status == 200 and json.loads(body)["status"] == "fulfilled"

    poll(f"order {order} fulfilled by the worker", deadline, fulfilled)
    mark("order placed and fulfilled")


def killpg_and_wait(procs: list[subprocess.Popen[bytes]], timeout: float = 10.0) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# -- by hand ----------------------------------------------------------------------------------------


class ByHand:
    """One app copy started by hand; ``start`` twice (first, second), ``cleanup`` at the end."""

    def __init__(self, folder: Path, postgres_image: str, redis_image: str) -> None:
        self.folder = folder
        self.token = secrets.token_hex(4)
        self.password = secrets.token_urlsafe(16)  # kept for the second start, as pyspire keeps it
        self.images = postgres_image, redis_image
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = folder / "logs"
        self.logs.mkdir()

    def name(self, what: str) -> str:
        return f"{PREFIX}{self.token}-{what}"

    def spawn(self, label: str, argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{label}.log").open("ab")
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        self.procs.append(proc)
        return proc

    def finish(self, label: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
        if proc.wait(max(1.0, deadline - time.monotonic())) != 0:
            log = (self.logs / f"{label}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{label} exited with {proc.returncode}:\n{log}")
        self.procs.remove(proc)

    def start(self, install: bool, deadline_seconds: float) -> Start:
        api, frontend = self.folder / "api", self.folder / "frontend"
        venv_python = str(api / ".venv" / "bin" / "python")
        pg_port, redis_port, api_ports, fe_port = (
            free_port(),
            free_port(),
            (free_port(), free_port()),
            free_port(),
        )
        env = clean_env()
        start = time.monotonic()
        deadline = start + deadline_seconds
        marks: dict[str, float] = {}

        def mark(what: str) -> None:
            marks[what] = time.monotonic() - start

        postgres = self.spawn(
            "podman-run-pg",
            ["podman", "run", "-d", "--name", self.name("pg"), "--stop-signal", "SIGINT",
             "-e", f"POSTGRES_PASSWORD={self.password}", "-p", f"127.0.0.1:{pg_port}:5432",
             "-v", f"{self.name('pgdata')}:/var/lib/postgresql/data", self.images[0]],
            self.folder, env,
        )  # fmt: skip
        redis = self.spawn(
            "podman-run-cache",
            ["podman", "run", "-d", "--name", self.name("cache"), "-p", f"127.0.0.1:{redis_port}:6379",
             "-v", f"{self.name('cachedata')}:/data", self.images[1],
             "redis-server", "--requirepass", self.password, "--save", "60", "1", "--dir", "/data"],
            self.folder, env,
        )  # fmt: skip
        if install:
            pip = self.spawn(
                "pip",
                ["sh", "-c", f"{sys.executable} -m venv .venv && .venv/bin/pip install -q -r requirements.txt"],
                api, env,
            )  # fmt: skip
            npm = self.spawn("npm-ci", ["npm", "ci", "--no-audit", "--no-fund"], frontend, env)
        self.finish("podman-run-pg", postgres, deadline)
        self.finish("podman-run-cache", redis, deadline)
        mark("podman run -d ×2 returned")
        if install:
            self.finish("pip", pip, deadline)
            mark("venv + pip install")
        create = self.spawn(
            "create-database",
            [venv_python, "-c", CREATE_DATABASE, str(pg_port), self.password, str(deadline - time.monotonic())],
            api, env,
        )  # fmt: skip
        self.finish("create-database", create, deadline)
        mark("database orders there")
        quoted = urllib.parse.quote(self.password, safe="")
        services = clean_env(
            PYTHONUNBUFFERED="1",
            ORDERS_SQLALCHEMY_URI=f"postgresql+psycopg://postgres:{quoted}@localhost:{pg_port}/orders",
            CACHE_URI=f"redis://:{quoted}@localhost:{redis_port}",
        )
        self.finish(
            "migrate",
            self.spawn("migrate", [venv_python, "-m", "alembic", "upgrade", "head"], api, services),
            deadline,
        )
        mark("migrated")
        for index, port in enumerate(api_ports):
            replica = {**services, "OTEL_RESOURCE_ATTRIBUTES": f"service.instance.id=api-{index}"}
            # --reload as pyspire runs it in run mode: the same command a developer types by hand.
            self.spawn(f"api-{index}", [venv_python, "-m", "uvicorn", "orders_api.main:app", "--host", "127.0.0.1",
                                        "--port", str(port), "--reload"], api, replica)  # fmt: skip
        self.spawn("worker", [venv_python, "worker.py"], api, services)
        if install:
            self.finish("npm-ci", npm, deadline)
            mark("npm ci")
        urls = [f"http://localhost:{port}" for port in api_ports]
        self.spawn("frontend", ["npm", "run", "start"], frontend,
                   clean_env(PORT=str(fe_port), services__api__http__0=urls[0]))  # fmt: skip
        check_end_to_end(urls, f"http://localhost:{fe_port}", deadline, mark)
        ready = time.monotonic() - start
        stop_started = time.monotonic()
        killpg_and_wait(self.procs)
        self.procs.clear()
        podman("rm", "-f", "-t", "10", self.name("pg"), self.name("cache"))
        return Start(ready, time.monotonic() - stop_started, marks)

    def cleanup(self) -> None:
        killpg_and_wait(self.procs)
        podman("rm", "-f", "-t", "0", self.name("pg"), self.name("cache"), check=False)
        podman("volume", "rm", "-f", self.name("pgdata"), self.name("cachedata"), check=False)


# -- pyspire ----------------------------------------------------------------------------------------


class Pyspire:
    """``pyspire run`` of one app copy, with a private state home."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.state_home = folder.parent / f"{folder.name}-state"
        self.state_home.mkdir()
        self.env = clean_env(PYSPIRE_STATE_HOME=str(self.state_home))
        #: How pyspire labels this app's volumes (executor.py: a hash of the app folder).
        self.app_key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:10]

    def watch_until_up(self, deadline: float, output: list[str]) -> dict[str, dict[str, Any]]:
        """Snapshots from ``GET /v1/resources?watch=1`` until api is healthy and frontend and
        worker run; raises when a resource failed or the deadline passed."""
        api = self.control_api()
        request = urllib.request.Request(
            f"{api['url']}/v1/resources?watch=1", headers={"authorization": f"Bearer {api['token']}"}
        )
        resources: dict[str, dict[str, Any]] = {}
        with urllib.request.urlopen(request, timeout=max(1.0, deadline - time.monotonic())) as stream:
            for raw in stream:
                line = raw.decode().rstrip("\n")
                if not line.startswith("data: ") or time.monotonic() > deadline:
                    if time.monotonic() > deadline:
                        raise TimeoutError("api healthy, frontend and worker running: not before the deadline")
                    continue
                snapshot = json.loads(line[len("data: "):])
                if "name" not in snapshot:
                    continue
                resources[snapshot["name"]] = snapshot
                if snapshot["state"] in FAILED_STATES:
                    raise RuntimeError(f"resource {snapshot['name']} {snapshot['state']}\n" + "\n".join(output[-30:]))
                api_up = resources.get("api", {})
                if (
                    api_up.get("state") == "Running"
                    and api_up.get("health_status") == "Healthy"
                    and all(resources.get(n, {}).get("state") == "Running" for n in ("frontend", "worker"))
                ):
                    return resources
        raise RuntimeError("the watch stream ended before everything was up\n" + "\n".join(output[-30:]))

    def control_api(self) -> dict[str, str]:
        """URL and token of the running app host's control API, from its run file."""
        runs = sorted((self.folder / ".pyspire" / "runs").glob("*.json"))
        for run in runs:
            record = json.loads(run.read_text())
            if record.get("api"):
                return {"url": record["api"]["url"], "token": record["api"]["token"]}
        raise RuntimeError("the app host's run file names no control API")

    def spawn_cli(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*pyspire_command(), *args], cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def start(self, deadline_seconds: float) -> Start:
        start = time.monotonic()
        deadline = start + deadline_seconds
        proc = self.spawn_cli("run", "apphost.py", "--no-resource-output", "--no-color")
        reader = ProcessLines(proc, deadline)
        marks: dict[str, float] = {}
        notes: list[str] = []

        def mark(what: str) -> None:
            marks[what] = time.monotonic() - start

        try:
            while "control API on" not in reader.next_line():
                pass
            mark("control API up")
            # Follow the control API's watch stream from this process (one request; the app host
            # pushes each change, as `pyspire wait` is told): a `pyspire wait` per resource would
            # start three more Pythons, and polling the list every 20 ms would cost the app host
            # a core-second, on the two cores the services start on.
            resources = self.watch_until_up(deadline, reader.output)
            mark("control API: api healthy, frontend + worker running")
            notes = [
                f"{n}: {r['state']} {r.get('state_message') or ''}".strip()
                for n, r in resources.items()
                if n.endswith("-install")
            ]
            api_url = next(u["url"] for u in resources["api"]["urls"] if u["endpoint"] == "http")
            frontend_url = next(u["url"] for u in resources["frontend"]["urls"] if u["endpoint"] == "http")
            check_end_to_end([api_url], frontend_url, deadline, mark, replicas=2)
            ready = time.monotonic() - start
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        stop_started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        wait_exit(proc, 60)
        return Start(ready, time.monotonic() - stop_started, marks, notes)

    def leftovers(self) -> list[str]:
        """Processes still running from the copy (the app's services must be gone after SIGINT)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cwd = Path(os.readlink(entry / "cwd"))
                except OSError:
                    continue
                if cwd == self.folder or self.folder in cwd.parents:
                    found.append(entry.name)
        return found

    def cleanup(self) -> None:
        """Its volumes; after a failed start (pyspire killed), the services still in the copy too."""
        for pid in self.leftovers():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        volumes = podman(
            "volume", "ls", "-q", "--filter", f"label=pyspire.dev/app={self.app_key}", check=False
        )
        if volumes.split():
            podman("volume", "rm", "-f", *volumes.split(), check=False)


# -- main -------------------------------------------------------------------------------------------


def one_round(variant: str, work: Path, args: argparse.Namespace) -> tuple[Start, Start]:
    folder = copy_example(work / variant)
    if args.apphost is not None:
        shutil.copyfile(args.apphost, folder / "apphost.py")
    runner: ByHand | Pyspire = (
        ByHand(folder, args.postgres_image, args.redis_image) if variant == "by-hand" else Pyspire(folder)
    )
    try:
        if isinstance(runner, ByHand):
            first = runner.start(True, FIRST_DEADLINE_SECONDS)
            second = runner.start(False, SECOND_DEADLINE_SECONDS)
        else:
            first = runner.start(FIRST_DEADLINE_SECONDS)
            second = runner.start(SECOND_DEADLINE_SECONDS)
            if left := runner.leftovers():
                raise RuntimeError(f"processes left behind by pyspire: {left}")
    finally:
        runner.cleanup()
    return first, second


def report(label: str, starts: list[Start]) -> None:
    print(f"  {label}: ready {spread([s.ready for s in starts])}, stop {spread([s.stop for s in starts])}")
    for mark in starts[0].marks:
        print(f"      {mark:<52} {median([s.marks[mark] for s in starts]):7.3f} s")
    for note in starts[-1].notes:
        print(f"      {note}")


def leftover_containers() -> list[str]:
    return [
        n for n in podman("ps", "-a", "--format", "{{.Names}}", check=False).split() if n.startswith(PREFIX)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("pyspire", "by-hand"))
    parser.add_argument("--postgres-image", default=POSTGRES_IMAGE)
    parser.add_argument("--redis-image", default=REDIS_IMAGE)
    parser.add_argument(
        "--apphost",
        type=Path,
        help="an app host file to run instead of examples/orders/apphost.py (a variant)",
    )
    args = parser.parse_args()
    print(machine_note())
    variants = [args.only] if args.only else ["pyspire", "by-hand"]
    results: dict[str, list[tuple[Start, Start]]] = {v: [] for v in variants}
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-orders-") as tmp:
        for index in range(args.runs):
            order = variants if index % 2 == 0 else variants[::-1]
            for variant in order:
                work = Path(tmp) / f"round{index}"
                work.mkdir(exist_ok=True)
                try:
                    first, second = one_round(variant, work, args)
                except Exception as error:  # report and go on: the other variant still measures
                    print(f"round {index + 1} {variant}: FAILED: {error}", file=sys.stderr)
                    failed = True
                    continue
                results[variant].append((first, second))
                print(
                    f"round {index + 1} {variant:<8} first {first.ready:7.2f} s (stop {first.stop:5.2f} s), "
                    f"second {second.ready:6.2f} s (stop {second.stop:5.2f} s)",
                    flush=True,
                )
    print()
    for variant, pairs in results.items():
        if not pairs:
            continue
        print(f"{variant} ({len(pairs)} runs):")
        report("first start ", [first for first, _ in pairs])
        report("second start", [second for _, second in pairs])
    if all(results.get(v) for v in ("pyspire", "by-hand")):
        for which, label in ((0, "first start"), (1, "second start")):
            ours = median([pair[which].ready for pair in results["pyspire"]])
            theirs = median([pair[which].ready for pair in results["by-hand"]])
            print(f"{label}: pyspire / by hand = {ours / theirs:.2f}× (target ≤ {TARGET_RATIO}×), "
                  f"pyspire − by hand = {ours - theirs:+.2f} s")  # fmt: skip
        second = median([pair[1].ready for pair in results["pyspire"]])
        print(f"second start with pyspire: {second:.2f} s (target under {TARGET_SECOND_SECONDS} s)")
    if left := leftover_containers():
        print(f"containers left behind: {left}", file=sys.stderr)
        podman("rm", "-f", "-t", "0", *left, check=False)
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
