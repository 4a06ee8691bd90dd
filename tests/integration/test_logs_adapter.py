"""The CloudWatch Logs adapter: the job's streams by prefix, the end of a few, and a reason instead of an
exception whatever goes wrong (moto's CloudWatch Logs; botocore's Stubber for the errors moto cannot make)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from job_logs import START_MS, TRACEBACK, write_job_log
from jobtrail.adapters.logs import CLIENT_CONFIG, COOL_DOWN_SECONDS, CloudWatchJobLogs
from jobtrail.core.kinds import JobKey
from jobtrail.core.log_tail import MAX_STREAMS
from jobtrail_local.aws_calls import count_aws_calls
from moto import mock_aws

JOB = JobKey("123456789012", "us-east-1", "training", "bert-finetune-1")


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("logs", region_name="us-east-1")


def test_the_failing_stream_comes_first_with_its_last_lines(logs: Any) -> None:
    write_job_log(logs, JOB, ["epoch 1", "epoch 2 done"], host="algo-2")
    failing = write_job_log(logs, JOB, ["boot", *TRACEBACK], host="algo-1")
    write_job_log(logs, JobKey("123456789012", "us-east-1", "training", "bert-finetune-10"), ["other job"])

    tail = CloudWatchJobLogs(logs).tail(JOB, 3)

    assert [s.name for s in tail.streams] == [failing, f"{JOB.name}/algo-2-{START_MS // 1000}"]
    assert tail.streams[0].lines == TRACEBACK[-3:]
    assert tail.streams[0].logs_url.startswith("https://us-east-1.console.aws.amazon.com/cloudwatch/")
    assert tail.error is None


def test_one_describe_and_a_get_per_chosen_stream(logs: Any) -> None:
    for host in range(6):
        write_job_log(logs, JOB, ["line"], host=f"algo-{host}", start_ms=START_MS + host * 1000)

    with count_aws_calls() as calls:
        tail = CloudWatchJobLogs(logs).tail(JOB, 20)

    assert len(tail.streams) == MAX_STREAMS
    assert dict(calls) == {"logs.DescribeLogStreams": 1, "logs.GetLogEvents": MAX_STREAMS}


def test_a_processing_job_reads_its_own_group(logs: Any) -> None:
    job = JobKey("123456789012", "us-east-1", "processing", "churn-features")
    write_job_log(logs, job, ["ExitCode 1"], host="algo-1")

    tail = CloudWatchJobLogs(logs).tail(job, 20)

    assert tail.streams[0].name.startswith("churn-features/")
    assert "ProcessingJobs" in tail.streams[0].logs_url


def test_a_missing_log_group_is_a_reason(logs: Any) -> None:
    tail = CloudWatchJobLogs(logs).tail(JOB, 20)

    assert tail.streams == ()
    assert tail.error == "log group /aws/sagemaker/TrainingJobs does not exist yet (no container has logged)"
    # A job with no log to quote, not a failed read
    assert not tail.read_failed


def test_no_streams_or_empty_streams_are_a_reason(logs: Any) -> None:
    write_job_log(logs, JobKey("123456789012", "us-east-1", "training", "someone-else"), ["x"])
    no_streams = CloudWatchJobLogs(logs).tail(JOB, 20)
    assert no_streams.error == f"no log streams {JOB.name}/… in /aws/sagemaker/TrainingJobs"
    write_job_log(logs, JOB, [])
    no_events = CloudWatchJobLogs(logs).tail(JOB, 20)
    assert no_events.error == "the job's log streams hold no events"
    # Neither is a failed read: the job has no log to quote (it failed before a container ran)
    assert not no_streams.read_failed
    assert not no_events.read_failed


def test_tuning_reads_nothing(logs: Any) -> None:
    with count_aws_calls() as calls:
        tail = CloudWatchJobLogs(logs).tail(JobKey("123456789012", "us-east-1", "tuning", "hpo"), 20)

    assert tail.streams == ()
    assert tail.error is None
    assert not calls


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("ThrottlingException", "CloudWatch Logs throttled the read of /aws/sagemaker/TrainingJobs"),
        ("AccessDeniedException", "not allowed to read /aws/sagemaker/TrainingJobs (AccessDeniedException)"),
        ("ServiceUnavailableException", "/aws/sagemaker/TrainingJobs could not be read (ServiceUnavailable"),
    ],
)
def test_errors_are_reasons_not_exceptions(code: str, reason: str) -> None:
    client = boto3.client("logs", region_name="us-east-1", config=CLIENT_CONFIG)
    with Stubber(client) as stub:
        stub.add_client_error("describe_log_streams", service_error_code=code, http_status_code=400)

        tail = CloudWatchJobLogs(client).tail(JOB, 20)

    assert tail.streams == ()
    assert tail.error is not None
    assert tail.error.startswith(reason)
    assert tail.read_failed


def test_a_denied_get_after_the_listing_is_a_reason() -> None:
    client = boto3.client("logs", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "describe_log_streams",
            {"logStreams": [{"logStreamName": f"{JOB.name}/algo-1-1", "lastEventTimestamp": START_MS}]},
            {
                "logGroupName": "/aws/sagemaker/TrainingJobs",
                "logStreamNamePrefix": f"{JOB.name}/",
                "orderBy": "LogStreamName",
                "limit": 50,
            },
        )
        stub.add_client_error("get_log_events", service_error_code="AccessDeniedException")

        tail = CloudWatchJobLogs(client).tail(JOB, 20)

    assert tail.error == "not allowed to read /aws/sagemaker/TrainingJobs (AccessDeniedException)"


def test_empty_newest_pages_are_followed_a_bounded_number_of_times() -> None:
    client = boto3.client("logs", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("describe_log_streams", {"logStreams": [{"logStreamName": f"{JOB.name}/algo-1-1"}]})
        for page in range(3):
            stub.add_response("get_log_events", {"events": [], "nextBackwardToken": f"b/{page}"})

        tail = CloudWatchJobLogs(client).tail(JOB, 20)

        stub.assert_no_pending_responses()
    assert tail.error == "the job's log streams hold no events"


def test_a_timeout_is_a_reason_and_the_budget_stops_further_calls() -> None:
    client = boto3.client("logs", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "describe_log_streams",
            {"logStreams": [{"logStreamName": f"{JOB.name}/algo-{i}-1"} for i in range(3)]},
        )
        ticks = iter([0.0, 1.0, 100.0, 100.0])  # the budget runs out before the first GetLogEvents
        tail = CloudWatchJobLogs(client, clock=lambda: next(ticks)).tail(JOB, 20)
    assert tail.error == "reading /aws/sagemaker/TrainingJobs took longer than 8 s"

    def time_out(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://logs.us-east-1.amazonaws.com")

    client.meta.events.register("before-call.cloudwatch-logs.DescribeLogStreams", time_out)
    tail = CloudWatchJobLogs(client).tail(JOB, 20)
    assert tail.error is not None
    assert tail.error.startswith("/aws/sagemaker/TrainingJobs could not be read: Read")


def test_the_client_is_bounded_in_time() -> None:
    assert CLIENT_CONFIG.retries is not None
    assert CLIENT_CONFIG.retries["total_max_attempts"] == 2
    assert CLIENT_CONFIG.connect_timeout + CLIENT_CONFIG.read_timeout <= 10


def test_after_a_throttle_the_next_alerts_do_not_wait_for_cloudwatch_logs() -> None:
    # Given CloudWatch Logs throttling the first read
    client = boto3.client("logs", region_name="us-east-1")
    now = [0.0]
    logs = CloudWatchJobLogs(client, clock=lambda: now[0])
    with Stubber(client) as stub:
        stub.add_client_error("describe_log_streams", service_error_code="ThrottlingException")
        first = logs.tail(JOB, 20)
        # When more failed jobs want their excerpt within the cool-down
        second = logs.tail(JOB, 20)
        # Then they get none at once (no call made), with the reason
        stub.assert_no_pending_responses()
    assert first.error is not None
    assert first.error.startswith("CloudWatch Logs throttled")
    assert second.error == "CloudWatch Logs did not answer a moment ago; not asked again yet"
    # And after it, the logs are asked again
    now[0] = COOL_DOWN_SECONDS + 1
    with Stubber(client) as stub:
        stub.add_response("describe_log_streams", {"logStreams": []})
        assert logs.tail(JOB, 20).error == f"no log streams {JOB.name}/… in /aws/sagemaker/TrainingJobs"
        stub.assert_no_pending_responses()


def test_a_job_without_a_log_group_does_not_stop_the_next_read() -> None:
    client = boto3.client("logs", region_name="us-east-1")
    logs = CloudWatchJobLogs(client)
    with Stubber(client) as stub:
        stub.add_client_error("describe_log_streams", service_error_code="ResourceNotFoundException")
        stub.add_response("describe_log_streams", {"logStreams": []})
        logs.tail(JOB, 20)
        assert logs.tail(JOB, 20).error == f"no log streams {JOB.name}/… in /aws/sagemaker/TrainingJobs"
        stub.assert_no_pending_responses()


def test_the_functions_make_their_logs_client_only_when_an_alert_wants_a_log() -> None:
    # Given the adapters a function builds at its cold start (moto: nothing leaves the process)
    from jobtrail.adapters.aws import AwsAdapters  # noqa: PLC0415 - the composition roots' builder
    from moto import mock_aws  # noqa: PLC0415

    with mock_aws():
        aws = AwsAdapters("jobtrail-history")
        made: list[str] = []
        session = aws._session
        session.events.register(
            "creating-client-class", lambda **kw: made.append(kw["event_name"].rsplit(".", 1)[-1])
        )
        job_logs = aws.job_logs()
        # Then no CloudWatch Logs client exists until a Failed alert asks for a log
        assert made == []
        tail = job_logs.tail(JOB, 20)
        assert made == ["cloudwatch-logs"]
        assert (
            tail.error == "log group /aws/sagemaker/TrainingJobs does not exist yet (no container has logged)"
        )
