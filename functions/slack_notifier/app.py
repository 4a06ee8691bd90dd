"""SlackNotifierFunction: every alert published on AlertTopic, posted to Slack."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.observability import logger
from jobtrail.slack_notifier import deps_from_environment, notify


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    posted = notify(event, deps_from_environment())
    logger.info("alerts posted to Slack", extra={"alert_ids": posted})
    return {"posted": posted}
