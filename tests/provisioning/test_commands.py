"""Recovery commands: reprovision, reset (optionally followed by provisioning), forget-state,
change-location (the override survives a reset), change-context, delete and delete-all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyspire.provisioning import (
    ChangeContext,
    ChangeLocation,
    Delete,
    DeleteAll,
    EnsureProvisioned,
    EnvironmentState,
    ForgetState,
    ProvisioningState,
    Reprovision,
    ReprovisionAll,
    ResetState,
    UnknownCloudResource,
)
from tests.provisioning.conftest import Factory
from tests.provisioning.fake_backend import FakeCloud


def deploys(backend: object) -> list[str]:
    return sorted(n for op, n in backend.calls if op == "deploy")  # type: ignore[attr-defined]


async def test_reprovision_redeploys_the_one_resource_and_reuses_the_rest(make: Factory) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    backend.calls.clear()
    await controller.run(Reprovision("b"))
    assert deploys(backend) == ["b"]


async def test_reprovision_all_redeploys_every_resource(make: Factory) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    backend.calls.clear()
    await controller.run(ReprovisionAll())
    assert deploys(backend) == ["a", "b", "c"]


async def test_reset_forgets_every_deployment_and_reset_then_reprovision_deploys_all(
    make: Factory, state_path: Path
) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    await controller.run(ResetState())
    records = json.loads(state_path.read_text())["resources"]
    assert all(r["status"] is None and r["deployment_id"] == "" for r in records.values())
    assert {s.state for s in controller.board.resources.values()} == {ProvisioningState.NOT_PROVISIONED}
    backend.calls.clear()
    await controller.run(ResetState(then_reprovision=True))
    assert deploys(backend) == ["a", "b", "c"]
    assert controller.board.environment is EnvironmentState.READY


async def test_forget_state_drops_the_record_and_leaves_the_cloud_resource_alone(
    make: Factory, cloud: FakeCloud
) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    backend.calls.clear()
    await controller.run(ForgetState("a"))
    assert backend.calls == [] and ("a", "eu-west-1") in cloud.resources
    assert controller.board.resources["a"].state is ProvisioningState.NOT_PROVISIONED
    await controller.run(EnsureProvisioned())
    assert deploys(backend) == ["a"]


async def test_change_location_deletes_the_old_resource_deploys_in_the_new_region_and_the_override_survives_reset(
    make: Factory, cloud: FakeCloud, state_path: Path
) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    backend.calls.clear()
    result = await controller.run(ChangeLocation("a", "us-east-2"))
    assert ("a", "eu-west-1") not in cloud.resources and ("a", "us-east-2") in cloud.resources
    assert backend.calls[0] == ("delete", "a") and deploys(backend) == ["a"]
    assert result.outputs["a"].values["region"] == "us-east-2"
    assert controller.board.resources["a"].identity["region"] == "us-east-2"
    await controller.run(ResetState(then_reprovision=True))
    assert json.loads(state_path.read_text())["resources"]["a"]["location_override"] == "us-east-2"
    await controller.stop()
    restarted, _ = make()
    again = await restarted.run(EnsureProvisioned())
    assert again.outputs["a"].values["region"] == "us-east-2"
    assert again.outputs["b"].values["region"] == "eu-west-1"


async def test_change_context_provisions_into_the_new_account_and_the_next_start_keeps_it(
    make: Factory, cloud: FakeCloud
) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    backend.calls.clear()
    result = await controller.run(ChangeContext(account="999988887777", region="ap-south-1"))
    assert deploys(backend) == ["a", "b", "c"]
    assert {o.values["account"] for o in result.outputs.values()} == {"999988887777"}
    await controller.stop()
    restarted, backend2 = make()
    assert restarted.scope.account == "999988887777" and restarted.scope.region == "ap-south-1"
    await restarted.run(EnsureProvisioned())
    assert backend2.calls == []


async def test_delete_removes_the_cloud_resource_and_its_record(
    make: Factory, cloud: FakeCloud, state_path: Path
) -> None:
    controller, _ = make()
    await controller.run(EnsureProvisioned())
    await controller.run(Delete("c"))
    assert ("c", "eu-west-1") not in cloud.resources
    assert controller.board.resources["c"].state is ProvisioningState.DELETED
    assert json.loads(state_path.read_text())["resources"]["c"]["deployment_id"] == ""


async def test_delete_all_deletes_dependents_before_their_prerequisites(make: Factory, cloud: FakeCloud) -> None:
    controller, _ = make()
    await controller.run(EnsureProvisioned())
    failed = await controller.run(DeleteAll())
    assert failed == {} and cloud.resources == {}
    deletes = [e for e in cloud.log if e.startswith("delete")]
    assert deletes.index("delete c") < deletes.index("delete b")
    assert {s.state for s in controller.board.resources.values()} == {ProvisioningState.DELETED}


async def test_an_intent_naming_an_unknown_resource_is_refused_before_it_queues(make: Factory) -> None:
    controller, _ = make()
    with pytest.raises(UnknownCloudResource, match="nope"):
        controller.submit(Reprovision("nope"))
