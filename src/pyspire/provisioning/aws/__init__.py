"""AWS for :mod:`pyspire.provisioning`: CloudFormation stacks deployed with boto3 (one stack per
resource), spec builders for an S3 bucket, an SQS queue, a DynamoDB table and any CloudFormation
template, and the AWS environment (region, account, stack prefix, endpoint override).

boto3 is imported lazily (:mod:`.sdk`): without the ``aws`` extra this package still imports, and
the first cloud call says "install pyspire[aws]"."""

from __future__ import annotations

from pyspire.provisioning.aws.apphost import AwsEnvironmentBuilder, add_aws_environment
from pyspire.provisioning.aws.backend import CloudFormationBackend
from pyspire.provisioning.aws.environment import REQUIRED, AwsEnvironment
from pyspire.provisioning.aws.names import (
    CLOUDFORMATION,
    DYNAMODB_TABLE,
    S3_BUCKET,
    SQS_QUEUE,
    bucket_name,
    physical_name,
    queue_name,
    stack_name,
    table_name,
)
from pyspire.provisioning.aws.resources import (
    NAME_PARAMETER,
    cloudformation_template,
    dynamodb_table,
    load_template,
    resource_name,
    s3_bucket,
    sqs_queue,
)
from pyspire.provisioning.aws.sdk import AwsClients, boto3_module

__all__ = [
    "CLOUDFORMATION",
    "DYNAMODB_TABLE",
    "NAME_PARAMETER",
    "REQUIRED",
    "S3_BUCKET",
    "SQS_QUEUE",
    "AwsClients",
    "AwsEnvironmentBuilder",
    "AwsEnvironment",
    "CloudFormationBackend",
    "add_aws_environment",
    "boto3_module",
    "bucket_name",
    "cloudformation_template",
    "dynamodb_table",
    "load_template",
    "physical_name",
    "queue_name",
    "resource_name",
    "s3_bucket",
    "sqs_queue",
    "stack_name",
    "table_name",
]
