"""Syncing one job: the path every state change takes, whoever noticed it (an event, reconciliation,
a backfill).

The job's Describe is asked once (for a pipeline execution, with its steps); its answer is merged into the
stored history (``core.history.plan_changes``) and written (its new alerts, then its summary item guarded
by its version), retried on a concurrent write; then the alerts it is due are published through the
outbox, each exactly once.

A ``Failed`` alert quotes the end of the job's log. The log is read only when the plan creates such an
alert, once per sync, and the excerpt is rendered into the alert's stored message: a publish that fails
and the batch's redelivery send that message again without reading the log again.

Alerts are routed to the team that owns the job (``core.routing``) by its tags, read once per job (one
ListTags when its summary is first written, kept with it) and by its name. The routes document is read
only when an alert is due, and its route is fixed in the stored message like the excerpt. Neither a
failed ListTags nor a bad or unreadable routes document holds anything back: the tags are read again at
the job's next sync, the alert goes to the default route, and both are logged and counted.

The job's cost is stored with its summary (``core.cost``). When an ended job's cost is unknown only
because a price could not be found now (``core.cost.unpriced_job``: the Price List did not answer, the
price settings are invalid), the write puts the job on the table's unpriced list first, as it puts
alerts first: a crash in between leaves it listed, never its cost waiting unlisted. Reconciliation
prices the listed jobs again (``reprice_job``). The common path (a price found, a job running) writes
nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

import msgspec
from msgspec.structs import replace

from jobtrail.core.alerts import DEFAULT_ALERT_ON, STALLED, ConsoleLinks, log_source, log_tail_wanted
from jobtrail.core.cost import PriceLookup, UnpricedJob, unpriced_job, with_cost
from jobtrail.core.history import WriteConflict, plan_changes
from jobtrail.core.kinds import JobKey
from jobtrail.core.log_tail import DEFAULT_LOG_LINES, LogTail
from jobtrail.core.model import Alert, Claim, HistoryChanges, JobRecord, StoredJob, Transition
from jobtrail.core.routing import RouteChoice, kept_tags
from jobtrail.observability import MetricUnit, logger, metrics, tracer
from jobtrail.usecases.ports import (
    AlertPublisher,
    AlertRoutes,
    JobHistories,
    JobLogs,
    JobPrices,
    Jobs,
    JobTags,
)
from jobtrail.usecases.routes import choose_route

#: Re-read and re-plan this many times when another invocation writes the same job concurrently.
MAX_WRITE_ATTEMPTS = 5

Outcome = Literal["recorded", "unchanged", "stale", "not_found"]
#: What pricing a stored job again found (``reprice_job``).
RepriceOutcome = Literal["priced", "waiting", "settled", "gone"]


#: How long a sender holds an alert it is publishing. Longer than a Lambda invocation can last (60 s),
#: shorter than SQS's visibility timeout (365 s): after a crash, the redelivery finds the claim expired.
ALERT_CLAIM_SECONDS = 180


def utc_now() -> datetime:
    return datetime.now(UTC)


class SyncDeps(msgspec.Struct, frozen=True, kw_only=True):
    """What syncing one job talks to (``sync_job``: ingest, reconciliation and backfill).

    ``alerts`` None (a silent backfill) writes due alerts to the outbox unclaimed and publishes nothing:
    the deployed functions send them. ``alert_since`` (backfill) keeps older transitions from alerting.
    ``clock`` is injectable so tests can let claims expire. ``logs`` (None: alerts quote no log) gives a
    ``Failed`` alert the last ``log_lines`` lines of the job's log (``AlertLogLines``; 0 turns it off).
    ``tags`` (None: not read) gives a new job its tags; ``routes`` (None: no routes document, every alert
    without a team) routes each alert. ``prices`` (None: not priced) prices the job once its billing
    facts are known (``core.cost``), stored with its summary in the same write. ``links`` (None: plain
    console links) makes each alert's links open the job's account through the stack's access portal.
    """

    jobs: Jobs
    histories: JobHistories
    alerts: AlertPublisher | None
    alert_on: frozenset[str] = DEFAULT_ALERT_ON
    clock: Callable[[], datetime] = utc_now
    alert_since: datetime | None = None
    logs: JobLogs | None = None
    log_lines: int = DEFAULT_LOG_LINES
    tags: JobTags | None = None
    routes: AlertRoutes | None = None
    prices: JobPrices | None = None
    links: ConsoleLinks | None = None


class SyncResult(msgspec.Struct, frozen=True):
    """What syncing one job did."""

    job: JobKey
    outcome: Outcome
    new_transitions: tuple[Transition, ...] = ()
    updated_transitions: tuple[Transition, ...] = ()
    attempts: int = 1
    alerts_sent: tuple[Alert, ...] = ()
    alerts_created: tuple[Alert, ...] = ()

    @property
    def job_name(self) -> str:
        return self.job.name


class AlertDeliveryFailed(Exception):
    """At least one alert could not be published; it stays pending for the redelivery to send."""


@tracer.capture_method
def sync_job(key: JobKey, deps: SyncDeps) -> SyncResult:
    """Bring the stored history of job ``key`` up to date with its Describe (one call), then publish the
    alerts it is due: those it just created and any left pending by an earlier failure.

    The history is kept under the identity the answer gives (its ARN's account and region), which is the
    key's for every job SageMaker describes.

    Raises on transient failures (throttling that outlasted botocore's retries, DynamoDB errors,
    conflicts that persisted for ``MAX_WRITE_ATTEMPTS`` attempts, an alert SNS did not accept).
    """
    snapshot = deps.jobs.describe(key)
    if snapshot is None:
        return SyncResult(job=key, outcome="not_found")
    job = snapshot.key
    claim = Claim(token=uuid.uuid4().hex, until=deps.clock() + timedelta(seconds=ALERT_CLAIM_SECONDS))
    log_tail: LogTail | None = None
    route: RouteChoice | None = None
    read_tags: Mapping[str, str] | None = None
    tags_tried = False
    created: tuple[Alert, ...] = ()
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        # The first read may be a little behind (eventually consistent, half the read units): the write is
        # conditional on the version read, so a stale read only costs a retry, which reads consistently.
        stored = deps.histories.load(job, consistent=attempt > 1)
        known = stored.summary.tags if stored else None
        if known is None and not tags_tried:
            read_tags, tags_tried = _read_tags(snapshot, deps), True
        current = _with_tags(snapshot, known if known is not None else read_tags)
        current = _with_cost(current, stored, deps.prices)
        changes = plan_changes(
            stored, current, deps.alert_on, deps.alert_since, log_tail=log_tail, route=route, links=deps.links
        )
        tail_wanted = log_tail is None and log_tail_wanted(changes.new_alerts)
        if changes.new_alerts and (route is None or tail_wanted):
            route = route or choose_route(job, current.summary.tags, deps.routes)
            log_tail = _read_log_tail(current, deps) if tail_wanted else log_tail
            changes = plan_changes(
                stored,
                current,
                deps.alert_on,
                deps.alert_since,
                log_tail=log_tail,
                route=route,
                links=deps.links,
            )
        if changes.is_empty:
            break
        # Every attempt that writes a cost waiting for a price lists it again: a pass that priced the job
        # meanwhile (this attempt's conflict) clears only the listing it read.
        _list_if_unpriced(current, deps)
        try:
            created = deps.histories.apply(changes, claim=claim if deps.alerts is not None else None)
        except WriteConflict:
            logger.debug("concurrent write, re-reading", extra={"job": str(job), "attempt": attempt})
            metrics.add_metric(name="WriteConflicts", unit=MetricUnit.Count, value=1)
            continue
        break
    else:
        raise WriteConflict(f"{job}: still conflicting after {MAX_WRITE_ATTEMPTS} attempts")

    if len(created) < len(changes.new_alerts):
        # Some were there already (a crashed or racing writer put them before its summary): read them, to
        # send those whose claim has expired (one more Query, in that case only)
        stored = deps.histories.load(job)
    # A silent backfill publishes nothing, not even alerts left pending earlier: the deployed functions do.
    sent: tuple[Alert, ...] = ()
    if deps.alerts is not None:
        sent = deliver_alerts(_alerts_to_send(stored, created, claim, deps), claim, deps.alerts, deps)
    outcome: Outcome = "recorded" if not changes.is_empty else ("stale" if changes.stale else "unchanged")
    return SyncResult(
        job=job,
        outcome=outcome,
        new_transitions=changes.new_transitions,
        updated_transitions=changes.updated_transitions,
        attempts=attempt,
        alerts_sent=sent,
        alerts_created=created,
    )


def _with_tags(snapshot: JobRecord, tags: Mapping[str, str] | None) -> JobRecord:
    """``snapshot`` (a Describe answer, which holds no tags) with the job's tags, as they are kept."""
    if tags is None:
        return snapshot
    return replace(snapshot, summary=replace(snapshot.summary, tags=tags))


class Repriced(msgspec.Struct, frozen=True):
    """What ``reprice_job`` found (``outcome``) and whether it wrote the job's summary."""

    outcome: RepriceOutcome
    written: bool = False


@tracer.capture_method
def reprice_job(key: JobKey, deps: SyncDeps) -> Repriced:
    """Price job ``key`` again from its stored billing facts (no Describe: an ended job's are final),
    for a price that could not be found when its cost was stored, and write the cost the way a sync
    writes: the whole record, conditional on the summary's version, re-read and retried on a conflict.
    The rest of the record is unchanged, so no transition and no alert is new.

    ``priced``: its cost is known (now, or already); ``waiting``: a price it needs still cannot be found
    (``core.cost.unpriced_job``); ``settled``: nothing to wait for (it has not ended, or its cost is
    unknown for a reason no price changes); ``gone``: the table holds no such job. Raises on DynamoDB
    errors and on conflicts that persist for ``MAX_WRITE_ATTEMPTS`` attempts.
    """
    for _ in range(MAX_WRITE_ATTEMPTS):
        stored = deps.histories.load(key)
        if stored is None:
            return Repriced("gone")
        before = JobRecord(stored.summary, stored.transitions, stored.final_metrics, stored.steps)
        after = _with_cost(before, stored, deps.prices)
        outcome = _reprice_outcome(after, deps)
        if after.summary == stored.summary:
            return Repriced(outcome)
        changes = HistoryChanges(job=key, expected_version=stored.version, summary=after.summary, after=after)
        try:
            deps.histories.apply(changes)
        except WriteConflict:
            metrics.add_metric(name="WriteConflicts", unit=MetricUnit.Count, value=1)
            continue
        return Repriced(outcome, written=True)
    raise WriteConflict(f"{key}: still conflicting after {MAX_WRITE_ATTEMPTS} attempts")


def _reprice_outcome(record: JobRecord, deps: SyncDeps) -> RepriceOutcome:
    cost = record.summary.cost
    if cost is not None and cost.known:
        return "priced"
    return "waiting" if _unpriced(record, deps) is not None else "settled"


def _list_if_unpriced(record: JobRecord, deps: SyncDeps) -> None:
    """Put the job on the unpriced list when the cost ``record`` stores waits for a price."""
    unpriced = _unpriced(record, deps)
    if unpriced is not None:
        deps.histories.list_unpriced(unpriced)


def _unpriced(record: JobRecord, deps: SyncDeps) -> UnpricedJob | None:
    lookup = price_lookup(deps.prices, record.summary.region)
    if lookup is None:
        return None
    return unpriced_job(record.summary, lookup, at=deps.clock(), statuses=_statuses(record))


def _with_cost(snapshot: JobRecord, stored: StoredJob | None, prices: JobPrices | None) -> JobRecord:
    """``snapshot`` with what the job cost (``core.cost.with_cost``): the stored cost while the billing
    facts stay the same, else priced now; a price not known leaves the cost unknown, for later."""
    summary = snapshot.summary
    lookup = price_lookup(prices, summary.region)
    priced = with_cost(summary, stored.summary if stored else None, lookup, _statuses(snapshot))
    return replace(snapshot, summary=priced)


def _statuses(record: JobRecord) -> tuple[str, ...]:
    """The statuses the job went through, oldest first (a training job's: its secondary statuses)."""
    return tuple(transition.status for transition in record.transitions)


def price_lookup(prices: JobPrices | None, region: str) -> PriceLookup | None:
    """``prices`` for one region, as ``core.cost`` asks them."""
    if prices is None:
        return None
    return lambda instance_type, usage: prices.price(instance_type, region, usage)


def _read_tags(snapshot: JobRecord, deps: SyncDeps) -> dict[str, str] | None:
    """The job's tags as it keeps them (one read), or ``None`` without a tags port or when the read
    failed: logged and counted, and the job's next sync tries again."""
    if deps.tags is None:
        return None
    try:
        tags = deps.tags.tags(snapshot.summary)
    except Exception as error:  # noqa: BLE001 - tags only route alerts: they never hold the history back
        logger.warning(
            "job tags not read; its next sync tries again",
            extra={"job": str(snapshot.key), "error": f"{type(error).__name__}: {error}"},
        )
        metrics.add_metric(name="TagReadFailures", unit=MetricUnit.Count, value=1)
        return None
    return kept_tags(tags)


def _read_log_tail(snapshot: JobRecord, deps: SyncDeps) -> LogTail | None:
    """The end of the log a ``Failed`` alert of ``snapshot`` quotes (one read), or ``None`` when it
    quotes none (no logs port, ``log_lines`` 0, a kind without logs)."""
    source = log_source(snapshot)
    if deps.logs is None or deps.log_lines <= 0 or source is None:
        return None
    tail = deps.logs.tail(source, deps.log_lines)
    if tail.error:
        logger.warning(
            "the alert goes out without its log lines",
            extra={"job": str(source), "log_tail_error": tail.error},
        )
    if tail.read_failed:  # not a job without logs (it failed before a container ran): a failed read
        metrics.add_metric(name="AlertLogReadFailures", unit=MetricUnit.Count, value=1)
    return tail


def _alerts_to_send(
    stored: StoredJob | None, created: tuple[Alert, ...], claim: Claim, deps: SyncDeps
) -> list[Alert]:
    """The alerts this invocation just created (claimed as they were written), then the pending ones it
    can claim: its own from an attempt that lost the race, or left over by a failed publish or a crashed
    sender whose claim has expired.

    A pending alert goes out only once the history holds its transition (a ``Stalled`` alert has none):
    alerts are written before the summary, so an attempt that lost the race, or read the table behind,
    may have put one for a transition the history then dates otherwise (a kind whose status is dated by
    what was read: a late Failed after a Stopping). Such an alert stays pending, never sent: its
    transition's own alert is."""
    mine = list(created)
    created_keys = {alert.key for alert in mine}
    recorded = {transition.key for transition in stored.transitions} if stored else set()
    now = deps.clock()
    for pending in stored.alerts if stored else ():
        if pending.alert.key in created_keys or pending.state != "pending":
            continue
        if pending.alert.alert_type != STALLED and pending.alert.key not in recorded:
            continue
        ours_or_free = pending.claim_token == claim.token or pending.claimable(now)
        if ours_or_free and deps.histories.claim_alert(pending.alert, claim, now=now):
            mine.append(pending.alert)
    return mine


def deliver_alerts(
    alerts: list[Alert], claim: Claim, publisher: AlertPublisher, deps: SyncDeps
) -> tuple[Alert, ...]:
    """Publish each claimed alert once and mark it sent; a failed one is released for the retry.

    Every alert is tried even if one fails; then ``AlertDeliveryFailed`` makes the records redeliver.
    """
    sent: list[Alert] = []
    failures: list[str] = []
    for alert in alerts:
        try:
            message_id = publisher.publish(alert)
        except Exception as error:  # noqa: BLE001 - every transport error means "try again later"
            failures.append(f"{alert.alert_id}: {error}")
            logger.warning("alert not published; it stays pending", extra={"alert_id": alert.alert_id})
            metrics.add_metric(name="AlertPublishFailures", unit=MetricUnit.Count, value=1)
            _release(alert, claim, deps)
            continue
        try:
            marked = deps.histories.mark_sent(alert, claim, sent_at=deps.clock(), sns_message_id=message_id)
        except Exception:  # noqa: BLE001 - published: failing the records would not unsend it
            # The outbox's one window for a repeat: SNS has it, the table does not know. Logged loudly; the
            # message's alert_id lets subscribers drop the repeat if the claim expires and it is resent.
            logger.exception("alert published but not marked sent", extra={"alert_id": alert.alert_id})
            marked = True
        if not marked:
            logger.warning(
                "alert claim was lost before it was marked sent", extra={"alert_id": alert.alert_id}
            )
        # The batch's (or the pass's) line counts the alerts published, and the outbox keeps each one's
        # SNS message id; SNS's NumberOfMessagesPublished is their metric.
        logger.debug(
            "alert published",
            extra={"alert_id": alert.alert_id, "alert_type": alert.alert_type, "sns_message_id": message_id},
        )
        sent.append(alert)
    if failures:
        raise AlertDeliveryFailed("; ".join(failures))
    return tuple(sent)


def _release(alert: Alert, claim: Claim, deps: SyncDeps) -> None:
    """Give the claim back so the retry can send at once; if that fails too, the claim simply expires."""
    try:
        deps.histories.release_claim(alert, claim)
    except Exception:  # noqa: BLE001 - the claim expires after ALERT_CLAIM_SECONDS anyway
        logger.exception(
            "could not release the alert claim; it will expire", extra={"alert_id": alert.alert_id}
        )
