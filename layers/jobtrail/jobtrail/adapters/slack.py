"""Slack: the incoming-webhook adapter of the ``SlackPoster`` port, the Web API adapter of the
``SlackMessages`` port (app mode: a bot token, threads), and their secrets.

The webhook URL and the bot token are secrets. They are read from Secrets Manager (``adapters.secrets``
keeps them a few minutes) and never logged: log lines and errors name the alert, the method and the
channel, not the credential. A post that still fails after its retries (429 with ``Retry-After``, 500 and 503,
connection errors before anything was sent) raises.

- Webhooks are posted with urllib3, which botocore has already loaded by the time the secret is read:
  slack_sdk's package loads its whole Web API client on import (about 50 ms of a cold start), for one
  JSON POST. urllib3's ``Retry`` does the retries; urllib3 logs request paths (the webhook's secret) at
  DEBUG and WARNING, so its loggers log errors only in a process that posts to webhooks.
- App mode calls the Web API through slack_sdk's ``WebClient`` with its retry handlers; slack_sdk logs
  requests at DEBUG, so its clients get a logger that never goes below WARNING.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from jobtrail.adapters.secrets import SecretsManagerSecrets, SecretUnreadable
from jobtrail.core.rate_limit import TokenBucket
from jobtrail.core.slack_route import SECRET_UNUSABLE, PostedMessage, SlackRefused

if TYPE_CHECKING:
    import urllib3
    from slack_sdk import WebClient

#: Retries inside one post, per kind of failure (urllib3's for webhooks, slack_sdk's for the Web API).
RATE_LIMIT_RETRIES = 2
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 2
#: Slack's limit for chat.postMessage: about one message per second per channel (short bursts allowed).
MESSAGES_PER_SECOND_PER_CHANNEL = 1.0
#: chat.update is a Tier 3 method: 50 or more a minute per workspace.
UPDATES_PER_SECOND = 50 / 60
#: slack_sdk logs request URLs at DEBUG and a failed request's error (which can quote the URL) at ERROR:
#: its client gets a logger that says nothing; this module raises what went wrong, without the secret.
_SDK_LOGGER = logging.getLogger("jobtrail.slack_sdk")
_SDK_LOGGER.setLevel(logging.CRITICAL + 1)
#: What a webhook URL and a bot token look like: printable, no whitespace (anything else would fail in
#: the HTTP layer with an error that quotes it).
_WEBHOOK_URL = re.compile(r"https://[!-~]+")
_BOT_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+")
#: botocore logs every response body at DEBUG, a secret's value included (GetSecretValue): in a process
#: that reads Slack's secrets, its parser never logs below INFO, whatever the root logger's level.
logging.getLogger("botocore.parsers").setLevel(logging.INFO)
#: urllib3 logs each request's path (a webhook's secret: "POST /services/T…/B…/…") at DEBUG, and again in
#: its WARNING before retrying a broken connection: in a process that posts to webhooks, it logs errors only.
logging.getLogger("urllib3").setLevel(logging.ERROR)


class SlackPostFailed(Exception):
    """Slack did not accept a post (status and Slack's short error body, never the URL)."""


class SecretUnusable(SlackPostFailed, SlackRefused):
    """A Slack secret cannot be read or holds no URL or token: nothing was posted."""

    def __init__(self, message: str) -> None:
        SlackPostFailed.__init__(self, message)
        self.error = SECRET_UNUSABLE


class WebhookRefused(SlackPostFailed, SlackRefused):
    """The webhook answered 4xx (``no_service``, ``channel_not_found``, ``invalid_token``…): nothing was
    posted (``core.slack_thread.SlackRefused``)."""

    def __init__(self, status: int, body: str) -> None:
        SlackPostFailed.__init__(self, f"Slack answered {status}: {body[:200]}")
        self.error = body.strip()


class WebhookUnreachable(SlackPostFailed):
    """No answer from the webhook's host (refused, unreachable, timed out): nothing or something may have
    been posted."""


class WebhookPoster:
    """The ``SlackPoster`` port: a JSON POST to an incoming webhook, through urllib3 with its retries.

    ``url`` is a callable so the secret is fetched when needed (and kept by ``adapters.secrets``), not held in
    an attribute that a ``repr`` or a debugger could show.
    """

    def __init__(self, url: Callable[[], str], *, timeout: int = 10) -> None:
        self._url = url
        self._timeout = timeout

    def post(self, payload: Mapping[str, Any]) -> None:
        # The secret first: reading it is the cold start's first request to AWS (which loads urllib3).
        url = self._url()
        import urllib3  # noqa: PLC0415 - loaded by botocore already; only the notifier posts

        try:
            response = _webhook_pool().request(
                "POST",
                url,
                body=json.dumps(payload, separators=(",", ":")).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=urllib3.Timeout(total=self._timeout),
                retries=_webhook_retry(),
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as error:
            unreachable = _why_unreachable(error)
        else:
            unreachable = ""
        if unreachable:
            # urllib3's messages quote the URL's path (the secret): raised outside the except block, so no
            # traceback carries urllib3's error along; only the reason is named.
            raise WebhookUnreachable(f"the Slack webhook could not be reached: {unreachable}")
        body = response.data.decode("utf-8", "replace")
        if 400 <= response.status < 500:
            raise WebhookRefused(response.status, body)
        if response.status != 200:
            raise SlackPostFailed(f"Slack answered {response.status}: {body[:200]}")


def _why_unreachable(error: Exception) -> str:
    """Why a post got no answer, without the URL: the operating system's reason (``Connection refused``)
    when there is one, else the kind of failure (``ReadTimeoutError``)."""
    reason = getattr(error, "reason", None) or error
    seen = 0
    cause: BaseException | None = reason
    while cause is not None and seen < 5:  # a bounded walk down the causes
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return type(reason).__name__


@cache
def _webhook_pool() -> urllib3.PoolManager:
    """One connection pool per container: a warm notifier reuses its TLS connection to hooks.slack.com."""
    import urllib3  # noqa: PLC0415

    return urllib3.PoolManager()


def _webhook_retry() -> urllib3.Retry:
    """What slack_sdk's retry handlers did for a webhook, as urllib3's ``Retry``: a 429 after its
    ``Retry-After``; a 500 or 503 with a short backoff; a connection that failed before the request was
    sent. Never a read error or a timeout after sending (the message may have been posted), never a
    redirect. Once the retries are spent, the last answer is returned (and raised above)."""
    import urllib3  # noqa: PLC0415

    return urllib3.Retry(
        total=None,
        connect=CONNECTION_ERROR_RETRIES,
        read=0,
        redirect=0,
        other=0,
        status=max(RATE_LIMIT_RETRIES, SERVER_ERROR_RETRIES),
        status_forcelist=(429, 500, 503),
        allowed_methods=frozenset({"POST"}),
        backoff_factor=0.5,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def webhook_url_from_secret(secrets: SecretsManagerSecrets, secret_arn: str) -> Callable[[], str]:
    """A callable returning the webhook URL stored in ``secret_arn`` (plain, or JSON ``{"url": …}``).
    ``secret_arn`` may also be a secret's name (a route's ``jobtrail/…`` webhook)."""

    def read() -> str:
        text = _secret_value(secrets, secret_arn, "url")
        if not _WEBHOOK_URL.fullmatch(text):
            raise SecretUnusable("the Slack webhook secret does not hold an https URL (one line, no spaces)")
        return text

    return read


def bot_token_from_secret(secrets: SecretsManagerSecrets, secret_arn: str) -> Callable[[], str]:
    """A callable returning the bot token stored in ``secret_arn`` (plain ``xoxb-…``, or JSON
    ``{"token": …}``)."""

    def read() -> str:
        text = _secret_value(secrets, secret_arn, "token")
        if not _BOT_TOKEN.fullmatch(text):
            raise SlackPostFailed("the Slack bot token secret does not hold a Slack token (xoxb-…)")
        return text

    return read


def _secret_value(secrets: SecretsManagerSecrets, secret_id: str, key: str) -> str:
    """The secret's text, or its JSON object's ``key``; stripped."""
    try:
        text = secrets.text(secret_id)
    except SecretUnreadable as error:
        # The secret's name and Secrets Manager's error, never a value.
        raise SecretUnusable(f"the Slack secret cannot be read: {error}") from None
    if text.lstrip().startswith("{"):
        try:
            text = str(json.loads(text).get(key, ""))
        except (ValueError, AttributeError):
            raise SecretUnusable(f"the Slack secret is not valid JSON with a {key!r} key") from None
    return text.strip()


class SlackApiFailed(SlackPostFailed):
    """Slack's Web API failed a call (``ok: false``, or an HTTP error after the retries): the method,
    the channel and Slack's error code, with what to do about the common ones. Never the token."""

    def __init__(self, method: str, channel: str, error: str, status: int | None) -> None:
        self.method = method
        self.channel = channel
        self.error = error
        self.status = status
        hint = _HINTS.get(error)
        answer = f"{error} (HTTP {status})" if status and status != 200 else error
        super().__init__(f"Slack refused {method} in {channel}: {answer}" + (f": {hint}" if hint else ""))


class SlackApiRefused(SlackApiFailed, SlackRefused):
    """Slack said it did not take the message (``ok: false``, a 4xx, a 429 after the retries): nothing
    was posted (``core.slack_thread.SlackRefused``)."""

    def __init__(self, method: str, channel: str, error: str, status: int | None) -> None:
        SlackApiFailed.__init__(self, method, channel, error, status)
        self.error = error


#: Answers after which Slack may have kept the message all the same (Slack's docs: part of the operation
#: may have succeeded): a post that got one must not be given up as not posted.
_UNKNOWN_OUTCOME = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable"})


#: What to do about the errors a person can fix (Slack's error codes for chat.postMessage and chat.update).
_HINTS = {
    "channel_not_found": "no such channel, or a private one the app was not invited to "
    "(check SlackChannel and the routes' channels)",
    "not_in_channel": "invite the app to the channel (/invite @app), or give it the chat:write.public scope",
    "is_archived": "the channel is archived",
    "invalid_auth": "the bot token is not valid: check the token's secret (SlackBotTokenSecretArn)",
    "not_authed": "no bot token was sent: check the token's secret (SlackBotTokenSecretArn)",
    "token_revoked": "the bot token was revoked: reinstall the app and update the token's secret",
    "account_inactive": "the app's token belongs to a deactivated user or workspace",
    "missing_scope": "the app lacks a scope: it needs chat:write (and chat:write.public for channels it "
    "has not joined)",
    "ratelimited": "Slack kept answering 429 after the retries; the next attempt waits longer",
    "message_not_found": "the thread's parent message was deleted",
}


class SlackWebApi:
    """The ``SlackMessages`` port through slack_sdk's ``WebClient``: ``chat.postMessage`` (a parent,
    or a reply in a thread, broadcast or not) and ``chat.update``, with slack_sdk's retry handlers for
    429 (honouring ``Retry-After``), server and connection errors.

    Slack allows about one message per second per channel: every post first takes a token from that
    channel's bucket (waiting if need be), and updates from one shared bucket (Tier 3). The buckets live
    as long as this object (a container); the function's reserved concurrency of 1 makes that the whole
    deployment. ``token`` is a callable (see ``WebhookPoster``); ``base_url`` points the client elsewhere
    than ``https://slack.com/api/`` (tests and the demo: a loopback fake); ``clock`` and ``sleep`` drive
    the buckets.
    """

    def __init__(
        self,
        token: Callable[[], str],
        *,
        base_url: str | None = None,
        timeout: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = token
        self._base_url = base_url
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._channels: dict[str, TokenBucket] = {}
        self._updates = TokenBucket(UPDATES_PER_SECOND, capacity=5, clock=clock, sleep=sleep)
        # A channel's name and its ID (Slack answers with the ID) share one bucket.
        self._ids: dict[str, str] = {}

    def post(
        self,
        channel: str,
        message: Mapping[str, Any],
        *,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
    ) -> PostedMessage:
        """Post ``message`` (``text`` and ``blocks``) in ``channel`` (a name or an ID), in the thread of
        ``thread_ts`` if given, also shown in the channel with ``reply_broadcast``."""
        self._bucket(channel).acquire()
        response = self._call(
            "chat.postMessage",
            channel,
            # A post is not repeated on a server or connection error: Slack may have kept it, and a
            # second post would be a second message. Only 429 (nothing posted) is retried here.
            repeatable=False,
            call=lambda client: client.chat_postMessage(
                channel=channel,
                text=str(message.get("text") or ""),
                blocks=list(message.get("blocks") or ()),
                thread_ts=thread_ts,
                reply_broadcast=reply_broadcast if thread_ts else None,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        posted = PostedMessage(channel_id=str(response["channel"]), ts=str(response["ts"]))
        self._remember(channel, posted.channel_id)
        return posted

    def update(self, channel_id: str, ts: str, message: Mapping[str, Any]) -> None:
        """Replace the message ``ts`` in ``channel_id`` with ``message``."""
        self._updates.acquire()
        self._call(
            "chat.update",
            channel_id,
            repeatable=True,
            call=lambda client: client.chat_update(
                channel=channel_id,
                ts=ts,
                text=str(message.get("text") or ""),
                blocks=list(message.get("blocks") or ()),
            ),
        )

    def _remember(self, channel: str, channel_id: str) -> None:
        """From now on ``channel`` (a name) and ``channel_id`` share the bucket the name had."""
        if channel == channel_id or self._ids.get(channel) == channel_id:
            return
        self._ids[channel] = channel_id
        bucket = self._channels.pop(channel, None)
        if bucket is not None:
            self._channels.setdefault(channel_id, bucket)

    def _bucket(self, channel: str) -> TokenBucket:
        key = self._ids.get(channel, channel)
        if key not in self._channels:
            self._channels[key] = TokenBucket(
                MESSAGES_PER_SECOND_PER_CHANNEL, capacity=1, clock=self._clock, sleep=self._sleep
            )
        return self._channels[key]

    def _call(self, method: str, channel: str, *, repeatable: bool, call: Callable[[WebClient], Any]) -> Any:
        """``call`` on a client with slack_sdk's retry handlers: 429 always (nothing was done), server and
        connection errors only for a ``repeatable`` call. Raises ``SlackApiRefused`` when Slack said no,
        ``SlackApiFailed`` when it may have done it all the same."""
        from slack_sdk import WebClient  # noqa: PLC0415 - only the notifier needs it
        from slack_sdk.errors import SlackApiError  # noqa: PLC0415
        from slack_sdk.http_retry.builtin_handlers import (  # noqa: PLC0415
            ConnectionErrorRetryHandler,
            RateLimitErrorRetryHandler,
            ServerErrorRetryHandler,
        )

        options: dict[str, Any] = {"base_url": self._base_url} if self._base_url else {}
        client = WebClient(
            token=self._token(),
            timeout=self._timeout,
            logger=_SDK_LOGGER,
            retry_handlers=[
                RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
                *(
                    [
                        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
                        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_ERROR_RETRIES),
                    ]
                    if repeatable
                    else []
                ),
            ],
            **options,
        )
        try:
            return call(client)
        except SlackApiError as error:
            response = error.response
            code = str(response.get("error") or "unknown_error") if isinstance(response.data, dict) else ""
            status = response.status_code
            if status >= 500 or code in _UNKNOWN_OUTCOME or not code:
                raise SlackApiFailed(method, channel, code or "no JSON answer", status) from None
            raise SlackApiRefused(method, channel, code, status) from None
