"""``jobtrail backfill``: a ``Failed`` alert it creates quotes the end of the job's CloudWatch log, as the
deployed functions' alerts do (moto's SageMaker, CloudWatch Logs and SNS)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from job_logs import TRACEBACK, write_job_log
from jobtrail.adapters.history_queries import AlertQuery, HistoryQueries
from jobtrail.core.kinds import JobKey
from jobtrail_cli import main
from jobtrail_local.aws_calls import count_aws_calls
from moto_jobs import create_failed_training_job
from moto_stacks import STACK, create_stack

REGION = "us-east-1"


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def failed_job_with_log(name: str = "bert-oom") -> JobKey:
    """A Failed training job whose log ends in a traceback."""
    job = create_failed_training_job(name)
    write_job_log(boto3.client("logs", region_name=REGION), job, ["boot", *TRACEBACK])
    return job


def subscriber(topic_arn: str) -> str:
    """An SQS queue subscribed to ``topic_arn``; its URL."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="alert-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name=REGION).subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return url


def published(queue_url: str) -> list[dict[str, Any]]:
    """The alert documents the subscriber received."""
    messages = boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10
    )
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages.get("Messages", [])]


@pytest.fixture
def topic(moto_table: Any) -> str:
    return str(boto3.client("sns", region_name=REGION).create_topic(Name="jobtrail-alerts")["TopicArn"])


def test_backfill_alerts_quote_the_last_lines_of_the_failed_jobs_log(
    moto_table: Any, topic: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a job that failed before jobtrail was deployed, its log ending in a traceback
    job = failed_job_with_log()
    queue = subscriber(topic)
    # When it is backfilled with alerts and --log-lines 3
    with count_aws_calls() as calls:
        code, out, err = run(
            "--table", moto_table.name, "backfill", "--since", "1d", "--alerts", "--topic-arn", topic,
            "--log-lines", "3", "--json", capsys=capsys,
        )  # fmt: skip
    # Then its Failed alert was published with the last 3 lines of the log, read once
    assert (code, err) == (0, "")
    assert json.loads(out)["alerts_sent"] == 1
    [alert] = published(queue)
    assert (alert["alert_type"], alert["job_name"]) == ("Failed", job.name)
    [stream] = alert["log_tail"]
    assert stream["log_stream"].startswith(f"{job.name}/algo-1-")
    assert stream["lines"] == list(TRACEBACK[-3:])
    assert alert["log_tail_error"] is None
    assert (calls["logs.DescribeLogStreams"], calls["logs.GetLogEvents"]) == (1, 1)


def test_the_stacks_alert_log_lines_is_the_default(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the stack's AlertLogLines is 2
    outputs = create_stack(moto_table.name, log_lines=2)
    failed_job_with_log()
    queue = subscriber(outputs["AlertTopicArn"])
    # When backfilled with --stack and no --log-lines
    code, _, err = run("--stack", STACK, "backfill", "--since", "1d", "--alerts", "--json", capsys=capsys)
    # Then the alert quotes 2 lines
    assert (code, err) == (0, "")
    [alert] = published(queue)
    assert alert["log_tail"][0]["lines"] == list(TRACEBACK[-2:])


def test_log_lines_0_reads_no_log(moto_table: Any, topic: str, capsys: pytest.CaptureFixture[str]) -> None:
    failed_job_with_log()
    queue = subscriber(topic)
    with count_aws_calls() as calls:
        code, _, _ = run(
            "--table", moto_table.name, "backfill", "--since", "1d", "--alerts", "--topic-arn", topic,
            "--log-lines", "0", capsys=capsys,
        )  # fmt: skip
    assert code == 0
    [alert] = published(queue)
    assert (alert["log_tail"], alert["log_tail_error"]) == (None, None)
    assert not [call for call in calls if call.startswith("logs.")]


def test_a_job_without_a_log_is_alerted_and_says_why(
    moto_table: Any, topic: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a failed job that never logged (no log group at all), and the default of 20 lines
    create_failed_training_job("capacity-error")
    queue = subscriber(topic)
    code, _, err = run(
        "--table",
        moto_table.name,
        "backfill",
        "--since",
        "1d",
        "--alerts",
        "--topic-arn",
        topic,
        capsys=capsys,
    )
    # Then the alert goes out all the same, saying why it quotes nothing
    # (and the CLI says why on stderr, as the function logs it: one warning line, nothing else)
    assert code == 0
    [warning] = err.splitlines()
    assert json.loads(warning)["message"] == "the alert goes out without its log lines"
    [alert] = published(queue)
    assert alert["log_tail"] is None
    assert alert["log_tail_error"] == (
        "log group /aws/sagemaker/TrainingJobs does not exist yet (no container has logged)"
    )


def test_a_silent_backfill_leaves_live_alerts_with_their_log_lines_in_the_outbox(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a job that failed just now (a live transition), its log ending in a traceback
    job = failed_job_with_log()
    # When backfilled without --alerts
    with count_aws_calls() as calls:
        code, out, _ = run("--table", moto_table.name, "backfill", "--since", "1d", "--json", capsys=capsys)
    # Then nothing was published, and the alert left for the stack to send already quotes the log
    assert code == 0
    assert json.loads(out)["alerts_left_pending"] == 1
    assert calls["sns.Publish"] == 0
    [stored] = HistoryQueries(moto_table.name, region=REGION).list_alerts(AlertQuery(job=job))
    assert stored.state == "pending"
    assert json.loads(stored.alert.message)["log_tail"][0]["lines"] == ["boot", *TRACEBACK]


@pytest.mark.parametrize(
    ("value", "said"),
    [("-1", "from 0 to 200, not -1"), ("201", "from 0 to 200, not 201"), ("many", "not a number of lines")],
)
def test_log_lines_out_of_range_is_a_usage_error(
    value: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["backfill", "--since", "1d", f"--log-lines={value}"])
    assert exited.value.code == 2
    assert f"argument --log-lines: {said}" in capsys.readouterr().err
