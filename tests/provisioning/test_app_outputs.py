"""Cloud resources in an app host (real app host, real processes, the fake cloud behind the
Backend protocol): outputs reach a process's environment through ``with_reference``, and a
second run reuses the cached state without calling the cloud."""

from __future__ import annotations

import sys
from pathlib import Path

from pyspire import DistributedApplication, testing
from tests.provisioning.fake_backend import FakeCloud
from tests.provisioning.tiny_cloud import add_tiny_environment

PRINT = (
    "import os, time; print('got', os.environ['ConnectionStrings__bucket'], os.environ['BUCKET_REGION'],"
    " os.environ['BUCKET_ACCOUNT'], flush=True); time.sleep(3600)"
)


def _app(tmp_path: Path, cloud: FakeCloud) -> DistributedApplication:
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    region = b.add_parameter("tiny-region", value="eu-west-1")
    env = add_tiny_environment(b, "tiny", cloud, account="111122223333", region=region, group="app-dev")
    bucket = env.add_tiny_bucket("bucket")
    b.add_executable("worker", sys.executable, ".", "-c", PRINT).with_reference(bucket).wait_for(
        bucket
    ).with_stop_grace_period(1)
    return b.build()


async def test_outputs_of_a_provisioned_bucket_reach_a_process_env_and_a_second_run_makes_no_cloud_call(tmp_path):
    cloud = FakeCloud()
    async with testing.start(_app(tmp_path, cloud)) as app:
        line = await app.wait_for_log("worker", "got ")
        assert line.text.split() == ["got", "bucket", "eu-west-1", "111122223333"]
        bucket = app.resource("bucket")
        assert bucket.state == "Running" and bucket.state_message == "Provisioned"
        props = dict(bucket.properties)
        assert props["account"] == "111122223333" and props["region"] == "eu-west-1"
        assert props["group"] == "app-dev" and props["deployment_id"].startswith("dep-")
        assert props["output.name"] == "bucket"
        env = app.resource("tiny")
        assert env.state == "Running" and env.state_message == "Ready", env
    assert cloud.deploy_count("bucket") == 1

    async with testing.start(_app(tmp_path, cloud)) as app:
        line = await app.wait_for_log("worker", "got ")
        assert line.text.split()[1] == "bucket"
        assert app.resource("bucket").state_message == "Provisioned"
    second = cloud.clients[-1]
    assert len(cloud.clients) == 2
    assert [op for op, _ in second.calls if op != "exists"] == [], second.calls
    assert cloud.deploy_count("bucket") == 1
