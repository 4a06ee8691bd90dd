"""In-memory stand-ins for ingest's ports, and a counter of the AWS calls a test makes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import boto3
from botocore.client import BaseClient
from jobtrail.history import WriteConflict, merge
from jobtrail.ingest import IngestDeps
from jobtrail.lifecycles import ScriptedSageMaker
from jobtrail.model import HistoryChanges, StoredJob
from jobtrail.training_jobs import SageMakerTrainingJobs


class InMemoryHistories:
    """``JobHistories`` in a dict, with the same version check as the DynamoDB store."""

    def __init__(self) -> None:
        self.jobs: dict[str, StoredJob] = {}
        self.loads = 0
        self.writes = 0
        self._lock = threading.Lock()

    def load(self, job_name: str) -> StoredJob | None:
        self.loads += 1
        return self.jobs.get(job_name)

    def apply(self, changes: HistoryChanges) -> None:
        with self._lock:
            current = self.jobs.get(changes.job_name)
            if (current.version if current else None) != changes.expected_version:
                raise WriteConflict(changes.job_name)
            merged = merge(current, changes)
            assert merged is not None
            self.writes += 1
            self.jobs[changes.job_name] = StoredJob(
                summary=merged.summary,
                transitions=merged.transitions,
                final_metrics=merged.final_metrics,
                version=(current.version if current else 0) + 1,
            )


@dataclass
class ListDeadLetters:
    """``DeadLetters`` that keeps parked records in a list; ``fail`` makes ``park`` raise."""

    parked: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def park(self, body: str, *, reason: str, event_id: str | None, message_id: str) -> None:
        if self.fail:
            raise ConnectionError("dead-letter queue unreachable")
        self.parked.append({"body": body, "reason": reason, "event_id": event_id, "message_id": message_id})


def scripted_training_jobs(script: ScriptedSageMaker) -> SageMakerTrainingJobs:
    """The real boto3 adapter, its client answering DescribeTrainingJob from ``script`` (no HTTP)."""
    client = boto3.client("sagemaker", region_name="us-east-1")
    script.attach(client)
    return SageMakerTrainingJobs(client)


@dataclass
class FakeWorld:
    """Ingest wired to a scripted SageMaker and in-memory storage."""

    script: ScriptedSageMaker = field(default_factory=ScriptedSageMaker)
    histories: InMemoryHistories = field(default_factory=InMemoryHistories)
    dead_letters: ListDeadLetters = field(default_factory=ListDeadLetters)

    @cached_property
    def deps(self) -> IngestDeps:
        """Built on first use (after a test swapped any part), then reused like a warm container's."""
        return IngestDeps(
            training_jobs=scripted_training_jobs(self.script),
            histories=self.histories,
            dead_letters=self.dead_letters,
        )


@contextmanager
def count_aws_calls() -> Iterator[Counter[str]]:
    """Count every botocore API call, as ``"service.Operation"``, PynamoDB's included."""
    calls: Counter[str] = Counter()
    original: Callable[..., Any] = BaseClient._make_api_call

    def counting(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        calls[f"{self.meta.service_model.service_name}.{operation_name}"] += 1
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
