"""The history table as the ``jobtrail`` CLI (and the demo) reads it: jobs and alerts listed newest first
from the indexes (never a Scan), and one job's whole history.

The functions never list this way: ingest reads one job at a time and reconciliation's two listings are
``HistoryStore``'s. The item layout and the mapping live in ``history_table``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from jobtrail.adapters.history_table import (
    ALERT_PREFIX,
    ALL_ALERTS,
    JOB_PREFIX,
    AlertItem,
    HistoryTable,
    Summary,
    alert_from_item,
    guarded,
    is_legacy_pk,
    job_pk,
    key_from_pk,
    listed_record_from_item,
    read_job,
    read_whole,
)
from jobtrail.core.kinds import KINDS, SPECS, JobKey, Kind
from jobtrail.core.model import JobRecord, JobSummary, StoredAlert, StoredJob

#: Every kind's status values; ``list_jobs(status=…)`` uses the ``by-status`` index for these (training's
#: secondary statuses are a filter).
PRIMARY_STATUSES = frozenset(status for spec in SPECS.values() for status in spec.statuses)
#: The statuses ``by-status`` holds: a job leaves it when it ends (``history_table.summary_item``).
INDEXED_STATUSES = PRIMARY_STATUSES - frozenset(status for spec in SPECS.values() for status in spec.terminal)
#: The most jobs of one name ``find_jobs`` returns (kinds times accounts times regions).
MAX_NAMESAKES = 50


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Which jobs ``list_jobs`` returns (all filters optional), newest first."""

    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tuning_job: str | None = None
    kind: Kind | None = None
    account: str | None = None
    region: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Which alerts ``list_alerts`` returns, newest first: one job's, or every job's (of one kind)."""

    job: JobKey | None = None
    kind: Kind | None = None
    #: Every job's alerts in this account and/or region only (organization mode).
    account: str | None = None
    region: str | None = None
    since: datetime | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class LastRecorded:
    """The job whose summary was written last (by ingest or reconciliation), and when."""

    job: JobKey
    recorded_at: datetime

    @property
    def job_name(self) -> str:
        return self.job.name


class HistoryQueries:
    """Reads job histories from one DynamoDB table for people: listings and one job's record.

    ``host`` is an endpoint URL (DynamoDB Local, moto server); without it botocore's usual resolution
    applies, ``AWS_ENDPOINT_URL_DYNAMODB`` included. Raises ``StoreError`` when the table cannot be read.
    """

    def __init__(self, table_name: str, *, region: str | None = None, host: str | None = None) -> None:
        self.table_name = table_name
        self._table = HistoryTable.bind(table_name, region=region, host=host)

    def get_job(self, job: JobKey) -> StoredJob | None:
        """The job's summary, transitions, steps, final metrics and alerts (one Query), or ``None``."""
        return read_job(self._table, job)

    def find_jobs(self, name: str, *, kind: Kind | None = None) -> list[JobKey]:
        """Every job called ``name`` (of ``kind``, if given), newest first: one Query on ``by-name``."""
        index = self._table.summary.by_name
        found = guarded(lambda: list(index.query(name, scan_index_forward=False, limit=MAX_NAMESAKES)))
        keys = [key_from_pk(item.pk) for item in found if not is_legacy_pk(item.pk)]
        return [key for key in keys if kind is None or key.kind == kind]

    def list_jobs(self, query: JobQuery) -> list[JobSummary]:
        """Job summaries newest first, from index Queries (never a Scan): one, or without a kind, a
        status or a tuning job, one per kind on ``by-creation-time``, merged by creation time; then the
        summaries themselves, ``limit`` at a time (the indexes carry keys and what never changes)."""
        return [record.summary for record in self.list_records(query)]

    def list_records(self, query: JobQuery) -> list[JobRecord]:
        """``list_jobs``, with what each summary item holds besides the summary (the same reads): the
        job's final metrics, transitions and steps (a summary of the layout before the packed record:
        its summary alone; ``get_job`` reads the rest, ``jobtrail migrate`` packs it)."""
        summary = self._table.summary
        filters: list[Condition] = []
        index: GlobalSecondaryIndex[Summary]
        # A training job's secondary status changes with nearly every event, and a job that ended has
        # left by-status (it holds the active ones): those are looked for in the summaries read.
        either_status = (
            query.status
            if query.status and not (query.status in INDEXED_STATUSES and not query.tuning_job)
            else None
        )
        if query.tuning_job:
            index, hash_keys = summary.by_tuning_job, [query.tuning_job]
        elif query.status and query.status in INDEXED_STATUSES:
            index, hash_keys = summary.by_status, [query.status]
        else:
            index, hash_keys = summary.by_creation_time, [query.kind] if query.kind else list(KINDS)
        if query.kind and index is not summary.by_creation_time:
            filters.append(Summary.job_index == query.kind)
        if query.account:
            filters.append(Summary.account == query.account)
        if query.region:
            filters.append(Summary.region == query.region)
        bounded = either_status is None
        listings = [
            self._query(index, hash_key, query, _all_of(filters), bounded=bounded) for hash_key in hash_keys
        ]
        newest_first = heapq.merge(*listings, key=lambda item: item.creation_time, reverse=True)
        current = (item for item in newest_first if not is_legacy_pk(item.pk))
        records = (listed_record_from_item(item) for item in self._whole(current, query.limit))
        # Every summary read is held to the status asked for, by-status's too: the index lags its items
        # (eventually consistent), so it can still hold a job that has just ended.
        found = (
            found
            for found in records
            if query.status is None or query.status in (found.summary.status, found.summary.secondary_status)
        )
        return list(islice(found, query.limit))

    def _whole(self, entries: Iterator[Summary], chunk: int) -> Iterator[Summary]:
        """The summaries index ``entries`` stand for, read ``chunk`` at a time as they are wanted."""
        while batch := list(islice(entries, max(1, chunk))):
            yield from read_whole(self._table, Summary, batch)

    def _query(
        self,
        index: GlobalSecondaryIndex[Summary],
        hash_key: str,
        query: JobQuery,
        condition: Condition | None,
        *,
        bounded: bool = True,
    ) -> Iterator[Summary]:
        """The index entries newest first: at most ``query.limit`` when ``bounded``, else page after page
        of that size, as they are wanted."""
        range_condition = _time_range(Summary.creation_time, query.since, query.until)
        entries = index.query(
            hash_key,
            range_key_condition=range_condition,
            filter_condition=condition,
            scan_index_forward=False,
            limit=query.limit if bounded else None,
            page_size=query.limit,
        )
        while (entry := guarded(lambda: next(entries, None))) is not None:
            yield entry

    def last_recorded(self, *, among: int) -> LastRecorded | None:
        """Of the ``among`` most recently created jobs of each kind (one Query per kind on
        ``by-creation-time``, then their summaries), the one whose summary was written last, or ``None``
        if there is none. A job created earlier and updated since is not seen: this dates what the table
        received lately, not every write."""
        index = self._table.summary.by_creation_time
        entries = [item for kind in KINDS for item in self._query(index, kind, JobQuery(limit=among), None)]
        recorded = [
            LastRecorded(key_from_pk(item.pk), item.recorded_at)
            for item in read_whole(self._table, Summary, entries)
            if item.recorded_at is not None
        ]
        return max(recorded, key=lambda r: r.recorded_at, default=None)

    def list_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        """Alerts newest first: one job's (partition Query) or everyone's (``alerts-by-time`` index)."""
        since = _time_range(AlertItem.transition_start_time, query.since, None)
        if query.job:
            # Through the root, as PynamoDB would add a filter on the kind through the alert class.
            partition = job_pk(query.job)
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
            filters: list[Condition] = [AlertItem.job_kind == query.kind] if query.kind else []
            filters += _place_filter(query.account, query.region)
            wanted = _all_of(filters)
            entries = guarded(
                lambda: list(
                    index.query(
                        ALL_ALERTS,
                        range_key_condition=since,
                        filter_condition=wanted,
                        scan_index_forward=False,
                        limit=query.limit,
                    )
                )
            )
            found = read_whole(self._table, AlertItem, entries)
        return [alert_from_item(item) for item in found if not is_legacy_pk(item.pk)]


def _place_filter(account: str | None, region: str | None) -> list[Condition]:
    """An alert's place, on its key (every index carries the table's keys): ``JOB#<account>#<region>#…``;
    a region alone as ``#<region>#`` (names hold no ``#``, so only the region segment can match)."""
    if account:
        prefix = f"{JOB_PREFIX}{account}#{region}#" if region else f"{JOB_PREFIX}{account}#"
        return [AlertItem.pk.startswith(prefix)]
    if region:
        return [AlertItem.pk.contains(f"#{region}#")]
    return []


def _all_of(conditions: list[Condition]) -> Condition | None:
    combined: Condition | None = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined


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
