"""Alerts: which transitions alert, what the message says, and exactly-once delivery through the outbox."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from fakes import FakeWorld
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.alerts import (
    MAX_SUBJECT_LENGTH,
    build_alert,
    console_url,
    logs_url,
    parse_alert_on,
    subject_for,
)
from jobtrail.core.history import plan_changes
from jobtrail.core.model import Claim
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.sync import ALERT_CLAIM_SECONDS
from jobtrail_local.lifecycle_builder import job_label
from jobtrail_local.lifecycles import Lifecycle, lifecycle_names, load_lifecycle, sqs_batch


def deliver(world: FakeWorld, steps: list[object], batch_size: int = 10) -> list[str]:
    """Deliver steps in SQS batches, each after SageMaker reached it; returns the failed message ids."""
    failed: list[str] = []
    for start in range(0, len(steps), batch_size):
        batch = steps[start : start + batch_size]
        for step in batch:
            world.script.advance(step)  # type: ignore[arg-type]
        response = handle_batch(sqs_batch([s.sqs_body for s in batch]), world.deps)  # type: ignore[attr-defined]
        failed += [item["itemIdentifier"] for item in response["batchItemFailures"]]
    return failed


def expected_alerts(lifecycle: Lifecycle) -> Counter[tuple[str, str]]:
    return Counter((job, alert) for job, outcome in lifecycle.expected.items() for alert in outcome.alerts)


def published(world: FakeWorld) -> Counter[tuple[str, str]]:
    """(job label, alert type) of every alert published: labels as ``Lifecycle.expected`` keys them."""
    return Counter((job_label(a.job), a.alert_type) for a in world.publisher.published)


def alert_ids(world: FakeWorld) -> Counter[str]:
    return Counter(a.alert_id for a in world.publisher.published)


@pytest.mark.parametrize("name", lifecycle_names())
def test_each_lifecycle_alerts_exactly_as_its_script_expects(name: str) -> None:
    lifecycle = load_lifecycle(name)
    world = FakeWorld()
    assert deliver(world, list(lifecycle.steps), batch_size=1) == []
    assert published(world) == expected_alerts(lifecycle)
    assert all(a.state == "sent" for a in world.histories.alerts())
    assert len(world.histories.alerts()) == sum(expected_alerts(lifecycle).values())


@pytest.mark.parametrize("name", lifecycle_names())
def test_duplicates_and_reverse_order_publish_each_alert_once(name: str) -> None:
    # Given every event three times, newest first
    lifecycle = load_lifecycle(name)
    steps = [step for step in reversed(lifecycle.steps) for _ in range(3)]
    world = FakeWorld()
    # When delivered
    assert deliver(world, steps) == []
    # Then each expected alert was published once: 1.0 publish per alert
    assert published(world) == expected_alerts(lifecycle)
    assert set(alert_ids(world).values()) <= {1}


@pytest.mark.parametrize("name", ["spot-interrupted", "failed", "max-runtime"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_delivery_order_with_duplicates_publishes_each_alert_once(name: str, data: st.DataObject) -> None:
    lifecycle = load_lifecycle(name)
    extra = data.draw(st.lists(st.sampled_from(lifecycle.steps), max_size=len(lifecycle.steps)))
    order = data.draw(st.permutations([*lifecycle.steps, *extra]))
    size = data.draw(st.integers(1, 10))
    world = FakeWorld()
    assert deliver(world, list(order), batch_size=size) == []
    assert published(world) == expected_alerts(lifecycle)


def test_alerting_is_off_when_the_alert_set_is_empty_backfill() -> None:
    lifecycle = load_lifecycle("spot-interrupted")
    world = FakeWorld(alert_on=frozenset())
    deliver(world, list(lifecycle.steps))
    assert world.publisher.published == []
    assert world.histories.alerts() == []


def test_the_alert_set_is_configurable() -> None:
    # Given users who also want Stopped alerts
    world = FakeWorld(alert_on=parse_alert_on("Failed, Stopped"))
    deliver(world, list(load_lifecycle("stopped").steps) + list(load_lifecycle("max-runtime").steps))
    assert sorted(a.alert_type for a in world.publisher.published) == ["Stopped"]


def test_an_sns_failure_mid_batch_fails_that_job_and_the_redelivery_sends_once() -> None:
    # Given a batch holding a failed job and a spot job; SNS refuses Interrupted alerts for now
    spot, failed = load_lifecycle("spot-interrupted"), load_lifecycle("failed")
    steps = [*failed.steps, *spot.steps[:6]]
    world = FakeWorld()
    world.publisher.fail_for = {"Interrupted"}
    failed_ids = deliver(world, steps, batch_size=10)
    # Then only the spot job's records fail; the Failed alert went out; the Interrupted one waits
    spot_ids = {r["messageId"] for r in sqs_batch([s.sqs_body for s in steps])["Records"][4:]}
    assert set(failed_ids) == spot_ids
    assert published(world) == Counter({(failed.job_names[0], "Failed"): 1})
    pending = [a for a in world.histories.alerts() if a.state == "pending"]
    assert [(a.alert.alert_type, a.claimed_until) for a in pending] == [("Interrupted", None)]
    # When SNS recovers and SQS redelivers the failed records
    world.publisher.fail_for = set()
    redelivered = [s for s in steps if s.job_name == spot.job_names[0]]
    assert deliver(world, redelivered) == []
    # Then the pending alert is sent once, and nothing else is sent again
    assert published(world) == Counter(
        {(failed.job_names[0], "Failed"): 1, (spot.job_names[0], "Interrupted"): 1}
    )


def test_a_crash_between_the_write_and_the_publish_is_healed_once_the_claim_expires() -> None:
    # Given a process that wrote the Failed transition and its alert, then died before publishing
    lifecycle = load_lifecycle("failed")
    world = FakeWorld()
    for step in lifecycle.steps:
        world.script.advance(step)
    snapshot = record_from_describe(lifecycle.final_describe(lifecycle.job_names[0]))
    changes = plan_changes(None, snapshot, world.alert_on)
    claim = Claim(token="dead-process", until=world.now + timedelta(seconds=ALERT_CLAIM_SECONDS))
    world.histories.apply(changes, claim=claim)
    # When the event is redelivered while the dead process's claim still holds
    assert deliver(world, [lifecycle.steps[-1]]) == []
    # Then nothing is published yet (the claimant might still be publishing)
    assert world.publisher.published == []
    # And once the claim has expired, the next delivery publishes it, once
    world.now += timedelta(seconds=ALERT_CLAIM_SECONDS + 1)
    assert deliver(world, [lifecycle.steps[-1], lifecycle.steps[-1]]) == []
    assert published(world) == Counter({(lifecycle.job_names[0], "Failed"): 1})
    world.now += timedelta(seconds=ALERT_CLAIM_SECONDS + 1)
    assert deliver(world, [lifecycle.steps[-1]]) == []
    assert len(world.publisher.published) == 1


def test_the_message_carries_every_documented_field() -> None:
    lifecycle = load_lifecycle("failed")
    record = record_from_describe(lifecycle.final_describe(lifecycle.job_names[0]))
    transition = record.transitions[-1]
    alert = build_alert(record, transition)
    document = json.loads(alert.message)
    assert document["alert_type"] == "Failed"
    assert document["severity"] == "critical"
    assert document["job_name"] == record.summary.job_name
    assert document["job_arn"] == record.summary.job_arn
    assert document["status"] == "Failed"
    assert document["failure_reason"] == record.summary.failure_reason
    assert document["transition_start_time"].endswith("+00:00")
    assert document["status_message"] == transition.message
    assert document["kind"] == "training"
    assert (document["account"], document["region"]) == ("123456789012", "us-east-1")
    assert document["console_url"] == console_url(record.key)
    assert document["console_url"].endswith(f"#/jobs/{record.summary.job_name}")
    assert "%2Faws%2Fsagemaker%2FTrainingJobs".replace("%", "$25") in document["logs_url"]
    assert document["logs_url"] == logs_url(record.key)
    assert {"training_time_seconds", "billable_time_seconds", "tuning_job_arn", "final_metrics"} <= set(
        document
    )
    assert alert.attributes() == {
        "alert_type": "Failed",
        "severity": "critical",
        "job_name": record.summary.job_name,
        "job_kind": "training",
        "account": "123456789012",
        "region": "us-east-1",
    }


@pytest.mark.parametrize(
    ("alert_type", "severity"),
    [
        ("Failed", "critical"),
        ("MaxRuntimeExceeded", "critical"),
        ("Interrupted", "warning"),
        ("Stopped", "warning"),
    ],
)
def test_severity_by_alert_type(alert_type: str, severity: str) -> None:
    record = record_from_describe(
        load_lifecycle("failed").final_describe(load_lifecycle("failed").job_names[0])
    )
    transition = record.transitions[-1]
    alert = build_alert(record, type(transition)(alert_type, transition.start_time, transition.end_time, "x"))
    assert alert.severity == severity
    assert json.loads(alert.message)["severity"] == severity


@given(alert_type=st.text(max_size=40), job_name=st.text(min_size=1, max_size=200))
def test_the_subject_always_fits_sns(alert_type: str, job_name: str) -> None:
    subject = subject_for(alert_type, job_name)
    assert len(subject) <= MAX_SUBJECT_LENGTH
    assert all(32 <= ord(c) < 127 for c in subject)


def test_a_63_character_job_name_keeps_its_whole_name_in_the_subject() -> None:
    name = "a" + "-b" * 31
    assert len(name) == 63
    assert subject_for("MaxRuntimeExceeded", name) == f"MaxRuntimeExceeded: {name}"
