"""What the user sees of cloud resources in a running app host: missing configuration says what to
set while the rest of the app runs (and provisioning starts once it is set); a failed deployment
fails its dependents, naming the cause; a secret output is masked in the API, ``describe`` and logs."""

from __future__ import annotations

import json
import sys

from pyspire import DistributedApplication, testing
from tests.provisioning.app_helpers import pyspire_cli, until
from tests.provisioning.fake_backend import FakeCloud
from tests.provisioning.tiny_cloud import add_tiny_environment

SLEEP = "import time; print('up', flush=True); time.sleep(3600)"


async def test_missing_configuration_names_the_setting_while_another_process_runs_then_provisions_once_set(tmp_path):
    cloud = FakeCloud()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    region = b.add_parameter("tiny-region")
    env = add_tiny_environment(b, "tiny", cloud, account="111122223333", region=region, group="app-dev")
    env.add_tiny_bucket("bucket")
    b.add_executable("other", sys.executable, ".", "-c", SLEEP).with_stop_grace_period(1)
    async with testing.start(b) as app:
        await app.wait_for_log("other", "up")
        shown = await until(app, "tiny", lambda s: s.state == "ValueMissing")
        assert shown.state_message == "Missing configuration: set Parameters__tiny-region", shown
        bucket = await until(app, "bucket", lambda s: s.state == "ValueMissing")
        assert bucket.state_message == "Missing configuration: set Parameters__tiny-region"
        assert app.resource("other").state == "Running"
        assert cloud.deploy_count() == 0

        async with app.api_client() as http:
            answer = await http.put("/v1/parameters/tiny-region", json={"value": "eu-central-1"})
        assert answer.status_code == 200, answer.text
        bucket = await until(app, "bucket", lambda s: s.state_message == "Provisioned")
        assert dict(bucket.properties)["region"] == "eu-central-1"
        assert (await until(app, "tiny", lambda s: s.state == "Running")).state_message == "Ready"


async def test_a_failed_deployment_fails_the_cloud_resource_and_process_that_depend_on_it_naming_the_cause(tmp_path):
    cloud = FakeCloud()
    cloud.fail_next("bucket", "AccessDenied: not allowed to s3:CreateBucket")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    env = add_tiny_environment(b, "tiny", cloud, account="111122223333", region="eu-west-1", group="app-dev")
    bucket = env.add_tiny_bucket("bucket")
    box = env.add_tiny_bucket("box", source=bucket.output_ref("name"))
    b.add_executable("worker", sys.executable, ".", "-c", SLEEP).wait_for(box).with_stop_grace_period(1)
    b.add_executable("other", sys.executable, ".", "-c", SLEEP).with_stop_grace_period(1)
    async with testing.start(b) as app:
        failed = await until(app, "bucket", lambda s: s.state == "FailedToStart")
        assert failed.state_message == "Failed to provision: bucket: AccessDenied: not allowed to s3:CreateBucket"
        identity = dict(failed.properties)
        assert (identity["account"], identity["region"], identity["group"]) == ("111122223333", "eu-west-1", "app-dev")
        assert identity["deployment"] == "app-dev-bucket", "stamped before the cloud was called"
        box_shown = await until(app, "box", lambda s: s.state == "FailedToStart")
        assert "prerequisite bucket failed to provision" in (box_shown.state_message or "")
        assert "AccessDenied" in (box_shown.state_message or "")
        worker = await until(app, "worker", lambda s: s.state == "FailedToStart")
        assert "'box'" in (worker.state_message or ""), worker.state_message
        await app.wait_for_log("other", "up")
        assert cloud.deploy_count("box") == 0
        env_shown = app.resource("tiny")
        assert env_shown.state_message == "Failed" and env_shown.health_status == "Unhealthy"


PRINT_SECRET = (
    "import os, time; v = os.environ['VAULT_DEPLOYMENT']; print('secret', v, 'length', len(v), v[::-1], flush=True);"
    " time.sleep(3600)"
)


async def test_a_secret_output_is_masked_in_the_api_describe_and_logs_but_reaches_the_process_whole(tmp_path):
    cloud = FakeCloud()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    env = add_tiny_environment(b, "tiny", cloud, account="111122223333", region="eu-west-1", group="app-dev")
    vault = env.add_tiny_bucket("vault", secret=True)
    b.add_executable("reader", sys.executable, ".", "-c", PRINT_SECRET).with_reference(vault).with_stop_grace_period(1)
    async with testing.start(b) as app:
        line = await app.wait_for_log("reader", "secret")
        secret = next(d.id for d in cloud.deployments.values() if d.resource == "vault")
        assert secret not in app.log_text("reader"), "the process's log line is masked"
        assert line.text.split()[-1] == secret[::-1], "the process got the value whole"
        assert line.text.split()[-2] == str(len(secret))
        async with app.api_client() as http:
            listed = (await http.get("/v1/resources")).text
            logs = (await http.get("/v1/resources/reader/logs")).text
        described = await pyspire_cli("describe", "vault", "--format", "json", cwd=tmp_path)
        described += await pyspire_cli("describe", "reader", "--format", "json", cwd=tmp_path)
        assert "output.deployment" in described and "VAULT_DEPLOYMENT" in described
        for where, text in (("API", listed), ("logs API", logs), ("describe", described)):
            assert secret not in text, f"{where} shows the secret output"
        assert "output.deployment" in listed and json.loads(listed)
