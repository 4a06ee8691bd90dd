"""Reconciliation and backfill: catch what the events missed, through the same path as the events.

Events can be lost. Every period, ``reconcile`` lists, for every tracked kind, the jobs modified since its
watermark (``ListTrainingJobs``, ``ListProcessingJobs``, ``ListTransformJobs``,
``ListHyperParameterTuningJobs`` with ``LastModifiedTimeAfter``; ``ListPipelines`` then
``ListPipelineExecutions``), and every job whose stored history is behind the listing goes through
``sync.sync_job`` — the same Describe, merge and alert outbox as an event — so a lost Failed event still
alerts, once, within one period. Describe calls go through a token bucket, so a
pass never pushes SageMaker's (non-adjustable) throttles. ``backfill`` is the same over jobs created
since a date, resumable, with alerts off unless asked.

Training jobs that stay InProgress with no new transition for longer than ``stalled_after`` raise one
``Stalled`` alert per stalled transition, through the same outbox.

In organization mode (``core.organization``) a pass sweeps every place (member account and region):
each place's listings are taken in turn (``core.rate_limit.round_robin``), each with its own Describe rate
limit (SageMaker throttles per account and region) and its own watermark, so a busy account cannot starve
the others and a place whose listing fails holds back only its own watermark.

Last, each pass prices again the ended jobs whose cost waits for a price that could not be found when it
was stored (the table's unpriced list, which the syncs keep: ``usecases.sync``): an ended job gets no more
events, so this is what fills its cost in, within a pass of the Price List answering again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

import msgspec
from msgspec.structs import replace

from jobtrail.core.alerts import STALLED, build_alert
from jobtrail.core.cost import UnpricedJob
from jobtrail.core.kinds import KINDS, SPECS, JobKey, Kind
from jobtrail.core.model import Claim, JobListing, StoredJob
from jobtrail.core.organization import Organization, Place, PlaceUnreachable
from jobtrail.core.rate_limit import RateLimits, TokenBucket, round_robin
from jobtrail.core.times import iso
from jobtrail.observability import MetricUnit, logger, metrics
from jobtrail.usecases.ports import JobCatalog, ReconcileHistories
from jobtrail.usecases.routes import choose_route
from jobtrail.usecases.sync import (
    ALERT_CLAIM_SECONDS,
    Repriced,
    SyncDeps,
    deliver_alerts,
    reprice_job,
    sync_job,
)

RECONCILE_WATERMARK = "reconcile"
BACKFILL_WATERMARK = "backfill"
BACKFILL_SINCE_WATERMARK = "backfill-since"
#: A rerun whose ``--since`` is at most this much earlier still resumes the previous run.
RESUME_TOLERANCE = timedelta(days=1)
#: A silent backfill still alerts on transitions that started this long before it began: they are live.
LIVE_WINDOW = timedelta(hours=1)
#: Listings overlap the previous pass by this much: clocks and ListTrainingJobs' consistency are not exact.
OVERLAP = timedelta(minutes=5)
#: The first pass looks back this far.
FIRST_LOOKBACK = timedelta(days=1)
#: Pending alerts older than this are not retried by reconciliation any more (they stay visible).
PENDING_ALERT_HORIZON = timedelta(days=7)
#: Jobs of the unpriced list a pass reads (one Query) and prices again. A pass of this many re-pricings
#: (a Query, a PutItem and a DeleteItem each, no Describe) stays well within the 5-minute timeout.
UNPRICED_PER_PASS = 500
#: A listed job that turns out to wait for nothing is left listed while younger than this: the sync that
#: listed it may be about to write the summary it listed it for (an invocation lasts at most 5 minutes).
UNPRICED_SETTLE = timedelta(minutes=10)
#: A pass starts no new Describe with less than this left before its timeout: the places it did not
#: finish keep their watermark, and the next pass goes on from there.
STOP_BEFORE_TIMEOUT_SECONDS = 30.0
#: A job still waiting for a price this long after it was listed leaves the list (its cost stays unknown,
#: with its reason; logged), so that prices that never come cannot fill a pass's page for ever.
UNPRICED_HORIZON = timedelta(days=7)


class ReconcileDeps(msgspec.Struct, frozen=True):
    """What a reconciliation or backfill pass talks to; ``sync`` is how each job is synced, ``kinds``
    which kinds it lists (every tracked one; they share ``bucket``, the Describe rate limit)."""

    sync: SyncDeps
    catalog: JobCatalog
    histories: ReconcileHistories
    bucket: TokenBucket
    stalled_after: timedelta | None = None
    kinds: tuple[Kind, ...] = KINDS
    #: Organization mode: the places a pass sweeps (``Organization.places``, home first), each place's
    #: catalog, and a Describe rate limit per place. Empty: the home place only, with ``catalog`` and
    #: ``bucket``.
    organization: Organization | None = None
    places: tuple[Place, ...] = ()
    catalog_at: Callable[[Place], JobCatalog] | None = None
    limits: RateLimits[Place] | None = None
    #: The places, read anew at each pass (a whole organization's accounts); ``places`` when ``None``.
    list_places: Callable[[], tuple[Place, ...]] | None = None
    #: Seconds left before the function's timeout (``None``: no limit, as in a backfill from the CLI).
    time_left: Callable[[], float] | None = None

    def catalog_of(self, place: Place | None) -> JobCatalog:
        if place is None or self.catalog_at is None or self._is_home(place):
            return self.catalog
        return self.catalog_at(place)

    def bucket_of(self, place: Place | None) -> TokenBucket:
        if place is None or self.limits is None or self._is_home(place):
            return self.bucket
        return self.limits.of(place)

    def watermark_of(self, base: str, place: Place | None) -> str:
        if place is None or self.organization is None:
            return base
        return self.organization.progress_name(base, place)

    def out_of_time(self) -> bool:
        return self.time_left is not None and self.time_left() < STOP_BEFORE_TIMEOUT_SECONDS

    def _is_home(self, place: Place) -> bool:
        return self.organization is not None and place == self.organization.home


class PassReport(msgspec.Struct):
    """What a reconciliation or backfill pass did (also the function's return value)."""

    listed: int = 0
    up_to_date: int = 0
    synced: int = 0
    recorded: int = 0
    not_found: int = 0
    alerts_sent: int = 0
    alerts_left_pending: int = 0
    stalled_alerts: int = 0
    watermark: str | None = None
    #: Organization mode: the places whose watermark stayed (a failure, or the pass ran out of time).
    places_behind: list[str] = msgspec.field(default_factory=list)
    #: The unpriced list: costs this pass filled in; jobs left on the list (their price still not found, or
    #: listed again meanwhile); taken off it otherwise (they wait for no price any more, or are gone); and
    #: given up on (``UNPRICED_HORIZON``).
    costs_filled: int = 0
    unpriced_waiting: int = 0
    unpriced_cleared: int = 0
    unpriced_dropped: int = 0
    failures: list[str] = msgspec.field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "listed": self.listed,
            "up_to_date": self.up_to_date,
            "synced": self.synced,
            "recorded": self.recorded,
            "not_found": self.not_found,
            "alerts_sent": self.alerts_sent,
            "alerts_left_pending": self.alerts_left_pending,
            "stalled_alerts": self.stalled_alerts,
            "watermark": self.watermark,
            "places_behind": list(self.places_behind),
            "costs_filled": self.costs_filled,
            "unpriced_waiting": self.unpriced_waiting,
            "unpriced_cleared": self.unpriced_cleared,
            "unpriced_dropped": self.unpriced_dropped,
            "failures": list(self.failures),
        }


def reconcile(deps: ReconcileDeps) -> PassReport:
    """One scheduled pass: jobs modified since the watermark, then stalled jobs, then the jobs whose
    cost waits for a price.

    The watermark advances to this pass's start only if every job synced; otherwise the next pass
    retries the same window (sync is idempotent, so nothing doubles). Pricing comes after: its failures
    fail the pass but do not hold the watermark back.
    """
    started = deps.sync.clock()
    report = PassReport()
    places = _places_now(deps, report)
    sweep = _Sweep()
    sweeps = [(place, _modified(deps, place, started, report, sweep)) for place in places]
    for place, listing in round_robin(sweeps):
        if deps.out_of_time():
            break
        try:
            synced = _sync_one(deps, listing, report, place)
        except Exception as error:  # noqa: BLE001 - reading the stored history failed: recorded, held back
            report.failures.append(f"{listing.key}: {type(error).__name__}: {error}")
            synced = False
        if not synced:
            sweep.behind.add(place)
    if deps.out_of_time() and not sweep.finished.issuperset(places):
        report.failures.append("the pass ran out of time; the places it did not finish keep their watermark")
    send_pending_alerts(deps, report)
    if deps.stalled_after:
        alert_stalled_jobs(deps, deps.stalled_after, report)
    for place in places:
        if place in sweep.behind or place not in sweep.finished:
            report.places_behind.append(str(place) if place is not None else "home")
            continue
        deps.histories.advance_watermark(deps.watermark_of(RECONCILE_WATERMARK, place), started)
        if place is None or place == places[0]:
            report.watermark = iso(started)
    price_unpriced_jobs(deps, report)
    return report


class _Sweep(msgspec.Struct):
    """Which places a pass listed to the end (``finished``), and which must keep their watermark."""

    finished: set[Place | None] = msgspec.field(default_factory=set)
    behind: set[Place | None] = msgspec.field(default_factory=set)


def _places_now(deps: ReconcileDeps, report: PassReport) -> tuple[Place | None, ...]:
    """The places this pass sweeps: read anew each pass (an account that joined the organization is
    swept without waiting for a new container); if they cannot be read, the home place alone."""
    if deps.list_places is None:
        return deps.places or (None,)
    try:
        return deps.list_places()
    except Exception as error:  # noqa: BLE001 - the home place is still swept; the pass says why
        report.failures.append(f"the member places could not be listed: {type(error).__name__}: {error}")
        return deps.places[:1] or (None,)


def _modified(
    deps: ReconcileDeps, place: Place | None, started: datetime, report: PassReport, sweep: _Sweep
) -> Iterator[JobListing]:
    """The jobs of each kind modified in ``place`` since its watermark, lazily (round-robin turns); the
    place is ``finished`` once every kind was listed to the end. A listing that fails is recorded and
    holds back that place's watermark only; a member whose role cannot be assumed is named in
    ``places_behind`` (``jobtrail status`` shows its watermark ageing), without failing the pass."""
    where = f"{place} " if place is not None else ""
    try:
        catalog = deps.catalog_of(place)
        since = (
            deps.histories.get_watermark(deps.watermark_of(RECONCILE_WATERMARK, place))
            or started - FIRST_LOOKBACK
        )
    except Exception as error:  # noqa: BLE001 - recorded; this place keeps its watermark
        report.failures.append(f"{where}watermark: {type(error).__name__}: {error}")
        sweep.behind.add(place)
        return
    for kind in deps.kinds:
        if deps.out_of_time():
            return  # not finished: this place keeps its watermark
        try:
            yield from catalog.list_jobs(kind, modified_after=since - OVERLAP)
        except PlaceUnreachable as error:
            logger.warning(
                "member place not reachable; its watermark stays",
                extra={"place": str(place), "error": str(error)},
            )
            sweep.behind.add(place)
            return
        except Exception as error:  # noqa: BLE001 - one kind's listing failing must not stop the others
            report.failures.append(f"{where}{kind} listing: {type(error).__name__}: {error}")
            sweep.behind.add(place)
    sweep.finished.add(place)


def price_unpriced_jobs(deps: ReconcileDeps, report: PassReport) -> None:
    """Price again the jobs of the unpriced list (at most ``UNPRICED_PER_PASS``, one Query) and take off
    the list each one that waits for no price any more.

    A job is taken off (a DeleteItem conditional on the ``listed_at`` read, so that one listed again
    meanwhile stays) once its cost is known, or once it turns out to wait for nothing (ended with a cost
    no price changes, or gone), unless a sync may still be writing it (listed less than
    ``UNPRICED_SETTLE`` ago, and this pass did not write it itself). A price still not found leaves it
    for the next pass, up to ``UNPRICED_HORIZON``.
    """
    now = deps.sync.clock()
    for entry in deps.histories.unpriced_jobs(limit=UNPRICED_PER_PASS):
        try:
            repriced = reprice_job(entry.job, deps.sync)
            _settle_unpriced(deps, entry, repriced, now - entry.listed_at, report)
        except Exception as error:  # noqa: BLE001 - recorded; the job stays listed for the next pass
            report.failures.append(f"{entry.job} cost: {type(error).__name__}: {error}")


def _settle_unpriced(
    deps: ReconcileDeps, entry: UnpricedJob, repriced: Repriced, age: timedelta, report: PassReport
) -> None:
    """Count what pricing ``entry``'s job again did, and take it off the list if it is done with."""
    filled = repriced.outcome == "priced" and repriced.written
    waiting = repriced.outcome == "waiting"
    report.costs_filled += filled
    keep = age < UNPRICED_HORIZON if waiting else (age < UNPRICED_SETTLE and not repriced.written)
    if keep or not deps.histories.clear_unpriced(entry):
        report.unpriced_waiting += 1  # (not cleared: listed again meanwhile) the next pass looks again
        return
    if waiting:
        report.unpriced_dropped += 1
        logger.warning(
            "job cost left unknown: its price was not found for days",
            extra={"job": str(entry.job), "usage": entry.usage, "instance_types": list(entry.instance_types)},
        )
    elif not filled:
        report.unpriced_cleared += 1


def backfill(
    deps: ReconcileDeps,
    since: datetime,
    *,
    on_job: Callable[[JobListing], None] | None = None,
    place: Place | None = None,
) -> PassReport:
    """Sync every job of ``deps.kinds`` created since ``since``, kind after kind, each resuming after the
    last job of its kind a previous run finished (progress is kept per kind, and per ``place``: a member
    account and region, whose jobs ``deps.catalog`` then lists).

    A previous run's progress counts only if it covered ``since`` (give or take ``RESUME_TOLERANCE``,
    so ``--since 30d`` typed again an hour later resumes); an earlier ``since`` starts over, and jobs
    already up to date cost no Describe. Alerting follows ``deps.sync`` (the CLI makes a silent
    backfill alert only on transitions that started after the run began, and leaves them to the stack).
    """
    report = PassReport()
    for kind in deps.kinds:
        _backfill_kind(deps, kind, since, report, on_job, place=place)
        if report.failures:
            break
    return report


def combined(reports: Iterable[PassReport]) -> PassReport:
    """Several passes' reports as one (a backfill of every place): counts added, failures and the places
    behind together, the last watermark."""
    total = PassReport()
    counted = (
        "listed",
        "up_to_date",
        "synced",
        "recorded",
        "not_found",
        "alerts_sent",
        "alerts_left_pending",
    )
    for report in reports:
        for name in counted:
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.watermark = report.watermark or total.watermark
        total.failures += report.failures
        total.places_behind += report.places_behind
    return total


def _backfill_kind(
    deps: ReconcileDeps,
    kind: Kind,
    since: datetime,
    report: PassReport,
    on_job: Callable[[JobListing], None] | None,
    *,
    place: Place | None = None,
) -> None:
    since_mark = deps.watermark_of(f"{BACKFILL_SINCE_WATERMARK}/{kind}", place)
    progress_mark = deps.watermark_of(f"{BACKFILL_WATERMARK}/{kind}", place)
    covered_since = deps.histories.get_watermark(since_mark)
    progress = deps.histories.get_watermark(progress_mark)
    if covered_since is None or progress is None or since < covered_since - RESUME_TOLERANCE:
        deps.histories.set_watermark(since_mark, since)
        deps.histories.set_watermark(progress_mark, since)
        progress = since
    for listing in deps.catalog.list_jobs(kind, created_after=max(since, progress)):
        _sync_one(deps, listing, report)
        if on_job:
            on_job(listing)
        if report.failures:
            return  # keep the watermark just before the failed job, so a rerun resumes there
        deps.histories.set_watermark(progress_mark, listing.creation_time)
        report.watermark = iso(listing.creation_time)


def sync_listed(deps: ReconcileDeps, listings: Iterable[JobListing]) -> PassReport:
    report = PassReport()
    for listing in listings:
        _sync_one(deps, listing, report)
    return report


def _sync_one(
    deps: ReconcileDeps, listing: JobListing, report: PassReport, place: Place | None = None
) -> bool:
    """Sync a listed job unless the stored history is level with the listing (same status, modified
    no earlier: pipeline executions list only their start time, so their status decides). ``False`` if
    its sync failed (recorded)."""
    report.listed += 1
    stored = deps.histories.load(listing.key)
    if (
        stored is not None
        and stored.summary.last_modified_time >= listing.last_modified_time
        and stored.summary.status == listing.status
    ):
        report.up_to_date += 1
        return True
    deps.bucket_of(place).acquire()
    try:
        result = sync_job(listing.key, deps.sync)
    except Exception as error:  # noqa: BLE001 - recorded; the watermark then stays for the next pass
        report.failures.append(f"{listing.key}: {type(error).__name__}: {error}")
        return False
    report.synced += 1
    report.recorded += result.outcome == "recorded"
    report.not_found += result.outcome == "not_found"
    report.alerts_sent += len(result.alerts_sent)
    if deps.sync.alerts is None:
        report.alerts_left_pending += len(result.alerts_created)
    return True


def _place_of(job: JobKey) -> Place:
    return Place(job.account, job.region)


def send_pending_alerts(deps: ReconcileDeps, report: PassReport) -> None:
    """Jobs with an alert still pending (SNS kept failing until SQS gave up on the event): syncing the job
    publishes it. Claims that are still live are left to their holders."""
    now = deps.sync.clock()
    jobs: set[JobKey] = {
        pending.job
        for pending in deps.histories.pending_alerts(since=now - PENDING_ALERT_HORIZON)
        if pending.claimable(now)
    }
    for job in sorted(jobs):
        deps.bucket_of(_place_of(job)).acquire()
        try:
            report.alerts_sent += len(sync_job(job, deps.sync).alerts_sent)
        except Exception as error:  # noqa: BLE001 - recorded; the alert stays pending for the next pass
            report.failures.append(f"{job}: {type(error).__name__}: {error}")


def alert_stalled_jobs(deps: ReconcileDeps, stalled_after: timedelta, report: PassReport) -> None:
    """One ``Stalled`` alert for each InProgress training job whose last transition started too long ago.

    SageMaker is asked first (rate-limited), so a job that moved on without telling us is not reported.
    Only a pass that publishes looks for them (a silent backfill never does).
    """
    publisher = deps.sync.alerts
    if publisher is None:
        raise ValueError("looking for stalled jobs needs an alert publisher (deps.sync.alerts)")
    now = deps.sync.clock()
    for job in deps.histories.in_progress_jobs():
        # Training jobs only: theirs are the transitions that move while a job is healthy (secondary
        # statuses). The other kinds report one status for the whole run, so a long run is not a stall.
        if job.kind != "training" or job.kind not in deps.kinds:
            continue
        stored = deps.histories.load(job)
        if not _is_stalled(stored, now, stalled_after):
            continue
        deps.bucket_of(_place_of(job)).acquire()
        try:
            sync_job(job, deps.sync)
        except Exception as error:  # noqa: BLE001 - recorded like any other failed sync
            report.failures.append(f"{job}: {type(error).__name__}: {error}")
            continue
        stored = deps.histories.load(job)
        if stored is None or not _is_stalled(stored, now, stalled_after):
            continue
        last = stored.transitions[-1]
        hours = (now - last.start_time).total_seconds() / 3600
        message = f"No new transition for {hours:.1f} h: still {last.status} since {iso(last.start_time)}"
        route = choose_route(job, stored.summary.tags, deps.sync.routes)
        alert = build_alert(
            stored, last, alert_type=STALLED, status_message=message, route=route, links=deps.sync.links
        )
        claim = Claim(token=uuid.uuid4().hex, until=now + timedelta(seconds=ALERT_CLAIM_SECONDS))
        if not deps.histories.add_alert(alert, claim):
            continue  # already raised for this transition
        try:
            report.stalled_alerts += len(deliver_alerts([alert], claim, publisher, deps.sync))
        except Exception as error:  # noqa: BLE001 - the alert stays pending for the next pass to send
            report.failures.append(f"{job}: {error}")


def _is_stalled(stored: StoredJob | None, now: datetime, stalled_after: timedelta) -> bool:
    if (
        stored is None
        or stored.summary.status != SPECS[stored.summary.kind].running
        or not stored.transitions
    ):
        return False
    return now - stored.transitions[-1].start_time > stalled_after


def silent(deps: ReconcileDeps, started: datetime) -> ReconcileDeps:
    """A backfill's default: old transitions alert nothing; live ones (started after ``started`` minus
    ``LIVE_WINDOW``) get their alert written to the outbox, which the deployed functions publish."""
    return replace(deps, sync=replace(deps.sync, alert_since=started - LIVE_WINDOW, alerts=None))


def record_metrics(report: PassReport) -> None:
    """EMF metrics of a pass: only what calls for a look, and only when it happened (a custom metric is
    billed for every hour it has a value, zeros included). What a pass listed and synced is in its log
    line (``reconciliation pass``)."""
    for name, value in (
        # Jobs whose events were lost (reconciliation recorded what ingest had not).
        ("ReconcileRecorded", report.recorded),
        ("ReconcileFailures", len(report.failures)),
        ("StalledAlerts", report.stalled_alerts),
    ):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
