"""What ingest writes to CloudWatch Logs, fast: bytes per event at the default log level, and what is
always logged in full (a rejection, a failed sync), each line under its correlation id.

CloudWatch Logs ingestion is billed per byte. The handler is the deployed one (``functions/ingest/app.py``,
Powertools' context and metrics decorators included), wired to a small training load on moto; what it
prints (its JSON lines, EMF metrics, any warning) is what Lambda would ingest. Lambda's own START and
REPORT lines are left out by the template (``test_template.py`` checks the LoggingConfig), so they add
nothing here (``bench.budgets.LAMBDA_PLATFORM_BYTES``). The same budget is checked by ``make bench`` on its
larger loads.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import JobRecord
from jobtrail.observability import logger
from jobtrail_local.lambda_runtime import LambdaContext
from jobtrail_local.lifecycles import load_bad_event
from jobtrail_local.loadgen import Delivery, deliveries, generate
from msgspec.structs import replace
from worlds import World, world_on

from bench.budgets import LOG_BYTES_PER_EVENT, log_bytes_budget
from functions.ingest import app

if TYPE_CHECKING:
    from conftest import TableTarget

BATCH_SIZE = 10


@pytest.fixture
def moto_world(moto_table: TableTarget, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The deployed handler, its dependencies the world's (a warm container's, built once)."""
    with world_on(moto_table) as world:
        monkeypatch.setattr(app, "deps_from_environment", lambda: world.deps)
        yield world


@contextlib.contextmanager
def function_output() -> Iterator[io.StringIO]:
    """Everything the function writes while inside: Powertools' log lines (its handler's stream), EMF
    metrics (printed) and warnings (stderr), at the template's default level (INFO)."""
    output = io.StringIO()
    handler = logger.registered_handler
    level = logger.log_level
    logger.setLevel("INFO")
    previous = handler.setStream(output)  # type: ignore[attr-defined]
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            yield output
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
        logger.setLevel(level)


def invoke(records: Sequence[dict[str, Any]]) -> Any:
    return app.lambda_handler({"Records": list(records)}, LambdaContext())


def lines(output: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


def test_ingest_logs_at_most_a_quarter_kib_per_event_at_the_default_level(moto_world: World) -> None:
    # Given 20 training jobs whose events arrive in batches of ten, with duplicates and late ones
    load = generate(20, seed=12)
    stream = deliveries(load, duplicate_rate=0.05, seed=12)
    changes = deque(load.steps)
    invocations = 0
    # When the deployed handler takes every batch, at the template's default log level
    with function_output() as output:
        for start in range(0, len(stream), BATCH_SIZE):
            chunk: Sequence[Delivery] = stream[start : start + BATCH_SIZE]
            while changes and changes[0].modified <= max(d.at for d in chunk):
                moto_world.script.advance(changes.popleft())
            assert invoke([d.sqs_record() for d in chunk]) == {"batchItemFailures": []}
            invocations += 1
    # Then its log output stays within the budget per event
    budget = log_bytes_budget(len(output.getvalue().encode()), len(stream), invocations)
    print(f"\n{budget.verdict} {budget.name}: {budget.measured} (limit {budget.limit})")
    assert budget.passed
    assert LOG_BYTES_PER_EVENT == 256
    # And every batch logged one line with its counts, under the batch's event ids, and every line carries
    # a correlation id
    logged = [line for line in lines(output) if "_aws" not in line]
    batches = [line for line in logged if line["message"] == "batch processed"]
    assert len(batches) == invocations
    assert sum(line["events"] for line in batches) == len(stream)
    assert sum(line["alerts_published"] for line in batches) == len(load.expected_alert_ids) > 0
    assert sum(line["transitions"] for line in batches) > 0
    first = stream[:BATCH_SIZE]
    assert batches[0]["correlation_id"].split(",") == [json.loads(d.body)["id"] for d in first]
    assert all(line.get("correlation_id") for line in logged)


def test_a_rejected_event_is_logged_in_full_under_its_event_id(moto_world: World) -> None:
    # Given a record from another source than SageMaker
    event = load_bad_event("other-source")
    event_id = json.loads(event["Records"][0]["body"])["id"]
    # When the handler gets it at the default log level
    with function_output() as output:
        assert invoke(event["Records"]) == {"batchItemFailures": []}
    # Then an ERROR line names the event, the SQS message and the reason, under the event's id
    [rejected] = [line for line in lines(output) if line.get("level") == "ERROR"]
    assert rejected["message"] == "rejected record: not a valid SageMaker job state change"
    assert rejected["correlation_id"] == rejected["event_id"] == event_id
    assert rejected["message_id"] == event["Records"][0]["messageId"]
    assert "aws.sagemaker" in rejected["reason"]
    # And the batch's line counts it
    [batch] = [line for line in lines(output) if line.get("message") == "batch processed"]
    assert batch["rejected"] == 1
    assert batch["correlation_id"] == event_id


class FailingDescribe:
    """SageMaker's Describe, failing for one job (as throttling that outlasted botocore's retries would)."""

    def __init__(self, jobs: Any, failing: str) -> None:
        self._jobs = jobs
        self._failing = failing

    def describe(self, key: JobKey) -> JobRecord | None:
        if key.name == self._failing:
            raise RuntimeError(f"ThrottlingException: Rate exceeded for {key.name}")
        answer: JobRecord | None = self._jobs.describe(key)
        return answer


def test_a_failed_sync_is_logged_in_full_under_its_event_id(
    moto_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two jobs' first events, and SageMaker failing to describe one of them
    load = generate(2, seed=12)
    stream = deliveries(load, duplicate_rate=0.0, seed=12)
    for step in load.steps:
        moto_world.script.advance(step)
    failing = stream[0].step.key.name
    failing_ids = {json.loads(d.body)["id"] for d in stream if d.step.key.name == failing}
    deps = replace(moto_world.deps, jobs=FailingDescribe(moto_world.deps.jobs, failing))
    monkeypatch.setattr(app, "deps_from_environment", lambda: deps)
    records = [d.sqs_record() for d in stream[:BATCH_SIZE]]
    # When the handler gets them at the default log level
    with function_output() as output:
        response = invoke(records)
    # Then only the failing job's records go back to SQS
    failed_messages = {d.message_id for d in stream[:BATCH_SIZE] if d.step.key.name == failing}
    assert {item["itemIdentifier"] for item in response["batchItemFailures"]} == failed_messages
    # And the failure is logged in full, with its traceback, under the failing event's id
    logged = lines(output)
    [error] = [line for line in logged if line.get("level") == "ERROR"]
    assert error["message"] == "job sync failed; its records will be redelivered"
    assert error["job_name"] == failing
    assert error["correlation_id"] in failing_ids
    assert "ThrottlingException: Rate exceeded" in error["exception"]
    # And each of its records' redelivery is logged, with the error, under its event's id
    redelivered = [line for line in logged if line.get("message") == "record failed; SQS will redeliver it"]
    assert {line["message_id"] for line in redelivered} == failed_messages
    assert all(line["correlation_id"] in failing_ids for line in redelivered)
    assert "ThrottlingException: Rate exceeded" in redelivered[0]["error"]
    assert all("sync failed earlier in this batch" in line["error"] for line in redelivered[1:])
    # And the batch line counts the failure, and a metric says so (SyncFailures, alarmed on)
    [batch] = [line for line in logged if line.get("message") == "batch processed"]
    assert batch["jobs_failed"] == 1
    assert batch["records_failed"] == len(failed_messages)
    [emf] = [line for line in logged if "_aws" in line]
    assert emf["SyncFailures"] == [1.0]
