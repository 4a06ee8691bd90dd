"""Ingest against a real history table — moto and DynamoDB Local — with SageMaker scripted from events/."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from expectations import assert_matches_expected, described
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.adapters.sqs import REASON_ATTRIBUTE, SOURCE_MESSAGE_ATTRIBUTE
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Alert, Claim, HistoryChanges, JobRecord, StoredJob
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.sync import sync_job
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycle_builder import job_key, job_label
from jobtrail_local.lifecycles import (
    bad_event_names,
    lifecycle_names,
    load_bad_event,
    load_lifecycle,
    sqs_batch,
)
from msgspec import structs
from worlds import World


class AnswersWith:
    """``Jobs`` whose Describe always gives ``record``."""

    def __init__(self, record: JobRecord) -> None:
        self.record = record

    def describe(self, key: JobKey) -> JobRecord:
        return self.record


def spot_job_with_transitions(count: int, *, interrupted_every: int = 0) -> JobRecord:
    """The spot fixture job with ``count`` one-second transitions (a long spot job backfilled at once);
    every ``interrupted_every``-th is an Interrupted one, which alerts."""
    lifecycle = load_lifecycle("spot-interrupted")
    base = record_from_describe(lifecycle.final_describe(lifecycle.job_names[0]))
    first = base.transitions[0]
    return structs.replace(
        base,
        transitions=tuple(
            structs.replace(
                first,
                status="Interrupted"
                if interrupted_every and i % interrupted_every == interrupted_every - 1
                else "Training",
                start_time=first.start_time + timedelta(seconds=i),
                end_time=first.start_time + timedelta(seconds=i + 1),
                position=i,
            )
            for i in range(count)
        ),
    )


@pytest.mark.parametrize("name", lifecycle_names())
def test_a_shuffled_duplicated_replay_stores_exactly_the_final_describe(world: World, name: str) -> None:
    # Given a lifecycle whose events arrive reversed, each twice, in batches of up to ten
    lifecycle = load_lifecycle(name)
    deliveries = [step for step in reversed(lifecycle.steps) for _ in range(2)]
    for start in range(0, len(deliveries), 10):
        batch = deliveries[start : start + 10]
        for step in batch:
            world.script.advance(step)
        response = handle_batch(sqs_batch([s.sqs_body for s in batch]), world.deps)
        assert response["batchItemFailures"] == []
    # Then each job's stored history is what its Describe finally shows (the newest step was delivered
    # first, so Describe only ever gave the final answer), each kind's job apart from a namesake's
    for key in lifecycle.jobs:
        assert_matches_expected(world.store.load(key), lifecycle, job_label(key), only_final_seen=True)
    # And each alert the script expects was published exactly once, to subscribers
    published = Counter(
        (
            json.loads(n["Message"])["kind"],
            json.loads(n["Message"])["job_name"],
            json.loads(n["Message"])["alert_type"],
        )
        for n in world.notifications()
    )
    assert published == Counter(
        (expected.kind, label.removeprefix(f"{expected.kind}/"), alert)
        for label, expected in lifecycle.expected.items()
        for alert in expected.alerts
    )


def test_aws_calls_per_batch_are_one_describe_one_read_one_write_per_job(world: World) -> None:
    lifecycle = load_lifecycle("spot-interrupted")
    for step in lifecycle.steps:
        world.script.advance(step)
    bodies = [s.sqs_body for s in lifecycle.steps[:10]]
    # When ten events of one job arrive in one batch
    with count_aws_calls() as calls:
        handle_batch(sqs_batch(bodies), world.deps)
    # Then one Describe, one Query, one write of its summary (and one of each alert it brings)
    assert calls["sagemaker.DescribeTrainingJob"] == 1
    assert calls["dynamodb.Query"] == 1
    assert calls["dynamodb.PutItem"] == 1 + calls["sns.Publish"]
    assert calls["dynamodb.TransactWriteItems"] == 0
    # And when a duplicate arrives later: one Describe, one Query, zero writes
    with count_aws_calls() as calls:
        handle_batch(sqs_batch(bodies[:1]), world.deps)
    writes = {
        k: v for k, v in calls.items() if k.split(".")[1] in {"TransactWriteItems", "PutItem", "UpdateItem"}
    }
    assert calls["sagemaker.DescribeTrainingJob"] == 1
    assert writes == {}


@pytest.mark.parametrize("name", bad_event_names())
def test_a_bad_record_lands_in_the_dead_letter_queue_with_its_reason(world: World, name: str) -> None:
    event = load_bad_event(name)
    known = {step.sqs_body for lc in map(load_lifecycle, lifecycle_names()) for step in lc.steps}
    bad = [r for r in event["Records"] if r["body"] not in known]
    with count_aws_calls() as calls:
        response = handle_batch(event, world.deps)
    assert response["batchItemFailures"] == []
    parked = world.parked()
    assert sorted(m["Body"] for m in parked) == sorted(r["body"] for r in bad)
    for message in parked:
        attributes = message["MessageAttributes"]
        assert attributes[REASON_ATTRIBUTE]["StringValue"]
        assert attributes[SOURCE_MESSAGE_ATTRIBUTE]["StringValue"] in {r["messageId"] for r in bad}
    if len(bad) == len(event["Records"]):
        assert {k for k in calls if not k.startswith("sqs.")} == set()


def test_the_newest_answer_wins_when_two_invocations_race_on_one_job(local_world: World) -> None:
    world = local_world
    # Given two invocations that read the job at the same moment, one holding an older Describe answer
    lifecycle = load_lifecycle("completed")
    world.script.advance(lifecycle.steps[0])
    handle_batch(sqs_batch([lifecycle.steps[0].sqs_body]), world.deps)
    older = record_from_describe(lifecycle.steps[2].describe)
    newer = record_from_describe(lifecycle.final_describe(lifecycle.job_names[0]))
    both_read = threading.Barrier(2, timeout=10)

    class SimultaneousReads:
        """Lets both invocations read before either writes (first read only)."""

        def __init__(self) -> None:
            self.first = threading.local()

        def load(self, key: JobKey, *, consistent: bool = True) -> StoredJob | None:
            stored = world.store.load(key, consistent=consistent)
            if not getattr(self.first, "done", False):
                self.first.done = True
                both_read.wait()
            return stored

        def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> tuple[Alert, ...]:
            return world.store.apply(changes, claim=claim)

        def __getattr__(self, name: str) -> Any:
            return getattr(world.store, name)

    histories = SimultaneousReads()
    results: dict[str, Any] = {}

    def run(label: str, answer: Any) -> None:
        deps = structs.replace(world.deps, jobs=AnswersWith(answer), histories=histories)
        results[label] = sync_job(answer.key, deps)

    threads = [
        threading.Thread(target=run, args=(label, answer))
        for label, answer in (("old", older), ("new", newer))
    ]
    # When they race
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Then exactly one wrote first; the other re-read and either merged (newer) or stood down (older)
    assert {results["old"].outcome, results["new"].outcome} <= {"recorded", "stale"}
    assert max(results["old"].attempts, results["new"].attempts) == 2
    stored = world.store.load(job_key(newer.job_name))
    assert stored is not None
    assert described(stored.summary) == newer.summary
    assert stored.transitions == newer.transitions


def test_a_long_history_is_written_whole_in_one_write(world: World) -> None:
    # Given a Describe answer with 150 transitions (a long spot job backfilled at once)
    big = spot_job_with_transitions(150)
    many = big.transitions
    # When it is synced
    with count_aws_calls() as calls:
        result = sync_job(job_key(big.job_name), structs.replace(world.deps, jobs=AnswersWith(big)))
    # Then every transition is stored, in the one summary item (no alert: no transaction)
    assert result.outcome == "recorded"
    assert calls["dynamodb.PutItem"] == 1
    assert calls["dynamodb.TransactWriteItems"] == 0
    stored = world.store.load(job_key(big.job_name))
    assert stored is not None
    assert stored.transitions == many


def test_a_write_cut_short_between_its_alerts_and_its_summary_converges_on_the_retry(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a first write of 250 transitions (every second an Interrupted one: 125 alerts, written before
    # the summary), and a process that dies after writing 60 of the alerts
    big = spot_job_with_transitions(250, interrupted_every=2)
    many = big.transitions
    deps = structs.replace(world.deps, jobs=AnswersWith(big))
    real = world.store.add_alert
    calls = {"n": 0}

    def dies_at_the_61st(alert: Alert, claim: Claim | None) -> bool:
        calls["n"] += 1
        if calls["n"] == 61:
            raise RuntimeError("the process died here")
        return real(alert, claim)

    monkeypatch.setattr(world.store, "add_alert", dies_at_the_61st)
    with pytest.raises(RuntimeError, match="died"):
        sync_job(job_key(big.job_name), deps)
    assert world.store.load(job_key(big.job_name)) is None  # no summary: its alerts came first
    monkeypatch.setattr(world.store, "add_alert", real)
    # When the record is redelivered (claims of the dead process long expired)
    later = structs.replace(deps, clock=lambda: datetime.now(UTC) + timedelta(hours=1))
    result = sync_job(job_key(big.job_name), later)
    # Then the history is complete and every alert went out once
    stored = world.store.load(job_key(big.job_name))
    assert stored is not None
    assert stored.transitions == many
    assert result.outcome == "recorded"
    notifications = world.notifications()
    assert len(notifications) == 125
    assert len({json.loads(n["Message"])["alert_id"] for n in notifications}) == 125
    assert len(stored.alerts) == 125
    assert {a.state for a in stored.alerts} == {"sent"}
