"""Which transitions alert, and what the alert says: pure functions, no AWS.

An alert is due for each *transition* whose status is in the alert set (``AlertOn``), identified like the
transition by ``(status, start time)`` — so a spot job interrupted twice alerts twice, and a duplicate
event never alerts again. The SNS message is built once, when the alert is created, and stored with it:
a retry publishes exactly the same document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from jobtrail.core.model import Alert, JobRecord, Transition, alert_id_for
from jobtrail.core.times import iso
from jobtrail.core.views import metric_view

DEFAULT_ALERT_ON = frozenset({"Failed", "MaxRuntimeExceeded", "Interrupted"})
CRITICAL = frozenset({"Failed", "MaxRuntimeExceeded"})
#: SNS limits the subject to 100 printable ASCII characters, without line breaks.
MAX_SUBJECT_LENGTH = 100
SAGEMAKER_LOG_GROUP = "/aws/sagemaker/TrainingJobs"


def parse_alert_on(text: str | None) -> frozenset[str]:
    """``"Failed, MaxRuntimeExceeded"`` → the set; empty or ``None`` means the default set."""
    statuses = frozenset(part.strip() for part in (text or "").split(",") if part.strip())
    return statuses or DEFAULT_ALERT_ON


def severity_of(alert_type: str) -> str:
    return "critical" if alert_type in CRITICAL else "warning"


def alerts_due(
    record: JobRecord, new_transitions: Iterable[Transition], alert_on: frozenset[str]
) -> tuple[Alert, ...]:
    """One alert per new transition whose status is in ``alert_on``."""
    return tuple(
        build_alert(record, transition) for transition in new_transitions if transition.status in alert_on
    )


def build_alert(
    record: JobRecord,
    transition: Transition,
    *,
    alert_type: str | None = None,
    status_message: str | None = None,
) -> Alert:
    """The alert for ``transition`` of the job described by ``record``.

    ``alert_type`` defaults to the transition's status; reconciliation passes ``Stalled`` (with its own
    ``status_message``) for a job whose last transition is too old.
    """
    summary = record.summary
    kind = alert_type or transition.status
    region = _region_of(summary.job_arn)
    document: dict[str, Any] = {
        "alert_id": alert_id_for(summary.job_name, kind, transition.start_time),
        "alert_type": kind,
        "severity": severity_of(kind),
        "job_name": summary.job_name,
        "job_arn": summary.job_arn,
        "status": summary.status,
        "secondary_status": summary.secondary_status,
        "transition_start_time": iso(transition.start_time),
        "status_message": status_message or transition.message,
        "failure_reason": summary.failure_reason,
        "training_time_seconds": summary.training_time_seconds,
        "billable_time_seconds": summary.billable_time_seconds,
        "managed_spot": summary.managed_spot,
        "spot_savings_percent": summary.spot_savings_percent,
        "instance_type": summary.instance_type,
        "instance_count": summary.instance_count,
        "creation_time": iso(summary.creation_time),
        "training_start_time": iso(summary.training_start_time),
        "training_end_time": iso(summary.training_end_time),
        "tuning_job_arn": summary.tuning_job_arn,
        "final_metrics": [metric_view(m) for m in record.final_metrics] or None,
        "console_url": console_url(region, summary.job_name),
        "logs_url": logs_url(region, summary.job_name),
    }
    return Alert(
        job_name=summary.job_name,
        alert_type=kind,
        transition_start_time=transition.start_time,
        severity=document["severity"],
        subject=subject_for(kind, summary.job_name),
        message=json.dumps(document, ensure_ascii=False, allow_nan=False),
    )


def subject_for(alert_type: str, job_name: str) -> str:
    """``Failed: <job>`` — printable ASCII on one line, at most 100 characters for any input."""
    text = f"{alert_type}: {job_name}"
    safe = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    return safe if len(safe) <= MAX_SUBJECT_LENGTH else safe[: MAX_SUBJECT_LENGTH - 3] + "..."


def console_url(region: str, job_name: str) -> str:
    """The job's page in the SageMaker console."""
    return f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/jobs/{quote(job_name)}"


def logs_url(region: str, job_name: str) -> str:
    """The job's log streams (``/aws/sagemaker/TrainingJobs``, streams named ``<job>/algo-…``)."""
    group = _console_escape(SAGEMAKER_LOG_GROUP)
    prefix = _console_escape(f"{job_name}/")
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logsV2:log-groups/log-group/{group}$3FlogStreamNameFilter$3D{prefix}"
    )


def _console_escape(text: str) -> str:
    """The CloudWatch console's fragment encoding: URL-encode, then ``%`` becomes ``$25``."""
    return quote(text, safe="").replace("%", "$25")


def _region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else "us-east-1"
