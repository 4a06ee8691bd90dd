"""A Failed alert carries the end of the job's log, read once per alert (not per retry), never blocking it."""

from __future__ import annotations

import json

import pytest
from fakes import FakeWorld, ScriptedJobLogs
from jobtrail.core.log_tail import LogTail, StreamTail
from jobtrail.core.slack_message import SECTION_LIMIT, slack_payload, utf16_length
from jobtrail.observability import metrics
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from msgspec.structs import replace

TAIL = LogTail(
    streams=(
        StreamTail(
            "bert-finetune-reviews-2026-11-20-13-30-00-789/algo-1-1795181400",
            ("Traceback (most recent call last):", "torch.OutOfMemoryError: CUDA out of memory"),
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:x",
        ),
    )
)


def replay(world: FakeWorld, name: str) -> list[str]:
    failed: list[str] = []
    for step in load_lifecycle(name).steps:
        world.script.advance(step)
        response = handle_batch(sqs_batch([step.sqs_body]), world.deps)
        failed += [item["itemIdentifier"] for item in response["batchItemFailures"]]
    return failed


def world_with(logs: ScriptedJobLogs, **changes: object) -> FakeWorld:
    world = FakeWorld()
    world.deps = replace(world.deps, logs=logs, **changes)  # type: ignore[misc, arg-type]
    return world


def test_a_failed_alert_carries_the_log_tail() -> None:
    logs = ScriptedJobLogs(TAIL)
    world = world_with(logs)

    assert replay(world, "failed") == []

    [alert] = world.publisher.published
    document = json.loads(alert.message)
    assert document["log_tail"] == [stream.as_dict() for stream in TAIL.streams]
    assert document["log_tail_error"] is None
    assert [(job.name, lines) for job, lines in logs.reads] == [(alert.job_name, 20)]


def test_a_missing_log_group_still_sends_the_alert_once_saying_why() -> None:
    logs = ScriptedJobLogs(LogTail.failed("log group /aws/sagemaker/TrainingJobs does not exist yet"))
    world = world_with(logs)

    assert replay(world, "failed") == []

    [alert] = world.publisher.published
    document = json.loads(alert.message)
    assert document["log_tail"] is None
    assert document["log_tail_error"] == "log group /aws/sagemaker/TrainingJobs does not exist yet"


@pytest.mark.parametrize(
    ("tail", "counted"),
    [
        (LogTail.absent("no log streams job/… in /aws/sagemaker/TrainingJobs"), False),
        (LogTail.failed("CloudWatch Logs throttled the read of /aws/sagemaker/TrainingJobs"), True),
    ],
)
def test_only_a_failed_read_is_counted_as_a_log_read_failure(
    tail: LogTail, counted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an alert whose log could not be quoted: the job has none, or the read failed
    added: list[str] = []
    monkeypatch.setattr(metrics, "add_metric", lambda name, **_: added.append(name))
    world = world_with(ScriptedJobLogs(tail))
    # When its Failed alert goes out
    assert replay(world, "failed") == []
    # Then it goes out saying why either way, and only the failed read is a metric (AlertLogReadFailures)
    [alert] = world.publisher.published
    assert json.loads(alert.message)["log_tail_error"] == tail.error
    assert ("AlertLogReadFailures" in added) is counted


def test_a_publish_failure_and_the_redelivery_read_the_log_once() -> None:
    # Given SNS refuses the first publish
    logs = ScriptedJobLogs(TAIL)
    world = world_with(logs)
    world.publisher.fail_for = {"Failed"}
    assert replay(world, "failed") != []
    # When the batch is redelivered and SNS accepts it
    world.publisher.fail_for = set()
    last = load_lifecycle("failed").steps[-1]
    assert handle_batch(sqs_batch([last.sqs_body, last.sqs_body]), world.deps)["batchItemFailures"] == []

    # Then the alert went out once, with the tail read the first time: the log was read once
    [alert] = world.publisher.published
    assert json.loads(alert.message)["log_tail"] is not None
    assert len(logs.reads) == 1


def test_alerts_other_than_failed_read_no_log() -> None:
    logs = ScriptedJobLogs(TAIL)
    world = world_with(logs)

    assert replay(world, "spot-interrupted") == []

    assert {a.alert_type for a in world.publisher.published} == {"Interrupted"}
    assert logs.reads == []
    assert all(json.loads(a.message)["log_tail"] is None for a in world.publisher.published)


def test_zero_lines_reads_no_log() -> None:
    logs = ScriptedJobLogs(TAIL)
    world = world_with(logs, log_lines=0)

    assert replay(world, "failed") == []

    assert logs.reads == []
    assert json.loads(world.publisher.published[0].message)["log_tail"] is None


def test_a_pipeline_alert_quotes_its_failed_steps_job_and_tuning_none() -> None:
    logs = ScriptedJobLogs(TAIL)
    world = world_with(logs)

    assert replay(world, "pipeline-failed") == []
    assert replay(world, "tuning-failed") == []

    pipeline = [a for a in world.publisher.published if a.job.kind == "pipeline"]
    assert pipeline
    step_jobs = {json.loads(a.message)["failed_step_job"]["job_name"] for a in pipeline}
    assert {job.name for job, _ in logs.reads} == step_jobs
    assert all(job.kind != "tuning" for job, _ in logs.reads)


def test_slack_shows_the_tail_as_a_code_block_with_a_link_per_stream() -> None:
    world = world_with(ScriptedJobLogs(TAIL))
    replay(world, "failed")

    payload = slack_payload(json.loads(world.publisher.published[0].message))

    texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert any("torch.OutOfMemoryError: CUDA out of memory```" in text for text in texts)
    links = [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any(TAIL.streams[0].logs_url in link for link in links)


def test_a_long_tail_keeps_its_last_lines_in_slack() -> None:
    lines = (*(f"{i:03d} " + "é" * 400 for i in range(200)), "ValueError: the end")
    tail = LogTail(streams=(StreamTail("job/algo-1-1", lines, "https://example.com/x"),))
    world = world_with(ScriptedJobLogs(tail))
    replay(world, "failed")

    payload = slack_payload(json.loads(world.publisher.published[0].message))

    [excerpt] = [
        b["text"]["text"] for b in payload["blocks"] if "ValueError" in b.get("text", {}).get("text", "")
    ]
    assert excerpt.startswith("```\n…")
    assert excerpt.endswith("ValueError: the end```")
    assert utf16_length(excerpt) <= SECTION_LIMIT


def test_slack_says_why_there_is_no_excerpt() -> None:
    world = world_with(ScriptedJobLogs(LogTail.failed("not allowed to read /aws/sagemaker/TrainingJobs")))
    replay(world, "failed")

    payload = slack_payload(json.loads(world.publisher.published[0].message))

    assert "No log lines: not allowed to read /aws/sagemaker/TrainingJobs" in json.dumps(payload)
