"""Lifecycle with real processes: waits, health gating, commands, restart policy."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import httpx

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON, pid_alive


def ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def server(builder, name: str, script: str = "http_env.py"):
    return builder.add_executable(name, PYTHON, APPS, script).with_http_endpoint(env="PORT")


async def test_chained_waits_start_in_order(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    a = server(b, "a").with_http_health_check("/")
    bb = server(b, "b").with_tcp_health_check().wait_for(a)
    server(b, "c").wait_for(bb)
    async with testing.start(b) as app:
        c = await app.wait_for_resource("c")
        first, second = app.resource("a"), app.resource("b")
        assert ts(first.started_at) < ts(second.started_at) < ts(c.started_at)
        assert [r.type for r in c.relationships] == ["WaitFor"]


async def test_wait_for_completion(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    good = b.add_executable("migrate", PYTHON, ".", "-c", "print('migrated')")
    bad = b.add_executable("seed", PYTHON, ".", "-c", "raise SystemExit(3)")
    b.add_executable("api", PYTHON, ".", "-c", "import time; time.sleep(60)").wait_for_completion(good)
    b.add_executable("web", PYTHON, ".", "-c", "import time; time.sleep(60)").wait_for_completion(bad)
    b.add_executable("tolerant", PYTHON, ".", "-c", "import time; time.sleep(60)").wait_for_completion(
        bad, exit_code=3
    )
    async with testing.start(b) as app:
        api = await app.wait_for_resource("api")
        assert ts(api.started_at) >= ts(app.resource("migrate").stopped_at)
        web = await app.wait_for_resource("web", "FailedToStart")
        assert "'seed'" in web.state_message and "exit code 3" in web.state_message
        await app.wait_for_resource("tolerant")


async def test_stop_on_unavailable_versus_wait_on_unavailable(tmp_path):
    flag = tmp_path / "ready"
    script = (
        "import os, sys, runpy\n"
        f"if not os.path.exists({str(flag)!r}): sys.exit(1)\n"
        f"runpy.run_path({str(APPS / 'http_env.py')!r}, run_name='__main__')\n"
    )
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    dep = (
        b.add_executable("dep", PYTHON, ".", "-c", script)
        .with_http_endpoint(env="PORT")
        .with_http_health_check()
    )
    server(b, "strict").wait_for(dep)
    server(b, "patient").wait_for(dep, behavior="wait_on_unavailable")
    async with testing.start(b) as app:
        await app.wait_for_resource("dep", "Exited")
        strict = await app.wait_for_resource("strict", "FailedToStart")
        assert "'dep' is Exited" in strict.state_message
        patient = await app.wait_for_resource("patient", "Waiting")
        assert "'dep' to be healthy" in patient.state_message
        flag.touch()
        assert (await app.execute_command("dep", "start")).success
        await app.wait_for_healthy("dep")
        await app.wait_for_resource("patient")
        await app.wait_for_resource("strict")  # it failed only because dep did: it starts too


async def test_explicit_start(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    server(b, "later").with_explicit_start()
    server(b, "now")
    async with testing.start(b) as app:
        await app.wait_for_resource("now")
        later = app.resource("later")
        assert later.state == "NotStarted" and later.replicas == ()
        states = {c.name: c.state for c in later.commands}
        assert states["start"] == "enabled" and states["stop"] == "hidden"
        assert (await app.execute_command("later", "start")).success
        await app.wait_for_resource("later")


async def test_health_gating_unblocks_the_dependent_quickly(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    slow = (
        b.add_executable("slow", PYTHON, APPS, "slow_healthy.py")
        .with_http_endpoint(env="PORT")
        .with_env("HEALTHY_AFTER", "1.0")
        .with_http_health_check("/health")
    )
    b.add_executable("after", PYTHON, ".", "-c", "import time; time.sleep(60)").wait_for(slow)
    async with testing.start(b) as app:
        await app.wait_for_resource("slow")
        assert app.resource("slow").health_status == "Unhealthy"
        assert app.resource("after").state == "Waiting"
        after = await app.wait_for_resource("after", timeout=10)
        line = await app.wait_for_log("slow", r"healthy_at=")
        healthy_at = float(line.text.split("=")[1])
        reaction = ts(after.started_at) - healthy_at
        assert 0 <= reaction < 0.5, reaction
        reports = app.resource("slow").health_reports
        assert [r.status for r in reports] == ["Healthy"]


async def test_unhealthy_report_keeps_description_and_error(tmp_path):
    async def never_ok():
        raise RuntimeError("database unreachable")

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    server(b, "svc").with_health_check(never_ok, name="db").with_ready_log_line("listening on")
    async with testing.start(b) as app:
        await app.wait_for_resource("svc")
        for _ in range(100):
            reports = {r.name: r for r in app.resource("svc").health_reports}
            if reports.get("log:listening on") and reports["log:listening on"].status == "Healthy":
                break
            await asyncio.sleep(0.05)
        assert reports["log:listening on"].status == "Healthy"
        assert reports["db"].status == "Unhealthy" and "database unreachable" in reports["db"].last_error
        assert app.resource("svc").health_status == "Unhealthy"


async def test_stop_start_restart_keep_the_proxy_port_and_clients_working(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    server(b, "api").with_stop_grace_period(2)
    fresh_connections = httpx.Limits(max_keepalive_connections=0)
    async with testing.start(b) as app, httpx.AsyncClient(timeout=5, limits=fresh_connections) as client:
        await app.wait_for_resource("api")
        url = app.endpoint_url("api")
        await app.wait_for_log("api", "listening")
        first_pid = app.resource("api").replicas[0].pid
        assert (await client.get(url)).status_code == 200

        assert (await app.execute_command("api", "stop")).success
        stopped = app.resource("api")
        assert stopped.state == "Exited" and not pid_alive(first_pid)
        assert {c.name: c.state for c in stopped.commands}["start"] == "enabled"
        assert not (await app.execute_command("api", "stop")).success  # hidden while stopped

        assert (await app.execute_command("api", "start")).success
        await app.wait_for_resource("api")
        second_pid = app.resource("api").replicas[0].pid
        assert second_pid != first_pid
        response = await client.get(url)  # parked by the proxy until the new replica listens
        assert response.status_code == 200 and app.endpoint_url("api") == url

        assert (await app.execute_command("api", "restart")).success
        await app.wait_for_resource("api")
        assert app.resource("api").replicas[0].pid not in (first_pid, second_pid)
        assert (await client.get(url)).status_code == 200


async def test_restart_policy_backs_off_and_does_not_slow_others(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("crashy", PYTHON, ".", "-c", "raise SystemExit(2)").with_restart_policy(
        "on_failure", initial_backoff=0.2, max_backoff=0.8, max_restarts=4
    )
    b.add_executable("done", PYTHON, ".", "-c", "pass").with_restart_policy("on_failure")
    server(b, "steady")
    async with testing.start(b) as app, httpx.AsyncClient(timeout=5) as client:
        await app.wait_for_resource("steady")
        url = app.endpoint_url("steady")
        await app.wait_for_log("steady", "listening")
        latencies = []
        for _ in range(40):
            started = asyncio.get_running_loop().time()
            assert (await client.get(url)).status_code == 200
            latencies.append(asyncio.get_running_loop().time() - started)
            await asyncio.sleep(0.05)
        for _ in range(100):
            if app.resource("crashy").restart_count == 4 and app.resource("crashy").state == "Exited":
                break
            await asyncio.sleep(0.1)
        crashy = app.resource("crashy")
        assert crashy.restart_count == 4 and crashy.exit_code == 2
        text = app.log_text("crashy")
        delays = [float(part.split("s ")[0]) for part in text.split("restarting in ")[1:]]
        assert delays == [0.2, 0.4, 0.8, 0.8]
        assert "not restarting after 4 restarts" in text
        assert app.resource("done").state == "Finished" and app.resource("done").restart_count == 0
        assert max(latencies) < 0.5


async def test_custom_commands(tmp_path):
    calls = []

    async def reset(ctx):
        calls.append(ctx.snapshot.state)
        ctx.logger.info("resetting")

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (
        server(b, "svc")
        .with_command("reset", "Reset", reset, description="Reset the cache", confirmation_message="Sure?")
        .with_command("break", "Break", lambda ctx: "the cache is on fire")
        .with_command("explode", "Explode", lambda ctx: 1 / 0)
        .with_command("secret", "Hidden", lambda ctx: None, enabled_when=lambda snap: "hidden")
    )
    async with testing.start(b) as app:
        await app.wait_for_resource("svc")
        result = await app.execute_command("svc", "reset")
        assert result.success and calls == ["Running"]
        assert "[reset] resetting" in app.log_text("svc")
        broken = await app.execute_command("svc", "break")
        assert not broken.success and broken.message == "the cache is on fire"
        exploded = await app.execute_command("svc", "explode")
        assert not exploded.success and "ZeroDivisionError" in exploded.message
        hidden = await app.execute_command("svc", "secret")
        assert not hidden.success and "hidden" in hidden.message
        unknown = await app.execute_command("svc", "nope")
        assert not unknown.success and "available: start, stop, restart, reset" in unknown.message
        shown = {c.name: c for c in app.resource("svc").commands}
        assert (
            shown["reset"].confirmation_message == "Sure?" and shown["reset"].description == "Reset the cache"
        )
        assert shown["secret"].state == "hidden"


async def test_stubborn_process_is_killed_after_its_grace_period(tmp_path):
    pids_file = tmp_path / "pids"
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("stubborn", PYTHON, APPS, "stubborn.py").with_env(
        "PIDS_TO", str(pids_file)
    ).with_stop_grace_period(0.5)
    async with testing.start(b) as app:
        await app.wait_for_log("stubborn", "ready")
        pids = [int(p) for p in Path(pids_file).read_text().split()]
        started = asyncio.get_running_loop().time()
        assert (await app.execute_command("stubborn", "stop")).success
        assert 0.4 < asyncio.get_running_loop().time() - started < 3
        assert not any(pid_alive(p) for p in pids)
        assert app.resource("stubborn").replicas[0].exit_code == -9
