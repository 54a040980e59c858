"""Crash safety and the cloud's failure modes: an app host killed mid-deployment is followed by one
that re-attaches (one deploy in all); a conflicting active deployment is waited for; transient
errors are retried; an asynchronous failure shows the cloud's error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyspire.errors import TemporaryError
from pyspire.provisioning import DeploymentFailed, EnsureProvisioned, ProvisioningState, ResourceSpec
from tests.provisioning.conftest import SCOPE, Factory
from tests.provisioning.fake_backend import FakeCloud, wait_until


async def kill_mid_deployment(make: Factory, cloud: FakeCloud, state_path: Path) -> dict[str, Any]:
    """Start provisioning with a's deployment held, then drop the app host once a's record is on
    disk; what is on disk then is what a SIGKILL leaves. Returns a's saved record."""
    cloud.hold("a")
    killed, _ = make()
    killed.submit(EnsureProvisioned())
    await wait_until(lambda: state_path.exists() and json.loads(state_path.read_text())["resources"].get("a"))
    await killed.stop()
    record: dict[str, Any] = json.loads(state_path.read_text())["resources"]["a"]
    return record


async def test_an_app_host_killed_mid_deployment_is_followed_by_one_that_reattaches_not_redeploys(
    make: Factory, cloud: FakeCloud, state_path: Path
) -> None:
    saved = await kill_mid_deployment(make, cloud, state_path)
    assert saved["status"] == "running" and saved["deployment_id"] == cloud.running("a")[0].id
    next_host, backend = make()
    done = next_host.submit(EnsureProvisioned())
    await wait_until(lambda: ("attach", "a") in backend.calls)
    assert next_host.board.resources["a"].state is ProvisioningState.WAITING_FOR_DEPLOYMENT
    cloud.release("a")
    result = await done
    assert cloud.deploy_count("a") == 1 and backend.count("deploy", "a") == 0
    assert result.outputs["a"].values["deployment"] == saved["deployment_id"]
    assert next_host.board.resources["a"].state is ProvisioningState.PROVISIONED


async def test_a_running_deployment_the_cloud_no_longer_knows_is_deployed_again(
    make: Factory, cloud: FakeCloud, state_path: Path
) -> None:
    await kill_mid_deployment(make, cloud, state_path)
    cloud.deployments.clear()
    cloud.release("a")
    next_host, backend = make()
    result = await next_host.run(EnsureProvisioned())
    assert backend.count("attach", "a") == 1 and backend.count("deploy", "a") == 1 and not result.failed


async def test_a_conflicting_active_deployment_is_waited_for_then_replaced_by_ours(
    make: Factory, cloud: FakeCloud
) -> None:
    cloud.hold("a")
    foreign = cloud.start("a", SCOPE, None, foreign=True)  # e.g. a teammate's, or a console click
    controller, backend = make([ResourceSpec("a", "fake:bucket", {})])
    done = controller.submit(EnsureProvisioned())
    await wait_until(lambda: ("attach", "a") in backend.calls)
    assert cloud.deploy_count("a") == 0
    cloud.release("a")
    result = await done
    assert foreign.status == "succeeded" and cloud.deploy_count("a") == 1
    assert result.outputs["a"].values["deployment"] != foreign.id


async def test_transient_errors_are_retried_and_the_deployment_succeeds(make: Factory) -> None:
    controller, backend = make([ResourceSpec("a", "fake:bucket", {})])
    backend.transient[("deploy", "a")] = 2
    backend.transient[("wait", "a")] = 1
    result = await controller.run(EnsureProvisioned())
    assert not result.failed
    assert backend.count("deploy", "a") == 3 and backend.count("attach", "a") == 1


async def test_transient_errors_past_the_attempts_fail_with_the_clouds_message(make: Factory) -> None:
    controller, backend = make([ResourceSpec("a", "fake:bucket", {})])
    backend.transient[("deploy", "a")] = 5
    result = await controller.run(EnsureProvisioned())
    assert isinstance(result.failed["a"], DeploymentFailed)
    status = controller.board.resources["a"]
    assert status.state is ProvisioningState.FAILED_TO_PROVISION and "throttled" in status.message
    assert backend.count("deploy", "a") == 3


async def test_an_asynchronous_failure_after_the_cloud_accepted_the_deployment_shows_the_clouds_error(
    make: Factory, cloud: FakeCloud, state_path: Path
) -> None:
    cloud.fail_next("a", "InvalidTemplate: bucket name must be lowercase")
    controller, _ = make([ResourceSpec("a", "fake:bucket", {})])
    result = await controller.run(EnsureProvisioned())
    assert "InvalidTemplate" in str(result.failed["a"])
    status = controller.board.resources["a"]
    assert status.state is ProvisioningState.FAILED_TO_PROVISION and "InvalidTemplate" in status.message
    assert status.identity["deployment_id"].startswith("dep-")
    record = json.loads(state_path.read_text())["resources"]["a"]
    assert record["status"] == "failed" and "InvalidTemplate" in record["error"]


async def test_a_transient_error_while_waiting_out_a_conflicting_deployment_still_shows_a_failure(
    make: Factory, cloud: FakeCloud
) -> None:
    cloud.hold("a")
    cloud.start("a", SCOPE, None, foreign=True)
    controller, backend = make([ResourceSpec("a", "fake:bucket", {})])

    async def flaky_attach(deployment_id: str, resource: str, scope: object) -> object:
        raise TemporaryError("attach a: connection reset")

    backend.attach = flaky_attach  # type: ignore[method-assign,assignment]
    result = await controller.run(EnsureProvisioned())
    assert isinstance(result.failed["a"], TemporaryError)
    status = controller.board.resources["a"]
    assert status.state is ProvisioningState.FAILED_TO_PROVISION and "connection reset" in status.message
