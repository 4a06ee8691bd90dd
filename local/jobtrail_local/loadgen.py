"""A deterministic load of SageMaker jobs — training jobs, or a mix of every kind — for fault tests and the
benchmark.

``generate(jobs, seed)`` plans ``jobs`` realistic lifecycles at random and builds them with the builder the
fixtures in ``events/`` are made with (``jobtrail_local.lifecycle_builder``): the same ``Step``s (the
EventBridge event SageMaker sent, with epoch-millisecond times, and the DescribeTrainingJob response that was
true right after the change, with aware datetimes), so ``ScriptedSageMaker`` answers them. Jobs start over a
burst window and run concurrently; the mix is:

====================  =======  ==========================================================================
kind                  share    what happens
====================  =======  ==========================================================================
``completed``         55 %     Starting → Downloading → Training → Uploading → Completed; 1-8 final metrics
                               (``0.0``, ``-0.0`` and tiny values among them)
``failed``            12 %     an ``AlgorithmError`` (multi-line reason) while Downloading or Training
``capacity``           3 %     EC2 capacity retries while Starting, then Failed: no TrainingStartTime,
                               no time counters, no metrics
``spot``              15 %     managed spot, Interrupted 1-3 times (InProgress throughout), resumes and
                               completes; billable < training seconds
``max_runtime``       10 %     ``MaxRuntimeInSeconds`` passes while Training → Stopping → MaxRuntimeExceeded
``stopped``            5 %     stopped by its owner (or its tuner) while Training → Stopping → Stopped
====================  =======  ==========================================================================

Each job makes 5-15 state changes; about 15 % of the jobs are children of hyperparameter tuning jobs.
``Load.expected`` holds each job's outcome — its alerts among it, one per Failed, MaxRuntimeExceeded or
Interrupted transition — and ``Load.expected_alert_ids`` the ids ingest must publish, once each.

``generate(jobs, seed, mix=MIXED_KINDS)`` plans a mixed load instead: of the ``jobs``, a share are training
jobs (the mix above), processing jobs (Completed, Failed with a Python traceback as ExitMessage, or stopped),
batch transform jobs (Completed or Failed) and pipeline executions (a processing step, then, if it
succeeded, a training step: each runs a job of its own, also in the load); and the tuning jobs that launched
the training load's tuning children are in it too, their counters and best training job following their
children. The training jobs of a mixed load are planned as in a training-only one. They are built by the
same builders as ``events/`` (``jobtrail_local.job_lifecycles``, ``jobtrail_local.pipeline_lifecycles``).

``spread(load, places)`` is the same load across accounts and regions (organization mode): each family of
jobs (a job alone, a tuning job with the training jobs it launched, a pipeline execution with its steps'
jobs) runs in one place, the places taken in turn.

``deliveries(load)`` is the stream a consumer sees: each event after its change, a few sent twice —
by SageMaker with a new event id, or by EventBridge again with the same id — and a few late, after the
job's next event. Same seed, same load, same stream: no clock, no global randomness.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import JobKey, Kind, key_from_arn
from jobtrail.core.organization import Place

from jobtrail_local import job_lifecycles, pipeline_lifecycles
from jobtrail_local import lifecycle_builder as builder
from jobtrail_local.lifecycle_builder import (
    CAPACITY_ERROR,
    CUDA_OUT_OF_MEMORY,
    DATA_BUCKET,
    DOWNLOADING_IMAGE,
    HUGGINGFACE_GPU_IMAGE,
    LAUNCHING,
    MAX_JOB_NAME,
    NO_CAPACITY_RETRY,
    OUTPUT_BUCKET,
    PYTORCH_GPU_IMAGE,
    REGION,
    RESUMING,
    ROLE_ARN,
    SKLEARN_CPU_IMAGE,
    STARTING,
    XGBOOST_IMAGE,
    ExpectedJob,
    Step,
    at_place,
    job_label,
    metric_definitions,
    s3_channel,
    tuning_job_arn,
)
from jobtrail_local.lifecycles import Lifecycle, seen_transitions, sqs_record
from jobtrail_local.scripted_logs import TRANSFORM_INSTANCE, ScriptedLog

JobKind = Literal["completed", "failed", "capacity", "spot", "max_runtime", "stopped"]
DeliveryKind = Literal["first", "resent", "redelivered"]

#: The share of each kind of job in a load (the "failed" 15 % is split: AlgorithmError and capacity).
MIX: tuple[tuple[JobKind, float], ...] = (
    ("completed", 0.55),
    ("failed", 0.12),
    ("capacity", 0.03),
    ("spot", 0.15),
    ("max_runtime", 0.10),
    ("stopped", 0.05),
)
#: The transitions that alert (ingest's default ``AlertOn``).
ALERTING = frozenset({"Failed", "MaxRuntimeExceeded", "Interrupted"})
#: A mixed load's shares of the jobs planned (``generate(jobs, seed, mix=MIXED_KINDS)``); its tuning jobs
#: come with the training jobs they launched.
MIXED_KINDS: Mapping[Kind, float] = MappingProxyType(
    {"training": 0.55, "processing": 0.2, "transform": 0.12, "pipeline": 0.13}
)
#: How processing, transform jobs and pipeline steps end in a mixed load.
_PROCESSING_ENDS: tuple[tuple[JobKind, float], ...] = (
    ("completed", 0.75),
    ("failed", 0.15),
    ("stopped", 0.10),
)
_TRANSFORM_ENDS: tuple[tuple[JobKind, float], ...] = (("completed", 0.85), ("failed", 0.15))
_STEP_ENDS: tuple[tuple[JobKind, float], ...] = (("completed", 0.85), ("failed", 0.15))
#: Share of jobs launched by hyperparameter tuning jobs.
TUNING_SHARE = 0.15
MIN_CHANGES, MAX_CHANGES = 5, 15

#: The burst starts here; every job is created within the burst window after it.
BURST_START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
#: Seconds of burst window per job: 500 jobs start within ~42 minutes and overlap heavily.
SECONDS_PER_JOB = 5.0
MIN_WINDOW_SECONDS = 600.0

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/loadgen")
#: SageMaker updates LastModifiedTime a few hundred milliseconds after the change it records.
_MODIFIED_LAG_MS = (150, 400)

_ALGORITHM_ERRORS = (
    CUDA_OUT_OF_MEMORY,
    "AlgorithmError: ExecuteUserScriptError:\nExitCode 1\n"
    'ErrorMessage "Traceback (most recent call last):\n'
    '  File "/opt/ml/code/{program}", line {line}, in <module>\n'
    "    main(args)\n"
    "KeyError: 'label_{epochs}'\"\n"
    'Command "/opt/conda/bin/python3.10 {program}", exit code: 1',
    "AlgorithmError: ExecuteUserScriptError:\nExitCode 137\n"
    'ErrorMessage "Killed: the process exceeded the memory of the instance (OOM killer)"\n'
    'Command "torchrun --nnodes 1 --nproc_per_node {gib} {program}", exit code: 137',
    "AlgorithmError: framework error: \nTraceback (most recent call last):\n"
    '  File "/opt/conda/lib/python3.10/site-packages/sagemaker_training/trainer.py", line 88, in train\n'
    "    entrypoint()\n"
    "ValueError: Input contains NaN, infinity or a value too large for dtype('float32'). "
    "\u00e9poque {epochs} \u2013 \u201cdonn\u00e9es\u201d \U0001f525",
    "ClientError: Data download failed:Could not download "
    "s3://jobtrail-ml-data-123456789012/{program}/train/part-{line:05d}.parquet: "
    "insufficient disk space. Consider increasing the volume size.\n"
    "Free space: 0.0 GiB, required: {gib}.2 GiB",
)

_BASES = (
    "resnet50-imagenet",
    "bert-finetune-reviews",
    "llama3-8b-sft-chat",
    "xgboost-churn",
    "detr-coco-spot",
    "whisper-small-asr",
    "t5-base-summarize-news",
    "vit-b16-food101",
    "lightgbm-fraud-scores",
    "yolov8-retail-shelf-detection",
    "pytorch-training",
    "huggingface-pytorch-training",
    "tensorflow-training",
    "sagemaker-scikit-learn",
    "mistral-7b-lora-support-tickets-multilingual",
    "stable-diffusion-xl-finetune-product-photos-v2",
    "distilbert-base-uncased-finetuned-sst2--exp",
    "exp-042-lr3e-4-bs256",
    "A1",
)
_TUNING_BASES = ("xgb-tune", "bert-hpo", "lgbm-sweep", "resnet-lr-search")
_TEAMS = ("vision", "nlp", "growth", "risk", "speech", "platform")
#: The channel of the jobs no rule of ``ROUTES`` matches (the platform team's).
DEFAULT_CHANNEL = "#ml-alerts"
#: A routes document (``jobtrail.core.routing``) for the load's teams, as a user keeps it in SSM: experiments
#: by name prefix to a research channel, then each team's jobs by their ``team`` tag to its channel, the rest
#: to the platform team's ``DEFAULT_CHANNEL``.
ROUTES = json.dumps(
    {
        "routes": [
            {"team": "research", "match": {"name_prefix": "exp-"}, "slack_channel": "#research-alerts"},
            *[
                {"team": team, "match": {"tags": {"team": team}}, "slack_channel": f"#{team}-alerts"}
                for team in _TEAMS
                if team != "platform"
            ],
        ],
        "default": {"team": "platform", "slack_channel": DEFAULT_CHANNEL},
    }
)
_INSTANCES = (
    ("ml.p3.2xlarge", 1),
    ("ml.g5.2xlarge", 1),
    ("ml.g5.12xlarge", 1),
    ("ml.p4d.24xlarge", 2),
    ("ml.m5.2xlarge", 1),
    ("ml.c5.4xlarge", 3),
    ("ml.trn1.32xlarge", 4),
)
_IMAGES = (PYTORCH_GPU_IMAGE, HUGGINGFACE_GPU_IMAGE, XGBOOST_IMAGE, SKLEARN_CPU_IMAGE)
_METRIC_NAMES = (
    "train:loss",
    "validation:loss",
    "validation:accuracy",
    "validation:auc",
    "validation:f1",
    "train:grad_norm_clipped",
    "validation:loss_delta",
    "train:learning_rate",
    "validation:mAP",
    "validation:wer",
)


@dataclass(frozen=True, slots=True)
class Load(Lifecycle):
    """A generated lifecycle of many jobs: ``steps`` in the order SageMaker made the changes (across jobs).

    ``expected`` holds each job's outcome as for the fixtures in ``events/``; ``kinds`` says which kind of
    lifecycle each job follows (completed, failed…); both are keyed by label (a training job's name,
    ``<kind>/<name>`` for the other kinds), as ``by_job`` is.
    """

    seed: int = 0
    kinds: Mapping[str, JobKind] = field(default_factory=lambda: MappingProxyType({}))
    by_job: Mapping[str, tuple[Step, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def job_names(self) -> tuple[str, ...]:
        """The jobs, in the order they were created."""
        return tuple(self.by_job)

    def steps_of(self, job: str | JobKey) -> tuple[Step, ...]:
        """The steps that change ``job`` (a label or a key), oldest first."""
        return self.by_job.get(job if isinstance(job, str) else job_label(job), ())

    @property
    def expected_alert_ids(self) -> frozenset[str]:
        """Every alert a correct consumer publishes for this load, by the id subscribers rely on:
        ``<account>/<region>/<kind>/<job>/<alert type>/<transition start, UTC, milliseconds>`` (written out
        here, not taken from jobtrail's ``alert_id_for``, which it checks)."""
        return frozenset(
            f"{first.account}/{first.region}/{expected.kind}/{name}/{status}/"
            f"{start.astimezone(UTC).isoformat(timespec='milliseconds')}"
            for label, expected in self.expected.items()
            for name in (label.removeprefix(f"{expected.kind}/"),)
            for first in (self.by_job[label][0],)
            for status, start in expected.transitions
            if status in expected.alerts
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event as it lands on the state-change queue: which change it announces, with which id, when."""

    step: Step
    event_id: str
    body: str
    kind: DeliveryKind
    at: datetime
    message_id: str
    #: Delivered after a later event of the same job.
    late: bool = False

    def sqs_record(self, receive_count: int = 1) -> dict[str, Any]:
        """The record Lambda receives for this message (on its ``receive_count``-th delivery)."""
        return sqs_record(self.body, message_id=self.message_id, receive_count=receive_count, sent_at=self.at)


@dataclass(frozen=True, slots=True)
class StreamStats:
    """What a delivery stream holds."""

    events: int
    changes: int
    resent: int
    redelivered: int
    late: int

    @property
    def duplicates(self) -> int:
        return self.resent + self.redelivered


def generate(jobs: int, seed: int, *, mix: Mapping[Kind, float] | None = None) -> Load:
    """``jobs`` training jobs, or with ``mix`` (e.g. ``MIXED_KINDS``) ``jobs`` jobs of those kinds in those
    shares plus the tuning jobs of their tuning children (see the module docstring); the same for the same
    arguments."""
    if jobs < 1:
        raise ValueError("a load has at least one job")
    counts = _counts(jobs, mix) if mix else {"training": jobs}
    rng = random.Random(seed)  # noqa: S311 - a reproducible load, not a secret
    window = max(MIN_WINDOW_SECONDS, jobs * SECONDS_PER_JOB)
    plans = _training_plans(rng, counts.get("training", 0), window)
    description = f"{jobs} generated training jobs (seed {seed}) started within {window:.0f} s"
    if mix:
        other = random.Random(f"{seed}/mix")  # noqa: S311 - the training part stays as without a mix
        plans += _tuning_plans(other, plans)
        plans += [_processing_plan(other, _start(other, window)) for _ in range(counts.get("processing", 0))]
        plans += [_transform_plan(other, _start(other, window)) for _ in range(counts.get("transform", 0))]
        for _ in range(counts.get("pipeline", 0)):
            plans += _pipeline_plans(other, _start(other, window))
        made = Counter(plan.expected.kind for plan in plans)
        description = (
            f"{jobs} generated jobs (seed {seed}: "
            + ", ".join(f"{made[kind]} {kind}" for kind in made)
            + f") started within {window:.0f} s"
        )
    steps = builder.in_time_order(*(plan.steps for plan in plans))
    by_job: dict[str, list[Step]] = {plan.label: [] for plan in plans}
    for step in steps:
        by_job[step.label].append(step)
    return Load(
        name=f"loadgen-{jobs}-{seed}" if not mix else f"loadgen-mixed-{jobs}-{seed}",
        description=description,
        steps=steps,
        expected=MappingProxyType({plan.label: plan.expected for plan in plans}),
        seed=seed,
        kinds=MappingProxyType({plan.label: plan.kind for plan in plans}),
        by_job=MappingProxyType({label: tuple(job_steps) for label, job_steps in by_job.items()}),
    )


def spread(load: Load, places: Sequence[Place]) -> Load:
    """``load`` across ``places`` (accounts and regions): each family of jobs — a job alone, a tuning job
    and the training jobs it launched, a pipeline execution and its steps' jobs — runs in one place, the
    places taken in turn in the order the families' first jobs were created. Jobs keep their names, labels
    and outcomes; their steps are moved (``lifecycle_builder.at_place``: ARNs, envelope, event ids)."""
    if not places:
        raise ValueError("a load is spread over one place at least")
    family = _families(load)
    order = list(dict.fromkeys(family[label] for label in load.job_names))
    place_of = {name: places[i % len(places)] for i, name in enumerate(order)}

    def moved(step: Step) -> Step:
        place = place_of[family[step.label]]
        return at_place(step, place.account, place.region)

    steps = tuple(moved(step) for step in load.steps)
    by_job: dict[str, list[Step]] = {label: [] for label in load.by_job}
    for step in steps:
        by_job[step.label].append(step)
    return Load(
        name=f"{load.name}-{len(places)}-places",
        description=f"{load.description}, spread over {len(places)} places",
        steps=steps,
        expected=load.expected,
        seed=load.seed,
        kinds=load.kinds,
        by_job=MappingProxyType({label: tuple(job_steps) for label, job_steps in by_job.items()}),
    )


def _families(load: Load) -> dict[str, str]:
    """Each job's family, by label: a tuning job's for the training jobs it launched, a pipeline
    execution's for its steps' jobs, its own otherwise."""
    family = {label: label for label in load.job_names}
    for label, steps in load.by_job.items():
        final = steps[-1].describe
        if steps[-1].kind == "pipeline":
            for step in final["steps"]:
                for ran in (step.get("Metadata") or {}).values():
                    key = key_from_arn(str(ran.get("Arn", ""))) if isinstance(ran, dict) else None
                    if key is not None and job_label(key) in family:
                        family[job_label(key)] = label
        elif steps[-1].kind == "training" and "TuningJobArn" in final:
            family[label] = f"tuning/{final['TuningJobArn'].rsplit('/', 1)[1]}"
    return family


def _training_plans(rng: random.Random, jobs: int, window: float) -> list[_JobPlan]:
    """``jobs`` training jobs started within ``window`` seconds of the burst's start."""
    kinds = _kinds(jobs, rng)
    starts = sorted(BURST_START + timedelta(milliseconds=rng.randrange(int(window * 1000))) for _ in kinds)
    tuning = _tuning_parents(kinds, rng)
    names: set[str] = set()
    children: Counter[str] = Counter()
    plans: list[_JobPlan] = []
    for position, (kind, start) in enumerate(zip(kinds, starts, strict=True)):
        parent = tuning.get(position)
        name = _unique_name(rng, names, children, start, parent)
        plans.append(_plan_job(rng, name, kind, start, parent))
    return plans


def _counts(jobs: int, mix: Mapping[Kind, float]) -> dict[Kind, int]:
    """Exactly the mix's shares of ``jobs`` (largest remainder)."""
    total = sum(mix.values())
    quotas = {kind: share * jobs / total for kind, share in mix.items()}
    counts = {kind: int(quota) for kind, quota in quotas.items()}
    by_remainder = sorted(quotas, key=lambda kind: quotas[kind] - counts[kind], reverse=True)
    for kind in by_remainder[: jobs - sum(counts.values())]:
        counts[kind] += 1
    return counts


def deliveries(
    load: Load, duplicate_rate: float = 0.05, seed: int = 0, late_rate: float = 0.05
) -> tuple[Delivery, ...]:
    """The events of ``load`` as SageMaker and EventBridge deliver them to the queue, in arrival order.

    Each change is announced after it happened (0.3-3 s later). About ``duplicate_rate`` of them arrive
    twice: half sent again by SageMaker (a new event id, moments later), half redelivered by EventBridge
    (the same id, seconds to a minute later). About ``late_rate`` are held back until after the job's next
    event. Every delivery is a distinct SQS message.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible stream, not a secret
    arrivals: list[tuple[datetime, int, DeliveryKind, Step, str, dict[str, Any]]] = []
    for label in load.job_names:
        job_steps = load.steps_of(label)
        for position, step in enumerate(job_steps):
            sent = step.modified + timedelta(milliseconds=rng.randint(300, 3000))
            if position + 1 < len(job_steps) and rng.random() < late_rate:
                following = job_steps[position + 1].modified
                sent = max(sent, following) + timedelta(milliseconds=rng.randint(3500, 30000))
            arrivals.append((sent, step.index, "first", step, step.event["id"], step.event))
            if rng.random() >= duplicate_rate:
                continue
            if rng.random() < 0.5:
                again = dict(step.event, id=str(uuid.uuid5(_NAMESPACE, f"resent:{load.seed}:{step.index}")))
                later = sent + timedelta(milliseconds=rng.randint(50, 2000))
                arrivals.append((later, step.index, "resent", step, again["id"], again))
            else:
                later = sent + timedelta(milliseconds=rng.randint(1000, 60000))
                arrivals.append((later, step.index, "redelivered", step, step.event["id"], step.event))
    arrivals.sort(key=lambda item: (item[0], item[1]))
    stream: list[Delivery] = []
    seen_index: dict[str, int] = {}
    for position, (at, index, kind, step, event_id, event) in enumerate(arrivals):
        newest = seen_index.get(step.label, -1)
        stream.append(
            Delivery(
                step=step,
                event_id=event_id,
                body=json.dumps(event),
                kind=kind,
                at=at,
                message_id=str(uuid.uuid5(_NAMESPACE, f"message:{load.seed}:{seed}:{position}")),
                late=index < newest and kind == "first",
            )
        )
        seen_index[step.label] = max(newest, index)
    return tuple(stream)


def stream_stats(stream: tuple[Delivery, ...]) -> StreamStats:
    """Counts of a delivery stream: events, distinct changes, duplicates by kind, late first deliveries."""
    kinds = Counter(delivery.kind for delivery in stream)
    return StreamStats(
        events=len(stream),
        changes=len({delivery.step.index for delivery in stream}),
        resent=kinds["resent"],
        redelivered=kinds["redelivered"],
        late=sum(1 for delivery in stream if delivery.late),
    )


# ------------------------------------------------------------------------------------------- the planning
@dataclass(frozen=True, slots=True)
class _JobPlan:
    name: str
    kind: JobKind
    steps: tuple[Step, ...]
    expected: ExpectedJob

    @property
    def label(self) -> str:
        return job_label(builder.job_key(self.name, self.expected.kind))


@dataclass
class _Script:
    """The changes of one job, built forward in time."""

    now: datetime
    changes: list[builder.Change] = field(default_factory=list)

    def enter(self, status: str, after: float = 0.0, message: str | None = None) -> None:
        self._wait(after)
        self.changes.append(builder.enter(self.now, status, message))

    def note(self, message: str, after: float) -> None:
        self._wait(after)
        self.changes.append(builder.note(self.now, message))

    def finish(self, status: str, after: float, failure_reason: str | None = None) -> None:
        self._wait(after)
        self.changes.append(builder.finish(self.now, status, failure_reason=failure_reason))

    def _wait(self, seconds: float) -> None:
        self.now += timedelta(milliseconds=int(seconds * 1000))


@dataclass(frozen=True, slots=True)
class _Profile:
    """What does not change during a job: its configuration, and how it ends."""

    kind: JobKind
    config: dict[str, Any]
    tags: dict[str, str]
    tuning_job_arn: str | None
    metrics: tuple[tuple[str, float], ...] | None
    failure_reason: str | None
    saves_model: bool
    billable_share: float | None


def _kinds(jobs: int, rng: random.Random) -> list[JobKind]:
    """Exactly the mix's shares (largest remainder), shuffled."""
    quotas = [(kind, share * jobs) for kind, share in MIX]
    counts = {kind: int(quota) for kind, quota in quotas}
    by_remainder = sorted(quotas, key=lambda item: item[1] - int(item[1]), reverse=True)
    for kind, _ in by_remainder[: jobs - sum(counts.values())]:
        counts[kind] += 1
    kinds: list[JobKind] = [kind for kind, count in counts.items() for _ in range(count)]
    rng.shuffle(kinds)
    return kinds


def _tuning_parents(kinds: list[JobKind], rng: random.Random) -> dict[int, str]:
    """Which jobs a tuning job launched (position → tuning job name): groups of 3-8 consecutive starts."""
    eligible = [
        i for i, kind in enumerate(kinds) if kind in {"completed", "stopped", "failed", "max_runtime"}
    ]
    wanted = round(len(kinds) * TUNING_SHARE)
    parents: dict[int, str] = {}
    cursor = 0
    while len(parents) < wanted and cursor < len(eligible):
        size = min(rng.randint(3, 8), wanted - len(parents))
        stamp = f"{rng.randint(1, 28):02d}{rng.randint(0, 23):02d}-{rng.randrange(16**4):04x}"
        name = f"{rng.choice(_TUNING_BASES)}-{stamp}"[:32]
        for position in eligible[cursor : cursor + size]:
            parents[position] = name
        cursor += size + rng.randint(0, 6)
    return parents


def _unique_name(
    rng: random.Random, taken: set[str], children: Counter[str], start: datetime, tuning: str | None
) -> str:
    """A SageMaker-style name: the SDK's ``<base>-<timestamp>`` (base cut to fit 63, which can leave a
    ``--``), or a tuner child's ``<tuning job>-<NNN>-<8 hex>``."""
    while True:
        if tuning is not None:
            children[tuning] += 1
            name = f"{tuning}-{children[tuning]:03d}-{rng.randrange(16**8):08x}"
        else:
            named = start - timedelta(milliseconds=rng.randint(200, 900))
            stamp = named.strftime("%Y-%m-%d-%H-%M-%S-") + f"{named.microsecond // 1000:03d}"
            base = rng.choice(_BASES)[: MAX_JOB_NAME - len(stamp) - 1]
            name = f"{base}-{stamp}"
        if name not in taken:
            taken.add(name)
            return name
        start += timedelta(milliseconds=1)


def _plan_job(rng: random.Random, name: str, kind: JobKind, start: datetime, tuning: str | None) -> _JobPlan:
    profile = _profile(rng, name, kind, tuning)
    script = _Script(now=start)
    _SCRIPTS[kind](rng, script, profile)
    if not MIN_CHANGES <= len(script.changes) <= MAX_CHANGES:
        raise AssertionError(f"{name}: {len(script.changes)} changes")
    lags = [timedelta(milliseconds=rng.randint(*_MODIFIED_LAG_MS)) for _ in script.changes]
    # The metrics' values were last logged a few seconds before the job ended.
    stamp = (script.now - timedelta(seconds=3)).replace(microsecond=0)
    job = builder.TrainingJob(
        name=name,
        config=profile.config,
        tags=profile.tags,
        tuning_job_arn=profile.tuning_job_arn,
        saves_model=profile.saves_model,
        final_metrics=(
            None
            if profile.metrics is None
            else tuple((metric, value, stamp) for metric, value in profile.metrics)
        ),
        billable_share=profile.billable_share,
    )
    steps = builder.job_steps(
        job,
        script.changes,
        modified_lag=lags,
        event_id=lambda index: str(uuid.uuid5(_NAMESPACE, f"event:{name}:{index}")),
    )
    return _JobPlan(name, kind, steps, _expected(profile, steps[-1].describe))


def _profile(rng: random.Random, name: str, kind: JobKind, tuning: str | None) -> _Profile:
    team = rng.choice(_TEAMS)
    instance_type, count = rng.choice(_INSTANCES)
    spot = kind == "spot"
    program = rng.choice(("train.py", "train_detr.py", "finetune.py", "entrypoint.py"))
    epochs = rng.randint(1, 90)
    output = f"{OUTPUT_BUCKET}/{team}"
    max_runtime = rng.choice((1800, 3600, 7200)) if kind == "max_runtime" else rng.choice((86400, 172800))
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": max_runtime}
    if spot:
        stopping["MaxWaitTimeInSeconds"] = max_runtime * 2
    metric_names = rng.sample(_METRIC_NAMES, rng.randint(1, 8))
    config: dict[str, Any] = {
        "HyperParameters": {
            "epochs": str(epochs),
            "lr": repr(rng.choice((0.1, 3e-4, 1e-5, 0.02))),
            "sagemaker_job_name": json.dumps(name),
            "sagemaker_program": json.dumps(program),
            "sagemaker_region": json.dumps(REGION),
        },
        "AlgorithmSpecification": {
            "TrainingImage": rng.choice(_IMAGES),
            "TrainingInputMode": "File",
            "MetricDefinitions": metric_definitions(*metric_names),
            "EnableSageMakerMetricsTimeSeries": True,
        },
        "RoleArn": ROLE_ARN,
        "InputDataConfig": [
            s3_channel(channel, f"{DATA_BUCKET}/{team}/2026-11/{channel}/")
            for channel in ("train", "validation")[: rng.randint(1, 2)]
        ],
        "OutputDataConfig": {"KmsKeyId": "", "S3OutputPath": output, "CompressionType": "GZIP"},
        "ResourceConfig": {
            "InstanceType": instance_type,
            "InstanceCount": count,
            "VolumeSizeInGB": rng.choice((30, 100, 200)),
        },
        "StoppingCondition": stopping,
        "EnableNetworkIsolation": False,
        "EnableInterContainerTrafficEncryption": False,
        "EnableManagedSpotTraining": spot,
    }
    if spot:
        config["CheckpointConfig"] = {
            "S3Uri": f"{output}/checkpoints/{name}",
            "LocalPath": "/opt/ml/checkpoints",
        }
    metrics: tuple[tuple[str, float], ...] | None = None
    if kind in {"completed", "spot"}:
        metrics = tuple((metric, _metric_value(rng)) for metric in metric_names)
    elif kind in {"failed", "stopped", "max_runtime"} and rng.random() < 0.4:
        metrics = tuple((metric, _metric_value(rng)) for metric in metric_names[: rng.randint(1, 3)])
    elif kind == "stopped" and rng.random() < 0.2:
        metrics = ()  # the key is there, the list empty: a tuner stopped it before any metric was emitted
    failure = None
    if kind == "failed":
        template = rng.choice(_ALGORITHM_ERRORS)
        failure = template.format(
            gib=rng.randint(1, 8), program=program, epochs=epochs, line=rng.randint(10, 400)
        )[:1024]
    elif kind == "capacity":
        failure = CAPACITY_ERROR
    return _Profile(
        kind=kind,
        config=config,
        tags={"team": team, "project": f"{team}-{rng.choice(('baselines', 'prod', 'research'))}"},
        tuning_job_arn=None if tuning is None else tuning_job_arn(tuning),
        metrics=metrics,
        failure_reason=failure,
        saves_model=kind in {"completed", "spot", "stopped", "max_runtime"},
        billable_share=rng.uniform(0.25, 0.75) if spot else None,
    )


def _metric_value(rng: random.Random) -> float:
    """Mostly ordinary values; now and then the ones that break lossy stores: 0.0, -0.0, tiny, huge."""
    roll = rng.random()
    if roll < 0.06:
        return 0.0
    if roll < 0.10:
        return -0.0
    if roll < 0.15:
        return rng.choice((3e-07, 1e-12, 5e-324, 2.2250738585072014e-308))
    if roll < 0.17:
        return rng.choice((1.7976931348623157e308, 123456789.123456789))
    return rng.uniform(-1.0, 1.0) if roll < 0.25 else rng.random()


# --- one function per kind of lifecycle: the changes, in order ------------------------------------------
def _starting(rng: random.Random, script: _Script, *, note_probability: float) -> None:
    if rng.random() < note_probability:
        script.enter("Starting", message=LAUNCHING)
        script.note(STARTING, rng.uniform(20, 120))
    else:
        script.enter("Starting")


def _download_and_train(rng: random.Random, script: _Script, *, extra_note: bool = False) -> None:
    script.enter("Downloading", rng.uniform(60, 300))
    if extra_note:
        script.note(DOWNLOADING_IMAGE, rng.uniform(10, 90))
    script.enter("Training", rng.uniform(20, 300))


def _completed(rng: random.Random, script: _Script, _: _Profile) -> None:
    _starting(rng, script, note_probability=0.35)
    _download_and_train(rng, script, extra_note=rng.random() < 0.2)
    script.enter("Uploading", rng.uniform(180, 5400))
    script.finish("Completed", rng.uniform(10, 120))


def _failed(rng: random.Random, script: _Script, profile: _Profile) -> None:
    # Always one message change, so that even the shortest failure makes five changes.
    _starting(rng, script, note_probability=1.0)
    script.enter("Downloading", rng.uniform(60, 300))
    if (profile.failure_reason or "").startswith("ClientError: Data download failed"):
        script.note(DOWNLOADING_IMAGE, rng.uniform(10, 60))
        script.finish("Failed", rng.uniform(5, 120), profile.failure_reason)
        return
    script.enter("Training", rng.uniform(20, 300))
    script.finish("Failed", rng.uniform(30, 3600), profile.failure_reason)


def _capacity(rng: random.Random, script: _Script, profile: _Profile) -> None:
    script.enter("Starting", message=LAUNCHING)
    for retry in range(rng.randint(3, 6)):
        script.note(NO_CAPACITY_RETRY if retry % 2 == 0 else LAUNCHING, rng.uniform(120, 900))
    script.finish("Failed", rng.uniform(60, 600), profile.failure_reason)


def _spot(rng: random.Random, script: _Script, _: _Profile) -> None:
    interruptions = rng.randint(1, 3)
    _starting(rng, script, note_probability=0.0)
    _download_and_train(rng, script)
    # 3 so far, 2 to finish, 3 per interruption (Interrupted, Starting, Training) plus optional downloads.
    spare = MAX_CHANGES - 5 - 3 * interruptions
    for _interruption in range(interruptions):
        script.enter("Interrupted", rng.uniform(300, 2400))
        script.enter("Starting", rng.uniform(120, 1800))
        if spare > 0 and rng.random() < 0.6:
            spare -= 1
            script.enter("Downloading", rng.uniform(90, 240))
        resuming = rng.random() < 0.3
        script.enter("Training", rng.uniform(20, 120), message=RESUMING if resuming else None)
    script.enter("Uploading", rng.uniform(300, 2400))
    script.finish("Completed", rng.uniform(10, 90))


def _max_runtime(rng: random.Random, script: _Script, profile: _Profile) -> None:
    _starting(rng, script, note_probability=0.4)
    _download_and_train(rng, script, extra_note=rng.random() < 0.2)
    limit = profile.config["StoppingCondition"]["MaxRuntimeInSeconds"]
    # The clock runs from TrainingStartTime (the end of Starting): Stopping begins once it passed the limit.
    begin = next(change.at for change in script.changes if change.status == "Downloading")
    elapsed = (script.now - begin).total_seconds()
    script.enter("Stopping", limit - elapsed + rng.uniform(5, 60))
    script.finish("MaxRuntimeExceeded", rng.uniform(30, 180))


def _stopped(rng: random.Random, script: _Script, _: _Profile) -> None:
    _starting(rng, script, note_probability=0.3)
    _download_and_train(rng, script)
    script.enter("Stopping", rng.uniform(60, 3600))
    script.finish("Stopped", rng.uniform(20, 120))


_SCRIPTS: dict[JobKind, Callable[[random.Random, _Script, _Profile], None]] = {
    "completed": _completed,
    "failed": _failed,
    "capacity": _capacity,
    "spot": _spot,
    "max_runtime": _max_runtime,
    "stopped": _stopped,
}


# ------------------------------------------------------------------------------------------ the expectations
def _expected(profile: _Profile, final: Mapping[str, Any]) -> ExpectedJob:
    """What a consumer must conclude about the job, read off its final describe by plain arithmetic (not
    with jobtrail's own code, which the load is there to check)."""
    transitions = final["SecondaryStatusTransitions"]
    training = final.get("TrainingTimeInSeconds")
    billable = final.get("BillableTimeInSeconds")
    reason = profile.failure_reason
    savings = None
    if profile.kind == "spot" and training and billable is not None:
        savings = (1 - billable / training) * 100  # the documented formula (events/README.md, FACTS)
    return ExpectedJob(
        status=final["TrainingJobStatus"],
        secondary_status=final["SecondaryStatus"],
        transitions=tuple((t["Status"], t["StartTime"]) for t in transitions),
        final_metrics=len(final.get("FinalMetricDataList") or ()),
        training_time_seconds=training,
        billable_time_seconds=billable,
        spot_savings_percent=savings,
        failure_reason_startswith=reason.split(":", 1)[0] if reason else None,
        alerts=tuple(t["Status"] for t in transitions if t["Status"] in ALERTING),
    )


# ---------------------------------------------------------------------------- the other kinds (a mixed load)
_PROCESSING_BASES = (
    "churn-preprocess",
    "reviews-dedup",
    "features-daily",
    "sagemaker-scikit-learn",
    "evaluate-model",
    "data-quality-check",
)
_TRANSFORM_BASES = ("churn-score", "fraud-batch-score", "reviews-sentiment-batch")
_MODELS = ("churn-xgb-model-2026-11-18", "fraud-lgbm-model-2026-11-12", "reviews-distilbert-2026-11-02")
_PIPELINES = ("churn-train-pipeline", "fraud-train-pipeline", "reviews-pipeline")
_EXECUTION_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_STEP_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#: The Python errors a mixed load's failing processing scripts end with (their ExitMessage's last line).
_SCRIPT_ERRORS = (
    "KeyError: \"['{column}'] not in index\"",
    "ValueError: could not convert string to float: '{column}'",
    "MemoryError: Unable to allocate 11.2 GiB for an array with shape (1500000, 2000) and data type float32",
)
_TRANSFORM_ERRORS = (
    job_lifecycles.TRANSFORM_CLIENT_ERROR,
    "AlgorithmError: See job logs for more information",
)


def _start(rng: random.Random, window: float) -> datetime:
    return BURST_START + timedelta(milliseconds=rng.randrange(int(window * 1000)))


def _choice(rng: random.Random, weights: tuple[tuple[JobKind, float], ...]) -> JobKind:
    return rng.choices([kind for kind, _ in weights], [weight for _, weight in weights])[0]


def _after(moment: datetime, rng: random.Random, low: float, high: float) -> datetime:
    """``moment`` plus ``low`` to ``high`` seconds, in whole milliseconds (SageMaker's precision)."""
    return moment + timedelta(milliseconds=rng.randint(int(low * 1000), int(high * 1000)))


def _sdk_name(rng: random.Random, base: str, start: datetime) -> str:
    """The SageMaker Python SDK's ``<base>-<timestamp>`` name for a job started at ``start``."""
    named = start - timedelta(milliseconds=rng.randint(200, 900))
    return f"{base}-{named.strftime('%Y-%m-%d-%H-%M-%S-')}{named.microsecond // 1000:03d}"


def _lags(rng: random.Random, count: int) -> list[timedelta]:
    return [timedelta(milliseconds=rng.randint(*_MODIFIED_LAG_MS)) for _ in range(count)]


def _event_ids(name: str) -> Callable[[int], str]:
    return lambda index: str(uuid.uuid5(_NAMESPACE, f"event:{name}:{index}"))


def _kind_plan(
    rng: random.Random, job: job_lifecycles.Job, outcome: JobKind, changes: list[job_lifecycles.Change]
) -> _JobPlan:
    """Build a processing, transform or tuning job; its expectation is read off its answers."""
    label = job_label(builder.job_key(job.name, job.kind))
    steps = job_lifecycles.job_steps(
        job, changes, modified_lag=_lags(rng, len(changes)), event_id=_event_ids(label)
    )
    final = steps[-1].describe
    status = final[job_lifecycles.KINDS[job.kind].status_member]
    reason = final.get("FailureReason")
    exit_message = final.get("ExitMessage")
    expected = ExpectedJob(
        kind=job.kind,
        status=status,
        transitions=tuple(seen_transitions(job.kind, (step.describe for step in steps))),
        final_metrics=1 if final.get("BestTrainingJob") else 0,
        failure_reason_startswith=reason.split(":", 1)[0] if reason else None,
        alerts=("Failed",) if status == "Failed" else (),
        exit_message_startswith=exit_message.split("\n", 1)[0] if exit_message else None,
        best_training_job=(final.get("BestTrainingJob") or {}).get("TrainingJobName"),
        best_objective_value=(
            (final.get("BestTrainingJob") or {}).get("FinalHyperParameterTuningJobObjectiveMetric") or {}
        ).get("Value"),
    )
    return _JobPlan(job.name, outcome, steps, expected)


def _processing_plan(
    rng: random.Random, start: datetime, name: str | None = None, outcome: JobKind | None = None
) -> _JobPlan:
    """A processing job: created, its container started, and Completed, Failed (its script's traceback as
    ExitMessage) or stopped (Stopping, Stopped)."""
    base = rng.choice(_PROCESSING_BASES)
    name = name or _sdk_name(rng, base, start)
    outcome = outcome or _choice(rng, _PROCESSING_ENDS)
    team = rng.choice(_TEAMS)
    script = f"{base.replace('-', '_')}.py"
    config = job_lifecycles.sklearn_processing(
        script,
        team=team,
        inputs={"raw": f"{DATA_BUCKET}/{team}/2026-11/raw/"},
        outputs={"processed": f"{DATA_BUCKET}/{team}/2026-11/processed/"},
    )
    job = job_lifecycles.Job("processing", name, config, {"team": team, "project": f"{team}-data"})
    started = _after(start, rng, 90, 400)
    changes = [job_lifecycles.create(start), job_lifecycles.start(started)]
    if outcome == "completed":
        changes.append(job_lifecycles.end(_after(started, rng, 60, 1800), "Completed"))
    elif outcome == "failed":
        error = rng.choice(_SCRIPT_ERRORS).format(column=rng.choice(("plan_tier", "region", "premium")))
        traceback = (
            "Traceback (most recent call last):\n"
            f'  File "/opt/ml/processing/input/code/{script}", line {rng.randint(20, 300)}, in <module>\n'
            "    main()\n"
            f"{error}\n"
        )
        ended = _after(started, rng, 10, 600)
        changes.append(
            job_lifecycles.end(
                ended, "Failed", failure_reason=job_lifecycles.ALGORITHM_ERROR, exit_message=traceback
            )
        )
    else:
        stopping = _after(started, rng, 60, 1200)
        changes += [
            job_lifecycles.stop(stopping),
            job_lifecycles.end(_after(stopping, rng, 20, 120), "Stopped"),
        ]
    return _kind_plan(rng, job, outcome, changes)


def _transform_plan(rng: random.Random, start: datetime) -> _JobPlan:
    """A batch transform job: created, started, Completed or Failed."""
    base = rng.choice(_TRANSFORM_BASES)
    name = _sdk_name(rng, base, start)
    outcome = _choice(rng, _TRANSFORM_ENDS)
    team = rng.choice(_TEAMS)
    config = job_lifecycles.batch_transform(
        rng.choice(_MODELS),
        source=f"{DATA_BUCKET}/{team}/scoring/{name}/",
        destination=f"{OUTPUT_BUCKET}/{team}/scores/{name}/",
    )
    job = job_lifecycles.Job("transform", name, config, {"team": team, "project": f"{team}-scoring"})
    started = _after(start, rng, 120, 400)
    ended = _after(started, rng, 30, 1800)
    if outcome == "completed":
        last = job_lifecycles.end(ended, "Completed")
    else:
        last = job_lifecycles.end(ended, "Failed", failure_reason=rng.choice(_TRANSFORM_ERRORS))
    return _kind_plan(rng, job, outcome, [job_lifecycles.create(start), job_lifecycles.start(started), last])


def _tuning_plans(rng: random.Random, training: list[_JobPlan]) -> list[_JobPlan]:
    """The tuning jobs that launched the training load's tuning children: each created before its first
    child, its counters and best training job moving as each child ends, and Completed when one of them
    reported the objective (else Failed, as SageMaker fails a tuning job none of whose jobs succeeded)."""
    families: dict[str, list[Mapping[str, Any]]] = {}
    for plan in training:
        final = plan.steps[-1].describe
        if "TuningJobArn" in final:
            families.setdefault(final["TuningJobArn"].rsplit("/", 1)[1], []).append(final)
    return [_tuning_plan(rng, name, children) for name, children in families.items()]


def _tuning_plan(rng: random.Random, name: str, children: list[Mapping[str, Any]]) -> _JobPlan:
    by_end = sorted(children, key=lambda child: child["LastModifiedTime"])
    metrics = [
        m["MetricName"]
        for c in by_end
        if c["TrainingJobStatus"] == "Completed"
        for m in c.get("FinalMetricDataList") or ()
    ]
    objective = metrics[0] if metrics else "validation:loss"
    created = min(child["CreationTime"] for child in children) - timedelta(
        milliseconds=rng.randint(20_000, 60_000)
    )
    config = job_lifecycles.tuning_config(
        children[0],
        objective=("Maximize", objective),
        limits=(len(children), min(len(children), 3)),
        integer_ranges={"epochs": ("1", "90")},
        continuous_ranges={"lr": ("1e-05", "0.1")},
    )
    changes = [job_lifecycles.create(created)]
    best: Mapping[str, Any] | None = None
    at = created
    for position, child in enumerate(by_end):
        at = max(_after(child["LastModifiedTime"], rng, 2, 6), at + timedelta(milliseconds=1))
        ended = by_end[: position + 1]
        scored = [
            c for c in ended if c["TrainingJobStatus"] == "Completed" and _value(c, objective) is not None
        ]
        if scored:
            leader = max(scored, key=lambda c: _value(c, objective) or 0.0)
            best = job_lifecycles.best_training_job(leader, objective=objective, tuned=("epochs", "lr"))
        counters = _tuning_counters(children, ended, objective)
        if position + 1 < len(by_end):
            changes.append(job_lifecycles.progress(at, best_training_job=best, **counters))
    status = "Completed" if best else "Failed"
    reason = (
        None
        if best
        else (
            f"No training job succeeded after {len(children)} attempts. Please take a look at the training "
            "job failures to get more details."
        )
    )
    counters = _tuning_counters(children, by_end, objective)
    changes.append(job_lifecycles.end(at, status, failure_reason=reason, best_training_job=best, **counters))
    job = job_lifecycles.Job("tuning", name, config, {"team": "ml-platform", "project": "tuning"})
    return _kind_plan(rng, job, "completed" if best else "failed", changes)


def _value(child: Mapping[str, Any], metric: str) -> float | None:
    return next(
        (m["Value"] for m in child.get("FinalMetricDataList") or () if m["MetricName"] == metric), None
    )


def _tuning_counters(
    children: list[Mapping[str, Any]], ended: list[Mapping[str, Any]], objective: str
) -> dict[str, Any]:
    """TrainingJobStatusCounters and ObjectiveStatusCounters once the ``ended`` children have ended."""
    statuses = Counter(child["TrainingJobStatus"] for child in ended)
    scored = sum(1 for child in ended if _value(child, objective) is not None)
    running = len(children) - len(ended)
    return {
        "training_jobs": {
            "Completed": statuses["Completed"],
            "InProgress": running,
            "RetryableError": 0,
            "NonRetryableError": statuses["Failed"],
            "Stopped": statuses["Stopped"],
        },
        "objectives": {"Succeeded": scored, "Pending": running, "Failed": len(ended) - scored},
    }


def _pipeline_plans(rng: random.Random, start: datetime) -> list[_JobPlan]:
    """A pipeline execution, and the jobs its steps ran: a Preprocess processing step, then, if it
    succeeded, a Train training step; the execution Succeeded or Failed (as its first failed step)."""
    execution = pipeline_lifecycles.Execution(
        rng.choice(_PIPELINES),
        "".join(rng.choices(_EXECUTION_ID_ALPHABET, k=12)),
        f"execution-{builder.epoch_millis(start)}",
    )
    label = job_label(builder.job_key(execution.name, "pipeline"))
    changes = [pipeline_lifecycles.execute(start)]
    preprocess = _run_step(
        rng,
        execution,
        changes,
        ("Preprocess", "Processing"),
        lambda name, at: _processing_plan(rng, at, name=name, outcome=_choice(rng, _STEP_ENDS)),
    )
    jobs = [preprocess]
    if preprocess.expected.status != "Failed":
        outcome: JobKind = "completed" if _choice(rng, _STEP_ENDS) == "completed" else "failed"
        jobs.append(
            _run_step(
                rng,
                execution,
                changes,
                ("Train", "Training"),
                lambda name, at: _plan_job(rng, name, outcome, at, None),
            )
        )
    failed = jobs[-1].expected.status == "Failed"
    status = "Failed" if failed else "Succeeded"
    changes.append(
        pipeline_lifecycles.conclude(
            _after(changes[-1].at, rng, 1, 2), status, pipeline_lifecycles.STEP_FAILURE if failed else None
        )
    )
    steps = pipeline_lifecycles.execution_steps(
        execution, changes, modified_lag=_lags(rng, 1)[0], event_id=_event_ids(label)
    )
    expected = ExpectedJob(
        kind="pipeline",
        status=status,
        transitions=tuple(seen_transitions("pipeline", (s.describe for s in steps))),
        failure_reason_startswith="Step failure" if failed else None,
        alerts=("Failed",) if failed else (),
        failed_step=next(
            (s["StepName"] for s in steps[-1].describe["steps"] if s["StepStatus"] == "Failed"), None
        ),
    )
    return [_JobPlan(execution.name, "failed" if failed else "completed", steps, expected), *jobs]


def _run_step(
    rng: random.Random,
    execution: pipeline_lifecycles.Execution,
    changes: list[pipeline_lifecycles.Change],
    step: tuple[str, str],
    plan: Callable[[str, datetime], _JobPlan],
) -> _JobPlan:
    """A pipeline step (name, type) that runs a job: Starting, the job ``plan`` makes created moments later,
    Executing once it exists, then Succeeded or Failed (with the job's reason) as the job ended. Appends
    the step's changes to ``changes``; returns the job."""
    name, step_type = step
    starting = _after(changes[-1].at, rng, 1, 2)
    changes.append(pipeline_lifecycles.step_status(starting, name, step_type, "Starting"))
    suffix = "".join(rng.choices(_STEP_SUFFIX_ALPHABET, k=10))
    job = plan(
        pipeline_lifecycles.pipeline_job_name(execution, name, suffix), _after(starting, rng, 0.3, 0.8)
    )
    arn = builder.job_arn(job.name, job.expected.kind)
    changes.append(
        pipeline_lifecycles.step_status(
            _after(job.steps[0].modified, rng, 0.2, 0.5), name, step_type, "Executing", job_arn=arn
        )
    )
    final = job.steps[-1].describe
    ended = "Failed" if job.expected.status == "Failed" else "Succeeded"
    changes.append(
        pipeline_lifecycles.step_status(
            _after(job.steps[-1].modified, rng, 1, 2),
            name,
            step_type,
            ended,
            failure_reason=final.get("FailureReason"),
        )
    )
    return job


# -- the failed jobs' CloudWatch Logs ------------------------------------------------------------------

#: The Describe members that say a job's status and when its containers started (a job without a start
#: never logged), for the kinds that log.
_LOG_FIELDS: Mapping[Kind, tuple[str, str]] = MappingProxyType(
    {
        "training": ("TrainingJobStatus", "TrainingStartTime"),
        "processing": ("ProcessingJobStatus", "ProcessingStartTime"),
        "transform": ("TransformJobStatus", "TransformStartTime"),
    }
)
#: What a peer host prints last when another host's process died (a distributed job's other streams).
_PEER_LINES = (
    "[W socket.cpp:663] [c10d] The client socket has failed to connect to [algo-1]:29500 (errno: 111).",
    "WARNING:torch.distributed.elastic.agent.server.api:Received Signals.SIGTERM death signal, "
    "shutting down workers",
)


def failed_job_logs(load: Load) -> tuple[ScriptedLog, ...]:
    """The CloudWatch Logs of the load's failed jobs whose containers ran, as SageMaker names their streams:
    one per host (``<job>/algo-<n>-<epoch>``; a transform job's ``<job>/<instance id>-<epoch>``), a few
    lines each. The first host's lines end in the traceback its ``FailureReason`` (or ``ExitMessage``)
    tells; a distributed job's other hosts end in their peer's loss. A job that failed before any
    container ran (no capacity) has none, as on AWS. Derived from the final Describe: same load, same
    logs."""
    logs: list[ScriptedLog] = []
    for job in load.jobs:
        if job.kind not in _LOG_FIELDS:
            continue
        status_member, start_member = _LOG_FIELDS[job.kind]
        final = load.steps_of(job)[-1].describe
        started = final.get(start_member)
        if started is None or final.get(status_member) != "Failed":
            continue
        epoch = int(started.timestamp())
        error = _error_lines(final)
        for host in range(1, _hosts(job.kind, final) + 1):
            stream = (
                f"{job.name}/{TRANSFORM_INSTANCE}-{epoch}"
                if job.kind == "transform"
                else f"{job.name}/algo-{host}-{epoch}"
            )
            lines = (
                f"{started:%Y-%m-%d %H:%M:%S},118 sagemaker-containers INFO     Imported framework",
                f"{started:%Y-%m-%d %H:%M:%S},602 sagemaker-containers INFO     Invoking user script",
                *(error if host == 1 else _PEER_LINES),
            )
            logs.append(ScriptedLog(job, LOG_GROUPS[job.kind], stream, lines))
    return tuple(logs)


def _hosts(kind: Kind, describe: Mapping[str, Any]) -> int:
    if kind == "training":
        return int(describe.get("ResourceConfig", {}).get("InstanceCount", 1))
    if kind == "processing":
        return int(describe.get("ProcessingResources", {}).get("ClusterConfig", {}).get("InstanceCount", 1))
    return int(describe.get("TransformResources", {}).get("InstanceCount", 1))


def _error_lines(describe: Mapping[str, Any]) -> tuple[str, ...]:
    """What the failing container printed last: the traceback of its ``ExitMessage`` or ``FailureReason``
    (SageMaker copies the end of it there), else a traceback ending in the reason."""
    text = str(describe.get("ExitMessage") or describe.get("FailureReason") or "")
    lines = [line for line in text.splitlines() if line.strip()]
    if not any(line.startswith("Traceback") for line in lines):
        lines = [
            "Traceback (most recent call last):",
            '  File "/opt/ml/code/entrypoint.py", line 57, in <module>',
            "    main()",
            *lines,
        ]
    return (*lines, "sagemaker-containers ERROR    Reporting FAILURE")
