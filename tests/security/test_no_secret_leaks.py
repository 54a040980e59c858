"""A secret given to an app never leaves the app host in clear: not through any control-API or
Kubernetes route, not through kubectl, not through any CLI command (table or JSON), not on the
console, not in the captured logs, not in a file left behind.

One app uses secrets every way a user can — in env, in args, inside an expression, in a
connection string, printed by a process (one of them across several lines), quoted by a failing
health check, by a failing custom command and by one that raises, and handed to a container —
then the test reads everything a client can read and looks for the secret values.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from pyspire.api.kube import kube_routes
from pyspire.api.openapi import openapi_routes
from pyspire.api.resources import resource_routes
from tests.containers.helpers import BUSYBOX

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
pytestmark = [pytest.mark.slow, pytest.mark.containers]

PASSWORD = "Pw-" + secrets.token_hex(8)
KEY_LINE = secrets.token_hex(12)
TLS_KEY = f"-----BEGIN TEST KEY-----\n{KEY_LINE}\n-----END TEST KEY-----"
CS_PASSWORD = "Cs-" + secrets.token_hex(8)
CONNECTION_STRING = f"postgres://app:{CS_PASSWORD}@127.0.0.1:5432/app"
NEEDLES = (PASSWORD, KEY_LINE, CS_PASSWORD)

APPHOST = textwrap.dedent(
    """
    import os, sys
    from pyspire import DistributedApplication, expr

    PRINTER = (
        "import os, sys, time\\n"
        "print('password is', os.environ['DB_PASSWORD'], flush=True)\\n"
        "for line in os.environ['TLS_KEY'].splitlines():\\n"
        "    print(line, flush=True); time.sleep(0.05)\\n"
        "print('url', os.environ['ConnectionStrings__db'], flush=True)\\n"
        "time.sleep(600)\\n"
    )

    async def login_check():
        raise RuntimeError("cannot log in with " + os.environ["Parameters__db_password"])

    def rotate(ctx):
        return "rotation refused for " + os.environ["Parameters__db_password"]

    def explode(ctx):
        raise KeyError(os.environ["Parameters__db_password"])

    b = DistributedApplication.create_builder()
    pw = b.add_parameter("db-password", secret=True)
    key = b.add_parameter("tls-key", secret=True)
    db = b.add_connection_string("db")
    (b.add_executable("api", sys.executable, {apps!r}, "http_env.py")
        .with_http_endpoint(env="PORT")
        .with_env("DB_PASSWORD", pw)
        .with_env("DATABASE_URL", expr("postgres://app:", pw, "@127.0.0.1:5432/app"))
        .with_args("--password", pw, expr("--dsn=postgres://app:", pw, "@db/app"))
        .with_reference(db)
        .with_health_check(login_check)
        .with_command("rotate", "Rotate", rotate)
        .with_command("explode", "Explode", explode))
    (b.add_executable("printer", sys.executable, ".", "-c", PRINTER)
        .with_env("DB_PASSWORD", pw).with_env("TLS_KEY", key).with_reference(db))
    (b.add_container("cache", {busybox!r})
        .with_env("PASSWORD", pw)
        .with_args("sh", "-c", "echo cache up; sleep 600", "sh", pw)
        .with_stop_grace_period(0))
    b.build().run()
    """
)


def _hits(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


class Scan:
    """Everything read, by where it came from; ``leaks`` lists the sources that carried a secret."""

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.leaks: list[str] = []

    def check(self, source: str, text: str) -> None:
        self.sources.append(source)
        found = _hits(text)
        if found:
            self.leaks.append(f"{source}: {found}")


@pytest.fixture
def app(tmp_path: Path, apps_dir: Path):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "apphost.py").write_text(APPHOST.format(apps=str(apps_dir), busybox=BUSYBOX))
    env = dict(
        os.environ,
        PYSPIRE_STATE_HOME=str(tmp_path / "state"),
        Parameters__db_password=PASSWORD,
        Parameters__tls_key=TLS_KEY,
        ConnectionStrings__db=CONNECTION_STRING,
        COLUMNS="200",
    )
    console = (tmp_path / "console.txt").open("w")
    proc = subprocess.Popen(
        [PYSPIRE, "run", str(folder), "--no-color"], cwd=folder, env=env, stdout=console, stderr=subprocess.STDOUT
    )
    try:
        yield SimpleNamespace(folder=folder, env=env, proc=proc, console=tmp_path / "console.txt")
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)
        console.close()


def _run_file(folder: Path, deadline: float) -> dict[str, Any]:
    while time.monotonic() < deadline:
        for path in (folder / ".pyspire" / "runs").glob("*.json"):
            data = json.loads(path.read_text())
            if data.get("api"):
                return data
        time.sleep(0.05)
    raise AssertionError("the app host did not publish its API")


def _wait_until_everything_has_used_its_secrets(api: httpx.Client, deadline: float) -> None:
    """The health check has failed at least once, the printer printed, the container runs."""
    while time.monotonic() < deadline:
        snapshots = {s["name"]: s for s in api.get("/v1/resources").json()["resources"]}
        if not {"api", "printer", "cache"} <= snapshots.keys():
            # The API answers before the resources are registered (app host services start between).
            time.sleep(0.05)
            continue
        reports = snapshots["api"]["health_reports"]
        failed = any(r.get("last_error") for r in reports)
        printed = "url " in api.get("/v1/resources/printer/logs").text
        cache_up = snapshots["cache"]["state"] == "Running"
        if failed and printed and cache_up:
            return
        time.sleep(0.1)
    raise AssertionError(f"the app never got going: {json.dumps(snapshots)[:2000]}")


def _route_paths() -> set[str]:
    """Every path template the control API serves (to prove the scan covers them all)."""
    context = SimpleNamespace(executor=SimpleNamespace(snapshots=None), orchestrator=SimpleNamespace(logs=None))
    routes = [*resource_routes(context), *openapi_routes(), *kube_routes(None, None)]  # type: ignore[arg-type]
    return {route.path for route in routes}  # type: ignore[attr-defined]


def _read_stream(api: httpx.Client, path: str, params: dict[str, str], until: bytes, seconds: float = 3.0) -> str:
    data = b""
    with api.stream("GET", path, params=params, timeout=httpx.Timeout(seconds + 5)) as response:
        started = time.monotonic()
        for chunk in response.iter_raw():
            data += chunk
            if until in data or time.monotonic() - started > seconds:
                break
    return data.decode(errors="replace")


def test_no_secret_reaches_any_api_route_kubectl_cli_command_console_or_log(app, tmp_path):
    deadline = time.monotonic() + 60
    run = _run_file(app.folder, deadline)
    headers = {"Authorization": f"Bearer {run['api']['token']}"}
    scan = Scan()
    covered: set[str] = set()
    with httpx.Client(base_url=run["api"]["url"], headers=headers, timeout=10) as api:
        _wait_until_everything_has_used_its_secrets(api, deadline)
        names = [s["name"] for s in api.get("/v1/resources").json()["resources"]]

        # -- the resource API -----------------------------------------------------------------
        def get(template: str, path: str, **params: str) -> None:
            response = api.get(path, params=params)
            assert response.status_code < 500, (path, response.text)
            scan.check(f"GET {path} {params}", response.text)
            covered.add(template)

        get("/v1/info", "/v1/info")
        get("/v1/resources", "/v1/resources")
        get("/v1/logs", "/v1/logs")
        get("/v1/logs", "/v1/logs", format="ndjson", timestamps="1")
        for name in names:
            get("/v1/resources/{name}", f"/v1/resources/{name}")
            get("/v1/resources/{name}/logs", f"/v1/resources/{name}/logs")
            get("/v1/resources/{name}/logs", f"/v1/resources/{name}/logs", format="ndjson")
        get("/v1/openapi.json", "/v1/openapi.json")
        scan.check("SSE watch", _read_stream(api, "/v1/resources", {"watch": "1"}, b"event: synced"))
        scan.check("logs follow", _read_stream(api, "/v1/logs", {"follow": "1", "tail": "1000"}, b"cache up", 2))
        for command in ("rotate", "explode"):
            response = api.post(f"/v1/resources/api/commands/{command}")
            assert response.json()["success"] is False
            scan.check(f"POST command {command}", response.text)
        covered.add("/v1/resources/{name}/commands/{command}")
        covered.add("/v1/stop")  # answered at the end, by `pyspire stop`

        # -- the Kubernetes object API ----------------------------------------------------------
        for path in ("/version", "/api", "/apis", "/openapi/v3"):
            get(path, path)
        get("/apis/{group}", "/apis/pyspire.dev")
        get("/apis/{group}/{version}", "/apis/pyspire.dev/v1")
        for path in api.get("/openapi/v3").json()["paths"]:
            get("/openapi/v3/apis/{group}/{version}", f"/openapi/v3/{path}")
        plurals = [r["name"] for r in api.get("/apis/pyspire.dev/v1").json()["resources"]]
        table = "application/json;as=Table;v=v1;g=meta.k8s.io"
        for plural in plurals:
            base = f"/apis/pyspire.dev/v1/{plural}"
            get("/apis/{group}/{version}/{plural}", base)
            response = api.get(base, headers={"Accept": table})
            scan.check(f"GET {base} as Table", response.text)
            scan.check(f"watch {plural}", _read_stream(api, base, {"watch": "true", "timeoutSeconds": "1"}, b"\0", 2))
            for item in api.get(base).json()["items"]:
                get("/apis/{group}/{version}/{plural}/{name}", f"{base}/{item['metadata']['name']}")
        assert covered == _route_paths(), f"routes not scanned: {_route_paths() - covered}"

        # Objects show what pyspire set, not the app host's whole environment.
        executables = api.get("/apis/pyspire.dev/v1/executables").json()["items"]
        for obj in executables:
            env_names = {e["name"] for e in obj["spec"]["env"]}
            assert not env_names & {"PATH", "HOME", "PYSPIRE_STATE_HOME"}, env_names

        # -- kubectl ----------------------------------------------------------------------------
        kubeconfig = run["api"]["kubeconfig"]
        while not Path(kubeconfig).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for plural in plurals:
            for args in (["get", plural, "-o", "yaml"], ["get", plural, "-o", "json"], ["get", plural, "-o", "wide"], ["describe", plural]):
                done = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, text=True, timeout=30)
                assert done.returncode == 0, (args, done.stderr)
                scan.check(f"kubectl {' '.join(args)}", done.stdout + done.stderr)

    # -- the CLI ------------------------------------------------------------------------------
    def cli(*args: str) -> None:
        done = subprocess.run([PYSPIRE, *args], cwd=app.folder, env=app.env, capture_output=True, text=True, timeout=60)
        scan.check(f"pyspire {' '.join(args)}", done.stdout + done.stderr)

    for fmt in ([], ["--format", "json"]):
        cli("ps", *fmt)
        cli("describe", *fmt)
        cli("logs", *fmt)
        cli("logs", "-t", *fmt)
        for name in names:
            cli("describe", name, *fmt)
            cli("logs", name, *fmt)
        cli("resource", "api", "rotate", *fmt)
        cli("resource", "api", "explode", *fmt)
    cli("wait", "api", "--for", "healthy", "--timeout", "0.5")
    cli("stop")
    assert app.proc.wait(30) == 0

    # -- what the user saw, and what is left on disk --------------------------------------------
    scan.check("console", app.console.read_text())
    for path in (app.folder / ".pyspire").rglob("*"):
        if path.is_file():
            scan.check(f"file {path.relative_to(app.folder)}", path.read_text(errors="replace"))

    print(f"secret scan: {len(scan.sources)} sources, {len(covered)} route templates")
    assert scan.leaks == []
