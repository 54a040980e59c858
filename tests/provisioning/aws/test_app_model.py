"""What ``add_aws_environment`` puts in the model, before anything starts: a template file is read
relative to the app's folder, its outputs become ``<NAME>_<OUTPUT>`` in upper snake case, an
``output_ref`` parameter is a prerequisite, and the cached account is found by stack prefix."""

from __future__ import annotations

import json

from pyspire import DistributedApplication
from pyspire.provisioning import OutputRef, Scope, deployments_file
from pyspire.provisioning.aws.apphost import cached_account, upper_snake

TEMPLATE = """
Parameters:
  ResourceName: {Type: String}
  QueueArn: {Type: String}
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: !Ref ResourceName}
Outputs:
  TopicArn: {Value: !Ref Topic}
  DeadLetterQueueURL: {Value: !Ref QueueArn}
"""


def test_a_template_file_is_read_from_the_app_folder_and_its_outputs_become_upper_snake_variables(tmp_path):
    (tmp_path / "topic.yaml").write_text(TEMPLATE)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    aws = b.add_aws_environment(region="eu-west-1")
    queue = aws.add_sqs_queue("jobs", fifo=True)
    topic = aws.add_cloudformation_stack("topic", "topic.yaml", parameters={"QueueArn": queue.output_ref("QueueArn")})
    assert topic.resource.spec.parameters == {"QueueArn": OutputRef("jobs", "QueueArn")}
    assert topic.resource.spec.template["Resources"]["Topic"]["Properties"] == {"TopicName": {"Ref": "ResourceName"}}
    assert set(topic.resource.connection_properties or {}) == {"TOPIC_ARN", "DEAD_LETTER_QUEUE_URL"}
    assert queue.resource.spec.template["Resources"]["Queue"]["Properties"]["FifoQueue"] is True
    assert upper_snake("RegionalDomainName") == "REGIONAL_DOMAIN_NAME"
    b.build()


def test_the_cached_account_is_the_one_of_a_deployment_under_the_same_stack_prefix(tmp_path):
    path = deployments_file(tmp_path, "aws")
    scope = Scope("aws", "", "eu-west-1", "app-dev")
    assert cached_account(path, scope) == ""
    path.parent.mkdir(parents=True)
    saved = {"resources": {"bucket": {"scope": {"account": "111122223333", "region": "eu-west-1", "group": "other"}},
                           "queue": {"scope": {"account": "444455556666", "region": "eu-west-1", "group": "app-dev"}}}}
    path.write_text(json.dumps(saved))
    assert cached_account(path, scope) == "444455556666"
