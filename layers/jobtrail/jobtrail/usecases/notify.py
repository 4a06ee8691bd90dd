"""Alerts to Slack: the SNS records of ``AlertTopic`` become Block Kit posts.

A post that Slack does not accept raises, so Lambda retries the invocation and finally sends it to the
on-failure destination.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobtrail.core.slack_message import slack_payload
from jobtrail.usecases.ports import SlackPoster


@dataclass(frozen=True, slots=True)
class NotifierDeps:
    poster: SlackPoster


def notify(event: Mapping[str, Any], deps: NotifierDeps) -> list[str]:
    """Post every alert of an SNS event to Slack; returns the alert ids posted. Raises on failure."""
    posted: list[str] = []
    for record in event.get("Records", ()):
        document = json.loads(record["Sns"]["Message"])
        deps.poster.post(slack_payload(document))
        posted.append(str(document.get("alert_id")))
    return posted
