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
- the alert path (``alert_path_budgets``): one ``ListTags`` per job over the whole run (a pipeline's ARN
  serves each of its executions once); CloudWatch Logs read only for ``Failed`` alerts, in the batch that
  publishes them: one ``DescribeLogStreams`` each, and ``GetLogEvents`` at most ``MAX_STREAMS`` streams times
  ``PAGES_PER_STREAM`` pages each (more than one page only when a stream's newest page is empty); the routes
  document's ``GetParameter`` at most once per container per ``routes.MAX_AGE`` seconds (the replays run one
  container), and never more than once per alert; none of these when nothing is new;
- (benchmark only) Slack app mode: one parent per job and channel, one broadcast reply per alert;
- (benchmark only) organization mode: at most one ``AssumeRole`` per member account over a replay (one
  container, whose role credentials outlive it), and at least one when members' events came;
- ingest's log output at the default log level: at most ``LOG_BYTES_PER_EVENT`` (0.25 KiB) per event,
  Lambda's own lines included (none: the template leaves them out, see ``LAMBDA_PLATFORM_BYTES``);
- (benchmark only) a function's cold start — its import, then the clients it creates — within 1.2 times
  a bare ``import boto3`` plus the same clients;
- (benchmark only) the first ``jobtrail --local jobs`` after ``jobtrail demo`` answers in under a second.

Operations are named ``service.Operation`` as botocore calls them (``dynamodb.Query``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jobtrail.adapters.logs import PAGES_PER_STREAM
from jobtrail.adapters.member_access import REFRESH_BEFORE, SESSION_SECONDS
from jobtrail.adapters.routes import MAX_AGE
from jobtrail.core.kinds import KINDS, SPECS, Kind
from jobtrail.core.log_tail import MAX_STREAMS
from jobtrail_local.aws_calls import (
    DESCRIBE_LOG_STREAMS,
    DESCRIBES,
    GET_LOG_EVENTS,
    GET_PARAMETER,
    LIST_STEPS,
    LIST_TAGS,
)

if TYPE_CHECKING:
    from run import ColdStart

QUERY = "dynamodb.Query"
TRANSACT_WRITE = "dynamodb.TransactWriteItems"
PUBLISH = "sns.Publish"
#: DynamoDB operations that read the table.
DYNAMODB_READS = frozenset({QUERY, "dynamodb.GetItem", "dynamodb.BatchGetItem", "dynamodb.Scan"})
#: A job's history is written with PutItem: its summary item, and before it each alert the write brings
#: (no transaction since the record is packed into the summary; counted too, should one come back).
PUT_ITEM = "dynamodb.PutItem"
HISTORY_WRITES = frozenset({PUT_ITEM, TRANSACT_WRITE})
#: DynamoDB operations that write it, besides TransactWriteItems.
DYNAMODB_SINGLE_WRITES = frozenset(
    {"dynamodb.UpdateItem", PUT_ITEM, "dynamodb.DeleteItem", "dynamodb.BatchWriteItem"}
)
#: The alert that quotes its job's log.
FAILED = "Failed"
#: GetLogEvents one Failed alert may make: each stream read, each read following empty pages back.
LOG_EVENTS_PER_FAILED_ALERT = MAX_STREAMS * PAGES_PER_STREAM
#: What the alert path calls besides ingest's own: none of it when a batch brings nothing new.
ALERT_PATH_CALLS = (LIST_TAGS, DESCRIBE_LOG_STREAMS, GET_LOG_EVENTS, GET_PARAMETER)
COLD_IMPORT_RATIO = 1.2
#: Ingest's log bytes per event at the default log level (CloudWatch Logs ingestion is billed per byte).
LOG_BYTES_PER_EVENT = 256
#: What jobtrail may cost to run, all in (every row of the cost table), per million events (issue 14).
COST_PER_MILLION_EVENTS = 2.00
#: What Lambda itself adds to a function's log per invocation, on top of what the function prints: nothing
#: with the template's LoggingConfig (LogFormat JSON, SystemLogLevel WARN leaves out START and REPORT,
#: INFO-level system logs; tests/integration/test_template.py checks it). With the default text format
#: they would be START, END and REPORT, about 300 bytes an invocation.
LAMBDA_PLATFORM_BYTES = 0
LOCAL_QUERY_SECONDS = 1.0


#: The kind ``Batch.calls_by_kind`` files a call under when it is about no job (bench/replay.py).
NO_KIND = "none"


@dataclass(frozen=True)
class Batch:
    """What one invocation was given — its events and its distinct jobs, by kind — and which AWS calls
    it made; ``calls_by_kind``, where measured, splits them by the kind of job each was about."""

    events: Mapping[str, int]
    jobs: Mapping[str, int]
    calls: Mapping[str, int] = field(default_factory=dict)
    calls_by_kind: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: The alerts it published, by type (``{"Failed": 2}``), and the ARN of each ListTags it made.
    alerts: Mapping[str, int] = field(default_factory=dict)
    tag_reads: Sequence[str] = ()

    @property
    def event_count(self) -> int:
        return sum(self.events.values())

    @property
    def job_count(self) -> int:
        return sum(self.jobs.values())

    def count(self, *operations: str) -> int:
        return sum(self.calls.get(operation, 0) for operation in operations)

    def count_about_jobs(self, *operations: str) -> int:
        """``count``, less the calls about no job (``calls_by_kind``'s ``none``: the price cache's reads)."""
        about_none = self.calls_by_kind.get(NO_KIND, {})
        return self.count(*operations) - sum(about_none.get(operation, 0) for operation in operations)

    @property
    def failed_alerts(self) -> int:
        return self.alerts.get(FAILED, 0)


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
    over_reads = [b for b in batches if b.count_about_jobs(*DYNAMODB_READS) > b.job_count]
    over_history = [
        b for b in batches if b.count_about_jobs(*HISTORY_WRITES) > b.job_count + b.count(PUBLISH)
    ]
    other_writes = DYNAMODB_SINGLE_WRITES - HISTORY_WRITES
    over_writes = [b for b in batches if b.count(*other_writes) > b.count(PUBLISH)]
    return [
        *[_describe_per_batch(kind, batches) for kind in kinds],
        *[_describe_per_event(kind, batches) for kind in kinds],
        *([_step_pages_per_batch(batches)] if "pipeline" in kinds or calls[LIST_STEPS] else []),
        Budget(
            "DynamoDB reads per batch",
            "<= 1 per distinct job (reads about no job, the price cache's, apart)",
            f"{len(over_reads)} of {len(batches)} batches over",
            not over_reads,
        ),
        Budget(
            "DynamoDB history writes per batch",
            "<= 1 per distinct job (its summary's PutItem) + 1 per alert published (the alert's PutItem); "
            "the price cache's apart",
            f"{len(over_history)} of {len(batches)} batches over",
            not over_history,
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


def alert_path_budgets(
    batches: Sequence[Batch],
    noop_batches: Sequence[Batch],
    *,
    jobs_per_tagged_arn: Mapping[str, int],
    seconds: float,
) -> list[Budget]:
    """The budgets of the alert path, for a replay of ``seconds`` in one container whose jobs' tags are
    those of the ARNs ``jobs_per_tagged_arn`` counts (a job's own ARN; a pipeline's, for each of its
    executions), and its no-op redelivery."""
    return [
        _tags_per_job([*batches, *noop_batches], jobs_per_tagged_arn),
        _log_streams_per_failed_alert(batches),
        _log_events_per_failed_alert(batches),
        _parameter_reads(batches, seconds),
        _alert_path_when_nothing_is_new(noop_batches),
    ]


def _tags_per_job(batches: Sequence[Batch], jobs_per_tagged_arn: Mapping[str, int]) -> Budget:
    reads = Counter(arn for batch in batches for arn in batch.tag_reads)
    over = {arn: n for arn, n in reads.items() if n > jobs_per_tagged_arn.get(arn, 0)}
    jobs = sum(jobs_per_tagged_arn.values())
    return Budget(
        "ListTags per job",
        "<= 1 per job over the whole run (a pipeline's ARN: 1 per execution)",
        f"{_ratio(reads.total(), jobs)} ({reads.total()} for {jobs} jobs; {len(over)} ARNs read more often)",
        not over,
    )


def _log_streams_per_failed_alert(batches: Sequence[Batch]) -> Budget:
    over = [b for b in batches if b.count(DESCRIBE_LOG_STREAMS) > b.failed_alerts]
    calls = sum(b.count(DESCRIBE_LOG_STREAMS) for b in batches)
    failed = sum(b.failed_alerts for b in batches)
    return Budget(
        "DescribeLogStreams per Failed alert",
        "<= 1 per Failed alert the batch publishes (none without one)",
        f"{_ratio(calls, failed)} ({calls} for {failed} Failed alerts; {len(over)} of {len(batches)} "
        "batches over)",
        not over,
    )


def _log_events_per_failed_alert(batches: Sequence[Batch]) -> Budget:
    over = [b for b in batches if b.count(GET_LOG_EVENTS) > LOG_EVENTS_PER_FAILED_ALERT * b.failed_alerts]
    calls = sum(b.count(GET_LOG_EVENTS) for b in batches)
    failed = sum(b.failed_alerts for b in batches)
    return Budget(
        "GetLogEvents per Failed alert",
        f"<= {MAX_STREAMS} streams x {PAGES_PER_STREAM} pages = {LOG_EVENTS_PER_FAILED_ALERT} per Failed "
        "alert the batch publishes",
        f"{_ratio(calls, failed)} ({calls} for {failed} Failed alerts; {len(over)} of {len(batches)} "
        "batches over)",
        not over,
    )


def _parameter_reads(batches: Sequence[Batch], seconds: float) -> Budget:
    """One container: at most one read per ``MAX_AGE`` seconds of the run, and none without an alert."""
    reads = sum(b.count(GET_PARAMETER) for b in batches)
    alerts = sum(sum(b.alerts.values()) for b in batches)
    limit = min(alerts, max(1, math.ceil(seconds / MAX_AGE)))
    return Budget(
        "GetParameter (routes document) per container",
        f"<= 1 per {MAX_AGE} s ({limit} in this {seconds:.0f} s run) and <= 1 per alert",
        f"{reads} for {alerts} alerts",
        reads <= limit,
    )


def _alert_path_when_nothing_is_new(noop_batches: Sequence[Batch]) -> Budget:
    noop = total_calls(noop_batches)
    made = {operation.split(".")[1]: noop[operation] for operation in ALERT_PATH_CALLS}
    return Budget(
        "Tags, logs and routes read when nothing is new",
        "0",
        ", ".join(f"{operation} {n}" for operation, n in made.items()),
        not any(made.values()) and bool(noop_batches),
    )


def slack_thread_budgets(parents: Mapping[str, int], alerts: int, broadcast_replies: int) -> list[Budget]:
    """Slack app mode: every parent in Slack is the one recorded thread of its job in its channel
    (``parents``: ``in_slack``, ``threads`` recorded, ``orphans`` no thread records, ``unposted`` threads
    Slack lacks), and each alert is one reply broadcast to the channel."""
    in_slack, threads = parents["in_slack"], parents["threads"]
    orphans, unposted = parents["orphans"], parents["unposted"]
    return [
        Budget(
            "Slack parents per job and channel",
            "exactly 1",
            f"{in_slack} parents for {threads} threads ({orphans} unrecorded, {unposted} not in Slack)",
            threads > 0 and in_slack == threads and not orphans and not unposted,
        ),
        Budget(
            "Slack replies per alert",
            "exactly 1, broadcast",
            f"{broadcast_replies} broadcast replies for {alerts} alerts",
            broadcast_replies == alerts,
        ),
    ]


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


def assume_role_budget(calls: int, member_accounts: int, member_events: int) -> Budget:
    """Organization mode, one container: its members' role credentials outlive the replay, so each member's
    role is assumed at most once (and, when members' events came, at least one was)."""
    return Budget(
        "AssumeRole per replay",
        f"<= member accounts ({member_accounts}): one container, credentials alive",
        f"{calls} for {member_accounts} member accounts ({member_events:,} of their events)",
        calls <= member_accounts and (calls > 0 or member_events == 0),
    )


def assume_roles_per_hour(member_accounts: int, containers: int) -> float:
    """The most AssumeRole calls warm containers make in an hour: each assumes each member's role once per
    credential lifetime less the margin it renews them before (``SESSION_SECONDS`` - ``REFRESH_BEFORE``,
    3600 - 600 s: 3600 / 3000 = 1.2 times an hour per member), and at most ``containers`` (the SQS event
    source's ``IngestMaxConcurrency``) run at once. Each new container adds one per member it hears from."""
    renewed_every = SESSION_SECONDS - REFRESH_BEFORE.total_seconds()
    return member_accounts * 3600 / renewed_every * containers


def cold_import_budget(cold: ColdStart) -> Budget:
    """A function's cold import and client creation against ``import boto3`` plus the same clients: in
    instructions executed when valgrind counted them (the same on every run), else on the wall clock."""
    milliseconds = f"{cold.cold_s * 1000:.0f} ms vs {cold.baseline_s * 1000:.0f} ms"
    wall = f"wall clock {cold.wall_ratio:.2f}x ({milliseconds})"
    if cold.instructions is None:
        ratio, measured = cold.wall_ratio, f"{cold.wall_ratio:.2f}x on the wall clock (no valgrind)"
    else:
        counted = cold.instructions
        ratio = counted.ratio
        measured = (
            f"{ratio:.3f}x in instructions ({(counted.function - counted.startup) / 1e6:,.0f} M vs "
            f"{(counted.baseline - counted.startup) / 1e6:,.0f} M); {wall}"
        )
    limit = f"<= {COLD_IMPORT_RATIO}x baseline"
    return Budget(f"Cold start {cold.function}", limit, measured, ratio <= COLD_IMPORT_RATIO)


def log_bytes_budget(log_bytes: int, events: int, invocations: int) -> Budget:
    """Ingest's log output per event: what the function printed plus Lambda's lines per invocation."""
    total = log_bytes + LAMBDA_PLATFORM_BYTES * invocations
    per_event = total / events if events else float("inf")
    return Budget(
        "Log bytes per event",
        f"<= {LOG_BYTES_PER_EVENT / 1024:g} KiB ({LOG_BYTES_PER_EVENT} B), Lambda's own lines included",
        f"{per_event:.0f} B ({total:,} B for {events:,} events in {invocations:,} invocations)",
        per_event <= LOG_BYTES_PER_EVENT,
    )


def cost_budget(load: str, usd_per_million_events: float) -> Budget:
    """The cost table's total for one load: every row priced, per million events."""
    return Budget(
        f"All-in cost per million events ({load})",
        f"<= ${COST_PER_MILLION_EVENTS:.2f}",
        f"${usd_per_million_events:.2f}",
        usd_per_million_events <= COST_PER_MILLION_EVENTS,
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
