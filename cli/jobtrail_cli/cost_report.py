"""``jobtrail cost``'s arithmetic: what the jobs of a window cost, totalled per group. Pure: no AWS, no I/O.

Only the kinds that bill count (training, processing and transform jobs): a tuning job's or pipeline
execution's cost is its jobs' (``core.cost.ROLLED_UP_KINDS``), which are counted themselves, so
``--by tuning-job`` and ``--by pipeline`` group those jobs by what ran them. A job whose cost is unknown
(still running, not priced yet, no price) is counted among the jobs, adds nothing to the dollars, and is
counted in ``unknown``. A heterogeneous cluster's cost is split among its instance types by what each
group's instances cost per hour (``--by instance-type``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Literal

from jobtrail.core.cost import USAGES, billed_cluster, money
from jobtrail.core.model import JobSummary

Grouping = Literal["kind", "team", "instance-type", "status", "tuning-job", "pipeline", "day"]
GROUPINGS: Final[tuple[Grouping, ...]] = (
    "kind",
    "team",
    "instance-type",
    "status",
    "tuning-job",
    "pipeline",
    "day",
)
#: What a group is called when the job has no value for it (no tuning job, no team, no pipeline).
NONE: Final = "-"
#: A training job's secondary statuses (and the statuses) that mean it was stopped or interrupted, not
#: failed: stopped by someone, a spot interruption, a time limit.
STOPPED: Final = frozenset(
    {"Stopped", "Stopping", "Interrupted", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"}
)

#: A job's share of each group it belongs to (1 for all but a heterogeneous cluster by instance type).
Shares = Sequence[tuple[str, Decimal]]


@dataclass
class CostTotals:
    """What one group's jobs cost: ``spend_usd`` in all, of which ``failed_usd`` on failed jobs and
    ``stopped_usd`` on stopped or interrupted ones; what managed spot saved; ``jobs`` counted, of which
    ``unknown`` have no known cost yet."""

    group: str
    spend_usd: Decimal = Decimal(0)
    failed_usd: Decimal = Decimal(0)
    stopped_usd: Decimal = Decimal(0)
    spot_savings_usd: Decimal = Decimal(0)
    jobs: int = 0
    unknown: int = 0

    def add(self, summary: JobSummary, share: Decimal) -> None:
        self.jobs += 1
        cost = summary.cost
        if cost is None or cost.usd is None:
            self.unknown += 1
            return
        usd = cost.usd * share
        self.spend_usd += usd
        match outcome(summary):
            case "failed":
                self.failed_usd += usd
            case "stopped":
                self.stopped_usd += usd
            case None:
                pass
        self.spot_savings_usd += (cost.spot_savings_usd or Decimal(0)) * share

    def rounded(self) -> CostTotals:
        return CostTotals(
            self.group,
            money(self.spend_usd),
            money(self.failed_usd),
            money(self.stopped_usd),
            money(self.spot_savings_usd),
            self.jobs,
            self.unknown,
        )


@dataclass
class CostReport:
    """The groups, in the order shown (by spend, most first; days in date order), and their total."""

    by: Grouping
    groups: list[CostTotals]
    total: CostTotals
    #: Jobs of the window that bill nothing themselves (tuning jobs, pipeline executions), not counted.
    rolled_up_jobs: int = 0
    bases: list[str] = field(default_factory=list)


def outcome(summary: JobSummary) -> Literal["failed", "stopped"] | None:
    """``failed`` for a failed job, ``stopped`` for one stopped or interrupted (spot, a time limit),
    else ``None``."""
    if summary.status == "Failed":
        return "failed"
    if summary.status in STOPPED or summary.secondary_status in STOPPED:
        return "stopped"
    return None


def bills(summary: JobSummary) -> bool:
    """Whether the job bills for instances itself (not a tuning job or pipeline execution)."""
    return summary.kind in USAGES


def instance_type_shares(summary: JobSummary) -> Shares:
    """The job's instance types, each with its share of what the cluster costs per hour (by the prices
    its cost used; equal shares when it has no known cost)."""
    cluster = billed_cluster(summary)
    if not cluster:
        return [(NONE, Decimal(1))]
    hourly = dict(summary.cost.hourly) if summary.cost else {}
    per_type: dict[str, Decimal] = {}
    for group in cluster:
        price = hourly.get(group.instance_type, Decimal(1))
        per_type[group.instance_type] = per_type.get(group.instance_type, Decimal(0)) + group.count * price
    whole = sum(per_type.values(), Decimal(0))
    if whole == 0:
        return [(name, Decimal(1) / len(per_type)) for name in per_type]
    return [(name, part / whole) for name, part in per_type.items()]


def grouped_by(
    by: Grouping, name_of: Callable[[JobSummary], str | None] | None = None
) -> Callable[[JobSummary], Shares]:
    """Which group(s) a job belongs to for ``by``. ``name_of`` names a job's group for the groupings
    that need more than the summary: its team (``team``; default: its ``team`` tag), the pipeline that
    ran it (``pipeline``), the day it was created in the zone shown (``day``)."""

    def one(name: str | None) -> Shares:
        return [(name or NONE, Decimal(1))]

    match by:
        case "kind":
            return lambda summary: one(summary.kind)
        case "status":
            return lambda summary: one(summary.status)
        case "tuning-job":
            return lambda summary: one(summary.tuning_job_name)
        case "instance-type":
            return instance_type_shares
        case "team" if name_of is None:
            return lambda summary: one((summary.tags or {}).get("team"))
        case _:
            if name_of is None:
                raise ValueError(f"--by {by} needs each job's {by}")
            named = name_of
            return lambda summary: one(named(summary))


def cost_report(
    by: Grouping, summaries: Iterable[JobSummary], groups_of: Callable[[JobSummary], Shares]
) -> CostReport:
    """The jobs that bill among ``summaries``, totalled per group (``groups_of``: ``grouped_by(by)``)."""
    totals: dict[str, CostTotals] = {}
    total = CostTotals("total")
    rolled_up = 0
    bases: set[str] = set()
    for summary in summaries:
        if not bills(summary):
            rolled_up += 1
            continue
        total.add(summary, Decimal(1))
        if summary.cost is not None and summary.cost.basis:
            bases.add(summary.cost.basis)
        for name, share in groups_of(summary):
            totals.setdefault(name, CostTotals(name)).add(summary, share)
    if by == "day":
        groups = [totals.get(day) or CostTotals(day) for day in _every_day(totals)]
    else:
        groups = sorted(totals.values(), key=lambda t: (-t.spend_usd, -t.jobs, t.group))
    return CostReport(by, [group.rounded() for group in groups], total.rounded(), rolled_up, sorted(bases))


def _every_day(totals: Mapping[str, CostTotals]) -> list[str]:
    """Each day from the first to the last that has jobs (the days between without any too)."""
    if not totals:
        return []
    days = sorted(date.fromisoformat(day) for day in totals)
    span = (days[-1] - days[0]).days
    return [(days[0] + timedelta(days=offset)).isoformat() for offset in range(span + 1)]


def totals_view(totals: CostTotals) -> dict[str, object]:
    """One group's totals as ``cost --json`` prints them (dollars as numbers)."""
    return {
        "group": totals.group,
        "spend_usd": float(totals.spend_usd),
        "failed_usd": float(totals.failed_usd),
        "stopped_usd": float(totals.stopped_usd),
        "spot_savings_usd": float(totals.spot_savings_usd),
        "jobs": totals.jobs,
        "unknown_cost_jobs": totals.unknown,
    }
