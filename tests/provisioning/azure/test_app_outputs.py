"""Azure in apphost.py, on the real Azure SDK clients over the in-memory ARM: a process referencing
a storage account and a template that takes the account's name gets their outputs (the connection
string whole, masked in the API, the CLI and the logs); a second app host on the cached state makes
no ARM call at all; a changed template redeploys that resource only; a failed deployment shows
ARM's words on that resource alone; a missing subscription is missing configuration while the rest
runs; a Bicep template without ``bicep`` on PATH stops ``pyspire run`` before anything starts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pyspire import DistributedApplication, testing
from pyspire.cli.main import cli
from tests.provisioning.app_helpers import pyspire_cli, until
from tests.provisioning.azure.app_fixtures import BROKEN, DUMP, WORKSPACE
from tests.provisioning.azure.conftest import GROUP, LOCATION, SUBSCRIPTION, TOKEN, FixedToken, transport_of
from tests.provisioning.azure.fake_arm import FakeArm


def _provisioned(s: object) -> bool:
    return getattr(s, "state_message", None) == "Provisioned"


def _builder(tmp_path: Path, arm: FakeArm, credential: FixedToken, retention: int = 30, **env: Any) -> Any:
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    options: dict[str, Any] = {"subscription": SUBSCRIPTION, "location": LOCATION, "resource_group": GROUP, **env}
    azure = b.add_azure_environment(
        "azure", credential=credential, transport=transport_of(arm), poll_interval=0.02, **options
    )
    files = azure.add_storage_account("files")
    logs = azure.add_arm_template(
        "logs", WORKSPACE, parameters={"storageAccount": files.output_ref("name"), "retentionDays": retention}
    )
    b.add_executable("dump", sys.executable, ".", "-c", DUMP).with_reference(files).with_reference(logs).wait_for(
        logs
    ).with_stop_grace_period(1)
    return b


async def test_a_process_gets_the_storage_account_and_template_outputs_and_the_connection_string_is_masked_elsewhere(
    tmp_path, arm: FakeArm, credential: FixedToken
):
    async with testing.start(_builder(tmp_path, arm, credential)) as app:
        line = await app.wait_for_log("dump", "connection", timeout=30)
        async with app.api_client() as http:
            shown = (await http.get("/v1/resources")).text
            shown += (await http.get("/v1/resources/dump/logs")).text
            shown += (await http.get("/v1/provisioning/environments")).text
        shown += await pyspire_cli("describe", "files", "--format", "json", cwd=tmp_path)
        shown += await pyspire_cli("describe", "dump", "--format", "json", cwd=tmp_path)
        shown += app.log_text("dump") + json.dumps([[s.state_message, list(s.properties)] for s in app.resources()])
    env = json.loads((tmp_path / "env.json").read_text())
    account = env["FILES_NAME"]
    key = arm.resource(env["FILES_ID"])["keys"][0]  # type: ignore[index]
    connection = f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net"
    assert env["ConnectionStrings__files"] == connection == env["FILES_CONNECTION_STRING"]
    assert env["FILES_BLOB_ENDPOINT"] == f"https://{account}.blob.core.windows.net/"
    assert env["FILES_QUEUE_ENDPOINT"] == f"https://{account}.queue.core.windows.net/"
    assert env["FILES_TABLE_ENDPOINT"] == f"https://{account}.table.core.windows.net/"
    assert env["LOGS_USES_ACCOUNT"] == account and env["LOGS_TIER"] == "PerGB2018" and env["LOGS_RETENTION"] == "30"
    assert env["ConnectionStrings__logs"] == env["LOGS_WORKSPACE_NAME"]
    assert (env["AZURE_SUBSCRIPTION_ID"], env["AZURE_RESOURCE_GROUP"], env["AZURE_LOCATION"]) == (SUBSCRIPTION, GROUP, LOCATION)
    assert line.text.split()[-1] == connection[::-1], "the process printed the value it got whole"
    assert key not in shown and connection not in shown, "the key shows nowhere but in the process"
    assert "output.blobEndpoint" in shown and "FILES_CONNECTION_STRING" in shown
    assert TOKEN not in shown and TOKEN not in json.dumps(env), "the token reaches neither the process nor any output"
    assert set(arm.authorizations) == {f"Bearer {TOKEN}"}


async def test_a_second_app_host_on_the_cached_state_makes_no_arm_call_and_a_changed_template_redeploys_only_it(
    tmp_path, arm: FakeArm, credential: FixedToken
):
    async with testing.start(_builder(tmp_path, arm, credential)) as app:
        await app.wait_for_log("dump", "connection", timeout=30)
    assert len(arm.deployment_puts()) == 2
    arm.requests.clear()
    async with testing.start(_builder(tmp_path, arm, credential)) as app:
        for name in ("files", "logs"):
            await until(app, name, _provisioned)
        await app.wait_for_log("dump", "connection", timeout=30)
        assert app.resource("azure").state_message == "Ready"
        assert dict(app.resource("files").properties)["account"] == SUBSCRIPTION
    assert arm.requests == [], arm.requests
    async with testing.start(_builder(tmp_path, arm, credential, retention=90)) as app:
        logs = await until(app, "logs", lambda s: _provisioned(s) and dict(s.properties).get("output.retention") == "90", timeout=30)
        assert dict(logs.properties)["output.tier"] == "PerGB2018"
    assert [p.rsplit("/", 1)[-1] for p in arm.deployment_puts()] == ["logs"]


async def test_a_failed_deployment_shows_arms_message_on_that_resource_only(tmp_path, arm: FakeArm, credential: FixedToken):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    azure = b.add_azure_environment(
        "azure", SUBSCRIPTION, LOCATION, GROUP, credential=credential, transport=transport_of(arm), poll_interval=0.02
    )
    azure.add_arm_template("broken", BROKEN)
    azure.add_storage_account("files")
    async with testing.start(b) as app:
        broken = await until(app, "broken", lambda s: s.state == "FailedToStart", timeout=30)
        assert "AccountNameInvalid: Not_Valid is not a valid storage account name." in (broken.state_message or "")
        assert (broken.state_message or "").startswith("Failed to provision: ")
        assert (await until(app, "files", _provisioned, timeout=30)).health_status == "Healthy"
        assert (await until(app, "azure", lambda s: s.state_message == "Failed")).health_status == "Unhealthy"


async def test_a_missing_subscription_is_missing_configuration_while_another_process_runs_until_it_is_set(
    tmp_path, arm: FakeArm, credential: FixedToken, monkeypatch
):
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    azure = b.add_azure_environment(
        "azure", location=LOCATION, resource_group=GROUP, credential=credential, transport=transport_of(arm), poll_interval=0.02
    )
    azure.add_storage_account("files")
    b.add_executable("other", sys.executable, ".", "-c", "import time; print('up', flush=True); time.sleep(60)")
    async with testing.start(b) as app:
        await app.wait_for_log("other", "up")
        env = await until(app, "azure", lambda s: s.state == "ValueMissing")
        assert env.state_message == "Missing configuration: set Parameters__azure-subscription-id"
        files = await until(app, "files", lambda s: s.state == "ValueMissing")
        assert "Parameters__azure-subscription-id" in (files.state_message or "")
        assert app.resource("other").state == "Running"
        assert arm.requests == []
        async with app.api_client() as http:
            answer = await http.put("/v1/parameters/azure-subscription-id", json={"value": SUBSCRIPTION})
        assert answer.status_code == 200, answer.text
        files = await until(app, "files", _provisioned, timeout=30)
        assert (dict(files.properties)["account"], dict(files.properties)["group"]) == (SUBSCRIPTION, GROUP)
    assert len(arm.deployment_puts()) == 1


def test_a_bicep_template_without_bicep_on_path_stops_pyspire_run_naming_the_resource_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bicep-here"))
    (tmp_path / "main.bicep").write_text("param greeting string\n")
    (tmp_path / "apphost.py").write_text(
        "import sys\n"
        "from pyspire import DistributedApplication\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_executable('canary', sys.executable, '.', '-c', 'open(\"started\", \"w\").close()')\n"
        "azure = b.add_azure_environment('azure', '00000000-1111-2222-3333-444444444444', 'westeurope', 'rg-x')\n"
        "azure.add_bicep_template('infra', 'main.bicep')\n"
        "b.build().run()\n"
    )
    result = CliRunner().invoke(cli, ["run", "apphost.py"], catch_exceptions=False)
    output = result.output
    assert result.exit_code != 0, output
    assert "Azure resource infra: template main.bicep: a .bicep template needs the bicep CLI" in output, output
    assert "install bicep" in output and "ARM JSON template" in output
    assert "Traceback" not in output and "pyspire/" not in output
    assert not (tmp_path / "started").exists()
