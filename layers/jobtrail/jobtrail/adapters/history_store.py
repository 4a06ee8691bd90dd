"""The history table as the functions use it: ingest's reads and writes, the alert claims, and what
reconciliation keeps there (watermarks, in-progress jobs, pending alerts).

Every write for a job is one ``TransactWriteItems`` guarded by the summary's version, so two
invocations that race on one job cannot lose each other's updates: the loser re-reads and re-plans.
A transaction is planned as a list of typed write operations (``Save``, ``Update``, ``ConditionCheck``)
that ``enlist`` adds to PynamoDB's ``TransactWrite``. The item layout and the mapping live in
``history_table``; the CLI's listings in ``history_queries``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar, assert_never

from pynamodb.attributes import Attribute
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from jobtrail.adapters.history_table import (
    ALL_ALERTS,
    SUMMARY_SK,
    AlertItem,
    HistoryTable,
    Root,
    Summary,
    TransitionItem,
    Watermark,
    alert_item,
    alert_sk,
    guarded,
    is_legacy_pk,
    job_pk,
    key_from_pk,
    metrics_item,
    read_job,
    step_item,
    store_error,
    summary_item,
    transition_item,
    transition_sk,
    watermark_item,
    watermark_pk,
)
from jobtrail.core.history import WriteConflict
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Alert, Claim, HistoryChanges, PendingAlert, StoredJob

if TYPE_CHECKING:
    import botocore.session

#: A ceiling for internal listings (in-progress jobs, pending alerts): far above any real account's.
MAX_LISTING = 100_000
#: TransactWriteItems accepts at most 100 items.
MAX_TRANSACTION_ITEMS = 100

_Value = TypeVar("_Value")


# -- the operations a transaction is made of -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Save:
    """Put ``item`` if ``condition`` holds; an item with a version also checks and bumps it."""

    item: Root
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Update:
    """Apply ``actions`` to the stored ``item`` if ``condition`` holds."""

    item: Root
    actions: tuple[Action, ...]
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """Write nothing; fail the transaction unless the item at the key meets ``condition``."""

    model: type[Root]
    pk: str
    sk: str
    condition: Condition


WriteOperation = Save | Update | ConditionCheck


def enlist(transaction: TransactWrite, operation: WriteOperation) -> None:
    """Add ``operation`` to ``transaction`` (written when the transaction's block ends)."""
    match operation:
        case Save(item, condition):
            transaction.save(item, condition=condition)
        case Update(item, actions, condition):
            transaction.update(item, actions=list(actions), condition=condition)
        case ConditionCheck(model, pk, sk, condition):
            transaction.condition_check(model, pk, sk, condition=condition)
        case _:
            assert_never(operation)


class HistoryStore:
    """Reads and writes job histories in one DynamoDB table.

    ``host`` is an endpoint URL (DynamoDB Local, moto server); without it botocore's usual resolution
    applies, ``AWS_ENDPOINT_URL_DYNAMODB`` included.
    """

    def __init__(self, table_name: str, *, region: str | None = None, host: str | None = None) -> None:
        self.table_name = table_name
        self._table = HistoryTable.bind(table_name, region=region, host=host)

    def botocore_session(self) -> botocore.session.Session:
        """The botocore session the table's client comes from, for a function's other clients
        (``boto3.session.Session(botocore_session=...)``): a second session would load botocore's
        endpoint and service files again. PynamoDB keeps one session per thread: this is the calling
        thread's (Lambda calls the handler on one thread)."""
        return self._table.connection.session

    def connect(self) -> None:
        """Create the table's client now, once per container, rather than in the first request."""
        _ = self._table.connection.client

    @property
    def table(self) -> HistoryTable:
        """The bound table (for the price cache, ``history_table.PriceCache``, on the same connection)."""
        return self._table

    # -- ingest ------------------------------------------------------------------------------------

    def load(self, key: JobKey) -> StoredJob | None:
        """The stored job (one strongly consistent Query), or ``None`` if it has no summary yet."""
        return read_job(self._table, key)

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
        table = self._table
        pk = job_pk(changes.job)
        alerts = {alert.key: alert for alert in changes.new_alerts}
        # The summary's save carries the version condition (PynamoDB VersionAttribute) and bumps it.
        groups: list[list[WriteOperation]] = [
            [Save(summary_item(table, changes.summary, now, changes.expected_version))]
        ]
        for transition in changes.new_transitions:
            group: list[WriteOperation] = [
                Save(transition_item(table, pk, transition, now), TransitionItem.sk.does_not_exist())
            ]
            alert = alerts.pop(transition.key, None)
            if alert is not None:
                group.append(Save(alert_item(table, pk, alert, now, claim), AlertItem.sk.does_not_exist()))
            groups.append(group)
        if alerts:
            raise ValueError(
                f"alerts without a new transition: {sorted(a.alert_id for a in alerts.values())}"
            )
        for transition in changes.updated_transitions:
            actions = (
                _set_or_remove(TransitionItem.end_time, transition.end_time),
                _set_or_remove(TransitionItem.message, transition.message),
                TransitionItem.recorded_at.set(now),
            )
            item = table.transition(pk, transition_sk(transition))
            groups.append([Update(item, actions, TransitionItem.sk.exists())])
        if changes.final_metrics is not None:
            groups.append([Save(metrics_item(table, pk, changes.final_metrics, now))])
        groups.extend([Save(step_item(table, pk, step, now))] for step in changes.steps)
        written_version = (changes.expected_version or 0) + 1
        still_ours = ConditionCheck(table.summary, pk, SUMMARY_SK, Summary.version == written_version)
        for chunk in _pack(groups, MAX_TRANSACTION_ITEMS, guard=still_ours):
            self._transact(pk, chunk)

    def claim_alert(self, alert: Alert, claim: Claim, *, now: datetime) -> bool:
        """Take the right to publish a pending alert; ``False`` if it was sent or someone holds it."""
        condition = (AlertItem.state == "pending") & (
            AlertItem.claimed_until.does_not_exist()
            | (AlertItem.claimed_until <= now)
            | (AlertItem.claim_token == claim.token)
        )
        return self._conditional_update(
            alert,
            [AlertItem.claimed_until.set(claim.until), AlertItem.claim_token.set(claim.token)],
            condition,
        )

    def mark_sent(self, alert: Alert, claim: Claim, *, sent_at: datetime, sns_message_id: str) -> bool:
        """Record that SNS accepted the alert (one UpdateItem); ``False`` if the claim was lost."""
        return self._conditional_update(
            alert,
            [
                AlertItem.state.set("sent"),
                AlertItem.sent_at.set(sent_at),
                AlertItem.sns_message_id.set(sns_message_id),
                AlertItem.claimed_until.remove(),
                AlertItem.claim_token.remove(),
            ],
            (AlertItem.state == "pending") & (AlertItem.claim_token == claim.token),
        )

    def release_claim(self, alert: Alert, claim: Claim) -> bool:
        """Give a claim back after a failed publish, so that the redelivery can send at once."""
        return self._conditional_update(
            alert,
            [AlertItem.claimed_until.remove(), AlertItem.claim_token.remove()],
            (AlertItem.state == "pending") & (AlertItem.claim_token == claim.token),
        )

    # -- reconciliation ----------------------------------------------------------------------------

    def add_alert(self, alert: Alert, claim: Claim) -> bool:
        """Write an alert that no transition brought (``Stalled``), pending and claimed; ``False`` if it
        exists already. Its job must be stored."""
        item = alert_item(self._table, job_pk(alert.job), alert, datetime.now(UTC), claim)
        try:
            item.save(condition=AlertItem.sk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise store_error(error) from error
        return True

    def get_watermark(self, name: str) -> datetime | None:
        """Where a reconciliation or backfill pass got to (``None`` before the first)."""
        found = guarded(lambda: list(self._table.root.query(watermark_pk(name), consistent_read=True)))
        return next((item.value for item in found if isinstance(item, Watermark)), None)

    def advance_watermark(self, name: str, value: datetime) -> None:
        """Move a watermark forward (never back: a slower, older pass cannot undo a newer one)."""
        item = watermark_item(self._table, name, value, datetime.now(UTC))
        try:
            item.save(condition=Watermark.value.does_not_exist() | (Watermark.value < value))
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise store_error(error) from error

    def set_watermark(self, name: str, value: datetime) -> None:
        """Set a watermark, backwards too (a backfill restarting from an earlier date)."""
        guarded(watermark_item(self._table, name, value, datetime.now(UTC)).save)

    def in_progress_jobs(self) -> list[JobKey]:
        """Every job whose status is InProgress (``by-status`` index, newest first; its keys name the
        job): the training jobs reconciliation looks for stalls among, and the other kinds running."""
        index = self._table.summary.by_status
        found = guarded(lambda: list(index.query("InProgress", scan_index_forward=False, limit=MAX_LISTING)))
        return [key_from_pk(item.pk) for item in found if not is_legacy_pk(item.pk)]

    def pending_alerts(self, *, since: datetime) -> list[PendingAlert]:
        """Alerts not yet accepted by SNS, for transitions since ``since`` (``alerts-by-time`` index,
        which carries their state and claim)."""
        index = self._table.alert.by_time
        found = guarded(
            lambda: list(
                index.query(
                    ALL_ALERTS,
                    range_key_condition=AlertItem.transition_start_time >= since,
                    filter_condition=AlertItem.state == "pending",
                    scan_index_forward=False,
                    limit=MAX_LISTING,
                )
            )
        )
        current = (item for item in found if not is_legacy_pk(item.pk))
        return [PendingAlert(key_from_pk(item.pk), item.claimed_until) for item in current]

    # -- helpers -----------------------------------------------------------------------------------

    def _conditional_update(self, alert: Alert, actions: list[Action], condition: Condition) -> bool:
        item = self._table.alert(job_pk(alert.job), alert_sk(alert))
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise store_error(error) from error
        return True

    def _transact(self, pk: str, operations: Sequence[WriteOperation]) -> None:
        try:
            with TransactWrite(connection=self._table.connection) as transaction:
                for operation in operations:
                    enlist(transaction, operation)
        except TransactWriteError as error:
            reasons = {reason.code for reason in error.cancellation_reasons if reason is not None}
            if reasons & {"ConditionalCheckFailed", "TransactionConflict"}:
                raise WriteConflict(
                    f"{pk} changed while being written ({', '.join(sorted(reasons))})"
                ) from error
            raise store_error(error) from error
        except PynamoDBException as error:
            raise store_error(error) from error


def _set_or_remove(attribute: Attribute[_Value], value: _Value | None) -> Action:
    return attribute.remove() if value is None else attribute.set(value)


def _pack(
    groups: list[list[WriteOperation]], size: int, *, guard: WriteOperation
) -> Iterator[list[WriteOperation]]:
    """Fill transactions of at most ``size`` operations without splitting a group. The first group (the
    summary) opens the first transaction; every later transaction starts with ``guard``."""
    chunk: list[WriteOperation] = []
    for group in groups:
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = [guard]
        chunk.extend(group)
    yield chunk
