"""Drift in a running app host: a cloud resource deleted out of band shows ``Missing in cloud``
(Running, Unhealthy) within one drift interval and its environment ``Drifted``; the resource's
``reprovision`` command restores both. A backend that cannot be built fails the environment and
its resources instead of leaving them Starting."""

from __future__ import annotations

import sys

from pyspire import DistributedApplication, testing
from pyspire.errors import ConfigurationError
from pyspire.provisioning import Scope, add_cloud_environment
from tests.provisioning.app_helpers import until
from tests.provisioning.fake_backend import FakeCloud
from tests.provisioning.tiny_cloud import add_tiny_environment


async def test_a_bucket_deleted_out_of_band_is_missing_in_cloud_the_environment_drifted_and_reprovision_restores(tmp_path):
    cloud = FakeCloud()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    env = add_tiny_environment(b, "tiny", cloud, account="111122223333", region="eu-west-1", group="app-dev")
    env.resource.drift_interval = 0.2
    env.add_tiny_bucket("bucket")
    async with testing.start(b) as app:
        await until(app, "bucket", lambda s: s.state_message == "Provisioned")
        cloud.delete_out_of_band("bucket", "eu-west-1")
        missing = await until(app, "bucket", lambda s: (s.state_message or "").startswith("Missing in cloud"), timeout=5)
        assert missing.state == "Running" and missing.health_status == "Unhealthy"
        drifted = await until(app, "tiny", lambda s: (s.state_message or "").startswith("Drifted"))
        assert drifted.health_status == "Unhealthy"
        result = await app.execute_command("bucket", "reprovision")
        assert result.success, result
        assert (await until(app, "bucket", lambda s: s.state_message == "Provisioned")).health_status == "Healthy"
        assert (await until(app, "tiny", lambda s: s.state_message == "Ready")).state == "Running"
        assert ("bucket", "eu-west-1") in cloud.resources


async def test_an_environment_whose_backend_cannot_be_built_fails_with_its_resources_and_the_app_runs_on(tmp_path):
    def no_backend(scope: Scope) -> object:
        raise ConfigurationError("no credentials in the SDK's chain: set AWS_PROFILE")

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    env = add_cloud_environment(b, "broken", no_backend, region="eu-west-1")  # type: ignore[arg-type]
    env.add_cloud_resource("bucket", "x:bucket", {}, outputs=("name",))
    b.add_executable("other", sys.executable, ".", "-c", "import time; print('up', flush=True); time.sleep(60)")
    async with testing.start(b) as app:
        await app.wait_for_log("other", "up")
        shown = await until(app, "broken", lambda s: s.state == "FailedToStart")
        assert "AWS_PROFILE" in (shown.state_message or "")
        bucket = await until(app, "bucket", lambda s: s.state == "FailedToStart")
        assert "AWS_PROFILE" in (bucket.state_message or "")
