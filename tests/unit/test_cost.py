"""What a job cost (``core.cost``), against examples computed by hand, and the price settings document.

Every expected amount below is worked out in its comment from the job's billing facts and the hourly
prices, not with the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from jobtrail.core.cost import (
    HourlyPrice,
    PriceLookup,
    PriceUnavailable,
    UnpricedJob,
    Usage,
    job_cost,
    rolled_up,
    unpriced_job,
    with_cost,
)
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import InstanceGroup, JobCost, JobSummary
from jobtrail.core.price_settings import PriceSettingsError, parse_price_settings
from msgspec.structs import replace

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/"
PRICES = {
    ("ml.g5.2xlarge", "Training"): Decimal("1.515"),
    ("ml.p4d.24xlarge", "Training"): Decimal("25.251"),
    ("ml.m5.2xlarge", "Training"): Decimal("0.461"),
    ("ml.m5.xlarge", "Processing"): Decimal("0.23"),
    ("ml.m5.large", "BatchTransform"): Decimal("0.115"),
}


def listed(instance_type: str, usage: Usage) -> HourlyPrice | None:
    found = PRICES.get((instance_type, usage))
    return None if found is None else HourlyPrice(found)


def training(**changes: object) -> JobSummary:
    base = JobSummary(
        job_name="job",
        job_arn=f"{ARN}job",
        status="Completed",
        secondary_status="Completed",
        creation_time=T0,
        last_modified_time=T0 + timedelta(hours=1),
        instance_type="ml.g5.2xlarge",
        instance_count=1,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def other_kind(kind: str, instance_type: str, seconds: int, **changes: object) -> JobSummary:
    resource = {"processing": "processing-job", "transform": "transform-job"}[kind]
    return replace(
        training(
            kind=kind,
            job_arn=f"arn:aws:sagemaker:us-east-1:123456789012:{resource}/job",
            secondary_status=None,
            instance_type=instance_type,
            start_time=T0,
            end_time=T0 + timedelta(seconds=seconds),
        ),
        **changes,  # type: ignore[arg-type]
    )


def test_on_demand_training_job() -> None:
    # 494 s x 1 x $1.515/h = 748.41 / 3600 = $0.20789166... -> 0.207892
    cost = job_cost(training(billable_time_seconds=494, training_time_seconds=494), listed)
    assert cost == JobCost(
        usd=Decimal("0.207892"), hourly=(("ml.g5.2xlarge", Decimal("1.515")),), basis="list"
    )


def test_several_instances_of_one_type() -> None:
    # 3600 s x 4 x $0.461/h = $1.844
    cost = job_cost(
        training(instance_type="ml.m5.2xlarge", instance_count=4, billable_time_seconds=3600), listed
    )
    assert cost is not None
    assert cost.usd == Decimal("1.844000")


def test_managed_spot_job_and_its_savings_in_dollars() -> None:
    # billable 1500 s of 4000 s on 2 x ml.p4d.24xlarge at $25.251/h:
    # cost 1500 x 2 x 25.251 / 3600 = 75753 / 3600 = $21.0425
    # saved (4000 - 1500) x 2 x 25.251 / 3600 = 126255 / 3600 = $35.070833... -> 35.070833
    summary = training(
        instance_type="ml.p4d.24xlarge",
        instance_count=2,
        managed_spot=True,
        training_time_seconds=4000,
        billable_time_seconds=1500,
    )
    cost = job_cost(summary, listed)
    assert cost is not None
    assert (cost.usd, cost.spot_savings_usd) == (Decimal("21.042500"), Decimal("35.070833"))
    assert summary.spot_savings_percent == 62.5


def heterogeneous() -> JobSummary:
    """A heterogeneous cluster: 2 x ml.p4d.24xlarge and 3 x ml.m5.2xlarge, 1000 s billed."""
    return training(
        instance_type="ml.p4d.24xlarge",
        instance_count=None,
        instance_groups=(InstanceGroup("ml.p4d.24xlarge", 2), InstanceGroup("ml.m5.2xlarge", 3)),
        billable_time_seconds=1000,
    )


def test_heterogeneous_cluster_each_group_by_its_own_type_and_count() -> None:
    # 1000 s x (2 x $25.251 + 3 x $0.461) / 3600 = 1000 x 51.885 / 3600 = $14.4125
    cost = job_cost(heterogeneous(), listed)
    assert cost is not None
    assert cost.usd == Decimal("14.412500")
    assert dict(cost.hourly) == {"ml.p4d.24xlarge": Decimal("25.251"), "ml.m5.2xlarge": Decimal("0.461")}


def test_warm_pool_retained_time_is_added() -> None:
    # (600 + 1800) s x 1 x $1.515/h = 3636 / 3600 = $1.01; of which warm pool 1800 x 1.515 / 3600 = $0.7575
    cost = job_cost(training(billable_time_seconds=600, warm_pool_seconds=1800), listed)
    assert cost is not None
    assert (cost.usd, cost.warm_pool_usd) == (Decimal("1.010000"), Decimal("0.757500"))


def test_failed_before_billing_cost_nothing_when_sagemaker_says_zero() -> None:
    cost = job_cost(training(status="Failed", billable_time_seconds=0, training_time_seconds=0), listed)
    assert cost == JobCost(usd=Decimal("0.000000"))


def test_failed_without_billable_time_is_unknown_not_zero() -> None:
    cost = job_cost(training(status="Failed", instance_type="ml.p4d.24xlarge"), listed)
    assert cost == JobCost(usd=None, reason="SageMaker reported no billable time")


# -- ended before it started: $0, and only then ------------------------------------------------------------


def no_price(instance_type: str, usage: Usage) -> HourlyPrice | None:
    """What SageMaker bills nothing for is decided from the job's facts alone: no price is needed."""
    return None


ZERO = JobCost(usd=Decimal("0.000000"))


@pytest.mark.parametrize(
    ("status", "secondary", "statuses"),
    [
        # events/failed-capacity: a CapacityError while Starting, no TrainingStartTime, no time counters
        ("Failed", "Failed", ("Starting", "Failed")),
        # stopped by its owner before its instances were up
        ("Stopped", "Stopped", ("Starting", "Stopping", "Stopped")),
        # managed spot that never got capacity before its MaxWaitTimeInSeconds
        ("Stopped", "MaxWaitTimeExceeded", ("Starting", "MaxWaitTimeExceeded")),
    ],
)
def test_a_training_job_that_ended_before_it_started_cost_nothing(
    status: str, secondary: str, statuses: tuple[str, ...]
) -> None:
    # SageMaker bills from TrainingStartTime, which it never reported: 0 s x 4 x $25.251/h = $0
    summary = training(
        status=status, secondary_status=secondary, instance_type="ml.p4d.24xlarge", instance_count=4
    )
    assert job_cost(summary, no_price, statuses) == ZERO


@pytest.mark.parametrize(
    ("changes", "statuses", "reason"),
    [
        # it reached Downloading: its instances ran, whatever Describe left out
        ({}, ("Starting", "Downloading", "Failed"), "SageMaker reported no billable time"),
        # a start time without billable time: it ran
        (
            {"start_time": T0 + timedelta(minutes=3)},
            ("Starting", "Failed"),
            "SageMaker reported no billable time",
        ),
        # a training time without billable time: it ran
        ({"training_time_seconds": 60}, ("Starting", "Failed"), "SageMaker reported no billable time"),
        # statuses whose billing is not documented are not taken for free
        ({}, ("Starting", "LaunchingMLInstances", "Failed"), "SageMaker reported no billable time"),
        ({}, ("Pending", "Failed"), "SageMaker reported no billable time"),
        # no transitions at all: no evidence
        ({}, (), "SageMaker reported no billable time"),
        # still starting: it may yet run
        ({"status": "InProgress", "secondary_status": "Starting"}, ("Starting",), "no billable time yet"),
    ],
)
def test_a_training_job_that_may_have_run_is_unknown_not_zero(
    changes: dict[str, object], statuses: tuple[str, ...], reason: str
) -> None:
    ended = {"status": "Failed", "secondary_status": "Failed", "instance_type": "ml.p4d.24xlarge"}
    summary = training(**(ended | changes))
    assert job_cost(summary, listed, statuses) == JobCost(usd=None, reason=reason)


def test_a_transform_job_that_ended_without_a_start_time_cost_nothing() -> None:
    # Billed "for the time interval between" TransformStartTime and TransformEndTime: it never had one
    failed = other_kind("transform", "ml.m5.large", 0, status="Failed", start_time=None)
    assert job_cost(failed, no_price) == ZERO
    # while one still running without it is not priced yet
    waiting = other_kind("transform", "ml.m5.large", 0, status="InProgress", start_time=None, end_time=None)
    assert job_cost(waiting, listed) == JobCost(usd=None, reason="still running")


def test_a_processing_job_that_ended_without_a_start_time_is_unknown_not_zero() -> None:
    # ProcessingStartTime is not documented as where billing starts, and provisioning before it bills
    failed = other_kind("processing", "ml.m5.xlarge", 0, status="Failed", start_time=None)
    assert job_cost(failed, listed) == JobCost(usd=None, reason="SageMaker reported no start or end time")


# -- a price not found yet: the job waits on the unpriced list ---------------------------------------------

LISTED_AT = T0 + timedelta(hours=2)
JOB = JobKey(account="123456789012", region="us-east-1", kind="training", name="job")


def unavailable(instance_type: str, usage: Usage) -> HourlyPrice | PriceUnavailable | None:
    return PriceUnavailable("the Price List did not answer")


def test_a_price_not_found_yet_says_so_and_the_ended_job_waits_for_it() -> None:
    # Given an ended job whose price the Price List did not give
    summary = with_cost(training(billable_time_seconds=494), None, unavailable)
    # Then its cost is unknown, saying it is not found yet
    assert summary.cost == JobCost(
        usd=None,
        reason="no Training price for ml.g5.2xlarge in us-east-1 yet (the Price List did not answer)",
    )
    # And it waits for that price
    assert unpriced_job(summary, unavailable, at=LISTED_AT) == UnpricedJob(
        JOB, "Training", ("ml.g5.2xlarge",), LISTED_AT
    )


def test_only_the_prices_not_found_yet_are_waited_for() -> None:
    # Given a heterogeneous cluster: one type's price not found yet, the other's found
    summary = heterogeneous()

    def half(instance_type: str, usage: Usage) -> HourlyPrice | PriceUnavailable | None:
        return (
            listed(instance_type, usage)
            if instance_type == "ml.m5.2xlarge"
            else unavailable(instance_type, usage)
        )

    priced = with_cost(summary, None, half)
    assert unpriced_job(priced, half, at=LISTED_AT) == UnpricedJob(
        JOB, "Training", ("ml.p4d.24xlarge",), LISTED_AT
    )


@pytest.mark.parametrize(
    ("summary", "price"),
    [
        # the price found: the cost is known
        (training(billable_time_seconds=494), listed),
        # the Price List lists no price: an answer, no later lookup changes it
        (training(instance_type="ml.trn1.32xlarge", billable_time_seconds=60), listed),
        # still running: its cost waits for its billing facts, not a price
        (training(status="InProgress", secondary_status="Training"), unavailable),
        # ended, but SageMaker reported no billable time: a price would not help
        (training(status="Failed"), unavailable),
        # a tuning job bills nothing itself
        (replace(training(), kind="tuning"), unavailable),
    ],
)
def test_no_other_job_waits_for_a_price(summary: JobSummary, price: PriceLookup) -> None:
    priced = with_cost(summary, None, price)
    assert unpriced_job(priced, price, at=LISTED_AT) is None


def test_a_job_not_priced_at_all_does_not_wait() -> None:
    # Synced without prices (a backfill without the Price List): no cost, nothing waited for
    summary = with_cost(training(billable_time_seconds=494), None, None)
    assert summary.cost is None
    assert unpriced_job(summary, unavailable, at=LISTED_AT) is None


def test_running_job_has_no_cost_yet() -> None:
    cost = job_cost(training(status="InProgress", secondary_status="Training"), listed)
    assert cost is not None
    assert cost.usd is None
    assert cost.reason == "no billable time yet"


def test_unknown_price_leaves_the_cost_unknown() -> None:
    cost = job_cost(training(instance_type="ml.trn1.32xlarge", billable_time_seconds=60), listed)
    assert cost == JobCost(usd=None, reason="no Training price for ml.trn1.32xlarge in us-east-1")


def test_processing_job_priced_by_its_run_time() -> None:
    # 00:00 -> 00:20:30 = 1230 s x 2 x $0.23/h = 565.8 / 3600 = $0.157166... -> 0.157167
    cost = job_cost(other_kind("processing", "ml.m5.xlarge", 1230, instance_count=2), listed)
    assert cost is not None
    assert cost.usd == Decimal("0.157167")


def test_transform_job_priced_by_its_run_time_at_the_batch_transform_price() -> None:
    # 900 s x 1 x $0.115/h = 103.5 / 3600 = $0.02875
    cost = job_cost(other_kind("transform", "ml.m5.large", 900), listed)
    assert cost is not None
    assert cost.usd == Decimal("0.028750")


def test_processing_job_still_running_or_never_started() -> None:
    running = other_kind("processing", "ml.m5.xlarge", 60, status="InProgress", end_time=None)
    never = other_kind("processing", "ml.m5.xlarge", 60, status="Failed", start_time=None)
    assert job_cost(running, listed) == JobCost(usd=None, reason="still running")
    assert job_cost(never, listed) == JobCost(usd=None, reason="SageMaker reported no start or end time")


def test_tuning_and_pipeline_roll_up_their_children() -> None:
    tuning = replace(training(), kind="tuning")
    assert job_cost(tuning, listed) is None
    children = [JobCost(usd=Decimal("1.5"), spot_savings_usd=Decimal("0.25")), JobCost(usd=Decimal("2.25"))]
    assert rolled_up(children, "training jobs") == JobCost(
        usd=Decimal("3.750000"), spot_savings_usd=Decimal("0.250000")
    )
    partial = rolled_up([*children, JobCost(usd=None, reason="no billable time yet")], "training jobs")
    assert partial == JobCost(usd=None, reason="1 of 3 training jobs not priced yet ($3.75 so far)")


def test_a_known_cost_is_kept_while_the_billing_facts_stay_the_same() -> None:
    # Given a stored summary priced at $0.207892
    stored = with_cost(training(billable_time_seconds=494), None, listed)
    asked: list[str] = []

    def counting(instance_type: str, usage: Usage) -> HourlyPrice | None:
        asked.append(instance_type)
        return HourlyPrice(Decimal(99))

    # When a newer answer with the same billing facts is priced / Then no price is asked, the cost kept
    assert with_cost(replace(stored, cost=None), stored, counting).cost == stored.cost
    assert asked == []
    # And new billing facts are priced again
    assert with_cost(training(billable_time_seconds=3600), stored, counting).cost == JobCost(
        usd=Decimal("99.000000"), hourly=(("ml.g5.2xlarge", Decimal(99)),), basis="list"
    )


def test_an_unknown_cost_is_priced_again() -> None:
    stored = with_cost(training(billable_time_seconds=3600), None, lambda t, u: None)
    assert stored.cost is not None
    assert stored.cost.usd is None
    assert with_cost(replace(stored, cost=None), stored, listed).cost == JobCost(
        usd=Decimal("1.515000"), hourly=(("ml.g5.2xlarge", Decimal("1.515")),), basis="list"
    )


# -- the price settings ----------------------------------------------------------------------------------


def test_discount_and_overrides() -> None:
    settings = parse_price_settings(
        '{"discount_percent": 20, "prices": ['
        '{"instance_type": "ml.p4d.24xlarge", "usd_per_hour": "19.00"},'
        '{"instance_type": "ml.p4d.24xlarge", "usage": "Training", "region": "us-east-1",'
        ' "usd_per_hour": 18}]}'
    )
    # 20 % off $1.515 = $1.212
    assert settings.price("ml.g5.2xlarge", "us-east-1", "Training", Decimal("1.515")) == HourlyPrice(
        Decimal("1.212"), "list -20%"
    )
    # the most specific override wins, whatever the list price
    assert settings.price("ml.p4d.24xlarge", "us-east-1", "Training", None) == HourlyPrice(
        Decimal(18), "override"
    )
    assert settings.price("ml.p4d.24xlarge", "eu-west-1", "Training", None) == HourlyPrice(
        Decimal("19.00"), "override"
    )
    assert settings.price("ml.g5.2xlarge", "us-east-1", "Training", None) is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"discount_percent": 100}', "discount_percent must be from 0 to less than 100, not 100"),
        ('{"prices": [{"instance_type": "g5", "usd_per_hour": 1}]}', "prices[0]: instance_type must be"),
        (
            '{"prices": [{"instance_type": "ml.g5.xlarge", "usd_per_hour": 0}]}',
            "prices[0]: usd_per_hour must be more than 0",
        ),
        (
            '{"prices": [{"instance_type": "ml.g5.xlarge", "usd_per_hour": 1, "usage": "Hosting"}]}',
            "prices[0]: usage must be one of",
        ),
        (
            '{"prices": [{"instance_type": "ml.g5.xlarge", "usd_per_hour": "x"}]}',
            "prices[0].usd_per_hour: Invalid decimal",
        ),
        ('{"discount": 5}', "unknown field `discount`"),
        ("{", "not JSON"),
    ],
)
def test_settings_refused_in_one_line(document: str, message: str) -> None:
    with pytest.raises(PriceSettingsError) as refused:
        parse_price_settings(document)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
