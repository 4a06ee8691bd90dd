"""Slack app mode: one thread per job and channel, its parent edited in place as the job moves.

An alert (from SNS) goes to its route's channel (``route.slack_channel``) or the default one: the job's
parent there is created if need be, the alert is posted as a reply broadcast to the channel, and the
parent is edited to show the job as it is now. A transition (from the table's stream) is a reply in each
thread the job has; a job without one is skipped, unless ``thread_all`` makes its first transition
create the parent (in the channel of the job's route: ``usecases.routes``). A transition that raised an
alert is left to the alert. A thread reads in the job's order: it starts with the job's first alert (the
transitions before it are not replies), and an alert's reply comes after the transitions before it, even
those recorded in the same write, which the stream brings later.

**Exactly one parent per job and channel.** Before posting it, a notifier claims the thread with a
conditional write (``SlackThreads.claim_parent``); it posts, then records the parent's ``ts`` under its
claim. A notifier that finds the claim held waits (up to ``PARENT_WAIT_SECONDS``) for that ``ts``, then
raises ``ParentPending`` so that its retry finds it. A failed post releases the claim. The one window for
a second parent: a notifier that dies after Slack accepted the parent and before its ``ts`` is recorded;
its claim expires after ``PARENT_CLAIM_SECONDS`` and the next event posts another parent (one per such
crash), like the SNS outbox's ``ALERT_CLAIM_SECONDS``.

**Replies are posted once.** Each is remembered in the thread's item once posted and looked for before
posting, so a redelivered alert or stream record posts nothing new. The window: a crash (or two
concurrent deliveries of one SNS message) between the post and that write repeats the reply.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from jobtrail.core.alerts import ConsoleLinks
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Claim, JobSummary, StoredJob, Transition
from jobtrail.core.slack_message import slack_payload
from jobtrail.core.slack_route import SlackRefused, alert_route, is_test_alert, normalize_channel
from jobtrail.core.slack_thread import (
    JobCard,
    SlackThread,
    TransitionRef,
    alert_job,
    alert_reply_key,
    card_from_alert,
    card_from_record,
    digest,
    parent_message,
    replies_before,
    thread_start,
    transition_message,
    transition_reply_key,
    was_alerted,
)
from jobtrail.observability import MetricUnit, logger, metrics
from jobtrail.usecases.ports import AlertRoutes, SlackMessages, SlackThreads
from jobtrail.usecases.routes import choose_route

#: How long a notifier holds the right to post a job's parent. Twice the function's timeout (60 s): once
#: it expires, the claimer's invocation has ended for sure, and a retry may post the parent itself.
PARENT_CLAIM_SECONDS = 120
#: How long a notifier waits for the parent another one is posting before it raises for a retry.
PARENT_WAIT_SECONDS = 10.0
PARENT_POLL_SECONDS = 0.5
#: A transition recorded this long after it started is history, not news (a backfill, a migration): it
#: is not posted.
NEWS_WINDOW = timedelta(hours=24)

Outcome = Literal[
    "posted",
    "already posted",
    "standalone",
    "parent created",
    "no job",
    "no thread",
    "covered by its alert",
    "old transition",
    "unknown transition",
    "before its thread",
]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ParentPending(Exception):
    """Another notifier is posting the job's parent in this channel: the retry will find its ``ts``."""


class SlackAppDeps(msgspec.Struct, frozen=True, kw_only=True):
    """What app mode talks to: Slack's Web API and the threads in the history table.

    ``default_channel`` (``SlackChannel``) takes the alerts whose route names no channel.
    ``thread_all`` (``SlackThreadAll``) gives every job a thread from its first transition, in
    the channel of the job's route by the routes document (``routes``; ``None``: none), else the default.
    ``links`` (``ConsolePortalUrl``; ``None``: none) makes a parent card's links open the job's account,
    as its alerts' links do. ``clock`` and ``sleep`` are injectable so tests can let claims expire and
    waits pass.
    """

    messages: SlackMessages
    threads: SlackThreads
    default_channel: str
    thread_all: bool = False
    routes: AlertRoutes | None = None
    links: ConsoleLinks | None = None
    clock: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep

    def route_of(self, job: JobSummary) -> tuple[str, str | None]:
        """The channel and team of a job's first-seen thread: its route's, else the default channel."""
        route = choose_route(job.key, job.tags, self.routes)
        return normalize_channel(route.slack_channel or self.default_channel), route.team


def post_alert(document: Mapping[str, Any], deps: SlackAppDeps) -> Outcome:
    """Post an alert document as a broadcast reply in its job's thread (created if need be), and edit
    the parent. A test alert, or one that names no job, is a message of its own: no thread, nothing
    written. A route's channel that refuses the post (not found, the app not in it, archived) never
    stops the alert: it goes to the default channel, and the log and ``SlackRouteFallbacks`` say why.
    Raises if Slack or the table failed (the caller's retry posts nothing twice)."""
    route = alert_route(document)
    channel = route.slack_channel or deps.default_channel
    try:
        return _post_alert_in(channel, document, route.team, deps)
    except SlackRefused as error:
        if not error.channel_refused or channel == deps.default_channel:
            raise
        _fell_back(channel, deps.default_channel, error, document.get("alert_id"))
        return _post_alert_in(deps.default_channel, document, route.team, deps)


def _post_alert_in(
    channel: str, document: Mapping[str, Any], team: str | None, deps: SlackAppDeps
) -> Outcome:
    job = None if is_test_alert(document) else alert_job(document)
    if job is None:
        deps.messages.post(channel, slack_payload(document))
        return "standalone"
    stored, threads = deps.threads.load(job)
    thread = threads.get(channel)
    team = team or (thread.team if thread else None)
    card = (
        card_from_record(stored, team=team, links=deps.links)
        if stored
        else card_from_alert(document, job, team=team)
    )
    thread, created = ensure_parent(job, channel, card, thread, deps)
    alerts = stored.alerts if stored is not None else ()
    alert = next((a.alert for a in alerts if a.alert.alert_id == document.get("alert_id")), None)
    if stored is not None and alert is not None:
        _catch_up(stored, thread, alert.transition_start_time, card=card, deps=deps)
    key = alert_reply_key(document)
    return _reply(
        job, thread, key, slack_payload(document), card=card, deps=deps, broadcast=True, fresh=created
    )


def _fell_back(channel: str, default: str, error: SlackRefused, alert_id: Any) -> None:
    logger.warning(
        "the route's Slack channel refused the alert; it goes to the default channel",
        extra={"channel": channel, "default_channel": default, "error": error.error, "alert_id": alert_id},
    )
    metrics.add_metric(name="SlackRouteFallbacks", unit=MetricUnit.Count, value=1)


def _catch_up(
    stored: StoredJob, thread: SlackThread, until: datetime, *, card: JobCard, deps: SlackAppDeps
) -> None:
    """Before a reply for the moment ``until``, the thread's earlier replies that it does not have yet, in
    the job's order (``slack_thread.replies_before``): an alert and the transitions recorded with it
    reach the notifier in any order, through SNS and the stream."""
    since = thread_start(stored, thread_all=deps.thread_all)
    replies = replies_before(
        stored, until, since=since, channel=thread.channel, default_channel=deps.default_channel
    )
    for reply in replies:
        if reply.key not in thread.posted:
            _reply(
                stored.key,
                thread,
                reply.key,
                reply.message,
                card=card,
                deps=deps,
                fresh=True,
                broadcast=reply.broadcast,
            )


def post_transition(ref: TransitionRef, deps: SlackAppDeps) -> Outcome:
    """Post a newly recorded transition as a reply in each of its job's threads, and edit their parents.

    Skipped: a job not stored or a transition not found (nothing to show), a transition that raised an
    alert (its alert is the reply), one that started more than ``NEWS_WINDOW`` ago (a backfill), and a job
    without a thread unless ``thread_all``, which creates its parent now: the parent shows the
    transition, so it is not a reply too.
    """
    stored, threads = deps.threads.load(ref.job)
    if stored is None:
        return "no job"
    transition = next((t for t in stored.transitions if t.key == ref.key), None)
    if transition is None:
        return "unknown transition"
    skipped = _not_news(stored, transition, deps)
    if skipped is not None:
        return skipped
    # A thread whose parent was refused (its claim given back) is no thread: its alert went elsewhere.
    now = deps.clock()
    live = {
        channel: thread
        for channel, thread in threads.items()
        if thread.has_parent or (thread.claimed_until is not None and thread.claimed_until > now)
    }
    targets: dict[str, SlackThread | None] = dict(live)
    first_team: str | None = None
    alerted = _alert_route(stored, deps)
    if not targets:
        if alerted is None and not deps.thread_all:
            return "no thread"
        # The job alerted but its alert has not reached Slack yet (the stream can overtake SNS): its
        # thread is due now, in the alert's channel; else SlackThreadAll's first-seen thread.
        channel, first_team = alerted or deps.route_of(stored.summary)
        targets = {channel: None}
    key = transition_reply_key(transition)
    outcomes: list[Outcome] = []
    for channel, found in targets.items():
        card = card_from_record(stored, team=found.team if found else first_team, links=deps.links)
        thread, created = ensure_parent(ref.job, channel, card, found, deps)
        if created and not live and alerted is None:  # the first-seen parent: this transition's message
            deps.threads.record_reply(ref.job, channel, key, parent_digest=None, team=None, now=deps.clock())
            outcomes.append("parent created")
            continue
        _catch_up(stored, thread, transition.start_time, card=card, deps=deps)
        message = transition_message(ref.job, transition)
        outcomes.append(_reply(ref.job, thread, key, message, card=card, deps=deps, fresh=created))
    return "posted" if "posted" in outcomes else outcomes[0]


def _alert_route(stored: StoredJob, deps: SlackAppDeps) -> tuple[str, str | None] | None:
    """The channel and team of the job's first alert (its route, fixed in its message), or ``None`` for
    a job that has not alerted."""
    if not stored.alerts:
        return None
    first = min(stored.alerts, key=lambda a: a.alert.transition_start_time).alert
    route = alert_route(json.loads(first.message))
    return route.slack_channel or deps.default_channel, route.team


def _not_news(stored: StoredJob, transition: Transition, deps: SlackAppDeps) -> Outcome | None:
    """Why a recorded transition is not a reply (``None``: it is): its alert is the reply, it started more
    than ``NEWS_WINDOW`` ago (a backfill), or before the job's thread began (its first alert)."""
    if was_alerted(stored, transition):
        return "covered by its alert"
    if transition.start_time < deps.clock() - NEWS_WINDOW:
        return "old transition"
    since = thread_start(stored, thread_all=deps.thread_all)
    if since is not None and transition.start_time < since:
        return "before its thread"
    return None


def ensure_parent(
    job: JobKey, channel: str, card: JobCard, thread: SlackThread | None, deps: SlackAppDeps
) -> tuple[SlackThread, bool]:
    """The job's thread in ``channel`` with its parent posted, and whether this call posted it.

    Claims the thread, posts the parent and records its ``ts``; waits a while for a parent another
    notifier is posting, then raises ``ParentPending``. A failed post gives the claim back and raises.
    """
    if thread is not None and thread.has_parent:
        return thread, False
    token = uuid.uuid4().hex
    deadline = deps.clock() + timedelta(seconds=PARENT_WAIT_SECONDS)
    while True:
        now = deps.clock()
        claim = Claim(token=token, until=now + timedelta(seconds=PARENT_CLAIM_SECONDS))
        if deps.threads.claim_parent(job, channel, claim, now=now):
            break
        current = deps.threads.thread(job, channel)
        if current is not None and current.has_parent:
            return current, False
        if now >= deadline:
            raise ParentPending(f"{job}: another notifier is posting its Slack parent in {channel}")
        deps.sleep(PARENT_POLL_SECONDS)
    message = parent_message(card)
    try:
        posted = deps.messages.post(channel, message)
    except SlackRefused:
        _release(job, channel, claim, deps)  # nothing was posted: the retry may post at once
        raise
    except Exception:
        # A timeout, a lost connection, a 5xx: Slack may have kept the parent. The claim stays until it
        # expires, so a retry does not post a second one at once (the crash window, no wider).
        logger.warning(
            "Slack's answer to the parent post is unknown; its claim expires before another is posted",
            extra={"job": str(job), "channel": channel},
        )
        raise
    try:
        recorded = deps.threads.record_parent(
            job, channel, claim, posted, parent_digest=digest(message), team=card.team, now=deps.clock()
        )
    except Exception:
        # The one window for a second parent: Slack has this one, the table does not know its ts.
        logger.exception(
            "Slack parent posted but not recorded; after the claim expires, another may be posted",
            extra={"job": str(job), "channel": channel, "ts": posted.ts},
        )
        raise
    if recorded is None:
        logger.warning(
            "Slack parent posted after its claim expired: the job has another parent in this channel",
            extra={"job": str(job), "channel": channel, "ts": posted.ts},
        )
        current = deps.threads.thread(job, channel)
        if current is None or not current.has_parent:
            raise ParentPending(f"{job}: its Slack parent in {channel} is being posted again")
        return current, False
    logger.info("Slack thread started", extra={"job": str(job), "channel": channel, "ts": posted.ts})
    return recorded, True


def _reply(
    job: JobKey,
    thread: SlackThread,
    key: str,
    message: Mapping[str, Any],
    *,
    card: JobCard,
    deps: SlackAppDeps,
    fresh: bool,
    broadcast: bool = False,
) -> Outcome:
    """Post the reply ``key`` unless the thread has it, edit the parent if it changed (unless ``fresh``:
    just posted with this card), and remember both."""
    if thread.channel_id is None or thread.ts is None:
        raise ValueError(f"{job}: the thread in {thread.channel} has no parent to reply to")
    outcome: Outcome = "already posted"
    if key not in thread.posted:
        deps.messages.post(thread.channel_id, message, thread_ts=thread.ts, reply_broadcast=broadcast)
        outcome = "posted"
    parent = parent_message(card)
    parent_digest: str | None = digest(parent)
    if not fresh and parent_digest != thread.parent_digest:
        try:
            deps.messages.update(thread.channel_id, thread.ts, parent)
        except Exception as error:  # noqa: BLE001 - the reply is out; the next event edits the parent
            logger.warning(
                "could not edit the Slack parent; the next event of the job will",
                extra={"job": str(job), "channel": thread.channel, "error": str(error)},
            )
            parent_digest = None
    deps.threads.record_reply(
        job, thread.channel, key, parent_digest=parent_digest, team=card.team, now=deps.clock()
    )
    return outcome


def _release(job: JobKey, channel: str, claim: Claim, deps: SlackAppDeps) -> None:
    """Give the claim back so the retry can post at once; if that fails too, the claim simply expires."""
    try:
        deps.threads.release_parent(job, channel, claim)
    except Exception:  # noqa: BLE001 - the claim expires after PARENT_CLAIM_SECONDS anyway
        logger.exception(
            "could not release the Slack parent claim; it will expire",
            extra={"job": str(job), "channel": channel},
        )
