"""The CloudFormation backend through the real provisioning controller, against moto's server
mode with real boto3 clients: stacks created in dependency order, outputs that work, the cache,
updates, deletes, drift and CloudFormation's own failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pyspire.provisioning import (
    Delete,
    DeleteAll,
    EnsureProvisioned,
    EnvironmentState,
    OutputRef,
    ProvisioningState,
    Reprovision,
)
from pyspire.provisioning.aws import (
    AwsClients,
    AwsEnvironment,
    cloudformation_template,
    dynamodb_table,
    s3_bucket,
    sqs_queue,
)
from pyspire.provisioning.spec import ResourceSpec
from tests.provisioning.aws.conftest import Make
from tests.provisioning.fake_backend import ManualClock, wait_until


def app_specs(visibility_timeout: int = 30) -> list[ResourceSpec]:
    """A bucket; a dead-letter queue and a work queue redriving to it; a table with a stream; and a
    generic template taking the bucket's name and the queue's URL as parameters."""
    config = {
        "Parameters": {
            "ResourceName": {"Type": "String"},
            "Bucket": {"Type": "String"},
            "Queue": {"Type": "String"},
        },
        "Resources": {
            "Config": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": {"Fn::Sub": "/${ResourceName}/wiring"},
                    "Type": "String",
                    "Value": {"Fn::Sub": "${Bucket} ${Queue}"},
                },
            }
        },
        "Outputs": {
            "ParameterName": {"Value": {"Ref": "Config"}},
            "Wired": {"Value": {"Fn::Sub": "${Bucket} ${Queue}"}},
        },
    }
    return [
        cloudformation_template(
            "config",
            config,
            {"Bucket": OutputRef("uploads", "BucketName"), "Queue": OutputRef("jobs", "QueueUrl")},
        ),
        sqs_queue("jobs", dead_letter_queue="jobs-dlq", visibility_timeout=visibility_timeout),
        sqs_queue("jobs-dlq"),
        s3_bucket("uploads"),
        dynamodb_table("orders", partition_key=("id", "S"), sort_key=("at", "N"), stream="NEW_IMAGE"),
    ]


async def test_resources_are_provisioned_in_dependency_order_with_outputs_that_work(
    make: Make, clients: AwsClients
) -> None:
    controller, log = make(app_specs())
    result = await controller.run(EnsureProvisioned())
    assert not result.failed
    out = {n: o.values for n, o in result.outputs.items()}
    assert out["uploads"]["BucketName"] == "app-dev-uploads"
    assert out["uploads"]["BucketArn"] == "arn:aws:s3:::app-dev-uploads"
    assert out["uploads"]["RegionalDomainName"].startswith("app-dev-uploads.s3.eu-west-1.")
    assert out["jobs"]["QueueName"] == "app-dev-jobs" and out["jobs"]["QueueArn"].endswith(":app-dev-jobs")
    assert out["orders"]["TableName"] == "app-dev-orders" and "/stream/" in out["orders"]["StreamArn"]
    assert out["config"]["Wired"] == f"app-dev-uploads {out['jobs']['QueueUrl']}"
    assert out["config"]["ParameterName"] == "/app-dev-config/wiring"  # ResourceName, from the stack prefix
    # prerequisites' stacks were created before their dependents'
    creates = [c for c in log.names("cloudformation") if c == "CreateStack"]
    assert len(creates) == 5
    cf = clients.client("cloudformation")
    stacks = {s["StackName"]: s for s in cf.describe_stacks()["Stacks"]}
    assert set(stacks) == {
        "app-dev-config",
        "app-dev-jobs",
        "app-dev-jobs-dlq",
        "app-dev-uploads",
        "app-dev-orders",
    }
    assert stacks["app-dev-jobs"]["CreationTime"] > stacks["app-dev-jobs-dlq"]["CreationTime"]
    assert stacks["app-dev-config"]["CreationTime"] > stacks["app-dev-jobs"]["CreationTime"]
    assert stacks["app-dev-config"]["CreationTime"] > stacks["app-dev-uploads"]["CreationTime"]
    # the outputs are real: the queue takes and gives a message, the bucket an object, the table an item
    sqs = clients.client("sqs")
    sqs.send_message(QueueUrl=out["jobs"]["QueueUrl"], MessageBody="hello")
    got = sqs.receive_message(QueueUrl=out["jobs"]["QueueUrl"], WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["hello"]
    clients.client("s3").put_object(Bucket=out["uploads"]["BucketName"], Key="a.txt", Body=b"x")
    clients.client("dynamodb").put_item(
        TableName=out["orders"]["TableName"], Item={"id": {"S": "1"}, "at": {"N": "2"}}
    )
    assert controller.board.environment is EnvironmentState.READY
    identity = controller.board.resources["jobs"].identity
    assert identity["deployment"] == "app-dev-jobs" and identity["region"] == "eu-west-1"
    assert identity["deployment_id"].startswith("arn:aws:cloudformation:eu-west-1:")


async def test_a_second_run_on_the_same_state_file_makes_no_cloudformation_call(make: Make) -> None:
    first, _ = make(app_specs())
    cold = await first.run(EnsureProvisioned())
    await first.stop()
    second, log = make(app_specs())
    warm = await second.run(EnsureProvisioned())
    assert log.calls == []  # not even a read: the cache vouches for every resource
    assert {n: o.values for n, o in warm.outputs.items()} == {n: o.values for n, o in cold.outputs.items()}


async def test_a_changed_template_updates_that_stack_only(make: Make, clients: AwsClients) -> None:
    first, _ = make(app_specs())
    await first.run(EnsureProvisioned())
    await first.stop()
    second, log = make(app_specs(visibility_timeout=60))
    result = await second.run(EnsureProvisioned())
    assert not result.failed
    assert log.writes() == ["UpdateStack"]  # jobs only: config takes jobs' URL, which did not change
    sqs = clients.client("sqs")
    url = result.outputs["jobs"].values["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "60"
    }
    stack = clients.client("cloudformation").describe_stacks(StackName="app-dev-jobs")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"


async def test_reprovisioning_an_unchanged_stack_is_an_update_without_changes(make: Make) -> None:
    controller, log = make([s3_bucket("uploads")])
    first = await controller.run(EnsureProvisioned())
    again = await controller.run(Reprovision("uploads"))
    assert log.writes() == ["CreateStack", "UpdateStack"]
    assert again.outputs["uploads"].values == first.outputs["uploads"].values


def head_bucket_status(clients: AwsClients, bucket: str) -> int:
    try:
        clients.client("s3").head_bucket(Bucket=bucket)
    except Exception as e:
        status: Any = getattr(e, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status)
    return 200


async def test_delete_removes_the_stack_and_the_non_empty_bucket_really_is_gone(
    make: Make, clients: AwsClients
) -> None:
    controller, _ = make([s3_bucket("uploads", versioning=True), sqs_queue("jobs")])
    await controller.run(EnsureProvisioned())
    s3 = clients.client("s3")
    for i in range(3):  # versions and a delete marker too
        s3.put_object(Bucket="app-dev-uploads", Key="k", Body=str(i).encode())
    s3.delete_object(Bucket="app-dev-uploads", Key="k")
    s3.put_object(Bucket="app-dev-uploads", Key="other", Body=b"x")
    await controller.run(Delete("uploads"))
    assert head_bucket_status(clients, "app-dev-uploads") == 404
    names = {s["StackName"] for s in clients.client("cloudformation").describe_stacks()["Stacks"]}
    assert names == {"app-dev-jobs"}
    assert controller.board.resources["uploads"].state is ProvisioningState.DELETED


async def test_delete_all_removes_every_stack_dependents_first(make: Make, clients: AwsClients) -> None:
    controller, log = make(app_specs())
    await controller.run(EnsureProvisioned())
    clients.client("s3").put_object(Bucket="app-dev-uploads", Key="a", Body=b"x")
    failed = await controller.run(DeleteAll())
    assert failed == {}
    assert clients.client("cloudformation").describe_stacks()["Stacks"] == []
    assert head_bucket_status(clients, "app-dev-uploads") == 404
    deletes = [c for c in log.names("cloudformation") if c == "DeleteStack"]
    assert len(deletes) == 5
    again = await controller.run(DeleteAll())  # nothing left: not an error, no call
    assert again == {} and len([c for c in log.names("cloudformation") if c == "DeleteStack"]) == 5


async def test_a_bucket_deleted_out_of_band_is_missing_within_one_drift_interval_and_reprovision_restores_it(
    make: Make, clients: AwsClients
) -> None:
    clock = ManualClock()  # the drift monitor's clock; the cloud and its calls are real
    controller, log = make(app_specs(), drift=True, drift_interval=30, clock=clock)
    await controller.run(EnsureProvisioned())
    clients.client("s3").delete_bucket(Bucket="app-dev-uploads")
    await clock.advance(29)
    assert "HeadBucket" not in log.names("s3")
    await clock.advance(1)
    await wait_until(
        lambda: controller.board.resources["uploads"].state is ProvisioningState.MISSING_IN_CLOUD
    )
    assert (
        controller.board.resources["uploads"].message == "deleted outside pyspire: reprovision to restore it"
    )
    assert controller.board.environment is EnvironmentState.DRIFTED
    others = {n: s.state for n, s in controller.board.resources.items() if n != "uploads"}
    assert set(others.values()) == {ProvisioningState.PROVISIONED}
    await controller.run(Reprovision("uploads"))
    assert head_bucket_status(clients, "app-dev-uploads") == 200
    assert controller.board.resources["uploads"].state is ProvisioningState.PROVISIONED
    assert controller.board.environment is EnvironmentState.READY


async def test_a_queue_and_a_table_deleted_out_of_band_are_found_missing(
    make: Make, clients: AwsClients
) -> None:
    controller, _ = make(app_specs())
    result = await controller.run(EnsureProvisioned())
    clients.client("sqs").delete_queue(QueueUrl=result.outputs["jobs-dlq"].values["QueueUrl"])
    clients.client("dynamodb").delete_table(TableName="app-dev-orders")
    clients.client("cloudformation").delete_stack(StackName="app-dev-config")
    assert sorted(await controller.request_drift_check()) == ["config", "jobs-dlq", "orders"]


async def test_a_failing_template_fails_to_provision_with_cloudformations_reason_and_blocks_its_dependents(
    make: Make,
) -> None:
    broken = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {"Nope": {"Value": {"Fn::GetAtt": ["Bucket", "NoSuchAttribute"]}}},
    }
    specs = [
        cloudformation_template("broken", broken),
        cloudformation_template(
            "user",
            {"Parameters": {"X": {"Type": "String"}}, "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}},
            {"X": OutputRef("broken", "Nope")},
        ),
        sqs_queue("fine"),
    ]
    controller, _ = make(specs)
    result = await controller.run(EnsureProvisioned())
    assert set(result.failed) == {"broken", "user"} and "fine" in result.outputs
    status = controller.board.resources["broken"]
    assert status.state is ProvisioningState.FAILED_TO_PROVISION
    assert "broken: stack app-dev-broken: create_stack:" in status.message
    assert (
        "does not support attribute type NoSuchAttribute in Fn::GetAtt" in status.message
    )  # moto's own words
    assert "prerequisite broken failed" in controller.board.resources["user"].message
    assert controller.board.environment is EnvironmentState.FAILED


async def test_a_stack_created_by_an_earlier_app_host_is_updated_not_created_again(
    make: Make, tmp_path: Any
) -> None:
    first, _ = make([s3_bucket("uploads")])
    await first.run(EnsureProvisioned())
    await first.stop()
    (tmp_path / ".pyspire" / "deployments" / "dev.json").unlink()  # the state file is lost
    second, log = make([s3_bucket("uploads")])
    result = await second.run(EnsureProvisioned())
    assert log.writes() == ["UpdateStack"] and not result.failed
    assert result.outputs["uploads"].values["BucketName"] == "app-dev-uploads"


async def test_the_template_reaches_cloudformation_as_canonical_json(make: Make, clients: AwsClients) -> None:
    controller, _ = make([sqs_queue("jobs", fifo=True)])
    await controller.run(EnsureProvisioned())
    body = clients.client("cloudformation").get_template(StackName="app-dev-jobs")["TemplateBody"]
    parsed = body if isinstance(body, dict) else json.loads(body)
    assert parsed["Resources"]["Queue"]["Properties"]["FifoQueue"] is True
    attrs = clients.client("sqs").get_queue_attributes(
        QueueUrl=clients.client("sqs").get_queue_url(QueueName="app-dev-jobs.fifo")["QueueUrl"],
        AttributeNames=["FifoQueue"],
    )
    assert attrs["Attributes"]["FifoQueue"] == "true"


async def test_the_account_comes_from_sts_when_not_configured(env: AwsEnvironment) -> None:
    scope = await env.resolve()
    assert (scope.account, scope.region, scope.group, scope.environment) == (
        "123456789012",
        "eu-west-1",
        "app-dev",
        "dev",
    )


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1"])
async def test_a_location_override_deploys_into_that_region(
    make: Make, clients: AwsClients, region: str
) -> None:
    from pyspire.provisioning import ChangeLocation

    controller, _ = make([s3_bucket("uploads")])
    await controller.run(EnsureProvisioned())
    result = await controller.run(ChangeLocation("uploads", region))
    assert result.outputs["uploads"].values["RegionalDomainName"].startswith(f"app-dev-uploads.s3.{region}.")
    assert clients.client("cloudformation").describe_stacks()["Stacks"] == []  # gone from eu-west-1
    moved = clients.client("cloudformation", region).describe_stacks()["Stacks"]
    assert [s["StackName"] for s in moved] == ["app-dev-uploads"]


async def test_an_app_host_killed_while_waiting_re_attaches_to_the_stack_instead_of_creating_it_again(
    make: Make, tmp_path: Any
) -> None:
    first, _ = make([s3_bucket("uploads")])
    cold = await first.run(EnsureProvisioned())
    await first.stop()
    path = tmp_path / ".pyspire" / "deployments" / "dev.json"
    data = json.loads(path.read_text())  # as saved just before waiting: running, the stack id, no outputs
    data["resources"]["uploads"].update(status="running", outputs=None)
    path.write_text(json.dumps(data))
    second, log = make([s3_bucket("uploads")])
    result = await second.run(EnsureProvisioned())
    assert log.writes() == [] and "DescribeStacks" in log.names("cloudformation")
    assert result.outputs["uploads"].values == cold.outputs["uploads"].values
    assert json.loads(path.read_text())["resources"]["uploads"]["status"] == "succeeded"
