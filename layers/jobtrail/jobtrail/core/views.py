"""Machine-readable views of the history: the JSON shapes the CLI prints with ``--json``.

Plain functions from domain records to JSON-ready dicts (times ISO 8601 with milliseconds and UTC
offset, ``null`` for what is unknown). Non-finite metric values, which JSON cannot carry as numbers,
become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from jobtrail.core.kinds import JobKey
from jobtrail.core.model import (
    JobCost,
    JobRecord,
    JobSummary,
    Metric,
    PipelineStep,
    StoredAlert,
    Transition,
    TuningFacts,
)
from jobtrail.core.times import iso


def summary_view(summary: JobSummary) -> dict[str, Any]:
    """The summary object of ``show --json`` and ``jobs --json`` (without ``final_metrics``).

    Every kind has the common fields; a training job keeps every field it always had, and each other
    kind adds its own (``kind_view``).
    """
    return {
        "kind": summary.kind,
        "account": summary.account,
        "region": summary.region,
        "job_name": summary.job_name,
        "job_arn": summary.job_arn,
        "status": summary.status,
        "failure_reason": summary.failure_reason,
        "creation_time": iso(summary.creation_time),
        "start_time": iso(summary.start_time),
        "end_time": iso(summary.end_time),
        "last_modified_time": iso(summary.last_modified_time),
        **kind_view(summary),
        "cost": cost_view(summary.cost),
    }


def cost_view(cost: JobCost | None) -> dict[str, Any] | None:
    """What a job cost (``null`` when not priced): ``usd`` (``null`` when unknown, with
    ``unknown_reason``), ``spot_savings_usd``, ``warm_pool_usd`` (included in ``usd``), ``hourly_usd``
    (the price used per instance type) and ``basis`` (``list``, ``list -15%``, ``override``, ``mixed``)."""
    if cost is None:
        return None
    return {
        "usd": usd_number(cost.usd),
        "unknown_reason": cost.reason if cost.usd is None else None,
        "spot_savings_usd": usd_number(cost.spot_savings_usd),
        "warm_pool_usd": usd_number(cost.warm_pool_usd),
        "hourly_usd": {name: usd_number(price) for name, price in cost.hourly},
        "basis": cost.basis,
    }


def usd_number(amount: Decimal | None) -> float | None:
    """A dollar amount as a JSON number (kept to the millionth it was computed to)."""
    return None if amount is None else float(amount)


def kind_view(summary: JobSummary) -> dict[str, Any]:
    """The fields of the summary that only its kind has."""
    match summary.kind:
        case "training":
            return {
                "secondary_status": summary.secondary_status,
                "training_start_time": iso(summary.start_time),
                "training_end_time": iso(summary.end_time),
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
        case "processing":
            return {
                "exit_message": summary.exit_message,
                "instance_type": summary.instance_type,
                "instance_count": summary.instance_count,
                "max_runtime_seconds": summary.max_runtime_seconds,
            }
        case "transform":
            return {
                "model_name": summary.model_name,
                "instance_type": summary.instance_type,
                "instance_count": summary.instance_count,
            }
        case "tuning":
            return tuning_view(summary.tuning)
        case "pipeline":
            return {"failed_step": summary.failed_step}


def tuning_view(tuning: TuningFacts | None) -> dict[str, Any]:
    """A tuning job's counters, objective and best training job."""
    facts = tuning or TuningFacts()
    return {
        "training_job_counts": dict(facts.training_job_counts),
        "objective_counts": dict(facts.objective_counts),
        "objective_metric": facts.objective_metric,
        "objective_type": facts.objective_type,
        "best_training_job": facts.best_training_job,
        "best_objective_value": None
        if facts.best_objective_value is None
        else json_number(facts.best_objective_value),
    }


def job_view(record: JobRecord) -> dict[str, Any]:
    """``show --json``: the summary plus ``final_metrics`` (and a pipeline execution's ``steps``)."""
    view = {**summary_view(record.summary), "final_metrics": [metric_view(m) for m in record.final_metrics]}
    if record.summary.kind == "pipeline":
        view["steps"] = [step_view(step) for step in record.steps]
    return view


def step_view(step: PipelineStep) -> dict[str, Any]:
    """One step of a pipeline execution, with the job it ran (``kind`` and ``job_name``)."""
    duration = (
        (step.end_time - step.start_time).total_seconds() if step.start_time and step.end_time else None
    )
    return {
        "step_name": step.name,
        "display_name": step.display_name,
        "step_type": step.step_type,
        "status": step.status,
        "start_time": iso(step.start_time),
        "end_time": iso(step.end_time),
        "duration_seconds": duration,
        "failure_reason": step.failure_reason,
        "attempts": step.attempts,
        "job": job_ref_view(step.job) if step.job else None,
    }


def job_ref_view(job: JobKey) -> dict[str, str]:
    """A reference to another job's history: what ``show --kind KIND NAME`` takes."""
    return {"kind": job.kind, "job_name": job.name, "account": job.account, "region": job.region}


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
        "kind": alert.job.kind,
        "account": alert.job.account,
        "region": alert.job.region,
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
