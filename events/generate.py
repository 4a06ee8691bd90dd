"""Build every fixture under ``events/`` from the hand-written lifecycle specs below.

Run from anywhere: ``python events/generate.py``. The output is deterministic (no clock, no randomness), so
running it twice changes nothing, and ``tests/unit/test_events_fixtures.py`` checks that the committed files
are exactly what ``build_all()`` produces.

A lifecycle spec lists, per job, its configuration and the changes SageMaker made to it at wall-clock
times: for a training job (``enter`` a secondary status, ``note`` a new message on the open one, ``finish``
in a terminal status), a processing, transform or tuning job (``create``, ``start``, ``stop``, ``progress``,
``end``) or a pipeline execution (``execute``, a ``step`` changing, ``conclude``). The builders —
``jobtrail_local.lifecycle_builder``, ``jobtrail_local.job_lifecycles`` and
``jobtrail_local.pipeline_lifecycles``, which the load generator uses too — turn them into, for every
change, the kind's Describe answer and the EventBridge event SageMaker sends. From those this script writes
the lifecycle files, the SQS batches ingest receives, the bad records it must reject and the SNS events the
Slack notifier receives for each alert. The ``expected`` outcome of each job is written by hand next to its
spec, not computed here, except the transition list: a training job's is by definition its final
describe's; the other kinds' follows from the answers, one after the other, by the rule in
``events/README.md`` (``lifecycles.seen_transitions``, written without jobtrail's code).

What the real payloads look like, and where that was checked, is in ``events/README.md``.
"""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jobtrail.adapters.pricing import get_products_request
from jobtrail.adapters.sns import SnsAlertPublisher
from jobtrail.core.alerts import DEFAULT_ALERT_ON
from jobtrail.core.history import merge, plan_changes
from jobtrail.core.model import JobRecord, StoredJob
from jobtrail_local import job_lifecycles, pipeline_lifecycles, price_list
from jobtrail_local.job_lifecycles import (
    batch_transform,
    best_training_job,
    create,
    end,
    progress,
    sklearn_processing,
    start,
    stop,
    tuning_config,
)
from jobtrail_local.lifecycle_builder import (
    ACCOUNT,
    CAPACITY_ERROR,
    COMPLETED,
    CUDA_OUT_OF_MEMORY,
    DATA_BUCKET,
    DOWNLOADING,
    FAILED,
    HUGGINGFACE_GPU_IMAGE,
    INTERRUPTED,
    LAUNCHING,
    MAX_RUNTIME,
    NO_CAPACITY_RETRY,
    OUTPUT_BUCKET,
    PYTORCH_GPU_IMAGE,
    REGION,
    ROLE_ARN,
    SKLEARN_CPU_IMAGE,
    STARTING,
    STOPPED,
    STOPPING,
    TRAINING,
    UPLOADING,
    XGBOOST_IMAGE,
    Change,
    ExpectedJob,
    Step,
    TrainingJob,
    enter,
    epoch_millis,
    event_detail,
    finish,
    in_time_order,
    job_arn,
    job_steps,
    metric_definitions,
    note,
    s3_channel,
    tuning_job_arn,
    with_times,
)
from jobtrail_local.lifecycles import record_of, seen_transitions, sqs_record
from jobtrail_local.pipeline_lifecycles import STEP_FAILURE, conclude, execute, pipeline_job_name, step_status
from jobtrail_local.sns_events import PublishRecorder, lambda_event, notification

EVENTS_DIR = Path(__file__).resolve().parent
MAX_RECORDS_PER_BATCH = 10  # what an SQS event source hands Lambda at most by default

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/events/generate")
#: SageMaker updates LastModifiedTime this long after the change it records.
_MODIFIED_LAG = timedelta(milliseconds=265)
#: EventBridge puts the event on the queue this long after the change.
_DELIVERY_LAG = timedelta(milliseconds=640)
#: Ingest has described the job and published its alert this long after the change.
_PUBLISH_LAG = timedelta(milliseconds=1873)


# ----------------------------------------------------------------------------------------------- the specs
@dataclass(frozen=True)
class JobSpec:
    """A training job, what happened to it, and what a consumer must conclude (``expected``, without its
    transitions: those are the final describe's)."""

    job: TrainingJob
    changes: tuple[Change, ...]
    expected: ExpectedJob

    @property
    def label(self) -> str:
        return self.job.name


@dataclass(frozen=True)
class KindJobSpec:
    """A processing, transform or tuning job, what happened to it, and what a consumer must conclude
    (``expected``, without its transitions: they follow from the answers)."""

    job: job_lifecycles.Job
    changes: tuple[job_lifecycles.Change, ...]
    expected: ExpectedJob

    @property
    def label(self) -> str:
        return f"{self.job.kind}/{self.job.name}"


@dataclass(frozen=True)
class ExecutionSpec:
    """A pipeline execution, what happened to it and its steps, and what a consumer must conclude."""

    execution: pipeline_lifecycles.Execution
    changes: tuple[pipeline_lifecycles.Change, ...]
    expected: ExpectedJob

    @property
    def label(self) -> str:
        return f"pipeline/{self.execution.name}"


AnyJobSpec = JobSpec | KindJobSpec | ExecutionSpec


@dataclass(frozen=True)
class LifecycleSpec:
    name: str
    description: str
    jobs: tuple[AnyJobSpec, ...]


def _on(day: str) -> Callable[[str], datetime]:
    """``_on("2026-11-20")("10:00:03.412")``: that wall-clock time of that day, UTC."""
    return lambda clock: datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


NOV_20, NOV_21, NOV_22, NOV_23, NOV_24, NOV_25, NOV_26, NOV_27, NOV_28 = (
    _on(f"2026-11-{day}") for day in range(20, 29)
)


# ------------------------------------------------------------------------------------------- job profiles
def _framework_job(
    job_name: str,
    *,
    team: str,
    image: str,
    program: str,
    hyperparameters: Mapping[str, str],
    metrics: tuple[str, ...],
    channels: list[dict[str, Any]],
    instance_type: str,
    instance_count: int = 1,
    volume_gb: int = 100,
    stopping: Mapping[str, int] | None = None,
    spot: bool = False,
) -> dict[str, Any]:
    """A script-mode job as the SageMaker Python SDK creates it (its hyperparameters are JSON strings)."""
    output = f"{OUTPUT_BUCKET}/{team}"
    config: dict[str, Any] = {
        "HyperParameters": {
            **hyperparameters,
            "sagemaker_container_log_level": "20",
            "sagemaker_job_name": json.dumps(job_name),
            "sagemaker_program": json.dumps(program),
            "sagemaker_region": json.dumps(REGION),
            "sagemaker_submit_directory": json.dumps(f"{output}/{job_name}/source/sourcedir.tar.gz"),
        },
        "AlgorithmSpecification": {
            "TrainingImage": image,
            "TrainingInputMode": "File",
            "MetricDefinitions": metric_definitions(*metrics),
            "EnableSageMakerMetricsTimeSeries": True,
        },
        "RoleArn": ROLE_ARN,
        "InputDataConfig": channels,
        "OutputDataConfig": {"KmsKeyId": "", "S3OutputPath": output, "CompressionType": "GZIP"},
        "ResourceConfig": {
            "InstanceType": instance_type,
            "InstanceCount": instance_count,
            "VolumeSizeInGB": volume_gb,
        },
        "StoppingCondition": dict(stopping or {"MaxRuntimeInSeconds": 86400}),
        "EnableNetworkIsolation": False,
        "EnableInterContainerTrafficEncryption": False,
        "EnableManagedSpotTraining": spot,
        "DebugHookConfig": {"S3OutputPath": output, "CollectionConfigurations": []},
        "ProfilerConfig": {
            "S3OutputPath": output,
            "ProfilingIntervalInMilliseconds": 500,
            "DisableProfiler": False,
        },
        "ProfilingStatus": "Enabled",
    }
    if spot:
        config["CheckpointConfig"] = {
            "S3Uri": f"{output}/checkpoints/{job_name}",
            "LocalPath": "/opt/ml/checkpoints",
        }
    return config


def _xgboost_tuning_child(tuning_job: str, hyperparameters: Mapping[str, str]) -> dict[str, Any]:
    """A job the tuner launched from its training job definition (built-in XGBoost)."""
    output = f"{OUTPUT_BUCKET}/growth/{tuning_job}"
    return {
        "HyperParameters": {
            "_tuning_objective_metric": "validation:auc",
            "eval_metric": "auc",
            "num_round": "400",
            "objective": "binary:logistic",
            **hyperparameters,
        },
        "AlgorithmSpecification": {
            "TrainingImage": XGBOOST_IMAGE,
            "TrainingInputMode": "File",
            "MetricDefinitions": [
                {
                    "Name": "train:auc",
                    "Regex": ".*\\[[0-9]+\\].*#011train-auc:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*",
                },
                {
                    "Name": "validation:auc",
                    "Regex": ".*\\[[0-9]+\\].*#011validation-auc:"
                    "([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*",
                },
            ],
            "EnableSageMakerMetricsTimeSeries": False,
        },
        "RoleArn": ROLE_ARN,
        "InputDataConfig": [
            s3_channel("train", f"{DATA_BUCKET}/churn/2026-11/train/", "text/csv"),
            s3_channel("validation", f"{DATA_BUCKET}/churn/2026-11/validation/", "text/csv"),
        ],
        "OutputDataConfig": {"KmsKeyId": "", "S3OutputPath": output, "CompressionType": "GZIP"},
        "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "EnableNetworkIsolation": False,
        "EnableInterContainerTrafficEncryption": False,
        "EnableManagedSpotTraining": False,
    }


# ------------------------------------------------------------------------------------------- the scenarios
RESNET = "resnet50-imagenet-2026-11-20-10-00-00-123"
BERT = "bert-finetune-reviews-2026-11-20-13-30-00-789"
LLAMA = "llama-pretrain-p4d-2026-11-22-08-15-00-001"
CHURN = "churn-lgbm-2026-11-23-14-00-00-222"
DETR = "detr-coco-spot-2026-11-21-02-00-00-456"
WHISPER = "whisper-small-asr-2026-11-24-09-00-00-333"
TUNING_JOB = "xgb-tune-1120"
TUNING_ARN = tuning_job_arn(TUNING_JOB)
CUDA_OOM = CUDA_OUT_OF_MEMORY.format(gib=2, program="train.py", epochs=10)

TRAINING_LIFECYCLES: tuple[LifecycleSpec, ...] = (
    LifecycleSpec(
        name="completed",
        description=(
            "An on-demand ResNet-50 job that runs Starting → Downloading → Training → Uploading → Completed; "
            "its Starting transition changes message once while open, and its final metrics include 0.0, "
            "-0.0 and 3e-07."
        ),
        jobs=(
            JobSpec(
                job=TrainingJob(
                    name=RESNET,
                    config=_framework_job(
                        RESNET,
                        team="vision",
                        image=PYTORCH_GPU_IMAGE,
                        program="train.py",
                        hyperparameters={"batch-size": "256", "epochs": "90", "lr": "0.1", "momentum": "0.9"},
                        metrics=(
                            "train:loss",
                            "validation:accuracy",
                            "validation:top5_accuracy",
                            "train:grad_norm_clipped",
                            "validation:loss_delta",
                            "train:learning_rate",
                        ),
                        channels=[
                            s3_channel("train", f"{DATA_BUCKET}/imagenet/2026-11/train/"),
                            s3_channel("validation", f"{DATA_BUCKET}/imagenet/2026-11/validation/"),
                        ],
                        instance_type="ml.p3.2xlarge",
                    ),
                    tags={"team": "vision", "project": "imagenet-baselines"},
                    final_metrics=(
                        ("train:loss", 0.21430572867393494, NOV_20("11:52:05")),
                        ("validation:accuracy", 0.7693000435829163, NOV_20("11:52:05")),
                        ("validation:top5_accuracy", 0.9312999844551086, NOV_20("11:52:05")),
                        ("train:grad_norm_clipped", 0.0, NOV_20("11:52:05")),
                        ("validation:loss_delta", -0.0, NOV_20("11:52:05")),
                        ("train:learning_rate", 3e-07, NOV_20("11:52:05")),
                    ),
                ),
                changes=(
                    enter(NOV_20("10:00:00.871"), "Starting", LAUNCHING),
                    note(NOV_20("10:01:52.209"), STARTING),
                    enter(NOV_20("10:04:17.563"), "Downloading", DOWNLOADING),
                    enter(NOV_20("10:09:41.090"), "Training", TRAINING),
                    enter(NOV_20("11:52:06.318"), "Uploading", UPLOADING),
                    finish(NOV_20("11:52:38.745"), "Completed", COMPLETED),
                ),
                expected=ExpectedJob(
                    status="Completed",
                    secondary_status="Completed",
                    final_metrics=6,
                    training_time_seconds=6501,
                    billable_time_seconds=6501,
                    spot_savings_percent=None,
                    failure_reason_startswith=None,
                    alerts=(),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="failed",
        description=(
            "A BERT fine-tuning job that fails in Training with a multi-line, quoted, non-ASCII "
            "AlgorithmError after reporting two metrics."
        ),
        jobs=(
            JobSpec(
                job=TrainingJob(
                    name=BERT,
                    config=_framework_job(
                        BERT,
                        team="nlp",
                        image=HUGGINGFACE_GPU_IMAGE,
                        program="train.py",
                        hyperparameters={
                            "epochs": "10",
                            "model_name": '"bert-base-uncased"',
                            "train_batch_size": "64",
                        },
                        metrics=("train:loss", "train:samples_per_second"),
                        channels=[
                            s3_channel(
                                "train", f"{DATA_BUCKET}/reviews/2026-11/train/", "application/jsonlines"
                            )
                        ],
                        instance_type="ml.g5.2xlarge",
                    ),
                    tags={"team": "nlp", "project": "review-sentiment"},
                    saves_model=False,
                    final_metrics=(
                        ("train:loss", 1.9125341176986694, NOV_20("13:41:02")),
                        ("train:samples_per_second", 211.4, NOV_20("13:41:02")),
                    ),
                ),
                changes=(
                    enter(NOV_20("13:30:01.204"), "Starting", STARTING),
                    enter(NOV_20("13:33:12.877"), "Downloading", DOWNLOADING),
                    enter(NOV_20("13:34:02.315"), "Training", TRAINING),
                    finish(NOV_20("13:41:27.640"), "Failed", FAILED, failure_reason=CUDA_OOM),
                ),
                expected=ExpectedJob(
                    status="Failed",
                    secondary_status="Failed",
                    final_metrics=2,
                    training_time_seconds=494,
                    billable_time_seconds=494,
                    spot_savings_percent=None,
                    failure_reason_startswith="AlgorithmError: ExecuteUserScriptError:",
                    alerts=("Failed",),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="failed-capacity",
        description=(
            "A four-instance ml.p4d.24xlarge job that never gets capacity and fails while Starting with a "
            "CapacityError: no training start or end time, no time counters, no metrics."
        ),
        jobs=(
            JobSpec(
                job=TrainingJob(
                    name=LLAMA,
                    config=_framework_job(
                        LLAMA,
                        team="llm",
                        image=PYTORCH_GPU_IMAGE,
                        program="pretrain.py",
                        hyperparameters={"max_steps": "20000", "micro_batch_size": "8", "seq_len": "4096"},
                        metrics=("train:loss", "train:tokens_per_second"),
                        channels=[s3_channel("train", f"{DATA_BUCKET}/corpus/2026-11/tokenized/")],
                        instance_type="ml.p4d.24xlarge",
                        instance_count=4,
                        volume_gb=500,
                    ),
                    tags={"team": "llm", "project": "pretraining"},
                    saves_model=False,
                ),
                changes=(
                    enter(NOV_22("08:15:00.736"), "Starting", LAUNCHING),
                    note(
                        NOV_22("08:19:44.102"),
                        NO_CAPACITY_RETRY,
                    ),
                    finish(NOV_22("09:14:58.329"), "Failed", FAILED, failure_reason=CAPACITY_ERROR),
                ),
                expected=ExpectedJob(
                    status="Failed",
                    secondary_status="Failed",
                    final_metrics=0,
                    training_time_seconds=None,
                    billable_time_seconds=None,
                    spot_savings_percent=None,
                    failure_reason_startswith="CapacityError:",
                    alerts=("Failed",),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="max-runtime",
        description=(
            "A job with MaxRuntimeInSeconds 3600 that is still Training when the limit passes: SageMaker "
            "stops it (Stopping) and it ends Stopped with SecondaryStatus MaxRuntimeExceeded."
        ),
        jobs=(
            JobSpec(
                job=TrainingJob(
                    name=CHURN,
                    config=_framework_job(
                        CHURN,
                        team="growth",
                        image=SKLEARN_CPU_IMAGE,
                        program="train_lgbm.py",
                        hyperparameters={
                            "learning_rate": "0.02",
                            "num_leaves": "255",
                            "n_estimators": "20000",
                        },
                        metrics=("train:binary_logloss", "validation:binary_logloss"),
                        channels=[
                            s3_channel("train", f"{DATA_BUCKET}/churn/2026-11/train/", "text/csv"),
                            s3_channel("validation", f"{DATA_BUCKET}/churn/2026-11/validation/", "text/csv"),
                        ],
                        instance_type="ml.m5.4xlarge",
                        volume_gb=50,
                        stopping={"MaxRuntimeInSeconds": 3600},
                    ),
                    tags={"team": "growth", "project": "churn"},
                    final_metrics=(
                        ("train:binary_logloss", 0.29113200306892395, NOV_23("15:02:31")),
                        ("validation:binary_logloss", 0.3362419903278351, NOV_23("15:02:31")),
                    ),
                ),
                changes=(
                    enter(NOV_23("14:00:01.058"), "Starting", STARTING),
                    enter(NOV_23("14:02:36.914"), "Downloading", DOWNLOADING),
                    enter(NOV_23("14:03:20.447"), "Training", TRAINING),
                    enter(NOV_23("15:02:37.020"), "Stopping", STOPPING),
                    finish(NOV_23("15:04:41.386"), "MaxRuntimeExceeded", MAX_RUNTIME),
                ),
                expected=ExpectedJob(
                    status="Stopped",
                    secondary_status="MaxRuntimeExceeded",
                    final_metrics=2,
                    training_time_seconds=3724,
                    billable_time_seconds=3724,
                    spot_savings_percent=None,
                    failure_reason_startswith=None,
                    alerts=("MaxRuntimeExceeded",),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="spot-interrupted",
        description=(
            "A managed spot job with checkpoints that is interrupted twice while Training, stays InProgress, "
            "resumes each time and completes; it was billed for 1500 of its 4000 training seconds."
        ),
        jobs=(
            JobSpec(
                job=TrainingJob(
                    name=DETR,
                    config=_framework_job(
                        DETR,
                        team="vision",
                        image=PYTORCH_GPU_IMAGE,
                        program="train_detr.py",
                        hyperparameters={"batch-size": "32", "epochs": "50", "resume": "true"},
                        metrics=("train:loss_giou", "validation:mAP", "validation:mAP_50"),
                        channels=[
                            s3_channel("train", f"{DATA_BUCKET}/coco/2017/train/"),
                            s3_channel("validation", f"{DATA_BUCKET}/coco/2017/val/"),
                        ],
                        instance_type="ml.g5.12xlarge",
                        volume_gb=200,
                        stopping={"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 14400},
                        spot=True,
                    ),
                    tags={"team": "vision", "project": "detection", "cost-center": "ml-research"},
                    final_metrics=(
                        ("train:loss_giou", 0.4417000114917755, NOV_21("03:45:10")),
                        ("validation:mAP", 0.42130000591278076, NOV_21("03:45:10")),
                        ("validation:mAP_50", 0.6230999827384949, NOV_21("03:45:10")),
                    ),
                    training_seconds=4000,
                    billable_seconds=1500,
                ),
                changes=(
                    enter(NOV_21("02:00:01.311"), "Starting", STARTING),
                    enter(NOV_21("02:03:05.482"), "Downloading", DOWNLOADING),
                    enter(NOV_21("02:04:12.906"), "Training", TRAINING),
                    enter(NOV_21("02:31:47.125"), "Interrupted", INTERRUPTED),
                    enter(NOV_21("02:44:09.530"), "Starting", STARTING),
                    enter(NOV_21("02:46:58.017"), "Downloading", DOWNLOADING),
                    enter(NOV_21("02:47:49.663"), "Training", TRAINING),
                    enter(NOV_21("03:06:10.208"), "Interrupted", INTERRUPTED),
                    enter(NOV_21("03:24:02.774"), "Starting", STARTING),
                    enter(NOV_21("03:26:51.390"), "Downloading", DOWNLOADING),
                    enter(NOV_21("03:27:40.051"), "Training", TRAINING),
                    enter(NOV_21("03:45:19.812"), "Uploading", UPLOADING),
                    finish(NOV_21("03:45:55.437"), "Completed", COMPLETED),
                ),
                expected=ExpectedJob(
                    status="Completed",
                    secondary_status="Completed",
                    final_metrics=3,
                    training_time_seconds=4000,
                    billable_time_seconds=1500,
                    spot_savings_percent=62.5,
                    failure_reason_startswith=None,
                    alerts=("Interrupted", "Interrupted"),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="stopped",
        description="A Whisper fine-tuning job that its owner stops while Training: Stopping, then Stopped.",
        jobs=(
            JobSpec(
                job=TrainingJob(
                    name=WHISPER,
                    config=_framework_job(
                        WHISPER,
                        team="speech",
                        image=HUGGINGFACE_GPU_IMAGE,
                        program="finetune_whisper.py",
                        hyperparameters={
                            "learning_rate": "1e-05",
                            "max_steps": "8000",
                            "model_name": '"openai/whisper-small"',
                        },
                        metrics=("train:wer",),
                        channels=[s3_channel("train", f"{DATA_BUCKET}/speech/callcenter-2026-11/")],
                        instance_type="ml.g5.4xlarge",
                    ),
                    tags={"team": "speech", "project": "callcenter-asr"},
                    final_metrics=(("train:wer", 0.18739999830722809, NOV_24("09:47:00")),),
                ),
                changes=(
                    enter(NOV_24("09:00:00.954"), "Starting", STARTING),
                    enter(NOV_24("09:02:49.120"), "Downloading", DOWNLOADING),
                    enter(NOV_24("09:05:33.678"), "Training", TRAINING),
                    enter(NOV_24("09:47:12.031"), "Stopping", STOPPING),
                    finish(NOV_24("09:48:03.559"), "Stopped", STOPPED),
                ),
                expected=ExpectedJob(
                    status="Stopped",
                    secondary_status="Stopped",
                    final_metrics=1,
                    training_time_seconds=2714,
                    billable_time_seconds=2714,
                    spot_savings_percent=None,
                    failure_reason_startswith=None,
                    alerts=(),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="tuning",
        description=(
            "Three training jobs of the hyperparameter tuning job xgb-tune-1120, running at once: one "
            "completes with metrics, one is stopped early by the tuner, one completes with an empty "
            "metric list."
        ),
        jobs=(
            JobSpec(
                job=TrainingJob(
                    name=f"{TUNING_JOB}-001-3c7f4a2b",
                    config=_xgboost_tuning_child(
                        TUNING_JOB,
                        {
                            "eta": "0.21430573812",
                            "max_depth": "6",
                            "min_child_weight": "2.7015",
                            "subsample": "0.8",
                        },
                    ),
                    tags={"team": "growth", "project": "churn"},
                    tuning_job_arn=TUNING_ARN,
                    final_metrics=(
                        ("train:auc", 0.9412400126457214, NOV_20("15:19:52")),
                        ("validation:auc", 0.8931099772453308, NOV_20("15:19:52")),
                    ),
                ),
                changes=(
                    enter(NOV_20("15:10:04.221"), "Starting", STARTING),
                    enter(NOV_20("15:12:40.508"), "Downloading", DOWNLOADING),
                    enter(NOV_20("15:13:21.742"), "Training", TRAINING),
                    enter(NOV_20("15:19:55.160"), "Uploading", UPLOADING),
                    finish(NOV_20("15:20:07.893"), "Completed", COMPLETED),
                ),
                expected=ExpectedJob(
                    status="Completed",
                    secondary_status="Completed",
                    final_metrics=2,
                    training_time_seconds=447,
                    billable_time_seconds=447,
                    spot_savings_percent=None,
                    failure_reason_startswith=None,
                    alerts=(),
                ),
            ),
            JobSpec(
                job=TrainingJob(
                    name=f"{TUNING_JOB}-002-9e1d0c55",
                    config=_xgboost_tuning_child(
                        TUNING_JOB,
                        {
                            "eta": "0.0137731255",
                            "max_depth": "3",
                            "min_child_weight": "8.9904",
                            "subsample": "0.55",
                        },
                    ),
                    tags={"team": "growth", "project": "churn"},
                    tuning_job_arn=TUNING_ARN,
                    final_metrics=(
                        ("train:auc", 0.7754999995231628, NOV_20("15:16:40")),
                        ("validation:auc", 0.7407900094985962, NOV_20("15:16:40")),
                    ),
                ),
                changes=(
                    enter(NOV_20("15:10:04.698"), "Starting", STARTING),
                    enter(NOV_20("15:12:52.015"), "Downloading", DOWNLOADING),
                    enter(NOV_20("15:13:30.364"), "Training", TRAINING),
                    enter(NOV_20("15:16:45.902"), "Stopping", STOPPING),
                    finish(NOV_20("15:17:20.117"), "Stopped", STOPPED),
                ),
                expected=ExpectedJob(
                    status="Stopped",
                    secondary_status="Stopped",
                    final_metrics=2,
                    training_time_seconds=268,
                    billable_time_seconds=268,
                    spot_savings_percent=None,
                    failure_reason_startswith=None,
                    alerts=(),
                ),
            ),
            JobSpec(
                job=TrainingJob(
                    name=f"{TUNING_JOB}-003-b42a6f10",
                    config=_xgboost_tuning_child(
                        TUNING_JOB,
                        {
                            "eta": "0.3998812206",
                            "max_depth": "10",
                            "min_child_weight": "1.0021",
                            "subsample": "0.93",
                        },
                    ),
                    tags={"team": "growth", "project": "churn"},
                    tuning_job_arn=TUNING_ARN,
                    final_metrics=(),
                ),
                changes=(
                    enter(NOV_20("15:10:05.133"), "Starting", STARTING),
                    enter(NOV_20("15:13:02.447"), "Downloading", DOWNLOADING),
                    enter(NOV_20("15:13:44.809"), "Training", TRAINING),
                    enter(NOV_20("15:21:30.251"), "Uploading", UPLOADING),
                    finish(NOV_20("15:21:41.006"), "Completed", COMPLETED),
                ),
                expected=ExpectedJob(
                    status="Completed",
                    secondary_status="Completed",
                    final_metrics=0,
                    training_time_seconds=518,
                    billable_time_seconds=518,
                    spot_savings_percent=None,
                    failure_reason_startswith=None,
                    alerts=(),
                ),
            ),
        ),
    ),
)


# -------------------------------------------------------------------- processing, transform, tuning, pipeline
#: The hyperparameters the churn tuning jobs search, and their ranges.
_TUNED = ("eta", "max_depth", "min_child_weight", "subsample")


def _xgboost_tuning(tuning_job: str, *, max_jobs: int, max_parallel: int) -> dict[str, Any]:
    """A tuning job's configuration and training job definition, the same XGBoost setup its children run
    (``_xgboost_tuning_child``) maximising ``validation:auc``."""
    return tuning_config(
        _xgboost_tuning_child(tuning_job, {}),
        objective=("Maximize", "validation:auc"),
        limits=(max_jobs, max_parallel),
        integer_ranges={"max_depth": ("3", "10")},
        continuous_ranges={
            "eta": ("0.01", "0.5"),
            "min_child_weight": ("1", "10"),
            "subsample": ("0.5", "1"),
        },
    )


def _counters(
    *,
    completed: int = 0,
    in_progress: int = 0,
    failed: int = 0,
    succeeded: int = 0,
    pending: int = 0,
    bad: int = 0,
) -> dict[str, Any]:
    """A tuning job's TrainingJobStatusCounters and ObjectiveStatusCounters (``failed``: training jobs that
    failed with a client error; ``bad``: objectives that could not be read)."""
    return {
        "training_jobs": {
            "Completed": completed,
            "InProgress": in_progress,
            "RetryableError": 0,
            "NonRetryableError": failed,
            "Stopped": 0,
        },
        "objectives": {"Succeeded": succeeded, "Pending": pending, "Failed": bad},
    }


def _best_so_far(child: JobSpec) -> dict[str, Any]:
    """The tuning job's BestTrainingJob while ``child`` leads: built from the child's own final describe."""
    steps = job_steps(child.job, child.changes, modified_lag=_MODIFIED_LAG, event_id=str)
    return best_training_job(steps[-1].describe, objective="validation:auc", tuned=_TUNED)


# The names: each lifecycle's jobs are its own (the tests load them all into one world), except the two
# jobs of ``same-name``, which share theirs on purpose.
PREPROCESS_OK = "churn-preprocess-2026-11-25-08-00-00-117"
PREPROCESS_BAD = "churn-preprocess-2026-11-25-09-30-00-262"
DEDUP = "reviews-dedup-2026-11-25-11-00-00-508"
SCORE_OK = "churn-score-2026-11-26-02-00-00-045"
SCORE_BAD = "churn-score-2026-11-26-14-00-00-919"
CHURN_MODEL = "churn-xgb-model-2026-11-23"
HPO = "churn-xgb-hpo-1127"
HPO_BAD = "fraud-xgb-hpo-1127"
PIPELINE = "churn-train-pipeline"
SHARED_NAME = "churn-weekly-2026-11-28"

#: What a sklearn preprocessing script wrote before it died: its ExitMessage (``/opt/ml/output/message``).
PREPROCESS_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/opt/ml/processing/input/code/preprocess.py", line 87, in <module>\n'
    "    features = encoder.fit_transform(frame[CATEGORICAL])\n"
    '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/frame.py", line 3464, in __getitem__\n'
    "    indexer = self.loc._get_listlike_indexer(key, axis=1)[1]\n"
    '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/indexing.py", line 1314, in '
    "_get_listlike_indexer\n"
    "    self._validate_read_indexer(keyarr, indexer, axis)\n"
    '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/indexing.py", line 1377, in '
    "_validate_read_indexer\n"
    '    raise KeyError(f"{not_found} not in index")\n'
    "KeyError: \"['plan_tier'] not in index\"\n"
)
SEE_LOGS = job_lifecycles.ALGORITHM_ERROR
TRANSFORM_ERROR = job_lifecycles.TRANSFORM_CLIENT_ERROR
NO_TRAINING_JOB_SUCCEEDED = (
    "No training job succeeded after 5 attempts. Please take a look at the training job failures to get more "
    "details."
)
WEEKLY_TRAIN_ERROR = (
    "AlgorithmError: ExecuteUserScriptError:\nExitCode 1\n"
    "ErrorMessage \"ValueError: could not convert string to float: 'premium'\"\n"
    'Command "/miniconda3/bin/python3 train.py --target churned", exit code: 1'
)


def _hpo_child(
    suffix: str,
    hyperparameters: Mapping[str, str],
    auc: tuple[float, float],
    times: tuple[str, str, str, str, str, str],
    seconds: int,
) -> JobSpec:
    """A training job of the tuning job ``HPO`` that completes: its tuned ``hyperparameters``, its final
    train and validation ``auc`` (logged at ``times[0]``), then when it entered Starting, Downloading,
    Training, Uploading and Completed on November 27; ``seconds`` of training (written out, not computed)."""
    logged, *changes = (NOV_27(clock) for clock in times)
    statuses = ("Starting", "Downloading", "Training", "Uploading")
    messages = (STARTING, DOWNLOADING, TRAINING, UPLOADING)
    return JobSpec(
        job=TrainingJob(
            name=f"{HPO}-{suffix}",
            config=_xgboost_tuning_child(HPO, hyperparameters),
            tags={"team": "growth", "project": "churn"},
            tuning_job_arn=job_arn(HPO, "tuning"),
            final_metrics=(("train:auc", auc[0], logged), ("validation:auc", auc[1], logged)),
        ),
        changes=(
            *(
                enter(at, status, message)
                for at, status, message in zip(changes, statuses, messages, strict=False)
            ),
            finish(changes[-1], "Completed", COMPLETED),
        ),
        expected=ExpectedJob(
            status="Completed",
            secondary_status="Completed",
            final_metrics=2,
            training_time_seconds=seconds,
            billable_time_seconds=seconds,
            failure_reason_startswith=None,
            alerts=(),
        ),
    )


_HPO_CHILDREN = (
    _hpo_child(
        "001-5b2e9c1d",
        {"eta": "0.0841273215", "max_depth": "5", "min_child_weight": "3.1187", "subsample": "0.74"},
        (0.9432700276374817, 0.9021400213241577),
        ("10:09:10", "10:00:31.406", "10:03:02.118", "10:03:40.775", "10:09:12.604", "10:09:24.390"),
        382,
    ),
    _hpo_child(
        "002-e04a7f38",
        {"eta": "0.1530950827", "max_depth": "7", "min_child_weight": "1.6402", "subsample": "0.88"},
        (0.9614899754524231, 0.9187300205230713),
        ("10:12:38", "10:00:31.988", "10:02:55.540", "10:03:31.207", "10:12:40.019", "10:12:51.846"),
        596,
    ),
    _hpo_child(
        "003-7c91d2aa",
        {"eta": "0.0127361093", "max_depth": "3", "min_child_weight": "8.5521", "subsample": "0.56"},
        (0.8970100283622742, 0.8873800039291382),
        ("10:07:56", "10:00:32.515", "10:03:10.233", "10:03:52.961", "10:07:58.330", "10:08:09.772"),
        299,
    ),
)

EXECUTION_OK = pipeline_lifecycles.Execution(PIPELINE, "k7m2p9x4q1ab", "execution-1795845600120")
EXECUTION_BAD = pipeline_lifecycles.Execution(PIPELINE, "r5t8w2n6v3cd", "execution-1795874400508")
PIPELINE_PREPROCESS_OK = pipeline_job_name(EXECUTION_OK, "Preprocess", "Xk29sLq0Pe")
PIPELINE_TRAIN = pipeline_job_name(EXECUTION_OK, "Train", "Bq3xT7rW1m")
PIPELINE_MODEL = pipeline_job_name(EXECUTION_OK, "CreateModel", "Zr8fN2cV4d")
PIPELINE_PREPROCESS_BAD = pipeline_job_name(EXECUTION_BAD, "Preprocess", "Mb7wQ2zK9s")
_CHURN_INPUTS = {"raw": f"{DATA_BUCKET}/churn/2026-11/raw/"}
_CHURN_OUTPUTS = {
    "train": f"{DATA_BUCKET}/churn/2026-11/train/",
    "validation": f"{DATA_BUCKET}/churn/2026-11/validation/",
}


def _preprocessing(
    name: str,
    created: datetime,
    started: datetime,
    ended: datetime,
    *,
    failed: bool = False,
    script: str = "preprocess.py",
    project: str = "churn",
) -> KindJobSpec:
    """A churn preprocessing job (``script``): created, started, and Completed, or Failed on a column the
    data no longer has (SageMaker's AlgorithmError, the script's traceback as ExitMessage)."""
    last = (
        end(ended, "Failed", failure_reason=SEE_LOGS, exit_message=PREPROCESS_TRACEBACK)
        if failed
        else end(ended, "Completed")
    )
    return KindJobSpec(
        job=job_lifecycles.Job(
            "processing",
            name,
            sklearn_processing(script, team="growth", inputs=_CHURN_INPUTS, outputs=_CHURN_OUTPUTS),
            {"team": "growth", "project": project},
        ),
        changes=(create(created), start(started), last),
        expected=ExpectedJob(
            kind="processing",
            status="Failed" if failed else "Completed",
            failure_reason_startswith="AlgorithmError:" if failed else None,
            exit_message_startswith="Traceback (most recent call last):" if failed else None,
            alerts=("Failed",) if failed else (),
        ),
    )


def _scoring(
    name: str, day: str, times: tuple[datetime, datetime, datetime], reason: str | None = None
) -> KindJobSpec:
    """A batch transform scoring the churn data of ``day`` with the XGBoost model: created, started at
    ``times``, Completed, or Failed for ``reason``."""
    created, started, ended = times
    last = end(ended, "Failed", failure_reason=reason) if reason else end(ended, "Completed")
    return KindJobSpec(
        job=job_lifecycles.Job(
            "transform",
            name,
            batch_transform(
                CHURN_MODEL,
                source=f"{DATA_BUCKET}/churn/scoring/{day}/",
                destination=f"{OUTPUT_BUCKET}/growth/scores/{day}/",
            ),
            {"team": "growth", "project": "churn"},
        ),
        changes=(create(created), start(started), last),
        expected=ExpectedJob(
            kind="transform",
            status="Failed" if reason else "Completed",
            failure_reason_startswith=reason.split(" ", 1)[0] if reason else None,
            alerts=("Failed",) if reason else (),
        ),
    )


KIND_LIFECYCLES: tuple[LifecycleSpec, ...] = (
    LifecycleSpec(
        name="processing-completed",
        description=(
            "A scikit-learn processing job that splits the churn data: created InProgress, its container "
            "starts (ProcessingStartTime, still InProgress), Completed."
        ),
        jobs=(
            _preprocessing(
                PREPROCESS_OK, NOV_25("08:00:00.482"), NOV_25("08:03:41.905"), NOV_25("08:11:06.337")
            ),
        ),
    ),
    LifecycleSpec(
        name="processing-failed",
        description=(
            "The same preprocessing script fails on a column the data no longer has: Failed with the "
            "container's Python traceback as ExitMessage and SageMaker's AlgorithmError as FailureReason."
        ),
        jobs=(
            _preprocessing(
                PREPROCESS_BAD,
                NOV_25("09:30:00.731"),
                NOV_25("09:33:18.044"),
                NOV_25("09:34:02.519"),
                failed=True,
            ),
        ),
    ),
    LifecycleSpec(
        name="processing-stopped",
        description="A long deduplication processing job its owner stops: InProgress, Stopping, Stopped.",
        jobs=(
            KindJobSpec(
                job=job_lifecycles.Job(
                    "processing",
                    DEDUP,
                    sklearn_processing(
                        "dedup.py",
                        team="nlp",
                        inputs={"reviews": f"{DATA_BUCKET}/reviews/2026-11/raw/"},
                        outputs={"deduplicated": f"{DATA_BUCKET}/reviews/2026-11/deduplicated/"},
                    ),
                    {"team": "nlp", "project": "review-sentiment"},
                ),
                changes=(
                    create(NOV_25("11:00:00.913")),
                    start(NOV_25("11:03:27.361")),
                    stop(NOV_25("11:41:09.220")),
                    end(NOV_25("11:42:15.702"), "Stopped"),
                ),
                expected=ExpectedJob(
                    kind="processing", status="Stopped", failure_reason_startswith=None, alerts=()
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="transform-completed",
        description=(
            "A nightly batch transform scoring churn with the XGBoost model: InProgress, started "
            "(TransformStartTime), Completed. DescribeTransformJob has no LastModifiedTime."
        ),
        jobs=(
            _scoring(
                SCORE_OK,
                "2026-11-26",
                (NOV_26("02:00:00.377"), NOV_26("02:04:12.810"), NOV_26("02:09:47.193")),
            ),
        ),
    ),
    LifecycleSpec(
        name="transform-failed",
        description="A batch transform whose input the model cannot parse: Failed with a ClientError.",
        jobs=(
            _scoring(
                SCORE_BAD,
                "2026-11-26-adhoc",
                (NOV_26("14:00:01.052"), NOV_26("14:04:30.667"), NOV_26("14:06:52.408")),
                TRANSFORM_ERROR,
            ),
        ),
    ),
    LifecycleSpec(
        name="tuning-completed",
        description=(
            f"The Bayesian tuning job {HPO} runs three XGBoost training jobs at once (their own lifecycles "
            "are here too, TuningJobArn naming it); its counters and best training job follow them, and it "
            "completes with the best validation:auc."
        ),
        jobs=(
            KindJobSpec(
                job=job_lifecycles.Job(
                    "tuning",
                    HPO,
                    _xgboost_tuning(HPO, max_jobs=3, max_parallel=3),
                    {"team": "growth", "project": "churn"},
                ),
                changes=(
                    create(NOV_27("10:00:00.219")),
                    progress(NOV_27("10:00:35.104"), **_counters(in_progress=3, pending=3)),
                    progress(
                        NOV_27("10:08:12.051"),
                        **_counters(completed=1, in_progress=2, succeeded=1, pending=2),
                        best_training_job=_best_so_far(_HPO_CHILDREN[2]),
                    ),
                    progress(
                        NOV_27("10:09:27.680"),
                        **_counters(completed=2, in_progress=1, succeeded=2, pending=1),
                        best_training_job=_best_so_far(_HPO_CHILDREN[0]),
                    ),
                    end(
                        NOV_27("10:12:55.480"),
                        "Completed",
                        **_counters(completed=3, succeeded=3),
                        best_training_job=_best_so_far(_HPO_CHILDREN[1]),
                    ),
                ),
                expected=ExpectedJob(
                    kind="tuning",
                    status="Completed",
                    final_metrics=1,
                    failure_reason_startswith=None,
                    alerts=(),
                    best_training_job=f"{HPO}-002-e04a7f38",
                    best_objective_value=0.9187300205230713,
                ),
            ),
            *_HPO_CHILDREN,
        ),
    ),
    LifecycleSpec(
        name="tuning-failed",
        description=(
            f"The tuning job {HPO_BAD}: every training job it starts fails with a client error, and after "
            "five it gives up: Failed, no best training job."
        ),
        jobs=(
            KindJobSpec(
                job=job_lifecycles.Job(
                    "tuning",
                    HPO_BAD,
                    _xgboost_tuning(HPO_BAD, max_jobs=20, max_parallel=5),
                    {"team": "risk", "project": "fraud"},
                ),
                changes=(
                    create(NOV_27("15:00:00.640")),
                    progress(NOV_27("15:00:41.318"), **_counters(in_progress=5, pending=5)),
                    progress(NOV_27("15:05:12.907"), **_counters(in_progress=2, failed=3, pending=2, bad=3)),
                    end(
                        NOV_27("15:08:31.915"),
                        "Failed",
                        failure_reason=NO_TRAINING_JOB_SUCCEEDED,
                        **_counters(failed=5, bad=5),
                    ),
                ),
                expected=ExpectedJob(
                    kind="tuning",
                    status="Failed",
                    failure_reason_startswith="No training job succeeded",
                    alerts=("Failed",),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="pipeline-succeeded",
        description=(
            f"An execution of the pipeline {PIPELINE}: a Preprocess processing step, a Train training step "
            "and a CreateModel model step, each Starting → Executing → Succeeded (the model step Starting → "
            "Succeeded); the processing and training jobs' own lifecycles are here too."
        ),
        jobs=(
            ExecutionSpec(
                execution=EXECUTION_OK,
                changes=(
                    execute(NOV_28("06:00:00.120")),
                    step_status(NOV_28("06:00:01.310"), "Preprocess", "Processing", "Starting"),
                    step_status(
                        NOV_28("06:00:02.233"),
                        "Preprocess",
                        "Processing",
                        "Executing",
                        job_arn=job_arn(PIPELINE_PREPROCESS_OK, "processing"),
                    ),
                    step_status(NOV_28("06:07:54.018"), "Preprocess", "Processing", "Succeeded"),
                    step_status(NOV_28("06:07:55.602"), "Train", "Training", "Starting"),
                    step_status(
                        NOV_28("06:07:56.501"),
                        "Train",
                        "Training",
                        "Executing",
                        job_arn=job_arn(PIPELINE_TRAIN),
                    ),
                    step_status(NOV_28("06:24:53.830"), "Train", "Training", "Succeeded"),
                    step_status(NOV_28("06:24:55.112"), "CreateModel", "Model", "Starting"),
                    step_status(
                        NOV_28("06:24:57.640"),
                        "CreateModel",
                        "Model",
                        "Succeeded",
                        job_arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{PIPELINE_MODEL.lower()}",
                    ),
                    conclude(NOV_28("06:24:58.931"), "Succeeded"),
                ),
                expected=ExpectedJob(
                    kind="pipeline", status="Succeeded", failure_reason_startswith=None, alerts=()
                ),
            ),
            _preprocessing(
                PIPELINE_PREPROCESS_OK, NOV_28("06:00:01.874"), NOV_28("06:03:20.441"), NOV_28("06:07:52.906")
            ),
            JobSpec(
                job=TrainingJob(
                    name=PIPELINE_TRAIN,
                    config=_framework_job(
                        PIPELINE_TRAIN,
                        team="growth",
                        image=XGBOOST_IMAGE,
                        program="train.py",
                        hyperparameters={"num_round": "400", "max_depth": "7", "eta": "0.15"},
                        metrics=("train:auc", "validation:auc"),
                        channels=[
                            s3_channel("train", _CHURN_OUTPUTS["train"], "text/csv"),
                            s3_channel("validation", _CHURN_OUTPUTS["validation"], "text/csv"),
                        ],
                        instance_type="ml.m5.2xlarge",
                        volume_gb=30,
                    ),
                    tags={"team": "growth", "project": "churn"},
                    final_metrics=(
                        ("train:auc", 0.9588000178337097, NOV_28("06:24:38")),
                        ("validation:auc", 0.9164299964904785, NOV_28("06:24:38")),
                    ),
                ),
                changes=(
                    enter(NOV_28("06:07:56.145"), "Starting", STARTING),
                    enter(NOV_28("06:10:31.570"), "Downloading", DOWNLOADING),
                    enter(NOV_28("06:11:08.362"), "Training", TRAINING),
                    enter(NOV_28("06:24:40.918"), "Uploading", UPLOADING),
                    finish(NOV_28("06:24:52.275"), "Completed", COMPLETED),
                ),
                expected=ExpectedJob(
                    status="Completed",
                    secondary_status="Completed",
                    final_metrics=2,
                    training_time_seconds=860,
                    billable_time_seconds=860,
                    failure_reason_startswith=None,
                    alerts=(),
                ),
            ),
        ),
    ),
    LifecycleSpec(
        name="pipeline-failed",
        description=(
            f"An execution of {PIPELINE} whose Preprocess step fails: its processing job (its own lifecycle "
            "is here, the step's Metadata.ProcessingJob.Arn names it) fails, so does the step, and the "
            "execution ends Failed before any other step starts."
        ),
        jobs=(
            ExecutionSpec(
                execution=EXECUTION_BAD,
                changes=(
                    execute(NOV_28("14:00:00.508")),
                    step_status(NOV_28("14:00:01.733"), "Preprocess", "Processing", "Starting"),
                    step_status(
                        NOV_28("14:00:02.650"),
                        "Preprocess",
                        "Processing",
                        "Executing",
                        job_arn=job_arn(PIPELINE_PREPROCESS_BAD, "processing"),
                    ),
                    step_status(
                        NOV_28("14:04:33.120"), "Preprocess", "Processing", "Failed", failure_reason=SEE_LOGS
                    ),
                    conclude(NOV_28("14:04:34.377"), "Failed", STEP_FAILURE),
                ),
                expected=ExpectedJob(
                    kind="pipeline",
                    status="Failed",
                    failure_reason_startswith="Step failure:",
                    failed_step="Preprocess",
                    alerts=("Failed",),
                ),
            ),
            _preprocessing(
                PIPELINE_PREPROCESS_BAD,
                NOV_28("14:00:02.291"),
                NOV_28("14:03:44.107"),
                NOV_28("14:04:31.662"),
                failed=True,
            ),
        ),
    ),
    LifecycleSpec(
        name="same-name",
        description=(
            f"A processing job and a training job both named {SHARED_NAME}, running at the same time: the "
            "processing job completes, the training job fails. They are two jobs."
        ),
        jobs=(
            _preprocessing(
                SHARED_NAME,
                NOV_28("18:00:00.225"),
                NOV_28("18:03:05.930"),
                NOV_28("18:07:40.118"),
                script="weekly_features.py",
                project="churn-weekly",
            ),
            JobSpec(
                job=TrainingJob(
                    name=SHARED_NAME,
                    config=_framework_job(
                        SHARED_NAME,
                        team="growth",
                        image=SKLEARN_CPU_IMAGE,
                        program="train.py",
                        hyperparameters={"target": '"churned"', "n_estimators": "500"},
                        metrics=("validation:auc",),
                        channels=[s3_channel("train", _CHURN_OUTPUTS["train"], "text/csv")],
                        instance_type="ml.m5.2xlarge",
                        volume_gb=30,
                    ),
                    tags={"team": "growth", "project": "churn-weekly"},
                    saves_model=False,
                ),
                changes=(
                    enter(NOV_28("18:00:00.761"), "Starting", STARTING),
                    enter(NOV_28("18:02:44.302"), "Downloading", DOWNLOADING),
                    enter(NOV_28("18:03:20.915"), "Training", TRAINING),
                    finish(NOV_28("18:11:37.448"), "Failed", FAILED, failure_reason=WEEKLY_TRAIN_ERROR),
                ),
                expected=ExpectedJob(
                    status="Failed",
                    secondary_status="Failed",
                    final_metrics=0,
                    training_time_seconds=533,
                    billable_time_seconds=533,
                    failure_reason_startswith="AlgorithmError: ExecuteUserScriptError:",
                    alerts=("Failed",),
                ),
            ),
        ),
    ),
)
LIFECYCLES: tuple[LifecycleSpec, ...] = TRAINING_LIFECYCLES + KIND_LIFECYCLES


# --------------------------------------------------------------------------------------------- the building
def _event_id(lifecycle: str, label: str, index_in_job: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"event:{lifecycle}:{label}:{index_in_job}"))


def _job_steps(lifecycle: str, spec: AnyJobSpec) -> tuple[Step, ...]:
    """One job's steps, built by its kind's builder."""
    event_id = functools.partial(_event_id, lifecycle, spec.label)
    match spec:
        case JobSpec():
            return job_steps(spec.job, spec.changes, modified_lag=_MODIFIED_LAG, event_id=event_id)
        case KindJobSpec():
            return job_lifecycles.job_steps(
                spec.job, spec.changes, modified_lag=_MODIFIED_LAG, event_id=event_id
            )
        case ExecutionSpec():
            return pipeline_lifecycles.execution_steps(
                spec.execution, spec.changes, modified_lag=_MODIFIED_LAG, event_id=event_id
            )


def _steps(spec: LifecycleSpec) -> tuple[Step, ...]:
    """Every job's steps merged in the order SageMaker produced them."""
    return in_time_order(*(_job_steps(spec.name, job) for job in spec.jobs))


def _iso(moment: datetime) -> str:
    """As the AWS CLI prints a timestamp: ``2026-11-20T10:00:03.412000+00:00`` (no fraction when whole)."""
    return moment.isoformat()


def _sent_at(step: Step) -> datetime:
    """When EventBridge put the step's event on the queue."""
    return step.modified + _DELIVERY_LAG


def _lifecycle_file(spec: LifecycleSpec, steps: tuple[Step, ...]) -> dict[str, Any]:
    written = [
        {
            "job_name": s.job_name,
            "kind": s.kind,
            "modified": _iso(s.modified),
            "event": s.event,
            "describe": with_times(s.describe, _iso),
        }
        for s in steps
    ]
    expected: dict[str, Any] = {}
    for job in spec.jobs:
        answers = [s.describe for s in steps if s.label == job.label]
        wanted = job.expected
        if wanted.transitions:
            raise ValueError(f"{job.label}: the expected transitions follow from the answers, not written")
        if wanted.kind == "training":
            transitions = [(t["Status"], t["StartTime"]) for t in answers[-1]["SecondaryStatusTransitions"]]
        else:
            transitions = seen_transitions(wanted.kind, answers)
        expected[job.label] = {
            "kind": wanted.kind,
            "status": wanted.status,
            "secondary_status": wanted.secondary_status,
            "transitions": [[status, _iso(start)] for status, start in transitions],
            "final_metrics": wanted.final_metrics,
            "training_time_seconds": wanted.training_time_seconds,
            "billable_time_seconds": wanted.billable_time_seconds,
            "spot_savings_percent": wanted.spot_savings_percent,
            "failure_reason_startswith": wanted.failure_reason_startswith,
            "alerts": list(wanted.alerts),
            "exit_message_startswith": wanted.exit_message_startswith,
            "best_training_job": wanted.best_training_job,
            "best_objective_value": wanted.best_objective_value,
            "failed_step": wanted.failed_step,
        }
    return {"name": spec.name, "description": spec.description, "steps": written, "expected": expected}


def _record(key: str, body: str, sent_at: datetime, receive_count: int = 1) -> dict[str, Any]:
    return sqs_record(
        body,
        message_id=str(uuid.uuid5(_NAMESPACE, f"message:{key}")),
        receive_count=receive_count,
        sent_at=sent_at,
    )


def _numbered(stem: str, documents: list[Any]) -> dict[str, Any]:
    """``<stem>.json`` for one document, ``<stem>-1.json``, ``<stem>-2.json``… for more."""
    if len(documents) == 1:
        return {f"{stem}.json": documents[0]}
    return {f"{stem}-{number}.json": document for number, document in enumerate(documents, start=1)}


def _sqs_files(spec: LifecycleSpec, steps: tuple[Step, ...]) -> dict[str, Any]:
    """The lifecycle's events as Lambda SQS events, in order, at most ten records each."""
    records = [
        _record(f"{spec.name}:{index}", json.dumps(s.event), _sent_at(s)) for index, s in enumerate(steps)
    ]
    chunks = [records[i : i + MAX_RECORDS_PER_BATCH] for i in range(0, len(records), MAX_RECORDS_PER_BATCH)]
    return _numbered(f"sqs/{spec.name}", [{"Records": chunk} for chunk in chunks])


def _sns_files(spec: LifecycleSpec, steps: tuple[Step, ...]) -> dict[str, Any]:
    """The event the Slack notifier receives from SNS for each alert ingest publishes during the lifecycle.

    Each alert is the one ingest makes from the job as its Describe showed it right after the change that
    opened the alerting transition: the runtime's own merge (``plan_changes``, default ``AlertOn``) of
    that answer into what the answers before it recorded, published by the real ``SnsAlertPublisher``
    (botocore checks the Publish request) and delivered as SNS invokes Lambda.
    """
    publisher = PublishRecorder()
    alerting = SnsAlertPublisher(publisher, publisher.topic_arn)
    stored: dict[str, StoredJob] = {}
    events: list[dict[str, Any]] = []
    for step in steps:
        before = stored.get(step.label)
        changes = plan_changes(before, record_of(step.kind, step.describe), DEFAULT_ALERT_ON)
        after: JobRecord | None = merge(before, changes)
        if after is not None:
            stored[step.label] = StoredJob(
                summary=after.summary,
                transitions=after.transitions,
                final_metrics=after.final_metrics,
                steps=after.steps,
                version=(before.version if before else 0) + 1,
            )
        for alert in changes.new_alerts:
            message_id = alerting.publish(alert)
            published_at = step.modified + _PUBLISH_LAG
            sent = notification(publisher.requests[-1], message_id=message_id, published_at=published_at)
            events.append(lambda_event(sent))
    return _numbered(f"sns/{spec.name}", events) if events else {}


# ------------------------------------------------------------------------------------------ the bad inputs
def _variant(event: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    varied = copy.deepcopy(dict(event))
    varied.update(changes)
    return varied


def _detail_variant(event: Mapping[str, Any], drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    varied = copy.deepcopy(dict(event))
    detail = {key: value for key, value in varied["detail"].items() if key not in drop}
    detail.update(changes)
    varied["detail"] = detail
    return varied


def _endpoint_event(template: Mapping[str, Any]) -> dict[str, Any]:
    """A real detail-type from the same source that jobtrail does not track: an endpoint coming into
    service (the SageMaker developer guide's sample, with its status spelled as there, ``IN_SERVICE``)."""
    name = "churn-xgb-endpoint"
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}"
    return _variant(
        template,
        id=str(uuid.uuid5(_NAMESPACE, "event:bad:endpoint")),
        **{"detail-type": "SageMaker Endpoint State Change"},
        resources=[arn],
        detail={
            "EndpointName": name,
            "EndpointArn": arn,
            "EndpointConfigName": "churn-xgb-endpoint-config-2026-11-20",
            "ProductionVariants": [{"DesiredWeight": 1.0, "DesiredInstanceCount": 1.0}],
            "EndpointStatus": "IN_SERVICE",
            "CreationTime": 1795167912507,
            "LastModifiedTime": 1795168403311,
            "Tags": {"team": "growth"},
        },
    )


def _bad_bodies(steps_by_name: Mapping[str, tuple[Step, ...]]) -> dict[str, str]:
    """One body per way a record can be unusable, most built from the ``completed`` lifecycle's events, the
    kinds' from the first event of that kind's lifecycle."""
    first = steps_by_name["completed"][0].event
    tuning = next(s.event for s in steps_by_name["tuning-completed"] if s.kind == "tuning")
    processing = steps_by_name["processing-completed"][0].event
    transform = steps_by_name["transform-completed"][0].event
    pipeline = steps_by_name["pipeline-succeeded"][0].event
    too_long = "resnet50-imagenet-baseline-augmented-mixup-2026-11-20-10-00-00-1"
    tuning_too_long = "churn-xgb-hpo-1127-warm-start-v02"
    if (len(too_long), len(tuning_too_long)) != (64, 33):
        raise ValueError("the too-long names must be one character over their limits")
    execution_without_id = pipeline["detail"]["pipelineExecutionArn"].rsplit("/", 1)[0] + "/"
    return {
        "not-json": '{"detail-type": "SageMaker Tra',
        "json-array": json.dumps([first]),
        "not-eventbridge": json.dumps(
            {
                "TrainingJobName": RESNET,
                "TrainingJobStatus": "InProgress",
                "SecondaryStatus": "Starting",
            }
        ),
        # Only the source differs from a good event, so a consumer must check the source itself.
        "other-source": json.dumps(_variant(first, source="aws.ec2")),
        "other-detail-type": json.dumps(_endpoint_event(first)),
        # Only the envelope's account differs: the job's ARNs name another account than the event claims.
        "resources-elsewhere": json.dumps(_variant(first, account="222233334444")),
        "missing-job-name": json.dumps(_detail_variant(first, drop=("TrainingJobName",))),
        "job-name-invalid": json.dumps(
            _detail_variant(first, TrainingJobName="resnet50_imagenet 2026-11-20")
        ),
        "job-name-too-long": json.dumps(_detail_variant(first, TrainingJobName=too_long)),
        "job-name-not-a-string": json.dumps(_detail_variant(first, TrainingJobName=20261120100000)),
        "detail-not-object": json.dumps(_variant(first, detail=f"TrainingJobName={RESNET}")),
        "tuning-job-name-too-long": json.dumps(
            _detail_variant(tuning, HyperParameterTuningJobName=tuning_too_long)
        ),
        "processing-job-name-invalid": json.dumps(
            _detail_variant(processing, ProcessingJobName="churn_preprocess-2026-11-25")
        ),
        "pipeline-execution-arn-invalid": json.dumps(
            _detail_variant(pipeline, pipelineExecutionArn=execution_without_id)
        ),
        "transform-missing-job-name": json.dumps(_detail_variant(transform, drop=("TransformJobName",))),
    }


def _bad_files(steps_by_name: Mapping[str, tuple[Step, ...]]) -> dict[str, Any]:
    completed = steps_by_name["completed"]
    sent = _sent_at(completed[0])
    bodies = _bad_bodies(steps_by_name)
    files: dict[str, Any] = {
        f"bad/{case}.json": {"Records": [_record(f"bad:{case}", body, sent)]} for case, body in bodies.items()
    }
    # Seven good records (one a second delivery of the same event, as EventBridge may send) among three bad.
    good = [(json.dumps(s.event), _sent_at(s)) for s in completed]
    mixed = [
        ("good-0", *good[0]),
        ("bad-not-json", bodies["not-json"], good[0][1] + timedelta(milliseconds=12)),
        ("good-1", *good[1]),
        ("good-2", *good[2]),
        ("bad-other-detail-type", bodies["other-detail-type"], good[2][1] + timedelta(milliseconds=40)),
        ("good-3", *good[3]),
        ("good-2-again", good[2][0], good[3][1] + timedelta(milliseconds=95)),
        ("good-4", *good[4]),
        ("bad-job-name-invalid", bodies["job-name-invalid"], good[4][1] + timedelta(milliseconds=7)),
        ("good-5", *good[5]),
    ]
    files["bad/mixed-batch.json"] = {
        "Records": [_record(f"mixed-batch:{key}", body, at) for key, body, at in mixed]
    }
    return files


def _string_epoch_file(completed: tuple[Step, ...]) -> dict[str, Any]:
    """The last ``completed`` event with its detail times as strings, as in the AWS documentation's sample."""
    last = completed[-1]
    event = copy.deepcopy(last.event)
    event["id"] = str(uuid.uuid5(_NAMESPACE, "event:string-epoch"))
    event["detail"] = event_detail(
        last.describe, last.event["detail"]["Tags"], times=lambda moment: str(epoch_millis(moment))
    )
    body = json.dumps(event)
    return {"sqs/string-epoch.json": {"Records": [_record("string-epoch", body, _sent_at(last))]}}


# --------------------------------------------------------------------------------------------------- prices
#: The on-demand hourly list prices the Price List gives for the instances the lifecycles use, in
#: us-east-1 (SageMaker's pricing page and Price List answers quoted in public code, late 2026; illustrative
#: figures for the demo and the tests, not a price list to bill by).
LIST_PRICES = (
    ("ml.g5.2xlarge", "Training", "1.515"),
    ("ml.g5.4xlarge", "Training", "2.03"),
    ("ml.g5.12xlarge", "Training", "7.09"),
    ("ml.m5.2xlarge", "Training", "0.461"),
    ("ml.m5.4xlarge", "Training", "0.922"),
    ("ml.p3.2xlarge", "Training", "3.825"),
    ("ml.p4d.24xlarge", "Training", "25.251"),
    ("ml.m5.xlarge", "Processing", "0.23"),
    ("ml.m5.large", "BatchTransform", "0.115"),
)


def _pricing_files() -> dict[str, Any]:
    """``pricing/us-east-1.json``: for each instance the lifecycles use, the GetProducts request the
    adapter sends and the Price List's answer (its one product: the on-demand hourly price, and a
    second product of the same type for another usage, which the filters would keep out but an answer
    may still carry, as well as a fee by the quantity)."""
    exchanges = []
    for instance_type, usage, usd in LIST_PRICES:
        listed = price_list.ListedPrice(instance_type, "us-east-1", usage, usd)
        exchanges.append(
            {
                "request": get_products_request(instance_type, "us-east-1", usage),
                "response": price_list.get_products_response([listed]),
            }
        )
    edge = price_list.ListedPrice("ml.p4d.24xlarge", "us-east-1", "Training", "25.251")
    noise = [
        price_list.ListedPrice("ml.p4d.24xlarge", "us-east-1", "Processing", "25.251"),
        price_list.ListedPrice("ml.p4d.24xlarge", "us-east-1", "Training", "13.57", unit="Quantity"),
    ]
    return {
        "pricing/us-east-1.json": {"exchanges": exchanges},
        "pricing/mixed-products.json": {
            "exchanges": [
                {
                    "request": get_products_request("ml.p4d.24xlarge", "us-east-1", "Training"),
                    "response": price_list.get_products_response([*noise, edge]),
                }
            ]
        },
    }


# --------------------------------------------------------------------------------------------------- output
def build_all() -> dict[str, Any]:
    """Every fixture, keyed by its path relative to ``events/`` (e.g. ``lifecycles/completed.json``)."""
    files: dict[str, Any] = {}
    steps_by_name: dict[str, tuple[Step, ...]] = {}
    for spec in LIFECYCLES:
        steps = _steps(spec)
        steps_by_name[spec.name] = steps
        files[f"lifecycles/{spec.name}.json"] = _lifecycle_file(spec, steps)
        files.update(_sqs_files(spec, steps))
        files.update(_sns_files(spec, steps))
    files.update(_bad_files(steps_by_name))
    files.update(_string_epoch_file(steps_by_name["completed"]))
    files.update(_pricing_files())
    return files


def render(document: Any) -> str:
    """The exact text of a fixture file: two-space JSON, UTF-8 as is, one trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


GENERATED_FOLDERS = ("lifecycles", "sqs", "sns", "bad", "pricing")


def main() -> None:
    """Write every fixture and delete generated files that no spec produces any more."""
    files = build_all()
    for relative, document in files.items():
        path = EVENTS_DIR / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document), encoding="utf-8")
    for folder in GENERATED_FOLDERS:
        for stale in sorted((EVENTS_DIR / folder).glob("*.json")):
            if f"{folder}/{stale.name}" not in files:
                stale.unlink()
                print(f"removed events/{folder}/{stale.name}")
    print(f"wrote {len(files)} files under events/")


if __name__ == "__main__":
    main()
