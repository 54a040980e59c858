"""``with_env_file(path, secret=False)``: a dotenv file's variables reach the resource at each
start, under what ``with_env`` and references set; a secret file's values are masked everywhere;
a missing or malformed file is a ``build()`` error naming the resource, the field and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyspire import DistributedApplication, ModelError, testing
from pyspire.orchestrator.redaction import MASK, REDACTED
from pyspire.states import ResourceState
from tests.conftest import APPS, PYTHON, until
from tests.containers.helpers import sh


def dumped(path: Path) -> dict[str, str]:
    env: dict[str, str] = json.loads(path.read_text())["env"]
    return env


async def test_env_file_variables_reach_the_process_under_with_env_and_are_reread_at_each_start(tmp_path):
    (tmp_path / ".env.api").write_text(
        "# settings of the api\nFROM_FILE=file-value\nexport OVERRIDDEN=from-file\nQUOTED=\"a b # c\"\n"
        "EXPANDED=${FROM_FILE}-x\nPORT=1\n"
    )
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    dump = tmp_path / "api.json"
    (
        b.add_executable("api", PYTHON, APPS, "dump_env.py")
        .with_env_file(".env.api")
        .with_http_endpoint(env="PORT")
        .with_env("OVERRIDDEN", "explicit")
        .with_env("DUMP_TO", str(dump))
    )
    async with testing.start(b) as app:
        await app.wait_for_log("api", "dumped")
        env = dumped(dump)
        assert env["FROM_FILE"] == "file-value" and env["QUOTED"] == "a b # c"
        assert env["EXPANDED"] == "file-value-x", "${VAR} expands as python-dotenv does"
        assert env["OVERRIDDEN"] == "explicit", "with_env wins over the file"
        assert env["PORT"] != "1", "the endpoint's port wins over the file"
        assert app.resource("api").env_dict()["FROM_FILE"] == "file-value", "plain values show"

        (tmp_path / ".env.api").write_text("FROM_FILE=edited\n")
        dump.unlink()
        assert (await app.execute_command("api", "restart")).success
        await until(app, "api", lambda s: s.state == ResourceState.RUNNING and dump.exists())
        assert dumped(dump)["FROM_FILE"] == "edited", "the file is read again when the resource starts"


async def test_a_secret_env_file_is_masked_in_snapshots_and_redacted_from_logs(tmp_path):
    (tmp_path / "secrets.env").write_text("API_TOKEN=tok-98765-secret\n")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable(
        "worker", PYTHON, ".", "-c", "import os, time; print('token is', os.environ['API_TOKEN'], flush=True); time.sleep(60)"
    ).with_env_file("secrets.env", secret=True)
    async with testing.start(b) as app:
        line = await app.wait_for_log("worker", "token is")
        assert line.text == f"token is {REDACTED}"
        [shown] = [e for e in app.resource("worker").env if e.name == "API_TOKEN"]
        assert shown.value == MASK and shown.is_secret
        async with app.api_client() as client:
            assert "tok-98765-secret" not in (await client.get("/v1/resources/worker")).text
            assert "tok-98765-secret" not in (await client.get("/v1/resources/worker/logs")).text


def test_a_missing_env_file_is_a_build_error_naming_resource_field_and_fix(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, ".", "-c", "pass").with_env_file(".env.missing")
    with pytest.raises(ModelError) as raised:
        b.build()
    [problem] = raised.value.problems
    assert (problem.resource, problem.field) == ("api", "with_env_file")
    assert str(tmp_path / ".env.missing") in problem.message and "create it or fix the path" in problem.message
    assert problem.locations and problem.locations[0].filename == __file__, "at the user's line"


def test_a_malformed_env_file_line_is_a_build_error_naming_file_and_line_not_its_text(tmp_path):
    (tmp_path / ".env.api").write_text("GOOD=1\nthis is not-a-secret-4711 line\n")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, ".", "-c", "pass").with_env_file(".env.api", secret=True)
    with pytest.raises(ModelError) as raised:
        b.build()
    [problem] = raised.value.problems
    assert problem.field == "with_env_file"
    assert f"{tmp_path / '.env.api'}, line 2: not a KEY=value line" in problem.message
    assert "4711" not in str(raised.value), "the line may hold a secret: never quoted"


def test_with_env_file_rejects_arguments_of_the_wrong_kind(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, ".", "-c", "pass").with_env_file(42).with_env_file(".env", secret="yes")  # type: ignore[arg-type]
    with pytest.raises(ModelError) as raised:
        b.build()
    fields = sorted(p.field for p in raised.value.problems)
    assert fields == ["with_env_file", "with_env_file secret"]


async def test_an_env_file_deleted_after_build_fails_only_its_resource_with_the_reason(tmp_path):
    env_file = tmp_path / ".env.api"
    env_file.write_text("A=1\n")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, ".", "-c", "import time; time.sleep(60)").with_env_file(".env.api")
    b.add_executable("other", PYTHON, ".", "-c", "import time; print('up', flush=True); time.sleep(60)")
    app_model = b.build()
    env_file.unlink()
    async with testing.start(app_model) as app:
        failed = await app.wait_for_resource("api", ResourceState.FAILED_TO_START)
        assert "with_env_file" in (failed.state_message or "") and "does not exist" in (failed.state_message or "")
        assert "Traceback" not in app.log_text("api")
        await app.wait_for_log("other", "up")


@pytest.mark.containers
async def test_a_container_gets_the_env_file_variables_and_secret_ones_stay_masked(tmp_path):
    (tmp_path / "web.env").write_text("GREETING=hello-from-file\n")
    (tmp_path / "web-secrets.env").write_text("DB_PASSWORD=pw-31337-secret\n")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(b, "web", 'echo "greeting=$GREETING password=$DB_PASSWORD"; sleep 60').with_env_file("web.env").with_env_file(
        "web-secrets.env", secret=True
    )
    async with testing.start(b) as app:
        line = await app.wait_for_log("web", "greeting=", timeout=60)
        assert line.text == f"greeting=hello-from-file password={REDACTED}"
        env = {e.name: e for e in app.resource("web").env}
        assert env["GREETING"].value == "hello-from-file" and env["DB_PASSWORD"].value == MASK
