"""The call-count budgets of ingest, checked on what a replay measured (pure: no AWS, no clock).

Shared by ``bench/run.py`` (the benchmark) and ``tests/integration/test_budget.py`` (the fast check in
``make test``), so that both hold ingest to the same promises:

- DescribeTrainingJob at most once per distinct job in a batch, and never more than once per event;
- DynamoDB: at most one read (the Query) and one TransactWriteItems per distinct job in a batch, plus one
  write per alert published (the UpdateItem that marks it sent), and nothing else;
- nothing written and nothing published when a batch brings nothing new;
- exactly one SNS Publish per expected alert;
- (benchmark only) a function's cold start — its import, then the clients it creates — within 1.5 times
  a bare ``import boto3`` plus the same clients;
- (benchmark only) the first ``jobtrail --local jobs`` after ``jobtrail demo`` answers in under a second.

Operations are named ``service.Operation`` as botocore calls them (``dynamodb.Query``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

DESCRIBE = "sagemaker.DescribeTrainingJob"
QUERY = "dynamodb.Query"
TRANSACT_WRITE = "dynamodb.TransactWriteItems"
PUBLISH = "sns.Publish"
#: DynamoDB operations that read the table.
DYNAMODB_READS = frozenset({QUERY, "dynamodb.GetItem", "dynamodb.BatchGetItem", "dynamodb.Scan"})
#: DynamoDB operations that write it, besides TransactWriteItems.
DYNAMODB_SINGLE_WRITES = frozenset(
    {"dynamodb.UpdateItem", "dynamodb.PutItem", "dynamodb.DeleteItem", "dynamodb.BatchWriteItem"}
)
COLD_IMPORT_RATIO = 1.5
LOCAL_QUERY_SECONDS = 1.0


@dataclass(frozen=True)
class Batch:
    """What one invocation was given and which AWS calls it made."""

    events: int
    jobs: int
    calls: Mapping[str, int] = field(default_factory=dict)

    def count(self, *operations: str) -> int:
        return sum(self.calls.get(operation, 0) for operation in operations)


@dataclass(frozen=True)
class Budget:
    name: str
    limit: str
    measured: str
    passed: bool

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


def total_calls(batches: Iterable[Batch]) -> Counter[str]:
    calls: Counter[str] = Counter()
    for batch in batches:
        calls.update(batch.calls)
    return calls


def call_budgets(
    batches: Sequence[Batch], noop_batches: Sequence[Batch], expected_alerts: int
) -> list[Budget]:
    """Every call-count budget, for a replay (``batches``) and a redelivery of events that brought nothing
    new (``noop_batches``); ``expected_alerts`` is how many alerts the load must publish."""
    events = sum(b.events for b in batches)
    calls = total_calls(batches)
    noop = total_calls(noop_batches)
    over_describe = [b for b in batches if b.count(DESCRIBE) > b.jobs]
    over_reads = [b for b in batches if b.count(*DYNAMODB_READS) > b.jobs]
    over_transactions = [b for b in batches if b.count(TRANSACT_WRITE) > b.jobs]
    over_writes = [b for b in batches if b.count(*DYNAMODB_SINGLE_WRITES) > b.count(PUBLISH)]
    noop_writes = noop[TRANSACT_WRITE] + sum(noop[op] for op in DYNAMODB_SINGLE_WRITES)
    noop_events = sum(b.events for b in noop_batches)
    return [
        Budget(
            "Describe per batch",
            "<= distinct jobs in the batch",
            f"{len(over_describe)} of {len(batches)} batches over",
            not over_describe,
        ),
        Budget(
            "Describe per event",
            "<= 1",
            f"{_ratio(calls[DESCRIBE], events)} ({calls[DESCRIBE]} for {events} events)",
            calls[DESCRIBE] <= events,
        ),
        Budget(
            "DynamoDB reads per batch",
            "<= 1 per distinct job",
            f"{len(over_reads)} of {len(batches)} batches over",
            not over_reads,
        ),
        Budget(
            "DynamoDB transactions per batch",
            "<= 1 per distinct job",
            f"{len(over_transactions)} of {len(batches)} batches over",
            not over_transactions,
        ),
        Budget(
            "DynamoDB other writes per batch",
            "<= 1 per alert published (mark sent)",
            f"{len(over_writes)} of {len(batches)} batches over",
            not over_writes,
        ),
        Budget(
            "Writes when nothing is new",
            "0",
            f"{noop_writes} writes, {noop[PUBLISH]} publishes for {noop_events} events",
            noop_writes == 0 and noop[PUBLISH] == 0 and bool(noop_batches),
        ),
        Budget(
            "SNS Publish per alert",
            "exactly 1",
            f"{calls[PUBLISH]} publishes for {expected_alerts} alerts",
            calls[PUBLISH] == expected_alerts,
        ),
    ]


def cold_import_budget(function: str, seconds: float, baseline_seconds: float) -> Budget:
    """A function's cold import and client creation against ``import boto3`` plus the same clients."""
    ratio = seconds / baseline_seconds if baseline_seconds > 0 else float("inf")
    return Budget(
        f"Cold start {function}",
        f"<= {COLD_IMPORT_RATIO}x baseline",
        f"{ratio:.2f}x ({seconds * 1000:.0f} ms vs {baseline_seconds * 1000:.0f} ms)",
        ratio <= COLD_IMPORT_RATIO,
    )


def local_query_budget(first_after_demo_s: float, booting_engine_s: float) -> Budget:
    """The first ``jobtrail --local jobs`` after the demo (which leaves DynamoDB Local running)."""
    return Budget(
        "Local query start",
        f"< {LOCAL_QUERY_SECONDS:g} s",
        f"{first_after_demo_s:.2f} s ({booting_engine_s:.1f} s when the query boots DynamoDB Local)",
        first_after_demo_s < LOCAL_QUERY_SECONDS,
    )


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"
