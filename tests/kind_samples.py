"""Jobs of every kind for the CLI's tests, until events/ holds lifecycles of every kind: Describe answers
(as boto3 returns them, valid against botocore's SageMaker model: ``test_cli_kinds`` checks each through
``botocore.stub.Stubber``), mapped by the SageMaker adapter's pure mappers and written with
``HistoryStore.apply(plan_changes(…))``, as ingest would.

The samples follow those the kinds research verified against botocore's model; the training jobs are
events/' ``completed``, ``stopped`` and ``failed`` jobs, renamed and moved in time.

What the table holds, oldest first (all on 2026-11-25, account 123456789012, us-east-1):

- processing ``PROCESSING_OK`` (Completed) and ``PROCESSING_FAILED`` (Failed, with an ExitMessage);
- transform ``TRANSFORM`` (Completed);
- tuning ``TUNING`` (Completed: 3 Completed, 1 Stopped) and its four training children;
- pipeline execution ``EXECUTION_OK`` of ``PIPELINE`` (Succeeded; its steps' jobs are not recorded);
- a processing job and a training job both named ``SHARED``;
- pipeline execution ``EXECUTION_FAILED`` of ``PIPELINE`` (its Train step failed), and its two jobs.

``EXECUTION_RUNNING`` is not in it: ``running_pipeline`` gives its answers one after the other, for
``watch``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.sagemaker import (
    pipeline_record,
    processing_record,
    record_from_describe,
    transform_record,
    tuning_record,
)
from jobtrail.core.alerts import DEFAULT_ALERT_ON
from jobtrail.core.history import plan_changes
from jobtrail.core.model import JobRecord
from jobtrail_local.lifecycle_builder import moved_in_time
from jobtrail_local.lifecycles import load_lifecycle
from jobtrail_local.table_schema import create_history_table

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20261102T091500"

PROCESSING_OK = "churn-featurize-2026-11-25-08-00-00-101"
PROCESSING_FAILED = "churn-featurize-2026-11-25-09-00-00-202"
TRANSFORM = "churn-score-2026-11-25-10-00-00-303"
TUNING = "churn-hpo-1125"  # tuning job names are at most 32 characters
CHILDREN = tuple(
    f"{TUNING}-00{n}-{suffix}" for n, suffix in enumerate(("1a2b3c4d", "5e6f7a8b", "9c0d1e2f"), 1)
)
STOPPED_CHILD = f"{TUNING}-004-3a4b5c6d"
BEST_CHILD = CHILDREN[1]
BEST_VALUE = 0.8731999993324280
SHARED = "churn-evaluate-2026-11-25-13-00-00-404"
PIPELINE = "churn-pipeline"
EXECUTION_OK = f"{PIPELINE}/4r83jejmhorv"
EXECUTION_FAILED = f"{PIPELINE}/ztefwbnlgoif"
EXECUTION_RUNNING = f"{PIPELINE}/a1b2c3d4e5f6"
FEATURIZE_JOB = "pipelines-ztefwbnlgoif-Featurize-k3Jd9sLx0q"
TRAIN_JOB = "pipelines-ztefwbnlgoif-Train-bPVYsMzUlc"
TRAIN_FAILURE = "AlgorithmError: framework error: KeyError: 'target'"


def at(hour: int, minute: int = 0, second: int = 0, millis: int = 0) -> datetime:
    """A moment of 2026-11-25, UTC."""
    return datetime(2026, 11, 25, hour, minute, second, millis * 1000, tzinfo=UTC)


def arn(resource: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{resource}/{name}"


def execution_arn(name: str) -> str:
    pipeline, execution = name.split("/")
    return arn("pipeline", f"{pipeline}/execution/{execution}")


# -- processing ------------------------------------------------------------------------------------------


def processing(name: str, created: datetime, **fields: Any) -> dict[str, Any]:
    """A DescribeProcessingJob answer: a scikit-learn script on one ml.m5.xlarge, at most an hour."""
    return {
        "ProcessingInputs": [
            {
                "InputName": "code",
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": f"s3://jt-artifacts-{ACCOUNT}/code/featurize.py",
                    "LocalPath": "/opt/ml/processing/input/code",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                    "S3CompressionType": "None",
                },
            }
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "features",
                    "AppManaged": False,
                    "S3Output": {
                        "S3Uri": f"s3://jt-data-{ACCOUNT}/features/",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingJobName": name,
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {
            "ImageUri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
            "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/featurize.py"],
        },
        "RoleArn": ROLE,
        "ProcessingJobArn": arn("processing-job", name),
        "CreationTime": created,
        **fields,
    }


def processing_ok(name: str = PROCESSING_OK, created: datetime | None = None) -> dict[str, Any]:
    created = created or at(8)
    return processing(
        name,
        created,
        ProcessingJobStatus="Completed",
        ProcessingStartTime=created + timedelta(minutes=3, seconds=38),
        ProcessingEndTime=created + timedelta(minutes=9, seconds=53),
        LastModifiedTime=created + timedelta(minutes=9, seconds=54),
    )


PROCESSING_EXIT_MESSAGE = "KeyError: \"['target'] not in index\""


def processing_failed() -> dict[str, Any]:
    created = at(9)
    return processing(
        PROCESSING_FAILED,
        created,
        ProcessingJobStatus="Failed",
        FailureReason="AlgorithmError: See job logs for more information",
        ExitMessage=PROCESSING_EXIT_MESSAGE,
        ProcessingStartTime=created + timedelta(minutes=3, seconds=32),
        ProcessingEndTime=created + timedelta(minutes=4, seconds=11),
        LastModifiedTime=created + timedelta(minutes=4, seconds=11, milliseconds=400),
    )


# -- transform -------------------------------------------------------------------------------------------


TRANSFORM_MODEL = "churn-xgb-model-2026-11-24"


def transform() -> dict[str, Any]:
    """A DescribeTransformJob answer: a completed batch transform on one ml.m5.large."""
    created = at(10)
    return {
        "TransformJobName": TRANSFORM,
        "TransformJobArn": arn("transform-job", TRANSFORM),
        "TransformJobStatus": "Completed",
        "ModelName": TRANSFORM_MODEL,
        "MaxConcurrentTransforms": 1,
        "MaxPayloadInMB": 6,
        "BatchStrategy": "MultiRecord",
        "TransformInput": {
            "DataSource": {
                "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://jt-data-{ACCOUNT}/score/input/"}
            },
            "ContentType": "text/csv",
            "CompressionType": "None",
            "SplitType": "Line",
        },
        "TransformOutput": {"S3OutputPath": f"s3://jt-data-{ACCOUNT}/score/output/", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        "CreationTime": created,
        "TransformStartTime": created + timedelta(minutes=3, seconds=15),
        "TransformEndTime": created + timedelta(minutes=4, seconds=28),
    }


# -- tuning and training -------------------------------------------------------------------------------


OBJECTIVE = "validation:auc"


def tuning() -> dict[str, Any]:
    """A DescribeHyperParameterTuningJob answer: Completed, three children Completed and one Stopped."""
    created = at(11)
    ended = created + timedelta(minutes=41, seconds=42)
    best_created = created + timedelta(minutes=12)
    return {
        "HyperParameterTuningJobName": TUNING,
        "HyperParameterTuningJobArn": arn("hyper-parameter-tuning-job", TUNING),
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": OBJECTIVE},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "IntegerParameterRanges": [
                    {"Name": "max_depth", "MinValue": "3", "MaxValue": "10", "ScalingType": "Auto"}
                ],
                "ContinuousParameterRanges": [
                    {"Name": "eta", "MinValue": "0.05", "MaxValue": "0.5", "ScalingType": "Auto"}
                ],
                "CategoricalParameterRanges": [],
            },
            "TrainingJobEarlyStoppingType": "Auto",
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"num_round": "200", "objective": "binary:logistic"},
            "AlgorithmSpecification": {
                "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                "TrainingInputMode": "File",
            },
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": f"s3://jt-artifacts-{ACCOUNT}/hpo/"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
        "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": created,
        "HyperParameterTuningEndTime": ended,
        "LastModifiedTime": ended,
        "TrainingJobStatusCounters": {
            "Completed": 3,
            "InProgress": 0,
            "RetryableError": 0,
            "NonRetryableError": 0,
            "Stopped": 1,
        },
        "ObjectiveStatusCounters": {"Succeeded": 3, "Pending": 0, "Failed": 1},
        "BestTrainingJob": {
            "TrainingJobName": BEST_CHILD,
            "TrainingJobArn": arn("training-job", BEST_CHILD),
            "CreationTime": best_created,
            "TrainingStartTime": best_created + timedelta(minutes=2),
            "TrainingEndTime": best_created + timedelta(minutes=9),
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": {"eta": "0.2114528761", "max_depth": "7"},
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": OBJECTIVE, "Value": BEST_VALUE},
            "ObjectiveStatus": "Succeeded",
        },
    }


def training(
    name: str, created: datetime, *, like: str = "completed", tuning_job: str | None = None
) -> dict[str, Any]:
    """events/' ``like`` lifecycle's training job (its final DescribeTrainingJob answer), renamed and moved
    to start at ``created``; a child of ``tuning_job`` if given."""
    lifecycle = load_lifecycle(like)
    answer = lifecycle.final_describe(lifecycle.job_names[0])
    moved: dict[str, Any] = moved_in_time(answer, created - answer["CreationTime"])
    moved["TrainingJobName"] = name
    moved["TrainingJobArn"] = arn("training-job", name)
    moved.pop("HyperParameters", None)  # they name the original job
    if tuning_job:
        moved["TuningJobArn"] = arn("hyper-parameter-tuning-job", tuning_job)
    return moved


def children() -> list[dict[str, Any]]:
    """The tuning job's four training jobs, the stopped one last."""
    started = at(11, 1)
    completed = [
        training(name, started + timedelta(minutes=11 * n), tuning_job=TUNING)
        for n, name in enumerate(CHILDREN)
    ]
    stopped = training(STOPPED_CHILD, at(11, 30), like="stopped", tuning_job=TUNING)
    return [*completed, stopped]


# -- pipeline executions -----------------------------------------------------------------------------


def execution(name: str, status: str, created: datetime, modified: datetime, **fields: Any) -> dict[str, Any]:
    """A DescribePipelineExecution answer."""
    identity = {
        "IamIdentity": {
            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/jt-ci/github-actions",
            "PrincipalId": "AROAEXAMPLEEXAMPLE123:github-actions",
        }
    }
    pipeline, execution_id = name.split("/")
    return {
        "PipelineArn": arn("pipeline", pipeline),
        "PipelineExecutionArn": execution_arn(name),
        "PipelineExecutionDisplayName": f"execution-{execution_id}",
        "PipelineExecutionStatus": status,
        "PipelineExperimentConfig": {"ExperimentName": pipeline, "TrialName": execution_id},
        "CreationTime": created,
        "LastModifiedTime": modified,
        "CreatedBy": identity,
        "LastModifiedBy": identity,
        **fields,
    }


def step(
    name: str, status: str, started: datetime, ended: datetime | None, metadata: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """One of ListPipelineExecutionSteps' ``PipelineExecutionSteps``."""
    times = {"StartTime": started} | ({"EndTime": ended} if ended else {})
    return {
        "StepName": name,
        **times,
        "StepStatus": status,
        "Metadata": metadata,
        "AttemptCount": 1,
        **fields,
    }


def job_metadata(member: str, resource: str, name: str) -> dict[str, Any]:
    return {member: {"Arn": arn(resource, name)}}


def execution_failed() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Featurize (a processing job) succeeded, then Train (a training job) failed."""
    created = at(14)
    steps = [
        step(
            "Train",
            "Failed",
            at(14, 9, 2),
            at(14, 21, 14),
            job_metadata("TrainingJob", "training-job", TRAIN_JOB),
            FailureReason=TRAIN_FAILURE,
        ),
        step(
            "Featurize",
            "Succeeded",
            at(14, 0, 12),
            at(14, 9, 1),
            job_metadata("ProcessingJob", "processing-job", FEATURIZE_JOB),
        ),
    ]
    answer = execution(
        EXECUTION_FAILED,
        "Failed",
        created,
        at(14, 21, 15),
        FailureReason="Step failure: One or multiple steps failed.",
    )
    return answer, steps


def execution_ok() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Four steps: a processing job, a training job, a condition and a transform job, all Succeeded."""
    created = at(12)
    steps = [
        step("Featurize", "Succeeded", at(12, 0, 5), at(12, 7), job_metadata(
            "ProcessingJob", "processing-job", "pipelines-4r83jejmhorv-Featurize-Qm2xT8aP1c")),
        step("Train", "Succeeded", at(12, 7, 1), at(12, 31), job_metadata(
            "TrainingJob", "training-job", "pipelines-4r83jejmhorv-Train-Hy6tR3wQ9z")),
        step("CheckAuc", "Succeeded", at(12, 31, 1), at(12, 31, 2), {"Condition": {"Outcome": "True"}}),
        step("Score", "Succeeded", at(12, 31, 3), at(12, 38), job_metadata(
            "TransformJob", "transform-job", "pipelines-4r83jejmhorv-Score-Zr5vW2nB8d")),
    ]  # fmt: skip
    return execution(EXECUTION_OK, "Succeeded", created, at(12, 38, 1)), steps


def running_pipeline() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``EXECUTION_RUNNING``'s answers, one per change: Featurize runs; Featurize done and Train runs;
    Train done, the execution Succeeded."""
    created = at(16)
    featurize = job_metadata("ProcessingJob", "processing-job", "pipelines-a1b2c3d4e5f6-Featurize-Ab12Cd34Ef")
    train = job_metadata("TrainingJob", "training-job", "pipelines-a1b2c3d4e5f6-Train-Gh56Ij78Kl")
    return [
        (
            execution(EXECUTION_RUNNING, "Executing", created, at(16, 0, 6)),
            [step("Featurize", "Executing", at(16, 0, 5), None, featurize)],
        ),
        (
            execution(EXECUTION_RUNNING, "Executing", created, at(16, 8, 1)),
            [
                step("Train", "Executing", at(16, 8), None, train),
                step("Featurize", "Succeeded", at(16, 0, 5), at(16, 7, 59), featurize),
            ],
        ),
        (
            execution(EXECUTION_RUNNING, "Succeeded", created, at(16, 30, 1)),
            [
                step("Train", "Succeeded", at(16, 8), at(16, 30), train),
                step("Featurize", "Succeeded", at(16, 0, 5), at(16, 7, 59), featurize),
            ],
        ),
    ]


# -- what the table holds ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """One Describe answer (a pipeline execution's: DescribePipelineExecution and its steps), with the
    boto3 method that returns it."""

    method: str
    response: dict[str, Any]
    steps: Sequence[dict[str, Any]] = ()

    def record(self) -> JobRecord:
        """What jobtrail's SageMaker adapter makes of it."""
        match self.method:
            case "describe_training_job":
                return record_from_describe(self.response)
            case "describe_processing_job":
                return processing_record(self.response)
            case "describe_transform_job":
                return transform_record(self.response)
            case "describe_hyper_parameter_tuning_job":
                return tuning_record(self.response)
            case "describe_pipeline_execution":
                return pipeline_record(self.response, self.steps)
        raise ValueError(self.method)


def pipeline_answer(answer: tuple[dict[str, Any], list[dict[str, Any]]]) -> Answer:
    return Answer("describe_pipeline_execution", *answer)


def answers() -> list[Answer]:
    """Every job of the table, each with its final answer, in the order they were created."""
    return [
        Answer("describe_processing_job", processing_ok()),
        Answer("describe_processing_job", processing_failed()),
        Answer("describe_transform_job", transform()),
        Answer("describe_hyper_parameter_tuning_job", tuning()),
        *(Answer("describe_training_job", child) for child in children()),
        pipeline_answer(execution_ok()),
        Answer("describe_processing_job", processing_ok(SHARED, at(13))),
        Answer("describe_training_job", training(SHARED, at(13, 5))),
        pipeline_answer(execution_failed()),
        Answer("describe_processing_job", processing_ok(FEATURIZE_JOB, at(14, 0, 13))),
        Answer("describe_training_job", training(TRAIN_JOB, at(14, 9, 3), like="failed")),
    ]


def records() -> list[JobRecord]:
    return [answer.record() for answer in answers()]


def record(store: HistoryStore, snapshot: JobRecord) -> None:
    """Write ``snapshot`` as ingest would (with the alerts the default AlertOn makes due, left pending)."""
    stored = store.load(snapshot.key)
    store.apply(plan_changes(stored, snapshot, DEFAULT_ALERT_ON))


def record_all(store: HistoryStore, snapshots: Iterable[JobRecord]) -> None:
    """``record`` each of ``snapshots``, in order."""
    for snapshot in snapshots:
        record(store, snapshot)


@contextmanager
def stored_table(endpoint_url: str, prefix: str, snapshots: Iterable[JobRecord]) -> Iterator[str]:
    """A new history table, named ``prefix-…``, on the DynamoDB Local at ``endpoint_url``, holding
    ``snapshots`` recorded as ingest writes them; its name, and the table deleted afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint_url)
    create_history_table(client, name)
    try:
        record_all(HistoryStore(name, region=REGION, host=endpoint_url), snapshots)
        yield name
    finally:
        client.delete_table(TableName=name)
