"""``pyspire parameter set`` / ``list`` through the real CLI against a real app host: a resource
waiting on a missing parameter (or connection string) starts once the value is supplied, the value
is read from stdin (getpass in a terminal) and never printed, and a wrong name is refused."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from tests.cli.test_cli import PYSPIRE, cli, ok

pytestmark = pytest.mark.slow

SECRET = "typed-secret-8086"
APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder()
    key = builder.add_parameter("api-key", secret=True)
    db = builder.add_connection_string("db")
    builder.add_parameter("region", value="eu-west-1")
    SHOW = "import os, time; print('key', os.environ['API_KEY'], flush=True); time.sleep(600)"
    builder.add_executable("client", sys.executable, ".", "-c", SHOW).with_env("API_KEY", key)
    builder.add_executable("reporter", sys.executable, ".", "-c", "import time; time.sleep(600)").with_reference(db)
    builder.build().run()
    """
)


@pytest.fixture
def env(tmp_path):
    marker = str(uuid.uuid4())
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("Parameters__", "ConnectionStrings__"))}
    environment.update(PYSPIRE_STATE_HOME=str(tmp_path / "state"), PYSPIRE_TEST_MARKER=marker, COLUMNS="200")
    yield environment
    subprocess.run([PYSPIRE, "stop", "--all"], cwd=tmp_path, env=environment, capture_output=True, timeout=90, check=False)


@pytest.fixture
def app(tmp_path, env):
    """The app host running in the background (``pyspire run``), once its API answers."""
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "apphost.py").write_text(APPHOST)
    with open(tmp_path / "apphost.log", "wb") as log:
        host = subprocess.Popen([PYSPIRE, "run", "--no-resource-output"], cwd=folder, env=env, stdout=log, stderr=log)
    try:
        _until_state(folder, env, "client", "Waiting")
        yield folder
    finally:
        host.terminate()
        host.wait(timeout=60)


def _describe(folder: Path, env: dict[str, str]) -> dict[str, dict]:
    result = cli("describe", "--format", "json", cwd=folder, env=env)
    return {s["name"]: s for s in json.loads(result.stdout)} if result.returncode == 0 else {}


def _until_state(folder: Path, env: dict[str, str], name: str, state: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while (found := _describe(folder, env).get(name, {})).get("state") != state:
        assert time.monotonic() < deadline, f"{name} never became {state}: {found}"
        time.sleep(0.1)
    return found


def set_value(folder: Path, env: dict[str, str], *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYSPIRE, "parameter", "set", *args], cwd=folder, env=env, input=stdin,
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_parameter_set_unblocks_the_resource_waiting_for_it_and_never_prints_the_value(app, env):
    listed = {r["name"]: r for r in json.loads(ok("parameter", "list", "--format", "json", cwd=app, env=env))}
    assert set(listed) == {"api-key", "db", "region"}
    assert listed["api-key"]["state"] == "ValueMissing" and listed["api-key"]["value"] is None
    assert "pyspire parameter set api-key" in listed["api-key"]["message"], "the way out is named"
    assert listed["region"] == {**listed["region"], "state": "Running", "value": "eu-west-1"}

    supplied = set_value(app, env, "api-key", stdin=SECRET + "\n")
    assert supplied.returncode == 0, supplied.stderr
    assert "api-key supplied (now Running)" in supplied.stdout
    ok("wait", "client", "--for", "running", "--timeout", "30", cwd=app, env=env)
    logs = ok("logs", "client", cwd=app, env=env)
    assert "key ***" in logs and SECRET not in logs, "the process got it; its output is redacted"

    table = ok("parameter", "list", cwd=app, env=env)
    assert "api-key" in table and "********" in table and "eu-west-1" in table and SECRET not in table
    assert SECRET not in ok("describe", "api-key", cwd=app, env=env)
    assert not (app / ".pyspire" / "settings.json").exists(), "nothing kept without --save"

    again = set_value(app, env, "api-key", stdin="another-value\n")
    assert again.returncode == 0 and "keep it until restarted" in again.stdout


def test_parameter_set_save_supplies_a_connection_string_and_keeps_it_for_the_next_run(app, env):
    assert _describe(app, env)["reporter"]["state"] == "Waiting"
    supplied = set_value(app, env, "db", "--save", stdin="Host=db.internal;Password=pw-4004\n")
    assert supplied.returncode == 0, supplied.stderr
    assert "db supplied and kept in .pyspire/settings.json" in supplied.stdout
    _until_state(app, env, "reporter", "Running")
    settings = json.loads((app / ".pyspire" / "settings.json").read_text())
    assert settings == {"ConnectionStrings": {"db": "Host=db.internal;Password=pw-4004"}}


def test_a_wrong_name_or_no_value_is_refused_and_nothing_is_supplied(app, env):
    invalid = set_value(app, env, "../stop", stdin=SECRET + "\n")
    assert invalid.returncode == 2 and "is not a resource name" in invalid.stderr
    unknown = set_value(app, env, "api-kee", stdin=SECRET + "\n")
    assert unknown.returncode == 1 and "no resource named 'api-kee'" in unknown.stderr
    not_a_value = set_value(app, env, "client", stdin=SECRET + "\n")
    assert not_a_value.returncode == 1 and "not a parameter or connection string" in not_a_value.stderr
    empty = set_value(app, env, "api-key", stdin="")
    assert empty.returncode == 2 and "stdin is empty" in empty.stderr
    for result in (invalid, unknown, not_a_value):
        assert SECRET not in result.stdout + result.stderr
    assert _describe(app, env)["api-key"]["state"] == "ValueMissing"


def test_parameter_set_reads_the_value_without_echo_in_a_terminal(app, env):
    """getpass on a real pseudo-terminal: what is typed is not echoed back."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI with the pty as its terminal
        os.chdir(app)
        os.execve(PYSPIRE, [PYSPIRE, "parameter", "set", "api-key"], env)
    output = b""
    deadline = time.monotonic() + 30
    while b"value for api-key:" not in output:
        assert time.monotonic() < deadline, output
        output += os.read(fd, 1024)
    os.write(fd, SECRET.encode() + b"\r")
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert b"api-key supplied" in output and SECRET.encode() not in output
    _until_state(app, env, "client", "Running")

