"""CloudFormation behind the provisioning :class:`~pyspire.provisioning.Backend`: one stack per
resource, the stack id as the deployment id.

boto3 is synchronous, so every call runs in a worker thread (``asyncio.to_thread``) and the
controller's loop never blocks. ``update_stack`` rather than change sets (moto's change sets on
existing stacks misbehave); drift is probed per resource type (moto has no drift detection)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from pyspire.errors import PermanentError, PyspireError, TemporaryError
from pyspire.provisioning.aws.errors import error_message, is_missing, presence_of, translate
from pyspire.provisioning.aws.names import DYNAMODB_TABLE, S3_BUCKET, SQS_QUEUE, stack_name
from pyspire.provisioning.aws.resources import NAME_PARAMETER, resource_name
from pyspire.provisioning.aws.sdk import AwsClients
from pyspire.provisioning.backend import DeployedResource, DeploymentHandle
from pyspire.provisioning.errors import DeploymentConflict, DeploymentFailed, DeploymentNotFound
from pyspire.provisioning.spec import Outputs, ResourceSpec, Scope
from pyspire.provisioning.states import Presence

DONE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
#: A stack that can't be updated: a create that rolled back must be deleted and created again.
DEAD = frozenset({"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE", "DELETE_FAILED"})
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def failed(status: str) -> bool:
    """The deployment ended and did not succeed (a rolled-back update is a failed update)."""
    return (
        status.endswith("_FAILED")
        or (status.startswith(("ROLLBACK_", "UPDATE_ROLLBACK_")) and status.endswith("_COMPLETE"))
        or status == "DELETE_COMPLETE"
    )


def in_progress(status: str) -> bool:
    return status.endswith("_IN_PROGRESS")


class CloudFormationBackend:
    """Deploys :mod:`~pyspire.provisioning.aws.resources` specs as CloudFormation stacks.

    ``poll_interval``: seconds between ``describe_stacks`` while a stack is in progress."""

    def __init__(self, clients: AwsClients, poll_interval: float = 2.0) -> None:
        self.clients = clients
        self.poll_interval = poll_interval
        #: Stacks whose last deploy was an update without changes: a rolled-back status is theirs
        #: from before, not this deployment's failure.
        self._unchanged: set[str] = set()

    # -- the Backend protocol ----------------------------------------------------------------------

    def deployment_name(self, spec: ResourceSpec, scope: Scope) -> str:
        return stack_name(scope.group, spec.name)

    async def deploy(self, spec: ResourceSpec, scope: Scope) -> DeploymentHandle:
        name = self.deployment_name(spec, scope)
        cf = self._cf(scope)
        what = f"{spec.name}: stack {name}"
        stack = await self._describe(cf, name, what)
        if stack is not None and in_progress(stack["StackStatus"]):
            raise DeploymentConflict(
                f"{what} is {stack['StackStatus']}: another deployment is still active",
                stack["StackId"],
                delay=self.poll_interval,
            )
        if stack is not None and stack["StackStatus"] in DEAD and stack["StackStatus"] != "DELETE_COMPLETE":
            await self._delete_stack(cf, stack["StackId"], what)  # a failed create cannot be updated
            stack = None
        elif stack is not None and await self._probe_by_name(spec, scope) is Presence.MISSING:
            # deleted out of band: an update would change nothing and leave it missing
            await self._delete_stack(cf, stack["StackId"], what)
            stack = None
        args: dict[str, Any] = {
            "StackName": name,
            "TemplateBody": json.dumps(spec.template, sort_keys=True, separators=(",", ":")),
            "Parameters": self._parameters(spec, scope),
            "Capabilities": CAPABILITIES,
        }
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            tags = [
                {"Key": "pyspire:resource", "Value": spec.name},
                {"Key": "pyspire:environment", "Value": scope.environment},
            ]
            created = await self._call(f"{what}: create_stack", cf.create_stack, **args, Tags=tags)
            return DeploymentHandle(spec.name, str(created["StackId"]), scope)
        self._unchanged.discard(str(stack["StackId"]))
        try:
            updated = await asyncio.to_thread(cf.update_stack, **args)
        except Exception as e:
            if "No updates are to be performed" in error_message(e):
                # its outputs stand, even after an earlier update rolled back to this very template
                self._unchanged.add(str(stack["StackId"]))
                return DeploymentHandle(spec.name, str(stack["StackId"]), scope)
            raise translate(e, f"{what}: update_stack") from None
        return DeploymentHandle(spec.name, str(updated["StackId"]), scope)

    async def wait(self, handle: DeploymentHandle) -> Outputs:
        cf = self._cf(handle.scope)
        what = f"{handle.resource}: stack {_short(handle.deployment_id)}"
        while True:
            stack = await self._describe(cf, handle.deployment_id, what)
            if stack is None:
                raise DeploymentFailed(f"{what} no longer exists")
            status = stack["StackStatus"]
            if status in DONE or (
                status == "UPDATE_ROLLBACK_COMPLETE" and handle.deployment_id in self._unchanged
            ):
                return Outputs({o["OutputKey"]: str(o["OutputValue"]) for o in stack.get("Outputs") or []})
            if failed(status):
                reason = await self._failure_reason(cf, handle.deployment_id, what) or stack.get(
                    "StackStatusReason", ""
                )
                raise DeploymentFailed(f"{what} {status}: {reason or 'no reason given'}")
            await asyncio.sleep(self.poll_interval)

    async def attach(self, deployment_id: str, resource: str, scope: Scope) -> DeploymentHandle:
        stack = await self._describe(
            self._cf(scope), deployment_id, f"{resource}: stack {_short(deployment_id)}"
        )
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            raise DeploymentNotFound(f"{resource}: stack {_short(deployment_id)} no longer exists")
        return DeploymentHandle(resource, str(stack["StackId"]), scope)

    async def exists(self, resource: DeployedResource) -> Presence:
        try:
            return await self._exists(resource)
        except PyspireError:  # no client (a missing profile...): can't tell
            return Presence.UNKNOWN

    async def _exists(self, resource: DeployedResource) -> Presence:
        out = resource.outputs.values
        probe: Callable[[], Any]
        region = resource.scope.region
        if resource.kind == S3_BUCKET and "BucketName" in out:
            probe = self._bucket_probe(region, out["BucketName"])
        elif resource.kind == SQS_QUEUE and "QueueUrl" in out:
            sqs = self.clients.client("sqs", region)
            probe = lambda: sqs.get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["QueueArn"])  # noqa: E731
        elif resource.kind == DYNAMODB_TABLE and "TableName" in out:
            probe = self._table_probe(region, out["TableName"])
        else:
            cf = self._cf(resource.scope)
            probe = lambda: cf.describe_stacks(StackName=resource.deployment_id)  # noqa: E731
        return await self._presence(probe)

    def _bucket_probe(self, region: str, bucket: str) -> Callable[[], Any]:
        s3 = self.clients.client("s3", region)
        return lambda: s3.head_bucket(Bucket=bucket)

    def _table_probe(self, region: str, table: str) -> Callable[[], Any]:
        ddb = self.clients.client("dynamodb", region)
        return lambda: ddb.describe_table(TableName=table)

    async def _probe_by_name(self, spec: ResourceSpec, scope: Scope) -> Presence:
        """Whether the resource a typed spec names exists (by its physical name); EXISTS for
        generic templates, whose stack is what counts."""
        name = resource_name(spec, scope)
        if spec.kind == S3_BUCKET:
            return await self._presence(self._bucket_probe(scope.region, name))
        if spec.kind == DYNAMODB_TABLE:
            return await self._presence(self._table_probe(scope.region, name))
        if spec.kind == SQS_QUEUE:
            sqs = self.clients.client("sqs", scope.region)
            return await self._presence(lambda: sqs.get_queue_url(QueueName=name))
        return Presence.EXISTS

    @staticmethod
    async def _presence(probe: Callable[[], Any]) -> Presence:
        try:
            answer = await asyncio.to_thread(probe)
        except Exception as e:
            return presence_of(e)
        stacks = answer.get("Stacks") if isinstance(answer, dict) else None
        if stacks and stacks[0].get("StackStatus") == "DELETE_COMPLETE":
            return Presence.MISSING
        return Presence.EXISTS

    async def delete(self, resource: DeployedResource) -> None:
        cf = self._cf(resource.scope)
        what = f"{resource.name}: stack {_short(resource.deployment_id)}"
        stack = await self._describe(cf, resource.deployment_id, what)
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            return
        await self._empty_buckets(cf, resource, what)
        await self._delete_stack(cf, resource.deployment_id, what)

    async def cancel(self, handle: DeploymentHandle) -> None:
        cf = self._cf(handle.scope)
        what = f"{handle.resource}: stack {_short(handle.deployment_id)}"
        stack = await self._describe(cf, handle.deployment_id, what)
        if stack is None:
            return
        if stack["StackStatus"] == "UPDATE_IN_PROGRESS":
            await self._call(
                f"{what}: cancel_update_stack", cf.cancel_update_stack, StackName=handle.deployment_id
            )
        elif stack["StackStatus"] == "CREATE_IN_PROGRESS":
            await self._call(f"{what}: delete_stack", cf.delete_stack, StackName=handle.deployment_id)

    # -- helpers -----------------------------------------------------------------------------------

    def _cf(self, scope: Scope) -> Any:
        return self.clients.client("cloudformation", scope.region)

    @staticmethod
    async def _call(what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, **kwargs)
        except Exception as e:
            raise translate(e, what) from None

    @staticmethod
    def _parameters(spec: ResourceSpec, scope: Scope) -> list[dict[str, str]]:
        """The template's declared parameters: the physical name, then the spec's (resolved) values."""
        declared = spec.template.get("Parameters") or {}
        values = {k: v for k, v in spec.parameters.items() if k in declared}
        if NAME_PARAMETER in declared and NAME_PARAMETER not in values:
            values[NAME_PARAMETER] = resource_name(spec, scope)
        return [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in sorted(values.items())]

    async def _describe(self, cf: Any, stack: str, what: str) -> dict[str, Any] | None:
        """The stack, or ``None`` when CloudFormation says it does not exist."""
        try:
            answer = await asyncio.to_thread(cf.describe_stacks, StackName=stack)
        except Exception as e:
            if is_missing(e):
                return None
            raise translate(e, f"{what}: describe_stacks") from None
        stacks = answer.get("Stacks") or []
        return dict(stacks[0]) if stacks else None

    async def _failure_reason(self, cf: Any, stack_id: str, what: str) -> str:
        """The first FAILED event's reason in the last operation (CloudFormation's own words)."""
        try:
            events = (
                await self._call(
                    f"{what}: describe_stack_events", cf.describe_stack_events, StackName=stack_id
                )
            )["StackEvents"]
        except (PermanentError, TemporaryError):
            return ""
        reasons: list[str] = []
        for ev in events:  # newest first, back to the event that started this operation
            reason = str(ev.get("ResourceStatusReason") or "")
            if str(ev.get("ResourceStatus", "")).endswith("FAILED") and reason:
                reasons.append(f"{ev.get('LogicalResourceId', '?')}: {reason}")
            if ev.get("ResourceType") == "AWS::CloudFormation::Stack" and reason == "User Initiated":
                break
        return reasons[-1] if reasons else ""

    async def _empty_buckets(self, cf: Any, resource: DeployedResource, what: str) -> None:
        """Every bucket of the stack, emptied (with its versions): a non-empty bucket can't be deleted."""
        listed = await self._call(
            f"{what}: describe_stack_resources", cf.describe_stack_resources, StackName=resource.deployment_id
        )
        buckets = [
            r["PhysicalResourceId"]
            for r in listed.get("StackResources", [])
            if r.get("ResourceType") == "AWS::S3::Bucket"
        ]
        s3 = self.clients.client("s3", resource.scope.region)
        for bucket in buckets:
            await self._call(
                f"{resource.name}: emptying bucket {bucket}", _empty_bucket, s3=s3, bucket=bucket
            )

    async def _delete_stack(self, cf: Any, stack_id: str, what: str) -> None:
        """Delete and wait until gone. A "not found" for a resource of the stack means it was
        already deleted out of band (moto reports it, CloudFormation skips it): not an error."""
        try:
            await asyncio.to_thread(cf.delete_stack, StackName=stack_id)
        except Exception as e:
            if not is_missing(e):
                raise translate(e, f"{what}: delete_stack") from None
        while True:
            stack = await self._describe(cf, stack_id, what)
            if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
                return
            if stack["StackStatus"] == "DELETE_FAILED":
                reason = await self._failure_reason(cf, stack_id, what) or stack.get("StackStatusReason", "")
                raise DeploymentFailed(f"{what} could not be deleted: {reason or 'DELETE_FAILED'}")
            await asyncio.sleep(self.poll_interval)


def _empty_bucket(s3: Any, bucket: str) -> None:
    """Delete every object version and delete marker (runs in a worker thread)."""
    try:
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
        for page in pages:
            keys = [
                {"Key": o["Key"], "VersionId": o["VersionId"]}
                for o in (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
            ]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    except Exception as e:
        if not is_missing(e):
            raise


def _short(stack_id: str) -> str:
    """``arn:aws:cloudformation:r:a:stack/<name>/<uuid>`` → ``<name>``, for messages."""
    parts = stack_id.split("/")
    return parts[1] if stack_id.startswith("arn:") and len(parts) >= 2 else stack_id
