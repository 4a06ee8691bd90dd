"""One engine's benchmark replay, in a process of its own (``bench/run.py`` starts it; its peak RSS is
then this replay's alone).

The real ``IngestFunction`` handler (``functions/ingest/app.py``, loaded from its file as Lambda loads it)
builds its clients from the environment (``deps_from_environment``): the Describes and ListTags go over HTTP
to a ``ScriptedSageMakerServer`` on the loopback interface, the history table is DynamoDB Local or moto, SQS,
SNS, SSM and CloudWatch Logs are moto in-process. The alert path is the deployed one: the load's failed
jobs have their CloudWatch Logs (``loadgen.failed_job_logs``), which their ``Failed`` alerts quote, and the
alerts are routed by a routes document in SSM (``loadgen.ROUTES``, named by
``JOBTRAIL_ROUTES_PARAMETER``). A generated load's events go through the state-change queue: sent one by
one as EventBridge sends them, received ten at a time and handed to the handler as Lambda's SQS event
source does, deleted afterwards. SageMaker answers with its state as of the newest event of the batch.

Every botocore call the handler makes is counted, and for DynamoDB its consumed capacity is read from
the response (``ReturnConsumedCapacity=INDEXES``; PynamoDB already asks for ``TOTAL``); each call and its
capacity is also put down to the kind of job it was about (``aws_calls.kind_of_call``), and each batch
notes the alerts it published (by kind and type) and the ARNs whose tags it read. Then a sample of
the events is delivered again, when nothing is new any more (topped up so that it holds events of every
kind of the load), and the outcome is checked: every job stored as SageMaker has it, every expected alert
received once. The figures go to a JSON file.

With ``--accounts 3`` (organization mode) the load is spread over the home account and two member accounts
in two regions (``loadgen.spread``), the function's environment names the members and the second region as
the template's ``MemberAccountIds`` and ``MemberRegions`` do, moto's STS issues the members' role
credentials, each failed job's log is in its own account's CloudWatch Logs, and the scripted SageMaker
answers each request in the account its keys belong to; the AssumeRole calls (by account) and the Describe
calls (by place) are reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from budgets import NO_KIND
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.sagemaker import tagged_arn
from jobtrail.core.cost import PriceLookup, Usage, with_cost
from jobtrail.core.kinds import KINDS, JobKey
from jobtrail.core.model import JobRecord
from jobtrail.core.organization import Place
from jobtrail.core.routing import kept_tags
from jobtrail_local.aws_calls import LIST_TAGS, CallsByKind, ConsumedCapacity, count_aws_calls
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lambda_runtime import LambdaContext, load_function, sqs_lambda_record
from jobtrail_local.lifecycle_builder import Step
from jobtrail_local.loadgen import (
    MIXED_KINDS,
    ROUTES,
    Delivery,
    Load,
    deliveries,
    failed_job_logs,
    generate,
    spread,
    stream_stats,
)
from jobtrail_local.local_stack import use_local_credentials
from jobtrail_local.organization import LocalOrganization, account_of_access_key, put_logs_where_they_ran
from jobtrail_local.price_list_server import PriceListServer, pricing_files
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker, ScriptedSageMakerServer
from jobtrail_local.table_schema import create_history_table
from moto import mock_aws
from msgspec.structs import fields, replace

REPO = Path(__file__).resolve().parents[1]
HANDLER = REPO / "functions" / "ingest" / "app.py"
REGION = "us-east-1"
TABLE = "jobtrail-bench"
#: The SSM parameter holding the routes document (``JOBTRAIL_ROUTES_PARAMETER``).
ROUTES_PARAMETER = "/jobtrail/bench/routes"
BATCH_SIZE = 10
ASSUME_ROLE = "sts.AssumeRole"
ENGINES = ("dynamodb-local", "moto")
#: The no-op redelivery holds at least this many events of each kind of the load (all it has, if fewer).
NOOP_EVENTS_PER_KIND = 10
#: What Lambda passes the handler (Powertools logs its name, memory and request id with every line).
CONTEXT = LambdaContext(function_name="jobtrail-IngestFunction-bench")


@dataclass
class BatchFigures:
    events: int
    jobs: int
    #: The events and the distinct jobs of each kind in the batch.
    events_by_kind: dict[str, int]
    jobs_by_kind: dict[str, int]
    calls: dict[str, int]
    #: ``calls`` and the capacity units, by the kind of job each call was about (``NO_KIND``: none).
    calls_by_kind: dict[str, dict[str, int]]
    units_by_kind: dict[str, dict[str, float]]
    seconds: float
    read_units: float
    write_units: float
    index_write_units: float
    failed: int
    #: The alerts published, by the kind of job and the alert type (``{"training": {"Failed": 1}}``).
    alerts_by_kind: dict[str, dict[str, int]]
    #: The ARN of each ListTags (a job's, a pipeline execution's pipeline's).
    tag_reads: list[str]


class Harness:
    """The state-change queue and Lambda's SQS event source, around the handler."""

    def __init__(self, handler: Callable[[dict[str, Any], Any], Any], script: ScriptedSageMaker) -> None:
        self.handler = handler
        self.script = script
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.queue = self.sqs.create_queue(QueueName="jobtrail-StateChangeQueue")["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.requests: Counter[str] = Counter()
        #: The AssumeRole calls, by the account of the role assumed (organization mode).
        self.assumed_roles: Counter[str] = Counter()
        #: DynamoDB responses that reported their consumed capacity, and those that did not.
        self.capacity_responses = 0
        self.capacity_missing = 0

    def deliver(self, chunk: tuple[Delivery, ...] | list[Delivery]) -> BatchFigures:
        for delivery in chunk:  # EventBridge puts each event on the queue with its own SendMessage
            self.sqs.send_message(QueueUrl=self.queue, MessageBody=delivery.body)
            self.requests["SendMessage"] += 1
        messages: list[dict[str, Any]] = []
        while len(messages) < len(chunk):
            received = self.sqs.receive_message(
                QueueUrl=self.queue, MaxNumberOfMessages=BATCH_SIZE, AttributeNames=["All"]
            )
            self.requests["ReceiveMessage"] += 1
            messages += received.get("Messages", [])
        event = {"Records": [sqs_lambda_record(m, self.queue_arn) for m in messages]}
        keys = {delivery.step.key for delivery in chunk}
        capacity = ConsumedCapacity()
        by_kind = CallsByKind()
        alerts: dict[str, Counter[str]] = {}
        tag_reads: list[str] = []

        def observe(call: str, params: Mapping[str, Any]) -> None:
            if call == "sns.Publish":
                attributes = params.get("MessageAttributes", {})
                kind = attributes.get("job_kind", {}).get("StringValue", NO_KIND)
                alerts.setdefault(kind, Counter())[attributes.get("alert_type", {}).get("StringValue")] += 1
            elif call == LIST_TAGS:
                tag_reads.append(str(params.get("ResourceArn")))
            elif call == ASSUME_ROLE:
                self.assumed_roles[str(params.get("RoleArn", "")).split(":")[4]] += 1

        started = time.perf_counter()
        with count_aws_calls(capacity=capacity, by_kind=by_kind, observe=observe) as calls:
            response = self.handler(event, CONTEXT)
        seconds = time.perf_counter() - started
        self.capacity_responses += capacity.responses
        self.capacity_missing += capacity.missing
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", ())}
        self.sqs.delete_message_batch(
            QueueUrl=self.queue,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
        self.requests["DeleteMessageBatch"] += 1
        return BatchFigures(
            events=len(messages),
            jobs=len(keys),
            events_by_kind=dict(Counter(delivery.step.kind for delivery in chunk)),
            jobs_by_kind=dict(Counter(key.kind for key in keys)),
            calls=dict(calls),
            calls_by_kind={kind or NO_KIND: dict(counted) for kind, counted in by_kind.calls.items()},
            units_by_kind={
                kind or NO_KIND: {
                    "read_units": units.read_units,
                    "write_units": units.write_units,
                    "index_write_units": units.index_write_units,
                }
                for kind, units in by_kind.capacity.items()
            },
            seconds=seconds,
            read_units=capacity.read_units,
            write_units=capacity.write_units,
            index_write_units=capacity.index_write_units,
            failed=len(failed),
            alerts_by_kind={kind: dict(types) for kind, types in alerts.items()},
            tag_reads=tag_reads,
        )


def load_handler() -> ModuleType:
    """``functions/ingest/app.py`` imported from its file, as Lambda does with ``app.lambda_handler``."""
    return load_function(HANDLER, "jobtrail_bench_ingest_app")


@dataclass(frozen=True)
class IngestWorld:
    """What a replay runs against, besides the handler: the scripted SageMaker, the alert topic's SQS
    subscriber, and DynamoDB Local's endpoint (``None`` on moto)."""

    script: ScriptedSageMaker
    subscriber: str
    endpoint_url: str | None


def start_ingest(
    stack: ExitStack, engine: str, load: Load, organization: LocalOrganization | None = None
) -> IngestWorld:
    """The history table on ``engine``, SQS, SNS, SSM (the routes document) and CloudWatch Logs (the load's
    failed jobs' logs, each in its job's place) on moto, the scripted SageMaker on loopback, and the
    function's environment pointing at them (in ``organization`` mode, its variables too), all closed with
    ``stack``."""
    endpoint_url = None
    if engine == "dynamodb-local":
        local = stack.enter_context(DynamoDBLocal())
        endpoint_url = os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = local.endpoint_url
    else:
        os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    stack.enter_context(mock_aws())
    create_history_table(boto3.client("dynamodb", region_name=REGION), TABLE)
    topic, subscriber, dead_letters = _topic_and_queues()
    boto3.client("ssm", region_name=REGION).put_parameter(Name=ROUTES_PARAMETER, Value=ROUTES, Type="String")
    places = organization.places if organization else ()
    put_logs_where_they_ran(failed_job_logs(load), places=places, now_ms=int(time.time() * 1000))
    script = ScriptedSageMaker()
    server = stack.enter_context(
        ScriptedSageMakerServer(script, account_of=account_of_access_key if organization else None)
    )
    # The Price List answers from events/pricing (instance types it does not list have no price)
    price_list = stack.enter_context(PriceListServer(pricing_files()))
    os.environ.update(
        AWS_ENDPOINT_URL_SAGEMAKER=server.endpoint_url,
        AWS_ENDPOINT_URL_PRICING=price_list.endpoint_url,
        JOBTRAIL_TABLE=TABLE,
        JOBTRAIL_DEAD_LETTER_QUEUE_URL=dead_letters,
        JOBTRAIL_ALERT_TOPIC_ARN=topic,
        JOBTRAIL_ALERT_ON="Failed,MaxRuntimeExceeded,Interrupted",
        JOBTRAIL_ROUTES_PARAMETER=ROUTES_PARAMETER,
        **(organization.environment() if organization else {}),
    )
    return IngestWorld(script, subscriber, endpoint_url)


def replay(
    engine: str,
    jobs: int,
    seed: int,
    noop_events: int,
    log_path: Path,
    *,
    mixed: bool = False,
    accounts: int = 1,
) -> dict[str, Any]:
    """``mixed``: a load of every kind (``loadgen.MIXED_KINDS``) instead of training jobs only;
    ``accounts`` above 1: organization mode, the load spread over that many accounts in two regions."""
    load = generate(jobs, seed=seed, mix=MIXED_KINDS if mixed else None)
    organization = LocalOrganization(accounts) if accounts > 1 else None
    if organization is not None:
        load = spread(load, organization.places)
    stream = deliveries(load, duplicate_rate=0.05, seed=seed)
    with ExitStack() as stack:
        world = start_ingest(stack, engine, load, organization)
        rss_start = _rss_kb()
        with stdout_to(log_path):
            handler = load_handler().lambda_handler
            harness = Harness(handler, world.script)
            started = time.perf_counter()
            batches = replay_stream(harness, load, stream)
            wall = time.perf_counter() - started
            described = list(world.script.describes)  # the redelivery's come on top
            sys.stdout.flush()
            replay_log_bytes = log_path.stat().st_size
            emf_metrics = emf_metric_counts(log_path, replay_log_bytes)
            sample = noop_sample(stream, noop_events, seed)
            noop = [harness.deliver(sample[i : i + BATCH_SIZE]) for i in range(0, len(sample), BATCH_SIZE)]
        published, excerpts = _published_alerts(world.subscriber)
        mismatches = history_mismatches(load)
        stats = stream_stats(stream)
        expected = load.expected_alert_ids
        logs = failed_job_logs(load)
        return {
            "engine": engine,
            "jobs": jobs,
            "seed": seed,
            "mixed": mixed,
            "jobs_per_kind": dict(Counter(job.kind for job in load.jobs)),
            "events_per_kind": dict(Counter(delivery.step.kind for delivery in stream)),
            "events": stats.events,
            "changes": stats.changes,
            "resent": stats.resent,
            "redelivered": stats.redelivered,
            "late": stats.late,
            "batches": [asdict(b) for b in batches],
            "noop_batches": [asdict(b) for b in noop],
            "sqs_requests": dict(harness.requests),
            "wall_seconds": wall,
            "rss_start_kb": rss_start,
            "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "log_bytes": log_path.stat().st_size,
            "replay_log_bytes": replay_log_bytes,
            "emf_metrics": emf_metrics,
            "capacity_responses": harness.capacity_responses,
            "capacity_missing": harness.capacity_missing,
            "expected_alerts": len(expected),
            "alerts_received": sum(published.values()),
            "alerts_each_once": set(published) == expected and set(published.values()) == {1},
            "history_mismatches": len(mismatches),
            "mismatched_jobs": mismatches,
            "jobs_per_tagged_arn": dict(
                Counter(tagged_arn(load.final_record(job).summary) for job in load.jobs)
            ),
            "job_logs": {"jobs": len({log.job for log in logs}), "streams": len(logs)},
            "excerpts": excerpts,
            "organization": None
            if organization is None
            else placed_figures(organization, load, stream, described, harness.assumed_roles),
        }


def placed_figures(
    organization: LocalOrganization,
    load: Load,
    stream: Sequence[Delivery],
    described: Sequence[JobKey],
    assumed_roles: Counter[str],
) -> dict[str, Any]:
    """Organization mode: the accounts, and per place its jobs, its events and the Describe calls made
    there (``described``: the replay's, the redelivery left out); the AssumeRole calls by member account
    (the whole run's)."""
    jobs = Counter(Place(job.account, job.region) for job in load.jobs)
    events = Counter(Place(d.step.account, d.step.region) for d in stream)
    describes = Counter(Place(key.account, key.region) for key in described)
    return {
        "accounts": organization.accounts,
        "home": organization.home.account,
        "member_accounts": list(organization.members),
        "regions": list(organization.regions),
        "places": [
            {
                "account": place.account,
                "region": place.region,
                "jobs": jobs[place],
                "events": events[place],
                "describes": describes[place],
            }
            for place in organization.places
        ],
        "assume_role_by_account": {account: assumed_roles[account] for account in organization.members},
    }


def noop_sample(stream: Sequence[Delivery], events: int, seed: int) -> list[Delivery]:
    """``events`` of the stream picked at random, topped up (at random too) to ``NOOP_EVENTS_PER_KIND``
    events of each kind the stream holds: a mixed load's rare kinds are redelivered too. A training-only
    stream gives the sample it always gave."""
    pick = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    sample = pick.sample(list(stream), min(events, len(stream)))
    for kind in KINDS:
        held = sum(1 for delivery in sample if delivery.step.kind == kind)
        chosen = {id(delivery) for delivery in sample}
        others = [d for d in stream if d.step.kind == kind and id(d) not in chosen]
        sample += pick.sample(others, min(len(others), max(0, NOOP_EVENTS_PER_KIND - held)))
    return sample


def replay_stream(
    harness: Harness,
    load: Load,
    stream: tuple[Delivery, ...],
    after: Callable[[Sequence[Delivery]], None] | None = None,
) -> list[BatchFigures]:
    """The stream through the harness in batches of ``BATCH_SIZE``, SageMaker answering as of each batch's
    newest event; ``after`` is called with each batch once ingest has handled it."""
    changes = deque(load.steps)
    batches: list[BatchFigures] = []
    for start in range(0, len(stream), BATCH_SIZE):
        chunk = stream[start : start + BATCH_SIZE]
        newest = max(delivery.at for delivery in chunk)
        while changes and changes[0].modified <= newest:
            harness.script.advance(changes.popleft())
        batches.append(harness.deliver(chunk))
        if after is not None:
            after(chunk)
        if len(batches) % 50 == 0:
            print(f"  {harness_label()} {start + len(chunk)}/{len(stream)} events", file=sys.stderr)
    while changes:  # the last changes, announced by nothing more: SageMaker knows them anyway
        harness.script.advance(changes.popleft())
    return batches


def harness_label() -> str:
    return os.environ.get("JOBTRAIL_BENCH_LABEL", "")


def _topic_and_queues() -> tuple[str, str, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    dead_letters = sqs.create_queue(QueueName="jobtrail-StateChangeDeadLetterQueue")["QueueUrl"]
    subscriber = sqs.create_queue(QueueName="jobtrail-alert-subscriber")["QueueUrl"]
    subscriber_arn = sqs.get_queue_attributes(QueueUrl=subscriber, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name="jobtrail-AlertTopic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=subscriber_arn)
    return topic, subscriber, dead_letters


def _published_alerts(subscriber: str) -> tuple[Counter[str], dict[str, Any]]:
    """How often the subscriber received each alert id, and what the ``Failed`` alerts quoted of their
    job's log: how many carried an excerpt, how many of those put a stream whose lines hold the error
    first, and why the others carried none (``log_tail_error``, counted)."""
    sqs = boto3.client("sqs", region_name=REGION)
    ids: Counter[str] = Counter()
    failed = with_excerpt = error_first = 0
    reasons: Counter[str] = Counter()
    while True:
        messages = sqs.receive_message(QueueUrl=subscriber, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return ids, {
                "failed_alerts": failed,
                "with_excerpt": with_excerpt,
                "error_stream_first": error_first,
                "without_excerpt": dict(reasons),
            }
        for message in messages:
            document = json.loads(json.loads(message["Body"])["Message"])
            ids[document["alert_id"]] += 1
            if document.get("alert_type") != "Failed":
                continue
            failed += 1
            streams = document.get("log_tail") or []
            if streams:
                with_excerpt += 1
                error_first += any(_ERROR_LINE.search(line) for line in streams[0]["lines"])
            else:
                reasons[_reason_kind(str(document.get("log_tail_error")))] += 1
        sqs.delete_message_batch(
            QueueUrl=subscriber,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )


#: What marks a quoted line as the failure's (the loads' logs end in a traceback and its error).
_ERROR_LINE = re.compile(r"Traceback|Error\b|FAILURE")


def _reason_kind(reason: str) -> str:
    """A ``log_tail_error`` without the job's name (``no log streams <job>/… in <group>`` → ``no log
    streams``), so that the reasons can be counted."""
    if reason.startswith("no log streams"):
        return "no log streams (the job failed before a container ran)"
    if reason == "None":
        return "no excerpt and no reason (a kind without logs)"
    return reason


def history_mismatches(load: Load) -> list[str]:
    """Jobs whose stored summary differs from SageMaker's final answer, or whose transitions differ from
    it (training) or from those the answers dated (the other kinds; a status no answer the handler read
    showed is not invented, so the stored ones may be fewer): each as ``"<kind> <name>: <what differs>"``."""
    store = HistoryStore(TABLE, region=REGION)
    listed = listed_prices()
    mismatches: list[str] = []
    for job in load.jobs:
        stored = store.load(job)
        truth = priced(with_tags(load.final_record(job), load.steps_of(job)), listed(job.region))
        expected = list(load.expected[load.steps_of(job)[0].label].transitions)
        recorded = [] if stored is None else [(t.status, t.start_time) for t in stored.transitions]
        transitions_ok = (
            recorded == expected
            if job.kind == "training"
            else bool(recorded)
            and recorded[-1] == expected[-1]
            and [t for t in expected if t in recorded] == recorded
        )
        if stored is None:
            mismatches.append(f"{job.kind} {job.name}: not stored")
            continue
        wrong = [
            f"summary.{member.name}"
            for member in fields(truth.summary)
            if getattr(stored.summary, member.name) != getattr(truth.summary, member.name)
        ]
        wrong += [] if transitions_ok else ["transitions"]
        if wrong:
            mismatches.append(f"{job.kind} {job.name}: {', '.join(wrong)} differ")
    return mismatches


def listed_prices() -> Callable[[str], PriceLookup]:
    """The hourly prices of ``events/pricing`` in a region (what the bench's Price List answers), through
    the Price List adapter on a stubbed client: no network."""
    from botocore import UNSIGNED  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415
    from jobtrail.adapters.pricing import PriceList  # noqa: PLC0415
    from jobtrail.core.cost import HourlyPrice  # noqa: PLC0415
    from jobtrail_local.price_list import fixture_pricing  # noqa: PLC0415

    client = boto3.client("pricing", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    prices = PriceList(fixture_pricing(client))

    def in_region(region: str) -> PriceLookup:
        def lookup(instance_type: str, usage: Usage) -> HourlyPrice | None:
            usd = prices.hourly(instance_type, region, usage)
            return None if usd is None else HourlyPrice(usd)

        return lookup

    return in_region


def priced(record: JobRecord, price: PriceLookup) -> JobRecord:
    """``record`` with the cost of its final billing facts at the listed prices: what ingest must have
    stored once the job ended (its cost is computed from the facts, whatever the order of its events)."""
    statuses = tuple(transition.status for transition in record.transitions)
    return replace(record, summary=with_cost(record.summary, None, price, statuses))


def with_tags(record: JobRecord, steps: Sequence[Step]) -> JobRecord:
    """The job's final Describe answer with the tags jobtrail keeps of it (Describe holds none): those its
    events carry, as the scripted ListTags answers them; a pipeline execution's pipeline has none."""
    tags = {} if record.key.kind == "pipeline" else kept_tags(steps[0].tags)
    return replace(record, summary=replace(record.summary, tags=tags))


def emf_metric_counts(log_path: Path, length: int) -> dict[str, int]:
    """Each EMF metric the first ``length`` bytes of the log hold (``name service=…``): in how many of its
    documents (invocations) it has a value. A custom metric is billed for each hour it has one."""
    counts: Counter[str] = Counter()
    with log_path.open("rb") as log:
        text = log.read(length).decode("utf-8", errors="replace")
    for line in text.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            dimensions = ",".join(
                f"{name}={document.get(name)}" for group in directive["Dimensions"] for name in group
            )
            for metric in directive["Metrics"]:
                counts[f"{directive['Namespace']}/{metric['Name']} {dimensions}"] += 1
    return dict(counts)


@contextmanager
def stdout_to(path: Path) -> Iterator[None]:
    """What the function prints (its JSON logs and EMF metrics) goes to ``path``, as Lambda sends it to
    CloudWatch Logs; the file's size is the log volume."""
    sys.stdout.flush()
    saved = os.dup(1)
    with path.open("wb") as log:
        os.dup2(log.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--noop-events", type=int, default=300)
    parser.add_argument("--mixed", action="store_true", help="a load of every kind, not training jobs only")
    parser.add_argument(
        "--accounts", type=int, choices=range(1, 4), default=1, help="organization mode: 2 or 3 accounts"
    )
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    use_local_credentials()
    result = replay(
        args.engine,
        args.jobs,
        args.seed,
        args.noop_events,
        args.log,
        mixed=args.mixed,
        accounts=args.accounts,
    )
    args.output.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
