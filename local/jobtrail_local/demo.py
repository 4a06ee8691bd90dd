"""``jobtrail demo``: the whole pipeline on this machine, through the deployed code.

What runs for real: the ``IngestFunction`` and Slack notifier code from ``functions/`` (loaded from
their files the way Lambda loads a handler), botocore clients built by the handler from its environment,
DynamoDB Local (the official engine) as the history table created from ``template.yaml``, and the
scripted lifecycles of ``events/``, jobs of every kind. What stands in for AWS: moto in-process for SQS,
SNS, SSM (the demo's routes document), Secrets Manager (the bot token) and CloudWatch Logs (the failed
jobs' logs of ``scripted_logs``, which their alerts quote), a loopback endpoint answering each kind's
Describe, ListPipelineExecutionSteps and ListTags from the scripts, and a loopback fake of Slack's Web API
on which the notifier keeps one thread per job (``demo_slack``; or your channel's incoming webhook when
``SLACK_WEBHOOK_URL`` is set). Nothing leaves the loopback interface otherwise.

A webhook that does not take the posts (not a URL, unreachable, revoked) does not stop the demo: the first
failure is kept as a one-line warning (without the URL, which is a secret), the rest is not posted, and the
caller decides the exit status. DynamoDB Local stays up afterwards (``keep_engine``) for the queries
that follow; ``local_stack.stop`` ends it.

SageMaker's events reach the handler the way AWS delivers them: through an SQS queue, in batches of up
to ten, some twice, some late and out of order.

``run(…, accounts=3)`` is the same in organization mode (``jobtrail_local.organization``): the functions'
environment names member accounts and a second region as the template's ``MemberAccountIds`` and
``MemberRegions`` do; the lifecycles take the places (account and region) in turn, one of them runs in a
member account as well (a job name in two accounts), and one event comes from an account outside the
organization, which ingest rejects with the reason and parks. moto answers STS (the members' roles) and
each account's CloudWatch Logs; the loopback SageMaker answers each request in the account its keys
belong to and the region it was signed for. The result says where the jobs ran, how often each member's
role was assumed, and what was rejected.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import msgspec
from jobtrail.core.kinds import KINDS, SPECS, JobKey, Kind, key_from_arn
from jobtrail.core.model import JobRecord, JobSummary, StoredAlert, StoredJob
from jobtrail.core.organization import Place

from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.demo_slack import DemoSlack, SlackOutcome, ThreadShown, write_routes
from jobtrail_local.lambda_runtime import LambdaContext, load_function, sqs_lambda_record
from jobtrail_local.lifecycle_builder import Step, at_place
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle
from jobtrail_local.local_stack import (
    DEMO_TABLE,
    REGION,
    DynamoDBLocalUnavailable,
    LocalDynamoDB,
    running,
    use_local_credentials,
)
from jobtrail_local.organization import (
    MEMBERS,
    STRANGER,
    LocalOrganization,
    account_of_access_key,
    put_logs_where_they_ran,
)
from jobtrail_local.scripted_logs import ScriptedLog, scripted_logs
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker, ScriptedSageMakerServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = 2026
#: Share of events SageMaker/EventBridge deliver twice, and of events that arrive late.
DUPLICATE_RATE = 0.15
LATE_RATE = 0.15
#: How many state changes happen between two looks at the queue.
CHANGES_PER_TICK = 5
MAX_POLLS = 500
#: The statuses that alert (the template's ``AlertOn`` default), in the order counts list them.
ALERT_ON = ("Failed", "MaxRuntimeExceeded", "Interrupted")
#: The lifecycles of ``events/`` whose jobs the report shows in full or the suggested commands name.
SPOT_LIFECYCLE = "spot-interrupted"
FAILED_PIPELINE_LIFECYCLE = "pipeline-failed"
SAME_NAME_LIFECYCLE = "same-name"
TUNING_LIFECYCLE = "tuning-completed"
#: The failed training job whose alert quotes its log: its thread is shown, its route explained.
FAILED_LIFECYCLE = "failed"
#: Organization mode: the lifecycle that runs in a member account too (its job's name in two accounts), and
#: the one whose first event comes from an account outside the organization as well.
TWIN_LIFECYCLE = "completed"
STRANGER_LIFECYCLE = "completed"
#: The queue's maxReceiveCount (``RedrivePolicy``), which the template gives ingest too.
MAX_RECEIVES = 5


class DemoError(Exception):
    """The demo cannot run here; the message says why and what to do."""


class Progress(Protocol):
    """How the demo reports what it is doing while it runs."""

    def step(self, text: str) -> None:
        """A step begins (starting the engine, rebuilding the table…); it lasts until the next one."""

    def replayed(self, done: int, total: int) -> None:
        """``done`` of the ``total`` state changes have been delivered."""


@dataclass
class Engine:
    """The DynamoDB the history went to."""

    name: str
    #: Why DynamoDB Local could not be used (moto then), else None.
    notice: str | None = None
    endpoint_url: str | None = None
    pid: int | None = None
    #: It was running already (left by an earlier demo, or run by another jobtrail command).
    reused: bool = False
    #: It stays up after the demo, for the queries (until ``jobtrail demo --stop``).
    kept: bool = False


@dataclass
class Delivery:
    """What went through the queue."""

    sent: int = 0
    duplicates: int = 0
    late: int = 0
    batches: int = 0
    redelivered: int = 0


@dataclass(frozen=True)
class DemoPlan:
    """Where the demo's lifecycles run (``plan``): ``runs`` pairs each lifecycle of ``events/`` with its
    place (account and region), the places taken in turn; in organization mode ``TWIN_LIFECYCLE`` runs a
    second time, in the first member account, and ``stranger`` is an event from an account outside the
    organization."""

    organization: LocalOrganization
    runs: tuple[tuple[str, Place], ...]
    stranger: Step | None = None

    def steps(self) -> list[Step]:
        """Every run's steps in its place, and the stranger's event, in the order SageMaker made them."""
        steps = [
            at_place(step, place.account, place.region)
            for name, place in self.runs
            for step in load_lifecycle(name).steps
        ]
        return sorted([*steps, *([self.stranger] if self.stranger else [])], key=lambda step: step.modified)

    def job(self, lifecycle: str, kind: Kind) -> JobKey:
        """The first job of ``kind`` in ``events/lifecycles/<lifecycle>.json``, where it first runs."""
        return self.jobs(lifecycle, kind)[0]

    def jobs(self, lifecycle: str, kind: Kind) -> list[JobKey]:
        """That job in each place its lifecycle runs."""
        fixture = _job_of(lifecycle, kind)
        return [_moved(fixture, place) for name, place in self.runs if name == lifecycle]

    def logs(self) -> list[ScriptedLog]:
        """The failed jobs' scripted logs, each in every place its job runs."""
        logs = list(scripted_logs())
        return [
            replace(log, job=_moved(log.job, place))
            for name, place in self.runs
            for jobs in [set(load_lifecycle(name).jobs)]
            for log in logs
            if log.job in jobs
        ]


def plan(accounts: int = 1) -> DemoPlan:
    """The demo in ``accounts`` accounts (1: every job at home, as a standalone stack keeps them)."""
    organization = LocalOrganization(accounts)
    places = organization.places
    runs = [(name, places[i % len(places)]) for i, name in enumerate(lifecycle_names())]
    if not organization.enabled:
        return DemoPlan(organization, tuple(runs))
    [home] = [place for name, place in runs if name == TWIN_LIFECYCLE]
    runs.append((TWIN_LIFECYCLE, Place(MEMBERS[0], home.region)))
    stranger = at_place(load_lifecycle(STRANGER_LIFECYCLE).steps[0], STRANGER, home.region)
    return DemoPlan(organization, tuple(runs), stranger)


@dataclass(frozen=True)
class Showcase:
    """The demo's jobs worth a closer look, picked from the fixtures where the plan runs them
    (``showcase``): what the report shows in full and what the suggested commands name."""

    #: The managed-spot training job interrupted twice: its timeline is printed.
    spot: JobKey
    #: The pipeline execution whose processing step failed: its transitions and steps are printed.
    failed_pipeline: JobKey
    #: A processing job whose name a training job has too (``show`` needs ``--kind``).
    shared_name: JobKey
    #: A tuning job that ran three training jobs: its counters and best training job.
    tuning: JobKey
    #: The failed training job whose alert quotes its log: its thread is shown, its route explained.
    failed: JobKey
    #: Organization mode: one job name in two accounts (``show`` needs ``--account``), home's first.
    twins: tuple[JobKey, ...] = ()


@dataclass(frozen=True)
class PlaceCount:
    """What happened in one place (organization mode): its jobs, and the Describe calls made there."""

    place: Place
    jobs: int
    describes: int


@dataclass(frozen=True)
class Rejected:
    """An event ingest rejected and parked in the dead-letter queue: where it claimed to come from, its
    job, and the reason ingest gave."""

    account: str
    region: str
    job_name: str
    reason: str


@dataclass
class OrganizationOutcome:
    """Organization mode's story: the organization, each place's jobs and Describes, the AssumeRole calls
    per member account, and the events rejected."""

    organization: LocalOrganization
    places: list[PlaceCount]
    assume_roles: dict[str, int]
    rejected: list[Rejected]


@dataclass(frozen=True)
class KindCount:
    """What happened to the jobs of one kind: how many, their statuses now, their alerts by type."""

    kind: Kind
    jobs: int
    #: Status → jobs, in the order the kind's jobs pass through them.
    statuses: dict[str, int]
    #: Alert type → alerts, in ``ALERT_ON`` order.
    alerts: dict[str, int]


@dataclass
class DemoResult:
    engine: str
    notice: str | None
    delivery: Delivery
    jobs: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    slack_destination: str
    slack_texts: list[str] = field(default_factory=list)
    slack_payloads: list[dict[str, Any]] = field(default_factory=list)
    slack_posted: int = 0
    slack_failure: str | None = None
    #: The table held an earlier demo's history, which this run replaced.
    replaced_history: bool = False
    dynamodb: Engine | None = None
    summaries: list[JobSummary] = field(default_factory=list)
    #: Per kind, every kind in ``KINDS`` order.
    kinds: list[KindCount] = field(default_factory=list)
    spot_record: JobRecord | None = None
    failed_pipeline_record: JobRecord | None = None
    stored_alerts: list[StoredAlert] = field(default_factory=list)
    #: Where the alerts went: app mode's threads, or the webhook's posts.
    slack: SlackOutcome | None = None
    #: The demo's routes document, as a file (``routes test --routes``).
    routes_file: Path | None = None
    featured: Showcase | None = None
    #: Organization mode's places, AssumeRole calls and rejected events (``None`` with one account).
    organization: OrganizationOutcome | None = None


def run(
    directory: Path, *, accounts: int = 1, progress: Progress | None = None, keep_engine: bool = True
) -> DemoResult:
    """Run every lifecycle of events/ through the local stack; the history stays in ``directory``. With
    ``accounts`` 2 or 3, in organization mode (the module's docstring says how).

    An earlier demo's table is replaced (``replaced_history`` says so). With ``keep_engine``, a DynamoDB
    Local started here stays up afterwards for ``jobtrail --local`` (``local_stack.stop`` ends it)."""
    try:
        planned = plan(accounts)
    except ValueError as error:
        raise DemoError(str(error)) from None
    functions = REPO_ROOT / "functions"
    if not (functions / "ingest" / "app.py").is_file():
        raise DemoError("jobtrail demo runs from a source checkout: git clone the repository, then make demo")
    use_local_credentials()
    os.environ.update(
        POWERTOOLS_SERVICE_NAME="jobtrail-demo",
        POWERTOOLS_METRICS_NAMESPACE="jobtrail",
        # The handlers' one expected warning (the capacity failure's alert goes out without log lines) is
        # what its Slack message says; on stdout it would break the report and --json.
        POWERTOOLS_LOG_LEVEL="ERROR",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_TRACE_DISABLED="true",
    )
    if planned.organization.enabled:
        # The stranger's rejection is logged at ERROR; the report's table of rejected events shows it.
        os.environ["POWERTOOLS_LOG_LEVEL"] = "CRITICAL"
    report = progress or _Quiet()
    with ExitStack() as stack:
        engine = _dynamodb(stack, directory, keep_engine, report)
        from moto import mock_aws  # noqa: PLC0415 - a dev/demo dependency, not a runtime one

        stack.enter_context(mock_aws())
        queues = _queues_and_topic()
        script = ScriptedSageMaker()
        sagemaker = stack.enter_context(_scripted_sagemaker(script))
        os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] = sagemaker
        replaced = _fresh_table(report)
        os.environ.update(
            JOBTRAIL_TABLE=DEMO_TABLE,
            JOBTRAIL_DEAD_LETTER_QUEUE_URL=queues["dlq"],
            JOBTRAIL_ALERT_TOPIC_ARN=queues["topic"],
            JOBTRAIL_ALERT_ON=",".join(ALERT_ON),
            JOBTRAIL_MAX_RECEIVE_COUNT=str(MAX_RECEIVES),
            **planned.organization.environment(),
        )
        os.environ.pop("JOBTRAIL_ALERT_LOG_LINES", None)  # the template's default: Failed alerts quote logs
        put_logs_where_they_ran(
            planned.logs(), places=planned.organization.places, now_ms=int(time.time() * 1000)
        )
        routes = write_routes(directory)
        ingest = _load_handler(functions / "ingest" / "app.py", "jobtrail_demo_ingest_app")
        _prices_from_fixtures(ingest)
        slack = DemoSlack(stack, queues, functions, DEMO_TABLE)
        report.step("Replaying SageMaker state changes")
        assume_roles: Counter[str] = Counter()
        with count_aws_calls(observe=_assumed_roles(assume_roles)):
            delivery = _replay(
                planned.steps(),
                script,
                queues,
                ingest.lambda_handler,
                progress=report,
                after_tick=slack.deliver,
                once=planned.stranger,
            )
        webhook = slack.outcome.mode == "webhook"
        report.step("Sending the alerts to Slack" if webhook else "Reading the Slack threads back")
        outcome = slack.finish()
        report.step("Reading back what jobtrail recorded")
        result = _collect(engine, delivery, outcome, showcase(planned))
        if planned.organization.enabled:
            result.organization = _organization_outcome(
                planned, result.summaries, script, assume_roles, _parked(queues)
            )
        result.replaced_history = replaced
        result.routes_file = routes
        return result


class _Quiet:
    def step(self, text: str) -> None:
        """Nothing to show."""

    def replayed(self, done: int, total: int) -> None:
        """Nothing to show."""


def _dynamodb(stack: ExitStack, directory: Path, keep: bool, report: Progress) -> Engine:
    """DynamoDB Local on ``directory``; moto when Java or the jar is missing (with a one-line notice)."""
    already = running(directory)
    report.step(
        f"Using the DynamoDB Local already running (pid {already.pid})"
        if already
        else "Starting DynamoDB Local (Java; a few seconds)"
    )
    try:
        local = stack.enter_context(LocalDynamoDB(directory, keep_running=keep))
    except DynamoDBLocalUnavailable as error:
        reason = " ".join(str(error).split())
        notice = f"DynamoDB Local unavailable, using moto (nothing persists): {reason}"
        os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        return Engine("moto", notice)
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = local.endpoint_url
    return Engine("DynamoDB Local", None, local.endpoint_url, local.pid, local.reused, local.kept)


def _queues_and_topic() -> dict[str, str]:
    """The template's StateChangeQueue (with its dead-letter queue) and AlertTopic, plus one subscriber."""
    import boto3  # noqa: PLC0415

    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    dlq = sqs.create_queue(QueueName="jobtrail-StateChangeDeadLetterQueue")["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq)
    queue = sqs.create_queue(
        QueueName="jobtrail-StateChangeQueue",
        Attributes={
            # Failed records come back at once instead of after six minutes.
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
        },
    )["QueueUrl"]
    topic = sns.create_topic(Name="jobtrail-AlertTopic")["TopicArn"]
    subscriber = sqs.create_queue(QueueName="jobtrail-slack-notifier")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=_queue_arn(sqs, subscriber))
    return {
        "queue": queue,
        "queue_arn": _queue_arn(sqs, queue),
        "dlq": dlq,
        "topic": topic,
        "subscriber": subscriber,
    }


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _fresh_table(report: Progress) -> bool:
    """Each run starts from an empty table built from template.yaml's HistoryTable; True when it replaced
    an earlier demo's."""
    import boto3  # noqa: PLC0415

    from jobtrail_local.table_schema import create_history_table  # noqa: PLC0415

    client = boto3.client("dynamodb", region_name=REGION)
    replaced = DEMO_TABLE in client.list_tables()["TableNames"]
    if replaced:
        report.step(f"Replacing the earlier demo's history (table {DEMO_TABLE})")
        client.delete_table(TableName=DEMO_TABLE)
        client.get_waiter("table_not_exists").wait(
            TableName=DEMO_TABLE, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
    else:
        report.step(f"Creating table {DEMO_TABLE} from template.yaml")
    create_history_table(client, DEMO_TABLE)
    return replaced


@contextmanager
def _scripted_sagemaker(script: ScriptedSageMaker) -> Iterator[str]:
    """The loopback SageMaker, answering each request in the account its keys belong to."""
    with ScriptedSageMakerServer(script, account_of=account_of_access_key) as server:
        yield server.endpoint_url


def _load_handler(path: Path, name: str) -> ModuleType:
    """The function's module, loaded like Lambda loads it: a new module, so a new dependency cache."""
    return load_function(path, name)


def _prices_from_fixtures(ingest: ModuleType) -> None:
    """The ingest function prices jobs as deployed (its ``PriceBook``: the real Price List adapter, the
    table's price cache, its settings), but moto has no Price List: its GetProducts calls are answered
    from ``events/pricing`` through botocore's ``Stubber``. The handler reads its dependencies through
    the module's ``deps_from_environment``, which this replaces with the same ones so priced."""
    from jobtrail.adapters.pricing import PriceList  # noqa: PLC0415
    from jobtrail.usecases.prices import PriceBook  # noqa: PLC0415

    from jobtrail_local.price_list import fixture_pricing  # noqa: PLC0415

    deps = ingest.deps_from_environment()
    import boto3  # noqa: PLC0415

    client = boto3.client("pricing", region_name=REGION)
    book = PriceBook(PriceList(fixture_pricing(client)), deps.prices.cache, deps.prices.settings)
    priced = msgspec.structs.replace(deps, prices=book)
    ingest.deps_from_environment = lambda: priced  # type: ignore[attr-defined]


def first_day() -> str:
    """The day the demo's first job was created (UTC): ``jobtrail cost --since`` it counts every job."""
    created = (
        lifecycle.final_record(label).summary.creation_time
        for lifecycle in map(load_lifecycle, lifecycle_names())
        for label in lifecycle.expected
    )
    return min(created).date().isoformat()


def _replay(
    steps: Sequence[Step],
    script: ScriptedSageMaker,
    queues: dict[str, str],
    handler: Callable[[dict[str, Any], Any], Any],
    *,
    progress: Progress,
    after_tick: Callable[[datetime], None],
    once: Step | None = None,
) -> Delivery:
    """``steps`` through the queue to ``handler``, a few at a time as SageMaker makes them, some
    delivered twice or late (``once``, the stranger's event, neither: one row in the report)."""
    import boto3  # noqa: PLC0415

    sqs = boto3.client("sqs", region_name=REGION)
    rng = random.Random(SEED)  # noqa: S311 - a reproducible delivery order, not a secret
    delivery = Delivery()
    late: list[Step] = []
    context = LambdaContext(function_name="jobtrail-demo-IngestFunction")
    for start in range(0, len(steps), CHANGES_PER_TICK):
        happened = steps[start : start + CHANGES_PER_TICK]
        for step in happened:
            script.advance(step)
        outgoing = list(late)
        late.clear()
        for step in happened:
            if step is once:
                outgoing.append(step)
                continue
            if rng.random() < LATE_RATE and start + CHANGES_PER_TICK < len(steps):
                late.append(step)
                delivery.late += 1
                continue
            outgoing.append(step)
            if rng.random() < DUPLICATE_RATE:
                outgoing.append(step)
                delivery.duplicates += 1
        rng.shuffle(outgoing)
        for step in outgoing:
            sqs.send_message(QueueUrl=queues["queue"], MessageBody=step.sqs_body)
        delivery.sent += len(outgoing)
        _drain(sqs, queues, handler, context, delivery)
        # What the notifier gets meanwhile, its clock just after the tick's first change (the next may be
        # days later: the fixtures' jobs ran at different times).
        after_tick(min(step.modified for step in happened) + timedelta(seconds=1))
        progress.replayed(min(start + CHANGES_PER_TICK, len(steps)), len(steps))
    return delivery


def _drain(
    sqs: Any,
    queues: dict[str, str],
    handler: Callable[[dict[str, Any], Any], Any],
    context: Any,
    delivery: Delivery,
) -> None:
    """Poll the queue like Lambda's event source mapping until it is empty (bounded)."""
    for _ in range(MAX_POLLS):
        messages = sqs.receive_message(
            QueueUrl=queues["queue"], MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return
        response = handler(
            {"Records": [sqs_lambda_record(m, queues["queue_arn"]) for m in messages]}, context
        )
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", ())}
        delivery.batches += 1
        delivery.redelivered += len(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queues["queue"],
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
    raise DemoError(f"the queue did not drain after {MAX_POLLS} polls")


# -- what happened -------------------------------------------------------------------------------------


def _collect(engine: Engine, delivery: Delivery, slack: SlackOutcome, featured: Showcase) -> DemoResult:
    from jobtrail.adapters.history_queries import AlertQuery, HistoryQueries, JobQuery  # noqa: PLC0415
    from jobtrail.core.slack_message import payload_as_text  # noqa: PLC0415
    from jobtrail.core.views import alert_view  # noqa: PLC0415

    store = HistoryQueries(DEMO_TABLE, region=REGION)
    alerts = store.list_alerts(AlertQuery(limit=1000))
    summaries = store.list_jobs(JobQuery(limit=1000))  # every job of every kind, newest first
    records: dict[JobKey, StoredJob] = {}
    for summary in summaries:
        record = store.get_job(summary.key)
        if record is None:
            raise DemoError(f"{summary.job_name} vanished from {DEMO_TABLE} while the demo read it")
        records[summary.key] = record
    return DemoResult(
        engine=engine.name,
        notice=engine.notice,
        delivery=delivery,
        jobs=[_job_entry(records[summary.key]) for summary in summaries],
        alerts=[alert_view(a) for a in alerts],
        slack_destination=slack.destination,
        slack_texts=[payload_as_text(payload) for payload in slack.payloads],
        slack_payloads=slack.payloads,
        slack_posted=slack.posted,
        slack_failure=slack.failure,
        slack=slack,
        dynamodb=engine,
        summaries=summaries,
        kinds=kind_counts(summaries, alerts),
        spot_record=records.get(featured.spot),
        failed_pipeline_record=records.get(featured.failed_pipeline),
        stored_alerts=alerts,
        featured=featured,
    )


def _assumed_roles(counted: Counter[str]) -> Callable[[str, Mapping[str, Any]], None]:
    """An observer for ``count_aws_calls`` that counts the AssumeRole calls per account of the role."""

    def observe(call: str, params: Mapping[str, Any]) -> None:
        if call == "sts.AssumeRole":
            counted[str(params.get("RoleArn", "")).split(":")[4]] += 1

    return observe


def _parked(queues: dict[str, str]) -> list[Rejected]:
    """What ingest parked in the dead-letter queue, with the reason it gave (read once, at the end)."""
    import boto3  # noqa: PLC0415
    from jobtrail.adapters.sqs import REASON_ATTRIBUTE  # noqa: PLC0415

    sqs = boto3.client("sqs", region_name=REGION)
    parked: list[Rejected] = []
    for _ in range(MAX_POLLS):
        messages = sqs.receive_message(
            QueueUrl=queues["dlq"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return parked
        for message in messages:
            event = json.loads(message["Body"])
            key = key_from_arn(event["resources"][-1])
            attributes: dict[str, Any] = dict(message.get("MessageAttributes") or {})
            reason = str(attributes.get(REASON_ATTRIBUTE, {}).get("StringValue", ""))
            parked.append(
                Rejected(event["account"], event["region"], key.name if key else "-", reason or "-")
            )
        sqs.delete_message_batch(
            QueueUrl=queues["dlq"],
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
    raise DemoError(f"the dead-letter queue did not drain after {MAX_POLLS} polls")


def _organization_outcome(
    planned: DemoPlan,
    summaries: Sequence[JobSummary],
    script: ScriptedSageMaker,
    assume_roles: Counter[str],
    rejected: list[Rejected],
) -> OrganizationOutcome:
    jobs = Counter(Place(s.account, s.region) for s in summaries)
    describes = Counter(Place(key.account, key.region) for key in script.describes)
    return OrganizationOutcome(
        organization=planned.organization,
        places=[PlaceCount(place, jobs[place], describes[place]) for place in planned.organization.places],
        assume_roles={account: assume_roles[account] for account in planned.organization.members},
        rejected=rejected,
    )


def _thread_entry(thread: ThreadShown) -> dict[str, Any]:
    """A job's Slack thread in ``--json``: its channel, job and team, the parent's text now, how often it
    was edited, and each reply's text (``broadcast``: also sent to the channel)."""
    from jobtrail.core.slack_message import payload_as_text  # noqa: PLC0415

    return {
        "channel": thread.channel,
        "job": {"kind": thread.job.kind, "name": thread.job.name} if thread.job else None,
        "team": thread.team,
        "parent": payload_as_text(thread.parent),
        "edits": thread.edits,
        "replies": [
            {"text": payload_as_text(reply), "broadcast": broadcast} for reply, broadcast in thread.replies
        ],
    }


def _job_entry(record: StoredJob) -> dict[str, Any]:
    """A job of ``--json``'s ``jobs``: ``jobs --json``'s object, with counts of what ``show`` and
    ``history`` list and the alert types in the order their transitions started."""
    from jobtrail.core.views import summary_view  # noqa: PLC0415

    entry = {
        **summary_view(record.summary),
        "transitions": len(record.transitions),
        # A count here; `show --json`'s final_metrics is the array itself.
        "final_metric_count": len(record.final_metrics),
    }
    if record.summary.kind == "pipeline":
        entry["step_count"] = len(record.steps)  # `show --json`'s steps is the array
    entry["alerts"] = [
        a.alert.alert_type for a in sorted(record.alerts, key=lambda a: a.alert.transition_start_time)
    ]
    return entry


def kind_counts(summaries: Sequence[JobSummary], alerts: Sequence[StoredAlert]) -> list[KindCount]:
    """Per kind (every kind, in ``KINDS`` order): its jobs, how many are in each status, its alerts by
    type."""
    counts = []
    for kind in KINDS:
        statuses = Counter(s.status for s in summaries if s.kind == kind)
        types = Counter(a.alert.alert_type for a in alerts if a.alert.job.kind == kind)
        lifecycle = SPECS[kind].statuses
        counts.append(
            KindCount(
                kind=kind,
                jobs=statuses.total(),
                statuses=_ordered(statuses, lifecycle),
                alerts=_ordered(types, ALERT_ON),
            )
        )
    return counts


def _ordered(counts: Counter[str], order: Sequence[str]) -> dict[str, int]:
    """``counts`` as a dict, keys in ``order`` first, any other after them by name."""

    def place(key: str) -> tuple[int, str]:
        return (order.index(key) if key in order else len(order), key)

    return {key: counts[key] for key in sorted(counts, key=place)}


def showcase(planned: DemoPlan | None = None) -> Showcase:
    """The jobs the report shows in full and the suggested commands name, found in their lifecycles,
    where ``planned`` runs them (by default the one-account demo's)."""
    planned = planned or plan()
    return Showcase(
        spot=planned.job(SPOT_LIFECYCLE, "training"),
        failed_pipeline=planned.job(FAILED_PIPELINE_LIFECYCLE, "pipeline"),
        shared_name=planned.job(SAME_NAME_LIFECYCLE, "processing"),
        tuning=planned.job(TUNING_LIFECYCLE, "tuning"),
        failed=planned.job(FAILED_LIFECYCLE, "training"),
        twins=tuple(planned.jobs(TWIN_LIFECYCLE, "training")) if planned.organization.enabled else (),
    )


def _job_of(lifecycle: str, kind: Kind) -> JobKey:
    """The first job of ``kind`` in ``events/lifecycles/<lifecycle>.json``."""
    return next(job for job in load_lifecycle(lifecycle).jobs if job.kind == kind)


def _moved(job: JobKey, place: Place) -> JobKey:
    return JobKey(account=place.account, region=place.region, kind=job.kind, name=job.name)


def query_suggestions(program: str = "jobtrail", featured: Showcase | None = None) -> list[tuple[str, str]]:
    """The commands that explore the demo's data, spelled the way this CLI was started, each with what it
    shows (a few words: the report lines them up beside the commands); ``featured``: the demo's jobs, by
    default the one-account demo's (organization mode adds a member account's jobs and a name in two
    accounts)."""
    jobs = featured or showcase()
    local = f"{program} --local"
    shared, pipeline = jobs.shared_name, jobs.failed_pipeline.kind
    suggestions = [
        (f"{local} jobs", "every kind, newest first"),
        (f"{local} jobs --kind {pipeline}", f"only {SPECS[pipeline].noun}s"),
        (f"{local} history {jobs.spot.name}", "the spot job's timeline"),
        (f"{local} history {jobs.failed_pipeline.name}", "the failed execution's steps"),
        (f"{local} show --kind {shared.kind} {shared.name}", "a training job has this name too"),
        (f"{local} show {jobs.tuning.name}", "a tuning job's best training job"),
        (f"{local} alerts", "every alert and its delivery"),
        (f"{local} cost --since {first_day()} --by kind", "what the jobs cost"),
    ]
    if jobs.twins:
        home, member = jobs.twins[0], jobs.twins[-1]
        suggestions[1:1] = [(f"{local} jobs --account {member.account}", "one member account's jobs")]
        suggestions.append(
            (f"{local} show {member.name} --account {member.account}", f"account {home.account} has one too")
        )
    return suggestions


def featured_threads(threads: Sequence[ThreadShown], featured: Showcase | None = None) -> list[ThreadShown]:
    """The threads the report shows in full: the failed training job's (its alert quotes its log) and
    the spot job's (interrupted twice, its parent edited as it moved on)."""
    jobs = featured or showcase()
    return [thread for job in (jobs.failed, jobs.spot) for thread in threads if thread.job == job]


def routes_command(result: DemoResult, program: str = "jobtrail") -> str | None:
    """The command that explains the failed training job's route by the demo's routes document."""
    if result.routes_file is None or result.engine != "DynamoDB Local":
        return None
    job = (result.featured or showcase()).failed
    return f"{program} --local routes test {job.name} --routes {shlex.quote(str(result.routes_file))}"


def query_commands(program: str = "jobtrail", featured: Showcase | None = None) -> list[str]:
    """``query_suggestions``' commands alone."""
    return [command for command, _ in query_suggestions(program, featured)]


def demo_commands(program: str, accounts: int) -> list[tuple[str, str]]:
    """The demo's other runs, as the report suggests them after the queries."""
    other = (
        (f"{program} demo", "back to one account")
        if accounts > 1
        else (f"{program} demo --accounts 3", "the same in organization mode: 3 accounts, 2 regions")
    )
    return [other, (f"{program} demo --reset", "stop DynamoDB Local, wipe the data")]


def summary_document(
    result: DemoResult, directory: Path, program: str = "jobtrail", *, data_dir_why: str | None = None
) -> dict[str, Any]:
    """The ``--json`` summary."""
    engine = result.dynamodb or Engine(result.engine, result.notice)
    return {
        "dynamodb": result.engine,
        "notice": result.notice,
        "data_dir": str(directory),
        "data_dir_why": data_dir_why,
        "table": DEMO_TABLE,
        "replaced_history": result.replaced_history,
        "engine": {
            "endpoint_url": engine.endpoint_url,
            "pid": engine.pid,
            "reused": engine.reused,
            "kept_running": engine.kept,
        },
        "events": {
            "sent": result.delivery.sent,
            "duplicates": result.delivery.duplicates,
            "late": result.delivery.late,
            "batches": result.delivery.batches,
            "redelivered": result.delivery.redelivered,
        },
        "jobs": result.jobs,
        "jobs_by_kind": {
            count.kind: {"jobs": count.jobs, "statuses": count.statuses, "alerts": count.alerts}
            for count in result.kinds
        },
        "alerts": result.alerts,
        "alerts_by_type": dict(Counter(a["alert_type"] for a in result.alerts)),
        "slack": {
            "mode": result.slack.mode if result.slack else None,
            "destination": result.slack_destination,
            "posts": result.slack_posted,
            "failure": result.slack_failure,
            "messages": result.slack_texts,
            "threads": [_thread_entry(thread) for thread in result.slack.threads] if result.slack else [],
            "rate_limited_seconds": round(result.slack.rate_limited_seconds, 1) if result.slack else 0,
            "transitions_delivered": result.slack.transitions_delivered if result.slack else 0,
        },
        "routes_file": str(result.routes_file) if result.routes_file else None,
        "routes_command": routes_command(result, program),
        "query_commands": query_commands(program, result.featured)
        if result.engine == "DynamoDB Local"
        else [],
        "organization": _organization_entry(result.organization),
    }


def _organization_entry(outcome: OrganizationOutcome | None) -> dict[str, Any] | None:
    """``--json``'s ``organization``: the home place, the members and regions, each place's jobs and
    Describe calls, the AssumeRole calls per member account, the rejected events (``None`` with one
    account)."""
    if outcome is None:
        return None
    organization = outcome.organization
    return {
        "accounts": organization.accounts,
        "home": {"account": organization.home.account, "region": organization.home.region},
        "member_accounts": list(organization.members),
        "regions": list(organization.regions),
        "places": [
            {"account": p.place.account, "region": p.place.region, "jobs": p.jobs, "describes": p.describes}
            for p in outcome.places
        ],
        "assume_role_calls": outcome.assume_roles,
        "rejected": [
            {"account": r.account, "region": r.region, "job_name": r.job_name, "reason": r.reason}
            for r in outcome.rejected
        ],
    }
