"""``jobtrail status`` on moto: a small stack with jobtrail's logical ids (a rule, the schedule, a queue and
its dead-letter queue, an alarm) over a history table made from template.yaml."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.usecases.reconcile import RECONCILE_WATERMARK
from jobtrail_cli import main
from jobtrail_cli.commands.status import schedule_period
from jobtrail_cli.errors import EXIT_UNHEALTHY
from jobtrail_cli.wiring import StackResource, Wiring
from jobtrail_local.aws_calls import count_aws_calls

STACK = "jobtrail-status"
REGION = "us-east-1"


def stack_template() -> str:
    return json.dumps(
        {
            "Parameters": {
                "TableName": {"Type": "String"},
                "ReconcileSchedule": {"Type": "String", "Default": "rate(15 minutes)"},
            },
            "Resources": {
                "StateChangeRule": {
                    "Type": "AWS::Events::Rule",
                    "Properties": {"EventPattern": {"source": ["aws.sagemaker"]}, "State": "ENABLED"},
                },
                "ReconcileFunctionSchedule": {
                    "Type": "AWS::Events::Rule",
                    "Properties": {"ScheduleExpression": {"Ref": "ReconcileSchedule"}, "State": "ENABLED"},
                },
                "StateChangeQueue": {"Type": "AWS::SQS::Queue"},
                "StateChangeDeadLetterQueue": {"Type": "AWS::SQS::Queue"},
            },
            "Outputs": {
                "HistoryTableName": {"Value": {"Ref": "TableName"}},
                "StateChangeDeadLetterQueueUrl": {"Value": {"Ref": "StateChangeDeadLetterQueue"}},
            },
        }
    )


@pytest.fixture
def stack(moto_table: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The stack, and its resources' physical ids by logical id.

    moto's CloudFormation makes no CloudWatch alarm: the stack's alarm is made with PutMetricAlarm and
    added to what DescribeStackResources answers."""
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=STACK,
        TemplateBody=stack_template(),
        Parameters=[{"ParameterKey": "TableName", "ParameterValue": moto_table.name}],
    )
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=STACK)["StackResources"]
    }
    alarm = StackResource("StateChangeDeadLetterQueueAlarm", "AWS::CloudWatch::Alarm", f"{STACK}-DLQAlarm-X1")
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName=alarm.physical_id,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[
            {"Name": "QueueName", "Value": resources["StateChangeDeadLetterQueue"].rsplit("/", 1)[1]}
        ],
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    described = Wiring.stack_resources
    monkeypatch.setattr(Wiring, "stack_resources", lambda self: [*described(self), alarm])
    return {**resources, alarm.logical_id: alarm.physical_id}


def reconciled(table: Any, ago: timedelta) -> None:
    """A reconciliation pass succeeded ``ago``: its watermark."""
    HistoryStore(table.name, region=REGION).set_watermark(RECONCILE_WATERMARK, datetime.now(UTC) - ago)


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_healthy_deployment_exits_0(
    stack: dict[str, str], moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the stack as deployed, nothing queued, no alarm, a pass 5 minutes ago
    reconciled(moto_table, timedelta(minutes=5))
    # When its status is asked for as JSON
    with count_aws_calls() as calls:
        code, out, err = run("status", "--stack", STACK, "--json", capsys=capsys)
    report = json.loads(out)
    # Then it is healthy, with everything it looked at listed
    assert (code, err) == (0, "")
    assert (report["healthy"], report["problems"], report["stack"]) == (True, [], STACK)
    assert {r["logical_id"]: r["state"] for r in report["rules"]} == {
        "StateChangeRule": "ENABLED",
        "ReconcileFunctionSchedule": "ENABLED",
    }
    assert {q["logical_id"]: (q["dead_letter"], q["messages"]) for q in report["queues"]} == {
        "StateChangeQueue": (False, 0),
        "StateChangeDeadLetterQueue": (True, 0),
    }
    assert [(a["logical_id"], a["healthy"]) for a in report["alarms"]] == [
        ("StateChangeDeadLetterQueueAlarm", True)
    ]
    watermark = report["reconcile_watermark"]
    assert watermark["healthy"] is True
    assert 290 < watermark["age_seconds"] < 400
    assert watermark["stale_after_seconds"] == 3 * 15 * 60 + 5 * 60
    assert report["last_job_recorded"] == {
        "job_name": None, "kind": None, "recorded_at": None, "age_seconds": None, "among_newest_jobs": 50
    }  # fmt: skip
    # Then it asked each service once per resource, and read the table without a Scan
    assert calls["cloudformation.DescribeStackResources"] == 1
    assert calls["events.DescribeRule"] == 2
    assert calls["sqs.GetQueueAttributes"] == 2
    assert calls["cloudwatch.DescribeAlarms"] == 1
    assert calls["dynamodb.Scan"] == 0
    # And the screen says so too
    code, out, _ = run("status", "--stack", STACK, capsys=capsys)
    assert code == 0
    assert "Healthy." in out


def test_an_unhealthy_deployment_names_each_problem_and_exits_5(
    stack: dict[str, str], moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the rule disabled, a dead letter, the alarm in ALARM and no pass for two hours
    boto3.client("events", region_name=REGION).disable_rule(Name=stack["StateChangeRule"])
    boto3.client("sqs", region_name=REGION).send_message(
        QueueUrl=stack["StateChangeDeadLetterQueue"], MessageBody="{}"
    )
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
        AlarmName=stack["StateChangeDeadLetterQueueAlarm"], StateValue="ALARM", StateReason="1 message"
    )
    reconciled(moto_table, timedelta(hours=2))
    # When its status is asked for
    code, out, err = run("status", "--stack", STACK, "--json", capsys=capsys)
    report = json.loads(out)
    # Then it exits 5 and names the four problems
    assert (code, err) == (EXIT_UNHEALTHY, "")
    assert report["healthy"] is False
    *problems, last_pass = report["problems"]
    assert problems == [
        f"rule {stack['StateChangeRule']} is DISABLED",
        "StateChangeDeadLetterQueue holds 1 messages",
        f"alarm {stack['StateChangeDeadLetterQueueAlarm']} is in ALARM",
    ]
    # (the seconds the test itself took, on a loaded machine, may show)
    assert re.fullmatch(r"the last successful reconciliation pass started 2h 00m 0\ds ago", last_pass)
    (alarm,) = report["alarms"]
    assert (alarm["state"], alarm["reason"]) == ("ALARM", "1 message")
    # And the screen lists them too, with the same exit status
    code, out, _ = run("status", "--stack", STACK, capsys=capsys)
    assert code == EXIT_UNHEALTHY
    assert "Unhealthy:" in out
    assert "NOT OK" in out


def test_no_reconciliation_pass_yet_is_unhealthy(
    stack: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run("status", "--stack", STACK, "--json", capsys=capsys)
    assert code == EXIT_UNHEALTHY
    assert json.loads(out)["problems"] == [
        "no reconciliation pass has succeeded yet (no reconcile watermark)"
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["status"], "pass --stack STACK"),
        (["status", "--local"], "does not work with --local"),
    ],
)
def test_status_needs_a_stack(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(*args, capsys=capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert says in err


def test_a_missing_stack_is_one_line(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run("status", "--stack", "no-such-stack", capsys=capsys)
    assert code == 3
    assert err.count("\n") == 1
    assert "no-such-stack" in err


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(15 minutes)", timedelta(minutes=15)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(2 days)", timedelta(days=2)),
        ("cron(0 * * * ? *)", None),
    ],
)
def test_the_reconcile_period_comes_from_the_schedule(expression: str, period: timedelta | None) -> None:
    assert schedule_period(expression) == period
