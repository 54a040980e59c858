"""ASGI apps on uvicorn (and gunicorn): started with ``python -m`` from the app's venv, listening
on the port pyspire gives each replica, answering through the proxy."""

from __future__ import annotations

import httpx

from pyspire import DistributedApplication, testing
from pyspire.extensions import ResourceState

#: A plain ASGI app (no framework needed): answers with its process id and its $PORT-less bind.
ASGI_APP = """\
import os

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = f"pid={os.getpid()} path={scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
"""


def write_asgi_app(app_dir):
    (app_dir / "shop").mkdir(parents=True)
    (app_dir / "shop" / "__init__.py").write_text("")
    (app_dir / "shop" / "main.py").write_text(ASGI_APP)
    return app_dir


async def pids_behind(url: str, requests: int = 20) -> set[str]:
    # A new connection per request: the proxy balances connections across the replicas.
    seen: set[str] = set()
    for _ in range(requests):
        async with httpx.AsyncClient() as client:
            response = await client.get(url + "/health")
        assert response.status_code == 200
        seen.add(response.text.split()[0])
    return seen


async def test_two_uvicorn_replicas_answer_through_the_proxy_with_reload_in_run_mode(tmp_path, server_venv):
    write_asgi_app(tmp_path / "api")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (
        b.add_uvicorn_app("api", "./api", "shop.main:app")
        .with_virtual_environment(server_venv)
        .with_replicas(2)
        .with_http_health_check("/health")
        .with_stop_grace_period(3)
    )
    async with testing.start(b) as app:
        await app.wait_for_healthy("api", timeout=60)
        seen = await pids_behind(app.endpoint_url("api"))
        executables = app.orchestrator.store.list("Executable")
    assert len(seen) == 2, f"both replicas answered, got {seen}"
    args = [obj["spec"]["args"] for obj in executables if obj["metadata"]["name"].startswith("api-")]
    ports = {a[a.index("--port") + 1] for a in args}
    assert len(args) == 2 and len(ports) == 2, "each replica listens on its own port"
    assert all(
        a[:5] == ["-m", "uvicorn", "shop.main:app", "--host", "127.0.0.1"] and "--reload" in a for a in args
    )
    assert all(obj["spec"]["executablePath"] == str(server_venv / "bin" / "python") for obj in executables)
    assert all({"name": "PYTHONUNBUFFERED", "value": "1"} in obj["spec"]["env"] for obj in executables)


async def test_a_wrong_module_path_fails_only_that_app_with_uvicorns_error_in_its_log(tmp_path, server_venv):
    write_asgi_app(tmp_path / "api")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_uvicorn_app("broken", "./api", "shop.nope:app").with_virtual_environment(server_venv).with_reload(
        False
    )
    b.add_uvicorn_app("good", "./api", "shop.main:app").with_virtual_environment(server_venv).with_reload(
        False
    )
    async with testing.start(b) as app:
        broken = await app.wait_for_resource("broken", ResourceState.EXITED, timeout=60)
        await app.wait_for_resource("good", timeout=60)
        log = app.log_text("broken")
        async with httpx.AsyncClient() as client:
            answer = await client.get(app.endpoint_url("good"))
    assert broken.exit_code != 0
    assert "shop.nope" in log and "Error loading ASGI app" in log, log
    assert answer.status_code == 200, "the other app kept running"


async def test_gunicorn_serves_an_asgi_app_on_uvicorn_workers_through_the_proxy(tmp_path, server_venv):
    write_asgi_app(tmp_path / "api")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (
        b.add_gunicorn_app("api", "./api", "shop.main:app")
        .with_virtual_environment(server_venv)
        .with_http_health_check("/health")
        .with_stop_grace_period(3)
    )
    async with testing.start(b) as app:
        await app.wait_for_healthy("api", timeout=60)
        async with httpx.AsyncClient() as client:
            response = await client.get(app.endpoint_url("api") + "/x")
        executables = app.orchestrator.store.list("Executable")
    assert response.status_code == 200 and response.text.endswith("path=/x")
    (args,) = [obj["spec"]["args"] for obj in executables]
    assert args[:3] == ["-m", "gunicorn", "shop.main:app"] and "uvicorn.workers.UvicornWorker" in args
