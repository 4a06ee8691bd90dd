"""Faults: a burst of generated jobs replayed the way SQS delivers it, while AWS fails one call in five.

The load (``jobtrail_local.loadgen``) is replayed through ``handle_batch`` in simulated time: messages arrive
when EventBridge delivers them, Lambda takes batches of 10 (waiting up to the batching window), and the
records a batch reports as failed come back after the queue's visibility timeout, among new traffic.
SageMaker answers with the state it had at that moment, and ``IngestDeps.clock`` reads the simulated time,
so alert claims expire as they would. The failures are injected where AWS produces them: a botocore
``before-call`` handler, registered first on every client the test creates, answers a call with the
error response the service sends, parsed by botocore's own parser — so botocore's exception classes,
PynamoDB's error wrapping and the store's mapping (``StoreError``, ``WriteConflict``) all run for real.
Each injected error stands for one that outlasted botocore's retries.

The 200-job replay runs on DynamoDB Local, a smaller one on moto (whose transactions cost time in
proportion to the whole table), and the crash tests on moto. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.parsers import create_parser
from expectations import described
from fakes import FakeWorld, scripted_training_jobs
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.adapters.sns import SnsAlertPublisher
from jobtrail.adapters.sqs import SqsDeadLetters
from jobtrail.core.model import JobSummary, Metric, Transition
from jobtrail.usecases.ingest import IngestDeps, handle_batch
from jobtrail.usecases.ports import JobHistories
from jobtrail.usecases.sync import ALERT_CLAIM_SECONDS
from jobtrail_local.lifecycle_builder import job_key
from jobtrail_local.loadgen import Delivery, Load, deliveries, generate, stream_stats
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker
from jobtrail_local.table_schema import load_template
from msgspec.structs import replace
from worlds import World, world_on

if TYPE_CHECKING:
    from conftest import TableTarget

FAULT_RATE = 0.20
BATCH_SIZE = 10
BATCHING_WINDOW = timedelta(seconds=5)
_QUEUE = load_template()["Resources"]["StateChangeQueue"]["Properties"]
#: The template's StateChangeQueue: a failed record comes back after this long ...
VISIBILITY_TIMEOUT = timedelta(seconds=int(_QUEUE["VisibilityTimeout"]))
#: ... and after this many receives SQS moves it to the dead-letter queue.
MAX_RECEIVE_COUNT = int(_QUEUE["RedrivePolicy"]["maxReceiveCount"])
#: The replay gives up (and the test fails) after this many receives of one message.
RECEIVE_LIMIT = 40


class ProcessDied(BaseException):
    """The Lambda process stops here: not an ``Exception``, so nothing in the handler can catch it."""


# ---------------------------------------------------------------------------------------- fault injection
#: The error bodies the services send (JSON protocol for SageMaker and DynamoDB, XML for SNS).
_THROTTLED_DESCRIBE = {"__type": "ThrottlingException", "message": "Rate exceeded"}
_DYNAMODB = "com.amazonaws.dynamodb.v20120810#"
_THROUGHPUT = {
    "__type": f"{_DYNAMODB}ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded. "
    "Consider increasing your provisioning level with the UpdateTable API.",
}
_INTERNAL = {"__type": f"{_DYNAMODB}InternalServerError", "message": "Internal server error"}
_SNS_ERRORS = (
    (429, "Sender", "Throttled", "Rate exceeded"),
    (500, "Receiver", "InternalError", "An internal service error has occurred."),
)


def _marks_an_alert_sent(params: dict[str, Any]) -> bool:
    """The UpdateItem of ``HistoryStore.mark_sent`` (the only one that sets ``sns_message_id``)."""
    names = json.loads(params["body"]).get("ExpressionAttributeNames", {})
    return "sns_message_id" in names.values()


_REQUEST_IDS = itertools.count(1)


def error_response(model: Any, status: int, body: bytes, content_type: str) -> tuple[AWSResponse, Any]:
    """What botocore would have made of the service's error answer: its parser's output, modeled fields
    (such as ``CancellationReasons``) included, as ``Endpoint`` adds them."""
    request_id = f"fault-{next(_REQUEST_IDS)}"
    headers = {"x-amzn-requestid": request_id, "content-type": content_type}
    response = {
        "status_code": status,
        "headers": headers,
        "body": body,
        "context": {"operation_name": model.name},
    }
    service = model.service_model
    parser = create_parser(service.metadata["protocol"])
    parsed = parser.parse(response, model.output_shape)
    error_shape = service.shape_for_error_code(parsed.get("Error", {}).get("Code"))
    if error_shape is not None:
        parsed.update(parser.parse(response, error_shape))
    return AWSResponse(
        f"https://{service.endpoint_prefix}.us-east-1.amazonaws.com/", status, headers, None
    ), parsed


@dataclass
class Faults:
    """Fails ``rate`` of the calls ingest makes to SageMaker, DynamoDB and SNS, with seeded randomness.

    Every such call may fail but one: the UpdateItem that records an alert as sent. It runs after SNS
    accepted the alert, the one moment the outbox leaves to subscribers (see the last crash test).
    """

    rate: float
    seed: int
    enabled: bool = True
    injected: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        # ListTags draws from its own sequence, so the other calls fail where they always did.
        self._tags_rng = random.Random(self.seed + 1)

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, Any] | None:
        operation = f"{model.service_model.service_name}.{model.name}"
        self.calls[operation] += 1
        rng = self._tags_rng if operation == "sagemaker.ListTags" else self._rng
        if not self.enabled or rng.random() >= self.rate:
            return None
        fault = self._fault(operation, params)
        if fault is None:
            return None
        kind, status, body, content_type = fault
        self.injected[kind] += 1
        return error_response(model, status, body, content_type)

    def _fault(self, operation: str, params: dict[str, Any]) -> tuple[str, int, bytes, str] | None:
        json_10, json_11 = "application/x-amz-json-1.0", "application/x-amz-json-1.1"
        coin = self._rng.random() < 0.5
        if operation == "sagemaker.DescribeTrainingJob":
            return "Describe ThrottlingException", 400, json.dumps(_THROTTLED_DESCRIBE).encode(), json_11
        if operation == "sagemaker.ListTags":
            return "ListTags ThrottlingException", 400, json.dumps(_THROTTLED_DESCRIBE).encode(), json_11
        if operation == "dynamodb.PutItem":  # a new alert, then the job's summary item
            if coin:
                return "PutItem InternalServerError", 500, json.dumps(_INTERNAL).encode(), json_10
            return "PutItem ProvisionedThroughputExceeded", 400, json.dumps(_THROUGHPUT).encode(), json_10
        if operation == "dynamodb.Query":
            return "Query ProvisionedThroughputExceeded", 400, json.dumps(_THROUGHPUT).encode(), json_10
        if operation == "dynamodb.UpdateItem":
            if _marks_an_alert_sent(params):
                return None
            # (no transaction writes the table any more: an update can no longer meet one in progress)
            return "UpdateItem ProvisionedThroughputExceeded", 400, json.dumps(_THROUGHPUT).encode(), json_10
        if operation == "sns.Publish":
            status, who, code, message = _SNS_ERRORS[int(coin)]
            body = (
                f'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>{who}</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error>"
                "<RequestId>fault</RequestId></ErrorResponse>"
            ).encode()
            return f"SNS Publish {code}", status, body, "text/xml"
        return None


FAULT_KINDS = {
    "Describe ThrottlingException",
    "ListTags ThrottlingException",
    "Query ProvisionedThroughputExceeded",
    "PutItem ProvisionedThroughputExceeded",
    "PutItem InternalServerError",
    "UpdateItem ProvisionedThroughputExceeded",
    "SNS Publish Throttled",
    "SNS Publish InternalError",
}
_FAULTABLE = (
    "before-call.sagemaker.DescribeTrainingJob",
    "before-call.sagemaker.ListTags",
    "before-call.dynamodb.Query",
    "before-call.dynamodb.PutItem",
    "before-call.dynamodb.UpdateItem",
    "before-call.sns.Publish",
)


@contextmanager
def on_every_new_client(register: Callable[[Any], None]) -> Iterator[None]:
    """Call ``register(client)`` for every botocore client created meanwhile — boto3's and PynamoDB's
    (each PynamoDB connection makes its own botocore session, so hooking one session is not enough)."""
    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        register(client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


def inject(faults: Faults) -> Callable[[Any], None]:
    def register(client: Any) -> None:
        for event in _FAULTABLE:
            # First, so that it answers before ScriptedSageMaker's own before-call handler (and moto).
            client.meta.events.register_first(event, faults.before_call)

    return register


# ------------------------------------------------------------------------------------------- the replay
@dataclass
class _Message:
    delivery: Delivery
    receive_count: int
    visible_at: datetime


@dataclass
class ReplayStats:
    deliveries: int = 0
    records: int = 0
    batches: int = 0
    redeliveries: int = 0
    crashes: int = 0
    #: For each crashed invocation, how many distinct jobs its batch held.
    crashed_batch_jobs: list[int] = field(default_factory=list)
    max_receive_count: int = 0
    beyond_max_receive_count: int = 0


@dataclass
class Replay:
    """The state-change queue and Lambda's SQS poller in simulated time, one invocation at a time.

    Messages become visible when EventBridge delivers them; a poll takes the visible ones, waiting up to
    the batching window for ten. A record reported failed (or every record, when the invocation died)
    becomes visible again a visibility timeout later, with its receive count up by one. Before each
    invocation SageMaker is advanced to every change made by then.
    """

    load: Load
    stream: tuple[Delivery, ...]
    script: ScriptedSageMaker
    batching_window: timedelta = BATCHING_WINDOW
    now: datetime = field(init=False)
    stats: ReplayStats = field(default_factory=ReplayStats)

    def __post_init__(self) -> None:
        self.now = self.stream[0].at
        self._changes = deque(self.load.steps)

    def clock(self) -> datetime:
        """``IngestDeps.clock``: the simulated time."""
        return self.now

    def run(self, deps: IngestDeps) -> ReplayStats:
        arrivals = deque(self.stream)
        queue: list[_Message] = []
        self.stats.deliveries = len(self.stream)
        while arrivals or queue:
            soonest = min([m.visible_at for m in queue] + ([arrivals[0].at] if arrivals else []))
            self.now = max(self.now, soonest)
            deadline = self.now + self.batching_window
            while arrivals and arrivals[0].at <= self.now:
                arrived = arrivals.popleft()
                queue.append(_Message(arrived, 1, arrived.at))
            while arrivals and arrivals[0].at <= deadline and self._visible(queue) < BATCH_SIZE:
                self.now = arrivals[0].at
                queue.append(_Message(arrivals.popleft(), 1, self.now))
            batch = sorted((m for m in queue if m.visible_at <= self.now), key=lambda m: m.visible_at)
            self._invoke(batch[:BATCH_SIZE], queue, deps)
        return self.stats

    def _visible(self, queue: list[_Message]) -> int:
        return sum(1 for m in queue if m.visible_at <= self.now)

    def _invoke(self, batch: list[_Message], queue: list[_Message], deps: IngestDeps) -> None:
        while self._changes and self._changes[0].describe["LastModifiedTime"] <= self.now:
            self.script.advance(self._changes.popleft())
        event = {"Records": [m.delivery.sqs_record(m.receive_count) for m in batch]}
        self.stats.batches += 1
        self.stats.records += len(batch)
        try:
            response = handle_batch(event, deps)
            failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        except ProcessDied:
            # The invocation died: Lambda reports no answer, so every record of the batch comes back.
            self.stats.crashes += 1
            self.stats.crashed_batch_jobs.append(len({m.delivery.step.job_name for m in batch}))
            failed = {m.delivery.message_id for m in batch}
        for message in batch:
            if message.delivery.message_id in failed:
                message.receive_count += 1
                message.visible_at = self.now + VISIBILITY_TIMEOUT
                self.stats.redeliveries += 1
                assert message.receive_count <= RECEIVE_LIMIT, "a record never got through"
            else:
                queue.remove(message)
                self.stats.max_receive_count = max(self.stats.max_receive_count, message.receive_count)
                self.stats.beyond_max_receive_count += message.receive_count > MAX_RECEIVE_COUNT


# --------------------------------------------------------------------------------------------- helpers
JobHistory = tuple[JobSummary, tuple[Transition, ...], tuple[tuple[str, str, datetime | None], ...]]
JobTags = dict[str, Mapping[str, str] | None]


@dataclass
class Outcome:
    replay: ReplayStats
    history: dict[str, JobHistory]
    published: Counter[str]
    alert_states: Counter[str]
    tags: JobTags


def deps_for(world: World, replay: Replay) -> IngestDeps:
    """Ingest's dependencies on the world, with clients created now (so that hooks installed reach them)."""
    jobs = scripted_training_jobs(replay.script)
    return IngestDeps(
        jobs=jobs,
        tags=jobs,
        histories=world.store,
        dead_letters=SqsDeadLetters(world.sqs, world.dead_letter_queue_url),
        alerts=SnsAlertPublisher(boto3.client("sns", region_name="us-east-1"), world.topic_arn),
        clock=replay.clock,
    )


def stored(histories: JobHistories, load: Load) -> tuple[dict[str, JobHistory], Counter[str]]:
    """Per job: the summary as Describe shows it, every transition (ends and messages included) and the
    exact final metrics; and the states of all alerts in the outbox."""
    result: dict[str, JobHistory] = {}
    states: Counter[str] = Counter()
    for name in load.job_names:
        job = histories.load(job_key(name))
        assert job is not None, f"{name} was never stored"
        result[name] = (described(job.summary), job.transitions, _exact(job.final_metrics))
        states.update(alert.state for alert in job.alerts)
    return result, states


def stored_tags(histories: JobHistories, load: Load) -> JobTags:
    """Per job: the tags kept with it (``None``: not read yet)."""
    found = {name: histories.load(job_key(name)) for name in load.job_names}
    return {name: job.summary.tags if job else None for name, job in found.items()}


def truth(load: Load) -> dict[str, JobHistory]:
    """What SageMaker says about each job in the end."""
    result: dict[str, JobHistory] = {}
    for name in load.job_names:
        record = record_from_describe(load.final_describe(name))
        result[name] = (record.summary, record.transitions, _exact(record.final_metrics))
    return result


def _exact(metrics: tuple[Metric, ...]) -> tuple[tuple[str, str, datetime | None], ...]:
    return tuple((m.name, m.value.hex(), m.timestamp) for m in metrics)


def published_alerts(world: World) -> Counter[str]:
    """Alert ids as the topic's subscriber received them (one count per notification)."""
    return Counter(json.loads(n["Message"])["alert_id"] for n in world.notifications())


def run_without_faults(load: Load, stream: tuple[Delivery, ...]) -> Outcome:
    """The same replay on in-memory stand-ins: the reference history and alerts."""
    world = FakeWorld()
    replay = Replay(load, stream, world.script)
    stats = replay.run(replace(world.deps, clock=replay.clock))
    history, states = stored(world.histories, load)
    published = Counter(a.alert_id for a in world.publisher.published)
    return Outcome(stats, history, published, states, stored_tags(world.histories, load))


def run_with_faults(world: World, load: Load, stream: tuple[Delivery, ...], faults: Faults) -> Outcome:
    """The replay on the world's engines, every client created meanwhile failing as ``faults`` says."""
    replay = Replay(load, stream, ScriptedSageMaker())
    with on_every_new_client(inject(faults)):
        stats = replay.run(deps_for(world, replay))
        faults.enabled = False
        history, states = stored(world.store, load)
        tags = stored_tags(world.store, load)
    return Outcome(stats, history, published_alerts(world), states, tags)


def report(
    title: str, load: Load, stream: tuple[Delivery, ...], clean: Outcome, faulty: Outcome, faults: Faults
) -> None:
    """The figures, printed (``pytest -s`` shows them)."""
    s = stream_stats(stream)
    expected = load.expected_alert_ids
    transitions = sum(len(h[1]) for h in clean.history.values())
    metrics = sum(len(h[2]) for h in clean.history.values())
    lost = sum(
        len({t.key for t in clean.history[name][1]} - {t.key for t in faulty.history[name][1]})
        for name in load.job_names
    )
    replayed = faulty.replay
    lines = [
        f"== {title} ==",
        f"load: {len(load.job_names)} jobs, {s.changes} state changes, {s.events} deliveries "
        f"({s.resent} resent with a new id, {s.redelivered} redelivered with the same id, {s.late} late)",
        f"fault-free run (in memory): {clean.replay.batches} batches, {clean.replay.records} records",
        f"faulty run ({FAULT_RATE:.0%} of calls fail): {replayed.records} records replayed in "
        f"{replayed.batches} batches, {replayed.redeliveries} redeliveries, max receive count "
        f"{replayed.max_receive_count} ({replayed.beyond_max_receive_count} records received more than "
        f"maxReceiveCount {MAX_RECEIVE_COUNT} times: SQS would have moved them to the dead-letter queue)",
        "calls made: " + ", ".join(f"{op} {n}" for op, n in sorted(faults.calls.items())),
        f"faults injected ({sum(faults.injected.values())}): "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(faults.injected.items())),
        f"compared: {len(load.job_names)} jobs, {transitions} transitions, {metrics} final metrics, "
        f"{len(expected)} alerts",
        f"lost: {lost} transitions, {len(expected - set(faulty.published))} alerts; "
        f"doubled: {sum(1 for n in faulty.published.values() if n > 1)} alerts",
    ]
    print("\n" + "\n".join(lines))


# ----------------------------------------------------------------------------------------------- tests
@pytest.fixture
def moto_world(moto_table: TableTarget) -> Iterator[World]:
    with world_on(moto_table) as world:
        yield world


def replay_with_faults(world: World, jobs: int, seed: int, title: str) -> None:
    # Given a burst of interleaved jobs, delivered with duplicates and late events
    load = generate(jobs, seed=seed)
    stream = deliveries(load, duplicate_rate=0.05, seed=seed)
    # When it is replayed without faults (in memory), and on the engines with 20 % of the calls failing
    clean = run_without_faults(load, stream)
    faults = Faults(rate=FAULT_RATE, seed=seed)
    faulty = run_with_faults(world, load, stream, faults)
    report(title, load, stream, clean, faulty, faults)
    # Then every kind of fault happened, and records came back for them
    assert set(faults.injected) == FAULT_KINDS, faults.injected
    assert faulty.replay.redeliveries > 0
    # And the history is the fault-free run's, which is what SageMaker says: no transition lost
    assert clean.history == truth(load)
    assert faulty.history == clean.history
    # And each job keeps its tags; a job whose every ListTags failed has none yet, and was recorded anyway
    assert clean.tags == {name: load.tags(name) for name in load.job_names}
    assert all(faulty.tags[name] in (None, load.tags(name)) for name in load.job_names)
    unknown = sum(tags is None for tags in faulty.tags.values())
    assert unknown <= faults.injected["ListTags ThrottlingException"]
    # And every expected alert reached the subscriber exactly once, and is marked sent
    once = Counter(dict.fromkeys(load.expected_alert_ids, 1))
    assert clean.published == once
    assert faulty.published == once
    assert faulty.alert_states == Counter({"sent": len(load.expected_alert_ids)})


@pytest.mark.dynamodb_local
def test_200_jobs_through_sqs_with_one_call_in_five_failing_end_as_without_faults(
    local_world: World,
) -> None:
    """The big replay runs on DynamoDB Local: moto deep-copies the whole table for every item of every
    write (its rollback journal), so its time grows with the square of the table (7 min here)."""
    replay_with_faults(local_world, jobs=200, seed=2026, title="200 jobs, DynamoDB Local")


def test_the_same_on_moto_with_20_jobs(moto_world: World) -> None:
    replay_with_faults(moto_world, jobs=20, seed=44, title="20 jobs, moto")


# -------------------------------------------------------------------------------------- crashes mid-batch
@dataclass
class Crash:
    """Kills the process at the given occurrences of a botocore event (``before-call…``/``after-call…``)."""

    event: str
    at: frozenset[int]
    seen: int = 0

    def __call__(self, **_: Any) -> None:
        self.seen += 1
        if self.seen in self.at:
            raise ProcessDied(f"{self.event} #{self.seen}")


CRASH_POINTS = {
    # A write committed (a new alert, pending and claimed, or the job's summary with its transitions after
    # its alerts); its answer never arrived.
    "after a write": "after-call.dynamodb.PutItem",
    # The alerts are written and claimed; the process dies as it is about to publish one.
    "before the publish": "before-call.sns.Publish",
}
#: A long batching window (SQS allows 300 s) fills batches with several jobs: the crashes fall mid-batch.
CRASH_BATCHING_WINDOW = timedelta(seconds=300)


def replay_with_crashes(world: World, crash: Crash, load: Load) -> ReplayStats:
    replay = Replay(load, deliveries(load, seed=load.seed), ScriptedSageMaker(), CRASH_BATCHING_WINDOW)

    def register(client: Any) -> None:
        client.meta.events.register_first(crash.event, crash)

    with on_every_new_client(register):
        return replay.run(deps_for(world, replay))


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_process_dying_mid_batch_between_its_writes_converges_with_each_alert_sent_once(
    moto_world: World, point: str
) -> None:
    # Given jobs with alerts, and a process that dies at the given point four times
    load = generate(15, seed=41)
    crash = Crash(CRASH_POINTS[point], frozenset({1, 3, 5, 8}))
    # When the stream is replayed; a dead invocation's batch comes back after the visibility timeout
    stats = replay_with_crashes(moto_world, crash, load)
    print(
        f"\n{point}: {stats.records} records, {stats.crashes} crashes in batches of "
        f"{stats.crashed_batch_jobs} jobs, {stats.redeliveries} redeliveries"
    )
    # Then it died as planned, in batches holding other jobs too
    assert stats.crashes == 4
    assert max(stats.crashed_batch_jobs) > 1
    # And, the claims (180 s) having expired when the records came back (365 s), it all converged:
    # the history is complete and each alert was published exactly once
    assert timedelta(seconds=ALERT_CLAIM_SECONDS) < VISIBILITY_TIMEOUT
    history, states = stored(moto_world.store, load)
    assert history == truth(load)
    assert published_alerts(moto_world) == Counter(dict.fromkeys(load.expected_alert_ids, 1))
    assert states == Counter({"sent": len(load.expected_alert_ids)})


def test_a_crash_after_sns_accepted_an_alert_publishes_it_again_once_with_the_same_id(
    moto_world: World,
) -> None:
    """The one window the outbox leaves open, by design (``model.alert_id_for``: subscribers drop the
    duplicate). Between SNS accepting an alert and the UpdateItem that marks it sent, a crash — or a mark
    that fails — leaves it pending under a claim that expires; the redelivery publishes it again."""
    load = generate(15, seed=41)
    stats = replay_with_crashes(moto_world, Crash("after-call.sns.Publish", frozenset({3})), load)
    assert stats.crashes == 1
    published = published_alerts(moto_world)
    assert set(published) == load.expected_alert_ids
    assert sorted(published.values(), reverse=True)[:2] == [2, 1]
    _, states = stored(moto_world.store, load)
    assert states == Counter({"sent": len(load.expected_alert_ids)})
