"""Machine-readable views of the history: the JSON shapes the CLI prints with ``--json``.

Plain functions from domain records to JSON-ready dicts (times ISO 8601 with milliseconds and UTC
offset, ``null`` for what is unknown). Non-finite metric values, which JSON cannot carry as numbers,
become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import math
from typing import Any

from jobtrail.core.model import JobRecord, JobSummary, Metric, StoredAlert, Transition
from jobtrail.core.times import iso


def summary_view(summary: JobSummary) -> dict[str, Any]:
    """The summary object of ``show --json`` and ``jobs --json`` (without ``final_metrics``)."""
    return {
        "job_name": summary.job_name,
        "job_arn": summary.job_arn,
        "status": summary.status,
        "secondary_status": summary.secondary_status,
        "failure_reason": summary.failure_reason,
        "creation_time": iso(summary.creation_time),
        "training_start_time": iso(summary.training_start_time),
        "training_end_time": iso(summary.training_end_time),
        "last_modified_time": iso(summary.last_modified_time),
        "training_time_seconds": summary.training_time_seconds,
        "billable_time_seconds": summary.billable_time_seconds,
        "managed_spot": summary.managed_spot,
        "spot_savings_percent": summary.spot_savings_percent,
        "tuning_job_arn": summary.tuning_job_arn,
        "instance_type": summary.instance_type,
        "instance_count": summary.instance_count,
        "max_runtime_seconds": summary.max_runtime_seconds,
        "max_wait_seconds": summary.max_wait_seconds,
        "model_artifacts_uri": summary.model_artifacts_uri,
    }


def job_view(record: JobRecord) -> dict[str, Any]:
    """``show --json``: the summary plus ``final_metrics``."""
    return {**summary_view(record.summary), "final_metrics": [metric_view(m) for m in record.final_metrics]}


def metric_view(metric: Metric) -> dict[str, Any]:
    return {"name": metric.name, "value": json_number(metric.value), "timestamp": iso(metric.timestamp)}


def transition_view(transition: Transition) -> dict[str, Any]:
    """One ``history --json`` entry; ``end_time`` and ``duration_seconds`` are null while open."""
    return {
        "status": transition.status,
        "start_time": iso(transition.start_time),
        "end_time": iso(transition.end_time),
        "duration_seconds": transition.duration_seconds(),
        "message": transition.message,
    }


def alert_view(stored: StoredAlert) -> dict[str, Any]:
    """One ``alerts --json`` entry: the alert, its transition and its delivery state."""
    alert = stored.alert
    return {
        "alert_id": alert.alert_id,
        "job_name": alert.job_name,
        "alert_type": alert.alert_type,
        "severity": alert.severity,
        "transition_start_time": iso(alert.transition_start_time),
        "state": stored.state,
        "created_at": iso(stored.created_at),
        "sent_at": iso(stored.sent_at),
        "sns_message_id": stored.sns_message_id,
        "subject": alert.subject,
    }


def json_number(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"
