"""Lifecycle events with real processes: the app's before-start, a resource's before-start (after
its waits, awaited before its process starts), ready (Running and Healthy, once per start) and
stopped — in that order — and a raising subscriber fails only its own resource."""

from __future__ import annotations

import asyncio

from pyspire import DistributedApplication, testing
from pyspire.extensions import BeforeAppStart, BeforeResourceStart, ResourceReady
from tests.conftest import APPS, PYTHON


def server(builder, name: str):
    return builder.add_executable(name, PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")


async def test_events_fire_in_order_for_a_real_process_and_ready_once_per_start(tmp_path):
    seen: asyncio.Queue[str] = asyncio.Queue()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    db = b.add_executable("db", PYTHON, ".", "-c", "print('db up', flush=True); import time; time.sleep(60)")
    db.with_ready_log_line("db up")
    api = server(b, "api").with_http_health_check("/").wait_for(db)
    b.subscribe(BeforeAppStart, lambda e: seen.put_nowait(f"app:{len(e.resources)}"))
    handle: list[testing.AppHandle] = []

    async def prepare(event: BeforeResourceStart) -> None:
        # Awaited: the waits are over (db runs) and the process does not exist yet.
        await asyncio.sleep(0.05)
        assert handle[0].resource("db").state == "Running"
        assert not handle[0].resource("api").replicas
        seen.put_nowait(f"before:{event.resource.name}")

    api.on_before_start(prepare)
    api.on_ready(lambda e: seen.put_nowait(f"ready:{e.resource.name}"))
    api.on_stopped(lambda e: seen.put_nowait(f"stopped:{e.resource.name}:{e.state}"))

    async def next_event() -> str:
        return await asyncio.wait_for(seen.get(), 15)

    async with testing.start(b) as app:
        handle.append(app)
        assert [await next_event() for _ in range(3)] == ["app:2", "before:api", "ready:api"]
        assert app.resource("api").health_status == "Healthy"
        assert (await app.execute_command("api", "restart")).success
        assert [await next_event() for _ in range(3)] == ["stopped:api:Exited", "before:api", "ready:api"]
        assert (await app.execute_command("api", "stop")).success
        assert await next_event() == "stopped:api:Exited"
    assert seen.empty()  # once per start: no ready repeated by later health checks


async def test_a_raising_subscriber_fails_only_its_resource_with_the_users_traceback(tmp_path):
    def refuse_to_prepare(event: BeforeResourceStart) -> None:
        raise RuntimeError("the schema is not there")

    def broken_ready_hook(event: ResourceReady) -> None:
        raise KeyError("no such dashboard")

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    server(b, "bad").on_before_start(refuse_to_prepare)
    server(b, "flaky-hook").on_ready(broken_ready_hook)
    server(b, "good")
    async with testing.start(b) as app:
        bad = await app.wait_for_resource("bad", "FailedToStart")
        assert "RuntimeError: the schema is not there" in bad.state_message
        assert "in refuse_to_prepare" in app.log_text("bad")
        assert not bad.replicas  # nothing was started for it

        await app.wait_for_healthy("good")
        await app.wait_for_log("flaky-hook", "ResourceReady subscriber raised KeyError")
        assert "in broken_ready_hook" in app.log_text("flaky-hook")
        assert app.resource("flaky-hook").state == "Running"
