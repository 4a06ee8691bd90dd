"""Alerts through the real outbox (moto and DynamoDB Local) and SNS (moto), as subscribers see them."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jobtrail.adapters.history_queries import AlertQuery
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.alerts import build_alert
from jobtrail.core.history import plan_changes
from jobtrail.core.model import Claim
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.sync import ALERT_CLAIM_SECONDS
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycle_builder import job_key
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle, sqs_batch
from msgspec.structs import replace
from worlds import World

SNS_FIELDS = {
    "alert_id", "alert_type", "severity", "job_name", "job_arn", "status", "secondary_status",
    "transition_start_time", "status_message", "failure_reason", "training_time_seconds",
    "billable_time_seconds", "tuning_job_arn", "final_metrics", "console_url", "logs_url",
}  # fmt: skip


def replay(world: World, steps: list[Any], batch_size: int = 10) -> list[str]:
    failed: list[str] = []
    for start in range(0, len(steps), batch_size):
        batch = steps[start : start + batch_size]
        for step in batch:
            world.script.advance(step)
        response = handle_batch(sqs_batch([s.sqs_body for s in batch]), world.deps)
        failed += [item["itemIdentifier"] for item in response["batchItemFailures"]]
    return failed


def test_every_lifecycle_alerts_once_per_alerting_transition(world: World) -> None:
    # Given all lifecycles, each event twice, newest first
    steps = [s for name in lifecycle_names() for s in reversed(load_lifecycle(name).steps) for _ in range(2)]
    with count_aws_calls() as calls:
        assert replay(world, steps) == []
    # Then subscribers got one notification per expected alert: 1.0 publish per alert
    notifications = world.notifications()
    expected = Counter(
        (outcome.kind, label.removeprefix(f"{outcome.kind}/"), alert)
        for name in lifecycle_names()
        for label, outcome in load_lifecycle(name).expected.items()
        for alert in outcome.alerts
    )
    assert {kind for kind, _, _ in expected} == {"training", "processing", "transform", "tuning", "pipeline"}
    received = Counter(
        tuple(n["MessageAttributes"][name]["Value"] for name in ("job_kind", "job_name", "alert_type"))
        for n in notifications
    )
    assert received == expected
    assert calls["sns.Publish"] == sum(expected.values())
    # And the outbox says sent, with SNS's message id
    alerts = world.queries.list_alerts(AlertQuery(limit=100))
    assert len(alerts) == sum(expected.values())
    assert {a.state for a in alerts} == {"sent"}
    assert {a.sns_message_id for a in alerts} == {n["MessageId"] for n in notifications}


@pytest.mark.parametrize(
    ("name", "alert_type"),
    [("failed", "Failed"), ("max-runtime", "MaxRuntimeExceeded"), ("spot-interrupted", "Interrupted")],
)
def test_the_sns_message_field_by_field(world: World, name: str, alert_type: str) -> None:
    lifecycle = load_lifecycle(name)
    replay(world, list(lifecycle.steps), batch_size=1)
    notification = next(
        n for n in world.notifications() if n["MessageAttributes"]["alert_type"]["Value"] == alert_type
    )
    message = json.loads(notification["Message"])
    job = lifecycle.job_names[0]
    final = record_from_describe(lifecycle.final_describe(job))
    transition = next(t for t in final.transitions if t.status == alert_type)
    assert set(message) >= SNS_FIELDS
    assert notification["Subject"] == f"{alert_type}: {job}"
    assert {k: v["Value"] for k, v in notification["MessageAttributes"].items()} == {
        "alert_type": alert_type,
        "severity": "warning" if alert_type == "Interrupted" else "critical",
        "job_name": job,
        "job_kind": "training",
        "account": "123456789012",
        "region": "us-east-1",
    }
    assert {k: v["Type"] for k, v in notification["MessageAttributes"].items()} == dict.fromkeys(
        ("alert_type", "severity", "job_name", "job_kind", "account", "region"), "String"
    )
    assert message["alert_type"] == alert_type
    assert message["job_name"] == job
    assert message["job_arn"] == final.summary.job_arn
    assert datetime.fromisoformat(message["transition_start_time"]) == transition.start_time
    assert message["transition_start_time"].endswith("+00:00")
    assert message["status_message"] == transition.message
    assert message["console_url"].startswith("https://us-east-1.console.aws.amazon.com/sagemaker/")
    assert "TrainingJobs" in message["logs_url"]
    if alert_type == "Interrupted":
        assert message["failure_reason"] is None
        assert message["status"] == "InProgress"
    else:
        assert message["failure_reason"] == final.summary.failure_reason
        assert message["status"] == final.summary.status


def test_a_63_character_name_and_a_1024_character_unicode_reason_survive_intact(world: World) -> None:
    # Given the failed job renamed to 63 characters, failing with a 1,024-character reason
    lifecycle = load_lifecycle("failed")
    name = "x" * 30 + "-" + "y" * 32
    reason = ("AlgorithmError: \"quoted\" 'single' ünïcödé 🚀 `tick` <tag> & more\n" * 20)[:1024]
    assert (len(name), len(reason)) == (63, 1024)
    final = record_from_describe(lifecycle.final_describe(lifecycle.job_names[0]))
    record = replace(final, summary=replace(final.summary, job_name=name, failure_reason=reason))
    alert = build_alert(record, record.transitions[-1])
    # When it is published
    world.deps.alerts.publish(alert)
    notification = world.notifications()[0]
    message = json.loads(notification["Message"])
    # Then the subscriber gets every character
    assert notification["Subject"] == f"Failed: {name}"
    assert len(notification["Subject"]) <= 100
    assert message["job_name"] == name
    assert message["failure_reason"] == reason
    assert notification["MessageAttributes"]["job_name"]["Value"] == name


def test_a_claim_keeps_a_second_sender_out_until_it_expires(world: World) -> None:
    lifecycle = load_lifecycle("failed")
    job = lifecycle.job_names[0]
    world.script.advance(lifecycle.steps[-1])
    record = record_from_describe(lifecycle.final_describe(job))
    now = datetime.now(UTC)
    first = Claim("first", now + timedelta(seconds=ALERT_CLAIM_SECONDS))
    world.store.apply(plan_changes(None, record, frozenset({"Failed"})), claim=first)
    stored = world.store.load(job_key(job))
    assert stored is not None
    [pending] = stored.alerts
    second = Claim("second", now + timedelta(seconds=2 * ALERT_CLAIM_SECONDS))
    assert not world.store.claim_alert(pending.alert, second, now=now)
    assert not world.store.mark_sent(pending.alert, second, sent_at=now, sns_message_id="m")
    assert world.store.claim_alert(
        pending.alert, second, now=now + timedelta(seconds=ALERT_CLAIM_SECONDS + 1)
    )
    assert not world.store.mark_sent(pending.alert, first, sent_at=now, sns_message_id="m")
    assert world.store.mark_sent(pending.alert, second, sent_at=now, sns_message_id="m-2")
    assert not world.store.claim_alert(pending.alert, first, now=now + timedelta(days=1))
    [sent] = world.store.load(job_key(job)).alerts  # type: ignore[union-attr]
    assert (sent.state, sent.sns_message_id, sent.claim_token) == ("sent", "m-2", None)


def test_two_handlers_racing_on_one_job_publish_each_alert_once(local_world: World) -> None:
    # Given the spot job's whole lifecycle, handed to two invocations at the same moment, several times
    world = local_world
    lifecycle = load_lifecycle("spot-interrupted")
    for step in lifecycle.steps:
        world.script.advance(step)
    batches = [sqs_batch([s.sqs_body for s in lifecycle.steps[i : i + 4]]) for i in range(0, 13, 4)]
    errors: list[BaseException] = []
    start = threading.Barrier(2, timeout=10)

    def invocation(order: list[dict[str, Any]]) -> None:
        try:
            start.wait()
            for batch in order:
                handle_batch(batch, world.deps)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=invocation, args=(o,)) for o in (batches, list(reversed(batches)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then both Interrupted alerts were published exactly once each
    assert errors == []
    received = [n["MessageAttributes"]["alert_type"]["Value"] for n in world.notifications()]
    assert sorted(received) == ["Interrupted", "Interrupted"]
    stored = world.store.load(job_key(lifecycle.job_names[0]))
    assert stored is not None
    assert [a.state for a in stored.alerts] == ["sent", "sent"]


def test_writes_per_alert_are_its_put_and_one_update_beside_the_summarys_put(world: World) -> None:
    lifecycle = load_lifecycle("failed")
    for step in lifecycle.steps:
        world.script.advance(step)
    with count_aws_calls() as calls:
        handle_batch(sqs_batch([s.sqs_body for s in lifecycle.steps]), world.deps)
    assert calls["sagemaker.DescribeTrainingJob"] == 1
    assert calls["dynamodb.Query"] == 1
    assert calls["dynamodb.PutItem"] == 1 + 1  # the alert, then the summary
    assert calls["dynamodb.TransactWriteItems"] == 0
    assert calls["sns.Publish"] == 1
    assert calls["dynamodb.UpdateItem"] == 1
