"""Parameters and connection strings read from ``.env`` beside apphost.py, with the documented
precedence environment > .env > settings file > default in code; a malformed ``.env`` stops the
run before anything starts, with the file and the line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from pyspire.executor.configuration import Configuration
from pyspire.model.resources import ConnectionStringResource, ParameterResource
from pyspire.states import ResourceState
from tests.conftest import APPS, PYTHON

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
NAMES = ("only-code", "settings", "dotenv", "environment", "db")


@pytest.fixture(autouse=True)
def nothing_in_the_environment(monkeypatch):
    for key in list(os.environ):
        if key.startswith(("Parameters__", "ConnectionStrings__")):
            monkeypatch.delenv(key)


def test_precedence_is_environment_then_dotenv_then_settings_then_the_default_in_code(tmp_path):
    (tmp_path / ".pyspire").mkdir()
    settings = {name: "from-settings" for name in ("settings", "dotenv", "environment")}
    (tmp_path / ".pyspire" / "settings.json").write_text(json.dumps({"Parameters": settings}))
    (tmp_path / ".env").write_text(
        "Parameters__dotenv=from-dotenv\nParameters__environment=from-dotenv\n"
        "ConnectionStrings__db='Host=x;Password=p$w'\n"
    )
    configuration = Configuration(tmp_path, environ={"Parameters__environment": "from-env"})

    def value(name: str) -> str | None:
        return configuration.value_for(ParameterResource(name, "from-code", secret=False))

    assert [value(n) for n in NAMES[:4]] == ["from-code", "from-settings", "from-dotenv", "from-env"]
    db = ConnectionStringResource("db", None, secret=True)
    assert configuration.value_for(db) == "Host=x;Password=p$w", "single quotes: no ${} expansion"


async def test_dotenv_values_reach_consumers_under_either_spelling_and_nothing_else_of_the_file(tmp_path):
    (tmp_path / ".env").write_text(
        "# local secrets, not committed\nParameters__api_key=key-from-dotenv\n"
        "ConnectionStrings__orders-db=Host=localhost;Database=orders\nUNRELATED=must-not-leak\n"
    )
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    key = b.add_parameter("api-key", secret=True)
    db = b.add_connection_string("orders-db")
    dump = tmp_path / "client.json"
    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_env("KEY", key).with_reference(db).with_env(
        "DUMP_TO", str(dump)
    )
    async with testing.start(b) as app:
        await app.wait_for_log("client", "dumped")
        assert app.resource("api-key").state == ResourceState.RUNNING
    env = json.loads(dump.read_text())["env"]
    assert env["KEY"] == "key-from-dotenv"
    assert env["ConnectionStrings__orders-db"] == "Host=localhost;Database=orders"
    assert "UNRELATED" not in env, ".env feeds the app host's configuration, not every process"
    assert not (tmp_path / ".pyspire" / "settings.json").exists()


async def test_a_missing_value_says_it_can_go_in_dotenv_too(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_parameter("api-key", secret=True)
    async with testing.start(b) as app:
        message = (await app.wait_for_resource("api-key", ResourceState.VALUE_MISSING)).state_message or ""
    assert f"add Parameters__api-key=... to {tmp_path / '.env'}" in message
    assert "Parameters__api-key" in message and "settings.json" in message
    assert "pyspire parameter set api-key" in message


def test_a_malformed_dotenv_line_is_one_line_naming_file_and_line_before_anything_starts(tmp_path):
    (tmp_path / ".env").write_text("Parameters__a=1\nParameters__b = \"unterminated-7001\n")
    (tmp_path / "apphost.py").write_text(
        "import sys\n"
        "from pyspire import DistributedApplication\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_executable('canary', sys.executable, '.', '-c', 'open(\"started\", \"w\").close()')\n"
        "b.build().run()\n"
    )
    result = subprocess.run(
        [PYSPIRE, "run"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env=dict(os.environ, COLUMNS="200", PYSPIRE_STATE_HOME=str(tmp_path / "state")),
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"{tmp_path / '.env'}, line 2: not a KEY=value line" in result.stderr
    assert "7001" not in result.stderr, "the line's text (perhaps a secret) is never quoted"
    assert not (tmp_path / "started").exists(), "nothing started"
