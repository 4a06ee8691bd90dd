"""SlackNotifierFunction: every alert published on AlertTopic, and in Slack app mode every transition the
history table's stream brings, posted to Slack.

The composition root: the only place that reads this function's environment. The template sets one of
two modes: webhook mode (``JOBTRAIL_SLACK_WEBHOOK_SECRET_ARN``: incoming webhooks, the stack's and the
routes') or app mode (``JOBTRAIL_SLACK_BOT_TOKEN_SECRET_ARN``: a bot token, one thread per job in
``JOBTRAIL_SLACK_CHANNEL`` or the route's channel; a first-seen thread under ``SlackThreadAll`` reads the
routes document of ``JOBTRAIL_ROUTES_PARAMETER``; the cards' links open the job's account through the
access portal of ``JOBTRAIL_CONSOLE_PORTAL_URL``). Secrets are read from Secrets Manager when the first
post needs them, and never logged.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.adapters.secrets import SecretsManagerSecrets, secrets_manager
from jobtrail.adapters.slack import SlackWebApi, WebhookPoster, bot_token_from_secret, webhook_url_from_secret
from jobtrail.core.slack_route import normalize_channel
from jobtrail.observability import logger, metrics
from jobtrail.usecases.notify import NotifierDeps, notify
from jobtrail.usecases.ports import SlackPoster

if TYPE_CHECKING:
    from jobtrail.adapters.routes import SsmAlertRoutes


@cache
def deps_from_environment() -> NotifierDeps:
    """The function's dependencies, from its environment (the template sets the mode's variables)."""
    token_secret = os.environ.get("JOBTRAIL_SLACK_BOT_TOKEN_SECRET_ARN")
    if not token_secret:
        default = webhook_url_from_secret(_secrets(), os.environ["JOBTRAIL_SLACK_WEBHOOK_SECRET_ARN"])
        return NotifierDeps(WebhookPoster(default), webhook_for=_route_webhook)
    # App mode's threads live in the table (PynamoDB): imported in app mode only, not in every webhook
    # mode cold start (about 150 ms).
    from jobtrail.adapters.slack_threads import SlackThreadStore  # noqa: PLC0415
    from jobtrail.core.alerts import console_links_from_environment  # noqa: PLC0415
    from jobtrail.usecases.slack_threads import SlackAppDeps  # noqa: PLC0415

    thread_all = os.environ.get("JOBTRAIL_SLACK_THREAD_ALL", "false").strip().lower() == "true"
    routes_parameter = os.environ.get("JOBTRAIL_ROUTES_PARAMETER", "")
    return NotifierDeps(
        app=SlackAppDeps(
            messages=SlackWebApi(
                bot_token_from_secret(_secrets(), token_secret),
                # Not set by the template: tests and the demo point the client at a loopback fake.
                base_url=os.environ.get("JOBTRAIL_SLACK_API_URL") or None,
            ),
            threads=SlackThreadStore(os.environ["JOBTRAIL_TABLE"]),
            default_channel=normalize_channel(os.environ["JOBTRAIL_SLACK_CHANNEL"]),
            thread_all=thread_all,
            # An alert carries its route; only a first-seen thread (SlackThreadAll) reads the document.
            routes=_routes(routes_parameter) if thread_all and routes_parameter else None,
            # A parent card's links open the job's account as its alerts' do (ConsolePortalUrl).
            links=console_links_from_environment(os.environ),
        )
    )


def _routes(parameter_name: str) -> SsmAlertRoutes:
    """The routes document, for SlackThreadAll's first-seen threads only: boto3 is imported then, not in
    every notifier's cold start."""
    from jobtrail.adapters.aws import standalone_routes  # noqa: PLC0415

    return standalone_routes(parameter_name)


@cache
def _route_webhook(secret: str) -> SlackPoster:
    """A route's webhook (``route.slack_webhook_secret``), one poster per secret per container."""
    return WebhookPoster(webhook_url_from_secret(_secrets(), secret))


@cache
def _secrets() -> SecretsManagerSecrets:
    """Secrets Manager, one per container: each secret read at most once per ``secrets.MAX_AGE``."""
    return secrets_manager()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = notify(event, deps_from_environment())
    logger.info(
        "transitions posted to Slack" if result.stream else "alerts posted to Slack",
        extra={"posted": result.posted, "skipped": result.skipped, "retry_from": result.retry_from},
    )
    return result.response()
