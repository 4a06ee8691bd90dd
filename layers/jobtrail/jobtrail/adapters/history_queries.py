"""The history table as the ``jobtrail`` CLI (and the demo) reads it: jobs and alerts listed newest first
from the indexes (never a Scan), and one job's whole history.

The functions never list this way: ingest reads one job at a time and reconciliation's two listings are
``HistoryStore``'s. The item layout and the mapping live in ``history_table``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from jobtrail.adapters.history_table import (
    ALERT_PREFIX,
    ALL_ALERTS,
    ALL_JOBS,
    AlertItem,
    HistoryTable,
    Summary,
    alert_from_item,
    guarded,
    job_pk,
    read_job,
    summary_from_item,
)
from jobtrail.core.model import TRAINING_JOB_STATUSES, JobSummary, StoredAlert, StoredJob

#: TrainingJobStatus values; ``list_jobs(status=…)`` uses the ``by-status`` index for these.
PRIMARY_STATUSES = frozenset(TRAINING_JOB_STATUSES)


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Which jobs ``list_jobs`` returns (all filters optional), newest first."""

    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tuning_job: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Which alerts ``list_alerts`` returns, newest first."""

    job_name: str | None = None
    since: datetime | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class LastRecorded:
    """The job whose summary was written last (by ingest or reconciliation), and when."""

    job_name: str
    recorded_at: datetime


class HistoryQueries:
    """Reads job histories from one DynamoDB table for people: listings and one job's record.

    ``host`` is an endpoint URL (DynamoDB Local, moto server); without it botocore's usual resolution
    applies, ``AWS_ENDPOINT_URL_DYNAMODB`` included. Raises ``StoreError`` when the table cannot be read.
    """

    def __init__(self, table_name: str, *, region: str | None = None, host: str | None = None) -> None:
        self.table_name = table_name
        self._table = HistoryTable.bind(table_name, region=region, host=host)

    def get_job(self, job_name: str) -> StoredJob | None:
        """The job's summary, transitions, final metrics and alerts (one Query), or ``None``."""
        return read_job(self._table, job_name)

    def list_jobs(self, query: JobQuery) -> list[JobSummary]:
        """Job summaries newest first, from an index Query (never a Scan)."""
        summary = self._table.summary
        range_condition = _time_range(Summary.creation_time, query.since, query.until)
        filter_condition = None
        index: GlobalSecondaryIndex[Summary]
        if query.tuning_job:
            index, hash_key = summary.by_tuning_job, query.tuning_job
            if query.status:
                filter_condition = _status_filter(query.status)
        elif query.status and query.status in PRIMARY_STATUSES:
            index, hash_key = summary.by_status, query.status
        else:
            index, hash_key = summary.by_creation_time, ALL_JOBS
            if query.status:
                filter_condition = _status_filter(query.status)
        found = guarded(
            lambda: list(
                index.query(
                    hash_key,
                    range_key_condition=range_condition,
                    filter_condition=filter_condition,
                    scan_index_forward=False,
                    limit=query.limit,
                )
            )
        )
        return [summary_from_item(item) for item in found]

    def last_recorded(self, *, among: int) -> LastRecorded | None:
        """Of the ``among`` most recently created jobs (one Query on ``by-creation-time``), the one whose
        summary was written last, or ``None`` if there is none. A job created earlier and updated since is
        not seen: this dates what the table received lately, not every write."""
        index = self._table.summary.by_creation_time
        found = guarded(lambda: list(index.query(ALL_JOBS, scan_index_forward=False, limit=among)))
        recorded = [LastRecorded(i.job_name, i.recorded_at) for i in found if i.recorded_at is not None]
        return max(recorded, key=lambda r: r.recorded_at, default=None)

    def list_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        """Alerts newest first: one job's (partition Query) or everyone's (``alerts-by-time`` index)."""
        since = _time_range(AlertItem.transition_start_time, query.since, None)
        if query.job_name:
            # Through the root, as PynamoDB would add a filter on the kind through the alert class.
            partition = job_pk(query.job_name)
            items = guarded(
                lambda: list(
                    self._table.root.query(
                        partition,
                        range_key_condition=AlertItem.sk.startswith(ALERT_PREFIX),
                        filter_condition=since,
                        scan_index_forward=False,
                        limit=query.limit,
                    )
                )
            )
            found = [item for item in items if isinstance(item, AlertItem)]
        else:
            index = self._table.alert.by_time
            found = guarded(
                lambda: list(
                    index.query(
                        ALL_ALERTS, range_key_condition=since, scan_index_forward=False, limit=query.limit
                    )
                )
            )
        return [alert_from_item(item) for item in found]


def _status_filter(status: str) -> Condition:
    either: Condition = (Summary.job_status == status) | (
        Summary.secondary_status == status
    )  # PynamoDB's | is unannotated
    return either


def _time_range(
    attribute: UTCDateTimeAttribute, since: datetime | None, until: datetime | None
) -> Condition | None:
    if since and until:
        return attribute.between(since, until)
    if since:
        return attribute >= since
    if until:
        return attribute <= until
    return None
