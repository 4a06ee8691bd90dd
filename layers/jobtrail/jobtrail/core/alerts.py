"""Which transitions alert, and what the alert says: pure functions, no AWS.

An alert is due for each *transition* whose status is in the alert set (``AlertOn``), identified like the
transition by ``(status, start time)`` — so a spot job interrupted twice alerts twice, and a duplicate
event never alerts again. The SNS message is built once, when the alert is created, and stored with it:
a retry publishes exactly the same document, routed to the same team (``core.routing``).

Its console and log links open the job's own account when the stack knows its AWS access portal
(``ConsoleLinks``: an IAM Identity Center shortcut per link, made when the alert is), and are the plain
console pages otherwise; the message says the account and region either way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

import msgspec

from jobtrail.core.kinds import SPECS, JobKey, Kind
from jobtrail.core.log_tail import NO_LOG_TAIL, LogTail, console_escape
from jobtrail.core.model import Alert, JobRecord, Transition, alert_id_for, alert_id_for_test
from jobtrail.core.routing import RouteChoice, route_for
from jobtrail.core.times import iso
from jobtrail.core.views import cost_view, job_ref_view, kind_view, metric_view

#: The alert reconciliation raises for a job that stopped making progress: no transition causes it.
STALLED = "Stalled"

DEFAULT_ALERT_ON = frozenset({"Failed", "MaxRuntimeExceeded", "Interrupted"})
CRITICAL = frozenset({"Failed", "MaxRuntimeExceeded"})
#: SNS limits the subject to 100 printable ASCII characters, without line breaks.
MAX_SUBJECT_LENGTH = 100
SAGEMAKER_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
#: The alert type that carries the last lines of the job's log.
LOG_TAIL_ALERT = "Failed"


def parse_alert_on(text: str | None) -> frozenset[str]:
    """``"Failed, MaxRuntimeExceeded"`` → the set; empty or ``None`` means the default set."""
    statuses = frozenset(part.strip() for part in (text or "").split(",") if part.strip())
    return statuses or DEFAULT_ALERT_ON


def severity_of(alert_type: str) -> str:
    return "critical" if alert_type in CRITICAL else "warning"


def alerts_due(
    record: JobRecord,
    new_transitions: Iterable[Transition],
    alert_on: frozenset[str],
    *,
    log_tail: LogTail | None = None,
    route: RouteChoice | None = None,
    links: ConsoleLinks | None = None,
) -> tuple[Alert, ...]:
    """One alert per new transition whose status is in ``alert_on``, routed by ``route``, its links
    opened through ``links``; a ``Failed`` one carries ``log_tail`` (read by the caller:
    ``log_tail_wanted`` says when)."""
    return tuple(
        build_alert(record, transition, log_tail=log_tail, route=route, links=links)
        for transition in new_transitions
        if transition.status in alert_on
    )


def log_tail_wanted(alerts: Iterable[Alert]) -> bool:
    """Whether any of ``alerts`` would carry the job's log tail (only ``Failed`` alerts do)."""
    return any(alert.alert_type == LOG_TAIL_ALERT for alert in alerts)


def log_source(record: JobRecord) -> JobKey | None:
    """The job whose log a ``Failed`` alert of ``record`` quotes: the job itself, a pipeline
    execution's failed step's job, or ``None`` for a kind that writes no log (tuning)."""
    job = _failed_step_job(record) if record.key.kind == "pipeline" else record.key
    return job if job is not None and job.kind in LOG_GROUPS else None


def build_alert(
    record: JobRecord,
    transition: Transition,
    *,
    alert_type: str | None = None,
    status_message: str | None = None,
    log_tail: LogTail | None = None,
    route: RouteChoice | None = None,
    links: ConsoleLinks | None = None,
) -> Alert:
    """The alert for ``transition`` of the job described by ``record``.

    ``alert_type`` defaults to the transition's status; reconciliation passes ``Stalled`` (with its own
    ``status_message``) for a job whose last transition is too old. A ``Failed`` alert carries
    ``log_tail`` (``log_tail``/``log_tail_error``; both ``null`` for the other alerts or without a tail).
    ``route`` (the caller's ``route_for``; ``None``: no routes document) gives ``team`` and ``route``.
    ``links`` (the stack's AWS access portal; ``None``: none) turns every console and log link into a
    shortcut that opens the job's account (``console_link``).
    """
    summary = record.summary
    job = summary.key
    kind = alert_type or transition.status

    def link(url: str | None, owner: JobKey) -> str | None:
        return console_link(url, owner.account, links)

    chosen = route if route is not None else route_for(None, job, summary.tags)
    document: dict[str, Any] = {
        "alert_id": alert_id_for(job, kind, transition.start_time),
        "alert_type": kind,
        "severity": severity_of(kind),
        "kind": job.kind,
        "account": job.account,
        "region": job.region,
        "job_name": summary.job_name,
        "job_arn": summary.job_arn,
        "status": summary.status,
        "transition_start_time": iso(transition.start_time),
        "status_message": status_message or transition.message,
        "failure_reason": summary.failure_reason,
        "creation_time": iso(summary.creation_time),
        "start_time": iso(summary.start_time),
        "end_time": iso(summary.end_time),
        **_facts_of_kind(record),
        "console_url": link(console_url(job), job),
        "logs_url": link(logs_url(job), job),
    }
    if job.kind == "pipeline":
        step_job = _failed_step_job(record)
        document["console_url"] = None
        document["logs_url"] = link(logs_url(step_job), step_job) if step_job else None
        document["failed_step_console_url"] = link(console_url(step_job), step_job) if step_job else None
    tail = log_tail.message_fields() if log_tail is not None and kind == LOG_TAIL_ALERT else NO_LOG_TAIL
    if tail["log_tail"] and links is not None:
        owner = log_source(record) or job
        tail = {**tail, "log_tail": [{**s, "logs_url": link(s["logs_url"], owner)} for s in tail["log_tail"]]}
    document.update(tail)
    document.update(team=chosen.team, route=chosen.view())
    return Alert(
        job=job,
        alert_type=kind,
        transition_start_time=transition.start_time,
        severity=document["severity"],
        subject=subject_for(kind, summary.job_name, job.kind),
        message=json.dumps(document, ensure_ascii=False, allow_nan=False),
        team=chosen.team,
    )


def _facts_of_kind(record: JobRecord) -> dict[str, Any]:
    """The alert's fields that only one kind has (training keeps every field it always had)."""
    summary = record.summary
    metrics = [metric_view(m) for m in record.final_metrics] or None
    match summary.kind:
        case "training":
            return {
                "secondary_status": summary.secondary_status,
                "training_time_seconds": summary.training_time_seconds,
                "billable_time_seconds": summary.billable_time_seconds,
                "managed_spot": summary.managed_spot,
                "spot_savings_percent": summary.spot_savings_percent,
                "instance_type": summary.instance_type,
                "instance_count": summary.instance_count,
                "training_start_time": iso(summary.start_time),
                "training_end_time": iso(summary.end_time),
                "tuning_job_arn": summary.tuning_job_arn,
                "final_metrics": metrics,
                "cost": cost_view(summary.cost),
            }
        case "pipeline":
            failed = record.step_that_failed
            return {
                "failed_step": summary.failed_step,
                "failed_step_reason": failed.failure_reason if failed else None,
                "failed_step_job": job_ref_view(failed.job) if failed and failed.job else None,
                "steps": len(record.steps),
            }
        case "tuning":
            return {**kind_view(summary), "final_metrics": metrics}
        case "processing" | "transform":
            return {**kind_view(summary), "cost": cost_view(summary.cost)}


def _failed_step_job(record: JobRecord) -> JobKey | None:
    failed = record.step_that_failed
    return failed.job if failed else None


def subject_for(alert_type: str, job_name: str, kind: Kind = "training") -> str:
    """``Failed: <job>`` for a training job (as always), ``Failed: processing job <job>`` for the other
    kinds — printable ASCII on one line, at most 100 characters for any input."""
    noun = "" if kind == "training" else f"{SPECS[kind].noun} "
    text = f"{alert_type}: {noun}{job_name}"
    safe = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    return safe if len(safe) <= MAX_SUBJECT_LENGTH else safe[: MAX_SUBJECT_LENGTH - 3] + "..."


#: The SageMaker console's page for each kind's jobs (a pipeline execution has none: it lives in Studio).
_CONSOLE_PAGES: dict[Kind, str] = {
    "training": "jobs",
    "processing": "processing-jobs",
    "transform": "transform-jobs",
    "tuning": "hyper-tuning-jobs",
}
#: Each kind's CloudWatch log group; streams are named ``<job name>/…``. Tuning jobs and pipeline
#: executions write none (their training jobs and steps do).
LOG_GROUPS: dict[Kind, str] = {
    "training": SAGEMAKER_LOG_GROUP,
    "processing": "/aws/sagemaker/ProcessingJobs",
    "transform": "/aws/sagemaker/TransformJobs",
}


def console_url(job: JobKey) -> str | None:
    """The job's page in the SageMaker console, or ``None`` for a kind that has none."""
    page = _CONSOLE_PAGES.get(job.kind)
    if page is None:
        return None
    region = job.region or "us-east-1"
    return f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/{page}/{quote(job.name)}"


def logs_url(job: JobKey) -> str | None:
    """The job's log streams (``/aws/sagemaker/TrainingJobs``, streams named ``<job>/algo-…``), or
    ``None`` for a kind that writes no logs of its own."""
    log_group = LOG_GROUPS.get(job.kind)
    if log_group is None:
        return None
    region = job.region or "us-east-1"
    group = console_escape(log_group)
    prefix = console_escape(f"{job.name}/")
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logsV2:log-groups/log-group/{group}$3FlogStreamNameFilter$3D{prefix}"
    )


# -- links that open the job's account: IAM Identity Center shortcut links --------------------------------

#: The functions' environment variables for console links (the template's ``ConsolePortalUrl`` and
#: ``ConsoleRoleName``), read by the composition roots.
CONSOLE_PORTAL_URL_VARIABLE: Final = "JOBTRAIL_CONSOLE_PORTAL_URL"
CONSOLE_ROLE_NAME_VARIABLE: Final = "JOBTRAIL_CONSOLE_ROLE_NAME"
#: An AWS access portal URL as IAM Identity Center documents it (``https://d-xxxxxxxxxx.awsapps.com/start``,
#: or a customized ``https://your_subdomain.awsapps.com/start``), with or without a trailing slash: the
#: template's ``ConsolePortalUrl`` pattern is this one (a test checks).
PORTAL_URL: Final = re.compile(r"https://[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.awsapps\.com/start/?")
#: A permission set's name (the shortcut's ``role_name``): botocore's ``sso-admin`` ``PermissionSetName``.
PERMISSION_SET_NAME: Final = re.compile(r"[A-Za-z0-9_+=,.@-]{1,32}")


class ConsoleLinks(msgspec.Struct, frozen=True):
    """The stack's AWS access portal (IAM Identity Center), through which a link opens a console page in
    the account it belongs to, whatever account the reader is signed in to (or none): the portal's
    *shortcut links* (IAM Identity Center user guide, "Create shortcut links to AWS Management Console
    destinations"). ``role_name`` is the permission set to open it with; ``None``: the portal asks."""

    portal_url: str
    role_name: str | None = None

    def open(self, account: str, destination: str) -> str:
        """``destination`` (a console URL) opened in ``account``:
        ``<portal>/#/console?account_id=…[&role_name=…]&destination=<destination, URL-encoded>``."""
        role = f"&role_name={quote(self.role_name, safe='')}" if self.role_name else ""
        return (
            f"{self.portal_url.rstrip('/')}/#/console?account_id={account}{role}"
            f"&destination={quote(destination, safe='')}"
        )


def console_link(url: str | None, account: str, links: ConsoleLinks | None) -> str | None:
    """``url`` (a console or CloudWatch Logs page of ``account``) as a shortcut that opens that account,
    when the stack has a portal (``links``) — for every account, its own included: a reader may be signed
    in to another one. Without a portal (or an account), ``url`` itself; ``None`` stays ``None``."""
    if url is None or links is None or not account:
        return url
    return links.open(account, url)


def console_links_from_settings(portal_url: str, role_name: str = "") -> ConsoleLinks | None:
    """The template's ``ConsolePortalUrl`` and ``ConsoleRoleName`` (empty: not set) as ``ConsoleLinks``,
    or ``None`` without a portal. Raises ``ValueError`` naming the setting that is not valid."""
    portal, role = portal_url.strip(), role_name.strip()
    if role and not PERMISSION_SET_NAME.fullmatch(role):
        raise ValueError(
            f"ConsoleRoleName: {role!r} is not a permission set name (1-32 of A-Z a-z 0-9 _+=,.@-)"
        )
    if not portal:
        if role:
            raise ValueError("ConsoleRoleName needs ConsolePortalUrl (the access portal that opens the role)")
        return None
    if not PORTAL_URL.fullmatch(portal):
        raise ValueError(
            f"ConsolePortalUrl: {portal!r} is not an AWS access portal URL (https://<id>.awsapps.com/start)"
        )
    return ConsoleLinks(portal_url=portal.rstrip("/"), role_name=role or None)


def console_links_from_environment(environment: Mapping[str, str]) -> ConsoleLinks | None:
    """``console_links_from_settings`` of the functions' variables (unset: no portal)."""
    return console_links_from_settings(
        environment.get(CONSOLE_PORTAL_URL_VARIABLE, ""), environment.get(CONSOLE_ROLE_NAME_VARIABLE, "")
    )


# -- the test alert of ``jobtrail alerts test``: is the wiring right, from the topic to Slack and e-mail?

TEST_ALERT_TYPE = "Test"
TEST_SEVERITY = "info"
TEST_JOB_NAME = "jobtrail-test-alert"
TEST_SUBJECT = "Test: jobtrail alert wiring"
#: The fields only a training job's alert has: ``null`` in a test alert, so that it has them all.
_TRAINING_FACTS = (
    "secondary_status",
    "training_time_seconds",
    "billable_time_seconds",
    "managed_spot",
    "spot_savings_percent",
    "instance_type",
    "instance_count",
    "training_start_time",
    "training_end_time",
    "tuning_job_arn",
    "final_metrics",
    "cost",
)


def build_test_alert(
    now: datetime, *, account: str, region: str, sent_by: str | None = None, team: str | None = None
) -> Alert:
    """A clearly marked alert about no job: every field a training job's alert has (so subscribers'
    parsers take it), ``"test": true``, type ``Test``, severity ``info``, an id of its own
    (``test/<uuid>``), and a ``status_message`` saying who sent it and that nothing failed; routed to
    ``team`` when given (``team`` and ``route`` fields, ``team`` message attribute).

    Published by the CLI straight to the topic, never stored in the history table."""
    job = JobKey(account, region, "training", TEST_JOB_NAME)
    by = f" by {sent_by}" if sent_by else ""
    document: dict[str, Any] = {
        "alert_id": alert_id_for_test(job, now),
        "alert_type": TEST_ALERT_TYPE,
        "severity": TEST_SEVERITY,
        "test": True,
        "kind": job.kind,
        "account": account,
        "region": region,
        "job_name": TEST_JOB_NAME,
        "job_arn": None,
        "status": None,
        "transition_start_time": iso(now),
        "status_message": f"A test alert, sent{by} with `jobtrail alerts test` to check that alerts reach "
        "their subscribers. No job failed: there is nothing to do.",
        "failure_reason": None,
        "creation_time": None,
        "start_time": None,
        "end_time": None,
        **dict.fromkeys(_TRAINING_FACTS),
        "console_url": None,
        "logs_url": None,
        **NO_LOG_TAIL,
        "team": team,
        "route": None
        if team is None
        else {"team": team, "slack_channel": None, "slack_webhook_secret": None, "reason": "test alert"},
    }
    return Alert(
        job=job,
        alert_type=TEST_ALERT_TYPE,
        transition_start_time=now,
        severity=TEST_SEVERITY,
        subject=TEST_SUBJECT,
        message=json.dumps(document, ensure_ascii=False, allow_nan=False),
        test=True,
        team=team,
    )
