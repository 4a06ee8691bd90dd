"""The call-count budgets of ``make bench``, fast: a small generated load on moto, counted call by call.

Counts, not timings, so the result is the same on any machine: a change that makes ingest describe a job
twice, read or write it more than once per batch, write when nothing is new or publish an alert twice
fails here. The budgets themselves live in ``bench/budgets.py``, shared with the benchmark.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.loadgen import Delivery, Load, deliveries, generate
from worlds import World, world_on

from bench.budgets import DESCRIBE, PUBLISH, Batch, call_budgets

if TYPE_CHECKING:
    from conftest import TableTarget

BATCH_SIZE = 10


@pytest.fixture
def moto_world(moto_table: TableTarget) -> Iterator[World]:
    with world_on(moto_table) as world:
        yield world


def deliver(world: World, chunk: list[Delivery]) -> Batch:
    """One SQS batch through ingest, with every AWS call it makes counted."""
    jobs = len({json.loads(d.body)["detail"]["TrainingJobName"] for d in chunk})
    with count_aws_calls() as calls:
        response = handle_batch({"Records": [d.sqs_record() for d in chunk]}, world.deps)
    assert response["batchItemFailures"] == []
    return Batch(events=len(chunk), jobs=jobs, calls=dict(calls))


def replay(world: World, load: Load, stream: tuple[Delivery, ...]) -> list[Batch]:
    """Batches of ten in arrival order; SageMaker answers as of the newest event of each batch."""
    changes = deque(load.steps)
    batches = []
    for start in range(0, len(stream), BATCH_SIZE):
        chunk = list(stream[start : start + BATCH_SIZE])
        newest = max(d.at for d in chunk)
        while changes and changes[0].describe["LastModifiedTime"] <= newest:
            world.script.advance(changes.popleft())
        batches.append(deliver(world, chunk))
    return batches


def test_ingest_stays_within_its_call_budgets(moto_world: World) -> None:
    # Given 20 interleaved jobs whose events arrive with duplicates and late ones, in batches of ten
    load = generate(20, seed=12)
    stream = deliveries(load, duplicate_rate=0.05, seed=12)
    batches = replay(moto_world, load, stream)
    # When 40 of those events are delivered again, now that nothing is new
    again = random.Random(12).sample(list(stream), 40)
    noop = [deliver(moto_world, again[i : i + BATCH_SIZE]) for i in range(0, len(again), BATCH_SIZE)]
    # Then every call-count budget holds
    budgets = call_budgets(batches, noop, expected_alerts=len(load.expected_alert_ids))
    print("\n" + "\n".join(f"{b.verdict} {b.name}: {b.measured} (limit {b.limit})" for b in budgets))
    assert [b.name for b in budgets if not b.passed] == []
    # And the load was one that puts the budgets to the test: batches holding a job twice, and alerts
    assert any(b.jobs < b.events for b in batches)
    assert sum(b.count(PUBLISH) for b in batches) > 0


def test_the_budgets_catch_a_second_describe_a_write_when_nothing_is_new_and_a_double_publish() -> None:
    good = Batch(events=3, jobs=2, calls={DESCRIBE: 2, "dynamodb.Query": 2, "dynamodb.TransactWriteItems": 2})
    twice = Batch(events=3, jobs=2, calls={DESCRIBE: 3})
    idle_write = Batch(events=1, jobs=1, calls={DESCRIBE: 1, "dynamodb.UpdateItem": 1})
    published = Batch(events=1, jobs=1, calls={PUBLISH: 2, "dynamodb.UpdateItem": 2})
    failed = {
        b.name
        for b in call_budgets([good, twice, published], [idle_write], expected_alerts=1)
        if not b.passed
    }
    assert failed == {"Describe per batch", "Writes when nothing is new", "SNS Publish per alert"}
    assert all(b.passed for b in call_budgets([good], [Batch(1, 1, {DESCRIBE: 1})], expected_alerts=0))
