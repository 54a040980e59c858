"""``with_stop_signal``: the name is checked at build (normalised; uncatchable signals refused,
naming the resource, the field and the fix), and a real process receives that signal — not
SIGTERM — when it is stopped; SIGKILL still follows the grace period."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, ModelError, testing
from pyspire.orchestrator.objects import EXECUTABLE
from tests.conftest import PYTHON

#: Logs which signal asked it to stop, then exits 0 (or ignores it, with IGNORE set).
REPORTS_SIGNAL = """
import os, signal, sys, time
def stop(signum, frame):
    print('got', signal.Signals(signum).name, flush=True)
    if not os.environ.get('IGNORE'):
        sys.exit(0)
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
    signal.signal(s, stop)
print('ready', flush=True)
while True:
    time.sleep(0.05)
"""


def reporter(b, name: str):
    return b.add_executable(name, PYTHON, ".", "-c", REPORTS_SIGNAL).with_ready_log_line("ready")


@pytest.mark.parametrize("written", ["SIGINT", "INT", "sigint"])
def test_a_stop_signal_name_is_accepted_with_or_without_sig_in_any_case(tmp_path, written):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    reporter(b, "db").with_stop_signal(written)
    b.build()


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("SIGKILL", "SIGKILL cannot be caught"),
        ("STOP", "SIGSTOP cannot be caught"),
        ("SIGFAST", "'SIGFAST' is not a signal name"),
    ],
)
def test_an_uncatchable_or_unknown_stop_signal_is_refused_at_build_with_the_fix(tmp_path, written, says):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    reporter(b, "db").with_stop_signal(written)
    with pytest.raises(ModelError) as refused:
        b.build()
    [problem] = refused.value.problems
    assert (problem.resource, problem.field) == ("db", "with_stop_signal")
    assert says in problem.message and "with_stop_signal('SIGINT')" in problem.message
    assert problem.locations, "the user's line is named"


async def test_a_stopped_process_receives_its_stop_signal_and_others_still_get_sigterm(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    reporter(b, "db").with_stop_signal("INT")
    reporter(b, "api")
    async with testing.start(b) as app:
        await app.wait_for_healthy("db")
        await app.wait_for_healthy("api")
        [executable] = app.orchestrator.store.list(EXECUTABLE, {"pyspire.dev/resource": "db"})
        assert executable["spec"]["stopSignal"] == "SIGINT"
        for name in ("db", "api"):
            assert (await app.execute_command(name, "stop")).success
        assert "got SIGINT" in app.log_text("db") and "SIGTERM" not in app.log_text("db")
        assert "got SIGTERM" in app.log_text("api")
        assert app.resource("db").exit_code == 0


async def test_a_process_that_ignores_its_stop_signal_is_killed_after_the_grace_period(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    reporter(b, "db").with_stop_signal("SIGQUIT").with_env("IGNORE", "1").with_stop_grace_period(0.5)
    async with testing.start(b) as app:
        await app.wait_for_healthy("db")
        assert (await app.execute_command("db", "stop")).success
        assert "got SIGQUIT" in app.log_text("db")
        assert "killed by SIGKILL" in app.log_text("db")
