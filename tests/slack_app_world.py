"""Slack app mode on real engines: ingest writing DynamoDB Local (its stream on, as the template turns it
on in app mode), SNS on moto, the notifier's use case on the table and on the loopback fake of Slack's
Web API (``jobtrail_local.slack_web_api``).

``SlackAppWorld.run`` replays a lifecycle of ``events/`` step by step as the deployed stack would: ingest
handles the step's event, SNS delivers the alerts it published to the notifier, and the table's stream
hands it the new items that pass the event source mapping's filter (read from ``template.yaml``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from jobtrail.adapters.slack import SlackWebApi
from jobtrail.adapters.slack_threads import SlackThreadStore
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.notify import NotifierDeps, NotifyResult, notify
from jobtrail.usecases.slack_threads import SlackAppDeps
from jobtrail_local.lambda_runtime import matches_filter, stream_lambda_record
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from jobtrail_local.slack_web_api import FakeSlackWebApi
from jobtrail_local.sns_events import lambda_event
from jobtrail_local.table_schema import load_template
from worlds import World

TOKEN = "xoxb-1111111111-2222222222-SECRETxTOKENxSECRETx"
CHANNEL = "#ml-alerts"
#: What the event source mapping in template.yaml lets through to the notifier.
STREAM_FILTER: dict[str, Any] = json.loads(
    load_template()["Resources"]["SlackNotifierFunctionTransitions"]["Properties"]["FilterCriteria"][
        "Filters"
    ][0]["Pattern"]
)


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


class TableStream:
    """The history table's stream in DynamoDB Local: turned on, then read from its start, record by record."""

    def __init__(self, endpoint_url: str, table_name: str, region: str) -> None:
        client = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region)
        client.update_table(
            TableName=table_name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
        )
        self.arn: str = client.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self._streams = boto3.client("dynamodbstreams", endpoint_url=endpoint_url, region_name=region)
        self._iterators: dict[str, str | None] = {}

    def new_records(self) -> list[dict[str, Any]]:
        """The records written since the last call, as Lambda hands them over (unfiltered)."""
        records: list[dict[str, Any]] = []
        shards = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while (iterator := self._iterators[shard_id]) is not None:
                page = self._streams.get_records(ShardIterator=iterator)
                records.extend(stream_lambda_record(r, self.arn) for r in page["Records"])
                self._iterators[shard_id] = page.get("NextShardIterator")
                if not page["Records"]:
                    break
        return records

    def all_records(self) -> list[dict[str, Any]]:
        """Every record of the stream, from its start (a second reader: ``new_records`` is not moved)."""
        reader = TableStream.__new__(TableStream)
        reader.arn, reader._streams, reader._iterators = self.arn, self._streams, {}
        return reader.new_records()

    def new_events(self, batch_size: int = 10) -> list[dict[str, Any]]:
        """The new records that pass the template's filter, in events of at most ``batch_size``."""
        passed = [record for record in self.new_records() if matches_filter(STREAM_FILTER, record)]
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

    def run(self, lifecycle_name: str) -> None:
        """Replay a lifecycle as the stack would: after each step, the alerts SNS delivers, then the
        stream's new transitions; the notifier's clock just after each step's event."""
        for step in load_lifecycle(lifecycle_name).steps:
            self.world.script.advance(step)
            handle_batch(sqs_batch([step.sqs_body]), self.world.deps)
            self.clock.now = max(self.clock.now, step.modified + timedelta(seconds=1))
            for sent in self.world.notifications():
                self.results.append(notify(lambda_event(sent), self.deps()))
            self.deliver_stream()

    def deliver_stream(self) -> list[NotifyResult]:
        results = [notify(event, self.deps()) for event in self.stream.new_events()]
        self.results.extend(results)
        return results

    def parents(self, channel: str = CHANNEL) -> list[Any]:
        return [message for message in self.slack.messages_in(channel) if not message.is_reply]
