"""SlackNotifierFunction: every alert published on AlertTopic, posted to Slack.

The composition root: the only place that reads this function's environment; the webhook URL itself
is read from Secrets Manager when the first post needs it, and never logged.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.adapters.slack import WebhookPoster, webhook_url_from_secret
from jobtrail.observability import logger
from jobtrail.usecases.notify import NotifierDeps, notify


@cache
def deps_from_environment() -> NotifierDeps:
    """The function's dependencies, from its environment (the template sets the secret's ARN)."""
    return NotifierDeps(
        poster=WebhookPoster(webhook_url_from_secret(os.environ["JOBTRAIL_SLACK_WEBHOOK_SECRET_ARN"]))
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    posted = notify(event, deps_from_environment())
    logger.info("alerts posted to Slack", extra={"alert_ids": posted})
    return {"posted": posted}
