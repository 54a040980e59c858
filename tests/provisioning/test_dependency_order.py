"""Within a pass resources fan out concurrently in dependency order: a resource starts as soon as its
own prerequisites are done, and a failed prerequisite fails its dependents naming the cause."""

from __future__ import annotations

import pytest

from pyspire.provisioning import (
    DependencyCycle,
    EnsureProvisioned,
    OutputRef,
    PrerequisiteFailed,
    ProvisioningState,
    ResourceSpec,
    UnknownCloudResource,
)
from tests.provisioning.conftest import SCOPE, Factory
from tests.provisioning.fake_backend import FakeBackend, FakeCloud, wait_until


async def test_a_dependent_starts_once_its_own_prerequisite_finishes_while_an_unrelated_one_still_runs(
    make: Factory, cloud: FakeCloud
) -> None:
    cloud.hold("a")
    controller, _ = make()
    done = controller.submit(EnsureProvisioned())
    await wait_until(lambda: "deploy c" in cloud.log)
    assert cloud.log.index("done b") < cloud.log.index("deploy c")
    assert "done a" not in cloud.log  # a is still deploying: c did not wait for the whole pass
    assert controller.board.resources["c"].state is ProvisioningState.PROVISIONED
    assert controller.board.resources["a"].state is ProvisioningState.WAITING_FOR_DEPLOYMENT
    cloud.release("a")
    result = await done
    assert set(result.outputs) == {"a", "b", "c"} and not result.failed


async def test_a_dependent_receives_its_prerequisites_output_as_a_parameter(make: Factory) -> None:
    controller, _ = make()
    result = await controller.run(EnsureProvisioned())
    assert result.outputs["c"].values["param_queue"] == result.outputs["b"].values["name"] == "b"


async def test_a_failed_prerequisite_fails_its_dependents_naming_the_cause(make: Factory, cloud: FakeCloud) -> None:
    cloud.fail_next("b", "QueueAlreadyExists: name taken in another account")
    controller, _ = make()
    result = await controller.run(EnsureProvisioned())
    assert set(result.outputs) == {"a"}
    blocked = result.failed["c"]
    assert isinstance(blocked, PrerequisiteFailed) and blocked.prerequisite == "b"
    assert "QueueAlreadyExists" in str(blocked.cause)
    c = controller.board.resources["c"]
    assert c.state is ProvisioningState.FAILED_TO_PROVISION
    assert "prerequisite b" in c.message and "QueueAlreadyExists" in c.message
    assert controller.board.resources["b"].state is ProvisioningState.FAILED_TO_PROVISION
    assert "QueueAlreadyExists" in controller.board.resources["b"].message
    assert cloud.deploy_count("c") == 0


async def test_each_resources_completion_completes_exactly_once_succeeded_or_failed(
    make: Factory, cloud: FakeCloud
) -> None:
    cloud.fail_next("a", "quota exceeded")
    controller, _ = make()
    completions = {n: controller.completion(n) for n in ("a", "b", "c")}
    calls: dict[str, int] = {n: 0 for n in completions}
    for n, f in completions.items():
        f.add_done_callback(lambda _f, n=n: calls.__setitem__(n, calls[n] + 1))
    await controller.run(EnsureProvisioned())
    assert calls == {"a": 1, "b": 1, "c": 1}
    assert isinstance(completions["a"].exception(), Exception)
    assert completions["c"].result().values["param_queue"] == "b"


async def test_a_dependency_cycle_is_refused_when_the_controller_is_built(tmp_path: object) -> None:
    specs = [
        ResourceSpec("x", "fake", {}, {"p": OutputRef("y", "name")}),
        ResourceSpec("y", "fake", {}, {"p": OutputRef("x", "name")}),
    ]
    from pyspire.provisioning import ProvisioningController

    with pytest.raises(DependencyCycle, match="x -> y -> x"):
        ProvisioningController(SCOPE, specs, FakeBackend(FakeCloud()), tmp_path / "s.json")  # type: ignore[operator]
    with pytest.raises(UnknownCloudResource, match="z"):
        ProvisioningController(
            SCOPE, [ResourceSpec("x", "fake", {}, depends_on=("z",))], FakeBackend(FakeCloud()), tmp_path / "s.json"  # type: ignore[operator]
        )
