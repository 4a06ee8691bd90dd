"""Alerts and transitions to Slack: one handler for the notifier's two event sources.

- SNS records of ``AlertTopic`` (``EventSource: aws:sns``): an alert document each. In webhook mode it is
  posted as Block Kit to its route's webhook (``route.slack_webhook_secret``, a ``jobtrail/…`` secret) or
  the stack's; in app mode, as a reply in its job's thread (``slack_threads.post_alert``). A post that
  Slack does not accept raises, so Lambda retries the invocation and finally sends it to the on-failure
  destination.
- DynamoDB stream records of the history table's summary items (``eventSource: aws:dynamodb``, app mode
  only): the transitions a write added (new image against old), each a reply in its job's threads
  (``slack_threads.post_transition``). They are handled in order; at the first that fails, the rest of
  the batch is reported as failed from there (``batchItemFailures``), so that Lambda retries from that
  record and a job's replies keep their order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from jobtrail.core.slack_message import slack_payload
from jobtrail.core.slack_route import SlackRefused, alert_route, is_route_secret
from jobtrail.observability import MetricUnit, logger, metrics
from jobtrail.usecases.ports import SlackPoster

if TYPE_CHECKING:  # app mode's use case is imported when an app mode record comes: not in webhook mode
    from jobtrail.usecases.slack_threads import SlackAppDeps

SNS = "aws:sns"
DYNAMODB_STREAM = "aws:dynamodb"


class _KeywordDeps(msgspec.Struct, frozen=True, kw_only=True):
    """``NotifierDeps``' keyword-only fields (msgspec has no ``KW_ONLY`` marker; it puts a keyword-only
    base's fields after the subclass's own)."""

    webhook_for: Callable[[str], SlackPoster] | None = None
    app: SlackAppDeps | None = None


class NotifierDeps(_KeywordDeps, frozen=True):
    """Webhook mode: ``poster`` (the stack's webhook) and ``webhook_for`` (a route's webhook secret → its
    poster). App mode: ``app`` (the bot token's Web API and the threads in the table)."""

    poster: SlackPoster | None = None


class NotifyResult(msgspec.Struct):
    """What one invocation did: the alerts and transitions posted or skipped, and for a stream batch
    the record to retry from."""

    posted: list[str] = msgspec.field(default_factory=list)
    skipped: list[str] = msgspec.field(default_factory=list)
    retry_from: str | None = None
    stream: bool = False

    def response(self) -> dict[str, Any]:
        """The function's return value: a stream batch's partial failure report (Lambda reads it), or
        for SNS (which ignores it) what was posted."""
        if self.stream:
            failures = [{"itemIdentifier": self.retry_from}] if self.retry_from else []
            return {"batchItemFailures": failures}
        return {"posted": self.posted}


def notify(event: Mapping[str, Any], deps: NotifierDeps) -> NotifyResult:
    """Post every alert (SNS) or transition (DynamoDB stream) of ``event`` to Slack. Raises on a failed
    alert; a failed transition stops the batch there (``NotifyResult.retry_from``)."""
    result = NotifyResult()
    for record in event.get("Records", ()):
        source = record.get("EventSource") or record.get("eventSource")
        if source == SNS:
            _notify_alert(record, deps, result)
        elif source == DYNAMODB_STREAM:
            result.stream = True
            if not _notify_transition(record, deps, result):
                break
        else:
            raise ValueError(f"not an SNS or DynamoDB stream record: eventSource {source!r}")
    return result


def _notify_alert(record: Mapping[str, Any], deps: NotifierDeps, result: NotifyResult) -> None:
    try:
        document = json.loads(record["Sns"]["Message"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"an SNS record without an alert document: {error}") from error
    if not isinstance(document, dict):
        raise TypeError("an SNS record whose message is not a JSON object")
    alert_id = str(document.get("alert_id"))
    if deps.app is not None:
        from jobtrail.usecases import slack_threads  # noqa: PLC0415

        outcome = slack_threads.post_alert(document, deps.app)
        logger.info("alert posted to Slack", extra={"alert_id": alert_id, "outcome": outcome})
    else:
        _post_to_webhook(document, deps)
    result.posted.append(alert_id)


def _post_to_webhook(document: Mapping[str, Any], deps: NotifierDeps) -> None:
    """Post to the route's webhook; one that refuses it (its secret missing or unreadable, the webhook
    revoked, its channel gone) never stops the alert: it goes to the stack's webhook, and the log and
    ``SlackRouteFallbacks`` say why."""
    poster = _poster_for(document, deps)
    payload = slack_payload(document)
    try:
        poster.post(payload)
    except SlackRefused as error:
        if poster is deps.poster or deps.poster is None or not error.channel_refused:
            raise
        logger.warning(
            "the route's Slack webhook refused the alert; it goes to the stack's webhook",
            extra={"alert_id": document.get("alert_id"), "error": str(error)},
        )
        metrics.add_metric(name="SlackRouteFallbacks", unit=MetricUnit.Count, value=1)
        deps.poster.post(payload)


def _poster_for(document: Mapping[str, Any], deps: NotifierDeps) -> SlackPoster:
    """The webhook of the alert's route, or the stack's (a route's secret outside ``jobtrail/`` is one
    the function may not read: the alert goes to the stack's webhook, and the log says why)."""
    secret = alert_route(document).slack_webhook_secret
    if secret and deps.webhook_for is not None:
        if is_route_secret(secret):
            return deps.webhook_for(secret)
        logger.warning(
            "the route's webhook secret is not under jobtrail/: posting to the stack's webhook",
            extra={"alert_id": document.get("alert_id"), "secret": secret},
        )
    if deps.poster is None:
        raise ValueError("no Slack webhook configured")
    return deps.poster


def _notify_transition(record: Mapping[str, Any], deps: NotifierDeps, result: NotifyResult) -> bool:
    """Post the transitions one stream record adds (a job's summary rewritten); ``False`` (and
    ``retry_from`` set) if one failed: Lambda retries from the record, and the replies already posted
    are known to their threads, so none is posted twice."""
    stream = record.get("dynamodb")
    sequence = str(stream.get("SequenceNumber")) if isinstance(stream, Mapping) else ""
    if deps.app is None:
        raise ValueError("a DynamoDB stream record reached the notifier in webhook mode")
    refs = deps.app.threads.transitions_added(stream) if isinstance(stream, Mapping) else ()
    if not refs or record.get("eventName") not in {"INSERT", "MODIFY"}:
        logger.debug("stream record skipped: no new transition", extra={"sequence_number": sequence})
        result.skipped.append(sequence)
        return True
    from jobtrail.usecases import slack_threads  # noqa: PLC0415

    for ref in refs:
        name = f"{ref.job} {ref.status}"
        try:
            outcome = slack_threads.post_transition(ref, deps.app)
        except SlackRefused as error:
            if not error.channel_refused:
                return _retry_from(sequence, ref, error, result)
            # The channel will never take it: retrying would hold back the jobs behind it in the stream.
            logger.warning(
                "transition not posted: its thread's channel refuses posts",
                extra={"job": str(ref.job), "status": ref.status, "error": error.error},
            )
            metrics.add_metric(name="SlackTransitionsRefused", unit=MetricUnit.Count, value=1)
            result.skipped.append(name)
            continue
        except Exception as error:  # noqa: BLE001 - reported to Lambda, which retries from this record
            return _retry_from(sequence, ref, error, result)
        logger.info(
            "transition handled", extra={"job": str(ref.job), "status": ref.status, "outcome": outcome}
        )
        (result.posted if outcome in {"posted", "parent created"} else result.skipped).append(name)
    return True


def _retry_from(sequence: str, ref: Any, error: Exception, result: NotifyResult) -> bool:
    """Lambda retries the batch from this record (``batchItemFailures``)."""
    logger.exception(
        "transition not posted to Slack; the batch is retried from it",
        extra={"job": str(ref.job), "status": ref.status, "sequence_number": sequence, "error": str(error)},
    )
    result.retry_from = sequence
    return False
