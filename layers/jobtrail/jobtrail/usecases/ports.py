"""The ports: what the use cases need from the world, as small ``Protocol``s.

Each has one adapter in ``jobtrail.adapters`` (named below) and in-memory fakes in the tests. The
adapters satisfy these structurally: they do not import this module, and the use cases never import
an adapter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: the Slack notifier imports these ports without the domain model
    from datetime import datetime
    from decimal import Decimal

    from jobtrail.core.cost import CachedPrice, HourlyPrice, PriceUnavailable, UnpricedJob, Usage
    from jobtrail.core.kinds import JobKey, Kind
    from jobtrail.core.log_tail import LogTail
    from jobtrail.core.model import (
        Alert,
        Claim,
        HistoryChanges,
        JobListing,
        JobRecord,
        JobSummary,
        PendingAlert,
        StoredJob,
    )
    from jobtrail.core.price_settings import PriceSettings
    from jobtrail.core.routing import Routes
    from jobtrail.core.slack_route import PostedMessage
    from jobtrail.core.slack_thread import SlackThread, TransitionRef


class Jobs(Protocol):
    """Reads the current state of a job of any kind (``adapters.sagemaker.SageMakerJobs``)."""

    def describe(self, key: JobKey) -> JobRecord | None:
        """The job as SageMaker reports it now, or ``None`` if SageMaker does not know it."""
        ...


class JobTags(Protocol):
    """Reads a job's tags (``adapters.sagemaker.SageMakerJobs``: ListTags)."""

    def tags(self, job: JobSummary) -> Mapping[str, str]:
        """The tags of ``job`` (a pipeline execution: its pipeline's, which executions do not have their
        own), as SageMaker holds them now. Raises if they could not be read."""
        ...


class JobPrices(Protocol):
    """Hourly prices of SageMaker instances (``adapters.pricing.PriceBook``: the Price List, cached in the
    table, with the price settings applied)."""

    def price(self, instance_type: str, region: str, usage: Usage) -> HourlyPrice | PriceUnavailable | None:
        """One instance's price per hour for ``usage`` in ``region``; ``None`` when the Price List lists
        none, ``PriceUnavailable`` when it cannot be found now (later may). Never raises: a price never
        holds a job's history back."""
        ...


class ListPrices(Protocol):
    """The AWS Price List (``adapters.pricing.PriceList``: GetProducts)."""

    def hourly(self, instance_type: str, region: str, usage: Usage) -> Decimal | None:
        """The on-demand hourly list price in USD, ``None`` if it lists none; raises on API errors."""
        ...


class PriceCacheStore(Protocol):
    """The prices kept in the history table (``adapters.history_table.PriceCache``)."""

    def get(self, region: str, usage: Usage, instance_type: str) -> CachedPrice | None: ...

    def put(self, region: str, usage: Usage, instance_type: str, price: CachedPrice) -> None: ...


class PriceSettingsSource(Protocol):
    """Negotiated prices and a discount (``adapters.pricing.SsmPriceSettings``: an SSM parameter)."""

    def load(self) -> PriceSettings:
        """The settings; raises ``core.price_settings.PriceSettingsError`` when they cannot be used."""
        ...


class AlertRoutes(Protocol):
    """The routes document (``adapters.routes.SsmAlertRoutes``: an SSM parameter)."""

    def load(self) -> Routes:
        """The current document (cached briefly); raises ``core.routing.RoutesError`` when it is invalid
        and ``RoutesUnreadable`` when it could not be read, never anything else."""
        ...


class MemberAccounts(Protocol):
    """The organization's active accounts (organization mode with ``OrganizationId`` alone)."""

    def includes(self, account: str) -> frozenset[str]:
        """The active accounts, read again first when ``account`` is not among them (and the last read
        is not very recent). Raises when they cannot be read."""
        ...


class JobCatalog(Protocol):
    """Lists jobs of one kind, for reconciliation and backfill (``adapters.sagemaker.SageMakerJobs``)."""

    def list_jobs(
        self, kind: Kind, *, modified_after: datetime | None = None, created_after: datetime | None = None
    ) -> Iterator[JobListing]:
        """Jobs of ``kind`` modified (or created) after the given times, oldest creation first, every page."""
        ...


class JobHistories(Protocol):
    """The history table as ingest sees it (``adapters.history_store.HistoryStore``)."""

    def load(self, key: JobKey, *, consistent: bool = True) -> StoredJob | None: ...

    def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> tuple[Alert, ...]: ...

    def claim_alert(self, alert: Alert, claim: Claim, *, now: datetime) -> bool: ...

    def mark_sent(self, alert: Alert, claim: Claim, *, sent_at: datetime, sns_message_id: str) -> bool: ...

    def release_claim(self, alert: Alert, claim: Claim) -> bool: ...

    def list_unpriced(self, job: UnpricedJob) -> None:
        """Put ``job`` on the unpriced list (one PutItem; again: replaced, with its new ``listed_at``)."""
        ...


class Bookkeeping(Protocol):
    """What reconciliation needs from the history table besides ingest's view of it."""

    def get_watermark(self, name: str) -> datetime | None: ...

    def advance_watermark(self, name: str, value: datetime) -> None: ...

    def set_watermark(self, name: str, value: datetime) -> None: ...

    def add_alert(self, alert: Alert, claim: Claim | None) -> bool: ...

    def in_progress_jobs(self) -> list[JobKey]: ...

    def pending_alerts(self, *, since: datetime) -> list[PendingAlert]: ...

    def unpriced_jobs(self, *, limit: int) -> list[UnpricedJob]:
        """At most ``limit`` jobs of the unpriced list (one Query)."""
        ...

    def clear_unpriced(self, job: UnpricedJob) -> bool:
        """Take ``job`` off the unpriced list if it was not listed again since it was read (its
        ``listed_at`` is still there); ``False`` if it was."""
        ...


class ReconcileHistories(JobHistories, Bookkeeping, Protocol):
    """The history table as reconciliation sees it (``adapters.history_store.HistoryStore``)."""


class JobLogs(Protocol):
    """Reads the end of a job's CloudWatch log (``adapters.logs.CloudWatchJobLogs``)."""

    def tail(self, job: JobKey, lines: int) -> LogTail:
        """The last ``lines`` lines of the job's streams, or why there are none: never raises for a
        missing log group, throttling, a denied permission or a timeout, and returns within seconds."""
        ...


class AlertPublisher(Protocol):
    """Publishes one alert; returns the transport's message id. Raises if it was not accepted
    (``adapters.sns.SnsAlertPublisher``)."""

    def publish(self, alert: Alert) -> str: ...


class DeadLetters(Protocol):
    """Keeps a record that cannot be processed, with the reason (``adapters.sqs.SqsDeadLetters``)."""

    def park(self, body: str, *, reason: str, event_id: str | None, message_id: str) -> None: ...


class SlackPoster(Protocol):
    """Posts one Block Kit message to Slack; raises if Slack did not accept it
    (``adapters.slack.WebhookPoster``)."""

    def post(self, payload: Mapping[str, Any]) -> None: ...


class SlackMessages(Protocol):
    """Slack's Web API with a bot token (app mode): post a message or a reply, edit a message
    (``adapters.slack.SlackWebApi``). Raises if Slack did not accept the call."""

    def post(
        self,
        channel: str,
        message: Mapping[str, Any],
        *,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
    ) -> PostedMessage: ...

    def update(self, channel_id: str, ts: str, message: Mapping[str, Any]) -> None: ...


class SlackThreads(Protocol):
    """The jobs' Slack threads, stored with the jobs (``adapters.slack_threads.SlackThreadStore``)."""

    def load(self, job: JobKey) -> tuple[StoredJob | None, dict[str, SlackThread]]: ...

    def thread(self, job: JobKey, channel: str) -> SlackThread | None: ...

    def claim_parent(self, job: JobKey, channel: str, claim: Claim, *, now: datetime) -> bool: ...

    def record_parent(
        self,
        job: JobKey,
        channel: str,
        claim: Claim,
        posted: PostedMessage,
        *,
        parent_digest: str,
        team: str | None,
        now: datetime,
    ) -> SlackThread | None: ...

    def release_parent(self, job: JobKey, channel: str, claim: Claim) -> bool: ...

    def record_reply(
        self,
        job: JobKey,
        channel: str,
        key: str,
        *,
        parent_digest: str | None,
        team: str | None,
        now: datetime,
    ) -> SlackThread: ...

    def transitions_added(self, change: Mapping[str, Any]) -> tuple[TransitionRef, ...]: ...
