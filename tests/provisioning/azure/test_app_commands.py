"""The recovery commands on Azure resources in a running app host, on the real SDK clients over
the in-memory ARM: a storage account deleted out of band shows ``Missing in cloud`` within the
(small) drift interval and ``reprovision`` through the control API restores it; ``delete``
through the CLI removes the account; ``delete-all`` removes what every deployment created; a
process restarted after ``change-location`` gets the account's new location in ``AZURE_LOCATION``."""

from __future__ import annotations

import sys
from pathlib import Path

from pyspire import DistributedApplication, testing
from tests.provisioning.app_helpers import pyspire_cli, until
from tests.provisioning.azure.app_fixtures import WORKSPACE
from tests.provisioning.azure.conftest import GROUP, LOCATION, SUBSCRIPTION, FixedToken, transport_of
from tests.provisioning.azure.fake_arm import FakeArm


def _provisioned(s: object) -> bool:
    return getattr(s, "state_message", None) == "Provisioned"


def _app(tmp_path: Path, arm: FakeArm, credential: FixedToken) -> DistributedApplication:
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    azure = b.add_azure_environment(
        "azure", SUBSCRIPTION, LOCATION, GROUP, credential=credential, transport=transport_of(arm),
        drift_interval=0.3, poll_interval=0.02,
    )
    files = azure.add_storage_account("files")
    azure.add_arm_template("logs", WORKSPACE, parameters={"storageAccount": files.output_ref("name")})
    return b.build()


async def test_a_storage_account_deleted_out_of_band_is_missing_in_cloud_and_reprovision_through_the_api_restores_it(
    tmp_path, arm: FakeArm, credential: FixedToken
):
    async with testing.start(_app(tmp_path, arm, credential)) as app:
        files = await until(app, "files", _provisioned, timeout=30)
        account_id = dict(files.properties)["output.id"]
        arm.delete_out_of_band(account_id)
        missing = await until(app, "files", lambda s: (s.state_message or "").startswith("Missing in cloud"), timeout=10)
        assert missing.health_status == "Unhealthy"
        assert (await until(app, "azure", lambda s: (s.state_message or "").startswith("Drifted"))).health_status == "Unhealthy"
        assert app.resource("logs").state_message == "Provisioned"
        async with app.api_client() as http:
            answer = await http.post("/v1/resources/files/commands/reprovision", timeout=30)
        assert answer.status_code == 200 and answer.json()["success"] is True, answer.text
        assert (await until(app, "files", _provisioned)).health_status == "Healthy"
        assert arm.resource(account_id) is not None
        assert (await until(app, "azure", lambda s: s.state_message == "Ready")).state == "Running"


async def test_delete_through_the_cli_removes_the_account_and_delete_all_removes_the_rest(
    tmp_path, arm: FakeArm, credential: FixedToken
):
    async with testing.start(_app(tmp_path, arm, credential)) as app:
        for name in ("files", "logs"):
            await until(app, name, _provisioned, timeout=30)
        said = await pyspire_cli("resource", "files", "delete", cwd=tmp_path)
        assert "✓ delete files" in said, said
        assert (await until(app, "files", lambda s: s.state_message == "Deleted")).state == "Exited"
        assert [r["type"] for r in arm.resources.values()] == ["Microsoft.OperationalInsights/workspaces"]
        result = await app.execute_command("azure", "delete-all")
        assert result.success, result
        assert (await until(app, "logs", lambda s: s.state_message == "Deleted")).state == "Exited"
    assert arm.resources == {}
    assert len(arm.calls("DELETE")) == 2
    assert arm.groups[GROUP.lower()]["tags"] == {"pyspire": "true"}, "the resource group is left (it may hold more)"


async def test_a_process_restarted_after_change_location_gets_the_new_location_in_azure_location(
    tmp_path, arm: FakeArm, credential: FixedToken
):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    azure = b.add_azure_environment(
        "azure", SUBSCRIPTION, LOCATION, GROUP, credential=credential, transport=transport_of(arm), poll_interval=0.02
    )
    files = azure.add_storage_account("files")
    say = "import os, time; print('LOCATION', os.environ['AZURE_LOCATION'], flush=True); time.sleep(60)"
    b.add_executable("dump", sys.executable, ".", "-c", say).with_reference(files).wait_for(files)
    async with testing.start(b) as app:
        await app.wait_for_log("dump", f"LOCATION {LOCATION}", timeout=30)
        moved = await app.execute_command("files", "change-location", {"region": "northeurope"})
        assert moved.success, moved
        await until(app, "files", lambda s: _provisioned(s) and dict(s.properties)["region"] == "northeurope", timeout=30)
        assert (await app.execute_command("dump", "restart")).success
        await app.wait_for_log("dump", "LOCATION northeurope", timeout=30)
    (account,) = arm.resources.values()
    assert account["location"] == "northeurope", "deleted in the old location, deployed in the new one"
