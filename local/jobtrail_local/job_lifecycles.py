"""The one builder of processing, transform and tuning job lifecycles: changes in, Describe and events out.

These kinds keep no transitions of their own (only DescribeTrainingJob has SecondaryStatusTransitions): a
Describe shows the job's configuration, its current status and the times its own fields record. A job is
a fixed configuration (``Job``) and the changes SageMaker made to it, oldest first: it is ``create``d
InProgress, its containers ``start`` (ProcessingStartTime, TransformStartTime), it is asked to ``stop``
(Stopping), a tuning job's training jobs ``progress`` (its counters and best training job change), and it
``end``s Completed, Failed or Stopped. ``job_steps`` turns them into one ``Step`` per change: the
kind's Describe response that was true right after it (as boto3 returns it: aware datetimes, members in
the botocore model's order, checked against the model) and the state-change event SageMaker sent (the
same snapshot with epoch-millisecond times, only the members the event carries, tags as a map).

Training jobs are built by ``jobtrail_local.lifecycle_builder``, pipeline executions by
``jobtrail_local.pipeline_lifecycles``; ``lifecycle_builder.in_time_order`` merges any of them into one
lifecycle. What the real payloads look like, and where that was checked, is in ``events/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, Literal

from jobtrail.core.kinds import SPECS

from jobtrail_local import sagemaker_model
from jobtrail_local.lifecycle_builder import (
    OUTPUT_BUCKET,
    ROLE_ARN,
    SKLEARN_CPU_IMAGE,
    Step,
    check_change_time,
    check_job_name,
    copy_json,
    envelope,
    epoch_millis,
    job_arn,
    modified_lags,
    with_times,
)

JobKind = Literal["processing", "transform", "tuning"]


@dataclass(frozen=True, slots=True)
class KindFacts:
    """Per kind: its Describe operation and the members that name the job, give its status and its times,
    and the members its state-change event carries (besides ``Tags``)."""

    detail_type: str
    operation: str
    name_member: str
    arn_member: str
    status_member: str
    start_member: str | None
    end_member: str
    #: Whether Describe has LastModifiedTime (DescribeTransformJob has none).
    has_last_modified: bool
    event_members: frozenset[str]


#: What each kind's event carries: the members of the samples in the SageMaker developer guide ("Events that
#: Amazon SageMaker AI sends to Amazon EventBridge") and the EventBridge schema registry, plus, for tuning
#: jobs, the end time, configuration and best training job (by name only) that Step Functions' ``.sync``
#: output, built from this event, shows. See events/README.md.
KINDS: Final[Mapping[JobKind, KindFacts]] = MappingProxyType(
    {
        "processing": KindFacts(
            detail_type=SPECS["processing"].detail_types[0],
            operation="DescribeProcessingJob",
            name_member="ProcessingJobName",
            arn_member="ProcessingJobArn",
            status_member="ProcessingJobStatus",
            start_member="ProcessingStartTime",
            end_member="ProcessingEndTime",
            has_last_modified=True,
            event_members=frozenset(
                {
                    "ProcessingInputs",
                    "ProcessingOutputConfig",
                    "ProcessingJobName",
                    "ProcessingResources",
                    "StoppingCondition",
                    "AppSpecification",
                    "NetworkConfig",
                    "RoleArn",
                    "ExperimentConfig",
                    "ProcessingJobArn",
                    "ProcessingJobStatus",
                    "FailureReason",
                    "ProcessingEndTime",
                    "ProcessingStartTime",
                    "LastModifiedTime",
                    "CreationTime",
                }
            ),
        ),
        "transform": KindFacts(
            detail_type=SPECS["transform"].detail_types[0],
            operation="DescribeTransformJob",
            name_member="TransformJobName",
            arn_member="TransformJobArn",
            status_member="TransformJobStatus",
            start_member="TransformStartTime",
            end_member="TransformEndTime",
            has_last_modified=False,
            event_members=frozenset(
                {
                    "TransformJobName",
                    "TransformJobArn",
                    "TransformJobStatus",
                    "FailureReason",
                    "ModelName",
                    "MaxConcurrentTransforms",
                    "MaxPayloadInMB",
                    "BatchStrategy",
                    "Environment",
                    "TransformInput",
                    "TransformOutput",
                    "TransformResources",
                    "CreationTime",
                    "TransformStartTime",
                    "TransformEndTime",
                }
            ),
        ),
        "tuning": KindFacts(
            detail_type=SPECS["tuning"].detail_types[0],
            operation="DescribeHyperParameterTuningJob",
            name_member="HyperParameterTuningJobName",
            arn_member="HyperParameterTuningJobArn",
            status_member="HyperParameterTuningJobStatus",
            start_member=None,
            end_member="HyperParameterTuningEndTime",
            has_last_modified=True,
            event_members=frozenset(
                {
                    "HyperParameterTuningJobName",
                    "HyperParameterTuningJobArn",
                    "HyperParameterTuningJobConfig",
                    "TrainingJobDefinition",
                    "HyperParameterTuningJobStatus",
                    "CreationTime",
                    "HyperParameterTuningEndTime",
                    "LastModifiedTime",
                    "TrainingJobStatusCounters",
                    "ObjectiveStatusCounters",
                    "FailureReason",
                    "BestTrainingJob",
                }
            ),
        ),
    }
)
#: What SageMaker says of a processing (or transform) job whose container exited non-zero: the reason of the
#: AWS sample event; the container's own words go to a processing job's ExitMessage.
ALGORITHM_ERROR: Final = "AlgorithmError: See job logs for more information"
#: A transform job whose input the model could not handle (events/README.md).
TRANSFORM_CLIENT_ERROR: Final = "ClientError: See job logs for more information"
#: How a tuning job's counters read before any of its training jobs ran.
NO_TRAINING_JOBS: Final = MappingProxyType(
    {"Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
)
NO_OBJECTIVES: Final = MappingProxyType({"Succeeded": 0, "Pending": 0, "Failed": 0})
_ENDINGS: Final = frozenset({"Completed", "Failed", "Stopped"})


# --- what a lifecycle is made of ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """What stays the same while a processing, transform or tuning job runs: the request's members every
    Describe repeats (``config``) and its tags (the event carries them; Describe does not)."""

    kind: JobKind
    name: str
    config: Mapping[str, Any]
    tags: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Change:
    """One change SageMaker made to a job at ``at`` (``status`` ``None``: the status stays)."""

    at: datetime
    status: str | None = None
    started: bool = False
    failure_reason: str | None = None
    exit_message: str | None = None
    training_jobs: Mapping[str, int] | None = None
    objectives: Mapping[str, int] | None = None
    best_training_job: Mapping[str, Any] | None = None


def create(at: datetime) -> Change:
    """SageMaker accepted the job: InProgress, at its CreationTime."""
    return Change(at, "InProgress")


def start(at: datetime) -> Change:
    """The job's containers started (ProcessingStartTime, TransformStartTime); it stays InProgress."""
    return Change(at, started=True)


def stop(at: datetime) -> Change:
    """Someone asked SageMaker to stop the job: Stopping."""
    return Change(at, "Stopping")


def progress(
    at: datetime,
    *,
    training_jobs: Mapping[str, int],
    objectives: Mapping[str, int],
    best_training_job: Mapping[str, Any] | None = None,
) -> Change:
    """A tuning job's training jobs moved on: its counters (and best training job so far) change."""
    return Change(at, training_jobs=training_jobs, objectives=objectives, best_training_job=best_training_job)


def end(
    at: datetime,
    status: str,
    *,
    failure_reason: str | None = None,
    exit_message: str | None = None,
    training_jobs: Mapping[str, int] | None = None,
    objectives: Mapping[str, int] | None = None,
    best_training_job: Mapping[str, Any] | None = None,
) -> Change:
    """The job ended (Completed, Failed or Stopped) at ``at``, its end time; ``failure_reason`` is a failed
    job's FailureReason, ``exit_message`` a processing container's ExitMessage."""
    if status not in _ENDINGS:
        raise ValueError(f"{status} does not end a job")
    return Change(
        at,
        status,
        failure_reason=failure_reason,
        exit_message=exit_message,
        training_jobs=training_jobs,
        objectives=objectives,
        best_training_job=best_training_job,
    )


# --- building ----------------------------------------------------------------------------------------------
def job_steps(
    job: Job,
    changes: Sequence[Change],
    *,
    modified_lag: timedelta | Sequence[timedelta],
    event_id: Callable[[int], str],
) -> tuple[Step, ...]:
    """One step per change of ``job``, indexed in the job's order.

    ``modified_lag`` is how long after each change SageMaker updated LastModifiedTime (one for all, or one
    per change); ``event_id(i)`` names the event of the ``i``-th change. Raises ``ValueError`` for what
    SageMaker would never do: an invalid name, a first change other than ``create``, a change not after the
    previous one or after the end, sub-millisecond times, a start twice, a FailureReason on a job that did
    not fail; and for a Describe botocore's model rejects.
    """
    check_job_name(job.name, SPECS[job.kind].max_name_length)
    lags = modified_lags(job.name, len(changes), modified_lag)
    facts = KINDS[job.kind]
    state = _JobState()
    steps: list[Step] = []
    for index, (change, lag) in enumerate(zip(changes, lags, strict=True)):
        _apply(job, state, change)
        modified = change.at + lag
        if state.modified is not None and modified <= state.modified:
            raise ValueError(f"{job.name}: LastModifiedTime must grow with every change")
        state.modified = modified
        describe = _describe(job, state)
        sagemaker_model.check(
            describe, sagemaker_model.output_shape(facts.operation), f"{job.name} step {index}"
        )
        event = envelope(
            facts.detail_type,
            event_id(index),
            modified,
            [describe[facts.arn_member]],
            event_detail(job.kind, describe, job.tags),
        )
        steps.append(
            Step(
                index=index,
                job_name=job.name,
                event=event,
                describe=describe,
                kind=job.kind,
                modified=modified,
            )
        )
    return tuple(steps)


def event_detail(kind: JobKind, describe: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    """The event's ``detail`` for ``describe``: the members the kind's event carries, times as epoch
    milliseconds, ``Tags`` as a map; a tuning job's best training job by name only."""
    facts = KINDS[kind]
    detail = {key: value for key, value in describe.items() if key in facts.event_members}
    if "BestTrainingJob" in detail:
        detail["BestTrainingJob"] = {"TrainingJobName": detail["BestTrainingJob"]["TrainingJobName"]}
    detail["Tags"] = dict(tags)
    converted: dict[str, Any] = with_times(detail, epoch_millis)
    return converted


def best_training_job(
    child: Mapping[str, Any], *, objective: str, tuned: Sequence[str], objective_status: str = "Succeeded"
) -> dict[str, Any]:
    """A tuning job's BestTrainingJob (a HyperParameterTrainingJobSummary) for the training job ``child``
    describes (a DescribeTrainingJob response): its times and status, the ``tuned`` hyperparameters' values,
    and its final value of the ``objective`` metric. Raises ``KeyError`` if it reported no such metric."""
    value = next(m["Value"] for m in child.get("FinalMetricDataList") or () if m["MetricName"] == objective)
    summary: dict[str, Any] = {
        "TrainingJobName": child["TrainingJobName"],
        "TrainingJobArn": child["TrainingJobArn"],
        "CreationTime": child["CreationTime"],
        "TrainingStartTime": child.get("TrainingStartTime"),
        "TrainingEndTime": child.get("TrainingEndTime"),
        "TrainingJobStatus": child["TrainingJobStatus"],
        "TunedHyperParameters": {name: child["HyperParameters"][name] for name in tuned},
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": objective, "Value": value},
        "ObjectiveStatus": objective_status,
    }
    shape = sagemaker_model.structure("HyperParameterTrainingJobSummary")
    ordered: dict[str, Any] = sagemaker_model.in_model_order(
        {key: item for key, item in summary.items() if item is not None}, shape
    )
    return ordered


# --- configuration as the SageMaker Python SDK writes it ---------------------------------------------------
def sklearn_processing(
    script: str, *, team: str, inputs: Mapping[str, str], outputs: Mapping[str, str]
) -> dict[str, Any]:
    """A processing job as the SageMaker Python SDK's ``SKLearnProcessor.run`` creates it: the inputs, the
    script uploaded as the ``code`` input, the outputs, one ml.m5.xlarge."""
    code = f"{OUTPUT_BUCKET}/{team}/code/{script}"
    s3_inputs = [
        {
            "InputName": name,
            "AppManaged": False,
            "S3Input": {
                "S3Uri": uri,
                "LocalPath": f"/opt/ml/processing/input/{name}",
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "S3CompressionType": "None",
            },
        }
        for name, uri in (*inputs.items(), ("code", code))
    ]
    return {
        "ProcessingInputs": s3_inputs,
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": name,
                    "S3Output": {
                        "S3Uri": uri,
                        "LocalPath": f"/opt/ml/processing/output/{name}",
                        "S3UploadMode": "EndOfJob",
                    },
                    "AppManaged": False,
                }
                for name, uri in outputs.items()
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "AppSpecification": {
            "ImageUri": SKLEARN_CPU_IMAGE,
            "ContainerEntrypoint": ["python3", f"/opt/ml/processing/input/code/{script}"],
        },
        "RoleArn": ROLE_ARN,
    }


def batch_transform(model: str, *, source: str, destination: str) -> dict[str, Any]:
    """A batch transform job as ``Transformer.transform`` creates it: CSV lines in, lines out, one
    ml.m5.large (the service reports the ``DataProcessing`` defaults even when none were given)."""
    return {
        "ModelName": model,
        "MaxConcurrentTransforms": 1,
        "MaxPayloadInMB": 6,
        "BatchStrategy": "MultiRecord",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": source}},
            "ContentType": "text/csv",
            "CompressionType": "None",
            "SplitType": "Line",
        },
        "TransformOutput": {"S3OutputPath": destination, "AssembleWith": "Line", "KmsKeyId": ""},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        "DataProcessing": {"InputFilter": "$", "OutputFilter": "$", "JoinSource": "None"},
    }


def tuning_config(
    child: Mapping[str, Any],
    *,
    objective: tuple[str, str],
    limits: tuple[int, int],
    integer_ranges: Mapping[str, tuple[str, str]] = MappingProxyType({}),
    continuous_ranges: Mapping[str, tuple[str, str]] = MappingProxyType({}),
) -> dict[str, Any]:
    """A tuning job's HyperParameterTuningJobConfig and TrainingJobDefinition, for training jobs configured
    like ``child`` (a DescribeTrainingJob configuration; the searched hyperparameters are left out of the
    static ones): Bayesian search of ``objective`` (type, metric) within ``limits`` (jobs, in parallel)."""
    searched = {*integer_ranges, *continuous_ranges, "_tuning_objective_metric"}
    algorithm = child["AlgorithmSpecification"]
    definition = {
        "StaticHyperParameters": {k: v for k, v in child["HyperParameters"].items() if k not in searched},
        "AlgorithmSpecification": {
            "TrainingImage": algorithm["TrainingImage"],
            "TrainingInputMode": algorithm["TrainingInputMode"],
            "MetricDefinitions": algorithm["MetricDefinitions"],
        },
        "RoleArn": child["RoleArn"],
        "InputDataConfig": child["InputDataConfig"],
        "OutputDataConfig": {"S3OutputPath": child["OutputDataConfig"]["S3OutputPath"]},
        "ResourceConfig": child["ResourceConfig"],
        "StoppingCondition": child["StoppingCondition"],
        "EnableNetworkIsolation": child.get("EnableNetworkIsolation", False),
        "EnableInterContainerTrafficEncryption": child.get("EnableInterContainerTrafficEncryption", False),
        "EnableManagedSpotTraining": child.get("EnableManagedSpotTraining", False),
    }
    config: dict[str, Any] = copy_json(
        {
            "HyperParameterTuningJobConfig": {
                "Strategy": "Bayesian",
                "HyperParameterTuningJobObjective": {"Type": objective[0], "MetricName": objective[1]},
                "ResourceLimits": {
                    "MaxNumberOfTrainingJobs": limits[0],
                    "MaxParallelTrainingJobs": limits[1],
                },
                "ParameterRanges": {
                    "IntegerParameterRanges": [
                        {"Name": name, "MinValue": low, "MaxValue": high, "ScalingType": "Auto"}
                        for name, (low, high) in integer_ranges.items()
                    ],
                    "ContinuousParameterRanges": [
                        {"Name": name, "MinValue": low, "MaxValue": high, "ScalingType": "Auto"}
                        for name, (low, high) in continuous_ranges.items()
                    ],
                    "CategoricalParameterRanges": [],
                },
                "TrainingJobEarlyStoppingType": "Off",
            },
            "TrainingJobDefinition": definition,
        }
    )
    return config


# --- internals ---------------------------------------------------------------------------------------------
@dataclass
class _JobState:
    status: str | None = None
    created: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None
    last_change: datetime | None = None
    modified: datetime | None = None
    failure_reason: str | None = None
    exit_message: str | None = None
    training_jobs: Mapping[str, int] = field(default_factory=lambda: NO_TRAINING_JOBS)
    objectives: Mapping[str, int] = field(default_factory=lambda: NO_OBJECTIVES)
    best_training_job: Mapping[str, Any] | None = None


def _apply(job: Job, state: _JobState, change: Change) -> None:
    moment = change.at
    check_change_time(job.name, moment, state.last_change)
    if state.ended is not None:
        raise ValueError(f"{job.name}: the job already ended")
    if state.created is None:
        if change.status != "InProgress":
            raise ValueError(f"{job.name}: a job is created InProgress")
        state.created = moment
    state.last_change = moment
    if change.started:
        if state.started is not None or KINDS[job.kind].start_member is None:
            raise ValueError(f"{job.name}: a {job.kind} job does not start (again) here")
        state.started = moment
    if change.status is not None:
        state.status = change.status
    if change.status in _ENDINGS:
        state.ended = moment
    if change.failure_reason is not None and change.status != "Failed":
        raise ValueError(f"{job.name}: only a failed job has a FailureReason")
    state.failure_reason = change.failure_reason or state.failure_reason
    state.exit_message = change.exit_message or state.exit_message
    state.training_jobs = change.training_jobs or state.training_jobs
    state.objectives = change.objectives or state.objectives
    state.best_training_job = change.best_training_job or state.best_training_job


def _describe(job: Job, state: _JobState) -> dict[str, Any]:
    facts = KINDS[job.kind]
    response: dict[str, Any] = {
        facts.name_member: job.name,
        facts.arn_member: job_arn(job.name, job.kind),
        facts.status_member: state.status,
        **copy_json(dict(job.config)),
        "CreationTime": state.created,
        "FailureReason": state.failure_reason,
        "ExitMessage": state.exit_message if job.kind == "processing" else None,
        facts.end_member: state.ended,
    }
    if facts.start_member is not None:
        response[facts.start_member] = state.started
    if facts.has_last_modified:
        response["LastModifiedTime"] = state.modified
    if job.kind == "tuning":
        response["TrainingJobStatusCounters"] = dict(state.training_jobs)
        response["ObjectiveStatusCounters"] = dict(state.objectives)
        response["BestTrainingJob"] = copy_json(dict(state.best_training_job or {})) or None
    present = {key: value for key, value in response.items() if value is not None}
    ordered: dict[str, Any] = sagemaker_model.in_model_order(
        present, sagemaker_model.output_shape(facts.operation)
    )
    return ordered
