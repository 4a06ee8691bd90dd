"""The history table as the functions use it: ingest's reads and writes, the alert claims, and what
reconciliation keeps there (watermarks, in-progress jobs, pending alerts, jobs waiting for a price).

Every write for a job rewrites its summary item, which holds the job's whole record, guarded by the
summary's version, so two invocations that race on one job cannot lose each other's updates: the loser
re-reads and re-plans. The alerts a write brings are put first, each created once (``apply``): no
transaction is needed, and most writes are one PutItem of one item. The item layout and the mapping live
in ``history_table``; the CLI's listings in ``history_queries``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from jobtrail.adapters.history_table import (
    ALL_ALERTS,
    UNPRICED_PK,
    AlertItem,
    HistoryTable,
    UnpricedItem,
    Watermark,
    alert_item,
    alert_sk,
    guarded,
    is_legacy_pk,
    job_pk,
    key_from_pk,
    read_job,
    store_error,
    summary_item,
    unpriced_from_item,
    unpriced_item,
    unpriced_model,
    watermark_item,
    watermark_pk,
)
from jobtrail.core.cost import UnpricedJob
from jobtrail.core.history import WriteConflict
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Alert, Claim, HistoryChanges, PendingAlert, StoredJob

if TYPE_CHECKING:
    import botocore.session

#: A ceiling for internal listings (in-progress jobs, pending alerts): far above any real account's.
MAX_LISTING = 100_000


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

    def load(self, key: JobKey, *, consistent: bool = True) -> StoredJob | None:
        """The stored job (one Query; strongly consistent unless ``consistent`` is false, which costs half
        the read units), or ``None`` if it has no summary yet."""
        return read_job(self._table, key, consistent=consistent)

    def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> tuple[Alert, ...]:
        """Write ``changes``: first each new alert (a conditional PutItem: pending, claimed by ``claim``,
        created only if it does not exist yet), then the job's whole record into its summary item, one
        PutItem guarded by the summary's version; ``WriteConflict`` if someone wrote the job in between.
        Returns the alerts this call created (the caller publishes them).

        No transaction: an alert is stored before the summary that records its transition, so a
        transition is never stored without its alert. If the process dies in between, or loses the race,
        the retry's plan finds the transition new and its alert due again: the alert exists, so it is not
        created twice, and it is sent through its claim (the writer that created it, or anyone once the
        claim expired). Most writes bring no alert: one item, one write unit (the record is packed,
        ``history_codec``).
        """
        if changes.summary is None:
            return ()
        record = changes.after
        if record is None:
            raise ValueError(f"{changes.job}: changes without the record they leave (plan_changes sets it)")
        new_keys = {transition.key for transition in changes.new_transitions}
        strays = [alert.alert_id for alert in changes.new_alerts if alert.key not in new_keys]
        if strays:
            raise ValueError(f"alerts without a new transition: {sorted(strays)}")
        alerts = sorted(changes.new_alerts, key=lambda alert: alert.transition_start_time)
        created = tuple(alert for alert in alerts if self.add_alert(alert, claim))
        summary = summary_item(self._table, record, datetime.now(UTC), changes.expected_version)
        try:
            summary.save()  # PynamoDB's VersionAttribute: the version read must still be there; bumps it
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise WriteConflict(f"{summary.pk} changed while being written") from error
            raise store_error(error) from error
        return created

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

    def list_unpriced(self, job: UnpricedJob) -> None:
        """Put ``job`` on the unpriced list (one PutItem of a small item; again: replaced, with its new
        ``listed_at``). A sync calls it before writing the summary that stores the cost it waits for, so
        that a crash in between leaves the job listed, never a waiting cost unlisted."""
        guarded(unpriced_item(self._table, job).save)

    # -- reconciliation ----------------------------------------------------------------------------

    def add_alert(self, alert: Alert, claim: Claim | None) -> bool:
        """Write a new alert, pending and claimed by ``claim`` if given (its writer publishes it next);
        ``False`` if it exists already. Ingest's come with their transitions (``apply``); reconciliation's
        ``Stalled`` with none. One conditional PutItem."""
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

    def unpriced_jobs(self, *, limit: int) -> list[UnpricedJob]:
        """At most ``limit`` jobs of the unpriced list, by partition key (one Query, eventually
        consistent: ``clear_unpriced`` checks what it read)."""
        model = unpriced_model(self._table)
        found = guarded(lambda: list(model.query(UNPRICED_PK, limit=limit)))
        return [unpriced_from_item(item) for item in found if isinstance(item, UnpricedItem)]

    def clear_unpriced(self, job: UnpricedJob) -> bool:
        """Delete ``job``'s item unless a sync listed it again since it was read (its ``listed_at``
        changed: one conditional DeleteItem); ``False`` then, or when it is gone already."""
        item = unpriced_item(self._table, job)
        try:
            item.delete(condition=UnpricedItem.listed_at == job.listed_at)
        except DeleteError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise store_error(error) from error
        return True

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
