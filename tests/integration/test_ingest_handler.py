"""``IngestFunction``'s handler as Lambda calls it, wired from its environment, on moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from expectations import described
from fakes import scripted_training_jobs
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.sqs import REASON_ATTRIBUTE
from jobtrail.core.events import parse_state_change
from jobtrail.observability import logger
from jobtrail_local.lambda_runtime import LambdaContext
from jobtrail_local.lifecycle_builder import job_key
from jobtrail_local.lifecycles import (
    Lifecycle,
    lifecycle_names,
    load_bad_event,
    load_lifecycle,
    load_sqs_event,
    sqs_event_names,
)
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker
from msgspec.structs import replace
from worlds import create_in_moto

from functions.ingest.app import deps_from_environment, lambda_handler


@pytest.fixture
def deployed(moto_table: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The function's environment as the template sets it, on moto (already active via moto_table)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq_url = sqs.create_queue(QueueName="jobtrail-StateChangeDeadLetterQueue")["QueueUrl"]
    monkeypatch.setenv("JOBTRAIL_TABLE", moto_table.name)
    monkeypatch.setenv("JOBTRAIL_DEAD_LETTER_QUEUE_URL", dlq_url)
    topic_arn = boto3.client("sns", region_name="us-east-1").create_topic(Name="jobtrail-AlertTopic")[
        "TopicArn"
    ]
    monkeypatch.setenv("JOBTRAIL_ALERT_TOPIC_ARN", topic_arn)
    deps_from_environment.cache_clear()
    yield {"table": moto_table.name, "sqs": sqs, "dlq_url": dlq_url, "topic_arn": topic_arn}
    deps_from_environment.cache_clear()


def test_the_handler_records_what_sagemaker_describes(deployed: dict[str, Any]) -> None:
    # Given a job known to SageMaker, and the SQS batch of its first events (events/sqs)
    lifecycle = load_lifecycle("completed")
    job_name = lifecycle.job_names[0]
    create_in_moto(lifecycle.steps[0].describe)
    # When Lambda invokes the handler
    response = lambda_handler(load_sqs_event("completed"), LambdaContext())
    # Then no record fails and the history holds SageMaker's (moto's) account of the job
    assert response == {"batchItemFailures": []}
    stored = HistoryStore(deployed["table"], region="us-east-1").load(job_key(job_name))
    assert stored is not None
    assert stored.summary.status == "Completed"
    assert [t.status for t in stored.transitions] == ["Starting"]
    assert [m.name for m in stored.final_metrics] == ["train:progress"]


@pytest.mark.parametrize("name", sqs_event_names())
def test_each_sqs_fixture_through_the_handler_records_its_jobs(
    deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # Given SageMaker in the state after every lifecycle, answering from the scripts in events/
    script = ScriptedSageMaker()
    for lifecycle in map(load_lifecycle, lifecycle_names()):
        for step in lifecycle.steps:
            script.advance(step)
    real = deps_from_environment()
    monkeypatch.setattr(
        "functions.ingest.app.deps_from_environment",
        lambda: replace(real, jobs=(jobs := scripted_training_jobs(script)), tags=jobs),
    )
    event = load_sqs_event(name)
    # When Lambda invokes the handler with the SQS batch (as `sam local invoke -e events/sqs/…` would)
    response = lambda_handler(event, LambdaContext())
    # Then nothing fails and every job in the batch is stored as SageMaker describes it now
    assert response == {"batchItemFailures": []}
    store = HistoryStore(deployed["table"], region="us-east-1")
    jobs = {parsed.job for parsed in map(parse_state_change, (r["body"] for r in event["Records"]))}
    assert sorted(script.describes) == sorted(jobs)  # type: ignore[type-var]
    for job in jobs:
        stored = store.load(job)
        assert stored is not None
        truth = script.jobs().describe(job)
        assert truth is not None
        assert described(stored.summary) == truth.summary
        assert stored.summary.tags == script.jobs().tags(truth.summary)
        assert stored.steps == truth.steps
        if job.kind == "training":
            assert stored.transitions == truth.transitions


def test_the_handler_drops_events_of_unknown_jobs(deployed: dict[str, Any]) -> None:
    response = lambda_handler(load_sqs_event("completed"), LambdaContext())
    assert response == {"batchItemFailures": []}
    assert (
        HistoryStore(deployed["table"], region="us-east-1").load(
            job_key(load_lifecycle("completed").job_names[0])
        )
        is None
    )


def test_the_handler_parks_bad_records_in_the_dead_letter_queue(
    deployed: dict[str, Any], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    event = load_bad_event("other-source")
    response = lambda_handler(event, LambdaContext())
    assert response == {"batchItemFailures": []}
    parked = deployed["sqs"].receive_message(
        QueueUrl=deployed["dlq_url"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in parked] == [r["body"] for r in event["Records"]]
    assert "source" in parked[0]["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]
    # And the ERROR log line names the event and the reason; a metric counts the rejection
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert errors[0].event_id == json.loads(event["Records"][0]["body"])["id"]  # type: ignore[attr-defined]
    assert "aws.sagemaker" in errors[0].reason  # type: ignore[attr-defined]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [doc["EventsRejected"] for doc in emf] == [[1.0]]


def test_no_secret_reaches_the_logs(
    deployed: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given credentials with a recognisable secret, and a batch that exercises every log line:
    # good events, a rejected one, a job SageMaker does not know, and alerts (the per-event and per-alert
    # lines are DEBUG's)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRETxKEYxTHATxMUSTxNOTxLEAK")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "SESSIONxTOKENxTHATxMUSTxNOTxLEAK")
    caplog.set_level("DEBUG")
    caplog.set_level("DEBUG", logger=logger.name)
    script = ScriptedSageMaker()
    for step in load_lifecycle("failed").steps:
        script.advance(step)
    deps_from_environment.cache_clear()
    real = deps_from_environment()
    monkeypatch.setattr(
        "functions.ingest.app.deps_from_environment",
        lambda: replace(real, jobs=(jobs := scripted_training_jobs(script)), tags=jobs),
    )
    bad = load_bad_event("mixed-batch")
    lambda_handler(load_sqs_event("failed"), LambdaContext())
    lambda_handler(bad, LambdaContext())
    # Then neither secret appears in anything logged or printed
    output = capsys.readouterr()
    everything = "\n".join([caplog.text, output.out, output.err])
    assert "alert published" in everything
    assert "rejected record" in everything
    assert "batch processed" in everything
    assert "SECRETxKEY" not in everything
    assert "SESSIONxTOKEN" not in everything


def test_the_function_routes_alerts_by_the_parameter_its_environment_names(
    deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the stack's routes parameter (JOBTRAIL_ROUTES_PARAMETER), a subscriber, and SageMaker after the
    # failed lifecycle (the job tagged team=nlp)
    routes = {"routes": [{"team": "nlp", "match": {"tags": {"team": "nlp"}}}]}
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name="/jobtrail/routes", Type="String", Value=json.dumps(routes)
    )
    monkeypatch.setenv("JOBTRAIL_ROUTES_PARAMETER", "/jobtrail/routes")
    subscriber = subscribed(deployed)
    after_the_lifecycle(monkeypatch, "failed")
    # When the handler gets the lifecycle's events
    assert lambda_handler(load_sqs_event("failed"), LambdaContext()) == {"batchItemFailures": []}
    # Then the alert went out with its team, as a message attribute and in the message
    [message] = deployed["sqs"].receive_message(QueueUrl=subscriber, MaxNumberOfMessages=10)["Messages"]
    notification = json.loads(message["Body"])
    assert notification["MessageAttributes"]["team"] == {"Type": "String", "Value": "nlp"}
    assert json.loads(notification["Message"])["route"]["reason"] == 'rule 1 "nlp": tag team=nlp'


def test_with_an_access_portal_the_alerts_links_open_the_jobs_account(
    deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the stack's ConsolePortalUrl and ConsoleRoleName, a subscriber, and SageMaker after the failed
    # lifecycle
    monkeypatch.setenv("JOBTRAIL_CONSOLE_PORTAL_URL", "https://d-9067c2a1b3.awsapps.com/start/")
    monkeypatch.setenv("JOBTRAIL_CONSOLE_ROLE_NAME", "ReadOnlyAccess")
    subscriber = subscribed(deployed)
    lifecycle = after_the_lifecycle(monkeypatch, "failed")
    # When the handler gets the lifecycle's events
    assert lambda_handler(load_sqs_event("failed"), LambdaContext()) == {"batchItemFailures": []}
    # Then the published alert's links are the portal's shortcuts to the job's account, with the role
    [message] = deployed["sqs"].receive_message(QueueUrl=subscriber, MaxNumberOfMessages=10)["Messages"]
    notification = json.loads(message["Body"])
    document = json.loads(notification["Message"])
    shortcut = (
        "https://d-9067c2a1b3.awsapps.com/start/#/console?account_id=123456789012&role_name=ReadOnlyAccess"
    )
    assert document["console_url"].startswith(f"{shortcut}&destination=https%3A%2F%2Fus-east-1.console.")
    assert document["logs_url"].startswith(f"{shortcut}&destination=https%3A%2F%2Fus-east-1.console.")
    assert notification["MessageAttributes"]["account"] == {"Type": "String", "Value": "123456789012"}
    assert notification["MessageAttributes"]["region"] == {"Type": "String", "Value": "us-east-1"}
    # And the alert stored in the outbox is the one published, links and all
    stored = HistoryStore(deployed["table"], region="us-east-1").load(job_key(lifecycle.job_names[0]))
    assert stored is not None
    [sent] = stored.alerts
    assert sent.alert.message == notification["Message"]


def test_a_malformed_access_portal_fails_the_cold_start_naming_the_setting(
    deployed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBTRAIL_CONSOLE_PORTAL_URL", "https://example.com/start")
    with pytest.raises(
        ValueError, match=r"^ConsolePortalUrl: 'https://example\.com/start' is not an AWS access portal URL"
    ):
        deps_from_environment()


def subscribed(deployed: dict[str, Any]) -> str:
    """A queue subscribed to the stack's alert topic; its URL."""
    url: str = deployed["sqs"].create_queue(QueueName="alert-subscriber")["QueueUrl"]
    arn = deployed["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    boto3.client("sns", region_name="us-east-1").subscribe(
        TopicArn=deployed["topic_arn"], Protocol="sqs", Endpoint=arn
    )
    return url


def after_the_lifecycle(monkeypatch: pytest.MonkeyPatch, name: str) -> Lifecycle:
    """The function's dependencies from its environment, SageMaker answering as after lifecycle ``name``."""
    script = ScriptedSageMaker()
    lifecycle = load_lifecycle(name)
    for step in lifecycle.steps:
        script.advance(step)
    real = deps_from_environment()
    monkeypatch.setattr(
        "functions.ingest.app.deps_from_environment",
        lambda: replace(real, jobs=(jobs := scripted_training_jobs(script)), tags=jobs),
    )
    return lifecycle
