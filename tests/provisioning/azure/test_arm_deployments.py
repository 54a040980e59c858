"""The provisioning controller on the ARM backend: the real Azure SDK clients over the in-memory
ARM (fake_arm), so every call is a real HTTP request through the SDK's pipeline. Deploys, outputs,
cached reruns, template changes, drift, ARM's own failures, active-deployment conflicts, re-attach,
cancel and delete."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from pyspire.provisioning import (
    Delete,
    DeleteAll,
    EnsureProvisioned,
    EnvironmentState,
    OutputRef,
    ProvisioningState,
    Reprovision,
    ResourceSpec,
)
from pyspire.provisioning.azure import arm_template, storage_account
from tests.provisioning.azure.app_fixtures import BROKEN, WORKSPACE
from tests.provisioning.azure.conftest import GROUP, LOCATION, SUBSCRIPTION, TOKEN, FixedToken, Make
from tests.provisioning.azure.fake_arm import FakeArm
from tests.provisioning.fake_backend import ManualClock, wait_until


def app_specs(retention: int = 30) -> list[ResourceSpec]:
    return [
        storage_account("files"),
        arm_template(
            "logs",
            WORKSPACE,
            {"storageAccount": OutputRef("files", "name"), "retentionDays": retention},
        ),
    ]


async def test_a_storage_account_and_a_template_taking_its_name_are_deployed_in_order_with_their_outputs(
    make: Make, arm: FakeArm, credential: FixedToken
) -> None:
    controller = make(app_specs())
    result = await controller.run(EnsureProvisioned())
    assert result.failed == {}
    files = result.outputs["files"]
    account = files.values["name"]
    assert account.startswith("files") and len(account) == 13 and account.isalnum() and account.islower()
    assert files.values["blobEndpoint"] == f"https://{account}.blob.core.windows.net/"
    assert files.values["queueEndpoint"] == f"https://{account}.queue.core.windows.net/"
    assert files.values["tableEndpoint"] == f"https://{account}.table.core.windows.net/"
    assert files.values["id"] == (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Storage/storageAccounts/{account}"
    )
    key = arm.resource(files.values["id"])["keys"][0]  # type: ignore[index]
    assert files.values["connectionString"] == (
        f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net"
    )
    assert files.masked()["connectionString"] == "***" and key not in json.dumps(files.masked())
    logs = result.outputs["logs"].values
    assert logs["usesAccount"] == account and logs["tier"] == "PerGB2018" and logs["retention"] == "30"
    assert logs["workspaceName"].startswith("logs-")
    # one group PUT (tagged), one deployment PUT each, every request with the bearer token
    group = arm.groups[GROUP.lower()]
    assert group["tags"] == {"pyspire": "true"} and group["location"] == LOCATION
    assert len(arm.deployment_puts()) == 2
    assert set(arm.authorizations) == {f"Bearer {TOKEN}"} and credential.asked >= 1
    assert controller.board.resources["logs"].identity["deployment_id"].endswith("/deployments/logs")


async def test_a_second_run_on_the_same_state_file_makes_no_deployment_put_and_no_call_at_all(
    make: Make, arm: FakeArm
) -> None:
    first = make(app_specs())
    await first.run(EnsureProvisioned())
    await first.stop()
    arm.requests.clear()
    second = make(app_specs())
    result = await second.run(EnsureProvisioned())
    assert set(result.outputs) == {"files", "logs"}
    assert arm.requests == []


async def test_a_changed_template_redeploys_that_resource_only(make: Make, arm: FakeArm) -> None:
    first = make(app_specs(retention=30))
    await first.run(EnsureProvisioned())
    await first.stop()
    arm.requests.clear()
    second = make(app_specs(retention=90))
    result = await second.run(EnsureProvisioned())
    assert [p.rsplit("/", 1)[-1] for p in arm.deployment_puts()] == ["logs"]
    assert result.outputs["logs"].values["retention"] == "90"


async def test_a_storage_account_deleted_out_of_band_is_missing_within_one_drift_interval_and_reprovision_restores_it(
    make: Make, arm: FakeArm
) -> None:
    clock = ManualClock()  # the drift monitor's clock; the SDK's calls are real
    controller = make(app_specs(), drift=True, drift_interval=30, clock=clock)
    result = await controller.run(EnsureProvisioned())
    account_id = result.outputs["files"].values["id"]
    arm.delete_out_of_band(account_id)
    arm.requests.clear()
    await clock.advance(29)
    assert arm.calls("HEAD") == []
    await clock.advance(1)
    await wait_until(lambda: controller.board.resources["files"].state is ProvisioningState.MISSING_IN_CLOUD)
    assert controller.board.environment is EnvironmentState.DRIFTED
    assert controller.board.resources["logs"].state is ProvisioningState.PROVISIONED
    await controller.run(Reprovision("files"))
    assert arm.resource(account_id) is not None
    assert controller.board.resources["files"].state is ProvisioningState.PROVISIONED
    assert controller.board.environment is EnvironmentState.READY


async def test_a_generic_templates_resource_deleted_out_of_band_is_found_through_the_deployments_output_resources(
    make: Make, arm: FakeArm
) -> None:
    controller = make(app_specs())
    await controller.run(EnsureProvisioned())
    workspace = next(r for r in arm.resources.values() if r["type"].endswith("/workspaces"))
    assert await controller.request_drift_check() == []
    arm.delete_out_of_band(workspace["id"])
    assert await controller.request_drift_check() == ["logs"]
    assert arm.calls("GET", "/providers/Microsoft.OperationalInsights"), "its API version came from the provider"
    probes = {v for m, p, v in arm.api_versions if m == "HEAD" and "/workspaces/" in p}
    assert probes == {"2023-09-01"}, "the newest stable one, not the preview"


async def test_a_failed_deployment_shows_arms_first_error_detail_on_that_resource_and_fails_its_dependents(
    make: Make,
) -> None:
    specs = [
        arm_template("broken", BROKEN),
        arm_template("user", {"parameters": {"x": {"type": "string"}}, "resources": []}, {"x": OutputRef("broken", "name")}),
        storage_account("fine"),
    ]
    controller = make(specs)
    result = await controller.run(EnsureProvisioned())
    assert set(result.failed) == {"broken", "user"} and "fine" in result.outputs
    status = controller.board.resources["broken"]
    assert status.state is ProvisioningState.FAILED_TO_PROVISION
    assert status.message.startswith("broken: deployment broken Failed: AccountNameInvalid: Not_Valid is not a valid storage account name.")
    assert "prerequisite broken failed" in controller.board.resources["user"].message
    assert controller.board.resources["fine"].state is ProvisioningState.PROVISIONED
    assert controller.board.environment is EnvironmentState.FAILED


async def test_an_unknown_template_function_fails_as_arms_invalid_template(make: Make) -> None:
    spec = arm_template("odd", {"resources": [], "outputs": {"x": {"type": "string", "value": "[nosuchfunction(1)]"}}})
    result = await make([spec]).run(EnsureProvisioned())
    assert "InvalidTemplate: Deployment template validation failed: 'The template function 'nosuchfunction' is not valid.'" in str(
        result.failed["odd"]
    )


async def test_an_active_deployment_of_the_resource_is_waited_for_then_deployed_again(make: Make, arm: FakeArm) -> None:
    first = make([storage_account("files")])
    await first.run(EnsureProvisioned())
    await first.stop()
    # someone else's deployment of the same name is running in the resource group
    arm.hold = True
    other = await asyncio.to_thread(_put_deployment, arm, "files")
    assert other == 201
    second = make([storage_account("files", sku="Standard_GRS")])
    task = asyncio.ensure_future(second.run(EnsureProvisioned()))
    await wait_until(lambda: len(arm.deployment_puts()) >= 3, timeout=5)  # ours, answered 409 DeploymentActive
    assert not task.done()
    arm.release()
    result = await asyncio.wait_for(task, 10)
    assert result.failed == {}
    assert len(arm.deployment_puts()) == 4, "the conflicting PUT, then ours again once the other ended"
    resource = next(iter(arm.resources.values()))
    assert resource["sku"] == {"name": "Standard_GRS"}


def _put_deployment(arm: FakeArm, name: str) -> int:
    """A deployment PUT as another tool would send it (straight to the fake's REST surface)."""
    body = {"properties": {"mode": "Incremental", "template": {"resources": []}, "parameters": {}}}
    url = f"https://management.azure.com/subscriptions/{SUBSCRIPTION}/resourcegroups/{GROUP}/providers/Microsoft.Resources/deployments/{name}"
    return arm.session().put(url, json=body, params={"api-version": "2026-06-01"}, timeout=5).status_code


async def test_an_app_host_killed_while_waiting_re_attaches_to_the_deployment_instead_of_deploying_again(
    make: Make, arm: FakeArm, tmp_path: Path
) -> None:
    first = make([storage_account("files")])
    cold = await first.run(EnsureProvisioned())
    await first.stop()
    path = tmp_path / ".pyspire" / "deployments" / "dev.json"
    data = json.loads(path.read_text())  # as saved just before waiting: running, the id, no outputs
    data["resources"]["files"].update(status="running", outputs=None)
    path.write_text(json.dumps(data))
    arm.requests.clear()
    second = make([storage_account("files")])
    result = await second.run(EnsureProvisioned())
    assert arm.deployment_puts() == [] and arm.calls("GET", "/deployments/files")
    assert result.outputs["files"].values == cold.outputs["files"].values
    assert json.loads(path.read_text())["resources"]["files"]["status"] == "succeeded"


async def test_cancel_asks_arm_to_cancel_the_running_deployment_and_the_resource_shows_canceled(
    make: Make, arm: FakeArm
) -> None:
    arm.hold = True
    controller = make([storage_account("files")])
    task = asyncio.ensure_future(controller.run(EnsureProvisioned()))
    await wait_until(lambda: controller.board.resources["files"].state is ProvisioningState.WAITING_FOR_DEPLOYMENT, timeout=5)
    assert controller.cancel()
    await wait_until(lambda: arm.calls("POST", "/deployments/files/cancel") != [], timeout=5)
    await asyncio.gather(task, return_exceptions=True)
    await wait_until(lambda: controller.board.resources["files"].state is ProvisioningState.CANCELED, timeout=5)
    assert next(iter(arm.deployments.values())).state == "Canceled"


async def test_delete_removes_what_the_deployment_created_and_deleting_again_is_not_an_error(
    make: Make, arm: FakeArm
) -> None:
    controller = make(app_specs())
    await controller.run(EnsureProvisioned())
    assert len(arm.resources) == 2
    await controller.run(Delete("logs"))
    assert [r["type"] for r in arm.resources.values()] == ["Microsoft.Storage/storageAccounts"]
    await controller.run(DeleteAll())
    assert arm.resources == {}
    assert controller.board.resources["files"].state is ProvisioningState.DELETED
    assert len(arm.calls("DELETE")) == 2
    assert await controller.run(DeleteAll()) == {}


async def test_a_location_override_deploys_the_resource_there_in_the_existing_group(make: Make, arm: FakeArm) -> None:
    from pyspire.provisioning import ChangeLocation

    controller = make([storage_account("files")])
    await controller.run(EnsureProvisioned())
    await controller.run(ChangeLocation("files", "northeurope"))
    account = next(iter(arm.resources.values()))
    assert account["location"] == "northeurope" and arm.groups[GROUP.lower()]["location"] == LOCATION
