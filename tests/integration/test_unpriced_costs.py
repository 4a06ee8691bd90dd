"""A cost whose price could not be found is filled in later: the sync that stores it lists the job in the
history table (``UNPRICED``), and the next reconciliation pass prices it again and takes it off the list.
On the real store (moto and DynamoDB Local), the Price List answered by botocore's ``Stubber``
(``events/pricing``) or failing like a throttled API.

The expected amounts are worked out in the comments from the fixtures' billing facts and list prices.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import kind_samples
import pytest
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.history_table import PriceCache
from jobtrail.adapters.pricing import PriceList
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.cost import UnpricedJob
from jobtrail.core.kinds import JobKey, Kind
from jobtrail.core.model import Alert, HistoryChanges, JobCost, JobListing, JobRecord
from jobtrail.core.price_settings import PriceSettings, PriceSettingsError
from jobtrail.core.rate_limit import TokenBucket
from jobtrail.usecases.ingest import IngestDeps, handle_batch
from jobtrail.usecases.prices import PriceBook
from jobtrail.usecases.reconcile import (
    UNPRICED_HORIZON,
    UNPRICED_SETTLE,
    PassReport,
    ReconcileDeps,
    reconcile,
)
from jobtrail.usecases.sync import SyncDeps, sync_job
from jobtrail_local.aws_calls import ConsumedCapacity, count_aws_calls
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle, sqs_batch
from jobtrail_local.loadgen import MIXED_KINDS, deliveries, generate
from jobtrail_local.price_list import fixture_pricing
from msgspec import structs
from test_budget import MIXED_JOBS, MIXED_SEED, WRITE_UNITS_PER_EVENT, replay
from test_job_cost import Clock, FailingPriceList, OneAnswer, stubbed
from worlds import World

from tests.conftest import TableTarget

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
#: A completed training job of events/completed, renamed: 6501 billable seconds on one ml.p3.2xlarge.
RECORD = record_from_describe(kind_samples.training("late-price-job", NOW))
JOB = RECORD.key
# 6501 s x 1 x $3.825/h = 24866.325 / 3600 = $6.9073125, to the millionth half to even: 6.907312
FILLED = JobCost(usd=Decimal("6.907312"), hourly=(("ml.p3.2xlarge", Decimal("3.825")),), basis="list")
NOT_YET = JobCost(
    usd=None, reason="no Training price for ml.p3.2xlarge in us-east-1 yet (the Price List did not answer)"
)


@pytest.fixture
def store(history_table: TableTarget) -> HistoryStore:
    return HistoryStore(history_table.name, region=history_table.region, host=history_table.endpoint_url)


class NoJobs:
    """A catalog listing nothing: these passes only work through the unpriced list."""

    def list_jobs(self, kind: Kind, **since: datetime | None) -> Iterator[JobListing]:
        return iter(())


def failing(store: HistoryStore, clock: Clock) -> PriceBook:
    """A container whose Price List lookups fail (throttled), with the table's price cache."""
    return PriceBook(FailingPriceList(), PriceCache(store.table), clock=clock)


def working(store: HistoryStore, clock: Clock) -> PriceBook:
    """A container whose Price List answers from events/pricing."""
    return PriceBook(PriceList(stubbed()), PriceCache(store.table), clock=clock)


def sync_deps(store: HistoryStore, prices: PriceBook, clock: Clock, record: JobRecord = RECORD) -> SyncDeps:
    return SyncDeps(jobs=OneAnswer(record), histories=store, alerts=None, prices=prices, clock=clock)


def a_pass(store: HistoryStore, prices: PriceBook, clock: Clock) -> PassReport:
    """One reconciliation pass at ``clock``'s time, pricing with ``prices``."""
    sync = sync_deps(store, prices, clock)
    deps = ReconcileDeps(sync=sync, catalog=NoJobs(), histories=store, bucket=TokenBucket(1000.0), kinds=())
    report = reconcile(deps)
    assert report.failures == []
    return report


def unpriced(report: PassReport) -> tuple[int, int, int, int]:
    """(costs filled, jobs left waiting, taken off without a price, given up on)."""
    return report.costs_filled, report.unpriced_waiting, report.unpriced_cleared, report.unpriced_dropped


def test_a_failed_lookup_lists_the_job_and_the_next_pass_fills_its_cost(store: HistoryStore) -> None:
    clock = Clock()
    # Given an ended job synced while the Price List fails
    sync_job(JOB, sync_deps(store, failing(store, clock), clock))
    # Then its cost is stored unknown, saying why, and the job is on the unpriced list
    stored = store.load(JOB)
    assert stored is not None
    assert stored.summary.cost == NOT_YET
    assert store.unpriced_jobs(limit=10) == [UnpricedJob(JOB, "Training", ("ml.p3.2xlarge",), NOW)]
    # When the next pass runs, 15 minutes later, with the Price List answering
    clock.now = NOW + timedelta(minutes=15)
    report = a_pass(store, working(store, clock), clock)
    # Then the cost is filled in, through a conditional write of the same record, and the list is empty
    assert unpriced(report) == (1, 0, 0, 0)
    priced = store.load(JOB)
    assert priced is not None
    assert priced.summary.cost == FILLED
    assert priced.version == stored.version + 1
    assert priced.transitions == stored.transitions
    assert structs.replace(priced.summary, cost=None) == structs.replace(stored.summary, cost=None)
    assert store.unpriced_jobs(limit=10) == []
    # And a pass after that has nothing to do
    assert unpriced(a_pass(store, working(store, clock), clock)) == (0, 0, 0, 0)


def test_a_price_still_not_found_keeps_the_job_listed(store: HistoryStore) -> None:
    clock = Clock()
    sync_job(JOB, sync_deps(store, failing(store, clock), clock))
    # When a pass runs while the Price List still fails
    clock.now = NOW + timedelta(minutes=15)
    report = a_pass(store, failing(store, clock), clock)
    # Then the job stays listed, its cost unknown
    assert unpriced(report) == (0, 1, 0, 0)
    assert [job.job for job in store.unpriced_jobs(limit=10)] == [JOB]
    stored = store.load(JOB)
    assert stored is not None
    assert stored.summary.cost == NOT_YET
    # And the pass after it, with the Price List back, fills it in
    clock.now = NOW + timedelta(minutes=30)
    assert unpriced(a_pass(store, working(store, clock), clock)) == (1, 0, 0, 0)
    priced = store.load(JOB)
    assert priced is not None
    assert priced.summary.cost == FILLED


class CrashingStore(HistoryStore):
    """A store whose process dies after it put the job on the unpriced list, before the summary."""

    def apply(self, changes: HistoryChanges, **kwargs: Any) -> tuple[Alert, ...]:
        raise SystemExit("the invocation died")


def crash_after_listing(table: TableTarget, clock: Clock) -> None:
    """An ingest, without a price, that lists the job, then dies before it writes its summary."""
    crashing = CrashingStore(table.name, region=table.region, host=table.endpoint_url)
    with pytest.raises(SystemExit):
        sync_job(JOB, sync_deps(crashing, failing(crashing, clock), clock))


def test_a_crash_between_the_listing_and_the_summary_loses_nothing(
    store: HistoryStore, history_table: TableTarget
) -> None:
    clock = Clock()
    # Given an ingest that listed the job, then died before writing its summary
    crash_after_listing(history_table, clock)
    assert store.load(JOB) is None
    assert [job.job for job in store.unpriced_jobs(limit=10)] == [JOB]
    # When a pass runs before the redelivery: the job is not stored yet, but it was listed just now
    clock.now = NOW + UNPRICED_SETTLE - timedelta(seconds=1)
    report = a_pass(store, working(store, clock), clock)
    # Then it stays listed
    assert unpriced(report) == (0, 1, 0, 0)
    # And when the event is redelivered, still without a price, and the next pass runs with one
    sync_job(JOB, sync_deps(store, failing(store, clock), clock))
    clock.now += timedelta(minutes=15)
    report = a_pass(store, working(store, clock), clock)
    # Then the cost is filled in and the list is empty
    assert unpriced(report) == (1, 0, 0, 0)
    stored = store.load(JOB)
    assert stored is not None
    assert stored.summary.cost == FILLED
    assert store.unpriced_jobs(limit=10) == []


def test_a_listed_job_never_stored_leaves_the_list_once_settled(
    store: HistoryStore, history_table: TableTarget
) -> None:
    clock = Clock()
    crash_after_listing(history_table, clock)
    # When no redelivery ever writes it (its event went to the dead-letter queue) and a pass runs later
    clock.now = NOW + UNPRICED_SETTLE
    report = a_pass(store, working(store, clock), clock)
    # Then it is taken off the list, without a cost to fill (a redrive would list it again)
    assert unpriced(report) == (0, 0, 1, 0)
    assert store.unpriced_jobs(limit=10) == []


class RacingStore(HistoryStore):
    """A store where, just before the first summary write it is asked for, a reconciliation pass runs
    (``race``) and writes the same job: that write then conflicts, and the sync retries."""

    race: Any = None

    def apply(self, changes: HistoryChanges, **kwargs: Any) -> tuple[Alert, ...]:
        race, self.race = self.race, None
        if race is not None:
            race()
        return super().apply(changes, **kwargs)


def test_a_sync_that_loses_the_race_to_a_pass_lists_the_job_again(
    store: HistoryStore, history_table: TableTarget
) -> None:
    clock = Clock()
    # Given the job stored while the Price List failed (listed)
    sync_job(JOB, sync_deps(store, failing(store, clock), clock))
    # When a later answer brings new billing facts (its warm pool's 600 retained seconds) to a sync whose
    # Price List fails too, while a pass with prices prices the stored job and takes it off the list
    clock.now = NOW + timedelta(minutes=15)
    racing = RacingStore(history_table.name, region=history_table.region, host=history_table.endpoint_url)
    racing.race = lambda: a_pass(store, working(store, clock), clock)
    later = structs.replace(RECORD, summary=structs.replace(RECORD.summary, warm_pool_seconds=600))
    result = sync_job(JOB, sync_deps(racing, failing(racing, clock), clock, later))
    # Then the sync, retrying after the conflict, stored its unknown cost and listed the job again
    assert result.attempts == 2
    stored = store.load(JOB)
    assert stored is not None
    assert stored.summary.warm_pool_seconds == 600
    assert stored.summary.cost == NOT_YET
    assert [job.job for job in store.unpriced_jobs(limit=10)] == [JOB]
    # And the next pass prices it: (6501 + 600) s x $3.825/h = 27161.325 / 3600 = $7.5448125 -> 7.544812
    # (half to even), of which the warm pool 600 x 3.825 / 3600 = $0.6375
    clock.now += timedelta(minutes=15)
    assert unpriced(a_pass(store, working(store, clock), clock)) == (1, 0, 0, 0)
    priced = store.load(JOB)
    assert priced is not None
    assert priced.summary.cost is not None
    assert (priced.summary.cost.usd, priced.summary.cost.warm_pool_usd) == (
        Decimal("7.544812"),
        Decimal("0.637500"),
    )


def test_a_job_listed_again_after_the_pass_read_it_stays_listed(store: HistoryStore) -> None:
    clock = Clock()
    sync_job(JOB, sync_deps(store, failing(store, clock), clock))
    [read] = store.unpriced_jobs(limit=10)
    # Given a sync lists it again (a later write of its summary) after a pass read the list
    store.list_unpriced(structs.replace(read, listed_at=NOW + timedelta(minutes=1)))
    # Then the pass cannot take off the listing it did not read; the newer one can be
    assert not store.clear_unpriced(read)
    [again] = store.unpriced_jobs(limit=10)
    assert again.listed_at == NOW + timedelta(minutes=1)
    assert store.clear_unpriced(again)
    assert store.unpriced_jobs(limit=10) == []


def test_a_price_not_found_for_days_is_given_up(
    store: HistoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    sync_job(JOB, sync_deps(store, failing(store, clock), clock))
    clock.now = NOW + UNPRICED_HORIZON
    report = a_pass(store, failing(store, clock), clock)
    # Then the job leaves the list, logged, and its cost stays unknown with its reason
    assert unpriced(report) == (0, 0, 0, 1)
    assert store.unpriced_jobs(limit=10) == []
    assert "job cost left unknown" in caplog.text
    stored = store.load(JOB)
    assert stored is not None
    assert stored.summary.cost == NOT_YET


class InvalidSettings:
    def load(self) -> PriceSettings:
        raise PriceSettingsError("discount_percent must be from 0 to less than 100, not 100")


def test_invalid_price_settings_list_the_job_until_they_are_fixed(store: HistoryStore) -> None:
    clock = Clock()
    invalid = PriceBook(PriceList(stubbed()), PriceCache(store.table), InvalidSettings(), clock=clock)
    sync_job(JOB, sync_deps(store, invalid, clock))
    stored = store.load(JOB)
    assert stored is not None
    assert stored.summary.cost == JobCost(
        usd=None,
        reason="no Training price for ml.p3.2xlarge in us-east-1 yet (the price settings are invalid)",
    )
    assert [job.job for job in store.unpriced_jobs(limit=10)] == [JOB]
    clock.now = NOW + timedelta(minutes=15)
    assert unpriced(a_pass(store, working(store, clock), clock)) == (1, 0, 0, 0)


def test_a_type_the_price_list_does_not_list_is_not_listed(store: HistoryStore) -> None:
    # Given an ended job on a type the Price List answers it has no price for
    record = record_from_describe(kind_samples.training("unlisted-job", NOW))
    summary = structs.replace(record.summary, instance_type="ml.trn1.32xlarge")
    record = structs.replace(record, summary=summary)
    clock = Clock()
    sync_job(record.key, sync_deps(store, working(store, clock), clock, record))
    # Then its cost is unknown with that reason, and it waits for nothing
    stored = store.load(record.key)
    assert stored is not None
    assert stored.summary.cost == JobCost(
        usd=None, reason="no Training price for ml.trn1.32xlarge in us-east-1"
    )
    assert store.unpriced_jobs(limit=10) == []


def test_a_running_job_is_not_listed_even_when_the_price_list_fails(store: HistoryStore) -> None:
    running = record_from_describe(load_lifecycle("completed").steps[3].describe)
    assert running.summary.status == "InProgress"
    clock = Clock()
    sync_job(running.key, sync_deps(store, failing(store, clock), clock, running))
    assert store.unpriced_jobs(limit=10) == []


def test_a_job_that_never_started_costs_nothing_without_a_price(store: HistoryStore) -> None:
    # Given events/failed-capacity's job as SageMaker last described it: Starting, then Failed with a
    # CapacityError, no TrainingStartTime, no time counters; four ml.p4d.24xlarge
    record = record_from_describe(kind_samples.training("capacity-job", NOW, like="failed-capacity"))
    assert record.summary.start_time is None
    assert record.summary.billable_time_seconds is None
    clock = Clock()
    # When it is synced, even while the Price List fails
    sync_job(record.key, sync_deps(store, failing(store, clock), clock, record))
    # Then it cost $0 (SageMaker bills from a start time it never reported), and waits for nothing
    stored = store.load(record.key)
    assert stored is not None
    assert stored.summary.cost == JobCost(usd=Decimal("0.000000"))
    assert store.unpriced_jobs(limit=10) == []


def priced(world: World) -> IngestDeps:
    """Ingest's deps pricing from events/pricing, with the world's table's price cache."""
    pricing = fixture_pricing(boto3.client("pricing", region_name="us-east-1"))
    return structs.replace(world.deps, prices=PriceBook(PriceList(pricing), PriceCache(world.store.table)))


def test_the_common_path_lists_nothing(world: World) -> None:
    # Given every lifecycle's events, each batch ingested as SageMaker reaches that step, with prices
    deps = priced(world)
    jobs: set[JobKey] = set()
    for lifecycle in map(load_lifecycle, lifecycle_names()):
        for step in lifecycle.steps:
            world.script.advance(step)
            assert handle_batch(sqs_batch([step.sqs_body]), deps) == {"batchItemFailures": []}
        jobs.update(lifecycle.jobs)
    # Then every job that bills has its cost, and nothing was put on the unpriced list
    billing = [job for job in jobs if job.kind in {"training", "processing", "transform"}]
    costs = {job: stored.summary.cost for job in billing if (stored := world.store.load(job))}
    assert len(costs) == len(billing)
    assert [job for job, cost in costs.items() if cost is None or not cost.known] == []
    assert world.store.unpriced_jobs(limit=1000) == []


@pytest.mark.dynamodb_local
def test_a_priced_load_of_every_kind_lists_nothing_and_keeps_its_write_units(local_world: World) -> None:
    # Given test_budget's load of every kind (duplicates, late events, batches of ten; some instance types
    # the Price List does not list), priced as deployed, on DynamoDB Local
    load = generate(MIXED_JOBS, seed=MIXED_SEED, mix=MIXED_KINDS)
    stream = deliveries(load, duplicate_rate=0.05, seed=MIXED_SEED)
    local_world.__dict__["deps"] = priced(local_world)  # World.deps is a cached property
    capacity = ConsumedCapacity()
    with count_aws_calls(capacity=capacity):
        batches = replay(local_world, load, stream)
    # Then nothing is put on the unpriced list, and the writes stay within ingest's budget (the price
    # cache's few items included)
    events = sum(batch.event_count for batch in batches)
    per_event = capacity.write_units / events
    print(
        f"\n{per_event:.2f} WRU per event, priced ({capacity.index_write_units / events:.2f} on the indexes)"
    )
    assert capacity.missing == 0
    assert 0 < per_event <= WRITE_UNITS_PER_EVENT
    assert local_world.store.unpriced_jobs(limit=1000) == []
