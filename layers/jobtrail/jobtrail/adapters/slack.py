"""Slack: the incoming-webhook adapter of the ``SlackPoster`` port, and the webhook secret.

The webhook URL is a secret. It is read from Secrets Manager through Powertools parameters (cached),
handed straight to ``slack_sdk``'s ``WebhookClient`` and never logged: log lines name the alert, not the
destination. A post that still fails after slack_sdk's retries (429 with ``Retry-After``, 5xx) raises.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

#: Retries slack_sdk makes inside one post, per kind of failure.
RATE_LIMIT_RETRIES = 2
SERVER_ERROR_RETRIES = 2
#: Seconds Powertools keeps the webhook secret before reading it again.
SECRET_MAX_AGE = 300
#: slack_sdk logs request URLs at DEBUG: its client gets a logger that never goes below WARNING.
_SDK_LOGGER = logging.getLogger("jobtrail.slack_sdk")
_SDK_LOGGER.setLevel(logging.WARNING)


class SlackPostFailed(Exception):
    """Slack did not accept a post (status and Slack's short error body, never the URL)."""


class WebhookPoster:
    """The ``SlackPoster`` port through slack_sdk's ``WebhookClient``, with its retry handlers.

    ``url`` is a callable so the secret is fetched when needed (and cached by Powertools), not held in
    an attribute that a ``repr`` or a debugger could show.
    """

    def __init__(self, url: Callable[[], str], *, timeout: int = 10) -> None:
        self._url = url
        self._timeout = timeout

    def post(self, payload: Mapping[str, Any]) -> None:
        from slack_sdk.http_retry.builtin_handlers import (  # noqa: PLC0415 - only the notifier needs it
            RateLimitErrorRetryHandler,
            ServerErrorRetryHandler,
        )
        from slack_sdk.webhook import WebhookClient  # noqa: PLC0415

        client = WebhookClient(
            self._url(),
            timeout=self._timeout,
            logger=_SDK_LOGGER,
            retry_handlers=[
                RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
                ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
            ],
        )
        response = client.send_dict(dict(payload))
        if response.status_code != 200:
            raise SlackPostFailed(f"Slack answered {response.status_code}: {str(response.body)[:200]}")


def webhook_url_from_secret(secret_arn: str) -> Callable[[], str]:
    """A callable returning the webhook URL stored in ``secret_arn`` (plain, or JSON ``{"url": …}``)."""

    def read() -> str:
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

        value = parameters.get_secret(secret_arn, max_age=SECRET_MAX_AGE)
        text = value.decode() if isinstance(value, bytes) else str(value)
        if text.lstrip().startswith("{"):
            text = str(json.loads(text).get("url", ""))
        text = text.strip()
        if not text.startswith("https://"):
            raise SlackPostFailed("the Slack webhook secret does not hold an https URL")
        return text

    return read
