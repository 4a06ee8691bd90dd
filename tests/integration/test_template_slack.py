"""template.yaml's two Slack modes: webhook mode (SlackWebhookSecretArn) and Slack app mode
(SlackBotTokenSecretArn, SlackChannel, SlackThreadAll): the rules between them, the table's stream and
the notifier's event source mapping (app mode only), the notifier's settings and role in each mode.

Conditions are evaluated from the template's own Conditions for the parameters of each mode
(``test_template._conditions``), the rest of the scenario as in test_template.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from jobtrail.adapters.history_table import (
    SUMMARY_SK,
    alert_sk,
    job_pk,
    slack_thread_sk,
)
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Alert
from jobtrail.usecases.slack_threads import PARENT_CLAIM_SECONDS
from jobtrail_local.lambda_runtime import matches_filter
from test_template import (
    NO_VALUE,
    TEMPLATE,
    WITH_KEY,
    WITHOUT_KEY,
    _as_list,
    _deployed,
    _resolve,
    _rules_hold,
    deployed_statements,
    evaluated,
)

TOKEN_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:jobtrail/slack-bot-token-AbCdEf"
WEBHOOK_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:jobtrail/slack-webhook-AbCdEf"
APP_PARAMETERS = {"SlackBotTokenSecretArn": TOKEN_SECRET, "SlackChannel": "#ml-alerts"}
WEBHOOK_PARAMETERS = {"SlackWebhookSecretArn": WEBHOOK_SECRET}
SLACK_CONDITIONS = ("HasSlack", "HasSlackWebhook", "HasSlackApp")
ROUTE_SECRETS = {
    "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:jobtrail/*"
}
STREAM_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}


def mode(parameters: Mapping[str, str], base: Mapping[str, bool] = WITHOUT_KEY) -> dict[str, bool]:
    """The scenario ``base`` with the Slack conditions as the template evaluates them for ``parameters``."""
    return evaluated(parameters, SLACK_CONDITIONS, base)


APP = mode(APP_PARAMETERS)
WEBHOOK = mode(WEBHOOK_PARAMETERS)
NONE = mode({})


def notifier(scenario: Mapping[str, bool]) -> dict[str, Any]:
    functions = _deployed(TEMPLATE["Resources"], "AWS::Serverless::Function", scenario)
    function: dict[str, Any] = functions["SlackNotifierFunction"]
    return function


def statements(scenario: Mapping[str, bool]) -> dict[str, dict[str, Any]]:
    return {
        s["Sid"]: s for s in deployed_statements(TEMPLATE["Resources"]["SlackNotifierFunction"], scenario)
    }


def event_source(scenario: Mapping[str, bool]) -> dict[str, Any] | None:
    mappings = _deployed(TEMPLATE["Resources"], "AWS::Lambda::EventSourceMapping", scenario)
    found = [
        m for m in mappings.values() if m["Properties"]["FunctionName"] == {"Ref": "SlackNotifierFunction"}
    ]
    return found[0] if found else None


# ---- parameters and rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "accepted"),
    [
        ({}, True),
        (WEBHOOK_PARAMETERS, True),
        (APP_PARAMETERS, True),
        (APP_PARAMETERS | {"SlackThreadAll": "true"}, True),
        (APP_PARAMETERS | WEBHOOK_PARAMETERS, False),  # one mode at a time
        ({"SlackBotTokenSecretArn": TOKEN_SECRET}, False),  # app mode needs its default channel
        ({"SlackChannel": "#ml-alerts"}, True),  # a channel alone changes nothing
    ],
)
def test_the_rules_allow_one_slack_mode_and_app_mode_needs_a_channel(
    parameters: dict[str, str], accepted: bool
) -> None:
    assert _rules_hold(TEMPLATE, parameters) is accepted


def test_each_mode_has_its_conditions() -> None:
    assert {name: WEBHOOK[name] for name in SLACK_CONDITIONS} == {
        "HasSlack": True,
        "HasSlackWebhook": True,
        "HasSlackApp": False,
    }
    assert {name: APP[name] for name in SLACK_CONDITIONS} == {
        "HasSlack": True,
        "HasSlackWebhook": False,
        "HasSlackApp": True,
    }
    assert not any(NONE[name] for name in SLACK_CONDITIONS)


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("", True),
        ("#ml-alerts", True),
        ("ml-alerts", True),
        ("team_nlp-2", True),
        ("C0123456789", True),
        ("G01ABCDEF23", True),
        ("#ML-Alerts", False),
        ("ml alerts", False),
        ("#", False),
        ("#" + "a" * 81, False),
        ("https://hooks.slack.com/services/T0/B0/X", False),
    ],
)
def test_slack_channel_takes_a_channel_name_or_id(value: str, allowed: bool) -> None:
    parameter = TEMPLATE["Parameters"]["SlackChannel"]
    assert bool(re.fullmatch(parameter["AllowedPattern"], value)) is allowed
    assert parameter["Default"] == ""


def test_thread_all_is_off_by_default() -> None:
    parameter = TEMPLATE["Parameters"]["SlackThreadAll"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("false", ["true", "false"])


# ---- the stream and the event source mapping ---------------------------------------------------------


def test_the_table_has_a_stream_in_app_mode_only() -> None:
    table = TEMPLATE["Resources"]["HistoryTable"]["Properties"]

    assert _resolve(table, APP)["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert "StreamSpecification" not in _resolve(table, WEBHOOK)
    assert "StreamSpecification" not in _resolve(table, NONE)


def test_the_notifier_reads_the_stream_in_app_mode_only() -> None:
    mapping = event_source(APP)
    assert mapping is not None
    properties = mapping["Properties"]

    assert event_source(WEBHOOK) is None
    assert properties["EventSourceArn"] == {"Fn::GetAtt": ["HistoryTable", "StreamArn"]}
    assert properties["StartingPosition"] == "LATEST"
    # A batch is retried from its first failed record, bisected on errors, a bounded number of times,
    # then parked in the Slack failure queue
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 < properties["MaximumRetryAttempts"] <= 100
    assert 60 <= properties["MaximumRecordAgeInSeconds"] <= 86400
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["SlackDeliveryFailureQueue", "Arn"]}}
    }
    assert mapping["DependsOn"] == "SlackNotifierFunctionLogGroup"


def stream_record(event_name: str, pk: str, sk: str) -> dict[str, Any]:
    return {
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def test_the_filter_matches_the_items_the_code_writes_as_summaries() -> None:
    # Given the keys history_table gives each kind of item of a job
    pattern = json.loads(event_source(APP)["Properties"]["FilterCriteria"]["Filters"][0]["Pattern"])  # type: ignore[index]
    job = JobKey("123456789012", "us-east-1", "training", "bert")
    moment = datetime(2026, 11, 20, 13, 41, 27, 640000, tzinfo=UTC)
    alert = Alert(job, "Failed", moment, "critical", "Failed: bert", "{}")
    pk = job_pk(job)

    # Then only a summary's writes pass (its images tell the transitions added): not its removal, nor
    # an alert, a thread item, or the items of the layout before the packed record
    assert matches_filter(pattern, stream_record("INSERT", pk, SUMMARY_SK))
    assert matches_filter(pattern, stream_record("MODIFY", pk, SUMMARY_SK))
    assert not matches_filter(pattern, stream_record("REMOVE", pk, SUMMARY_SK))
    old_layout = ("TRANSITION#2026-11-20T13:41:27.640000Z#Failed", "METRICS", "STEP#train")
    for sk in (alert_sk(alert), slack_thread_sk("#ml-alerts"), *old_layout):
        assert not matches_filter(pattern, stream_record("INSERT", pk, sk)), sk
        assert not matches_filter(pattern, stream_record("MODIFY", pk, sk)), sk


# ---- the notifier in each mode -------------------------------------------------------------------------


def test_app_mode_runs_one_invocation_at_a_time_and_outlives_no_claim() -> None:
    app, webhook = notifier(APP)["Properties"], notifier(WEBHOOK)["Properties"]

    # One at a time: Slack's 1 message per second per channel holds across invocations
    assert app["ReservedConcurrentExecutions"] == 1
    assert "ReservedConcurrentExecutions" not in webhook
    # A parent's claim outlasts any invocation that could hold it, twice over
    assert 2 * app["Timeout"] <= PARENT_CLAIM_SECONDS
    assert webhook["Timeout"] == 30


def test_the_notifier_is_told_its_mode() -> None:
    app = notifier(APP)["Properties"]["Environment"]["Variables"]
    webhook = notifier(WEBHOOK)["Properties"]["Environment"]["Variables"]

    assert app == {
        "POWERTOOLS_SERVICE_NAME": "jobtrail-slack",
        "JOBTRAIL_SLACK_BOT_TOKEN_SECRET_ARN": {"Ref": "SlackBotTokenSecretArn"},
        "JOBTRAIL_SLACK_CHANNEL": {"Ref": "SlackChannel"},
        "JOBTRAIL_SLACK_THREAD_ALL": {"Ref": "SlackThreadAll"},
        # the job cards' links, as the alerts' (ConsolePortalUrl)
        "JOBTRAIL_CONSOLE_PORTAL_URL": {"Ref": "ConsolePortalUrl"},
        "JOBTRAIL_CONSOLE_ROLE_NAME": {"Ref": "ConsoleRoleName"},
    }
    assert webhook == {
        "POWERTOOLS_SERVICE_NAME": "jobtrail-slack",
        "JOBTRAIL_SLACK_WEBHOOK_SECRET_ARN": {"Ref": "SlackWebhookSecretArn"},
    }


@pytest.mark.parametrize("scenario", [WITHOUT_KEY, WITH_KEY], ids=["aws-managed-keys", "customer-key"])
def test_app_modes_role_reads_its_token_its_threads_and_the_stream_only(scenario: dict[str, bool]) -> None:
    found = statements(mode(APP_PARAMETERS, scenario))
    actions = {action for s in found.values() for action in _as_list(s["Action"])}
    kms = {"kms:Decrypt", "kms:GenerateDataKey"} if scenario["HasKmsKey"] else set()

    assert actions == {
        "secretsmanager:GetSecretValue",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
        "kms:Decrypt",  # the secret's customer key (HasSlackSecretKey in the scenario)
        *STREAM_ACTIONS,
        *kms,
    }
    assert found["ReadSlackSecrets"]["Resource"] == [{"Ref": "SlackBotTokenSecretArn"}]
    assert found["ReadWriteSlackThreads"]["Resource"] == {"Fn::GetAtt": ["HistoryTable", "Arn"]}
    assert set(found["ReadTransitionStream"]["Action"]) == STREAM_ACTIONS
    assert found["ReadTransitionStream"]["Resource"] == {"Fn::Sub": "${HistoryTable.Arn}/stream/*"}
    assert found["ParkFailedTransitionBatches"]["Resource"] == {
        "Fn::GetAtt": ["SlackDeliveryFailureQueue", "Arn"]
    }
    secret_key = found["DecryptSlackSecrets"]["Condition"]["StringLike"]
    assert secret_key == {"kms:EncryptionContext:SecretARN": [{"Ref": "SlackBotTokenSecretArn"}]}
    if scenario["HasKmsKey"]:  # the table and its stream are under the customer key too
        via = found["UseCustomerKeyThroughServices"]["Condition"]["StringEquals"]["kms:ViaService"]
        assert via == [
            {"Fn::Sub": "sqs.${AWS::Region}.amazonaws.com"},
            {"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"},
        ]


def test_webhook_modes_role_reads_the_webhooks_only() -> None:
    found = statements(WEBHOOK)
    actions = {action for s in found.values() for action in _as_list(s["Action"])}

    assert actions == {"secretsmanager:GetSecretValue", "kms:Decrypt"}
    assert found["ReadSlackSecrets"]["Resource"] == [{"Ref": "SlackWebhookSecretArn"}, ROUTE_SECRETS]
    with_key = statements(mode(WEBHOOK_PARAMETERS, WITH_KEY))
    via = with_key["UseCustomerKeyThroughServices"]["Condition"]["StringEquals"]["kms:ViaService"]
    assert via == [{"Fn::Sub": "sqs.${AWS::Region}.amazonaws.com"}]


def test_no_statement_is_left_empty_in_either_mode() -> None:
    for scenario in (APP, WEBHOOK):
        for statement in statements(scenario).values():
            assert _as_list(statement["Resource"]), statement["Sid"]
            assert statement["Resource"] is not NO_VALUE


def test_the_mode_is_an_output() -> None:
    output = TEMPLATE["Outputs"]["SlackMode"]
    assert output["Condition"] == "HasSlack"
    assert _resolve(output["Value"], APP) == "app"
    assert _resolve(output["Value"], WEBHOOK) == "webhook"


# ---- routing a first-seen thread ---------------------------------------------------------------------

ROUTES = {"AlertRoutesParameterName": "/jobtrail/routes"}


def routed(parameters: Mapping[str, str]) -> dict[str, bool]:
    """The scenario of ``parameters`` with the Slack and routing conditions as the template evaluates them."""
    names = (*SLACK_CONDITIONS, "HasAlertRoutes", "AlertRoutesParameterIsPath", "SlackThreadsReadRoutes")
    return evaluated(parameters, names)


@pytest.mark.parametrize(
    ("parameters", "reads"),
    [
        (APP_PARAMETERS | ROUTES | {"SlackThreadAll": "true"}, True),
        (APP_PARAMETERS | ROUTES, False),  # an alert carries its route: threads start with alerts
        (APP_PARAMETERS | {"SlackThreadAll": "true"}, False),  # no document
        (WEBHOOK_PARAMETERS | ROUTES, False),
    ],
)
def test_the_notifier_reads_the_routes_document_only_for_first_seen_threads(
    parameters: dict[str, str], reads: bool
) -> None:
    scenario = routed(parameters)
    variables = notifier(scenario)["Properties"]["Environment"]["Variables"]
    grants = [s for s in statements(scenario).values() if str(s["Action"]).startswith("ssm:")]

    if reads:
        assert variables["JOBTRAIL_ROUTES_PARAMETER"] == {"Ref": "AlertRoutesParameterName"}
        [grant] = grants
        assert grant["Action"] == "ssm:GetParameter"
        arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        arn += "${AlertRoutesParameterName}"
        assert grant["Resource"] == {"Fn::Sub": arn}
    else:
        assert "JOBTRAIL_ROUTES_PARAMETER" not in variables
        assert grants == []
