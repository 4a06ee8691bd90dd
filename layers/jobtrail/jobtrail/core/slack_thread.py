"""One Slack thread per job (Slack app mode): what a thread is, what its parent and replies say (pure).

A job has one parent message per channel: a card of the job as it is now (kind, name, status, duration,
team, links), posted when the job first alerts (or, with ``SlackThreadAll``, when it is first seen) and
edited in place as the job moves. Each later transition is a reply in its thread; an alert is a reply
broadcast to the channel, with the same Block Kit as the webhook mode (``slack_message.slack_payload``).

Each reply has a key (``reply_key``) that the thread's item remembers once posted, so a redelivery does
not post it again. A parent's ``digest`` lets the notifier skip a ``chat.update`` that would change nothing.
Everything here fits Slack's limits whatever the input, as ``slack_message`` does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from jobtrail.core.alerts import ConsoleLinks, console_link, console_url, log_source, logs_url
from jobtrail.core.kinds import KINDS, SPECS, JobKey
from jobtrail.core.model import JobRecord, StoredJob, Transition
from jobtrail.core.slack_message import (
    BUTTON_TEXT_LIMIT,
    FALLBACK_LIMIT,
    FIELD_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    URL_LIMIT,
    escape,
    fit,
    slack_payload,
    utf16_length,
)
from jobtrail.core.slack_route import (
    alert_route,
    normalize_channel,
    text_or_none,
)
from jobtrail.core.times import human_duration, iso

#: The status a job or transition is in, as an emoji (others: a neutral dot).
STATUS_ICONS = {
    "Failed": ":x:",
    "MaxRuntimeExceeded": ":x:",
    "MaxWaitTimeExceeded": ":x:",
    "DeleteFailed": ":x:",
    "Interrupted": ":warning:",
    "Stalled": ":warning:",
    "Completed": ":white_check_mark:",
    "Succeeded": ":white_check_mark:",
    "Stopping": ":black_square_for_stop:",
    "Stopped": ":black_square_for_stop:",
    "InProgress": ":arrow_forward:",
    "Executing": ":arrow_forward:",
    "Training": ":arrow_forward:",
}
DEFAULT_ICON = ":small_blue_diamond:"


class SlackThread(msgspec.Struct, frozen=True):
    """A job's thread in one channel, as stored with the job.

    ``channel`` is the channel as configured (a name or an ID): with the job, it identifies the thread.
    ``channel_id`` and ``ts`` are what ``chat.postMessage`` answered for the parent; both are ``None``
    while a notifier holds the claim to post it (``claim_token`` until ``claimed_until``). ``posted``
    holds the keys of the replies already in the thread, ``parent_digest`` the parent as last rendered.
    """

    channel: str
    channel_id: str | None = None
    ts: str | None = None
    team: str | None = None
    claim_token: str | None = None
    claimed_until: datetime | None = None
    posted: frozenset[str] = frozenset()
    parent_digest: str | None = None

    @property
    def has_parent(self) -> bool:
        return self.ts is not None and self.channel_id is not None


class TransitionRef(msgspec.Struct, frozen=True):
    """A transition named by a stream record's keys: its job and its identity (status, start time)."""

    job: JobKey
    status: str
    start_time: datetime

    @property
    def key(self) -> tuple[str, datetime]:
        return (self.status, self.start_time)


def alert_job(document: Mapping[str, Any]) -> JobKey | None:
    """The job an alert document is about, or ``None`` when it names none completely (a test alert)."""
    kind = document.get("kind")
    parts = [document.get(key) for key in ("account", "region", "job_name")]
    if kind not in KINDS or not all(isinstance(part, str) and part for part in parts):
        return None
    account, region, name = (str(part) for part in parts)
    return JobKey(account=account, region=region, kind=kind, name=name)


def alert_reply_key(document: Mapping[str, Any]) -> str:
    """The key an alert's reply is remembered by in its thread (its type and transition's start)."""
    return f"alert:{document.get('alert_type')}@{document.get('transition_start_time')}"


def transition_reply_key(transition: Transition | TransitionRef) -> str:
    """The key a transition's reply is remembered by in its thread (its status and start)."""
    return f"transition:{transition.status}@{iso(transition.start_time)}"


def was_alerted(job: StoredJob, transition: Transition) -> bool:
    """Whether ``transition`` raised an alert (stored with the job, before the transition): that
    alert, sent through SNS, is the thread's reply for it."""
    return any(stored.alert.key == transition.key for stored in job.alerts)


def thread_start(job: StoredJob, *, thread_all: bool) -> datetime | None:
    """When the job's thread begins, in the job's time: at its first alert's transition (a thread starts
    with the job's first alert), or ``None`` with ``SlackThreadAll`` (it starts with the job)."""
    if thread_all or not job.alerts:
        return None
    return min(stored.alert.transition_start_time for stored in job.alerts)


class Reply(msgspec.Struct, frozen=True):
    """A reply a thread shows: its key, its message, and whether it is also sent to the channel."""

    key: str
    message: dict[str, Any]
    broadcast: bool
    start_time: datetime


def replies_before(
    job: StoredJob, until: datetime, *, since: datetime | None, channel: str, default_channel: str
) -> list[Reply]:
    """What a thread shows before the moment ``until`` (a transition's or an alert's start), in the job's
    order: the transitions and alerts that started since the thread began (``since``; ``None``: from the
    first) and before ``until``; a transition that raised an alert is shown by its alert. Recorded in one
    write, they reach the notifier in any order (SNS, the table's stream): each post first posts those
    not in the thread yet, so the thread reads in order. Only the alerts routed to ``channel`` (the
    thread's; no route: ``default_channel``) are its replies."""
    replies = [
        Reply(transition_reply_key(t), transition_message(job.key, t), False, t.start_time)
        for t in job.transitions
        if not was_alerted(job, t)
    ]
    for stored in job.alerts:
        document = json.loads(stored.alert.message)
        if (alert_route(document).slack_channel or normalize_channel(default_channel)) != channel:
            continue
        start = stored.alert.transition_start_time
        replies.append(Reply(alert_reply_key(document), slack_payload(document), True, start))
    return sorted(
        (r for r in replies if (since is None or r.start_time >= since) and r.start_time < until),
        key=lambda r: (r.start_time, not r.broadcast),
    )


# -- the parent: a card of the job ---------------------------------------------------------------------


class JobCard(msgspec.Struct, frozen=True):
    """What a job's parent message shows: the job as it is now."""

    job: JobKey
    status: str
    secondary_status: str | None = None
    duration_seconds: float | None = None
    start_time: str | None = None
    team: str | None = None
    console_url: str | None = None
    logs_url: str | None = None


def card_from_record(record: JobRecord, *, team: str | None, links: ConsoleLinks | None = None) -> JobCard:
    """The card of a stored job (its summary as last recorded); its links open the job's account
    through ``links`` as its alerts' do (``None``: plain console links)."""
    summary = record.summary
    # A training job's own counter (as its alerts show it), else its start to its end
    duration: float | None = None
    if summary.training_time_seconds is not None:
        duration = float(summary.training_time_seconds)
    elif summary.start_time is not None and summary.end_time is not None:
        duration = (summary.end_time - summary.start_time).total_seconds()
    source = log_source(record)
    console = console_link(console_url(summary.key), summary.account, links)
    if console is None and summary.kind == "pipeline":
        failed = record.step_that_failed
        step = failed.job if failed is not None else None
        console = console_link(console_url(step), step.account, links) if step is not None else None
    return JobCard(
        job=summary.key,
        status=summary.status,
        secondary_status=summary.secondary_status,
        duration_seconds=duration,
        start_time=iso(summary.start_time or summary.creation_time),
        team=team,
        console_url=console,
        logs_url=console_link(logs_url(source), source.account, links) if source is not None else None,
    )


def card_from_alert(document: Mapping[str, Any], job: JobKey, *, team: str | None) -> JobCard:
    """The card of a job known only from its alert document (not stored: never the case for alerts
    ingest raised, but the notifier does not depend on it)."""
    seconds = document.get("training_time_seconds")
    return JobCard(
        job=job,
        status=text_or_none(document.get("status")) or "-",
        secondary_status=text_or_none(document.get("secondary_status")),
        duration_seconds=float(seconds) if isinstance(seconds, int | float) else None,
        start_time=text_or_none(document.get("start_time")) or text_or_none(document.get("creation_time")),
        team=team,
        console_url=text_or_none(document.get("console_url"))
        or text_or_none(document.get("failed_step_console_url")),
        logs_url=text_or_none(document.get("logs_url")),
    )


def parent_message(card: JobCard) -> dict[str, Any]:
    """The parent's ``text`` and ``blocks``: header (the job's name), status, duration, team, start, links."""
    spec = SPECS[card.job.kind]
    status = " · ".join(dict.fromkeys(s for s in (card.status, card.secondary_status) if s))
    icon = STATUS_ICONS.get(card.status, DEFAULT_ICON)
    fields = [
        ("Status", status or "-"),
        ("Duration", human_duration(card.duration_seconds) if card.duration_seconds is not None else "-"),
        ("Team", card.team or "-"),
        ("Started", card.start_time or "-"),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": fit(card.job.name, HEADER_LIMIT)}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": fit(f"{icon} {escape(f'{spec.noun} · {status}')}", SECTION_LIMIT),
            },
            "fields": [_field(label, value) for label, value in fields],
        },
    ]
    buttons = [
        button
        for button in (
            _button("Open in SageMaker", card.console_url, "console"),
            _button("Training logs" if card.job.kind == "training" else "Logs", card.logs_url, "logs"),
        )
        if button
    ]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    context = f"jobtrail · {card.job.account} · {card.job.region} · transitions and alerts in the thread"
    blocks.append({"type": "context", "elements": [_mrkdwn(fit(escape(context), FIELD_LIMIT))]})
    return {"text": fit(f"{spec.noun} {card.job.name}: {status or '-'}", FALLBACK_LIMIT), "blocks": blocks}


def transition_message(job: JobKey, transition: Transition) -> dict[str, Any]:
    """A reply for one transition: its status and start, and SageMaker's message about it."""
    icon = STATUS_ICONS.get(transition.status, DEFAULT_ICON)
    line = f"{icon} *{escape(transition.status)}* at {iso(transition.start_time)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": fit(line, SECTION_LIMIT)}}
    ]
    if transition.message:
        blocks.append(
            {"type": "context", "elements": [_mrkdwn(fit(escape(transition.message), FIELD_LIMIT))]}
        )
    return {"text": fit(f"{transition.status}: {job.name}", FALLBACK_LIMIT), "blocks": blocks}


def digest(message: Mapping[str, Any]) -> str:
    """A short fingerprint of a message: equal for equal content, whatever the key order."""
    canonical = json.dumps(message, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _field(label: str, value: str) -> dict[str, str]:
    return _mrkdwn(fit(f"*{label}*\n{escape(value)}", FIELD_LIMIT))


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _button(text: str, url: str | None, action_id: str) -> dict[str, Any] | None:
    if not url or not url.startswith("https://") or utf16_length(url) > URL_LIMIT:
        return None
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": fit(text, BUTTON_TEXT_LIMIT)},
        "url": url,
        "action_id": action_id,
    }
