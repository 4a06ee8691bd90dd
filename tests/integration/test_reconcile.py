"""Reconciliation and backfill on the real store (moto, DynamoDB Local), SageMaker scripted from events/."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from expectations import assert_matches_expected
from jobtrail.adapters.history_queries import AlertQuery
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.kinds import KINDS, JobKey, Kind
from jobtrail.usecases.reconcile import (
    BACKFILL_WATERMARK,
    RECONCILE_WATERMARK,
    PassReport,
    ReconcileDeps,
    TokenBucket,
    alert_stalled_jobs,
    backfill,
    reconcile,
    silent,
    sync_listed,
)
from jobtrail.usecases.sync import SyncDeps
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycle_builder import job_key, job_label
from jobtrail_local.lifecycles import Lifecycle, lifecycle_names, load_lifecycle
from msgspec.structs import replace
from worlds import World

#: A week after the fixtures' jobs: every InProgress job in them would look stalled by then.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


#: Every Describe API, whatever the kind.
DESCRIBES = (
    "sagemaker.DescribeTrainingJob",
    "sagemaker.DescribeProcessingJob",
    "sagemaker.DescribeTransformJob",
    "sagemaker.DescribeHyperParameterTuningJob",
    "sagemaker.DescribePipelineExecution",
)


def deps_of(
    world: World,
    *,
    now: datetime = NOW,
    stalled_after: timedelta | None = None,
    kinds: tuple[Kind, ...] = KINDS,
) -> ReconcileDeps:
    sync = replace(world.deps, clock=lambda: now)
    return ReconcileDeps(
        sync=sync,
        catalog=sync.jobs,  # type: ignore[arg-type]
        histories=world.store,
        bucket=TokenBucket(1000.0),
        stalled_after=stalled_after,
        kinds=kinds,
    )


def everything_happened(world: World, kinds: tuple[Kind, ...] = KINDS) -> list[JobKey]:
    """Every lifecycle of ``kinds`` has run to its end in SageMaker; the jobs."""
    jobs: list[JobKey] = []
    for lifecycle in map(load_lifecycle, lifecycle_names(kinds)):
        for step in lifecycle.steps:
            world.script.advance(step)
        jobs += lifecycle.jobs
    return jobs


def expected_alerts() -> Counter[tuple[str, str, str]]:
    """(kind, job name, alert type) of every alert the lifecycles expect."""
    return Counter(
        (outcome.kind, label.removeprefix(f"{outcome.kind}/"), alert)
        for lifecycle in map(load_lifecycle, lifecycle_names())
        for label, outcome in lifecycle.expected.items()
        for alert in outcome.alerts
    )


def published(world: World) -> Counter[tuple[str, str, str]]:
    return Counter(
        tuple(n["MessageAttributes"][name]["Value"] for name in ("job_kind", "job_name", "alert_type"))
        for n in world.notifications()
    )


def lifecycle_of(job: JobKey) -> Lifecycle:
    return next(lc for lc in map(load_lifecycle, lifecycle_names()) if job in lc.jobs)


def test_a_pass_recovers_every_lost_event_and_alerts_once(world: World) -> None:
    # Given every event was lost: SageMaker knows every kind's jobs, the table none
    jobs = everything_happened(world)
    assert {job.kind for job in jobs} == set(KINDS)
    # When reconciliation runs (first pass: looks back a day... from a week later, so widen it)
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    with count_aws_calls() as calls:
        report = reconcile(deps_of(world))
    # Then every job's history is complete and every alert went out once
    assert report.failures == []
    assert report.listed == len(jobs)
    assert report.synced == report.recorded == len(jobs)
    for job in jobs:
        assert_matches_expected(
            world.store.load(job), lifecycle_of(job), job_label(job), only_final_seen=True
        )
    assert published(world) == expected_alerts()
    # And each job was described once (a pipeline execution: with one page of its steps)
    assert sum(calls[describe] for describe in DESCRIBES) == len(jobs)
    assert calls["sagemaker.ListPipelineExecutionSteps"] == sum(job.kind == "pipeline" for job in jobs)
    assert calls["sns.Publish"] == sum(expected_alerts().values())
    assert report.watermark is not None
    assert world.store.get_watermark(RECONCILE_WATERMARK) == NOW


def test_a_second_pass_describes_nothing_that_is_up_to_date(world: World) -> None:
    everything_happened(world)
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    reconcile(deps_of(world))
    world.notifications()
    # When the same jobs of every kind are listed again (the overlap window does that every pass)
    deps = deps_of(world, now=NOW + timedelta(minutes=15))
    since = datetime(2026, 11, 19, tzinfo=UTC)
    with count_aws_calls() as calls:
        report = sync_listed(
            deps,
            [listing for kind in KINDS for listing in deps.catalog.list_jobs(kind, modified_after=since)],
        )
    # Then nothing is described, written or published (transform jobs, listed with a LastModifiedTime their
    # Describe lacks, and pipeline executions, listed with their start time, included)
    assert report.up_to_date == report.listed == len(everything_happened(world))
    assert sum(calls[describe] for describe in DESCRIBES) == 0
    assert calls["dynamodb.TransactWriteItems"] == 0
    assert world.notifications() == []


def test_only_jobs_modified_after_the_watermark_are_listed(world: World) -> None:
    everything_happened(world, ("training",))
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 23, tzinfo=UTC))
    report = reconcile(deps_of(world, kinds=("training",)))
    newer = {
        job
        for lc in map(load_lifecycle, lifecycle_names(("training",)))
        for job in lc.job_names
        if lc.final_describe(job)["LastModifiedTime"]
        > datetime(2026, 11, 23, tzinfo=UTC) - timedelta(minutes=5)
    }
    assert report.listed == len(newer) == 2


def test_a_failed_sync_keeps_the_watermark_so_the_next_pass_retries(world: World) -> None:
    everything_happened(world)
    start = datetime(2026, 11, 19, tzinfo=UTC)
    world.store.advance_watermark(RECONCILE_WATERMARK, start)
    deps = deps_of(world)

    class Throttled:
        def describe(self, key: JobKey) -> Any:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "Describe"
            )

    failing = replace(deps, sync=replace(deps.sync, jobs=Throttled()))
    report = reconcile(failing)
    assert len(report.failures) == report.listed > 0
    assert world.store.get_watermark(RECONCILE_WATERMARK) == start
    assert reconcile(deps).failures == []
    assert world.store.get_watermark(RECONCILE_WATERMARK) == NOW


def test_a_stalled_job_alerts_once(world: World) -> None:
    # Given the spot job stuck in its first Training transition (as SageMaker still reports it)
    lifecycle = load_lifecycle("spot-interrupted")
    job = lifecycle.job_names[0]
    training = next(s for s in lifecycle.steps if s.describe["SecondaryStatus"] == "Training")
    world.script.advance(training)
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    last_start = record_from_describe(training.describe).transitions[-1].start_time
    # When passes run 5 hours later (not stalled yet), then 7 hours later, then again
    for hours in (5, 7, 7.5):
        reconcile(deps_of(world, now=last_start + timedelta(hours=hours), stalled_after=timedelta(hours=6)))
    # Then exactly one Stalled alert, a warning, for that transition
    notifications = world.notifications()
    stalled = [n for n in notifications if n["MessageAttributes"]["alert_type"]["Value"] == "Stalled"]
    assert len(stalled) == 1
    assert stalled[0]["MessageAttributes"]["severity"]["Value"] == "warning"
    assert stalled[0]["Subject"] == f"Stalled: {job}"
    message = json.loads(stalled[0]["Message"])
    assert message["status"] == "InProgress"
    assert "Training" in message["status_message"]
    assert [a.alert.alert_type for a in world.store.load(job_key(job)).alerts] == ["Stalled"]  # type: ignore[union-attr]


def test_a_job_that_moved_on_in_sagemaker_is_not_called_stalled(world: World) -> None:
    lifecycle = load_lifecycle("stopped")
    world.script.advance(lifecycle.steps[1])
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    reconcile(deps_of(world, now=NOW))
    # SageMaker moved on, but the watermark hides it from the listing: the stalled check asks Describe
    for step in lifecycle.steps:
        world.script.advance(step)
    world.store.advance_watermark(RECONCILE_WATERMARK, NOW + timedelta(days=1))
    reconcile(deps_of(world, now=NOW + timedelta(days=1), stalled_after=timedelta(hours=6)))
    assert "Stalled" not in [n["MessageAttributes"]["alert_type"]["Value"] for n in world.notifications()]
    stored = world.store.load(job_key(lifecycle.job_names[0]))
    assert stored is not None
    assert stored.summary.status == "Stopped"


def test_a_pending_alert_is_sent_by_the_next_pass(world: World) -> None:
    # Given a Failed alert that SNS refused (its records ended in the DLQ)
    lifecycle = load_lifecycle("failed")
    for step in lifecycle.steps:
        world.script.advance(step)
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    deps = deps_of(world)

    class Refusing:
        def publish(self, alert: Any) -> str:
            raise ConnectionError("SNS unreachable")

    assert reconcile(replace(deps, sync=replace(deps.sync, alerts=Refusing()))).failures
    assert world.notifications() == []
    # When the next pass runs (the job itself is up to date by now)
    report = reconcile(deps)
    # Then the alert goes out, once
    assert report.failures == []
    assert published(world) == Counter({("training", lifecycle.job_names[0], "Failed"): 1})


def test_backfill_records_history_without_alerting_and_resumes(world: World) -> None:
    jobs = [job.name for job in everything_happened(world, ("training",))]
    deps = silent(deps_of(world, kinds=("training",)), NOW)

    class FailsOnce:
        def __init__(self, inner: Any, job: str) -> None:
            self.inner, self.job, self.failed = inner, job, False

        def describe(self, key: JobKey) -> Any:
            if key.name == self.job and not self.failed:
                self.failed = True
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "D")
            return self.inner.describe(key)

    by_creation = sorted(jobs, key=lambda j: world.script.describe(j)["CreationTime"])
    flaky = replace(deps, sync=replace(deps.sync, jobs=FailsOnce(deps.sync.jobs, by_creation[4])))
    first = backfill(flaky, datetime(2026, 10, 28, tzinfo=UTC))
    assert len(first.failures) == 1
    assert first.synced == 4
    assert (
        world.store.get_watermark(f"{BACKFILL_WATERMARK}/training")
        == world.script.describe(by_creation[3])["CreationTime"]
    )
    # When it runs again, it resumes after the last job it finished
    with count_aws_calls() as calls:
        second = backfill(flaky, datetime(2026, 10, 28, tzinfo=UTC))
    # (older botocore sends whole seconds, so jobs created in the boundary second are listed again, as
    # up to date: the point is that nothing finished is described twice)
    assert second.failures == []
    assert second.synced == second.listed - second.up_to_date == len(jobs) - 4
    assert calls["sagemaker.DescribeTrainingJob"] == len(jobs) - 4
    assert all(world.store.load(job_key(job)) is not None for job in jobs)
    assert world.notifications() == []
    assert world.queries.list_alerts(AlertQuery(limit=100)) == []


def test_a_silent_backfill_leaves_live_alerts_to_the_stack(world: World) -> None:
    # Given the jobs up to Nov 22, and a backfill started ten minutes after the capacity failure (its Failed
    # event may still be on the way); the BERT failure and the spot interruptions are days old
    names = ("completed", "failed", "spot-interrupted", "tuning", "failed-capacity")
    for lifecycle in map(load_lifecycle, names):
        for step in lifecycle.steps:
            world.script.advance(step)
    capacity = load_lifecycle("failed-capacity")
    job = capacity.job_names[0]
    started = record_from_describe(capacity.final_describe(job)).transitions[-1].start_time + timedelta(
        minutes=10
    )
    deps = silent(deps_of(world, now=started), started)
    # When it runs
    report = backfill(deps, datetime(2026, 10, 28, tzinfo=UTC))
    # Then it published nothing, and wrote only the live Failed alert to the outbox...
    assert report.failures == []
    assert world.notifications() == []
    [pending] = world.queries.list_alerts(AlertQuery(limit=100))
    assert (pending.alert.job_name, pending.alert.alert_type, pending.state) == (job, "Failed", "pending")
    assert report.alerts_left_pending == 1
    # ...which the stack's next reconciliation pass publishes, once
    world.store.advance_watermark(RECONCILE_WATERMARK, started)
    reconcile(deps_of(world, now=started + timedelta(minutes=15)))
    assert published(world) == Counter({("training", job, "Failed"): 1})


def test_a_backfill_of_every_kind_records_each_silently_and_one_kind_alone_only_its_own(world: World) -> None:
    # Given every kind's jobs, none recorded
    jobs = everything_happened(world)
    # When a backfill of the pipeline executions alone runs, then one of every kind
    only = backfill(silent(deps_of(world, kinds=("pipeline",)), NOW), datetime(2026, 10, 28, tzinfo=UTC))
    every = backfill(silent(deps_of(world), NOW), datetime(2026, 10, 28, tzinfo=UTC))
    # Then the first recorded the pipeline executions only, the second the rest, and nothing alerted
    pipelines = [job for job in jobs if job.kind == "pipeline"]
    assert (only.failures, only.synced) == ([], len(pipelines))
    assert (every.failures, every.synced) == ([], len(jobs) - len(pipelines))
    for job in jobs:
        assert_matches_expected(
            world.store.load(job), lifecycle_of(job), job_label(job), only_final_seen=True
        )
    assert world.notifications() == []
    # And each kind keeps its own resume point
    assert all(world.store.get_watermark(f"{BACKFILL_WATERMARK}/{kind}") is not None for kind in KINDS)


def test_a_backfill_from_an_earlier_date_starts_over(world: World) -> None:
    jobs = [job.name for job in everything_happened(world, ("training",))]
    deps = silent(deps_of(world, kinds=("training",)), NOW)
    late = backfill(deps, datetime(2026, 11, 22, tzinfo=UTC))
    assert late.synced == 3
    # When the range is widened, the older jobs are covered too (the three done are up to date)
    wide = backfill(deps, datetime(2026, 11, 1, tzinfo=UTC))
    assert wide.synced == len(jobs) - 3
    assert all(world.store.load(job_key(job)) is not None for job in jobs)


@pytest.mark.parametrize("rate", [5.0])
def test_describes_are_rate_limited(world: World, rate: float) -> None:
    jobs = everything_happened(world)
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    slept: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    deps = replace(deps_of(world), bucket=TokenBucket(rate, clock=lambda: clock[0], sleep=sleep))
    reconcile(deps)
    assert sum(slept) == pytest.approx((len(jobs) - rate) / rate)


def test_looking_for_stalled_jobs_without_a_publisher_is_refused(world: World) -> None:
    # A silent pass (alerts None) cannot promise the Stalled alert it would write: it refuses to look
    silent_sync = SyncDeps(jobs=world.deps.jobs, histories=world.store, alerts=None)
    deps = replace(deps_of(world, stalled_after=timedelta(hours=6)), sync=silent_sync)
    with pytest.raises(ValueError, match="alert publisher"):
        alert_stalled_jobs(deps, timedelta(hours=6), PassReport())


def test_a_long_run_of_another_kind_is_not_called_stalled(world: World) -> None:
    # Given a processing job and a tuning job seen running, whose status alone says nothing of progress
    for name, kind in (("processing-completed", "processing"), ("tuning-completed", "tuning")):
        world.script.advance(next(s for s in load_lifecycle(name).steps if s.kind == kind))
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    reconcile(deps_of(world))
    running = [s for s in world.store.in_progress_jobs() if s.kind != "training"]
    assert {s.kind for s in running} == {"processing", "tuning"}
    # When passes look for stalled jobs a day later
    report = reconcile(deps_of(world, now=NOW + timedelta(days=1), stalled_after=timedelta(hours=6)))
    # Then none is raised for them
    assert report.stalled_alerts == 0
    assert "Stalled" not in [n["MessageAttributes"]["alert_type"]["Value"] for n in world.notifications()]
