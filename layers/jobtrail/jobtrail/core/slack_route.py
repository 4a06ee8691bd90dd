"""What the Slack notifier needs in every mode, and nothing heavier: an alert's route as its document
carries it, a channel's one spelling, and what the Slack adapters raise and return (pure, the standard
library and msgspec only: webhook mode's cold start imports this, not the thread messages of
``slack_thread``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

#: Secret names a route may give for its webhook (``jobtrail/…``): the only ones the notifier may read.
ROUTE_SECRET_PREFIX = "jobtrail/"  # noqa: S105 - a name prefix, not a secret


#: A route's secret that cannot be read (missing, denied) or holds no URL or token.
SECRET_UNUSABLE = "secret_unusable"  # noqa: S105 - an error code, not a secret
#: Slack's answers that say the channel (or the route's webhook) will not take the post, whatever the
#: retry: the alert goes to the default destination instead.
CHANNEL_REFUSALS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "channel_is_archived",
        "restricted_action",
        "no_service",
        "invalid_token",
        SECRET_UNUSABLE,
    }
)
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,20}$")


class SlackRefused(Exception):
    """Slack answered that it did not take the message (``ok: false``, a 4xx, a 429 after the retries):
    nothing was posted, so the post may be tried again or elsewhere. ``error`` is Slack's code. Any other
    failure (a timeout, a lost connection, a 5xx, ``internal_error``) leaves it unknown whether Slack kept
    the message."""

    #: Slack's error code (set by the adapter that raises it).
    error: str = ""

    @property
    def channel_refused(self) -> bool:
        """The channel (or webhook) itself refuses: retrying there cannot help."""
        return self.error in CHANNEL_REFUSALS


def normalize_channel(channel: str) -> str:
    """One spelling per channel, so that a thread is keyed once: an ID as it is, a name with its ``#``
    (``ml-alerts`` and ``#ml-alerts`` are one channel)."""
    text = channel.strip()
    return text if _CHANNEL_ID.match(text) else "#" + text.lstrip("#")


class PostedMessage(msgspec.Struct, frozen=True):
    """A message Slack accepted: the channel's ID (Slack answers with it even for a name) and its ``ts``."""

    channel_id: str
    ts: str


class AlertRoute(msgspec.Struct, frozen=True):
    """Where an alert document asks to go (routing's ``route``) and the team its job belongs to. Every
    field is ``None`` when the document does not say (alerts from before routing)."""

    team: str | None = None
    slack_channel: str | None = None
    slack_webhook_secret: str | None = None
    reason: str | None = None


def alert_route(document: Mapping[str, Any]) -> AlertRoute:
    """The route of an alert document: ``route`` (an object, or absent/null) and ``team``. A value of
    the wrong type counts as absent: a bad route never stops an alert, it goes to the default."""
    route = document.get("route")
    route = route if isinstance(route, Mapping) else {}
    return AlertRoute(
        team=text_or_none(document.get("team")) or text_or_none(route.get("team")),
        slack_channel=_channel(route.get("slack_channel")),
        slack_webhook_secret=text_or_none(route.get("slack_webhook_secret")),
        reason=text_or_none(route.get("reason")),
    )


def _channel(value: Any) -> str | None:
    text = text_or_none(value)
    return normalize_channel(text) if text else None


def is_route_secret(secret: str) -> bool:
    """Whether ``secret`` (a name or an ARN) is one the notifier may read: under ``jobtrail/``."""
    name = secret.split(":secret:", 1)[1] if secret.startswith("arn:") and ":secret:" in secret else secret
    return name.startswith(ROUTE_SECRET_PREFIX) and len(name) > len(ROUTE_SECRET_PREFIX)


def is_test_alert(document: Mapping[str, Any]) -> bool:
    """A test alert (``jobtrail alerts test``): ``"test": true``; it belongs to no stored job."""
    return document.get("test") is True


def text_or_none(value: Any) -> str | None:
    """A non-empty string, stripped, or ``None``."""
    return value.strip() or None if isinstance(value, str) else None
