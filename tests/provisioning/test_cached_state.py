"""Deployment state is cached with checksums: an unchanged resource is not redeployed, a changed
template is, a per-user parameter is not part of the checksum, and only a cache whose last state
succeeded and whose outputs parse is reused."""

from __future__ import annotations

import json
from pathlib import Path

from pyspire.provisioning import EnsureProvisioned, ProvisioningState, ResourceSpec
from tests.provisioning.conftest import Factory, chain_specs
from tests.provisioning.fake_backend import FakeCloud


async def test_a_second_run_reuses_cached_state_without_calling_the_backend(make: Factory, cloud: FakeCloud) -> None:
    first, _ = make()
    cold = await first.run(EnsureProvisioned())
    await first.stop()
    second, backend = make()
    warm = await second.run(EnsureProvisioned())
    assert backend.calls == []
    assert {n: o.values for n, o in warm.outputs.items()} == {n: o.values for n, o in cold.outputs.items()}
    assert {s.state for s in second.board.resources.values()} == {ProvisioningState.PROVISIONED}
    assert second.board.resources["b"].identity["deployment_id"] == cold.outputs["b"].values["deployment"]


async def test_a_changed_template_redeploys_that_resource_only(make: Factory, cloud: FakeCloud) -> None:
    first, _ = make()
    await first.run(EnsureProvisioned())
    await first.stop()
    specs = chain_specs()
    specs[0] = ResourceSpec("a", "fake:bucket", {"type": "bucket", "versioning": True})
    second, backend = make(specs)
    await second.run(EnsureProvisioned())
    assert backend.count("deploy") == 1 and backend.count("deploy", "a") == 1


async def test_a_changed_per_user_parameter_does_not_redeploy(make: Factory) -> None:
    specs = [ResourceSpec("a", "fake:bucket", {"type": "bucket"}, {"principalId": "alice", "size": 1})]
    first, _ = make(specs)
    await first.run(EnsureProvisioned())
    await first.stop()
    specs = [ResourceSpec("a", "fake:bucket", {"type": "bucket"}, {"principalId": "bob", "size": 1})]
    second, backend = make(specs)
    await second.run(EnsureProvisioned())
    assert backend.calls == []
    specs = [ResourceSpec("a", "fake:bucket", {"type": "bucket"}, {"principalId": "bob", "size": 2})]
    third, backend3 = make(specs)
    await third.run(EnsureProvisioned())
    assert backend3.count("deploy", "a") == 1  # an ordinary parameter is part of the checksum


async def test_cached_outputs_that_do_not_parse_are_not_reused(make: Factory, state_path: Path) -> None:
    first, _ = make()
    await first.run(EnsureProvisioned())
    await first.stop()
    data = json.loads(state_path.read_text())
    data["resources"]["a"]["outputs"] = {"name": 42}
    state_path.write_text(json.dumps(data))
    second, backend = make()
    await second.run(EnsureProvisioned())
    assert [c for c in backend.calls if c[0] == "deploy"] == [("deploy", "a")]


async def test_a_resource_whose_last_deployment_failed_is_deployed_again(make: Factory, cloud: FakeCloud) -> None:
    cloud.fail_next("a", "InternalError")
    first, _ = make()
    await first.run(EnsureProvisioned())
    await first.stop()
    second, backend = make()
    result = await second.run(EnsureProvisioned())
    assert [c for c in backend.calls if c[0] == "deploy"] == [("deploy", "a")]
    assert not result.failed


async def test_a_redeployed_prerequisite_whose_referenced_output_is_unchanged_leaves_its_dependent_cached(make: Factory, cloud: FakeCloud) -> None:
    first, _ = make()
    await first.run(EnsureProvisioned())
    await first.stop()
    specs = chain_specs()
    specs[1] = ResourceSpec("b", "fake:queue", {"type": "queue"}, {"fifo": True})
    second, backend = make(specs)
    await second.run(EnsureProvisioned())
    # b's outputs now carry the new parameter, but c takes only b's name: c stays cached
    assert backend.count("deploy", "b") == 1 and backend.count("deploy", "c") == 0


async def test_secret_outputs_are_kept_for_the_app_and_masked_for_display(make: Factory, state_path: Path) -> None:
    specs = [ResourceSpec("a", "fake:storage", {"secret": True}, secret_outputs=frozenset({"account"}))]
    controller, _ = make(specs)
    outputs = (await controller.run(EnsureProvisioned())).outputs["a"]
    assert outputs.secrets == {"account", "deployment"}  # the spec's and the backend's
    assert outputs.values["account"] == "111122223333"
    assert outputs.masked()["account"] == "***" and outputs.masked()["name"] == "a"
    await controller.stop()
    again, backend = make(specs)
    cached = (await again.run(EnsureProvisioned())).outputs["a"]
    assert backend.calls == [] and cached.secrets == outputs.secrets
