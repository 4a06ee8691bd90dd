"""Slack app mode's cost, in a process of its own (``bench/run.py`` starts it): what the notifier does per
alert and per transition when it keeps one thread per job.

The mixed load goes through the real ``IngestFunction`` handler as in ``bench/replay.py`` (DynamoDB Local,
the alert path's logs and routes document), with the history table's stream on as the template turns it
on in app mode. After each batch, the alerts SNS delivered go to the notifier's use case one SNS message
per invocation, and the stream's new records that pass the template's ``FilterCriteria`` (read by
``TableStream``) in invocations of at most ten, as the event source mapping hands them over
(``BatchSize: 10``). The notifier is the real ``SlackNotifierFunction`` handler
(``functions/slack_notifier/app.py``) with its composition root's dependencies replaced by the ones
below; it posts to the loopback fake of Slack's Web API (``slack_web_api``) through slack_sdk. Its
DynamoDB calls and capacity, its Slack calls, its time and its log output are counted per invocation,
alerts and transitions apart. The notifier's clock follows the load (a transition older than
a day is not news), and so does the clock of its Slack rate limiter: the waits it asks for are those the
load's own pace would make, counted, not slept.

Each of ``SlackThreadAll`` false and true runs on a fresh table, and so does a run without app mode
(no stream, no notifier): ingest's own reads grow in app mode, as its Query of a job's partition reads
the job's thread items too. Afterwards every parent in Slack is matched with the thread it was recorded
as: exactly one per job and channel.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from jobtrail.adapters.routes import SsmAlertRoutes
from jobtrail.adapters.slack import SlackWebApi
from jobtrail.adapters.slack_threads import SlackThreadStore
from jobtrail.core.routing import parse_routes
from jobtrail.usecases.notify import NotifierDeps
from jobtrail.usecases.slack_threads import SlackAppDeps
from jobtrail_local.aws_calls import ConsumedCapacity, count_aws_calls
from jobtrail_local.lambda_runtime import LambdaContext, load_function
from jobtrail_local.loadgen import DEFAULT_CHANNEL, MIXED_KINDS, ROUTES, Delivery, deliveries, generate
from jobtrail_local.local_stack import use_local_credentials
from jobtrail_local.slack_web_api import FakeSlackWebApi
from jobtrail_local.sns_events import lambda_event
from jobtrail_local.table_schema import load_template
from jobtrail_local.table_stream import TableStream
from replay import (
    REGION,
    REPO,
    ROUTES_PARAMETER,
    TABLE,
    Harness,
    load_handler,
    replay_stream,
    start_ingest,
    stdout_to,
)

#: The bot token the fake accepts (never a real one).
TOKEN = "xoxb-0000000000-0000000000-jobtrailbenchtoken"  # noqa: S105 - a fake's token
#: The event source mapping's batch size (template.yaml ``SlackNotifierFunctionTransitions``).
STREAM_BATCH_SIZE = 10
NOTIFIER = REPO / "functions" / "slack_notifier" / "app.py"
CONTEXT = LambdaContext(function_name="jobtrail-SlackNotifierFunction-bench")


def stream_filter() -> dict[str, Any]:
    """The pattern the template's event source mapping lets through to the notifier."""
    mapping = load_template()["Resources"]["SlackNotifierFunctionTransitions"]["Properties"]
    pattern: dict[str, Any] = json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"])
    return pattern


@dataclass
class Invocations:
    """What the notifier's invocations of one source (SNS alerts, or stream batches) did, added up."""

    invocations: int = 0
    #: Alerts, or the stream's records, handed to those invocations.
    items: int = 0
    #: Invocations that failed (an SNS one raises; a stream batch reports the record to retry from).
    failed: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    slack: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    seconds: float = 0.0
    #: Seconds the Slack rate limiter asked to wait, at the load's pace.
    rate_waits: float = 0.0
    #: What the function printed (its logs: CloudWatch Logs ingestion).
    log_bytes: int = 0


@dataclass
class LoadClock:
    """The notifier's clock (a datetime) and its rate limiter's (seconds), moved to each batch's time by the
    replay and forward by the waits they ask for (counted, never slept)."""

    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    waits: float = 0.0

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def sleep(self, seconds: float) -> None:
        self.waits += seconds
        self.now += timedelta(seconds=seconds)

    def follow(self, moment: datetime) -> None:
        self.now = max(self.now, moment)


class Notifier:
    """The notifier's use case in app mode, invoked as Lambda would invoke it, each invocation counted."""

    def __init__(self, slack: FakeSlackWebApi, endpoint_url: str, *, thread_all: bool) -> None:
        self.slack = slack
        self.clock = LoadClock()
        self.store = SlackThreadStore(TABLE, region=REGION, host=endpoint_url)
        routes = SsmAlertRoutes(lambda: boto3.client("ssm", region_name=REGION), ROUTES_PARAMETER)
        self.deps = NotifierDeps(
            app=SlackAppDeps(
                messages=SlackWebApi(
                    lambda: TOKEN, base_url=slack.base_url, clock=self.clock.seconds, sleep=self.clock.sleep
                ),
                threads=self.store,
                default_channel=DEFAULT_CHANNEL,
                thread_all=thread_all,
                # As the function wires it: only a first-seen thread reads the routes document.
                routes=routes if thread_all else None,
                clock=self.clock,
                sleep=self.clock.sleep,
            )
        )
        self.alerts = Invocations()
        self.transitions = Invocations()
        # The composition root's dependencies, replaced: the handler calls its module's function.
        handler: Any = load_function(NOTIFIER, "jobtrail_bench_slack_notifier_app")
        handler.deps_from_environment = lambda: self.deps
        self.handler = handler

    def invoke(self, event: dict[str, Any], into: Invocations) -> None:
        """One invocation of the handler with ``event``, counted into ``into``. Its output must go to a
        file (``replay.stdout_to``): its size is the log volume."""
        capacity = ConsumedCapacity()
        first_call = len(self.slack.calls)
        waited = self.clock.waits
        logged = _stdout_size()
        started = time.perf_counter()
        with count_aws_calls(capacity=capacity) as calls:
            response = self.handler.lambda_handler(event, CONTEXT)
        into.seconds += time.perf_counter() - started
        into.log_bytes += _stdout_size() - logged
        into.invocations += 1
        into.items += len(event["Records"])
        into.failed += bool(response.get("batchItemFailures"))
        into.calls.update(calls)
        into.slack.update(call.method for call in self.slack.calls[first_call:])
        into.read_units += capacity.read_units
        into.write_units += capacity.write_units
        into.rate_waits += self.clock.waits - waited


def _stdout_size() -> int:
    sys.stdout.flush()
    return os.fstat(1).st_size


def measure(jobs: int, seed: int, *, thread_all: bool | None, log_path: Path) -> dict[str, Any]:
    """One run of the mixed load of ``jobs`` planned jobs: in app mode with ``thread_all``
    (``SlackThreadAll``), or without app mode (``None``: ingest alone, the baseline of its reads)."""
    load = generate(jobs, seed=seed, mix=MIXED_KINDS)
    stream = deliveries(load, duplicate_rate=0.05, seed=seed)
    pattern = stream_filter()
    with ExitStack() as stack:
        world = start_ingest(stack, "dynamodb-local", load)
        endpoint = str(world.endpoint_url)
        if thread_all is None:
            with stdout_to(log_path):
                harness = Harness(load_handler().lambda_handler, world.script)
                batches = replay_stream(harness, load, stream)
            return {
                "thread_all": None,
                "jobs": len(load.jobs),
                "events": sum(batch.events for batch in batches),
                "ingest": {
                    "read_units": sum(batch.read_units for batch in batches),
                    "write_units": sum(batch.write_units for batch in batches),
                },
            }
        table_stream = TableStream.enable(
            boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION),
            boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=REGION),
            TABLE,
        )
        slack = stack.enter_context(FakeSlackWebApi(token=TOKEN))
        notifier = Notifier(slack, endpoint, thread_all=thread_all)
        sqs = boto3.client("sqs", region_name=REGION)

        def notify_batch(chunk: Sequence[Delivery]) -> None:
            """What the notifier is invoked with after ingest handled ``chunk``: the alerts, then the
            stream's new transitions, its clocks just after the batch's newest event."""
            notifier.clock.follow(max(delivery.at for delivery in chunk) + timedelta(seconds=1))
            for sent in _drain(sqs, world.subscriber):
                notifier.invoke(lambda_event(sent), notifier.alerts)
            records = table_stream.poll([pattern])
            for start in range(0, len(records), STREAM_BATCH_SIZE):
                notifier.invoke({"Records": records[start : start + STREAM_BATCH_SIZE]}, notifier.transitions)

        with stdout_to(log_path):
            harness = Harness(load_handler().lambda_handler, world.script)
            batches = replay_stream(harness, load, stream, after=notify_batch)
        return {
            "thread_all": thread_all,
            "jobs": len(load.jobs),
            "events": sum(batch.events for batch in batches),
            "ingest": {
                "read_units": sum(batch.read_units for batch in batches),
                "write_units": sum(batch.write_units for batch in batches),
            },
            "alerts": _figures(notifier.alerts),
            "transitions": _figures(notifier.transitions),
            "parents": _parents(notifier, load.jobs),
            "broadcast_replies": sum(
                1
                for call in slack.calls_of("chat.postMessage")
                if call.ok and call.arguments.get("reply_broadcast") in (True, "true", "1")
            ),
        }


def _figures(invocations: Invocations) -> dict[str, Any]:
    figures = asdict(invocations)
    figures["calls"] = dict(invocations.calls)
    figures["slack"] = dict(invocations.slack)
    return figures


def _parents(notifier: Notifier, jobs: Sequence[Any]) -> dict[str, Any]:
    """Every parent in Slack matched with the thread recorded for it: ``orphans`` are parents no thread
    records (a second parent of some job in that channel), ``unposted`` threads whose parent Slack lacks."""
    recorded: set[tuple[str, str]] = set()
    threads = jobs_with_threads = 0
    for job in jobs:
        _, by_channel = notifier.store.load(job)
        jobs_with_threads += bool(by_channel)
        for thread in by_channel.values():
            if thread.channel_id is not None and thread.ts is not None:
                recorded.add((thread.channel_id, thread.ts))
                threads += 1
    routes = parse_routes(ROUTES)
    channels = {DEFAULT_CHANNEL, *(rule.slack_channel for rule in routes.rules if rule.slack_channel)}
    in_slack = {
        (message.channel, message.ts)
        for channel in channels
        for message in notifier.slack.messages_in(channel)
        if not message.is_reply
    }
    return {
        "in_slack": len(in_slack),
        "threads": threads,
        "jobs_with_threads": jobs_with_threads,
        "orphans": len(in_slack - recorded),
        "unposted": len(recorded - in_slack),
        "channels": len({channel for channel, _ in in_slack}),
    }


def _drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """The SNS notifications the topic's subscriber queue holds (as SNS would invoke the notifier)."""
    sent: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return sent
        sent += [json.loads(message["Body"]) for message in messages]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--log", type=Path, required=True, help="the ingest function's output")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    use_local_credentials()
    runs = [
        measure(args.jobs, args.seed, thread_all=thread_all, log_path=args.log)
        for thread_all in (None, False, True)
    ]
    args.output.write_text(json.dumps(runs), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
