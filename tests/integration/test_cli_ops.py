"""The operator commands: ``jobtrail backfill`` and ``jobtrail dlq`` (moto; SQS move tasks via Stubber)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from jobtrail.adapters.sqs import REASON_ATTRIBUTE
from jobtrail_cli import main
from jobtrail_cli.dead_letters import DeadLetterQueue, describe_dead_letter
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycles import load_bad_event, load_lifecycle


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def create_moto_jobs(count: int) -> list[str]:
    """Training jobs in moto's SageMaker (it reports them Completed), shaped like the completed fixture."""
    describe = load_lifecycle("completed").steps[0].describe
    client = boto3.client("sagemaker", region_name="us-east-1")
    names = [f"backfill-job-{i}" for i in range(count)]
    for name in names:
        client.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification=describe["AlgorithmSpecification"],
            RoleArn=describe["RoleArn"],
            OutputDataConfig=describe["OutputDataConfig"],
            ResourceConfig=describe["ResourceConfig"],
            StoppingCondition=describe["StoppingCondition"],
        )
    return names


def test_backfill_records_existing_jobs_silently_then_resumes(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    names = create_moto_jobs(3)
    with count_aws_calls() as calls:
        code, out, err = run(
            "--table", moto_table.name, "backfill", "--since", "30d", "--json", capsys=capsys
        )
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert (report["listed"], report["synced"], report["alerts_sent"]) == (3, 3, 0)
    assert calls["sns.Publish"] == 0
    code, out, _ = run("--table", moto_table.name, "jobs", "--json", capsys=capsys)
    assert sorted(j["job_name"] for j in json.loads(out)) == sorted(names)
    # A second run resumes after the last job the first one finished: nothing left to describe (jobs in
    # the boundary second may be listed again, as up to date: botocore sends whole seconds on some versions)
    with count_aws_calls() as calls:
        code, out, _ = run("--table", moto_table.name, "backfill", "--since", "30d", "--json", capsys=capsys)
    second = json.loads(out)
    assert second["synced"] == 0
    assert second["listed"] == second["up_to_date"]
    assert calls["sagemaker.DescribeTrainingJob"] == 0


def test_backfill_of_one_kind_lists_only_that_kind(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given training jobs in SageMaker
    create_moto_jobs(2)
    # When only processing jobs are backfilled, then training and pipeline executions
    with count_aws_calls() as calls:
        code, out, _ = run(
            "--table",
            moto_table.name,
            "backfill",
            "--since",
            "30d",
            "--kind",
            "processing",
            "--json",
            capsys=capsys,
        )
    # Then the first asked ListProcessingJobs only, and recorded none of the training jobs
    assert code == 0
    assert json.loads(out)["listed"] == 0
    assert calls["sagemaker.ListProcessingJobs"] == 1
    assert calls["sagemaker.ListTrainingJobs"] == 0
    code, out, _ = run(
        "--table",
        moto_table.name,
        "backfill",
        "--since",
        "30d",
        "--kind",
        "training,pipeline",
        "--json",
        capsys=capsys,
    )
    assert (code, json.loads(out)["synced"]) == (0, 2)
    # And a kind that does not exist is a usage error, in one line
    with pytest.raises(SystemExit) as exited:
        run("--table", moto_table.name, "backfill", "--since", "30d", "--kind", "trainig", capsys=capsys)
    assert exited.value.code == 2
    assert "unknown job kind trainig" in capsys.readouterr().err


def test_backfill_with_alerts_needs_a_topic(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run("--table", moto_table.name, "backfill", "--since", "7d", "--alerts", capsys=capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "--stack" in err


def test_dlq_list_says_why_each_message_is_there(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a dead-letter queue holding a rejected record (with its reason) and one that failed five times
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="jobtrail-dlq")["QueueUrl"]
    bad = load_bad_event("other-source")["Records"][0]["body"]
    sqs.send_message(
        QueueUrl=url,
        MessageBody=bad,
        MessageAttributes={
            REASON_ATTRIBUTE: {"DataType": "String", "StringValue": "source: Input should be 'aws.sagemaker'"}
        },
    )
    good = load_lifecycle("failed").steps[0].sqs_body
    sqs.send_message(QueueUrl=url, MessageBody=good)
    # When listed
    code, out, err = run("dlq", "list", "--dlq-url", url, "--json", capsys=capsys)
    letters = {json.loads(bad)["id"]: None, json.loads(good)["id"]: None}
    listed = json.loads(out)
    # Then both are shown with their event id, job and reason, and both are still in the queue
    assert (code, err) == (0, "")
    assert {entry["event_id"] for entry in listed} == set(letters)
    reasons = {entry["job_name"]: entry["reason"] for entry in listed}
    assert reasons[load_lifecycle("failed").job_names[0]] == "processing failed repeatedly (redrive policy)"
    assert any(r.startswith("rejected: source") for r in reasons.values())
    remaining = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert remaining["Attributes"]["ApproximateNumberOfMessages"] == "2"
    code, out, _ = run("dlq", "list", "--dlq-url", url, capsys=capsys)
    assert code == 0
    assert "rejected:" in out


@pytest.mark.parametrize(
    ("detail_type", "detail", "job_name"),
    [
        ("SageMaker Processing Job State Change", {"ProcessingJobName": "featurize-1"}, "featurize-1"),
        ("SageMaker Transform Job State Change", {"TransformJobName": "score-1"}, "score-1"),
        (
            "SageMaker HyperParameter Tuning Job State Change",
            {"HyperParameterTuningJobName": "hpo-1"},
            "hpo-1",
        ),
        (
            "SageMaker Model Building Pipeline Execution Status Change",
            {"pipelineExecutionArn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/x1y2z3"},
            "p/x1y2z3",
        ),
        ("SageMaker Endpoint State Change", {"EndpointName": "e"}, None),
    ],
)
def test_a_dead_letter_names_the_job_of_any_kind(
    detail_type: str, detail: dict[str, Any], job_name: str | None
) -> None:
    body = json.dumps({"id": "e-1", "detail-type": detail_type, "source": "aws.sagemaker", "detail": detail})
    letter = describe_dead_letter({"MessageId": "m-1", "Body": body})
    assert (letter.event_id, letter.job_name) == ("e-1", job_name)


def test_dlq_without_a_queue_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run("dlq", "list", capsys=capsys)
    assert code == 2
    assert "--stack" in err


def test_redrive_starts_a_message_move_task_back_to_the_source() -> None:
    client = boto3.client("sqs", region_name="us-east-1")
    dlq_url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobtrail-dlq"
    dlq_arn = "arn:aws:sqs:us-east-1:123456789012:jobtrail-dlq"
    source_arn = "arn:aws:sqs:us-east-1:123456789012:jobtrail-StateChangeQueue"
    with Stubber(client) as stub:
        stub.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": dlq_arn}},
            {"QueueUrl": dlq_url, "AttributeNames": ["QueueArn"]},
        )
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "task-1"},
            {"SourceArn": dlq_arn, "DestinationArn": source_arn, "MaxNumberOfMessagesPerSecond": 10},
        )
        handle = DeadLetterQueue(client, dlq_url).redrive(destination_arn=source_arn, per_second=10)
        stub.assert_no_pending_responses()
    assert handle == "task-1"


def test_dlq_list_sees_every_message_once_and_leaves_them_all(moto_table: Any) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="jobtrail-dlq-many")["QueueUrl"]
    bodies = [step.sqs_body for step in load_lifecycle("spot-interrupted").steps] * 2  # 26 messages
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    letters = DeadLetterQueue(sqs, url).peek(limit=100)
    assert len(letters) == len(bodies)
    assert {letter.receive_count for letter in letters} == {1}
    visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == str(len(bodies))
    assert len(DeadLetterQueue(sqs, url).peek(limit=5)) == 5


def test_backfill_on_a_missing_table_is_one_line(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run("--table", "no-such-table", "backfill", "--since", "1d", capsys=capsys)
    assert code != 0
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert err.startswith("jobtrail: table no-such-table does not exist in us-east-1 (named by --table")
