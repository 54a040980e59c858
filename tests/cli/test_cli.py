"""The CLI end to end: `pyspire start` an app host in the background, then drive it from "another
terminal" — ps, describe, logs, resource, wait, stop — as a user or a CI script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import pid_alive, processes_with_marker
from tests.containers.helpers import BUSYBOX, containers_labelled

PYSPIRE = str(Path(sys.executable).parent / "pyspire")

pytestmark = pytest.mark.slow

APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    TICKER = "import time\\nfor i in range(100000):\\n print('tick', i, flush=True); time.sleep(0.1)"
    SERVER = (
        "import os, http.server as h\\n"
        "h.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), h.SimpleHTTPRequestHandler).serve_forever()"
    )

    def fail(ctx):
        return "the cache is on fire"

    builder = DistributedApplication.create_builder()
    builder.add_executable("ticker", sys.executable, ".", "-c", TICKER)
    api = (builder.add_executable("api", sys.executable, ".", "-c", SERVER)
           .with_http_endpoint(env="PORT").with_http_health_check("/")
           .with_command("flush", "Flush", fail))
    builder.add_executable("once", sys.executable, ".", "-c", "print('done')")
    {extra}
    builder.build().run()
    """
)
CONTAINER = (
    'builder.add_container("web", "{image}").with_entrypoint("sh")'
    '.with_args("-c", "echo hello-from-container > /www/index.html && exec httpd -f -p 80 -h /www")'
    ".with_http_endpoint(target_port=80).with_stop_grace_period(0)"
)


def make_app(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "apphost.py").write_text(APPHOST.format(extra=extra))
    return folder


@pytest.fixture
def env(tmp_path):
    """The CLI's environment, with a registry of app hosts of the test's own: whatever app host a
    failing test left running is stopped afterwards (``--all`` reaches only that registry)."""
    marker = str(uuid.uuid4())
    environment = dict(
        os.environ,
        PYSPIRE_STATE_HOME=str(tmp_path / "state"),
        PYSPIRE_TEST_MARKER=marker,
        COLUMNS="200",
    )
    yield environment
    subprocess.run([PYSPIRE, "stop", "--all"], cwd=tmp_path, env=environment, capture_output=True, timeout=90, check=False)


def cli(*args: str, cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYSPIRE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def ok(*args: str, cwd: Path, env: dict[str, str], timeout: float = 60) -> str:
    result = cli(*args, cwd=cwd, env=env, timeout=timeout)
    assert result.returncode == 0, f"pyspire {' '.join(args)} → {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def snapshots(cwd: Path, env: dict[str, str]) -> dict[str, dict]:
    return {s["name"]: s for s in json.loads(ok("describe", "--format", "json", cwd=cwd, env=env))}


def wait_state(cwd: Path, env: dict[str, str], name: str, state: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        snapshot = snapshots(cwd, env)[name]
        if snapshot["state"] == state or time.monotonic() > deadline:
            assert snapshot["state"] == state, snapshot
            return snapshot
        time.sleep(0.1)


@pytest.mark.containers
def test_start_then_drive_the_app_host_from_another_terminal(tmp_path, env):
    app = make_app(tmp_path / "shop", CONTAINER.format(image=BUSYBOX))
    started = ok("start", cwd=app, env=env, timeout=120)
    assert "started" in started and "http://127.0.0.1:" in started and ".pyspire/kubeconfig" in started
    twice = cli("start", cwd=app, env=env)
    assert twice.returncode == 2 and "already running" in twice.stderr
    [host] = json.loads(ok("ps", "--format", "json", cwd=tmp_path, env=env))
    assert host["app_host"] == str(app / "apphost.py") and pid_alive(host["pid"])
    assert host["resources"]["total"] == 4 and host["resources"]["states"]["Running"] == 3
    assert "token" not in json.dumps(host).lower()
    assert str(app / "apphost.py") in ok("ps", cwd=tmp_path, env=env)
    run_id = host["run_id"]

    # describe: text and json, overview and detail
    table = ok("describe", cwd=app, env=env)
    for name in ("ticker", "api", "once", "web"):
        assert name in table
    described = snapshots(app, env)
    assert described["api"]["state"] == "Running" and described["api"]["health_status"] == "Healthy"
    assert described["once"]["state"] == "Finished" and described["once"]["exit_code"] == 0
    assert described["web"]["state"] == "Running" and described["web"]["replicas"][0]["container_id"]
    web_url = described["web"]["urls"][0]["url"]
    assert httpx.get(web_url).text.strip() == "hello-from-container"
    detail = ok("describe", "api", cwd=app, env=env)
    for section in ("Endpoints", "Replicas", "Environment", "Commands", "PORT", "flush", "Healthy"):
        assert section in detail

    # logs: tail, all resources prefixed, follow receives new lines
    assert "hello" not in ok("logs", "once", cwd=app, env=env) and "done" in ok("logs", "once", cwd=app, env=env)
    tail = ok("logs", "ticker", "--tail", "2", "--timestamps", cwd=app, env=env).splitlines()
    assert len(tail) == 2 and all(line.split(" ", 1)[0].endswith("Z") and "tick" in line for line in tail)
    everything = ok("logs", "--tail", "1", cwd=app, env=env)
    assert "ticker-" in everything and "once-" in everything and " | " in everything
    follower = subprocess.Popen(
        [PYSPIRE, "logs", "ticker", "-f", "--tail", "0"], cwd=app, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert follower.stdout is not None
        followed = [follower.stdout.readline() for _ in range(3)]
        numbers = [int(line.split()[1]) for line in followed]
        assert numbers == sorted(numbers) and len(set(numbers)) == 3
    finally:
        follower.terminate()
        follower.wait(5)

    # resource commands change state; a failing custom command exits 1 with its message
    pid = described["ticker"]["replicas"][0]["pid"]
    assert "now Exited" in ok("resource", "ticker", "stop", cwd=app, env=env)
    assert not pid_alive(pid)
    ok("resource", "ticker", "start", cwd=app, env=env)
    wait_state(app, env, "ticker", "Running")
    restarted_from = snapshots(app, env)["ticker"]["replicas"][0]["pid"]
    ok("resource", "ticker", "restart", cwd=app, env=env)
    new_pid = wait_state(app, env, "ticker", "Running")["replicas"][0]["pid"]
    assert new_pid != restarted_from and not pid_alive(restarted_from)
    failed = cli("resource", "api", "flush", cwd=app, env=env)
    assert failed.returncode == 1 and "the cache is on fire" in failed.stderr
    as_json = cli("resource", "api", "flush", "--format", "json", cwd=app, env=env)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["success"] is False
    unknown = cli("resource", "api", "explode", cwd=app, env=env)
    assert unknown.returncode == 1 and "flush" in unknown.stderr

    # wait: met, met for completion, timed out, impossible
    assert "Healthy" in ok("wait", "api", "--for", "healthy", "--timeout", "10", cwd=app, env=env)
    ok("wait", "once", "--for", "completed", cwd=app, env=env)
    timed_out = cli("wait", "ticker", "--for", "completed", "--timeout", "0.5", cwd=app, env=env)
    assert timed_out.returncode == 1 and "timed out" in timed_out.stderr
    ok("resource", "ticker", "stop", cwd=app, env=env)
    impossible = cli("wait", "ticker", "--for", "running", "--timeout", "10", cwd=app, env=env)
    assert impossible.returncode == 1 and "Exited" in impossible.stderr

    # stop: returns once everything is gone
    assert "stopped" in ok("stop", cwd=app, env=env)
    assert not pid_alive(host["pid"])
    assert processes_with_marker(env["PYSPIRE_TEST_MARKER"]) == []
    assert containers_labelled(f"pyspire.dev/run={run_id}") == []
    assert not list((app / ".pyspire" / "runs").glob("*.json"))
    assert json.loads(ok("ps", "--format", "json", cwd=tmp_path, env=env)) == []
    gone = cli("describe", cwd=app, env=env)
    assert gone.returncode == 2 and "no app host is running" in gone.stderr


def test_two_app_hosts_are_told_apart_by_folder_or_apphost(tmp_path, env):
    first = make_app(tmp_path / "first", 'builder.add_executable("only-first", sys.executable, ".", "-c", TICKER)')
    second = make_app(tmp_path / "second", 'builder.add_executable("only-second", sys.executable, ".", "-c", TICKER)')
    (first / "sub").mkdir()
    try:
        ok("start", cwd=first, env=env)
        ok("run", "--detach", str(second), cwd=tmp_path, env=env)
        hosts = json.loads(ok("ps", "--format", "json", cwd=tmp_path, env=env))
        assert sorted(h["app_host"] for h in hosts) == [str(first / "apphost.py"), str(second / "apphost.py")]
        assert "only-first" in snapshots(first / "sub", env)  # the app host above the current folder
        assert "only-second" in snapshots(second, env)
        ambiguous = cli("describe", cwd=tmp_path, env=env)
        assert ambiguous.returncode == 2
        assert "--apphost" in ambiguous.stderr and str(first / "apphost.py") in ambiguous.stderr
        assert "only-second" in ok("describe", "--apphost", str(second), cwd=tmp_path, env=env)
        assert "only-first" in ok("logs", "--tail", "1", "--apphost", str(first / "apphost.py"), cwd=tmp_path, env=env)
        nothing = cli("describe", "--apphost", str(tmp_path), cwd=tmp_path, env=env)
        assert nothing.returncode == 2 and "no app host is running for" in nothing.stderr
    finally:
        stopped = ok("stop", "--all", cwd=tmp_path, env=env)
    assert stopped.count("stopped") == 2
    assert json.loads(ok("ps", "--format", "json", cwd=tmp_path, env=env)) == []
    assert processes_with_marker(env["PYSPIRE_TEST_MARKER"]) == []


def test_start_of_a_broken_app_host_says_why_and_leaves_nothing(tmp_path, env):
    app = make_app(tmp_path / "broken", 'builder.add_executable("Bad Name", sys.executable, ".")')
    result = cli("start", cwd=app, env=env)
    assert result.returncode == 2
    assert "Bad Name" in result.stderr and "exited" in result.stderr
    assert processes_with_marker(env["PYSPIRE_TEST_MARKER"]) == []
    assert json.loads(ok("ps", "--format", "json", cwd=tmp_path, env=env)) == []
