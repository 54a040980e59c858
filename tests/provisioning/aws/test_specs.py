"""The spec builders (pure): canonical CloudFormation templates with the outputs processes need,
dependencies through output references, template files in JSON and in YAML short form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyspire.errors import ConfigurationError
from pyspire.provisioning import OutputRef
from pyspire.provisioning.aws import (
    CLOUDFORMATION,
    NAME_PARAMETER,
    cloudformation_template,
    dynamodb_table,
    s3_bucket,
    sqs_queue,
)
from pyspire.provisioning.checksum import canonical_json


def test_each_builder_declares_the_outputs_its_consumers_need() -> None:
    assert set(s3_bucket("b").template["Outputs"]) == {"BucketName", "BucketArn", "RegionalDomainName"}
    assert set(sqs_queue("q").template["Outputs"]) == {"QueueUrl", "QueueArn", "QueueName"}
    assert set(dynamodb_table("t").template["Outputs"]) == {"TableName", "TableArn"}
    assert set(dynamodb_table("t", stream="NEW_AND_OLD_IMAGES").template["Outputs"]) == {
        "TableName",
        "TableArn",
        "StreamArn",
    }


def test_the_physical_name_is_a_template_parameter_filled_from_the_stack_prefix() -> None:
    for spec in (s3_bucket("b"), sqs_queue("q"), dynamodb_table("t")):
        assert NAME_PARAMETER in spec.template["Parameters"]
        assert NAME_PARAMETER not in spec.parameters  # the backend fills it, per scope


def test_a_table_is_pay_per_request_with_its_key_schema() -> None:
    props = dynamodb_table("t", partition_key=("id", "S"), sort_key=("at", "N")).template["Resources"][
        "Table"
    ]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [
        {"AttributeName": "id", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]
    assert props["AttributeDefinitions"] == [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "at", "AttributeType": "N"},
    ]


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"partition_key": ("id", "X")}, "needs a type among S, N, B"),
        ({"stream": "ALL"}, "stream must be one of"),
    ],
)
def test_a_table_with_a_bad_key_or_stream_is_refused_naming_the_choices(
    kwargs: dict[str, object], says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        dynamodb_table("t", **kwargs)  # type: ignore[arg-type]


def test_a_dead_letter_queue_is_a_prerequisite_through_its_arn() -> None:
    spec = sqs_queue("jobs", dead_letter_queue="dlq")
    assert spec.parameters["DeadLetterArn"] == OutputRef("dlq", "QueueArn")
    assert spec.prerequisites() == ("dlq",)


def test_a_generic_template_takes_other_resources_outputs_as_parameters_and_depends_on_them() -> None:
    template = {"Parameters": {"Topic": {"Type": "String"}}, "Resources": {"T": {"Type": "AWS::SNS::Topic"}}}
    spec = cloudformation_template(
        "alerts", template, {"Topic": OutputRef("jobs", "QueueArn")}, depends_on=["uploads"]
    )
    assert spec.kind == CLOUDFORMATION
    assert spec.prerequisites() == ("uploads", "jobs")


def test_a_generic_template_with_an_undeclared_parameter_or_no_resources_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="parameters Nope are not declared"):
        cloudformation_template("x", {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}, {"Nope": "1"})
    with pytest.raises(ConfigurationError, match="needs a Resources mapping"):
        cloudformation_template("x", {"Outputs": {}})


def test_template_files_load_from_json_and_from_yaml_with_short_form_tags(tmp_path: Path) -> None:
    yaml_file = tmp_path / "t.yaml"
    yaml_file.write_text(
        "Parameters:\n  Name: {Type: String}\n"
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${Name}-alerts'\n"
        "Outputs:\n  Arn:\n    Value: !Ref Topic\n  Name:\n    Value: !GetAtt Topic.TopicName\n"
        "  Both:\n    Value: !Join [',', [!Ref Topic, !GetAtt Topic.TopicName]]\n"
    )
    spec = cloudformation_template("alerts", yaml_file, {"Name": "x"})
    outputs = spec.template["Outputs"]
    assert outputs["Arn"]["Value"] == {"Ref": "Topic"}
    assert outputs["Name"]["Value"] == {"Fn::GetAtt": ["Topic", "TopicName"]}
    assert outputs["Both"]["Value"] == {
        "Fn::Join": [",", [{"Ref": "Topic"}, {"Fn::GetAtt": ["Topic", "TopicName"]}]]
    }
    assert spec.template["Resources"]["Topic"]["Properties"]["TopicName"] == {"Fn::Sub": "${Name}-alerts"}
    json_file = tmp_path / "t.json"
    json_file.write_text(json.dumps(spec.template))
    assert canonical_json(
        cloudformation_template("alerts", json_file, {"Name": "x"}).template
    ) == canonical_json(spec.template)


def test_an_unreadable_or_malformed_template_file_is_a_configuration_error_naming_the_file(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError, match="missing.yaml: cannot read it"):
        cloudformation_template("x", tmp_path / "missing.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigurationError, match="bad.json: not valid json"):
        cloudformation_template("x", bad)


def test_the_same_inputs_give_the_same_canonical_template() -> None:
    assert canonical_json(sqs_queue("q", fifo=True).template) == canonical_json(
        sqs_queue("q", fifo=True).template
    )
    assert canonical_json(s3_bucket("b").template) != canonical_json(s3_bucket("b", versioning=True).template)
