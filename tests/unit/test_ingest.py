"""Ingest with SageMaker scripted from events/ and the history in memory: no AWS, no sockets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from expectations import assert_matches_expected
from fakes import FakeWorld, InMemoryHistories, ListAlertPublisher, pending
from jobtrail.adapters.sagemaker import processing_record, record_from_describe
from jobtrail.core.history import WriteConflict
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import (
    Alert,
    Claim,
    HistoryChanges,
    JobRecord,
    JobSummary,
    StoredJob,
    Transition,
)
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.sync import MAX_WRITE_ATTEMPTS, SyncDeps, sync_job
from jobtrail_local.lifecycle_builder import job_label
from jobtrail_local.lifecycles import (
    Lifecycle,
    bad_event_names,
    lifecycle_names,
    load_bad_event,
    load_lifecycle,
    sqs_batch,
)
from msgspec import structs


def failed_ids(response: Any) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def replay_in_order(world: FakeWorld, lifecycle: Lifecycle) -> None:
    """Each event delivered alone, right after SageMaker made the change it announces."""
    for step in lifecycle.steps:
        world.script.advance(step)
        assert failed_ids(handle_batch(sqs_batch([step.sqs_body]), world.deps)) == []


def stored_jobs(world: FakeWorld, lifecycle: Lifecycle) -> dict[str, StoredJob | None]:
    """Each job of the lifecycle as stored, by its label."""
    return {job_label(key): world.histories.jobs.get(key) for key in lifecycle.jobs}


@pytest.mark.parametrize("name", lifecycle_names())
def test_replaying_a_lifecycle_in_order_records_exactly_what_describe_shows(name: str) -> None:
    # Given a scripted lifecycle
    lifecycle = load_lifecycle(name)
    world = FakeWorld()
    # When each event arrives as it happens
    replay_in_order(world, lifecycle)
    # Then every job's history is what its Describe finally shows, and what the script expects
    for label, stored in stored_jobs(world, lifecycle).items():
        assert_matches_expected(stored, lifecycle, label)


@pytest.mark.parametrize("name", lifecycle_names())
def test_a_batch_describes_each_job_once_however_many_events_it_holds(name: str) -> None:
    # Given all of a lifecycle's changes have happened, and its events arrive in batches of ten
    lifecycle = load_lifecycle(name)
    world = FakeWorld()
    for step in lifecycle.steps:
        world.script.advance(step)
    bodies = [step.sqs_body for step in lifecycle.steps]
    for start in range(0, len(bodies), 10):
        batch = bodies[start : start + 10]
        jobs_in_batch = {s.key for s in lifecycle.steps[start : start + 10]}
        before = len(world.script.describes)
        # When a batch is handled
        response = handle_batch(sqs_batch(batch), world.deps)
        # Then Describe was asked once per distinct job in it, never once per record (the API calls the
        # real adapter makes for it are counted in tests/integration/test_scripted_sagemaker.py)
        assert failed_ids(response) == []
        assert sorted(world.script.describes[before:]) == sorted(jobs_in_batch)
    for label, stored in stored_jobs(world, lifecycle).items():
        assert_matches_expected(stored, lifecycle, label, only_final_seen=True)


def test_a_duplicate_event_that_changes_nothing_writes_nothing() -> None:
    lifecycle = load_lifecycle("completed")
    world = FakeWorld()
    replay_in_order(world, lifecycle)
    writes_before = world.histories.writes
    # When the last event is delivered again (EventBridge redelivery)
    response = handle_batch(sqs_batch([lifecycle.steps[-1].sqs_body] * 3), world.deps)
    # Then Describe is asked once and nothing is written
    assert failed_ids(response) == []
    assert world.histories.writes == writes_before
    assert world.script.calls[-1] == lifecycle.steps[-1].job_name


@pytest.mark.parametrize("name", bad_event_names())
def test_a_bad_record_is_parked_with_its_reason_and_touches_nothing(name: str) -> None:
    # Given an SQS batch from events/bad
    event = load_bad_event(name)
    world = FakeWorld()
    known = {step.sqs_body: step for lc in map(load_lifecycle, lifecycle_names()) for step in lc.steps}
    good = [r for r in event["Records"] if r["body"] in known]
    bad = [r for r in event["Records"] if r["body"] not in known]
    assert bad, "every events/bad file holds at least one bad record"
    for step in known.values():
        world.script.advance(step)
    # When it is handled
    response = handle_batch(event, world.deps)
    # Then no record fails the batch, every bad one is parked with a reason, and only good ones reach AWS
    assert failed_ids(response) == []
    assert [p["message_id"] for p in world.dead_letters.parked] == [r["messageId"] for r in bad]
    assert all(p["reason"] for p in world.dead_letters.parked)
    assert [p["body"] for p in world.dead_letters.parked] == [r["body"] for r in bad]
    assert sorted(world.script.calls) == sorted({known[r["body"]].job_name for r in good})
    if not good:
        assert world.histories.loads == 0
        assert world.histories.writes == 0


def test_a_record_that_cannot_be_parked_fails_alone_so_sqs_keeps_it() -> None:
    event = load_bad_event("mixed-batch")
    world = FakeWorld()
    world.dead_letters.fail = True
    for step in load_lifecycle("completed").steps:
        world.script.advance(step)
    known = {step.sqs_body for step in load_lifecycle("completed").steps}
    response = handle_batch(event, world.deps)
    bad_ids = [r["messageId"] for r in event["Records"] if r["body"] not in known]
    assert bad_ids
    assert failed_ids(response) == bad_ids


def test_a_job_sagemaker_does_not_know_is_dropped_not_retried() -> None:
    # Given an event for a job the (scripted) SageMaker has never heard of
    lifecycle = load_lifecycle("completed")
    world = FakeWorld()
    # When it is handled
    response = handle_batch(sqs_batch([lifecycle.steps[0].sqs_body]), world.deps)
    # Then the record succeeds (no redelivery loop) and nothing is written
    assert failed_ids(response) == []
    assert world.script.calls == [lifecycle.steps[0].job_name]
    assert world.histories.jobs == {}


class ThrottledFor:
    """``Jobs`` that fails for one job the way botocore does once its retries are spent."""

    def __init__(self, inner: Any, job_name: str) -> None:
        self.inner = inner
        self.job_name = job_name
        self.calls: list[str] = []

    def describe(self, key: JobKey) -> JobRecord | None:
        self.calls.append(key.name)
        if key.name == self.job_name:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeTrainingJob"
            )
        result: JobRecord | None = self.inner.describe(key)
        return result


def test_a_transient_failure_fails_only_that_jobs_records() -> None:
    # Given a batch with events of the three tuning children, and SageMaker throttling one of them
    lifecycle = load_lifecycle("tuning")
    world = FakeWorld()
    for step in lifecycle.steps:
        world.script.advance(step)
    throttled = lifecycle.job_names[1]
    deps = world.deps
    flaky = ThrottledFor(deps.jobs, throttled)
    records = sqs_batch([s.sqs_body for s in lifecycle.steps[:10]])
    # When it is handled
    response = handle_batch(records, structs.replace(deps, jobs=flaky))
    # Then exactly the throttled job's records are reported for redelivery, described once only
    expected = [
        r["messageId"]
        for r, s in zip(records["Records"], lifecycle.steps[:10], strict=True)
        if s.job_name == throttled
    ]
    assert expected
    assert failed_ids(response) == expected
    assert flaky.calls.count(throttled) == 1
    assert throttled not in world.histories.by_name
    assert set(world.histories.by_name) == {s.job_name for s in lifecycle.steps[:10]} - {throttled}


class ConflictingHistories(InMemoryHistories):
    """Another writer wins the race ``conflicts`` times before ours gets through."""

    def __init__(self, conflicts: int) -> None:
        super().__init__()
        self.conflicts = conflicts

    def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> tuple[Alert, ...]:
        if self.conflicts > 0:
            self.conflicts -= 1
            raise WriteConflict(changes.job_name)
        return super().apply(changes, claim=claim)


@pytest.mark.parametrize(
    ("conflicts", "fails"), [(1, False), (MAX_WRITE_ATTEMPTS - 1, False), (MAX_WRITE_ATTEMPTS, True)]
)
def test_a_write_conflict_is_retried_a_bounded_number_of_times(conflicts: int, fails: bool) -> None:
    lifecycle = load_lifecycle("completed")
    world = FakeWorld()
    world.histories = ConflictingHistories(conflicts)
    world.script.advance(lifecycle.steps[-1])
    response = handle_batch(sqs_batch([lifecycle.steps[-1].sqs_body]), world.deps)
    assert bool(failed_ids(response)) is fails
    assert (lifecycle.steps[-1].job_name in world.histories.by_name) is not fails


class LaggingReads(InMemoryHistories):
    """An eventually consistent read that has not seen the latest write yet: it shows each job as it was
    one write before (nothing, for a job written once); a consistent read shows it as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.before: dict[JobKey, StoredJob | None] = {}
        self.reads: list[bool] = []

    def load(self, key: JobKey, *, consistent: bool = True) -> StoredJob | None:
        self.reads.append(consistent)
        return super().load(key) if consistent else self.before.get(key)

    def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> tuple[Alert, ...]:
        previous = self.jobs.get(changes.job)
        created = super().apply(changes, claim=claim)
        self.before[changes.job] = previous
        return created


def test_a_first_read_behind_the_table_costs_a_retry_not_a_lost_or_doubled_alert() -> None:
    # Given a job recorded up to its failure, then read by an eventually consistent read that lags one write
    lifecycle = load_lifecycle("failed")
    world = FakeWorld()
    world.histories = LaggingReads()
    for step in lifecycle.steps[:-1]:
        world.script.advance(step)
        assert not failed_ids(handle_batch(sqs_batch([step.sqs_body]), world.deps))
    # When the last event comes, and then the same one again
    world.script.advance(lifecycle.steps[-1])
    world.histories.reads.clear()
    assert not failed_ids(handle_batch(sqs_batch([lifecycle.steps[-1].sqs_body]), world.deps))
    first_reads = list(world.histories.reads)
    assert not failed_ids(handle_batch(sqs_batch([lifecycle.steps[-1].sqs_body]), world.deps))
    # Then each sync read cheaply first, and the stale one retried with a consistent read
    assert first_reads[0] is False
    assert True in first_reads
    # And the history is the final Describe's, its one alert published once
    name = lifecycle.job_names[0]
    final = record_from_describe(lifecycle.final_describe(name))
    assert world.histories.by_name[name].transitions == final.transitions
    published = world.publisher.published
    assert len(published) == len({alert.alert_id for alert in published}) == 1


class Answers:
    """``Jobs`` that answers every Describe with ``record``."""

    def __init__(self, record: JobRecord) -> None:
        self.record = record

    def describe(self, key: JobKey) -> JobRecord:
        return self.record


class AlertsFirst(LaggingReads):
    """As the table writes: a job's new alerts go in (each once) before its summary's version is checked,
    so an attempt that loses leaves its alerts behind; reads may lag one write (``LaggingReads``)."""

    def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> tuple[Alert, ...]:
        current = self.jobs.get(changes.job)
        if current is None or current.version == changes.expected_version:
            return super().apply(changes, claim=claim)
        known = {stored.alert.key for stored in current.alerts}
        left = tuple(pending(alert, claim) for alert in changes.new_alerts if alert.key not in known)
        self.jobs[changes.job] = structs.replace(current, alerts=current.alerts + left)
        raise WriteConflict(changes.job_name)


def test_an_alert_a_lost_attempt_dated_otherwise_is_never_sent() -> None:
    # Given a processing job stored InProgress, then Stopping at 10:05, and a read that lags one write
    at = lambda minute: datetime(2026, 11, 20, 10, minute, tzinfo=UTC)  # noqa: E731
    arn = "arn:aws:sagemaker:us-east-1:123456789012:processing-job/prep"

    def answer(status: str, modified: datetime, *transitions: Transition) -> JobRecord:
        summary = JobSummary(
            job_name="prep",
            job_arn=arn,
            status=status,
            secondary_status=None,
            last_modified_time=modified,
            creation_time=at(0),
            kind="processing",
            end_time=at(4) if status == "Failed" else None,
            failure_reason="boom" if status == "Failed" else None,
        )
        return JobRecord(summary=summary, transitions=transitions)

    histories = AlertsFirst()
    publisher = ListAlertPublisher()

    def sync(record: JobRecord) -> None:
        sync_job(record.key, SyncDeps(jobs=Answers(record), histories=histories, alerts=publisher))

    first = answer("InProgress", at(0), Transition("InProgress", at(0)))
    sync(first)
    histories.before[first.key] = histories.jobs[first.key]
    sync(answer("Stopping", at(5), Transition("InProgress", at(0)), Transition("Stopping", at(5))))
    # When the job fails (its end time, 10:04, before the Stopping the lagging read does not show yet)
    sync(answer("Failed", at(6), Transition("InProgress", at(0)), Transition("Failed", at(4))))
    # Then the lost attempt's alert (Failed at 10:04) stays pending, and the one alert sent is the one for
    # the transition the history holds (Failed at 10:05, after the Stopping)
    stored = histories.jobs[first.key]
    failed = [t for t in stored.transitions if t.status == "Failed"]
    sent = [(a.alert_type, a.transition_start_time) for a in publisher.published]
    assert sent == [("Failed", failed[0].start_time)]
    states = {(a.alert.transition_start_time, a.state) for a in stored.alerts}
    assert states == {(at(4), "pending"), (at(5), "sent")}


def _event(detail_type: str, detail: dict[str, Any], event_id: str) -> str:
    return json.dumps(
        {
            "version": "0",
            "id": event_id,
            "detail-type": detail_type,
            "source": "aws.sagemaker",
            "account": "123456789012",
            "time": "2026-11-20T10:00:03Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }
    )


class _DescribesEveryKind:
    """``Jobs`` answering any key with a record of that kind (what was asked is kept)."""

    def __init__(self) -> None:
        self.asked: list[JobKey] = []

    def describe(self, key: JobKey) -> JobRecord:
        self.asked.append(key)
        if key.kind == "training":
            return record_from_describe(load_lifecycle("completed").final_describe(key.name))
        return processing_record(
            {
                "ProcessingJobName": key.name,
                "ProcessingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:processing-job/{key.name}",
                "ProcessingJobStatus": "Completed",
                "CreationTime": datetime(2026, 11, 20, 10, tzinfo=UTC),
                "LastModifiedTime": datetime(2026, 11, 20, 10, 5, tzinfo=UTC),
                "ProcessingEndTime": datetime(2026, 11, 20, 10, 4, tzinfo=UTC),
            }
        )


def test_a_processing_job_and_a_training_job_of_one_name_are_two_jobs() -> None:
    # Given events of a training job and of a processing job with the same name, in one batch
    name = load_lifecycle("completed").job_names[0]
    world = FakeWorld()
    jobs = _DescribesEveryKind()
    deps = structs.replace(world.deps, jobs=jobs)
    bodies = [
        _event("SageMaker Training Job State Change", {"TrainingJobName": name}, "e1"),
        _event("SageMaker Processing Job State Change", {"ProcessingJobName": name}, "e2"),
        _event("SageMaker Processing Job State Change", {"ProcessingJobName": name}, "e3"),
    ]
    # When ingest handles them
    assert failed_ids(handle_batch(sqs_batch(bodies), deps)) == []
    # Then each job was described once, and each has its own history
    assert sorted(k.kind for k in jobs.asked) == ["processing", "training"]
    assert {key.kind: job.summary.kind for key, job in world.histories.jobs.items()} == {
        "training": "training",
        "processing": "processing",
    }
    assert {key.name for key in world.histories.jobs} == {name}


def test_an_event_of_a_kind_not_tracked_is_parked_with_the_reason() -> None:
    # Given a stack that tracks training jobs only, and a processing job's event
    world = FakeWorld()
    deps = structs.replace(world.deps, tracked_kinds=("training",))
    body = _event("SageMaker Processing Job State Change", {"ProcessingJobName": "prep-1"}, "e9")
    # When ingest handles it
    response = handle_batch(sqs_batch([body]), deps)
    # Then it is parked with the reason and nothing is described or stored
    assert failed_ids(response) == []
    [parked] = world.dead_letters.parked
    assert parked["reason"] == "detail-type: processing jobs are not tracked (TrackedKinds: training)"
    assert world.histories.jobs == {}
    assert world.script.calls == []
