"""The call-count budgets of ingest, checked on what a replay measured (pure: no AWS, no clock).

Shared by ``bench/run.py`` (the benchmark) and ``tests/integration/test_budget.py`` (the fast check in
``make test``), so that both hold ingest to the same promises, per kind of job (a training-only load has one
kind, a mixed load five):

- each kind's Describe (``DescribeTrainingJob``, ``DescribeProcessingJob``, ``DescribeTransformJob``,
  ``DescribeHyperParameterTuningJob``, ``DescribePipelineExecution``) at most once per distinct job of that
  kind in a batch, and never more than once per event of that kind;
- ``ListPipelineExecutionSteps`` at most one page per distinct pipeline execution in a batch (a page holds
  100 steps; the loads' executions have a few);
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

from jobtrail.core.kinds import KINDS, SPECS, Kind
from jobtrail_local.aws_calls import DESCRIBES, LIST_STEPS

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
    """What one invocation was given — its events and its distinct jobs, by kind — and which AWS calls
    it made; ``calls_by_kind``, where measured, splits them by the kind of job each was about."""

    events: Mapping[str, int]
    jobs: Mapping[str, int]
    calls: Mapping[str, int] = field(default_factory=dict)
    calls_by_kind: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def event_count(self) -> int:
        return sum(self.events.values())

    @property
    def job_count(self) -> int:
        return sum(self.jobs.values())

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


def kinds_in(batches: Iterable[Batch]) -> list[Kind]:
    """The kinds a replay's batches brought events of or described, in ``KINDS`` order."""
    seen = {kind for batch in batches for kind, events in batch.events.items() if events}
    seen |= {kind for batch in batches for kind in KINDS if batch.count(DESCRIBES[kind])}
    return [kind for kind in KINDS if kind in seen]


def call_budgets(
    batches: Sequence[Batch], noop_batches: Sequence[Batch], expected_alerts: int
) -> list[Budget]:
    """Every call-count budget, for a replay (``batches``) and a redelivery of events that brought nothing
    new (``noop_batches``); ``expected_alerts`` is how many alerts the load must publish."""
    return [
        *replay_budgets(batches, expected_alerts, kinds_in([*batches, *noop_batches])),
        noop_budget(noop_batches),
    ]


def replay_budgets(
    batches: Sequence[Batch], expected_alerts: int, kinds: Sequence[Kind] | None = None
) -> list[Budget]:
    """The budgets of a replay: each kind's Describe per batch and per event (for ``kinds``, by default
    those the batches hold or described), pipeline step pages, DynamoDB reads and writes, one Publish per
    alert."""
    calls = total_calls(batches)
    kinds = kinds_in(batches) if kinds is None else kinds
    over_reads = [b for b in batches if b.count(*DYNAMODB_READS) > b.job_count]
    over_transactions = [b for b in batches if b.count(TRANSACT_WRITE) > b.job_count]
    over_writes = [b for b in batches if b.count(*DYNAMODB_SINGLE_WRITES) > b.count(PUBLISH)]
    return [
        *[_describe_per_batch(kind, batches) for kind in kinds],
        *[_describe_per_event(kind, batches) for kind in kinds],
        *([_step_pages_per_batch(batches)] if "pipeline" in kinds or calls[LIST_STEPS] else []),
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
            "SNS Publish per alert",
            "exactly 1",
            f"{calls[PUBLISH]} publishes for {expected_alerts} alerts",
            calls[PUBLISH] == expected_alerts,
        ),
    ]


def noop_budget(noop_batches: Sequence[Batch]) -> Budget:
    """Nothing written, nothing published by batches of events that bring nothing new (and some were
    delivered); what was written is told by kind where the batches measured it."""
    noop = total_calls(noop_batches)
    writes = noop[TRANSACT_WRITE] + sum(noop[op] for op in DYNAMODB_SINGLE_WRITES)
    events = sum(b.event_count for b in noop_batches)
    return Budget(
        "Writes when nothing is new",
        "0",
        f"{writes} writes{_by_kind(noop_batches, TRANSACT_WRITE, *DYNAMODB_SINGLE_WRITES)}, "
        f"{noop[PUBLISH]} publishes for {events} events{_events_by_kind(noop_batches)}",
        writes == 0 and noop[PUBLISH] == 0 and bool(noop_batches),
    )


def _describe_per_batch(kind: Kind, batches: Sequence[Batch]) -> Budget:
    operation = DESCRIBES[kind]
    over = [b for b in batches if b.count(operation) > b.jobs.get(kind, 0)]
    return Budget(
        f"{operation.split('.')[1]} per batch",
        f"<= distinct {SPECS[kind].noun}s in the batch",
        f"{len(over)} of {len(batches)} batches over",
        not over,
    )


def _describe_per_event(kind: Kind, batches: Sequence[Batch]) -> Budget:
    operation = DESCRIBES[kind]
    described = sum(b.count(operation) for b in batches)
    events = sum(b.events.get(kind, 0) for b in batches)
    return Budget(
        f"{operation.split('.')[1]} per {kind} event",
        "<= 1",
        f"{_ratio(described, events)} ({described} for {events} events)",
        described <= events,
    )


def _step_pages_per_batch(batches: Sequence[Batch]) -> Budget:
    over = [b for b in batches if b.count(LIST_STEPS) > b.jobs.get("pipeline", 0)]
    pages = sum(b.count(LIST_STEPS) for b in batches)
    described = sum(b.count(DESCRIBES["pipeline"]) for b in batches)
    return Budget(
        "ListPipelineExecutionSteps pages per batch",
        "<= distinct pipeline executions in the batch (1 page: <= 100 steps)",
        f"{len(over)} of {len(batches)} batches over ({pages} pages, {described} executions described)",
        not over,
    )


def _by_kind(batches: Sequence[Batch], *operations: str) -> str:
    """`` (tuning 2)``: how many of ``operations`` were about each kind, where the batches measured it."""
    counted: Counter[str] = Counter()
    for batch in batches:
        for kind, calls in batch.calls_by_kind.items():
            counted[kind] += sum(calls.get(operation, 0) for operation in operations)
    shown = [f"{kind} {n}" for kind, n in sorted(counted.items()) if n]
    return f" ({', '.join(shown)})" if shown else ""


def _events_by_kind(batches: Sequence[Batch]) -> str:
    counted: Counter[str] = Counter()
    for batch in batches:
        counted.update(batch.events)
    if set(counted) <= {"training"}:
        return ""
    return " (" + ", ".join(f"{kind} {counted[kind]}" for kind in KINDS if counted[kind]) + ")"


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
