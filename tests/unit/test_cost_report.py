"""``jobtrail cost``'s arithmetic (``jobtrail_cli.cost_report``), against totals worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from jobtrail.core.model import InstanceGroup, JobCost, JobSummary
from jobtrail_cli.cost_report import CostTotals, cost_report, grouped_by, instance_type_shares, outcome
from msgspec.structs import replace

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/"


def job(name: str, usd: str | None, **changes: object) -> JobSummary:
    base = JobSummary(
        job_name=name,
        job_arn=f"{ARN}{name}",
        status="Completed",
        secondary_status="Completed",
        creation_time=T0,
        last_modified_time=T0,
        instance_type="ml.g5.2xlarge",
        instance_count=1,
        cost=JobCost(None if usd is None else Decimal(usd), reason=None if usd else "no billable time yet"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_failed_stopped_and_interrupted_spend_are_told_apart() -> None:
    assert outcome(job("a", "1", status="Failed", secondary_status="Failed")) == "failed"
    assert outcome(job("b", "1", status="Stopped", secondary_status="Stopped")) == "stopped"
    # A spot job interrupted, or stopped by its time limit, ends Stopped with that secondary status
    assert outcome(job("c", "1", status="Stopped", secondary_status="MaxWaitTimeExceeded")) == "stopped"
    assert outcome(job("d", "1", status="InProgress", secondary_status="Interrupted")) == "stopped"
    assert outcome(job("e", "1")) is None


def test_totals_per_group_and_in_all() -> None:
    jobs = [
        job(
            "a",
            "10.00",
            tags={"team": "nlp"},
            cost=JobCost(Decimal("10.00"), spot_savings_usd=Decimal("4.00")),
        ),
        job("b", "2.50", tags={"team": "nlp"}, status="Failed", secondary_status="Failed"),
        job("c", "1.25", status="Stopped", secondary_status="MaxRuntimeExceeded"),
        job("d", None, tags={"team": "cv"}, status="InProgress", secondary_status="Training"),
        job("e", None, cost=None),  # never priced
        # A tuning job bills through its training jobs: not counted
        job("f", "99", kind="tuning", cost=None),
    ]

    report = cost_report("team", jobs, grouped_by("team"))

    # nlp: 10.00 + 2.50 (failed); cv: the running job, unknown; "-": 1.25 (stopped) and the unpriced one
    assert report.groups == [
        CostTotals("nlp", Decimal("12.5"), Decimal("2.5"), Decimal(0), Decimal(4), jobs=2, unknown=0),
        CostTotals("-", Decimal("1.25"), Decimal(0), Decimal("1.25"), Decimal(0), jobs=2, unknown=1),
        CostTotals("cv", Decimal(0), Decimal(0), Decimal(0), Decimal(0), jobs=1, unknown=1),
    ]
    assert report.total == CostTotals(
        "total", Decimal("13.75"), Decimal("2.5"), Decimal("1.25"), Decimal(4), jobs=5, unknown=2
    )
    assert report.rolled_up_jobs == 1


def test_a_heterogeneous_cluster_is_split_among_its_instance_types_by_what_they_cost() -> None:
    # 2 x ml.p4d.24xlarge at $25.251/h and 4 x ml.m5.2xlarge at $0.461/h: $50.502 + $1.844 = $52.346 an
    # hour; the job's $104.692 (two hours) is $101.004 on the p4d and $3.688 on the m5
    cluster = job(
        "h",
        "104.692",
        instance_type="ml.p4d.24xlarge",
        instance_count=2,
        instance_groups=(InstanceGroup("ml.p4d.24xlarge", 2), InstanceGroup("ml.m5.2xlarge", 4)),
        cost=JobCost(
            Decimal("104.692"),
            spot_savings_usd=Decimal("10.4692"),
            hourly=(("ml.p4d.24xlarge", Decimal("25.251")), ("ml.m5.2xlarge", Decimal("0.461"))),
        ),
    )

    report = cost_report("instance-type", [cluster], grouped_by("instance-type"))

    assert [(g.group, g.spend_usd, g.spot_savings_usd, g.jobs) for g in report.groups] == [
        ("ml.p4d.24xlarge", Decimal("101.004"), Decimal("10.1004"), 1),
        ("ml.m5.2xlarge", Decimal("3.688"), Decimal("0.3688"), 1),
    ]
    # Counted once in the total
    assert (report.total.spend_usd, report.total.jobs) == (Decimal("104.692"), 1)


def test_a_cluster_without_known_prices_is_split_by_instance_count() -> None:
    unknown = job(
        "u",
        None,
        instance_groups=(InstanceGroup("ml.p4d.24xlarge", 1), InstanceGroup("ml.m5.2xlarge", 3)),
    )
    assert instance_type_shares(unknown) == [
        ("ml.p4d.24xlarge", Decimal("0.25")),
        ("ml.m5.2xlarge", Decimal("0.75")),
    ]


def test_days_run_from_the_first_to_the_last_with_the_empty_ones_between() -> None:
    jobs = [job("a", "1.00"), job("b", "2.00", job_arn=f"{ARN}b")]
    days = {"a": "2026-11-20", "b": "2026-11-23"}

    report = cost_report("day", jobs, grouped_by("day", lambda summary: days[summary.job_name]))

    assert [(g.group, g.spend_usd, g.jobs) for g in report.groups] == [
        ("2026-11-20", Decimal("1.00"), 1),
        ("2026-11-21", Decimal(0), 0),
        ("2026-11-22", Decimal(0), 0),
        ("2026-11-23", Decimal("2.00"), 1),
    ]


def test_groupings_that_need_more_than_the_summary_say_so() -> None:
    with pytest.raises(ValueError, match="--by pipeline needs"):
        grouped_by("pipeline")
