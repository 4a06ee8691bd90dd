"""Slack app mode on real engines: ingest writing DynamoDB Local (its stream on, as the template turns it
on in app mode), SNS on moto, the notifier's use case on the table and on the loopback fake of Slack's
Web API (``jobtrail_local.slack_web_api``).

``SlackAppWorld.run`` replays a lifecycle of ``events/`` step by step as the deployed stack would: ingest
handles the step's event, SNS delivers the alerts it published to the notifier, and the table's stream
hands it the new items that pass the event source mapping's filter (read from ``template.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from jobtrail.adapters.slack import SlackWebApi
from jobtrail.adapters.slack_threads import SlackThreadStore
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.notify import NotifierDeps, NotifyResult, notify
from jobtrail.usecases.slack_threads import SlackAppDeps
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from jobtrail_local.slack_web_api import FakeSlackWebApi
from jobtrail_local.sns_events import lambda_event
from jobtrail_local.table_stream import TableStream, transition_filters
from worlds import World

TOKEN = "xoxb-1111111111-2222222222-SECRETxTOKENxSECRETx"
CHANNEL = "#ml-alerts"
#: What the event source mapping in template.yaml lets through to the notifier.
(STREAM_FILTER,) = transition_filters()


@dataclass
class Clock:
    """The notifier's clock (claims, waits): a fixed moment that ``sleep`` moves forward."""

    now: datetime = datetime(2026, 11, 1, tzinfo=UTC)
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeTime:
    """Monotonic seconds for the Slack adapter's rate limiter: sleeping only moves the number."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def stream_of(endpoint_url: str, table_name: str, region: str) -> TableStream:
    """The history table's stream in DynamoDB Local, turned on and read from its start."""
    return TableStream.enable(
        boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region),
        boto3.client("dynamodbstreams", endpoint_url=endpoint_url, region_name=region),
        table_name,
    )


def stream_events(stream: TableStream, batch_size: int = 10) -> list[dict[str, Any]]:
    """The new records that pass the template's filter, in events of at most ``batch_size``."""
    passed = stream.poll([STREAM_FILTER])
    return [{"Records": passed[i : i + batch_size]} for i in range(0, len(passed), batch_size)]


@dataclass
class SlackAppWorld:
    """Ingest, SNS, the table's stream and the notifier in app mode, on one DynamoDB Local table."""

    world: World
    slack: FakeSlackWebApi
    store: SlackThreadStore
    stream: TableStream
    #: DynamoDB Local's endpoint, for notifiers of their own (other containers).
    host: str
    clock: Clock = field(default_factory=Clock)
    time: FakeTime = field(default_factory=FakeTime)
    thread_all: bool = False
    results: list[NotifyResult] = field(default_factory=list)

    def app(self, **changes: Any) -> SlackAppDeps:
        values: dict[str, Any] = {
            "messages": SlackWebApi(
                lambda: TOKEN, base_url=self.slack.base_url, clock=self.time.clock, sleep=self.time.sleep
            ),
            "threads": self.store,
            "default_channel": CHANNEL,
            "thread_all": self.thread_all,
            "clock": self.clock,
            "sleep": self.clock.sleep,
        }
        return SlackAppDeps(**(values | changes))

    def deps(self, **changes: Any) -> NotifierDeps:
        return NotifierDeps(app=self.app(**changes))

    def ingest(self, lifecycle_name: str) -> list[dict[str, Any]]:
        """Replay a lifecycle through ingest alone; the SNS events the notifier would be invoked with."""
        events: list[dict[str, Any]] = []
        for step in load_lifecycle(lifecycle_name).steps:
            self.world.script.advance(step)
            handle_batch(sqs_batch([step.sqs_body]), self.world.deps)
            events.extend(lambda_event(sent) for sent in self.world.notifications())
        return events

    def run(self, lifecycle_name: str, **changes: Any) -> None:
        """Replay a lifecycle as the stack would: after each step, the alerts SNS delivers, then the
        stream's new transitions; the notifier's clock just after each step's event. ``changes`` replace
        fields of the notifier's ``SlackAppDeps`` (``routes=…``)."""
        for step in load_lifecycle(lifecycle_name).steps:
            self.world.script.advance(step)
            handle_batch(sqs_batch([step.sqs_body]), self.world.deps)
            self.clock.now = max(self.clock.now, step.modified + timedelta(seconds=1))
            for sent in self.world.notifications():
                self.results.append(notify(lambda_event(sent), self.deps(**changes)))
            self.deliver_stream(**changes)

    def deliver_stream(self, **changes: Any) -> list[NotifyResult]:
        results = [notify(event, self.deps(**changes)) for event in stream_events(self.stream)]
        self.results.extend(results)
        return results

    def parents(self, channel: str = CHANNEL) -> list[Any]:
        return [message for message in self.slack.messages_in(channel) if not message.is_reply]
