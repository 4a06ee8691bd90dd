"""Ingest: turn a batch of state-change events into an up-to-date history.

For every distinct job in the batch (identified by account, region, kind and name), the job is synced
once (``usecases.sync.sync_job``: one Describe, one conditional write, the alerts it is due),
however many of its events the batch holds. Bad records are parked in the dead-letter queue with their
reason; a job whose sync fails for a transient reason fails only its own records, which SQS redelivers.

Logs: one INFO line per batch with its counts (``BatchCounts``), whose correlation id is the batch's
event ids; a line per record and per job at DEBUG; a rejection, a failed sync or record, and a job
SageMaker does not know are always logged in full, each under its event's correlation id. CloudWatch Logs
ingestion is priced per byte: at INFO, a batch of ten events logs about a kilobyte in all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import msgspec

from jobtrail.core.events import REASON_MAX_LENGTH, Rejection, SqsMessage, parse_sqs_batch, parse_state_change
from jobtrail.core.kinds import KINDS, JobKey, Kind
from jobtrail.core.organization import Organization, Place
from jobtrail.observability import MetricUnit, logger, metrics
from jobtrail.usecases.ports import AlertPublisher, DeadLetters, MemberAccounts
from jobtrail.usecases.sync import SyncDeps, SyncResult, sync_job


class IngestDeps(SyncDeps, frozen=True, kw_only=True):
    """Everything IngestFunction talks to: syncing jobs, publishing their alerts (always: only a backfill
    syncs without a publisher), and parking the records it rejects. Built once per container by
    ``functions/ingest/app.py``, replaced by fakes in tests."""

    alerts: AlertPublisher
    dead_letters: DeadLetters
    #: The kinds this stack tracks (``TrackedKinds``); an event of another kind is rejected and parked.
    tracked_kinds: tuple[Kind, ...] = KINDS
    #: The accounts and regions this stack keeps (``core.organization``); an event from elsewhere is
    #: rejected and parked. ``None``: not checked (tests that need no organization).
    organization: Organization | None = None
    #: The organization's active accounts, when they are the members (``OrganizationId`` alone).
    members: MemberAccounts | None = None
    #: The queue's ``maxReceiveCount``: on its last delivery, a record that fails again is parked with
    #: the reason (SQS's redrive would move it without one). ``None``: left to the redrive.
    max_receives: int | None = None


class BatchCounts(msgspec.Struct):
    """What one batch did, logged once per batch (the ``batch processed`` line)."""

    events: int = 0
    #: Records parked in the dead-letter queue (each also has its own ERROR line).
    rejected: int = 0
    #: Distinct jobs synced (one Describe each), of which SageMaker did not know ``not_found``.
    jobs_described: int = 0
    not_found: int = 0
    #: Jobs whose history this batch wrote, and the transitions it added.
    jobs_written: int = 0
    transitions: int = 0
    alerts_created: int = 0
    alerts_published: int = 0
    #: Transactions cancelled by a concurrent writer and re-planned.
    write_conflicts: int = 0
    #: Jobs whose sync failed, and the records SQS will redeliver.
    jobs_failed: int = 0
    records_failed: int = 0


class JobSyncFailed(Exception):
    """A job could not be synced in this batch; its records are reported as failures for redelivery."""


class _Batch:
    """One invocation's records: syncs each job once, however many of its events the batch holds."""

    def __init__(self, deps: IngestDeps) -> None:
        self._deps = deps
        self._results: dict[JobKey, SyncResult | Exception] = {}
        self.counts = BatchCounts()
        #: The event ids of the batch's records, in order (the batch line's correlation id).
        self.event_ids: list[str] = []

    def process_record(self, record: SqsMessage) -> None:
        parsed = parse_state_change(record.body)
        if not isinstance(parsed, Rejection) and parsed.kind not in self._deps.tracked_kinds:
            tracked = ", ".join(self._deps.tracked_kinds)
            parsed = Rejection(
                f"detail-type: {parsed.kind} jobs are not tracked (TrackedKinds: {tracked})", parsed.event_id
            )
        if not isinstance(parsed, Rejection) and (refusal := self._refusal(parsed.job)) is not None:
            parsed = Rejection(refusal, parsed.event_id)
        if isinstance(parsed, Rejection):
            self._reject(record, parsed)
            return
        self.event_ids.append(parsed.event_id)
        logger.set_correlation_id(parsed.event_id)
        result = self._sync_once(parsed.job)
        logger.debug(
            "event processed",
            extra={
                "job_kind": parsed.kind,
                "job_name": parsed.job_name,
                "event_status": parsed.status,
                "event_secondary_status": parsed.secondary_status,
                "outcome": result.outcome,
            },
        )

    def _refusal(self, job: JobKey) -> str | None:
        """Why this stack does not keep ``job``'s account or region (organization mode), or ``None``. The
        organization's accounts are read only for an account that is not the home one; a failure to read
        them fails the record (redelivered, then parked)."""
        organization = self._deps.organization
        if organization is None:
            return None
        place = Place(job.account, job.region)
        members = None
        if organization.lists_accounts and place.account != organization.home.account:
            if self._deps.members is None:
                raise ValueError(
                    "organization mode with OrganizationId alone needs the organization's accounts"
                )
            members = self._deps.members.includes(place.account)
        return organization.refusal(place, members)

    def fail_for_good(self, record: SqsMessage, error: Exception) -> bool:
        """On the record's last delivery (``max_receives``), park it with why it failed, so that the
        dead-letter queue says why; ``True`` if parked. A record SQS will deliver again stays failed."""
        limit = self._deps.max_receives
        if limit is None or record.receive_count < limit:
            return False
        cause = error.__cause__ if isinstance(error, JobSyncFailed) and error.__cause__ else error
        last = " ".join(f"{type(cause).__name__}: {cause}".split())[:REASON_MAX_LENGTH]
        reason = f"failed on each of its {record.receive_count} deliveries; the last: {last}"
        event_id = _event_id(record)
        logger.error(
            "record parked after its last delivery failed",
            extra={"message_id": record.message_id, "event_id": event_id, "reason": reason},
        )
        self._deps.dead_letters.park(
            record.body, reason=reason, event_id=event_id, message_id=record.message_id
        )
        self.counts.rejected += 1
        return True

    def _sync_once(self, job: JobKey) -> SyncResult:
        known = self._results.get(job)
        if isinstance(known, Exception):
            raise JobSyncFailed(f"{job}: sync failed earlier in this batch") from known
        if known is not None:
            return known
        try:
            result = sync_job(job, self._deps)
        except Exception as error:
            self._results[job] = error
            self.counts.jobs_failed += 1
            logger.exception(
                "job sync failed; its records will be redelivered",
                extra={"job_kind": job.kind, "job_name": job.name},
            )
            metrics.add_metric(name="SyncFailures", unit=MetricUnit.Count, value=1)
            raise
        self._results[job] = result
        self._record_metrics(result)
        return result

    def _record_metrics(self, result: SyncResult) -> None:
        """Counts for the batch line; a metric only for what CloudWatch does not count for free and an
        operator acts on (a job SageMaker does not know). Events received and alerts published are SQS's
        and SNS's own metrics."""
        counts = self.counts
        counts.jobs_described += 1
        counts.alerts_created += len(result.alerts_created)
        counts.alerts_published += len(result.alerts_sent)
        counts.write_conflicts += result.attempts - 1
        if result.outcome == "not_found":
            counts.not_found += 1
            logger.warning(
                "SageMaker does not know this job; dropped",
                extra={"job_kind": result.job.kind, "job_name": result.job_name},
            )
            metrics.add_metric(name="JobsNotFound", unit=MetricUnit.Count, value=1)
        elif result.outcome == "recorded":
            counts.jobs_written += 1
            counts.transitions += len(result.new_transitions)
            logger.debug(
                "history updated",
                extra={
                    "job_kind": result.job.kind,
                    "job_name": result.job_name,
                    "new_transitions": [t.status for t in result.new_transitions],
                    "closed_transitions": [t.status for t in result.updated_transitions],
                    "attempts": result.attempts,
                },
            )

    def _reject(self, record: SqsMessage, rejection: Rejection) -> None:
        self.counts.rejected += 1
        if rejection.event_id:
            self.event_ids.append(rejection.event_id)
        logger.set_correlation_id(rejection.event_id)
        logger.error(
            "rejected record: not a valid SageMaker job state change",
            extra={
                "event_id": rejection.event_id,
                "message_id": record.message_id,
                "reason": rejection.reason,
            },
        )
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
        # If parking fails the exception marks the record failed: SQS redelivers it and, after five
        # receives, its redrive policy moves it to the same dead-letter queue. Nothing is lost.
        self._deps.dead_letters.park(
            record.body, reason=rejection.reason, event_id=rejection.event_id, message_id=record.message_id
        )


def _parked(work: _Batch, record: SqsMessage, error: Exception) -> bool:
    """Whether the failed ``record`` was parked for good (its last delivery); a park that fails leaves it
    failed, for SQS's redrive."""
    try:
        return work.fail_for_good(record, error)
    except Exception:  # noqa: BLE001 - the redrive policy still moves it
        logger.exception(
            "parking a record after its last delivery failed", extra={"message_id": record.message_id}
        )
        return False


def _event_id(record: SqsMessage) -> str | None:
    parsed = parse_state_change(record.body)
    return parsed.event_id


class ItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    """Lambda's partial batch response (``ReportBatchItemFailures``): SQS redelivers only these records."""

    batchItemFailures: list[ItemFailure]


def handle_batch(event: Mapping[str, Any], deps: IngestDeps) -> BatchResponse:
    """Process an SQS batch; returns the partial batch response (failed message ids only).

    Powertools' ``BatchProcessor`` does the same loop, but importing its package (every event source's
    data classes, asyncio) cost 30-50 ms of each cold start; the loop is these few lines.
    """
    batch = parse_sqs_batch(event)
    work = _Batch(deps)
    failures: list[ItemFailure] = []
    for record in batch.records:
        try:
            work.process_record(record)
        except Exception as error:  # noqa: BLE001 - whatever failed, SQS redelivers the record
            if _parked(work, record, error):
                continue
            logger.warning(
                "record failed; SQS will redeliver it",
                extra={"message_id": record.message_id, "error": f"{type(error).__name__}: {error}"},
            )
            failures.append({"itemIdentifier": record.message_id})
    work.counts.events = len(batch.records)
    work.counts.records_failed = len(failures)
    # The batch line's correlation id is every event id of the batch: a search for one event's id finds
    # the batch that carried it, whose counts say what became of it.
    logger.set_correlation_id(",".join(work.event_ids) or None)
    logger.info("batch processed", extra=msgspec.structs.asdict(work.counts))
    return {"batchItemFailures": failures}
