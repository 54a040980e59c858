"""Stack outcomes moto cannot produce (it completes every stack synchronously and never rolls one
back): staged CloudFormation answers behind the backend, the rest of the code path real. A rolled-
back update is a failure with the first FAILED event's reason; an update without changes on a stack
that last rolled back to this same template is success."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from pyspire.provisioning import DeploymentConflict, DeploymentFailed, DeploymentHandle, Scope
from pyspire.provisioning.aws import AwsClients, CloudFormationBackend, cloudformation_template

SCOPE = Scope("dev", "123456789012", "eu-west-1", "app-dev")
STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/app-dev-topic/1"
SPEC = cloudformation_template("topic", {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})


class StagedCloudFormation:
    """describe_stacks answers ``status``; update_stack accepts or says there is nothing to do."""

    def __init__(self, status: str, no_changes: bool) -> None:
        self.status = status
        self.no_changes = no_changes
        self.calls: list[str] = []

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's casing)
        self.calls.append("describe_stacks")
        return {
            "Stacks": [
                {
                    "StackId": STACK_ID,
                    "StackName": "app-dev-topic",
                    "StackStatus": self.status,
                    "Outputs": [{"OutputKey": "Arn", "OutputValue": "arn:topic"}],
                }
            ]
        }

    def cancel_update_stack(self, StackName: str) -> None:  # noqa: N803
        self.calls.append("cancel_update_stack")

    def delete_stack(self, StackName: str) -> None:  # noqa: N803
        self.calls.append("delete_stack")

    def update_stack(self, **_: Any) -> dict[str, Any]:
        self.calls.append("update_stack")
        if self.no_changes:
            raise ClientError(
                {"Error": {"Code": "ValidationError", "Message": "No updates are to be performed."}},
                "UpdateStack",
            )
        self.status = "UPDATE_ROLLBACK_COMPLETE"  # the update failed and rolled back
        return {"StackId": STACK_ID}

    def describe_stack_events(self, StackName: str) -> dict[str, Any]:  # noqa: N803
        return {
            "StackEvents": [
                {
                    "LogicalResourceId": "app-dev-topic",
                    "ResourceType": "AWS::CloudFormation::Stack",
                    "ResourceStatus": "UPDATE_ROLLBACK_COMPLETE",
                },
                {
                    "LogicalResourceId": "T",
                    "ResourceStatus": "UPDATE_FAILED",
                    "ResourceStatusReason": 'Resource handler returned message: "Invalid parameter: TopicName"',
                },
                {
                    "LogicalResourceId": "app-dev-topic",
                    "ResourceType": "AWS::CloudFormation::Stack",
                    "ResourceStatus": "UPDATE_IN_PROGRESS",
                    "ResourceStatusReason": "User Initiated",
                },
            ]
        }


class StagedClients(AwsClients):
    def __init__(self, cf: StagedCloudFormation) -> None:
        super().__init__("eu-west-1")
        self.cf = cf

    def client(self, service: str, region: str | None = None) -> Any:
        assert service == "cloudformation"
        return self.cf


async def test_a_rolled_back_update_fails_with_the_first_failed_events_reason() -> None:
    backend = CloudFormationBackend(
        StagedClients(StagedCloudFormation("CREATE_COMPLETE", no_changes=False)), 0.01
    )
    handle = await backend.deploy(SPEC, SCOPE)
    with pytest.raises(DeploymentFailed) as caught:
        await backend.wait(handle)
    assert str(caught.value) == (
        'topic: stack app-dev-topic UPDATE_ROLLBACK_COMPLETE: T: Resource handler returned message: "Invalid parameter: TopicName"'
    )


async def test_an_update_without_changes_after_a_rollback_to_the_same_template_is_success() -> None:
    cf = StagedCloudFormation("UPDATE_ROLLBACK_COMPLETE", no_changes=True)
    backend = CloudFormationBackend(StagedClients(cf), 0.01)
    outputs = await backend.wait(await backend.deploy(SPEC, SCOPE))
    assert outputs.values == {"Arn": "arn:topic"} and cf.calls == [
        "describe_stacks",
        "update_stack",
        "describe_stacks",
    ]


async def test_a_stack_still_in_progress_is_a_conflict_naming_its_id() -> None:
    backend = CloudFormationBackend(
        StagedClients(StagedCloudFormation("UPDATE_IN_PROGRESS", no_changes=False)), 0.01
    )
    with pytest.raises(DeploymentConflict) as caught:
        await backend.deploy(SPEC, SCOPE)
    assert caught.value.active_deployment_id == STACK_ID and "UPDATE_IN_PROGRESS" in str(caught.value)


async def test_the_failure_reason_is_the_first_failed_stack_event() -> None:
    """Of several FAILED events of the last operation, the oldest (the cause; the later ones are
    its consequences), and nothing from before that operation's "User Initiated" event."""

    class Events:
        def describe_stack_events(self, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's casing)
            return {
                "StackEvents": [
                    {
                        "LogicalResourceId": "s",
                        "ResourceType": "AWS::CloudFormation::Stack",
                        "ResourceStatus": "ROLLBACK_COMPLETE",
                    },
                    {
                        "LogicalResourceId": "B",
                        "ResourceStatus": "DELETE_FAILED",
                        "ResourceStatusReason": "later",
                    },
                    {
                        "LogicalResourceId": "A",
                        "ResourceStatus": "CREATE_FAILED",
                        "ResourceStatusReason": "Resource creation cancelled",
                    },
                    {
                        "LogicalResourceId": "T",
                        "ResourceStatus": "CREATE_FAILED",
                        "ResourceStatusReason": "Invalid KeySchema",
                    },
                    {
                        "LogicalResourceId": "s",
                        "ResourceType": "AWS::CloudFormation::Stack",
                        "ResourceStatus": "CREATE_IN_PROGRESS",
                        "ResourceStatusReason": "User Initiated",
                    },
                    {
                        "LogicalResourceId": "Old",
                        "ResourceStatus": "CREATE_FAILED",
                        "ResourceStatusReason": "an older operation",
                    },
                ]
            }

    backend = CloudFormationBackend(AwsClients("eu-west-1"))
    assert await backend._failure_reason(Events(), "s", "x") == "T: Invalid KeySchema"


@pytest.mark.parametrize(
    ("status", "call"),
    [
        ("UPDATE_IN_PROGRESS", "cancel_update_stack"),
        ("CREATE_IN_PROGRESS", "delete_stack"),
        ("CREATE_COMPLETE", None),
    ],
)
async def test_cancel_stops_an_update_and_removes_a_stack_still_being_created(
    status: str, call: str | None
) -> None:
    cf = StagedCloudFormation(status, no_changes=False)
    backend = CloudFormationBackend(StagedClients(cf), 0.01)
    await backend.cancel(DeploymentHandle("topic", STACK_ID, SCOPE))
    assert cf.calls == ["describe_stacks"] + ([call] if call else [])
