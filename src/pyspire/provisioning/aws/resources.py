"""Resource spec builders (pure: no boto3, no I/O). Each gives a :class:`ResourceSpec` whose
template is a canonical CloudFormation template with the outputs other resources and processes
reference. The physical name is not in the template: it comes in as the ``ResourceName``
parameter, filled by the backend from the environment's stack prefix (:func:`resource_name`), so
the same app deploys side by side under two prefixes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pyspire.errors import ConfigurationError
from pyspire.provisioning.aws.names import CLOUDFORMATION, DYNAMODB_TABLE, S3_BUCKET, SQS_QUEUE, physical_name
from pyspire.provisioning.spec import OutputRef, ResourceSpec, Scope

#: The template parameter the backend fills with the resource's physical name.
NAME_PARAMETER = "ResourceName"

_NAME = {NAME_PARAMETER: {"Type": "String", "Description": "physical name, from the stack prefix"}}


def _output(value: Any, description: str) -> dict[str, Any]:
    return {"Value": value, "Description": description}


def s3_bucket(name: str, *, versioning: bool = False, depends_on: Sequence[str] = ()) -> ResourceSpec:
    """An S3 bucket; outputs ``BucketName``, ``BucketArn``, ``RegionalDomainName``."""
    props: dict[str, Any] = {"BucketName": {"Ref": NAME_PARAMETER}}
    if versioning:
        props["VersioningConfiguration"] = {"Status": "Enabled"}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": dict(_NAME),
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": props}},
        "Outputs": {
            "BucketName": _output({"Ref": "Bucket"}, "bucket name"),
            "BucketArn": _output({"Fn::GetAtt": ["Bucket", "Arn"]}, "bucket ARN"),
            "RegionalDomainName": _output(
                {"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}, "regional domain"
            ),
        },
    }
    return ResourceSpec(name, S3_BUCKET, template, depends_on=tuple(depends_on))


def sqs_queue(
    name: str,
    *,
    fifo: bool = False,
    visibility_timeout: int | None = None,
    dead_letter_queue: str | None = None,
    max_receive_count: int = 5,
    depends_on: Sequence[str] = (),
) -> ResourceSpec:
    """An SQS queue; outputs ``QueueUrl``, ``QueueArn``, ``QueueName``. ``dead_letter_queue`` names
    another queue resource: its ARN becomes a parameter, so that queue is provisioned first."""
    props: dict[str, Any] = {"QueueName": {"Ref": NAME_PARAMETER}}
    params: dict[str, Any] = {}
    template_params: dict[str, Any] = dict(_NAME)
    if fifo:
        props["FifoQueue"] = True
    if visibility_timeout is not None:
        props["VisibilityTimeout"] = visibility_timeout
    if dead_letter_queue is not None:
        template_params["DeadLetterArn"] = {"Type": "String"}
        params["DeadLetterArn"] = OutputRef(dead_letter_queue, "QueueArn")
        props["RedrivePolicy"] = {
            "deadLetterTargetArn": {"Ref": "DeadLetterArn"},
            "maxReceiveCount": max_receive_count,
        }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": template_params,
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": props}},
        "Outputs": {
            "QueueUrl": _output({"Ref": "Queue"}, "queue URL"),
            "QueueArn": _output({"Fn::GetAtt": ["Queue", "Arn"]}, "queue ARN"),
            "QueueName": _output({"Fn::GetAtt": ["Queue", "QueueName"]}, "queue name"),
        },
    }
    return ResourceSpec(name, SQS_QUEUE, template, params, depends_on=tuple(depends_on))


_KEY_TYPES = ("S", "N", "B")
_STREAM_VIEWS = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def dynamodb_table(
    name: str,
    *,
    partition_key: tuple[str, str] = ("pk", "S"),
    sort_key: tuple[str, str] | None = None,
    stream: str | None = None,
    depends_on: Sequence[str] = (),
) -> ResourceSpec:
    """A DynamoDB table billed PAY_PER_REQUEST; keys are ``(attribute, "S"|"N"|"B")``; outputs
    ``TableName``, ``TableArn`` and, with a ``stream`` view type, ``StreamArn``."""
    keys = [(partition_key, "HASH")] + ([(sort_key, "RANGE")] if sort_key else [])
    for (attr, typ), _ in keys:
        if typ not in _KEY_TYPES or not attr:
            raise ConfigurationError(
                f"DynamoDB table {name}: key {attr!r} needs a type among {', '.join(_KEY_TYPES)}"
            )
    if stream is not None and stream not in _STREAM_VIEWS:
        raise ConfigurationError(f"DynamoDB table {name}: stream must be one of {', '.join(_STREAM_VIEWS)}")
    props: dict[str, Any] = {
        "TableName": {"Ref": NAME_PARAMETER},
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for (a, t), _ in keys],
        "KeySchema": [{"AttributeName": a, "KeyType": k} for (a, _t), k in keys],
    }
    outputs = {
        "TableName": _output({"Ref": "Table"}, "table name"),
        "TableArn": _output({"Fn::GetAtt": ["Table", "Arn"]}, "table ARN"),
    }
    if stream:
        props["StreamSpecification"] = {"StreamViewType": stream}
        outputs["StreamArn"] = _output({"Fn::GetAtt": ["Table", "StreamArn"]}, "stream ARN")
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": dict(_NAME),
        "Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": props}},
        "Outputs": outputs,
    }
    return ResourceSpec(name, DYNAMODB_TABLE, template, depends_on=tuple(depends_on))


def cloudformation_template(
    name: str,
    template: Mapping[str, Any] | str | Path,
    parameters: Mapping[str, str | OutputRef] | None = None,
    *,
    secret_outputs: Sequence[str] = (),
    depends_on: Sequence[str] = (),
) -> ResourceSpec:
    """Any CloudFormation template (a dict, or a JSON/YAML file path); ``parameters`` may be
    :class:`OutputRef` to another resource's output, which makes that resource a prerequisite.
    Declaring a ``ResourceName`` parameter gets it the name derived from the stack prefix."""
    body = load_template(template) if isinstance(template, (str, Path)) else json.loads(json.dumps(template))
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
        raise ConfigurationError(f"CloudFormation resource {name}: the template needs a Resources mapping")
    declared = set(body.get("Parameters") or {})
    unknown = sorted(set(parameters or {}) - declared)
    if unknown:
        raise ConfigurationError(
            f"CloudFormation resource {name}: parameters {', '.join(unknown)} are not declared in the template"
        )
    return ResourceSpec(
        name,
        CLOUDFORMATION,
        body,
        dict(parameters or {}),
        depends_on=tuple(depends_on),
        secret_outputs=frozenset(secret_outputs),
    )


def resource_name(spec: ResourceSpec, scope: Scope) -> str:
    """The physical name ``spec`` gets under ``scope``'s stack prefix."""
    resources = spec.template.get("Resources") or {}
    fifo = any(
        bool((r.get("Properties") or {}).get("FifoQueue")) for r in resources.values() if isinstance(r, dict)
    )
    return physical_name(spec.kind, scope.group, spec.name, fifo)


# -- template files ----------------------------------------------------------------------------


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (``!Ref x`` → ``{"Ref": "x"}``, ``!GetAtt a.b``,
    ``!Sub``...)."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


_CfnLoader.add_multi_constructor("!", _short_form)


def load_template(path: str | Path) -> Any:
    """A template file: JSON, or YAML with CloudFormation's short-form tags."""
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as e:
        raise ConfigurationError(f"CloudFormation template {file}: cannot read it: {e.strerror}") from e
    try:
        return json.loads(text) if file.suffix == ".json" else yaml.load(text, Loader=_CfnLoader)  # noqa: S506
    except (ValueError, yaml.YAMLError) as e:
        raise ConfigurationError(
            f"CloudFormation template {file}: not valid {file.suffix.lstrip('.') or 'YAML'}: {e}"
        ) from e
