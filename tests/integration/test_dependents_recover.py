"""Waits after failures: dependents that failed only because a prerequisite failed start again
once it is fixed (transitively), and starting a resource by command re-evaluates its waits — it
refuses, with the reason, when a prerequisite is stopped or failed, and starts at once only when
asked to start a resource that is already Waiting."""

from __future__ import annotations

from datetime import datetime

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON, pid_alive, until

SLEEP = "import time; time.sleep(60)"


def ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def server(builder, name: str):
    return (
        builder.add_executable(name, PYTHON, APPS, "http_env.py")
        .with_http_endpoint(env="PORT")
        .with_http_health_check("/")
    )


async def test_dependents_of_a_failed_migration_start_once_it_is_fixed_and_started_again(tmp_path):
    fixed = tmp_path / "fixed"
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    migrate = b.add_executable(
        "migrate", PYTHON, ".", "-c", f"import os, sys; sys.exit(0 if os.path.exists({str(fixed)!r}) else 3)"
    )
    api = server(b, "api").wait_for_completion(migrate)
    b.add_executable("worker", PYTHON, ".", "-c", SLEEP).wait_for(api)
    web = server(b, "web").wait_for(api)
    b.add_executable("edge", PYTHON, ".", "-c", SLEEP).wait_for(web)
    async with testing.start(b) as app:
        await app.wait_for_resource("migrate", "Exited")
        api_failed = await until(app, "api", lambda s: s.state == "FailedToStart")
        assert "'migrate' finished with exit code 3, expected 0" in api_failed.state_message
        for name in ("worker", "web"):
            failed = await until(app, name, lambda s: s.state == "FailedToStart")
            assert "'api' is FailedToStart" in failed.state_message
        edge = await until(app, "edge", lambda s: s.state == "FailedToStart")
        assert "'web' is FailedToStart" in edge.state_message

        fixed.touch()
        assert (await app.execute_command("migrate", "start")).success
        finished = await app.wait_for_resource("migrate", "Finished")
        healthy_api = await app.wait_for_healthy("api")
        assert ts(healthy_api.started_at) >= ts(finished.stopped_at)
        for name in ("worker", "web", "edge"):
            running = await until(app, name, lambda s: s.state == "Running")
            assert running.state_message is None, running.state_message
            assert ts(running.started_at) >= ts(healthy_api.started_at)
        assert "its dependencies are back; waiting for them again" in app.log_text("api")


async def test_start_and_restart_refuse_while_a_prerequisite_is_stopped_and_say_why(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = server(b, "api").with_stop_grace_period(2)
    server(b, "web").wait_for(api).with_stop_grace_period(2)
    async with testing.start(b) as app:
        web = await app.wait_for_healthy("web")
        assert (await app.execute_command("api", "stop")).success

        refused = await app.execute_command("web", "restart")
        assert not refused.success
        assert refused.message == (
            "cannot restart 'web': 'api' is Exited, exit code -15 and this resource waits for it; "
            "start 'api' first"
        )
        still = app.resource("web")
        assert still.state == "Running" and still.replicas[0].pid == web.replicas[0].pid
        assert pid_alive(web.replicas[0].pid)

        assert (await app.execute_command("web", "stop")).success
        refused = await app.execute_command("web", "start")
        assert not refused.success and refused.message.startswith("cannot start 'web': 'api' is Exited")
        assert app.resource("web").state == "Exited"

        assert (await app.execute_command("api", "start")).success
        await app.wait_for_healthy("api")
        assert app.resource("web").state == "Exited"  # stopped by command: it stays stopped
        assert (await app.execute_command("web", "start")).success
        await app.wait_for_healthy("web")
        assert (await app.execute_command("web", "restart")).success  # satisfied: restarts
        restarted = await app.wait_for_healthy("web")
        assert restarted.replicas[0].pid != web.replicas[0].pid


async def test_start_waits_for_a_pending_prerequisite_and_a_second_start_skips_the_wait(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = server(b, "api").with_explicit_start()
    b.add_executable("web", PYTHON, ".", "-c", SLEEP).wait_for(api)
    b.add_executable("tool", PYTHON, ".", "-c", SLEEP).wait_for(api).with_explicit_start()
    async with testing.start(b) as app:
        waiting = await until(
            app, "web", lambda s: s.state == "Waiting" and "'api'" in (s.state_message or "")
        )
        assert waiting.state_message == "waiting for 'api' to be healthy"

        # api is NotStarted, not failed: starting tool makes it wait, and the command says so.
        result = await app.execute_command("tool", "start")
        assert result.success and result.message == "waiting for 'api' to be healthy"
        assert app.resource("tool").state == "Waiting" and app.resource("tool").replicas == ()

        # Start on a resource that is already Waiting starts it at once (Aspire's force start).
        forced = await app.execute_command("web", "start")
        assert forced.success and forced.message is None
        await app.wait_for_resource("web")
        assert app.resource("api").state == "NotStarted" and app.resource("tool").state == "Waiting"

        assert (await app.execute_command("api", "start")).success
        await app.wait_for_healthy("api")
        await app.wait_for_resource("tool")
