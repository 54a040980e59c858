"""The recovery commands on AWS resources in a running app host, against moto's server: a bucket
deleted out of band with boto3 shows ``Missing in cloud`` within the (small) drift interval and the
``reprovision`` command through the control API restores it; ``delete-all`` removes every stack;
a CloudFormation stack whose parameter is another resource's output is provisioned after it."""

from __future__ import annotations

import sys
from pathlib import Path

from pyspire import DistributedApplication, testing
from tests.provisioning.app_helpers import until
from tests.provisioning.aws.conftest import REGION, CallLog


def _provisioned(s: object) -> bool:
    return getattr(s, "state_message", None) == "Provisioned"


TOPIC = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"ResourceName": {"Type": "String"}, "QueueArn": {"Type": "String"}},
    "Resources": {
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": {"Ref": "ResourceName"}, "Tags": [{"Key": "queue", "Value": {"Ref": "QueueArn"}}]},
        },
    },
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}, "SubscribedQueue": {"Value": {"Ref": "QueueArn"}}},
}


def _builder(tmp_path: Path, moto: str) -> DistributedApplication:
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    aws = b.add_aws_environment("aws", region=REGION, stack_prefix="app-dev", endpoint_url=moto, drift_interval=0.3, poll_interval=0.05)
    aws.add_s3_bucket("bucket", versioned=True)
    queue = aws.add_sqs_queue("queue")
    aws.add_cloudformation_stack("topic", TOPIC, parameters={"QueueArn": queue.output_ref("QueueArn")})
    return b.build()


async def test_a_bucket_deleted_out_of_band_is_missing_in_cloud_and_reprovision_through_the_api_restores_it(tmp_path, moto, clients):
    async with testing.start(_builder(tmp_path, moto)) as app:
        await until(app, "bucket", _provisioned, timeout=30)
        clients.client("s3").delete_bucket(Bucket="app-dev-bucket")
        missing = await until(app, "bucket", lambda s: (s.state_message or "").startswith("Missing in cloud"), timeout=10)
        assert missing.health_status == "Unhealthy"
        assert (await until(app, "aws", lambda s: (s.state_message or "").startswith("Drifted"))).health_status == "Unhealthy"
        async with app.api_client() as http:
            answer = await http.post("/v1/resources/bucket/commands/reprovision", timeout=30)
        assert answer.status_code == 200 and answer.json()["success"] is True, answer.text
        assert (await until(app, "bucket", _provisioned)).health_status == "Healthy"
        clients.client("s3").head_bucket(Bucket="app-dev-bucket")
        assert (await until(app, "aws", lambda s: s.state_message == "Ready")).state == "Running"


async def test_a_template_taking_a_queue_arn_is_provisioned_after_the_queue_with_its_outputs(tmp_path, moto, clients):
    async with testing.start(_builder(tmp_path, moto)) as app:
        topic = await until(app, "topic", _provisioned, timeout=30)
        queue = await until(app, "queue", _provisioned)
        props = dict(topic.properties)
        assert props["output.SubscribedQueue"] == dict(queue.properties)["output.QueueArn"]
        assert props["output.TopicArn"].endswith(":app-dev-topic")


async def test_delete_all_removes_every_stack_and_its_resources(tmp_path, moto, clients, aws_calls: CallLog):
    async with testing.start(_builder(tmp_path, moto)) as app:
        for name in ("bucket", "queue", "topic"):
            await until(app, name, _provisioned, timeout=30)
        clients.client("s3").put_object(Bucket="app-dev-bucket", Key="left.txt", Body=b"x")
        result = await app.execute_command("aws", "delete-all")
        assert result.success, result
        for name in ("bucket", "queue", "topic"):
            assert (await until(app, name, lambda s: s.state_message == "Deleted")).state == "Exited"
    cfn = clients.client("cloudformation")
    live = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert live == []
    assert "app-dev-bucket" not in [b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]]
    assert aws_calls.names("cloudformation").count("DeleteStack") == 3


async def test_a_process_restarted_after_change_location_gets_the_new_region_in_aws_region(tmp_path, moto, clients):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    aws = b.add_aws_environment("aws", region=REGION, stack_prefix="app-dev", endpoint_url=moto, poll_interval=0.05)
    bucket = aws.add_s3_bucket("bucket")
    say = "import os, time; print('REGION', os.environ['AWS_REGION'], os.environ['AWS_DEFAULT_REGION'], flush=True); time.sleep(60)"
    b.add_executable("dump", sys.executable, ".", "-c", say).with_reference(bucket).wait_for(bucket)
    async with testing.start(b) as app:
        await app.wait_for_log("dump", f"REGION {REGION} {REGION}", timeout=30)
        moved = await app.execute_command("bucket", "change-location", {"region": "us-east-2"})
        assert moved.success, moved
        await until(app, "bucket", lambda s: _provisioned(s) and dict(s.properties)["region"] == "us-east-2", timeout=30)
        assert (await app.execute_command("dump", "restart")).success
        await app.wait_for_log("dump", "REGION us-east-2 us-east-2", timeout=30)
    assert clients.client("s3").get_bucket_location(Bucket="app-dev-bucket")["LocationConstraint"] == "us-east-2"
