"""Publish time of a 100-resource model to Compose, against references measured in the same run.

The model (built in-process, in a temp folder): 10 parameters (3 secret), 5 PostgreSQL servers
with a database each and 5 Redis servers (with data volumes), 30 uvicorn apps (2 replicas, an
HTTP health check, a reference to a database and a cache, a wait for the cache), 25 Python workers
referencing an app each and waiting for its database, and 20 Node apps referencing a uvicorn app —
100 resources, plus the install steps and generated passwords the integrations add.

- **publish**: ``pyspire.publish.publish`` of the built model into an empty folder — the plan,
  rendering every env and args through ``render_launch``, the Compose document, ``yaml.safe_dump``
  of it, the ``.env``, the Dockerfiles, and writing every file;
- **build** (reference): building the same model (a builder → the 100 ``add_…`` calls →
  ``build()``, which validates);
- **yaml.safe_dump** (reference): dumping the same ``compose.yaml`` document again (parsed back
  from the published file), the floor any Compose writer in Python pays;
- **pyspire publish** as a user runs it: a process executing an ``apphost.py`` that declares the
  same 100 resources, against **pyspire --version** (the interpreter and the CLI's imports).

Prints the median of ``--runs`` interleaved runs of each and ``publish / build``, ``publish /
yaml.safe_dump``; the target is well under a second for publish.

    .venv/bin/python benchmarks/publish_compose.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pyspire.app import DistributedApplication as App
from pyspire.app import DistributedApplicationBuilder
from pyspire.publish import publish


def make_folder(root: Path) -> None:
    """The app folders the model's apps live in (the Dockerfile generator reads them)."""
    (root / "api").mkdir()
    (root / "api" / "requirements.txt").write_text("fastapi\nuvicorn\n")
    (root / "web").mkdir()
    (root / "web" / "package.json").write_text('{"name": "web", "scripts": {"start": "node server.js"}}\n')
    (root / "web" / "package-lock.json").write_text("{}\n")


def build_model(root: Path) -> App:
    # The builder's class itself: create_builder() would expect this script to call run().
    b = DistributedApplicationBuilder(root, [])
    populate(b)
    return b.build()


def populate(b: DistributedApplicationBuilder) -> None:
    """The 100 resources (also what the app host of the CLI figure declares)."""
    params = [b.add_parameter(f"setting-{i}", value=f"v{i}", secret=i < 3) for i in range(10)]
    dbs = [b.add_postgres(f"pg-{i}").with_data_volume().add_database(f"db-{i}") for i in range(5)]
    caches = [b.add_redis(f"cache-{i}").with_data_volume() for i in range(5)]
    apis = []
    for i in range(30):
        api = (
            b.add_uvicorn_app(f"api-{i}", "./api", "main:app")
            .with_pip()
            .with_replicas(2)
            .with_http_health_check("/health")
            .with_reference(dbs[i % 5])
            .with_reference(caches[i % 5])
            .wait_for(caches[i % 5])
            .with_env("SETTING", params[i % 10])
        )
        apis.append(api)
    for i in range(25):
        (
            b.add_python_app(f"worker-{i}", "./api", "worker.py")
            .with_pip()
            .with_reference(apis[i])
            .wait_for(dbs[i % 5])
        )
    for i in range(20):
        b.add_npm_app(f"web-{i}", "./web", script="start").with_http_endpoint(env="PORT").with_reference(apis[i])


APPHOST = """
import sys
sys.path.insert(0, {bench!r})
from publish_compose import populate
from pyspire import DistributedApplication

builder = DistributedApplication.create_builder()
populate(builder)
builder.build().run()
"""


def timed_command(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pyspire", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def timed_publish(app: App, out: Path) -> float:
    start = time.perf_counter()
    publish(app.model.resources, app.model.app_dir, "compose", out)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    publishes: list[float] = []
    builds: list[float] = []
    dumps: list[float] = []
    commands: list[float] = []
    versions: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "app"
        root.mkdir()
        make_folder(root)
        (root / "apphost.py").write_text(APPHOST.format(bench=str(Path(__file__).resolve().parent)))
        app = build_model(root)
        counted = [r for r in app.model.resources if not r.name.endswith(("-install", "-password"))]
        timed_publish(app, Path(tmp) / "warm-up")  # imports and first-use caches out of the figures
        document = yaml.safe_load((Path(tmp) / "warm-up" / "compose.yaml").read_text())
        for run in range(runs):
            start = time.perf_counter()
            build_model(root)
            builds.append(time.perf_counter() - start)
            publishes.append(timed_publish(app, Path(tmp) / f"out-{run}"))
            start = time.perf_counter()
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1_000)
            dumps.append(time.perf_counter() - start)
            commands.append(timed_command("publish", "--target", "compose", "-o", str(Path(tmp) / f"cli-{run}"), str(root)))
            versions.append(timed_command("--version"))
        services = len(document["services"])
    publish_s, build_s, dump_s = (statistics.median(x) for x in (publishes, builds, dumps))
    command_s, version_s = statistics.median(commands), statistics.median(versions)
    print(f"model: {len(counted)} resources declared ({len(app.model.resources)} with install steps and passwords), {services} Compose services")
    print(f"publish          {publish_s * 1000:8.1f} ms  (median of {runs}; target: well under 1000 ms)")
    print(f"build (ref)      {build_s * 1000:8.1f} ms")
    print(f"yaml.safe_dump   {dump_s * 1000:8.1f} ms")
    print(f"publish / build          {publish_s / build_s:6.2f}")
    print(f"publish / yaml.safe_dump {publish_s / dump_s:6.2f}")
    print(f"pyspire publish (CLI)    {command_s * 1000:8.1f} ms  (a process: interpreter, imports, apphost.py, publish)")
    print(f"pyspire --version (ref)  {version_s * 1000:8.1f} ms")
    print(f"CLI / --version          {command_s / version_s:6.2f}")


if __name__ == "__main__":
    main()
