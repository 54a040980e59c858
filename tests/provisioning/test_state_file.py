"""The state file: ``.pyspire/deployments/<environment>.json``, 0600 in a 0700 folder, replaced
whole or not at all; the running marker and deployment id are on disk before the wait."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from pyspire.errors import PermanentError
from pyspire.provisioning import DeploymentStateFile, EnsureProvisioned, ProvisioningState, ResourceSpec
from tests.provisioning.conftest import Factory
from tests.provisioning.fake_backend import FakeCloud, wait_until


async def test_the_state_file_is_private_and_lives_under_pyspire_deployments(
    make: Factory, state_path: Path, tmp_path: Path
) -> None:
    controller, _ = make()
    await controller.run(EnsureProvisioned())
    assert state_path == tmp_path / ".pyspire" / "deployments" / "dev.json"
    assert stat.S_IMODE(state_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(state_path.parent.stat().st_mode) == 0o700
    record = json.loads(state_path.read_text())["resources"]["c"]
    assert record["status"] == "succeeded" and record["deployment_id"].startswith("dep-")
    assert record["checksum"].startswith("sha256:") and record["parameters"] == {"queue": "b"}
    assert record["scope"]["region"] == "eu-west-1" and record["outputs"]["name"] == "c"
    assert [p.name for p in state_path.parent.iterdir()] == ["dev.json"]  # no temp file left


async def test_a_failed_write_leaves_the_previous_state_file_whole(
    make: Factory, state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller, _ = make()
    await controller.run(EnsureProvisioned())
    before = state_path.read_text()
    state = DeploymentStateFile(state_path)
    state.record("a").status = "failed"

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        state.save()
    monkeypatch.undo()
    assert state_path.read_text() == before
    assert [p.name for p in state_path.parent.iterdir()] == ["dev.json"]


async def test_the_running_marker_and_deployment_id_are_saved_before_waiting(
    make: Factory, cloud: FakeCloud, state_path: Path
) -> None:
    cloud.hold("a")
    controller, _ = make()
    done = controller.submit(EnsureProvisioned())
    await wait_until(lambda: state_path.exists() and "a" in json.loads(state_path.read_text())["resources"])
    on_disk = json.loads(state_path.read_text())["resources"]["a"]
    assert on_disk["status"] == "running"
    assert on_disk["deployment_id"] == cloud.running("a")[0].id
    cloud.release("a")
    await done


async def test_identity_metadata_is_stamped_before_the_first_cloud_call(make: Factory) -> None:
    specs = [ResourceSpec("a", "fake:bucket", {})]
    controller, backend = make(specs)
    backend.reject["a"] = "AccessDenied: not authorized to perform cloudformation:CreateStack"
    seen: list[dict[str, str]] = []
    controller.board.subscribe(lambda e: seen.append(dict(e.identity)) if e.name == "a" else None)
    result = await controller.run(EnsureProvisioned())
    status = controller.board.resources["a"]
    assert status.state is ProvisioningState.FAILED_TO_PROVISION
    assert "AccessDenied" in status.message and isinstance(result.failed["a"], PermanentError)
    assert status.identity == {
        "account": "111122223333",
        "region": "eu-west-1",
        "group": "app-dev",
        "deployment": "app-dev-a",
    }
    assert seen[0] == status.identity  # the very first event already carries it
