"""What a SageMaker job cost: its billing facts times the hourly prices of its instances. Pure, no I/O.

- **Training**: ``BillableTimeInSeconds * InstanceCount * hourly price / 3600`` — SageMaker's own formula
  (DescribeTrainingJob's documentation); a heterogeneous cluster (``ResourceConfig.InstanceGroups``) adds
  each group by its own type and count. A warm pool's retained time
  (``WarmPoolStatus.ResourceRetainedBillableTimeInSeconds``), where reported, is billed the same way and
  added. Managed spot: the billable time is already what spot charged; what it saved is
  ``(TrainingTimeInSeconds - BillableTimeInSeconds) * the same cluster's hourly price``.
- **Processing and batch transform**: Describe reports no billable time, so their run time stands in:
  ``(ProcessingEndTime - ProcessingStartTime)`` (``TransformEndTime - TransformStartTime``) * count *
  the hourly price of that usage. This is an approximation: SageMaker bills instance time, which also
  covers provisioning and download before the start time Describe reports, so the real bill is
  somewhat higher; the cost is known once the job has ended.
- **Tuning jobs and pipeline executions** bill nothing themselves: their cost is the sum of their
  training jobs' (steps' jobs'), computed when read (``rolled_up``).

A job without its billing facts yet (running, or SageMaker did not report them) or without a price has
its cost **unknown** (``JobCost.usd`` ``None``, with the reason), never zero; a job that SageMaker says
billed 0 seconds cost 0, and so does a job that ended without ever starting (``never_started``: the
interval SageMaker bills begins at a start time it never reported). Money is ``Decimal``, rounded once,
to a millionth of a dollar.

A price is either found (``HourlyPrice``), not listed (``None``: the Price List has none, and says so),
or not found *yet* (``PriceUnavailable``: the lookup failed, the price settings are unusable): an ended
job whose cost waits only for such prices is an ``UnpricedJob`` (``unpriced_job``), which reconciliation
prices again later.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, Literal

import msgspec
from msgspec.structs import replace

from jobtrail.core.kinds import JobKey, Kind
from jobtrail.core.model import InstanceGroup, JobCost, JobSummary

#: The Price List's name for what a kind's instances are used for (its ``platoinstancetype`` attribute).
Usage = Literal["Training", "Processing", "BatchTransform"]
#: Each usage by its name (what a document or an item spells).
USAGE_NAMES: Final[dict[str, Usage]] = {
    "Training": "Training",
    "Processing": "Processing",
    "BatchTransform": "BatchTransform",
}
USAGES: Final[dict[Kind, Usage]] = {
    "training": "Training",
    "processing": "Processing",
    "transform": "BatchTransform",
}
#: The kinds whose cost is the sum of other jobs' (``rolled_up``).
ROLLED_UP_KINDS: Final[frozenset[Kind]] = frozenset({"tuning", "pipeline"})

SECONDS_PER_HOUR: Final = Decimal(3600)
#: Costs are kept to a millionth of a dollar (shown to the cent).
MONEY_STEP: Final = Decimal("0.000001")


class HourlyPrice(msgspec.Struct, frozen=True):
    """One instance's price per hour in US dollars, and where it came from (``JobCost.basis``)."""

    usd: Decimal
    basis: str = "list"


class CachedPrice(msgspec.Struct, frozen=True):
    """A list price as the Price List gave it (``None``: it lists none) and when it was looked up."""

    usd_per_hour: Decimal | None
    looked_up_at: datetime


class PriceUnavailable(msgspec.Struct, frozen=True):
    """A price not found *now*, and why (the Price List could not be asked, the price settings are
    unusable): unlike ``None`` (the Price List lists none), asking again later may find it."""

    reason: str


#: Looks up the hourly price of an instance type for a usage, in the job's region: the price, ``None``
#: when none is listed, or ``PriceUnavailable`` when it cannot be found now.
PriceLookup = Callable[[str, Usage], HourlyPrice | PriceUnavailable | None]

#: The secondary statuses of a training job whose instances never ran it: starting (SageMaker launches
#: and prepares instances), and the ends a job can reach from there (failed, stopped, past a limit).
#: ``Pending`` and the statuses SageMaker no longer reports (``LaunchingMLInstances``…) are not in it:
#: what they bill is not documented, so a job that went through one is not taken for free.
NOT_STARTED_STATUSES: Final = frozenset(
    {"Starting", "Stopping", "Stopped", "Failed", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"}
)


class UnpricedJob(msgspec.Struct, frozen=True):
    """An ended job whose cost waits for prices not found yet (``unpriced_job``): ``instance_types``, for
    ``usage`` in the job's region. ``listed_at``: when a sync (last) put it on the table's unpriced list,
    which reconciliation works through."""

    job: JobKey
    usage: Usage
    instance_types: tuple[str, ...]
    listed_at: datetime


def money(value: Decimal) -> Decimal:
    """``value`` rounded to ``MONEY_STEP`` (half to even)."""
    return value.quantize(MONEY_STEP, rounding=ROUND_HALF_EVEN)


def unknown(reason: str) -> JobCost:
    """A cost not known, and why."""
    return JobCost(usd=None, reason=reason)


def billed_cluster(summary: JobSummary) -> tuple[InstanceGroup, ...]:
    """The instances a job bills for: a heterogeneous cluster's groups, else its type times its count
    (empty when Describe did not say)."""
    if summary.instance_groups:
        return summary.instance_groups
    if summary.instance_type and summary.instance_count:
        return (InstanceGroup(summary.instance_type, summary.instance_count),)
    return ()


def never_started(summary: JobSummary, statuses: Collection[str] = ()) -> bool:
    """Whether a job ended without SageMaker ever starting it on its instances, so it billed nothing.

    - **Training**: SageMaker bills "the time interval between" ``TrainingStartTime`` and
      ``TrainingEndTime`` (DescribeTrainingJob's reference). A job that ended with no start time, no
      billable or training time, no warm pool, and whose ``statuses`` (its ``SecondaryStatusTransitions``,
      oldest first) are all ``NOT_STARTED_STATUSES`` never started: a capacity error while Starting, a
      stop before it started. No transitions at all is no evidence: not taken for free.
    - **Batch transform**: billed "for the time interval between" ``TransformStartTime`` and
      ``TransformEndTime`` (DescribeTransformJob's reference): one that ended without a start time never
      started on its instances.
    - **Processing**: never. ``ProcessingStartTime`` is only "the time at which the processing job
      started", and provisioning before it is billed too (see the module's notes): a processing job that
      ended without one may still have billed, so its cost stays unknown.
    """
    if not summary.is_terminal:
        return False
    if summary.kind == "training":
        return (
            summary.billable_time_seconds is None
            and summary.start_time is None
            and not summary.training_time_seconds
            and not summary.warm_pool_seconds
            and bool(statuses)
            and all(status in NOT_STARTED_STATUSES for status in statuses)
        )
    return summary.kind == "transform" and summary.start_time is None


def billed_seconds(summary: JobSummary, statuses: Collection[str] = ()) -> Decimal | str:
    """How long the job's cluster billed, in seconds, or why that is not known (a string); ``statuses``:
    a training job's secondary statuses (``never_started``)."""
    if never_started(summary, statuses):
        return Decimal(0)
    if summary.kind == "training":
        if summary.billable_time_seconds is None:
            return "SageMaker reported no billable time" if summary.is_terminal else "no billable time yet"
        return Decimal(summary.billable_time_seconds)
    if not summary.is_terminal:
        return "still running"
    if summary.start_time is None or summary.end_time is None:
        return "SageMaker reported no start or end time"
    return max(_seconds(summary.end_time - summary.start_time), Decimal(0))


def job_cost(summary: JobSummary, price: PriceLookup, statuses: Collection[str] = ()) -> JobCost | None:
    """What ``summary``'s job cost, priced by ``price`` (called once per instance type it used);
    ``None`` for the kinds whose cost is their children's (``ROLLED_UP_KINDS``). ``statuses``: a
    training job's secondary statuses, oldest first (``never_started``)."""
    usage = USAGES.get(summary.kind)
    if usage is None:
        return None
    seconds = billed_seconds(summary, statuses)
    if isinstance(seconds, str):
        return unknown(seconds)
    retained = Decimal(summary.warm_pool_seconds or 0) if summary.kind == "training" else Decimal(0)
    if seconds == 0 and retained == 0:
        return JobCost(usd=Decimal(0).quantize(MONEY_STEP), reason=None)
    cluster = billed_cluster(summary)
    if not cluster:
        return unknown("SageMaker reported no instance type or count")
    hourly: dict[str, HourlyPrice] = {}
    for group in cluster:
        if group.instance_type in hourly:
            continue
        found = price(group.instance_type, usage)
        if not isinstance(found, HourlyPrice):
            missing = f"no {usage} price for {group.instance_type} in {summary.region or 'its region'}"
            return unknown(missing if found is None else f"{missing} yet ({found.reason})")
        hourly[group.instance_type] = found
    per_second = sum((group.count * hourly[group.instance_type].usd for group in cluster), Decimal(0))
    per_second /= SECONDS_PER_HOUR
    warm_pool = money(retained * per_second) if retained else None
    savings = None
    if summary.kind == "training" and summary.managed_spot and summary.training_time_seconds is not None:
        saved_seconds = max(Decimal(summary.training_time_seconds) - seconds, Decimal(0))
        savings = money(saved_seconds * per_second)
    return JobCost(
        usd=money((seconds + retained) * per_second),
        spot_savings_usd=savings,
        warm_pool_usd=warm_pool,
        hourly=tuple((name, found.usd) for name, found in hourly.items()),
        basis=_basis(found.basis for found in hourly.values()),
    )


def billing_key(summary: JobSummary) -> tuple[object, ...]:
    """What a job's cost depends on besides prices: two summaries with the same key cost the same."""
    return (
        summary.kind,
        summary.status,
        summary.billable_time_seconds,
        summary.training_time_seconds,
        summary.managed_spot,
        summary.instance_type,
        summary.instance_count,
        summary.instance_groups,
        summary.warm_pool_seconds,
        summary.start_time,
        summary.end_time,
    )


def with_cost(
    summary: JobSummary,
    previous: JobSummary | None,
    price: PriceLookup | None,
    statuses: Collection[str] = (),
) -> JobSummary:
    """``summary`` with its cost: ``previous``'s when it was known and the billing facts are the same (no
    price is looked up again); else computed with ``price``; without ``price``, ``previous``'s whatever
    it was (when the facts are the same) or none. ``statuses``: a training job's secondary statuses."""
    if summary.kind in ROLLED_UP_KINDS:
        return summary
    same = previous is not None and billing_key(previous) == billing_key(summary)
    kept = previous.cost if same and previous is not None else None
    if price is None or (kept is not None and kept.known):
        return replace(summary, cost=kept)
    return replace(summary, cost=job_cost(summary, price, statuses))


def unpriced_job(
    summary: JobSummary, price: PriceLookup, *, at: datetime, statuses: Collection[str] = ()
) -> UnpricedJob | None:
    """``summary``'s job as one whose cost waits for prices (listed ``at``), or ``None``: it has ended,
    its cost is unknown, its billing facts are complete, and ``price`` (asked again) cannot find some of
    its instance types' prices *now* (``PriceUnavailable``). ``None`` when its cost is known or not
    computed, when it still runs, or when its cost is unknown for a reason no later lookup changes (its
    billing facts are missing, the Price List lists no price)."""
    usage = USAGES.get(summary.kind)
    cost = summary.cost
    if usage is None or not summary.is_terminal or cost is None or cost.known:
        return None
    if isinstance(billed_seconds(summary, statuses), str):
        return None
    types = dict.fromkeys(group.instance_type for group in billed_cluster(summary))
    waiting = tuple(name for name in types if isinstance(price(name, usage), PriceUnavailable))
    return UnpricedJob(summary.key, usage, waiting, at) if waiting else None


def rolled_up(children: Iterable[JobCost | None], noun: str) -> JobCost:
    """A tuning job's or pipeline execution's cost: the sum of its ``children``'s (``noun``: what they
    are, for the reason); unknown if any of them is (the reason says how much is known so far)."""
    costs = [child for child in children if child is not None]
    known = [cost for cost in costs if cost.usd is not None]
    total = sum((cost.usd for cost in known if cost.usd is not None), Decimal(0))
    saved = [cost.spot_savings_usd for cost in known if cost.spot_savings_usd is not None]
    if len(known) < len(costs):
        return unknown(
            f"{len(costs) - len(known)} of {len(costs)} {noun} not priced yet (${total:.2f} so far)"
        )
    return JobCost(
        usd=money(total),
        spot_savings_usd=money(sum(saved, Decimal(0))) if saved else None,
        basis=_basis(cost.basis for cost in known if cost.basis),
    )


def discounted(list_price: Decimal, discount_percent: Decimal) -> HourlyPrice:
    """A list price less a negotiated discount (``0`` leaves it as it is)."""
    if not discount_percent:
        return HourlyPrice(list_price, "list")
    factor = (Decimal(100) - discount_percent) / Decimal(100)
    return HourlyPrice(list_price * factor, f"list -{discount_percent.normalize():f}%")


def _basis(bases: Iterable[str]) -> str | None:
    found = sorted(set(bases))
    return "mixed" if len(found) > 1 else (found[0] if found else None)


def _seconds(delta: timedelta) -> Decimal:
    """A duration in seconds, exactly."""
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(10**6)
