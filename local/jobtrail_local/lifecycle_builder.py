"""The one builder of scripted training-job lifecycles: changes in, DescribeTrainingJob and events out.

A job is a fixed configuration (``TrainingJob``) and the changes SageMaker made to it, oldest first: it
``enter``s a secondary status, SageMaker ``note``s a new message on the open one, or it ``finish``es in a
terminal status. ``job_steps`` turns them into one ``Step`` per change: the DescribeTrainingJob response that
was true right after it (as boto3 returns it: aware datetimes, floats, members in the model's order) and the
"SageMaker Training Job State Change" event SageMaker sent (the same snapshot with epoch-millisecond times,
without what only Describe returns, tags as a map). ``in_time_order`` merges several jobs' steps into one
lifecycle.

``events/generate.py`` (the hand-written fixtures) and ``jobtrail_local.loadgen`` (random plans) both build
with it, so the status messages, the statuses' meaning, the Describe member order, the event's shape and the
expected outcome of a job are written once, here. What the real payloads look like, and where that was
checked, is in ``events/README.md``.
"""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import botocore.session
from botocore.model import StructureShape
from jobtrail.core.kinds import SPECS, JobKey, Kind

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20261102T091500"
DATA_BUCKET = f"s3://jobtrail-ml-data-{ACCOUNT}"
OUTPUT_BUCKET = f"s3://jobtrail-ml-artifacts-{ACCOUNT}"
DETAIL_TYPE = "SageMaker Training Job State Change"
#: SageMaker's TrainingJobName limit (1-63 characters).
MAX_JOB_NAME = 63

# --- training images (the AWS Deep Learning Containers and built-in algorithms in us-east-1) ------------
PYTORCH_GPU_IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
    "pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"
)
HUGGINGFACE_GPU_IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
    "huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04"
)
XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
SKLEARN_CPU_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

# --- status messages (events/README.md says where each was seen) ----------------------------------------
LAUNCHING = "Launching requested ML instances"
STARTING = "Preparing the instances for training"
NO_CAPACITY_RETRY = "Insufficient capacity error from EC2 while launching instances, retrying!"
DOWNLOADING = "Downloading input data"
DOWNLOADING_IMAGE = "Downloading the training image"
TRAINING = "Training image download completed. Training in progress."
UPLOADING = "Uploading generated training model"
COMPLETED = "Training job completed"
FAILED = "Training job failed"
STOPPING = "Stopping the training job"
STOPPED = "Training job stopped"
# Not seen in any public output: plausible texts, marked as such in events/README.md.
MAX_RUNTIME = "Training job runtime exceeded MaxRuntimeInSeconds provided"
INTERRUPTED = "Spot instances were interrupted. Waiting for capacity to resume training"
RESUMING = "Restoring checkpoint and resuming training"

# --- failure reasons ---------------------------------------------------------------------------------------
CAPACITY_ERROR = (
    "CapacityError: Unable to provision requested ML compute capacity. "
    "Please retry using a different ML instance type."
)
#: A script-mode job killed by CUDA running out of memory; ``str.format`` it with ``gib``, ``program``,
#: ``epochs``.
CUDA_OUT_OF_MEMORY = (
    "AlgorithmError: ExecuteUserScriptError:\nExitCode 1\n"
    'ErrorMessage "RuntimeError: CUDA out of memory. Tried to allocate {gib}.00 GiB (GPU 0; 22.20 GiB '
    "total capacity; 19.84 GiB already allocated; 1.31 GiB free; 20.12 GiB reserved in total by PyTorch) "
    '\u2014 set \u201cPYTORCH_CUDA_ALLOC_CONF=expandable_segments:True\u201d to avoid fragmentation\u2026"\n'
    'Command "/opt/conda/bin/python3.10 {program} --epochs {epochs}", exit code: 1'
)

# --- what the statuses mean ------------------------------------------------------------------------------
IN_PROGRESS = "InProgress"
#: SecondaryStatus → the TrainingJobStatus it belongs to (as the DescribeTrainingJob reference groups them)
#: and the StatusMessage SageMaker writes on entering it when nothing unusual happens.
_STATUSES: Mapping[str, tuple[str, str | None]] = {
    "Starting": (IN_PROGRESS, STARTING),
    "Downloading": (IN_PROGRESS, DOWNLOADING),
    "Training": (IN_PROGRESS, TRAINING),
    "Uploading": (IN_PROGRESS, UPLOADING),
    "Interrupted": (IN_PROGRESS, INTERRUPTED),
    "Stopping": ("Stopping", STOPPING),
    "Completed": ("Completed", COMPLETED),
    "Failed": ("Failed", FAILED),
    "Stopped": ("Stopped", STOPPED),
    "MaxRuntimeExceeded": ("Stopped", MAX_RUNTIME),
    "MaxWaitTimeExceeded": ("Stopped", None),
}
PRIMARY_STATUS: Mapping[str, str] = MappingProxyType(
    {status: primary for status, (primary, _) in _STATUSES.items()}
)
USUAL_MESSAGE: Mapping[str, str] = MappingProxyType(
    {status: message for status, (_, message) in _STATUSES.items() if message is not None}
)
#: The secondary statuses that end a job (its last transition, with ``EndTime == StartTime``).
TERMINAL = frozenset(
    status for status, primary in PRIMARY_STATUS.items() if primary in {"Completed", "Failed", "Stopped"}
)
#: The statuses in which the instances are up: the first of them sets TrainingStartTime.
RUNNING = frozenset({"Downloading", "Training", "Uploading"})
#: Fields the event's detail never carries although DescribeTrainingJob returns them.
NOT_IN_DETAIL = frozenset(
    {"FinalMetricDataList", "TrainingTimeInSeconds", "BillableTimeInSeconds", "EnableManagedSpotTraining"}
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Names the events of steps moved to another place (``at_place``).
_AT_PLACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/at-place")
_NAME_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


# --- what a lifecycle is made of ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    """One change SageMaker made to a job: the event it sent and what the job's Describe said right after.

    ``index`` is the step's position in its lifecycle (in its job's own steps until ``in_time_order``
    merges several jobs). ``describe`` is the kind's Describe response as boto3 returns it; for a pipeline
    execution it is ``{"execution": DescribePipelineExecution, "steps": [PipelineExecutionStep…]}``
    (``jobtrail_local.pipeline_lifecycles``). ``modified`` is when SageMaker recorded the change: the job's
    LastModifiedTime (DescribeTransformJob does not show it, ListTransformJobs does), for a pipeline
    execution the moment the execution or one of its steps changed. Steps are ordered by it. ``account``
    and ``region`` say where the job runs: the fixtures' account and region unless ``at_place`` moved it.
    """

    index: int
    job_name: str
    event: dict[str, Any]
    describe: dict[str, Any]
    kind: Kind
    modified: datetime
    account: str = ACCOUNT
    region: str = REGION

    @property
    def key(self) -> JobKey:
        """The job's identity: its account, region, kind and name."""
        return JobKey(account=self.account, region=self.region, kind=self.kind, name=self.job_name)

    @property
    def label(self) -> str:
        """How the fixtures name the job: a training job by its name, any other kind ``<kind>/<name>``
        (two jobs of different kinds may share a name)."""
        return job_label(self.key)

    @property
    def sqs_body(self) -> str:
        """The event as EventBridge puts it on the queue: the JSON text an SQS record's ``body`` holds."""
        return json.dumps(self.event)

    @property
    def tags(self) -> dict[str, str]:
        """The job's tags, as its state-change event carries them (``detail.Tags``) and ListTags answers
        them; a pipeline execution's events carry none (its pipeline's tags are its own)."""
        carried = (self.event.get("detail") or {}).get("Tags")
        return {str(k): str(v) for k, v in carried.items()} if isinstance(carried, dict) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedJob:
    """What a correct consumer must have recorded about one job once every step has been ingested.

    The training-only fields stay ``None`` (or 0) for the other kinds, and each kind's own facts ``None``
    for the kinds without them.
    """

    kind: Kind = "training"
    status: str
    secondary_status: str | None = None
    #: (Status, StartTime) of every transition, oldest first. A hand-written spec in ``events/generate.py``
    #: leaves it out: the generator fills it in (a training job's are its final describe's; the other kinds'
    #: follow from the answers seen, by the rule in ``events/README.md``).
    transitions: tuple[tuple[str, datetime], ...] = ()
    final_metrics: int = 0
    training_time_seconds: int | None = None
    billable_time_seconds: int | None = None
    spot_savings_percent: float | None = None
    failure_reason_startswith: str | None
    alerts: tuple[str, ...]
    #: processing: how the container's ExitMessage begins.
    exit_message_startswith: str | None = None
    #: tuning: the best training job and its objective value.
    best_training_job: str | None = None
    best_objective_value: float | None = None
    #: pipeline: the step that failed.
    failed_step: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One change to a job at ``at``; ``status`` ``None`` changes only the open transition's message."""

    at: datetime
    status: str | None
    message: str
    failure_reason: str | None = None


def enter(at: datetime, status: str, message: str | None = None) -> Change:
    """The job moves to the secondary status ``status``; ``message`` defaults to the usual one."""
    return Change(at, status, message or USUAL_MESSAGE[status])


def note(at: datetime, message: str) -> Change:
    """SageMaker rewrites the open transition's StatusMessage; the status stays."""
    return Change(at, None, message)


def finish(
    at: datetime, status: str, message: str | None = None, failure_reason: str | None = None
) -> Change:
    """The job ends: Completed, Failed, Stopped, MaxRuntimeExceeded or MaxWaitTimeExceeded (``message``
    defaults to the usual one); ``failure_reason`` is the FailureReason of a Failed job."""
    if status not in TERMINAL:
        raise ValueError(f"{status} is not a terminal secondary status")
    return Change(at, status, message or USUAL_MESSAGE[status], failure_reason)


#: (MetricName, Value, Timestamp) of one entry of FinalMetricDataList.
FinalMetric = tuple[str, float, datetime]


@dataclass(frozen=True)
class TrainingJob:
    """What stays the same while a job runs, and what it reports once it ends."""

    name: str
    #: The request's members that every describe repeats (HyperParameters, AlgorithmSpecification, …).
    config: Mapping[str, Any]
    tags: Mapping[str, str]
    tuning_job_arn: str | None = None
    #: Whether the model path is filled in at the end (a failed job has none).
    saves_model: bool = True
    #: FinalMetricDataList at the end; ``None``: the key is absent.
    final_metrics: tuple[FinalMetric, ...] | None = None
    #: The time counters default to the whole seconds from TrainingStartTime to TrainingEndTime, as
    #: SageMaker reports them for on-demand jobs; managed spot reports its own (given here), or bills a
    #: share of the training time.
    training_seconds: int | None = None
    billable_seconds: int | None = None
    billable_share: float | None = None


# --- building ----------------------------------------------------------------------------------------------
def job_steps(
    job: TrainingJob,
    changes: Sequence[Change],
    *,
    modified_lag: timedelta | Sequence[timedelta],
    event_id: Callable[[int], str],
) -> tuple[Step, ...]:
    """One step per change of ``job``, indexed in the job's order.

    ``modified_lag`` is how long after each change SageMaker updated LastModifiedTime (one for all, or one
    per change); ``event_id(i)`` names the event of the ``i``-th change. Raises ``ValueError`` for what
    SageMaker would never do: an invalid name, a first status other than Starting, a change not after the
    previous one, a message on a closed transition, a change after the end, sub-millisecond times.
    """
    check_job_name(job.name)
    lags = modified_lags(job.name, len(changes), modified_lag)
    state = _JobState()
    steps: list[Step] = []
    for index, (change, lag) in enumerate(zip(changes, lags, strict=True)):
        _apply(job.name, state, change)
        modified = change.at + lag
        if state.modified is not None and modified <= state.modified:
            raise ValueError(f"{job.name}: LastModifiedTime must grow with every change")
        state.modified = modified
        describe = _describe(job, state, change, modified)
        event = state_change_event(describe, job.tags, event_id(index))
        steps.append(
            Step(
                index=index,
                job_name=job.name,
                event=event,
                describe=describe,
                kind="training",
                modified=modified,
            )
        )
    return tuple(steps)


def in_time_order(*jobs: Iterable[Step]) -> tuple[Step, ...]:
    """Several jobs' steps as one lifecycle: in the order SageMaker made the changes, renumbered."""
    merged = sorted(
        (step for steps in jobs for step in steps),
        key=lambda step: (step.modified, step.job_name, step.kind),
    )
    return tuple(replace(step, index=index) for index, step in enumerate(merged))


def at_place(step: Step, account: str, region: str) -> Step:
    """The same change made to a job of the same name in ``account`` and ``region`` (organization mode: the
    demo's member accounts, a load spread over places): every ARN and whatever else names the account (the
    execution role, the buckets) names that place, as do the envelope's ``account`` and ``region``; the
    event has an id of its own (SageMaker there sent it). ``step`` itself when it is there already."""
    if (account, region) == (step.account, step.region):
        return step
    here, there = f":{step.region}:{step.account}:", f":{region}:{account}:"

    def moved(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(here, there).replace(step.account, account)
        if isinstance(value, dict):
            return {key: moved(item) for key, item in value.items()}
        if isinstance(value, list):
            return [moved(item) for item in value]
        return value

    event_id = str(uuid.uuid5(_AT_PLACE, f"{step.event['id']}@{account}/{region}"))
    event = moved(step.event) | {"id": event_id, "account": account, "region": region}
    return replace(step, event=event, describe=moved(step.describe), account=account, region=region)


def moved_in_time(value: Any, delta: timedelta) -> Any:
    """``value`` (a Describe answer, or any JSON-like value) with every datetime in it ``delta`` later; the
    rest copied."""
    if isinstance(value, datetime):
        return value + delta
    if isinstance(value, Mapping):
        return {key: moved_in_time(item, delta) for key, item in value.items()}
    if isinstance(value, list):
        return [moved_in_time(item, delta) for item in value]
    return copy.deepcopy(value)


def state_change_event(describe: Mapping[str, Any], tags: Mapping[str, str], event_id: str) -> dict[str, Any]:
    """The "SageMaker Training Job State Change" event SageMaker sends for the job ``describe`` shows."""
    return envelope(
        DETAIL_TYPE,
        event_id,
        describe["LastModifiedTime"],
        [describe["TrainingJobArn"]],
        event_detail(describe, tags),
    )


def envelope(
    detail_type: str, event_id: str, at: datetime, resources: list[str], detail: dict[str, Any]
) -> dict[str, Any]:
    """An event from ``aws.sagemaker`` as EventBridge delivers it: ``time`` is ``at`` to the second."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "aws.sagemaker",
        "account": ACCOUNT,
        "time": event_time(at),
        "region": REGION,
        "resources": resources,
        "detail": detail,
    }


def event_time(moment: datetime) -> str:
    """An instant as EventBridge writes it: ISO 8601 to the second, in UTC, with a ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_detail(
    describe: Mapping[str, Any], tags: Mapping[str, str], times: Callable[[datetime], Any] | None = None
) -> dict[str, Any]:
    """The event's ``detail`` for ``describe``: times as ``times`` writes them (epoch milliseconds by
    default), without what only DescribeTrainingJob returns, and ``Tags`` as a map."""
    detail = {key: value for key, value in describe.items() if key not in NOT_IN_DETAIL}
    detail["Tags"] = dict(tags)
    converted: dict[str, Any] = with_times(detail, times or epoch_millis)
    return converted


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the Unix epoch, exactly (no float rounding): how events and SQS write times."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no instant: give it a timezone")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def with_times(value: Any, convert: Callable[[datetime], Any]) -> Any:
    """``value`` (JSON-like data) with every ``datetime`` in it replaced by ``convert(datetime)``."""
    if isinstance(value, datetime):
        return convert(value)
    if isinstance(value, dict):
        return {key: with_times(item, convert) for key, item in value.items()}
    if isinstance(value, list):
        return [with_times(item, convert) for item in value]
    return value


def job_key(name: str, kind: Kind = "training") -> JobKey:
    """A job's identity in the fixtures' account and region."""
    return JobKey(account=ACCOUNT, region=REGION, kind=kind, name=name)


def job_label(key: JobKey) -> str:
    """How the fixtures name a job: a training job by its name, any other kind ``<kind>/<name>``."""
    return key.name if key.kind == "training" else f"{key.kind}/{key.name}"


def job_arn(name: str, kind: Kind = "training") -> str:
    """The job's ARN in the fixtures' account and region (a pipeline execution's name is
    ``<pipeline>/<execution id>``)."""
    if kind == "pipeline":
        pipeline, _, execution = name.partition("/")
        return f"{pipeline_arn(pipeline)}/execution/{execution}"
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{SPECS[kind].arn_resource}/{name}"


def pipeline_arn(pipeline: str, account: str = ACCOUNT, region: str = REGION) -> str:
    """The pipeline's ARN (by default in the fixtures' account and region)."""
    return f"arn:aws:sagemaker:{region}:{account}:pipeline/{pipeline}"


def tuning_job_arn(name: str) -> str:
    """The hyperparameter tuning job's ARN in the fixtures' account and region."""
    return job_arn(name, "tuning")


@functools.cache
def describe_output_shape() -> StructureShape:
    """DescribeTrainingJob's output in the installed botocore ``sagemaker`` model (read here, not through
    ``sagemaker_model``, so that a training-only load reads the model once and its own cache can be
    cleared)."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("DescribeTrainingJob").output_shape
    if not isinstance(shape, StructureShape):
        raise TypeError("botocore's sagemaker model has no DescribeTrainingJob output structure")
    return shape


@functools.cache
def describe_member_order() -> Mapping[str, int]:
    """DescribeTrainingJob's members → their position in the model, which is the order the AWS CLI prints."""
    return MappingProxyType({name: position for position, name in enumerate(describe_output_shape().members)})


# --- configuration as the SageMaker Python SDK writes it --------------------------------------------------
def metric_definitions(*names: str) -> list[dict[str, str]]:
    """``MetricDefinitions`` that read ``<name>=<number>`` from the job's log."""
    return [{"Name": name, "Regex": f"{name}=([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"} for name in names]


def s3_channel(name: str, uri: str, content_type: str | None = None) -> dict[str, Any]:
    """An ``InputDataConfig`` channel reading an S3 prefix."""
    channel: dict[str, Any] = {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }
    if content_type:
        channel["ContentType"] = content_type
    channel.update({"CompressionType": "None", "RecordWrapperType": "None"})
    return channel


# --- internals ---------------------------------------------------------------------------------------------
@dataclass
class _JobState:
    transitions: list[dict[str, Any]] = field(default_factory=list)
    created: datetime | None = None
    training_start: datetime | None = None
    last_change: datetime | None = None
    modified: datetime | None = None


def modified_lags(
    job_name: str, changes: int, modified_lag: timedelta | Sequence[timedelta]
) -> list[timedelta]:
    """How long after each of ``changes`` changes SageMaker updated the job: one lag for all, or one each."""
    lags = [modified_lag] * changes if isinstance(modified_lag, timedelta) else list(modified_lag)
    if len(lags) != changes:
        raise ValueError(f"{job_name}: {changes} changes but {len(lags)} lags")
    return lags


def check_change_time(job_name: str, moment: datetime, previous: datetime | None) -> None:
    """Raise ``ValueError`` unless ``moment`` is a time SageMaker could record after ``previous``: aware, in
    whole milliseconds, later."""
    if moment.tzinfo is None or moment.microsecond % 1000:
        raise ValueError(f"{job_name}: SageMaker's times are aware and whole milliseconds, not {moment!r}")
    if previous is not None and moment <= previous:
        raise ValueError(f"{job_name}: change at {moment.isoformat()} is not after the previous one")


def check_job_name(name: str, max_length: int = MAX_JOB_NAME) -> None:
    """Raise ``ValueError`` unless ``name`` follows SageMaker's job name rule (letters, digits and inner
    hyphens, 1 to ``max_length`` characters: 63 for most kinds, 32 for tuning jobs)."""
    valid = (
        1 <= len(name) <= max_length and set(name) <= _NAME_ALPHABET and name[0] != "-" and name[-1] != "-"
    )
    if not valid:
        raise ValueError(f"not a SageMaker job name of at most {max_length} characters: {name!r}")


def _apply(job_name: str, state: _JobState, change: Change) -> None:
    moment = change.at
    check_change_time(job_name, moment, state.last_change)
    if state.created is None:
        if change.status != "Starting":
            raise ValueError(f"{job_name}: a job is created Starting")
        state.created = moment
    state.last_change = moment
    transitions = state.transitions
    if change.status is None:
        if "EndTime" in transitions[-1]:
            raise ValueError(f"{job_name}: a message can only change on an open transition")
        transitions[-1]["StatusMessage"] = change.message
        return
    if transitions:
        closing = transitions[-1]
        if "EndTime" in closing:
            raise ValueError(f"{job_name}: the job already ended")
        transitions[-1] = _transition(
            closing["Status"], closing["StartTime"], moment, closing["StatusMessage"]
        )
    end = moment if change.status in TERMINAL else None
    transitions.append(_transition(change.status, moment, end, change.message))
    if state.training_start is None and change.status in RUNNING:
        state.training_start = moment


def _transition(status: str, start: datetime, end: datetime | None, message: str) -> dict[str, Any]:
    """A SecondaryStatusTransition with its keys in the order the AWS CLI prints them."""
    transition: dict[str, Any] = {"Status": status, "StartTime": start}
    if end is not None:
        transition["EndTime"] = end
    transition["StatusMessage"] = message
    return transition


def _describe(job: TrainingJob, state: _JobState, change: Change, modified: datetime) -> dict[str, Any]:
    secondary = state.transitions[-1]["Status"]
    ended = secondary in TERMINAL
    artifacts = f"{job.config['OutputDataConfig']['S3OutputPath']}/{job.name}/output/model.tar.gz"
    response: dict[str, Any] = {
        "TrainingJobName": job.name,
        "TrainingJobArn": job_arn(job.name),
        # The model makes ModelArtifacts required; SageMaker fills the path in once it has uploaded one.
        "ModelArtifacts": {"S3ModelArtifacts": artifacts if ended and job.saves_model else ""},
        "TrainingJobStatus": PRIMARY_STATUS[secondary],
        "SecondaryStatus": secondary,
        **copy_json(dict(job.config)),
        "CreationTime": state.created,
        "LastModifiedTime": modified,
        "SecondaryStatusTransitions": [dict(transition) for transition in state.transitions],
    }
    if job.tuning_job_arn:
        response["TuningJobArn"] = job.tuning_job_arn
    if change.failure_reason:
        response["FailureReason"] = change.failure_reason
    if state.training_start is not None:
        response["TrainingStartTime"] = state.training_start
    if ended:
        end: datetime = state.transitions[-1]["StartTime"]
        if state.training_start is not None:
            response["TrainingEndTime"] = end
            response.update(_counters(job, (end - state.training_start) // timedelta(seconds=1)))
        if job.final_metrics is not None:
            response["FinalMetricDataList"] = [
                {"MetricName": name, "Value": value, "Timestamp": stamp}
                for name, value, stamp in job.final_metrics
            ]
    return _in_model_order(response)


def _counters(job: TrainingJob, elapsed: int) -> dict[str, int]:
    training = job.training_seconds or elapsed
    if job.billable_seconds:
        billable = job.billable_seconds
    elif job.billable_share:
        billable = max(1, int(training * job.billable_share))
    else:
        billable = training
    return {"TrainingTimeInSeconds": training, "BillableTimeInSeconds": billable}


def _in_model_order(response: Mapping[str, Any]) -> dict[str, Any]:
    order = describe_member_order()
    unknown = set(response) - set(order)
    if unknown:
        raise KeyError(f"not DescribeTrainingJob members: {sorted(unknown)}")
    return {key: response[key] for key in sorted(response, key=order.__getitem__)}


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (datetimes, immutable, are shared), several times faster than
    ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value
