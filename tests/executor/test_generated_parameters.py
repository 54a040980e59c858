"""``add_parameter(name, secret=True, generate=...)``: a value made once at the first run, kept in
``.pyspire/settings.json`` (0600 in a 0700 folder) so the next run — and the data created with it
— gets the same one; a supplied value wins and nothing is generated; a secret one is masked
everywhere; a malformed settings file stays the one-line error and is left as it was."""

from __future__ import annotations

import json
import os
import stat
import string
import subprocess
import sys
from pathlib import Path

import pytest

from pyspire import DistributedApplication, GeneratedValue, ModelError, testing
from pyspire.orchestrator.redaction import MASK, REDACTED
from pyspire.states import ResourceState
from tests.conftest import APPS, PYTHON

PYSPIRE = str(Path(sys.executable).parent / "pyspire")


@pytest.fixture(autouse=True)
def nothing_supplied(monkeypatch):
    for key in ("Parameters__db-password", "Parameters__db_password", "Parameters__token"):
        monkeypatch.delenv(key, raising=False)


def app_with_generated_password(folder: Path, generate: bool | GeneratedValue = True):
    b = DistributedApplication.create_builder(app_dir=folder)
    password = b.add_parameter("db-password", secret=True, generate=generate)
    b.add_executable("db", PYTHON, APPS, "dump_env.py").with_env("PASSWORD", password).with_env(
        "DUMP_TO", str(folder / "db.json")
    )
    return b


def settings_of(folder: Path) -> dict:
    return json.loads((folder / ".pyspire" / "settings.json").read_text())


async def test_a_generated_value_is_made_once_kept_privately_and_the_same_on_the_next_run(tmp_path):
    async with testing.start(app_with_generated_password(tmp_path)) as app:
        await app.wait_for_log("db", "dumped")
        first = json.loads((tmp_path / "db.json").read_text())["env"]["PASSWORD"]
        assert "generated a value and kept it in" in app.log_text("db-password")
    assert len(first) == 22 and set(first) <= set(string.ascii_letters + string.digits)
    assert settings_of(tmp_path) == {"Parameters": {"db-password": first}}
    settings = tmp_path / ".pyspire" / "settings.json"
    assert stat.S_IMODE(os.stat(settings).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(settings.parent).st_mode) == 0o700

    (tmp_path / "db.json").unlink()
    async with testing.start(app_with_generated_password(tmp_path)) as app:
        await app.wait_for_log("db", "dumped")
        assert json.loads((tmp_path / "db.json").read_text())["env"]["PASSWORD"] == first
        assert "generated" not in app.log_text("db-password")


async def test_generation_follows_the_rules_given_and_keeps_what_else_the_settings_hold(tmp_path):
    (tmp_path / ".pyspire").mkdir()
    (tmp_path / ".pyspire" / "settings.json").write_text(json.dumps({"Parameters": {"region": "eu"}, "Other": [1]}))
    rules = GeneratedValue(length=40, upper=False, digits=False, special=True)
    async with testing.start(app_with_generated_password(tmp_path, rules)) as app:
        await app.wait_for_resource("db-password", ResourceState.RUNNING)
    kept = settings_of(tmp_path)
    value = kept["Parameters"].pop("db-password")
    assert kept == {"Parameters": {"region": "eu"}, "Other": [1]}, "the rest of the file is kept"
    assert len(value) == 40 and set(value) <= set(string.ascii_lowercase + "-_.~!*")
    assert any(c in "-_.~!*" for c in value) and any(c in string.ascii_lowercase for c in value)


@pytest.mark.parametrize("where", ["environment", "dotenv", "settings"])
async def test_a_supplied_value_wins_and_nothing_is_generated(tmp_path, monkeypatch, where):
    if where == "environment":
        monkeypatch.setenv("Parameters__db_password", "from-env")
    elif where == "dotenv":
        (tmp_path / ".env").write_text("Parameters__db-password=from-dotenv\n")
    else:
        (tmp_path / ".pyspire").mkdir()
        (tmp_path / ".pyspire" / "settings.json").write_text('{"Parameters": {"db-password": "from-settings"}}')
    before = (tmp_path / ".pyspire" / "settings.json").read_text() if where == "settings" else None
    async with testing.start(app_with_generated_password(tmp_path)) as app:
        await app.wait_for_log("db", "dumped")
        assert json.loads((tmp_path / "db.json").read_text())["env"]["PASSWORD"] == f"from-{where.replace('environment', 'env')}"
        assert "generated" not in app.log_text("db-password")
    settings = tmp_path / ".pyspire" / "settings.json"
    assert (settings.read_text() if settings.exists() else None) == before, "nothing generated, nothing written"


async def test_a_generated_secret_is_masked_in_describe_the_api_and_logs(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    token = b.add_parameter("token", secret=True, generate=True)
    b.add_executable(
        "echo", PYTHON, ".", "-c", "import os, time; print('token', os.environ['T'], flush=True); time.sleep(60)"
    ).with_env("T", token)
    async with testing.start(b) as app, app.api_client() as client:
        line = await app.wait_for_log("echo", "token")
        value = settings_of(tmp_path)["Parameters"]["token"]
        assert line.text == f"token {REDACTED}"
        assert dict(app.resource("token").properties)["value"] == MASK
        assert app.resource("echo").env_dict()["T"] == MASK
        for path in ("/v1/resources", "/v1/resources/token", "/v1/logs", "/apis/pyspire.dev/v1/executables"):
            answer = await client.get(path)
            assert answer.status_code == 200 and value not in answer.text, path


def test_a_malformed_settings_file_is_still_one_line_and_is_left_untouched(tmp_path):
    broken = '{"Parameters": {"region": "eu"},\n  , }\n'
    (tmp_path / ".pyspire").mkdir()
    (tmp_path / ".pyspire" / "settings.json").write_text(broken)
    (tmp_path / "apphost.py").write_text(
        "from pyspire import DistributedApplication\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_parameter('db-password', secret=True, generate=True)\n"
        "b.build().run()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("Parameters__")}
    result = subprocess.run(
        [PYSPIRE, "run"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env=dict(env, COLUMNS="200", PYSPIRE_STATE_HOME=str(tmp_path / "state")),
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "settings.json: not valid JSON at line 2, column 3" in result.stderr
    assert (tmp_path / ".pyspire" / "settings.json").read_text() == broken, "never overwritten with a fresh value"


@pytest.mark.parametrize(
    ("rules", "said"),
    [
        (GeneratedValue(length=0), "length=0 is not a length"),
        (GeneratedValue(length="22"), "length='22' is not a length"),  # type: ignore[arg-type]
        (GeneratedValue(lower=False, upper=False, digits=False), "every character class is off"),
    ],
)
def test_rules_that_cannot_make_a_value_are_a_build_error_naming_the_parameter(tmp_path, rules, said):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_parameter("db-password", secret=True, generate=rules)
    with pytest.raises(ModelError) as raised:
        b.build()
    [problem] = raised.value.problems
    assert (problem.resource, problem.field) == ("db-password", "add_parameter generate")
    assert said in problem.message
