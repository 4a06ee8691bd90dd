"""The history table: the only module that knows PynamoDB and the item layout.

One partition per training job (``pk = JOB#<name>``):

==========================================  =====================================================
``sk``                                      item
==========================================  =====================================================
``SUMMARY``                                 the job summary; carries the optimistic-lock ``version``
``METRICS``                                 the final metrics (values kept as exact ``repr`` strings)
``TRANSITION#<start time>#<status>``        one ``SecondaryStatusTransition``
==========================================  =====================================================

Summary items also carry the keys of three sparse indexes that serve the CLI without a Scan:
``by-creation-time`` (``job_index``), ``by-status`` (``job_status``), ``by-tuning-job``
(``tuning_job_name``), each sorted by ``creation_time``. The table itself belongs to the SAM template
(``HistoryTable``); its key schema there must match the attributes here (tests compare them).

Every write for a job is one ``TransactWriteItems`` guarded by the summary's version, so two
invocations that race on one job cannot lose each other's updates: the loser re-reads and re-plans.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

if TYPE_CHECKING:
    import botocore.session

from jobtrail.core.history import WriteConflict
from jobtrail.core.model import (
    TRAINING_JOB_STATUSES,
    Alert,
    Claim,
    HistoryChanges,
    JobSummary,
    Metric,
    StoredAlert,
    StoredJob,
    Transition,
)

#: A ceiling for internal listings (in-progress jobs, pending alerts): far above any real account's.
MAX_LISTING = 100_000
#: TransactWriteItems accepts at most 100 items.
MAX_TRANSACTION_ITEMS = 100
#: The constant partition of the ``by-creation-time`` index: every job, newest first.
ALL_JOBS = "JOB"
#: TrainingJobStatus values; ``list_jobs(status=…)`` uses the ``by-status`` index for these.
PRIMARY_STATUSES = frozenset(TRAINING_JOB_STATUSES)

SUMMARY_SK = "SUMMARY"
METRICS_SK = "METRICS"
TRANSITION_PREFIX = "TRANSITION#"
ALERT_PREFIX = "ALERT#"
#: The constant partition of the ``alerts-by-time`` index: every alert, newest first.
ALL_ALERTS = "ALERT"
WATERMARK_PREFIX = "WATERMARK#"
WATERMARK_SK = "WATERMARK"


class StoreError(Exception):
    """The table could not be read or written (missing table, no credentials, unreachable endpoint…)."""


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Which jobs ``list_jobs`` returns (all filters optional), newest first."""

    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tuning_job: str | None = None
    limit: int = 50


JOB_PREFIX = "JOB#"


def job_pk(job_name: str) -> str:
    return f"{JOB_PREFIX}{job_name}"


def transition_sk(transition: Transition) -> str:
    return f"{TRANSITION_PREFIX}{_sortable(transition.start_time)}#{transition.status}"


def alert_sk(alert: Alert) -> str:
    return f"{ALERT_PREFIX}{_sortable(alert.transition_start_time)}#{alert.alert_type}"


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Which alerts ``list_alerts`` returns, newest first."""

    job_name: str | None = None
    since: datetime | None = None
    limit: int = 50


def _sortable(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class HistoryStore:
    """Reads and writes job histories in one DynamoDB table.

    ``host`` is an endpoint URL (DynamoDB Local, moto server); without it botocore's usual resolution
    applies, ``AWS_ENDPOINT_URL_DYNAMODB`` included.
    """

    def __init__(self, table_name: str, *, region: str | None = None, host: str | None = None) -> None:
        self.table_name = table_name
        self._items = _define_items(table_name, region, host)
        # The models' own connection serves the transactions too: each PynamoDB Connection builds its own
        # botocore session and client on first use, about 45 ms of a cold start apiece.
        self._connection: Connection = self._items.Root._get_connection().connection

    def botocore_session(self) -> botocore.session.Session:
        """The botocore session the table's client comes from, for a function's other clients
        (``boto3.session.Session(botocore_session=...)``): a second session would load botocore's
        endpoint and service files again. PynamoDB keeps one session per thread: this is the calling
        thread's (Lambda calls the handler on one thread)."""
        return self._connection.session

    def connect(self) -> None:
        """Create the table's client now, once per container, rather than in the first request."""
        _ = self._connection.client

    # -- ingest ------------------------------------------------------------------------------------

    def load(self, job_name: str) -> StoredJob | None:
        """The stored job (one strongly consistent Query), or ``None`` if it has no summary yet."""
        items = self._items
        summary = None
        metrics: tuple[Metric, ...] = ()
        transitions: list[Transition] = []
        alerts: list[StoredAlert] = []
        for item in self._guard(lambda: list(items.Root.query(job_pk(job_name), consistent_read=True))):
            if isinstance(item, items.Summary):
                summary = item
            elif isinstance(item, items.Metrics):
                metrics = _metrics_from_item(item)
            elif isinstance(item, items.TransitionItem):
                transitions.append(_transition_from_item(item))
            elif isinstance(item, items.AlertItem):
                alerts.append(_alert_from_item(job_name, item))
        if summary is None:
            return None
        transitions.sort(key=lambda t: (t.start_time, t.position))
        return StoredJob(
            summary=_summary_from_item(summary),
            transitions=tuple(transitions),
            final_metrics=metrics,
            version=int(summary.version or 0),
            alerts=tuple(alerts),
        )

    def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> None:
        """Write ``changes`` in one transaction guarded by the summary version; ``WriteConflict`` if raced.

        New alerts are written in the same transaction as the transition that causes them, pending and
        claimed by ``claim`` (the writer publishes them next). Beyond 100 items (a long spot job
        backfilled at once) the write is split: the summary goes in the first transaction (its version
        condition decides the race), every later one checks that the summary still has the version the
        first gave it. If the process dies in between, the summary is already there, so the retry's plan
        finds the missing transitions new and writes them; a transition never travels without its alert.
        """
        if changes.summary is None:
            return
        now = datetime.now(UTC)
        items = self._items
        pk = job_pk(changes.job_name)
        alerts = {alert.key: alert for alert in changes.new_alerts}
        summary_item = _summary_item(items, changes.summary, now, changes.expected_version)
        # The summary's save carries the version condition (PynamoDB VersionAttribute) and bumps it.
        groups: list[list[Any]] = [[lambda tx: tx.save(summary_item)]]
        for transition in changes.new_transitions:
            item = _transition_item(items, pk, transition, now)
            group = [lambda tx, item=item: tx.save(item, condition=items.TransitionItem.sk.does_not_exist())]
            alert = alerts.pop(transition.key, None)
            if alert is not None:
                alert_item = _alert_item(items, pk, alert, now, claim)
                group.append(
                    lambda tx, item=alert_item: tx.save(item, condition=items.AlertItem.sk.does_not_exist())
                )
            groups.append(group)
        if alerts:
            raise ValueError(
                f"alerts without a new transition: {sorted(a.alert_id for a in alerts.values())}"
            )
        for transition in changes.updated_transitions:
            item = items.TransitionItem(pk, transition_sk(transition))
            actions = [
                _set_or_remove(items.TransitionItem.end_time, transition.end_time),
                _set_or_remove(items.TransitionItem.message, transition.message),
                items.TransitionItem.recorded_at.set(now),
            ]
            groups.append(
                [
                    lambda tx, item=item, actions=actions: tx.update(
                        item, actions=actions, condition=items.TransitionItem.sk.exists()
                    )
                ]
            )
        if changes.final_metrics is not None:
            metrics_item = _metrics_item(items, pk, changes.final_metrics, now)
            groups.append([lambda tx: tx.save(metrics_item)])
        written_version = (changes.expected_version or 0) + 1

        def still_ours(tx: Any) -> None:
            tx.condition_check(
                items.Summary, pk, SUMMARY_SK, condition=items.Summary.version == written_version
            )

        for chunk in _pack(groups, MAX_TRANSACTION_ITEMS, guard=still_ours):
            self._transact(pk, chunk)

    def claim_alert(self, alert: Alert, claim: Claim, *, now: datetime) -> bool:
        """Take the right to publish a pending alert; ``False`` if it was sent or someone holds it."""
        item = self._items.AlertItem(job_pk(alert.job_name), alert_sk(alert))
        attribute = self._items.AlertItem
        condition = (attribute.state == "pending") & (
            attribute.claimed_until.does_not_exist()
            | (attribute.claimed_until <= now)
            | (attribute.claim_token == claim.token)
        )
        return self._conditional_update(
            item,
            [attribute.claimed_until.set(claim.until), attribute.claim_token.set(claim.token)],
            condition,
        )

    def mark_sent(self, alert: Alert, claim: Claim, *, sent_at: datetime, sns_message_id: str) -> bool:
        """Record that SNS accepted the alert (one UpdateItem); ``False`` if the claim was lost."""
        item = self._items.AlertItem(job_pk(alert.job_name), alert_sk(alert))
        attribute = self._items.AlertItem
        return self._conditional_update(
            item,
            [
                attribute.state.set("sent"),
                attribute.sent_at.set(sent_at),
                attribute.sns_message_id.set(sns_message_id),
                attribute.claimed_until.remove(),
                attribute.claim_token.remove(),
            ],
            (attribute.state == "pending") & (attribute.claim_token == claim.token),
        )

    def release_claim(self, alert: Alert, claim: Claim) -> bool:
        """Give a claim back after a failed publish, so that the redelivery can send at once."""
        item = self._items.AlertItem(job_pk(alert.job_name), alert_sk(alert))
        attribute = self._items.AlertItem
        return self._conditional_update(
            item,
            [attribute.claimed_until.remove(), attribute.claim_token.remove()],
            (attribute.state == "pending") & (attribute.claim_token == claim.token),
        )

    def add_alert(self, alert: Alert, claim: Claim) -> bool:
        """Write an alert that no transition brought (``Stalled``), pending and claimed; ``False`` if it
        exists already. Its job must be stored."""
        items = self._items
        item = _alert_item(items, job_pk(alert.job_name), alert, datetime.now(UTC), claim)
        try:
            item.save(condition=items.AlertItem.sk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise StoreError(_describe_error(error)) from error
        return True

    def get_watermark(self, name: str) -> datetime | None:
        """Where a reconciliation or backfill pass got to (``None`` before the first)."""
        items = self._items
        found = self._guard(lambda: list(items.Root.query(f"{WATERMARK_PREFIX}{name}", consistent_read=True)))
        return next((item.value for item in found if isinstance(item, items.Watermark)), None)

    def advance_watermark(self, name: str, value: datetime) -> None:
        """Move a watermark forward (never back: a slower, older pass cannot undo a newer one)."""
        items = self._items
        item = items.Watermark(
            f"{WATERMARK_PREFIX}{name}", WATERMARK_SK, value=value, recorded_at=datetime.now(UTC)
        )
        try:
            item.save(condition=items.Watermark.value.does_not_exist() | (items.Watermark.value < value))
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise StoreError(_describe_error(error)) from error

    def set_watermark(self, name: str, value: datetime) -> None:
        """Set a watermark, backwards too (a backfill restarting from an earlier date)."""
        items = self._items
        item = items.Watermark(
            f"{WATERMARK_PREFIX}{name}", WATERMARK_SK, value=value, recorded_at=datetime.now(UTC)
        )
        self._guard(item.save)

    def _conditional_update(self, item: Any, actions: list[Any], condition: Any) -> bool:
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise StoreError(_describe_error(error)) from error
        return True

    def _transact(self, pk: str, operations: Sequence[Any]) -> None:
        try:
            with TransactWrite(connection=self._connection) as transaction:
                for operation in operations:
                    operation(transaction)
        except TransactWriteError as error:
            reasons = {reason.code for reason in error.cancellation_reasons if reason is not None}
            if reasons & {"ConditionalCheckFailed", "TransactionConflict"}:
                raise WriteConflict(
                    f"{pk} changed while being written ({', '.join(sorted(reasons))})"
                ) from error
            raise StoreError(_describe_error(error)) from error
        except PynamoDBException as error:
            raise StoreError(_describe_error(error)) from error

    # -- queries (CLI) -----------------------------------------------------------------------------

    def get_job(self, job_name: str) -> StoredJob | None:
        """Same as ``load``: the job's summary, transitions and final metrics."""
        return self.load(job_name)

    def list_jobs(self, query: JobQuery) -> list[JobSummary]:
        """Job summaries newest first, from an index Query (never a Scan)."""
        items = self._items
        summary = items.Summary
        range_condition = _time_range(summary.creation_time, query.since, query.until)
        filter_condition = None
        if query.tuning_job:
            index, hash_key = summary.by_tuning_job, query.tuning_job
            if query.status:
                filter_condition = _status_filter(summary, query.status)
        elif query.status and query.status in PRIMARY_STATUSES:
            index, hash_key = summary.by_status, query.status
        else:
            index, hash_key = summary.by_creation_time, ALL_JOBS
            if query.status:
                filter_condition = _status_filter(summary, query.status)
        results = self._guard(
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
        return [_summary_from_item(item) for item in results]

    def in_progress_jobs(self) -> list[JobSummary]:
        """Every job whose TrainingJobStatus is InProgress (``by-status`` index)."""
        return self.list_jobs(JobQuery(status="InProgress", limit=MAX_LISTING))

    def pending_alerts(self, *, since: datetime) -> list[StoredAlert]:
        """Alerts not yet accepted by SNS, for transitions since ``since`` (``alerts-by-time`` index)."""
        alerts = self.list_alerts(AlertQuery(since=since, limit=MAX_LISTING))
        return [alert for alert in alerts if alert.state == "pending"]

    def list_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        """Alerts newest first: one job's (partition Query) or everyone's (``alerts-by-time`` index)."""
        alert_item = self._items.AlertItem
        if query.job_name:
            range_condition = alert_item.sk.startswith(ALERT_PREFIX)
            results = self._guard(
                lambda: list(
                    self._items.Root.query(
                        job_pk(query.job_name or ""),
                        range_key_condition=range_condition,
                        filter_condition=_time_range(alert_item.transition_start_time, query.since, None),
                        scan_index_forward=False,
                        limit=query.limit,
                    )
                )
            )
        else:
            results = self._guard(
                lambda: list(
                    alert_item.by_time.query(
                        ALL_ALERTS,
                        range_key_condition=_time_range(alert_item.transition_start_time, query.since, None),
                        scan_index_forward=False,
                        limit=query.limit,
                    )
                )
            )
        return [_alert_from_item(item.pk.removeprefix(JOB_PREFIX), item) for item in results]

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _guard(read: Any) -> Any:
        try:
            return read()
        except PynamoDBException as error:
            raise StoreError(_describe_error(error)) from error


#: What to do about the errors a person can fix, keyed by botocore's exception name.
_HINTS = {
    "NoCredentialsError": "run aws configure, set AWS_PROFILE or pass --profile",
    "NoRegionError": "pass --region or set AWS_REGION",
    "EndpointConnectionError": "is the endpoint up and the URL right?",
}


def _describe_error(error: PynamoDBException) -> str:
    """One line: DynamoDB's error code and message, or botocore's, with a hint where one helps."""
    code = error.cause_response_code
    message = error.cause_response_message or str(error.cause or error)
    hint = _HINTS.get(type(error.cause).__name__)
    text = f"{code}: {message}" if code else message
    return f"{text} ({hint})" if hint else text


def _status_filter(summary: Any, status: str) -> Any:
    return (summary.job_status == status) | (summary.secondary_status == status)


def _time_range(attribute: Any, since: datetime | None, until: datetime | None) -> Any:
    if since and until:
        return attribute.between(since, until)
    if since:
        return attribute >= since
    if until:
        return attribute <= until
    return None


def _set_or_remove(attribute: Any, value: Any) -> Any:
    return attribute.remove() if value is None else attribute.set(value)


def _pack(groups: list[list[Any]], size: int, *, guard: Any) -> Iterator[list[Any]]:
    """Fill transactions of at most ``size`` operations without splitting a group. The first group (the
    summary) opens the first transaction; every later transaction starts with ``guard``."""
    chunk: list[Any] = []
    for group in groups:
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = [guard]
        chunk.extend(group)
    yield chunk


# -- mapping between items and domain records ----------------------------------------------------


def _summary_item(items: Any, summary: JobSummary, now: datetime, version: int | None) -> Any:
    item = items.Summary(
        job_pk(summary.job_name),
        SUMMARY_SK,
        job_index=ALL_JOBS,
        job_name=summary.job_name,
        job_arn=summary.job_arn,
        job_status=summary.status,
        secondary_status=summary.secondary_status,
        failure_reason=summary.failure_reason,
        creation_time=summary.creation_time,
        last_modified_time=summary.last_modified_time,
        training_start_time=summary.training_start_time,
        training_end_time=summary.training_end_time,
        training_time_seconds=summary.training_time_seconds,
        billable_time_seconds=summary.billable_time_seconds,
        managed_spot=summary.managed_spot,
        tuning_job_arn=summary.tuning_job_arn,
        tuning_job_name=summary.tuning_job_name,
        instance_type=summary.instance_type,
        instance_count=summary.instance_count,
        max_runtime_seconds=summary.max_runtime_seconds,
        max_wait_seconds=summary.max_wait_seconds,
        model_artifacts_uri=summary.model_artifacts_uri,
        recorded_at=now,
    )
    if version is not None:
        item.version = version
    return item


def _summary_from_item(item: Any) -> JobSummary:
    return JobSummary(
        job_name=item.job_name,
        job_arn=item.job_arn,
        status=item.job_status,
        secondary_status=item.secondary_status,
        failure_reason=item.failure_reason,
        creation_time=item.creation_time,
        last_modified_time=item.last_modified_time,
        training_start_time=item.training_start_time,
        training_end_time=item.training_end_time,
        training_time_seconds=_int_or_none(item.training_time_seconds),
        billable_time_seconds=_int_or_none(item.billable_time_seconds),
        managed_spot=bool(item.managed_spot),
        tuning_job_arn=item.tuning_job_arn,
        instance_type=item.instance_type,
        instance_count=_int_or_none(item.instance_count),
        max_runtime_seconds=_int_or_none(item.max_runtime_seconds),
        max_wait_seconds=_int_or_none(item.max_wait_seconds),
        model_artifacts_uri=item.model_artifacts_uri,
    )


def _transition_item(items: Any, pk: str, transition: Transition, now: datetime) -> Any:
    return items.TransitionItem(
        pk,
        transition_sk(transition),
        status=transition.status,
        start_time=transition.start_time,
        end_time=transition.end_time,
        message=transition.message,
        position=transition.position,
        recorded_at=now,
    )


def _transition_from_item(item: Any) -> Transition:
    return Transition(
        status=item.status,
        start_time=item.start_time,
        end_time=item.end_time,
        message=item.message,
        position=_int_or_none(item.position) or 0,
    )


def _alert_item(items: Any, pk: str, alert: Alert, now: datetime, claim: Claim | None) -> Any:
    return items.AlertItem(
        pk,
        alert_sk(alert),
        alert_index=ALL_ALERTS,
        alert_type=alert.alert_type,
        transition_start_time=alert.transition_start_time,
        severity=alert.severity,
        subject=alert.subject,
        message=alert.message,
        state="pending",
        created_at=now,
        claimed_until=claim.until if claim else None,
        claim_token=claim.token if claim else None,
        recorded_at=now,
    )


def _alert_from_item(job_name: str, item: Any) -> StoredAlert:
    return StoredAlert(
        alert=Alert(
            job_name=job_name,
            alert_type=item.alert_type,
            transition_start_time=item.transition_start_time,
            severity=item.severity,
            subject=item.subject,
            message=item.message,
        ),
        state=item.state,
        created_at=item.created_at,
        claimed_until=item.claimed_until,
        claim_token=item.claim_token,
        sent_at=item.sent_at,
        sns_message_id=item.sns_message_id,
    )


def _metrics_item(items: Any, pk: str, metrics: Sequence[Metric], now: datetime) -> Any:
    return items.Metrics(
        pk,
        METRICS_SK,
        metrics=[
            # repr() round-trips every float exactly, -0.0, nan and inf included; DynamoDB numbers do not.
            items.MetricValue(name=m.name, value=repr(m.value), timestamp=m.timestamp)
            for m in metrics
        ],
        recorded_at=now,
    )


def _metrics_from_item(item: Any) -> tuple[Metric, ...]:
    return tuple(
        Metric(name=m.name, value=float(m.value), timestamp=m.timestamp) for m in (item.metrics or ())
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


# -- the PynamoDB models, built per table ---------------------------------------------------------


def _define_items(table: str, _region: str | None, _host: str | None) -> Any:
    """Build the item classes bound to one table.

    PynamoDB binds a model to its table through ``Meta``; building the classes per store lets one
    process talk to several tables (tests, the demo, DynamoDB Local next to moto) without global state.
    """

    class Root(Model):
        class Meta:
            table_name = table
            region = _region
            host = _host

        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        kind = DiscriminatorAttribute()
        recorded_at = UTCDateTimeAttribute(null=True)

    class ByCreationTime(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
        class Meta:
            index_name = "by-creation-time"
            projection = AllProjection()

        job_index = UnicodeAttribute(hash_key=True)
        creation_time = UTCDateTimeAttribute(range_key=True)

    class ByStatus(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
        class Meta:
            index_name = "by-status"
            projection = AllProjection()

        job_status = UnicodeAttribute(hash_key=True)
        creation_time = UTCDateTimeAttribute(range_key=True)

    class ByTuningJob(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
        class Meta:
            index_name = "by-tuning-job"
            projection = AllProjection()

        tuning_job_name = UnicodeAttribute(hash_key=True)
        creation_time = UTCDateTimeAttribute(range_key=True)

    class Summary(Root, discriminator="summary"):
        job_index = UnicodeAttribute()
        job_name = UnicodeAttribute()
        job_arn = UnicodeAttribute()
        job_status = UnicodeAttribute()
        secondary_status = UnicodeAttribute(null=True)
        failure_reason = UnicodeAttribute(null=True)
        creation_time = UTCDateTimeAttribute()
        last_modified_time = UTCDateTimeAttribute()
        training_start_time = UTCDateTimeAttribute(null=True)
        training_end_time = UTCDateTimeAttribute(null=True)
        training_time_seconds = NumberAttribute(null=True)
        billable_time_seconds = NumberAttribute(null=True)
        managed_spot = BooleanAttribute(default=False)
        tuning_job_arn = UnicodeAttribute(null=True)
        tuning_job_name = UnicodeAttribute(null=True)
        instance_type = UnicodeAttribute(null=True)
        instance_count = NumberAttribute(null=True)
        max_runtime_seconds = NumberAttribute(null=True)
        max_wait_seconds = NumberAttribute(null=True)
        model_artifacts_uri = UnicodeAttribute(null=True)
        version = VersionAttribute()

        by_creation_time = ByCreationTime()
        by_status = ByStatus()
        by_tuning_job = ByTuningJob()

    class TransitionItem(Root, discriminator="transition"):
        status = UnicodeAttribute()
        start_time = UTCDateTimeAttribute()
        end_time = UTCDateTimeAttribute(null=True)
        message = UnicodeAttribute(null=True)
        position = NumberAttribute(default=0)

    class AlertsByTime(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
        class Meta:
            index_name = "alerts-by-time"
            projection = AllProjection()

        alert_index = UnicodeAttribute(hash_key=True)
        transition_start_time = UTCDateTimeAttribute(range_key=True)

    class AlertItem(Root, discriminator="alert"):
        alert_index = UnicodeAttribute()
        alert_type = UnicodeAttribute()
        transition_start_time = UTCDateTimeAttribute()
        severity = UnicodeAttribute()
        subject = UnicodeAttribute()
        message = UnicodeAttribute()
        state = UnicodeAttribute()
        created_at = UTCDateTimeAttribute()
        claimed_until = UTCDateTimeAttribute(null=True)
        claim_token = UnicodeAttribute(null=True)
        sent_at = UTCDateTimeAttribute(null=True)
        sns_message_id = UnicodeAttribute(null=True)

        by_time = AlertsByTime()

    class Watermark(Root, discriminator="watermark"):
        value = UTCDateTimeAttribute()

    class MetricValue(MapAttribute[str, Any]):
        name = UnicodeAttribute()
        value = UnicodeAttribute()
        timestamp = UTCDateTimeAttribute(null=True)

    class Metrics(Root, discriminator="metrics"):
        metrics = ListAttribute(of=MetricValue, default=list)

    class Items:
        pass

    bound = Items()
    for cls in (Root, Summary, TransitionItem, Metrics, MetricValue, AlertItem, Watermark):
        setattr(bound, cls.__name__, cls)
    return bound
