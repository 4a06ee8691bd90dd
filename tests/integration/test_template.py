"""template.yaml keeps the promises the code and the runbook rely on.

The template is read with cfn-lint's decoder, which turns short-form tags into their long form
(``!GetAtt A.Arn`` -> ``{"Fn::GetAtt": ["A", "Arn"]}``), so intrinsic functions stay visible.
"""

from __future__ import annotations

from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode import convert_dict, decode
from jobtrail.table_schema import TEMPLATE_PATH, create_table_kwargs, history_table_properties, load_template

EXPECTED_ATTRIBUTES = [
    "pk",
    "sk",
    "job_index",
    "creation_time",
    "job_status",
    "tuning_job_name",
    "alert_index",
    "transition_start_time",
]
EXPECTED_KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
EXPECTED_INDEXES = {
    "by-creation-time": ("job_index", "creation_time"),
    "by-status": ("job_status", "creation_time"),
    "by-tuning-job": ("tuning_job_name", "creation_time"),
    "alerts-by-time": ("alert_index", "transition_start_time"),
}
INTRINSIC_KEYS = {"Ref", "Condition"} | {
    f"Fn::{name}"
    for name in (
        "Sub",
        "GetAtt",
        "Join",
        "If",
        "Select",
        "Split",
        "FindInMap",
        "ImportValue",
        "GetAZs",
        "Base64",
        "Cidr",
        "Transform",
        "ToJsonString",
        "Length",
    )
}
CLOUDWATCH_RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827}
CLOUDWATCH_RETENTION_DAYS |= {2192, 2557, 2922, 3288, 3653}


SCHEMA_KEYS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, errors = decode(str(TEMPLATE_PATH))
    assert errors == []
    assert decoded is not None
    plain: dict[str, Any] = convert_dict(decoded)
    return plain


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found


def _of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {name: body for name, body in resources.items() if body["Type"] == resource_type}


def _contains_intrinsic(value: Any) -> bool:
    """True when ``value`` is or contains a long- or short-form CloudFormation function."""
    if isinstance(value, dict):
        return bool(INTRINSIC_KEYS & value.keys()) or any(_contains_intrinsic(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_intrinsic(v) for v in value)
    return False


def _ingest_sqs_event(resources: dict[str, Any]) -> dict[str, Any]:
    events = resources["IngestFunction"]["Properties"]["Events"]
    sqs_events = [event for event in events.values() if event["Type"] == "SQS"]
    assert len(sqs_events) == 1
    properties: dict[str, Any] = sqs_events[0]["Properties"]
    return properties


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            statements.extend(policy["Statement"])
    return statements


def test_template_is_a_sam_template(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert {"Parameters", "Globals", "Resources", "Outputs"} <= template.keys()


def test_table_schema_loader_reads_the_whole_template(template: dict[str, Any]) -> None:
    # When jobtrail.table_schema parses the template (short-form tags as plain values)
    loaded = load_template()

    # Then it sees the same resources and outputs as cfn-lint
    assert loaded["Resources"].keys() == template["Resources"].keys()
    assert loaded["Outputs"].keys() == template["Outputs"].keys()


def test_history_table_schema_is_literal(resources: dict[str, Any]) -> None:
    # Given the HistoryTable as CloudFormation sees it
    properties = resources["HistoryTable"]["Properties"]

    # Then none of the shape is computed by CloudFormation
    for key in SCHEMA_KEYS:
        assert not _contains_intrinsic(properties[key]), key


def test_tables_created_by_tests_have_the_template_shape(resources: dict[str, Any]) -> None:
    # When the tests and the demo build their create_table arguments
    kwargs = create_table_kwargs("any-name")

    # Then they are exactly the template's (the two parsers agree only where there are no intrinsics)
    for key in SCHEMA_KEYS:
        assert kwargs[key] == resources["HistoryTable"]["Properties"][key], key
    assert kwargs["BillingMode"] == "PAY_PER_REQUEST"


def test_history_table_keys_and_attributes() -> None:
    properties = history_table_properties()

    assert properties["KeySchema"] == EXPECTED_KEY_SCHEMA
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": name, "AttributeType": "S"} for name in EXPECTED_ATTRIBUTES
    ]


def test_history_table_indexes_project_all_by_creation_time() -> None:
    indexes = history_table_properties()["GlobalSecondaryIndexes"]

    assert {index["IndexName"] for index in indexes} == EXPECTED_INDEXES.keys()
    for index in indexes:
        hash_key, range_key = EXPECTED_INDEXES[index["IndexName"]]
        assert index["KeySchema"] == [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ]
        assert index["Projection"] == {"ProjectionType": "ALL"}


def test_history_table_survives_stack_deletion_and_replacement(resources: dict[str, Any]) -> None:
    table = resources["HistoryTable"]

    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_history_table_is_encrypted_recoverable_and_on_demand() -> None:
    properties = history_table_properties()

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_rule_matches_only_training_job_state_changes(resources: dict[str, Any]) -> None:
    rule = resources["StateChangeRule"]["Properties"]

    assert rule["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Training Job State Change"],
    }


def test_rule_targets_the_queue_with_a_dead_letter_queue(resources: dict[str, Any]) -> None:
    (target,) = resources["StateChangeRule"]["Properties"]["Targets"]

    assert target["Arn"] == {"Fn::GetAtt": ["StateChangeQueue", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["StateChangeDeadLetterQueue", "Arn"]}
    assert "RetryPolicy" in target


def test_only_the_rule_may_send_to_the_queues(resources: dict[str, Any]) -> None:
    (policy,) = _of_type(resources, "AWS::SQS::QueuePolicy").values()
    properties = policy["Properties"]
    (statement,) = properties["PolicyDocument"]["Statement"]

    queues = sorted(queue["Ref"] for queue in properties["Queues"])

    assert queues == ["StateChangeDeadLetterQueue", "StateChangeQueue"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": ["StateChangeRule", "Arn"]}


def test_queues_are_encrypted(resources: dict[str, Any]) -> None:
    for name in ("StateChangeQueue", "StateChangeDeadLetterQueue"):
        assert resources[name]["Properties"]["SqsManagedSseEnabled"] is True, name


def test_failed_messages_go_to_the_dead_letter_queue_after_five_receives(resources: dict[str, Any]) -> None:
    redrive = resources["StateChangeQueue"]["Properties"]["RedrivePolicy"]

    assert redrive == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["StateChangeDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }


def test_dead_letter_queue_keeps_messages_fourteen_days(resources: dict[str, Any]) -> None:
    assert resources["StateChangeDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_queue_visibility_covers_six_function_timeouts(template: dict[str, Any]) -> None:
    timeout = template["Globals"]["Function"]["Timeout"]
    visibility = template["Resources"]["StateChangeQueue"]["Properties"]["VisibilityTimeout"]

    assert visibility >= 6 * timeout


def test_ingest_reads_small_batches_and_reports_item_failures(resources: dict[str, Any]) -> None:
    event = _ingest_sqs_event(resources)

    assert event["Queue"] == {"Fn::GetAtt": ["StateChangeQueue", "Arn"]}
    assert event["BatchSize"] == 10
    assert event["MaximumBatchingWindowInSeconds"] <= 10
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_ingest_concurrency_is_the_parameter(template: dict[str, Any]) -> None:
    event = _ingest_sqs_event(template["Resources"])
    parameter = template["Parameters"]["IngestMaxConcurrency"]

    assert event["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "IngestMaxConcurrency"}}
    assert parameter["MinValue"] >= 2
    assert parameter["Default"] >= parameter["MinValue"]


def test_functions_run_python313_on_arm64(template: dict[str, Any]) -> None:
    defaults = template["Globals"]["Function"]
    layer = template["Resources"]["JobtrailLayer"]

    assert defaults["Runtime"] == "python3.13"
    assert defaults["Architectures"] == ["arm64"]
    for function in _of_type(template["Resources"], "AWS::Serverless::Function").values():
        assert function["Properties"].get("Runtime", "python3.13") == "python3.13"
        assert function["Properties"].get("Architectures", ["arm64"]) == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}


def test_ingest_handler_and_dead_letter_queue_setting(resources: dict[str, Any]) -> None:
    properties = resources["IngestFunction"]["Properties"]

    assert properties["CodeUri"] == "functions/ingest"
    assert properties["Handler"] == "app.lambda_handler"
    assert properties["Environment"]["Variables"]["JOBTRAIL_DEAD_LETTER_QUEUE_URL"] == {
        "Ref": "StateChangeDeadLetterQueue"
    }


def test_describe_training_job_is_scoped_to_training_jobs(resources: dict[str, Any]) -> None:
    statements = _statements(resources["IngestFunction"])
    describe = [s for s in statements if "sagemaker:DescribeTrainingJob" in str(s["Action"])]

    (statement,) = describe
    assert statement["Action"] == "sagemaker:DescribeTrainingJob"
    assert statement["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:training-job/*"
    }


def test_ingest_has_no_wildcard_actions_or_resources(resources: dict[str, Any]) -> None:
    for statement in _statements(resources["IngestFunction"]):
        assert all("*" not in action for action in _as_list(statement["Action"])), statement
        assert "*" not in _as_list(statement["Resource"]), statement


def test_ingest_table_access_is_read_and_transactional_write_only(resources: dict[str, Any]) -> None:
    statements = _statements(resources["IngestFunction"])
    dynamodb = [s for s in statements if str(s["Action"]).startswith("['dynamodb:")]

    (statement,) = dynamodb
    assert set(statement["Action"]) == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    }
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["HistoryTable", "Arn"]},
        {"Fn::Sub": "${HistoryTable.Arn}/index/*"},
    ]


def test_every_function_has_a_log_group_with_retention(resources: dict[str, Any]) -> None:
    functions = _of_type(resources, "AWS::Serverless::Function")
    log_groups = _of_type(resources, "AWS::Logs::LogGroup").values()
    named = {group["Properties"]["LogGroupName"]["Fn::Sub"]: group for group in log_groups}

    assert functions
    for name in functions:
        group = named[f"/aws/lambda/${{{name}}}"]
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_log_retention_parameter_allows_only_cloudwatch_values(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["LogRetentionDays"]

    assert set(parameter["AllowedValues"]) <= CLOUDWATCH_RETENTION_DAYS
    assert parameter["Default"] in parameter["AllowedValues"]


def test_outputs_are_described(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]

    assert {
        "HistoryTableName",
        "StateChangeQueueUrl",
        "StateChangeDeadLetterQueueUrl",
        "IngestFunctionName",
        "IngestFunctionArn",
    } <= outputs.keys()
    assert all(output.get("Description") for output in outputs.values())


def test_cfn_lint_finds_nothing() -> None:
    matches = lint_file(TEMPLATE_PATH, ManualArgs(regions=["us-east-1"]))

    assert [str(match) for match in matches] == []
