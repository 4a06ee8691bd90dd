"""The Slack side of ``jobtrail demo``: where the alerts (and, in app mode, the jobs' threads) go.

By default the demo runs **Slack app mode** against ``slack_web_api.FakeSlackWebApi`` on the loopback
interface: the notifier's own code (``functions/slack_notifier/app.py``'s composition root, its bot token
read from a Secrets Manager secret in moto) gets every alert SNS delivered and every new transition the
history table's stream brings (read by ``table_stream.TableStream`` with the template's filter), tick by
tick as the replay goes, so each job's thread grows as the job moves. The alerts are routed by the demo's
routes document (``DEMO_ROUTES``, in an SSM parameter), so they land in their teams' channels.

Two things differ from Lambda, both said in the report: the notifier's clock follows the replayed
changes (the fixtures are dated in the past, and a transition older than a day is not news), and
Slack's one message per second per channel is kept on a simulated clock, so the demo does not wait.

With ``SLACK_WEBHOOK_URL`` set, the alerts go to that incoming webhook instead (webhook mode: one message
per alert, no threads). A webhook that does not take the posts does not stop the demo: the first failure
is kept as one line (without the URL, which is a secret), the rest is only rendered.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

import msgspec
from jobtrail.core.kinds import JobKey

from jobtrail_local.table_stream import TableStream, transition_filters

#: Where the alerts of jobs that no rule routes go (the template's ``SlackChannel``).
DEFAULT_CHANNEL = "#ml-alerts"
#: The demo's routes document (what ``AlertRoutesParameterName`` names in a stack): a rule by tag, one by
#: name prefix, and the default route.
DEMO_ROUTES: dict[str, Any] = {
    "routes": [
        {"team": "nlp", "match": {"tags": {"team": "nlp"}}, "slack_channel": "#nlp-alerts"},
        {"team": "vision", "match": {"tags": {"team": "vision"}}, "slack_channel": "#vision-alerts"},
        {"team": "growth", "match": {"name_prefix": "churn-"}, "slack_channel": "#churn-alerts"},
    ],
    "default": {"team": "ml-platform", "slack_channel": DEFAULT_CHANNEL},
}
ROUTES_PARAMETER = "/jobtrail-demo/routes"
#: The bot token the notifier reads from Secrets Manager (moto): the fake accepts only this one.
DEMO_TOKEN = "xoxb-0000000000-0000000000-jobtrailDEMOtoken0000"  # noqa: S105 - a fake's token
#: The stream batch size of the template's event source mapping.
STREAM_BATCH = 10
MAX_POLLS = 500


class SlackDemoError(Exception):
    """The Slack side of the demo cannot go on (a queue that does not drain)."""


@dataclass(frozen=True)
class ThreadShown:
    """One job's thread as its channel shows it at the end: the parent (edited ``edits`` times) and the
    replies, each with whether it was also sent to the channel."""

    channel: str
    job: JobKey | None
    team: str | None
    parent: dict[str, Any]
    edits: int
    replies: list[tuple[dict[str, Any], bool]]


@dataclass
class SlackOutcome:
    """Where the alerts went, and whether the destination took them."""

    destination: str
    #: ``app`` (threads, the local fake) or ``webhook`` (``SLACK_WEBHOOK_URL``).
    mode: str = "app"
    #: The Block Kit payload of every alert, posted or not, in the order SNS delivered them.
    payloads: list[dict[str, Any]] = field(default_factory=list)
    #: The alerts that reached Slack.
    posted: int = 0
    #: One line on the first post that failed (the rest were not tried), else None. Never the URL.
    failure: str | None = None
    #: App mode: every job's thread, by channel then by when it started.
    threads: list[ThreadShown] = field(default_factory=list)
    #: App mode: how long Slack's 1 message per second per channel spaced the posts (simulated clock).
    rate_limited_seconds: float = 0.0
    #: App mode: the transitions the stream brought to the notifier (those of jobs with a thread became
    #: replies; the others came before their job's first alert).
    transitions_delivered: int = 0


class DemoSlack:
    """The demo's Slack: ``deliver(now)`` after each tick of the replay, ``finish()`` at the end."""

    def __init__(self, stack: ExitStack, queues: Mapping[str, str], functions: Path, table: str) -> None:
        self._queues = queues
        self._webhook = os.environ.get("SLACK_WEBHOOK_URL")
        if self._webhook:
            self.outcome = SlackOutcome("your Slack channel (SLACK_WEBHOOK_URL)", mode="webhook")
            self.outcome.failure = _unusable(self._webhook)
            return
        from jobtrail_local.slack_web_api import FakeSlackWebApi  # noqa: PLC0415

        self._fake = stack.enter_context(FakeSlackWebApi(token=DEMO_TOKEN))
        self.outcome = SlackOutcome("a local fake of Slack's Web API (loopback), app mode")
        self._now = datetime.min.replace(tzinfo=UTC)
        self._simulated = 0.0
        self._app = self._app_mode(functions, table)

    # -- app mode ------------------------------------------------------------------------------------

    def _app_mode(self, functions: Path, table: str) -> Any:
        """The notifier's dependencies from its composition root, as the template configures app mode;
        then its Slack client and its clock put on the demo's time."""
        import boto3  # noqa: PLC0415
        from jobtrail.adapters.secrets import SecretsManagerSecrets  # noqa: PLC0415
        from jobtrail.adapters.slack import SlackWebApi, bot_token_from_secret  # noqa: PLC0415

        from jobtrail_local.lambda_runtime import load_function  # noqa: PLC0415
        from jobtrail_local.local_stack import REGION  # noqa: PLC0415

        secrets = boto3.client("secretsmanager", region_name=REGION)
        secret_arn = secrets.create_secret(
            Name="jobtrail/slack-bot-token", SecretString=json.dumps({"token": DEMO_TOKEN})
        )["ARN"]
        # The stream is DynamoDB Local's when the table is (moto's otherwise): the same endpoint.
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
        self._stream = TableStream.enable(
            boto3.client("dynamodb", region_name=REGION),
            boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=endpoint),
            table,
        )
        os.environ.update(
            JOBTRAIL_SLACK_BOT_TOKEN_SECRET_ARN=secret_arn,
            JOBTRAIL_SLACK_CHANNEL=DEFAULT_CHANNEL,
            JOBTRAIL_SLACK_THREAD_ALL="false",
            JOBTRAIL_SLACK_API_URL=self._fake.base_url,
        )
        self._module = load_function(functions / "slack_notifier" / "app.py", "jobtrail_demo_slack_notifier")
        deps = self._module.deps_from_environment()
        messages = SlackWebApi(
            bot_token_from_secret(SecretsManagerSecrets(lambda: secrets), secret_arn),
            base_url=self._fake.base_url,
            clock=lambda: self._simulated,
            sleep=self._wait,
        )
        app = msgspec.structs.replace(deps.app, messages=messages, clock=lambda: self._now, sleep=self._wait)
        return msgspec.structs.replace(deps, app=app)

    def _wait(self, seconds: float) -> None:
        """Slack's rate limit and the notifier's waits pass on the simulated clock: the demo never sleeps."""
        self._simulated += seconds
        self.outcome.rate_limited_seconds += seconds

    def deliver(self, now: datetime) -> None:
        """What the notifier gets after a tick of the replay: the alerts SNS delivered, then the new
        transitions of the table's stream (as the event source mapping hands them over)."""
        if self._webhook:
            return  # webhook mode posts at the end, as before
        from jobtrail_local.sns_events import lambda_event  # noqa: PLC0415

        self._now = max(self._now, now)
        for envelope in self._notifications():
            self.outcome.payloads.append(_payload(json.loads(envelope["Message"])))
            self.outcome.posted += self._invoke(lambda_event(envelope))
        records = self._stream.poll(transition_filters())
        self.outcome.transitions_delivered += len(records)
        for start in range(0, len(records), STREAM_BATCH):
            self._invoke({"Records": records[start : start + STREAM_BATCH]})

    def _invoke(self, event: dict[str, Any]) -> int:
        """One notifier invocation (as SNS or the stream's event source mapping makes it); the first
        failure is kept as one line and stops further posts."""
        from jobtrail.usecases.notify import notify  # noqa: PLC0415

        if self.outcome.failure is not None:
            return 0
        try:
            result = notify(event, self._app)
        except Exception as error:  # noqa: BLE001 - the demo reports it in one line, like a webhook failure
            self.outcome.failure = f"the notifier failed: {type(error).__name__}: {error}"
            return 0
        if result.retry_from is not None:
            self.outcome.failure = f"the notifier could not post a transition (from {result.retry_from})"
        return len(result.posted)

    # -- both modes ----------------------------------------------------------------------------------

    def finish(self) -> SlackOutcome:
        """Webhook mode: post every alert SNS delivered. App mode: read back every thread."""
        if self._webhook:
            self._post_to_webhook(self._webhook)
        else:
            self.deliver(self._now)
            self.outcome.threads = self._threads()
        return self.outcome

    def _notifications(self) -> list[dict[str, Any]]:
        """The SNS notifications the topic's subscriber queue holds, oldest first (drained)."""
        import boto3  # noqa: PLC0415

        from jobtrail_local.local_stack import REGION  # noqa: PLC0415

        sqs = boto3.client("sqs", region_name=REGION)
        found: list[dict[str, Any]] = []
        for _ in range(MAX_POLLS):
            messages = sqs.receive_message(QueueUrl=self._queues["subscriber"], MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return found
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(
                    QueueUrl=self._queues["subscriber"], ReceiptHandle=message["ReceiptHandle"]
                )
        raise SlackDemoError("the alert subscription did not drain")

    def _threads(self) -> list[ThreadShown]:
        """Every parent the fake holds, with its replies, by channel (in the routes' order) then by when
        the thread started; each tied to its job and team by the thread items in the table."""
        names = {self._fake.channel_id(c): c for c in channels()}
        replies = self._fake.threads()
        owners = _thread_owners(self._app.app.threads)
        shown = []
        for channel in channels():
            for message in self._fake.messages_in(channel):
                if message.is_reply:
                    continue
                job, team = owners.get((names[message.channel], message.ts), (None, None))
                shown.append(
                    ThreadShown(
                        channel=channel,
                        job=job,
                        team=team,
                        parent={"blocks": message.blocks, "text": message.text},
                        edits=message.edits,
                        replies=[
                            ({"blocks": r.blocks, "text": r.text}, r.reply_broadcast)
                            for r in replies.get(message.ts, [])
                        ],
                    )
                )
        return shown

    # -- webhook mode --------------------------------------------------------------------------------

    def _post_to_webhook(self, url: str) -> None:
        """Hand every notification SNS delivered to the Slack notifier code, as SNS invokes Lambda; after
        the first post that fails, the rest are only rendered."""
        from jobtrail.adapters.slack import SlackPostFailed, WebhookPoster  # noqa: PLC0415
        from jobtrail.usecases.notify import NotifierDeps, notify  # noqa: PLC0415

        from jobtrail_local.sns_events import lambda_event  # noqa: PLC0415

        deps = NotifierDeps(WebhookPoster(lambda: url))
        for envelope in self._notifications():
            self.outcome.payloads.append(_payload(json.loads(envelope["Message"])))
            if self.outcome.failure is None:
                try:
                    notify(lambda_event(envelope), deps)  # what SNS would invoke the notifier with
                except (SlackPostFailed, OSError, HTTPException) as error:
                    self.outcome.failure = _post_failure(error, url)
                else:
                    self.outcome.posted += 1


def channels() -> list[str]:
    """The demo's channels: each route's, then the default one."""
    routed = [route["slack_channel"] for route in DEMO_ROUTES["routes"]]
    return [*dict.fromkeys([*routed, DEFAULT_CHANNEL])]


def write_routes(directory: Path) -> Path:
    """The demo's routes document as a file in the demo's data directory (for ``routes test --routes``),
    and in the SSM parameter (moto) the functions read it from."""
    import boto3  # noqa: PLC0415

    from jobtrail_local.local_stack import REGION  # noqa: PLC0415

    text = json.dumps(DEMO_ROUTES, indent=2)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "routes.json"
    path.write_text(text + "\n", encoding="utf-8")
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=ROUTES_PARAMETER, Type="String", Value=text, Overwrite=True
    )
    os.environ["JOBTRAIL_ROUTES_PARAMETER"] = ROUTES_PARAMETER
    return path


def _thread_owners(threads: Any) -> dict[tuple[str, str], tuple[JobKey, str | None]]:
    """(channel, parent ts) → (job, team), from the jobs' thread items (one Query per job)."""
    from jobtrail.adapters.history_queries import HistoryQueries, JobQuery  # noqa: PLC0415

    from jobtrail_local.local_stack import REGION  # noqa: PLC0415

    owners: dict[tuple[str, str], tuple[JobKey, str | None]] = {}
    queries = HistoryQueries(os.environ["JOBTRAIL_TABLE"], region=REGION)
    for summary in queries.list_jobs(JobQuery(limit=1000)):
        _, found = threads.load(summary.key)
        for thread in found.values():
            if thread.ts is not None:
                owners[(thread.channel, thread.ts)] = (summary.key, thread.team)
    return owners


def _payload(document: Mapping[str, Any]) -> dict[str, Any]:
    from jobtrail.core.slack_message import slack_payload  # noqa: PLC0415

    return slack_payload(document)


def _unusable(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.hostname:
        return None
    return "SLACK_WEBHOOK_URL is not an http(s) URL"


def _post_failure(error: Exception, url: str) -> str:
    """One line on a failed post, naming the host at most: the webhook's path is its secret."""
    from jobtrail.adapters.slack import SlackPostFailed, WebhookUnreachable  # noqa: PLC0415

    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    if isinstance(error, WebhookUnreachable):
        return f"could not reach the Slack webhook's host {host}: {str(error).rpartition(': ')[2]}"
    if isinstance(error, SlackPostFailed):
        return f"the Slack webhook refused the post: {error}"
    reason = error.reason if isinstance(error, URLError) else error
    return f"could not reach the Slack webhook's host {host}: {reason}"
