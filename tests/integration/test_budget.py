"""The call-count budgets of ``make bench``, fast: small generated loads, counted call by call.

Counts, not timings, so the result is the same on any machine: a change that makes ingest describe a job
twice, list a pipeline execution's steps twice, read it or write its summary more than once per batch,
write when nothing is new or publish an alert twice fails here. A training-only load runs on moto, a
load of every kind on DynamoDB Local. The budgets themselves live in ``bench/budgets.py``, shared with the
benchmark.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest
from jobtrail.adapters.sagemaker import tagged_arn
from jobtrail.core.kinds import KINDS
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.aws_calls import (
    DESCRIBE_LOG_STREAMS,
    DESCRIBES,
    GET_LOG_EVENTS,
    GET_PARAMETER,
    LIST_STEPS,
    LIST_TAGS,
    CallsByKind,
    ConsumedCapacity,
    count_aws_calls,
    kind_of_call,
)
from jobtrail_local.loadgen import MIXED_KINDS, Delivery, Load, deliveries, generate
from worlds import World, world_on

from bench.budgets import (
    HISTORY_WRITES,
    PUBLISH,
    Batch,
    Budget,
    alert_path_budgets,
    assume_role_budget,
    assume_roles_per_hour,
    call_budgets,
    cost_budget,
    noop_budget,
    replay_budgets,
    slack_thread_budgets,
)

if TYPE_CHECKING:
    from conftest import TableTarget

BATCH_SIZE = 10
#: DynamoDB write units per event of the small mixed load, indexes included (DynamoDB Local's
#: ConsumedCapacity). Measured 7.8 with every index projecting every attribute, 5.0 once they carried only
#: what never changes, 1.83 (0.93 on the indexes) once a job's record was packed into its summary item
#: and written without a transaction: every 0.1 above it costs $0.06 per million events.
WRITE_UNITS_PER_EVENT = 2.0
#: A load of every kind small enough for make test: 30 planned jobs (seed 12: 20 training, 10 processing,
#: 4 transform, 4 pipeline executions, 1 tuning job, about 200 events).
MIXED_JOBS, MIXED_SEED = 30, 12


@pytest.fixture
def moto_world(moto_table: TableTarget) -> Iterator[World]:
    with world_on(moto_table) as world:
        yield world


def deliver(world: World, chunk: Sequence[Delivery]) -> Batch:
    """One SQS batch through ingest, with every AWS call it makes counted, and told by kind of job."""
    keys = {d.step.key for d in chunk}
    by_kind = CallsByKind()
    tag_reads: list[str] = []

    def observe(call: str, params: Mapping[str, Any]) -> None:
        if call == LIST_TAGS:
            tag_reads.append(params["ResourceArn"])

    with count_aws_calls(by_kind=by_kind, observe=observe) as calls:
        response = handle_batch({"Records": [d.sqs_record() for d in chunk]}, world.deps)
    assert response["batchItemFailures"] == []
    return Batch(
        events=Counter(d.step.kind for d in chunk),
        jobs=Counter(key.kind for key in keys),
        calls=dict(calls),
        calls_by_kind={str(kind): dict(counted) for kind, counted in by_kind.calls.items()},
        tag_reads=tag_reads,
    )


def replay(world: World, load: Load, stream: Sequence[Delivery]) -> list[Batch]:
    """Batches of ten in arrival order; SageMaker answers as of the newest event of each batch."""
    changes = deque(load.steps)
    batches = []
    for start in range(0, len(stream), BATCH_SIZE):
        chunk = stream[start : start + BATCH_SIZE]
        newest = max(d.at for d in chunk)
        while changes and changes[0].modified <= newest:
            world.script.advance(changes.popleft())
        batches.append(deliver(world, chunk))
    return batches


def deliver_again(world: World, events: Sequence[Delivery]) -> list[Batch]:
    return [deliver(world, events[i : i + BATCH_SIZE]) for i in range(0, len(events), BATCH_SIZE)]


def report(budgets: Sequence[Budget]) -> None:
    print("\n" + "\n".join(f"{b.verdict} {b.name}: {b.measured} (limit {b.limit})" for b in budgets))


@pytest.fixture(scope="module")
def mixed_load() -> tuple[Load, tuple[Delivery, ...]]:
    load = generate(MIXED_JOBS, seed=MIXED_SEED, mix=MIXED_KINDS)
    return load, deliveries(load, duplicate_rate=0.05, seed=MIXED_SEED)


def test_ingest_stays_within_its_call_budgets(moto_world: World) -> None:
    # Given 20 interleaved jobs whose events arrive with duplicates and late ones, in batches of ten
    load = generate(20, seed=12)
    stream = deliveries(load, duplicate_rate=0.05, seed=12)
    batches = replay(moto_world, load, stream)
    # When 40 of those events are delivered again, now that nothing is new
    again = random.Random(12).sample(list(stream), 40)
    noop = deliver_again(moto_world, again)
    # Then every call-count budget holds
    budgets = call_budgets(batches, noop, expected_alerts=len(load.expected_alert_ids))
    report(budgets)
    assert [b.name for b in budgets if not b.passed] == []
    # And the load was one that puts the budgets to the test: batches holding a job twice, and alerts
    assert any(b.job_count < b.event_count for b in batches)
    assert sum(b.count(PUBLISH) for b in batches) > 0


@pytest.mark.dynamodb_local
def test_every_kind_stays_within_its_call_budgets(
    local_world: World, mixed_load: tuple[Load, tuple[Delivery, ...]]
) -> None:
    # Given jobs of every kind, interleaved, their events duplicated and late, in batches of ten
    load, stream = mixed_load
    # When they go through ingest on DynamoDB Local
    batches = replay(local_world, load, stream)
    # And 60 of the events of every kind but tuning (the next test) are delivered again
    again = [d for d in stream if d.step.kind != "tuning"]
    noop = deliver_again(local_world, random.Random(MIXED_SEED).sample(again, 60))
    # Then each kind's Describe (and a pipeline's one page of steps) comes at most once per job and batch,
    # DynamoDB is read and written at most once per job and batch, each alert published once, and the
    # events that bring nothing new write nothing
    budgets = [*replay_budgets(batches, expected_alerts=len(load.expected_alert_ids)), noop_budget(noop)]
    report(budgets)
    assert [b.name for b in budgets if not b.passed] == []
    # And the load put every kind's budget to the test: each kind described, pipeline steps listed, a
    # batch holding two events of a job (of every kind but processing, in this load), alerts, and every
    # kind but tuning delivered again
    described = {kind for kind in KINDS if sum(b.count(DESCRIBES[kind]) for b in batches)}
    assert described == set(KINDS)
    assert sum(b.count(LIST_STEPS) for b in batches) > 0
    for kind in ("training", "transform", "tuning", "pipeline"):
        assert any(b.events.get(kind, 0) > b.jobs.get(kind, 0) for b in batches), kind
    assert sum(b.count(PUBLISH) for b in batches) > 0
    assert {kind for b in noop for kind in b.events} == set(KINDS) - {"tuning"}


@pytest.mark.dynamodb_local
def test_a_load_of_every_kind_stays_within_its_write_units(
    local_world: World, mixed_load: tuple[Load, tuple[Delivery, ...]]
) -> None:
    # Given jobs of every kind, their events duplicated and late, in batches of ten
    load, stream = mixed_load
    # When they go through ingest on DynamoDB Local, its consumed capacity counted
    capacity = ConsumedCapacity()
    with count_aws_calls(capacity=capacity):
        batches = replay(local_world, load, stream)
    # Then every write reported its units, and they stay within the budget per event
    events = sum(b.event_count for b in batches)
    per_event = capacity.write_units / events
    print(f"\n{per_event:.2f} WRU per event ({capacity.index_write_units / events:.2f} on the indexes)")
    assert capacity.missing == 0
    assert 0 < per_event <= WRITE_UNITS_PER_EVENT
    # And the alerts it is due were published, once each (the units bought no shortcut)
    assert sum(b.count(PUBLISH) for b in batches) == len(load.expected_alert_ids)


@pytest.mark.dynamodb_local
def test_a_tuning_job_writes_nothing_when_nothing_is_new(
    local_world: World, mixed_load: tuple[Load, tuple[Delivery, ...]]
) -> None:
    # Given the mixed load's tuning job ingested on DynamoDB Local
    load, stream = mixed_load
    tuning = [d for d in stream if d.step.kind == "tuning"]
    replay(local_world, load, tuning)
    # When its events are delivered again
    noop = deliver_again(local_world, tuning)
    # Then nothing is written and nothing published
    budget = noop_budget(noop)
    report([budget])
    assert sum(b.count(*HISTORY_WRITES) for b in noop) == 0
    assert budget.passed


def test_the_budgets_catch_a_second_describe_a_write_when_nothing_is_new_and_a_double_publish() -> None:
    training = DESCRIBES["training"]
    good = Batch(
        {"training": 3},
        {"training": 2},
        {training: 2, "dynamodb.Query": 2, "dynamodb.PutItem": 2},
    )
    twice = Batch({"training": 3}, {"training": 2}, {training: 3})
    idle_write = Batch({"training": 1}, {"training": 1}, {training: 1, "dynamodb.UpdateItem": 1})
    published = Batch({"training": 1}, {"training": 1}, {PUBLISH: 2, "dynamodb.UpdateItem": 2})
    failed = {
        b.name
        for b in call_budgets([good, twice, published], [idle_write], expected_alerts=1)
        if not b.passed
    }
    assert failed == {"DescribeTrainingJob per batch", "Writes when nothing is new", "SNS Publish per alert"}
    assert all(
        b.passed
        for b in call_budgets(
            [good], [Batch({"training": 1}, {"training": 1}, {training: 1})], expected_alerts=0
        )
    )


def test_the_budgets_hold_each_kind_to_its_own_jobs() -> None:
    # Given a batch of one training job and two pipeline executions
    events, jobs = {"training": 2, "pipeline": 3}, {"training": 1, "pipeline": 2}
    pipeline = DESCRIBES["pipeline"]
    fine = {DESCRIBES["training"]: 1, pipeline: 2, LIST_STEPS: 2, "dynamodb.Query": 3}

    def failed(calls: dict[str, int]) -> set[str]:
        return {b.name for b in replay_budgets([Batch(events, jobs, calls)], 0) if not b.passed}

    # Then one Describe per job of each kind and one page of steps per execution pass
    assert failed(fine) == set()
    # And a third pipeline Describe, a third page of steps, a second training Describe (even with a
    # pipeline Describe fewer), a Describe of a kind the batch does not hold, each fail
    assert failed(fine | {pipeline: 3}) == {"DescribePipelineExecution per batch"}
    assert failed(fine | {LIST_STEPS: 3}) == {"ListPipelineExecutionSteps pages per batch"}
    assert failed(fine | {DESCRIBES["training"]: 2, pipeline: 1}) == {"DescribeTrainingJob per batch"}
    assert failed(fine | {DESCRIBES["processing"]: 1}) == {
        "DescribeProcessingJob per batch",
        "DescribeProcessingJob per processing event",
    }


# ---- the alert path: tags, logs, routes ----------------------------------------------------------------

ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/bert-1"
PIPELINE = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn"


def alert_path_failures(batches: Sequence[Batch], noop: Sequence[Batch], seconds: float = 30.0) -> set[str]:
    jobs = {ARN: 1, PIPELINE: 2}
    return {
        b.name
        for b in alert_path_budgets(batches, noop, jobs_per_tagged_arn=jobs, seconds=seconds)
        if not b.passed
    }


def test_the_alert_path_budgets_pass_one_read_of_each_and_catch_every_extra_one() -> None:
    # Given a batch that reads each job's tags once (a pipeline's ARN once per execution), quotes the log
    # of its one Failed alert (three streams) and reads the routes document once; and a no-op batch
    failed = {"Failed": 1, "MaxRuntimeExceeded": 1}
    logs = {DESCRIBE_LOG_STREAMS: 1, GET_LOG_EVENTS: 3}
    good = Batch(
        {"training": 3},
        {"training": 3},
        {**logs, GET_PARAMETER: 1},
        alerts=failed,
        tag_reads=[ARN, PIPELINE, PIPELINE],
    )
    idle = Batch({"training": 1}, {"training": 1}, {})
    assert alert_path_failures([good], [idle]) == set()
    # Then a third read of the pipeline's tags, a log read for an alert that is not Failed, more log pages
    # than three streams of three pages, a second GetParameter within a minute, and any of these when
    # nothing is new each fail their budget
    again = Batch({"training": 1}, {"training": 1}, {}, tag_reads=[PIPELINE])
    assert alert_path_failures([good, again], [idle]) == {"ListTags per job"}
    stalled = Batch({"training": 1}, {"training": 1}, logs, alerts={"MaxRuntimeExceeded": 1})
    assert alert_path_failures([good, stalled], [idle]) == {
        "DescribeLogStreams per Failed alert",
        "GetLogEvents per Failed alert",
    }
    paged = Batch({"training": 1}, {"training": 1}, {GET_LOG_EVENTS: 10}, alerts={"Failed": 1})
    assert alert_path_failures([paged], [idle]) == {"GetLogEvents per Failed alert"}
    reread = Batch({"training": 1}, {"training": 1}, {GET_PARAMETER: 1}, alerts={"Failed": 1})
    assert alert_path_failures([good, reread], [idle]) == {"GetParameter (routes document) per container"}
    assert alert_path_failures([good, reread], [idle], seconds=61.0) == set()
    noisy = Batch({"training": 1}, {"training": 1}, {GET_LOG_EVENTS: 1})
    assert alert_path_failures([good], [noisy]) == {"Tags, logs and routes read when nothing is new"}


def test_the_slack_budgets_want_one_recorded_parent_per_thread_and_one_broadcast_per_alert() -> None:
    fine = {"in_slack": 3, "threads": 3, "orphans": 0, "unposted": 0}
    assert all(b.passed for b in slack_thread_budgets(fine, alerts=2, broadcast_replies=2))
    second_parent = fine | {"in_slack": 4, "orphans": 1}
    assert [b.passed for b in slack_thread_budgets(second_parent, 2, 2)] == [False, True]
    lost_parent = fine | {"in_slack": 2, "unposted": 1}
    assert [b.passed for b in slack_thread_budgets(lost_parent, 2, 2)] == [False, True]
    assert [b.passed for b in slack_thread_budgets(fine, 2, 3)] == [True, False]


def test_tag_and_log_reads_are_put_down_to_the_kind_they_are_about() -> None:
    assert kind_of_call(LIST_TAGS, {"ResourceArn": ARN}) == "training"
    assert kind_of_call(LIST_TAGS, {"ResourceArn": PIPELINE}) == "pipeline"
    processing = "arn:aws:sagemaker:us-east-1:123456789012:processing-job/features-1"
    assert kind_of_call(LIST_TAGS, {"ResourceArn": processing}) == "processing"
    assert kind_of_call(GET_LOG_EVENTS, {"logGroupName": "/aws/sagemaker/TransformJobs"}) == "transform"
    assert kind_of_call(DESCRIBE_LOG_STREAMS, {"logGroupName": "/aws/lambda/other"}) is None
    assert kind_of_call(GET_PARAMETER, {"Name": "/jobtrail/routes"}) is None


def test_ingest_reads_each_job_s_tags_once(moto_world: World) -> None:
    # Given 20 jobs replayed with duplicates and late events, then 40 events delivered again
    load = generate(20, seed=12)
    stream = deliveries(load, duplicate_rate=0.05, seed=12)
    batches = replay(moto_world, load, stream)
    noop = deliver_again(moto_world, random.Random(12).sample(list(stream), 40))
    # Then ListTags was asked once per job, and not at all when nothing was new
    jobs = Counter(tagged_arn(load.final_record(job).summary) for job in load.jobs)
    budgets = alert_path_budgets(batches, noop, jobs_per_tagged_arn=jobs, seconds=0.0)
    report(budgets)
    assert [b.name for b in budgets if not b.passed] == []
    assert sum(len(b.tag_reads) for b in batches) == len(load.jobs)


def test_the_cost_budget_holds_the_total_to_two_dollars_a_million_events() -> None:
    assert cost_budget("mixed load", 1.99).passed
    assert cost_budget("mixed load", 2.00).passed
    over = cost_budget("training-only load", 2.01)
    assert not over.passed
    assert over.measured == "$2.01"


def test_the_assume_role_budget_wants_at_most_one_per_member_account_and_some_when_members_spoke() -> None:
    assert assume_role_budget(2, member_accounts=2, member_events=838).passed
    assert assume_role_budget(1, member_accounts=2, member_events=12).passed  # one member was quiet
    assert assume_role_budget(0, member_accounts=2, member_events=0).passed
    again = assume_role_budget(3, member_accounts=2, member_events=838)
    assert not again.passed
    assert again.measured == "3 for 2 member accounts (838 of their events)"
    assert not assume_role_budget(0, member_accounts=2, member_events=838).passed


def test_assume_roles_per_hour_follows_the_credentials_lifetime() -> None:
    # Credentials of 3600 s renewed 600 s before they expire: each member's role once every 3000 s per
    # warm container, 1.2 times an hour, times the containers the event source may run at once
    assert assume_roles_per_hour(2, containers=5) == pytest.approx(12.0)
    assert assume_roles_per_hour(1, containers=1) == pytest.approx(1.2)
    assert assume_roles_per_hour(0, containers=5) == 0
