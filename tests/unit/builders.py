"""Builders for domain records, so unit tests state only what matters to them."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from jobtrail.core.model import JobRecord, JobSummary, Metric, Transition
from msgspec.structs import replace

T0 = datetime(2026, 11, 20, 10, 0, 0, 123000, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """A moment ``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)


def summary(**overrides: object) -> JobSummary:
    base = JobSummary(
        job_name="resnet-1",
        job_arn="arn:aws:sagemaker:us-east-1:123456789012:training-job/resnet-1",
        status="InProgress",
        secondary_status="Starting",
        creation_time=T0,
        last_modified_time=T0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def record(
    *transitions: Transition, metrics: tuple[Metric, ...] = (), **summary_overrides: object
) -> JobRecord:
    """A Describe-like record; ``last_modified_time`` defaults to the newest transition's start."""
    positioned = tuple(replace(t, position=i) for i, t in enumerate(transitions))
    newest = max((t.end_time or t.start_time for t in positioned), default=T0)
    summary_overrides.setdefault("last_modified_time", newest)
    if positioned:
        summary_overrides.setdefault("secondary_status", positioned[-1].status)
    return JobRecord(summary=summary(**summary_overrides), transitions=positioned, final_metrics=metrics)


def as_epoch_millis(value: Any) -> Any:
    """What an event's detail must hold for a describe value: times as epoch-millisecond integers.

    Computed here from the calendar (whole UTC seconds, then the milliseconds), not with the builder's
    ``epoch_millis``, which these expectations check.
    """
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "an event time is an instant: the describe's times are aware"
        return calendar.timegm(value.utctimetuple()) * 1000 + value.microsecond // 1000
    if isinstance(value, dict):
        return {key: as_epoch_millis(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_epoch_millis(item) for item in value]
    return value
