"""AWS in ``apphost.py``: ``builder.add_aws_environment(...)`` and its ``add_s3_bucket`` /
``add_sqs_queue`` / ``add_dynamodb_table`` / ``add_cloudformation_stack``, on the cloud-neutral
model (:func:`pyspire.provisioning.add_cloud_environment`) with the CloudFormation backend::

    aws = builder.add_aws_environment(endpoint_url="http://localhost:5000")  # region: Parameters__aws-region
    bucket = aws.add_s3_bucket("bucket")
    builder.add_executable("worker", ...).with_reference(bucket)  # BUCKET_NAME, BUCKET_ARN, AWS_REGION

A referencing process gets the outputs (``ConnectionStrings__<name>``, ``<NAME>_<OUTPUT>``) and
what its own AWS SDK needs to reach the same place (``AWS_REGION``, ``AWS_DEFAULT_REGION``,
``AWS_ENDPOINT_URL`` when an endpoint is set) — never credentials: the process finds those in the
standard chain, as the app host does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pyspire.errors import PyspireError
from pyspire.model import AppModelBuilder
from pyspire.provisioning.aws.backend import CloudFormationBackend
from pyspire.provisioning.aws.environment import AwsEnvironment
from pyspire.provisioning.aws.resources import cloudformation_template, dynamodb_table, s3_bucket, sqs_queue
from pyspire.provisioning.aws.sdk import AwsClients
from pyspire.provisioning.controller import DEFAULT_DRIFT_INTERVAL
from pyspire.provisioning.model import (
    RESOURCE_REGION,
    CloudEnvironmentBuilder,
    CloudEnvironmentResource,
    CloudResourceBuilder,
    add_cloud_environment,
    template_parameters,
)
from pyspire.provisioning.model import upper_snake as upper_snake  # re-exported: its home was here
from pyspire.provisioning.spec import ResourceSpec, Scope

#: Output → the ``<KEY>`` of ``<NAME>_<KEY>`` per typed resource (the first is the connection string).
BUCKET_ENV = {"BucketName": "NAME", "BucketArn": "ARN", "RegionalDomainName": "REGIONAL_DOMAIN_NAME"}
QUEUE_ENV = {"QueueUrl": "URL", "QueueArn": "ARN", "QueueName": "NAME"}
TABLE_ENV = {"TableName": "NAME", "TableArn": "ARN", "StreamArn": "STREAM_ARN"}

DEFAULT_STACK_PREFIX = "pyspire"


class AwsEnvironmentBuilder(CloudEnvironmentBuilder):
    """What ``add_aws_environment`` returns: one CloudFormation stack per resource added here."""

    def _typed(self, spec: ResourceSpec, env: Mapping[str, str]) -> CloudResourceBuilder:
        return self.add_typed(spec, env, spec.template["Outputs"])

    def add_s3_bucket(self, name: str, versioned: bool = False) -> CloudResourceBuilder:
        """An S3 bucket: ``<NAME>_NAME`` (also the connection string), ``<NAME>_ARN``,
        ``<NAME>_REGIONAL_DOMAIN_NAME``."""
        return self._typed(s3_bucket(name, versioning=versioned), BUCKET_ENV)

    def add_sqs_queue(self, name: str, fifo: bool = False, visibility_timeout: int | None = None) -> CloudResourceBuilder:
        """An SQS queue: ``<NAME>_URL`` (also the connection string), ``<NAME>_ARN``, ``<NAME>_NAME``."""
        return self._typed(sqs_queue(name, fifo=fifo, visibility_timeout=visibility_timeout), QUEUE_ENV)

    def add_dynamodb_table(
        self, name: str, partition_key: tuple[str, str] = ("id", "S"), sort_key: tuple[str, str] | None = None
    ) -> CloudResourceBuilder:
        """A DynamoDB table (PAY_PER_REQUEST): ``<NAME>_NAME`` (also the connection string), ``<NAME>_ARN``."""
        return self._typed(dynamodb_table(name, partition_key=partition_key, sort_key=sort_key), TABLE_ENV)

    def add_cloudformation_stack(
        self,
        name: str,
        template: Mapping[str, Any] | str | Path,
        parameters: Mapping[str, object] | None = None,
        secret_outputs: tuple[str, ...] = (),
    ) -> CloudResourceBuilder:
        """Any CloudFormation template (a dict or a JSON/YAML file, relative to the app's folder);
        a parameter may be another cloud resource's ``output_ref(...)``, which makes it a
        prerequisite. Every template output is ``<NAME>_<OUTPUT>`` (``TopicArn`` → ``TOPIC_ARN``)."""
        if isinstance(template, (str, Path)):
            template = self.model.app_dir / template
        params = template_parameters(parameters)
        spec = cloudformation_template(name, template, params, secret_outputs=secret_outputs)
        return self.add_template(spec, spec.template.get("Outputs") or {})


def cached_account(state_path: Path, scope: Scope) -> str:
    """The account a cached deployment of this region and stack prefix was made in ('' if none):
    a warm start then asks STS nothing."""
    try:
        records = json.loads(state_path.read_text()).get("resources") or {}
    except (OSError, ValueError):
        return ""
    for record in records.values():
        saved = (record or {}).get("scope") or {}
        if saved.get("account") and saved.get("group") == scope.group:
            return str(saved["account"])
    return ""


class _Aws:
    """The environment's AWS settings that are not scope: the endpoint, the profile, polling."""

    def __init__(self, endpoint_url: str, profile: str, poll_interval: float) -> None:
        self.endpoint_url, self.profile, self.poll_interval = endpoint_url, profile, poll_interval

    def backend(self, scope: Scope) -> CloudFormationBackend:
        return CloudFormationBackend(AwsClients(scope.region, self.endpoint_url, self.profile), self.poll_interval)

    async def resolve(self, scope: Scope, state_path: Path) -> Scope:
        """The account: configured, else the cached state's, else STS's (once, on a cold start).
        STS failing leaves it empty: the deploys then fail with the credentials' error."""
        if scope.account:
            return scope
        account = cached_account(state_path, scope)
        if account:
            return replace(scope, account=account)
        env = AwsEnvironment(scope.environment, scope.region, scope.group, "", self.endpoint_url, self.profile)
        try:
            return await env.resolve()
        except PyspireError:
            return scope


def add_aws_environment(
    builder: AppModelBuilder,
    name: str = "aws",
    region: object = None,
    account: object = None,
    stack_prefix: object = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    *,
    drift_interval: float = DEFAULT_DRIFT_INTERVAL,
    poll_interval: float = 2.0,
) -> AwsEnvironmentBuilder:
    """``builder.add_aws_environment(...)`` (see ``DistributedApplicationBuilder``, which imports
    this module only when an app calls it: AWS costs no import time to apps without it)."""
    aws = _Aws(endpoint_url or "", profile or "", poll_interval)
    if region is None:
        region = builder.add_parameter(f"{name}-region")
    env = add_cloud_environment(
        builder,
        name,
        aws.backend,
        account=account if account is not None else "",
        region=region,
        group=stack_prefix if stack_prefix is not None else DEFAULT_STACK_PREFIX,
        drift_interval=drift_interval,
        builder_class=AwsEnvironmentBuilder,
    )
    resource: CloudEnvironmentResource = env.resource
    resource.scope_resolver = aws.resolve
    # The referenced resource's own region: after change-location it is no longer the environment's.
    sdk: dict[str, object] = {"AWS_REGION": RESOURCE_REGION, "AWS_DEFAULT_REGION": RESOURCE_REGION}
    if endpoint_url:
        sdk["AWS_ENDPOINT_URL"] = endpoint_url
    resource.reference_env = sdk
    return env
