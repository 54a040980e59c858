"""AWS in apphost.py against moto's server: a process referencing a queue and a bucket uses boto3
with what it was given (names, URLs, region, endpoint; credentials from its own chain); a second
app host on the cached state makes no AWS call at all; a missing region gives the environment a
clear state while another process runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pyspire import DistributedApplication, testing
from tests.provisioning.app_helpers import until
from tests.provisioning.aws.app_fixtures import WORKER
from tests.provisioning.aws.conftest import REGION, CallLog


def _app(tmp_path: Path, moto: str) -> DistributedApplication:
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    aws = b.add_aws_environment("aws", region=REGION, stack_prefix="app-dev", endpoint_url=moto, poll_interval=0.05)
    queue = aws.add_sqs_queue("queue", visibility_timeout=45)
    bucket = aws.add_s3_bucket("bucket")
    table = aws.add_dynamodb_table("table")
    b.add_executable("worker", sys.executable, ".", "-c", WORKER).with_reference(queue).with_reference(bucket).with_reference(
        table
    ).wait_for(queue).wait_for(bucket)
    return b.build()


def _provisioned(s: object) -> bool:
    return getattr(s, "state_message", None) == "Provisioned"


async def test_a_process_referencing_a_queue_and_a_bucket_sends_and_puts_with_boto3_and_gets_no_credentials(
    tmp_path, moto, clients, aws_calls: CallLog
):
    async with testing.start(_app(tmp_path, moto)) as app:
        await app.wait_for_log("worker", "sent hello", timeout=30)
        said = app.log_text("worker")
    assert "sent hello to app-dev-queue put greeting.txt in app-dev-bucket" in said, said
    message = clients.client("sqs").receive_message(
        QueueUrl=clients.client("sqs").get_queue_url(QueueName="app-dev-queue")["QueueUrl"]
    )
    assert [m["Body"] for m in message["Messages"]] == ["hello"]
    assert clients.client("s3").get_object(Bucket="app-dev-bucket", Key="greeting.txt")["Body"].read() == b"hi"
    assert "GetCallerIdentity" in aws_calls.names("sts"), "a cold start without an account asks STS once"


async def test_the_variables_a_referencing_process_gets_name_the_resources_and_the_endpoint_and_no_credential(tmp_path, moto):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    aws = b.add_aws_environment("aws", region=REGION, stack_prefix="app-dev", endpoint_url=moto, poll_interval=0.05)
    queue, bucket, table = aws.add_sqs_queue("queue"), aws.add_s3_bucket("bucket"), aws.add_dynamodb_table("table")
    dump = "import os, json; print('ENV', json.dumps(dict(os.environ)), flush=True); import time; time.sleep(60)"
    b.add_executable("dump", sys.executable, ".", "-c", dump).with_reference(queue).with_reference(bucket).with_reference(
        table
    ).wait_for(queue).wait_for(bucket).wait_for(table)
    async with testing.start(b) as app:
        line = await app.wait_for_log("dump", "ENV", timeout=30)
        shown = json.dumps([[s.state_message, list(s.properties)] for s in app.resources()])
        async with app.api_client() as http:
            shown += (await http.get("/v1/provisioning/environments")).text
    env = json.loads(line.text.split("ENV ", 1)[1])
    assert env["QUEUE_URL"].endswith("/app-dev-queue") and env["ConnectionStrings__queue"] == env["QUEUE_URL"]
    assert env["QUEUE_NAME"] == "app-dev-queue" and env["QUEUE_ARN"].startswith("arn:aws:sqs:eu-west-1:")
    assert env["BUCKET_NAME"] == "app-dev-bucket" == env["ConnectionStrings__bucket"]
    assert env["BUCKET_ARN"] == "arn:aws:s3:::app-dev-bucket"
    assert env["TABLE_NAME"] == "app-dev-table" and env["TABLE_ARN"].startswith("arn:aws:dynamodb:eu-west-1:")
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"], env["AWS_ENDPOINT_URL"]) == (REGION, REGION, moto)
    given = {k: v for k, v in env.items() if k.startswith(("QUEUE_", "BUCKET_", "TABLE_", "ConnectionStrings__"))}
    assert not any("testing" in v for v in given.values()), "no credential among what the references gave"
    assert "testing-secret-value" not in shown and "AWS_SECRET_ACCESS_KEY" not in shown


async def test_a_second_app_host_on_the_cached_state_makes_no_aws_call_at_all(tmp_path, moto, aws_calls: CallLog):
    async with testing.start(_app(tmp_path, moto)) as app:
        await app.wait_for_log("worker", "sent hello", timeout=30)
    cold = len(aws_calls.names("cloudformation"))
    assert cold > 0
    aws_calls.calls.clear()
    async with testing.start(_app(tmp_path, moto)) as app:
        for name in ("queue", "bucket", "table"):
            await until(app, name, _provisioned)
        await app.wait_for_log("worker", "sent hello", timeout=30)
        assert app.resource("aws").state_message == "Ready"
        assert dict(app.resource("bucket").properties)["account"] == "123456789012"
    assert aws_calls.calls == [], aws_calls.calls


async def test_a_missing_region_gives_the_environment_missing_configuration_while_another_process_runs_until_it_is_set(
    tmp_path, moto, clients
):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    aws = b.add_aws_environment("aws", stack_prefix="app-dev", endpoint_url=moto)
    aws.add_s3_bucket("bucket")
    b.add_executable("other", sys.executable, ".", "-c", "import time; print('up', flush=True); time.sleep(60)")
    async with testing.start(b) as app:
        await app.wait_for_log("other", "up")
        env = await until(app, "aws", lambda s: s.state == "ValueMissing")
        assert env.state_message == "Missing configuration: set Parameters__aws-region"
        bucket = await until(app, "bucket", lambda s: s.state == "ValueMissing")
        assert "Parameters__aws-region" in (bucket.state_message or "")
        assert app.resource("other").state == "Running"
        assert clients.client("cloudformation").list_stacks()["StackSummaries"] == []

        async with app.api_client() as http:
            answer = await http.put("/v1/parameters/aws-region", json={"value": REGION})
        assert answer.status_code == 200, answer.text
        bucket = await until(app, "bucket", _provisioned, timeout=30)
        assert (dict(bucket.properties)["region"], dict(bucket.properties)["account"]) == (REGION, "123456789012")
        assert (await until(app, "aws", lambda s: s.state == "Running")).state_message == "Ready"
    clients.client("s3").head_bucket(Bucket="app-dev-bucket")
