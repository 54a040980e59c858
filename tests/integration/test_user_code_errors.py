"""The user's code that runs inside the app host — env and args callbacks, custom commands,
``enabled_when``, custom health checks — fails only its own resource, command or check, with the
user's traceback (their frames, not pyspire's) in the resource's log."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from pyspire import DistributedApplication, testing
from pyspire.executor.snapshots import ResourceSnapshot
from tests.conftest import APPS, PYTHON, until

SLEEP = "import time; time.sleep(60)"


def failing_env(ctx):
    raise RuntimeError("no settings for " + ctx.resource.name)


def failing_args(ctx):
    ctx.args.append({"region": "eu"}["zone"])


async def exiting_env(ctx):
    await asyncio.sleep(0)
    sys.exit(3)


def assert_users_traceback(text: str, function: str, error: str) -> None:
    assert "Traceback (most recent call last):" in text, text
    assert __file__ in text and f"in {function}" in text, text
    assert error in text, text
    assert "pyspire/executor" not in text and "asyncio" not in text, text


async def test_a_raising_env_or_args_callback_fails_only_its_resource_with_the_users_traceback(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("env", PYTHON, ".", "-c", SLEEP).with_env(failing_env)
    b.add_executable("args", PYTHON, ".", "-c", SLEEP).with_args(failing_args)
    b.add_executable("exits", PYTHON, ".", "-c", SLEEP).with_env(exiting_env)
    b.add_executable("fine", PYTHON, ".", "-c", SLEEP)
    async with testing.start(b) as app:
        env = await app.wait_for_resource("env", "FailedToStart")
        assert env.state_message == "cannot start: RuntimeError: no settings for env"
        assert_users_traceback(app.log_text("env"), "failing_env", "RuntimeError: no settings for env")
        args = await app.wait_for_resource("args", "FailedToStart")
        assert args.state_message == "cannot start: KeyError: 'zone'"
        assert_users_traceback(app.log_text("args"), "failing_args", "KeyError: 'zone'")
        exits = await app.wait_for_resource("exits", "FailedToStart")
        assert exits.state_message == "cannot start: SystemExit: 3"
        assert_users_traceback(app.log_text("exits"), "exiting_env", "SystemExit: 3")
        await app.wait_for_resource("fine")
        # The app host is alive and keeps serving commands.
        assert (await app.execute_command("fine", "restart")).success
        await app.wait_for_resource("fine")


def fails_after_its_first_call() -> Callable[[object], None]:
    calls = []

    def second_call_fails(ctx):
        calls.append(ctx)
        if len(calls) > 1:
            raise LookupError("the secret store is down")

    return second_call_fails


async def test_a_callback_that_raises_on_a_restart_fails_the_resource_not_the_app_host(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("crashy", PYTHON, ".", "-c", "raise SystemExit(1)").with_env(
        fails_after_its_first_call()
    ).with_restart_policy("on_failure", initial_backoff=0.1, max_backoff=0.1)
    b.add_executable("worker", PYTHON, ".", "-c", SLEEP).with_env(fails_after_its_first_call())
    async with testing.start(b) as app:
        # Restarted by its policy: the second render raises.
        crashed = await until(app, "crashy", lambda s: s.state == "FailedToStart")
        assert crashed.state_message.startswith("cannot restart crashy-")
        assert crashed.state_message.endswith(": LookupError: the secret store is down")
        assert_users_traceback(app.log_text("crashy"), "second_call_fails", "LookupError")
        # Replaced after a client deleted it: the same.
        worker = await app.wait_for_resource("worker")
        app.orchestrator.store.delete("Executable", worker.replicas[0].name)
        gone = await until(app, "worker", lambda s: s.state == "FailedToStart")
        assert gone.state_message.startswith("cannot replace deleted replica worker-")
        assert gone.state_message.endswith(": LookupError: the secret store is down")
        # Started by command: the command fails with the reason; the app host is still there.
        started = await app.execute_command("crashy", "start")
        assert (
            not started.success and started.message == "cannot start: LookupError: the secret store is down"
        )


async def test_custom_command_and_enabled_when_errors_stay_in_the_resource_log(tmp_path):
    def broken_command(ctx):
        raise ConnectionError("cache unreachable")

    def exiting_command(ctx):
        raise SystemExit("bye")

    def broken_predicate(snapshot):
        raise ValueError("cannot decide")

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (
        b.add_executable("svc", PYTHON, APPS, "http_env.py")
        .with_http_endpoint(env="PORT")
        .with_command("flush", "Flush", broken_command)
        .with_command("quit", "Quit", exiting_command)
        .with_command("picky", "Picky", lambda ctx: None, enabled_when=broken_predicate)
    )
    async with testing.start(b) as app:
        await app.wait_for_resource("svc")
        flushed = await app.execute_command("svc", "flush")
        assert not flushed.success and flushed.message == "ConnectionError: cache unreachable"
        quit_ = await app.execute_command("svc", "quit")
        assert not quit_.success and quit_.message == "SystemExit: bye"
        text = app.log_text("svc")
        assert "[flush] failed: ConnectionError: cache unreachable" in text
        assert_users_traceback(text, "broken_command", "ConnectionError")
        assert_users_traceback(text, "exiting_command", "SystemExit: bye")
        # The predicate runs at every snapshot and raises each time: the command is disabled,
        # and the traceback is logged once, not once per snapshot.
        assert (await app.execute_command("svc", "restart")).success
        await app.wait_for_resource("svc")
        text = app.log_text("svc")
        assert text.count("[picky] enabled_when raised (the command is disabled): ValueError") == 1, text
        assert_users_traceback(text, "broken_predicate", "ValueError: cannot decide")
        assert {c.name: c.state for c in app.resource("svc").commands}["picky"] == "disabled"


async def test_a_custom_health_check_that_raises_or_exits_is_unhealthy_and_logged_once(tmp_path):
    async def exits():
        sys.exit("the check gave up")

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("svc", PYTHON, ".", "-c", SLEEP).with_health_check(exits, name="db")
    async with testing.start(b) as app:
        await app.wait_for_resource("svc")
        checks: set[str] = set()

        def checked_five_times(snapshot: ResourceSnapshot) -> bool:
            checks.update(r.checked_at for r in snapshot.health_reports if r.last_error and r.checked_at)
            return len(checks) >= 5

        report = await until(app, "svc", checked_five_times, timeout=10)
        assert report.health_reports[0].last_error == "SystemExit: the check gave up"
        text = app.log_text("svc")
        assert text.count("health check db raised SystemExit: the check gave up") == 1, text
        assert_users_traceback(text, "exits", "SystemExit: the check gave up")
        assert app.resource("svc").state == "Running" and app.resource("svc").health_status == "Unhealthy"
