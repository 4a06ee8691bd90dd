"""In-memory stand-ins for ingest's ports, and ingest wired to them (``FakeWorld``).

SageMaker's stand-in is the scripted one of ``jobtrail_local.scripted_sagemaker``; AWS calls are counted
with ``jobtrail_local.aws_calls.count_aws_calls``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import boto3
from jobtrail.adapters.sagemaker import SageMakerJobs
from jobtrail.core.alerts import DEFAULT_ALERT_ON
from jobtrail.core.cost import UnpricedJob
from jobtrail.core.history import WriteConflict, merge
from jobtrail.core.kinds import JobKey
from jobtrail.core.log_tail import LogTail
from jobtrail.core.model import Alert, Claim, HistoryChanges, StoredAlert, StoredJob
from jobtrail.core.routing import Routes, RoutesUnreadable, parse_routes
from jobtrail.usecases.ingest import IngestDeps
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker
from msgspec.structs import replace


def pending(alert: Alert, claim: Claim | None) -> StoredAlert:
    """``alert`` as a writer stores it: pending, claimed by ``claim`` if given."""
    return StoredAlert(
        alert=alert,
        state="pending",
        created_at=datetime.now(UTC),
        claimed_until=claim.until if claim else None,
        claim_token=claim.token if claim else None,
    )


class InMemoryHistories:
    """``JobHistories`` in a dict, with the same version check and alert claims as the DynamoDB store."""

    def __init__(self) -> None:
        self.jobs: dict[JobKey, StoredJob] = {}
        #: The unpriced list (``list_unpriced``), by job.
        self.unpriced: dict[JobKey, UnpricedJob] = {}
        self.loads = 0
        self.writes = 0
        self._lock = threading.Lock()

    def load(self, key: JobKey, *, consistent: bool = True) -> StoredJob | None:
        self.loads += 1
        return self.jobs.get(key)

    @property
    def by_name(self) -> dict[str, StoredJob]:
        """The stored jobs by name (the fixtures' names are unique across kinds)."""
        return {key.name: job for key, job in self.jobs.items()}

    def apply(self, changes: HistoryChanges, *, claim: Claim | None = None) -> tuple[Alert, ...]:
        """As the table does it, atomically: the alerts it lacks, then the record (or a conflict)."""
        with self._lock:
            current = self.jobs.get(changes.job)
            if (current.version if current else None) != changes.expected_version:
                raise WriteConflict(str(changes.job))
            merged = merge(current, changes)
            assert merged is not None
            self.writes += 1
            known = {stored.alert.key for stored in (current.alerts if current else ())}
            new_alerts = tuple(
                pending(alert, claim) for alert in changes.new_alerts if alert.key not in known
            )
            self.jobs[changes.job] = StoredJob(
                summary=merged.summary,
                transitions=merged.transitions,
                final_metrics=merged.final_metrics,
                steps=merged.steps,
                version=(current.version if current else 0) + 1,
                alerts=(current.alerts if current else ()) + new_alerts,
            )
            return tuple(stored.alert for stored in new_alerts)

    def list_unpriced(self, job: UnpricedJob) -> None:
        with self._lock:
            self.writes += 1
            self.unpriced[job.job] = job

    def claim_alert(self, alert: Alert, claim: Claim, *, now: datetime) -> bool:
        return self._update_alert(
            alert,
            lambda a: a.claimable(now) or (a.state == "pending" and a.claim_token == claim.token),
            lambda a: replace(a, claimed_until=claim.until, claim_token=claim.token),
        )

    def mark_sent(self, alert: Alert, claim: Claim, *, sent_at: datetime, sns_message_id: str) -> bool:
        return self._update_alert(
            alert,
            lambda a: a.state == "pending" and a.claim_token == claim.token,
            lambda a: replace(
                a,
                state="sent",
                sent_at=sent_at,
                sns_message_id=sns_message_id,
                claimed_until=None,
                claim_token=None,
            ),
        )

    def release_claim(self, alert: Alert, claim: Claim) -> bool:
        return self._update_alert(
            alert,
            lambda a: a.state == "pending" and a.claim_token == claim.token,
            lambda a: replace(a, claimed_until=None, claim_token=None),
        )

    def _update_alert(
        self,
        alert: Alert,
        condition: Callable[[StoredAlert], bool],
        change: Callable[[StoredAlert], StoredAlert],
    ) -> bool:
        with self._lock:
            job = self.jobs[alert.job]
            for index, stored in enumerate(job.alerts):
                if stored.alert.key == alert.key:
                    if not condition(stored):
                        return False
                    self.writes += 1
                    alerts = (*job.alerts[:index], change(stored), *job.alerts[index + 1 :])
                    self.jobs[alert.job] = replace(job, alerts=alerts)
                    return True
            raise KeyError(alert.alert_id)

    def alerts(self) -> list[StoredAlert]:
        """Every alert of every job."""
        return [alert for job in self.jobs.values() for alert in job.alerts]


@dataclass
class ListAlertPublisher:
    """``AlertPublisher`` that keeps what it published; ``fail_for`` names alert types it refuses."""

    published: list[Alert] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)

    def publish(self, alert: Alert) -> str:
        if alert.alert_type in self.fail_for:
            raise ConnectionError("SNS unreachable")
        self.published.append(alert)
        return f"message-{len(self.published)}"


@dataclass
class ScriptedJobLogs:
    """``JobLogs`` answering every read with ``answer``; ``reads`` lists the jobs and line counts asked."""

    answer: LogTail = field(default_factory=LogTail)
    reads: list[tuple[JobKey, int]] = field(default_factory=list)

    def tail(self, job: JobKey, lines: int) -> LogTail:
        self.reads.append((job, lines))
        return self.answer


@dataclass
class DocumentRoutes:
    """``AlertRoutes`` over a routes document held as text (as people write it in the SSM parameter):
    ``load`` parses it as the SSM adapter does; ``unreadable`` makes it fail as a read SSM refused does.
    ``loads`` counts the reads."""

    text: str = '{"routes": []}'
    unreadable: str | None = None
    loads: int = 0

    def load(self) -> Routes:
        self.loads += 1
        if self.unreadable is not None:
            raise RoutesUnreadable(self.unreadable)
        return parse_routes(self.text)


@dataclass
class ListDeadLetters:
    """``DeadLetters`` that keeps parked records in a list; ``fail`` makes ``park`` raise."""

    parked: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def park(self, body: str, *, reason: str, event_id: str | None, message_id: str) -> None:
        if self.fail:
            raise ConnectionError("dead-letter queue unreachable")
        self.parked.append({"body": body, "reason": reason, "event_id": event_id, "message_id": message_id})


def scripted_training_jobs(script: ScriptedSageMaker) -> SageMakerJobs:
    """The real boto3 adapter, its client answering DescribeTrainingJob from ``script`` (no HTTP)."""
    client = boto3.client("sagemaker", region_name="us-east-1")
    script.attach(client)
    return SageMakerJobs(client)


@dataclass
class FakeWorld:
    """Ingest wired to a scripted SageMaker and in-memory storage.

    SageMaker is answered straight from the script (microseconds); ``through_boto3`` puts the real
    adapter and a boto3 client in between instead, for the integration tier.
    """

    script: ScriptedSageMaker = field(default_factory=ScriptedSageMaker)
    histories: InMemoryHistories = field(default_factory=InMemoryHistories)
    dead_letters: ListDeadLetters = field(default_factory=ListDeadLetters)
    publisher: ListAlertPublisher = field(default_factory=ListAlertPublisher)
    alert_on: frozenset[str] = DEFAULT_ALERT_ON
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    through_boto3: bool = False

    @cached_property
    def deps(self) -> IngestDeps:
        """Built on first use (after a test swapped any part), then reused like a warm container's."""
        jobs = scripted_training_jobs(self.script) if self.through_boto3 else self.script.jobs()
        return IngestDeps(
            jobs=jobs,
            tags=jobs,
            histories=self.histories,
            dead_letters=self.dead_letters,
            alerts=self.publisher,
            alert_on=self.alert_on,
            clock=lambda: self.now,
        )
