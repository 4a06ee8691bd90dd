"""Build every fixture under ``events/`` from the hand-written lifecycle specs below.

Run from anywhere: ``python events/generate.py``. The output is deterministic (no clock, no randomness), so
running it twice changes nothing, and ``tests/unit/test_events_fixtures.py`` checks that the committed files
are exactly what ``build_all()`` produces.

A lifecycle spec lists, per training job, its configuration and the changes SageMaker made to it (``enter`` a
secondary status, ``note`` a new message on the open one, ``finish`` in a terminal status) at wall-clock
times. ``jobtrail_local.lifecycle_builder`` — the builder the load generator uses too — turns them into, for
every change, the DescribeTrainingJob response and the EventBridge event SageMaker sends. From those this
script writes the lifecycle files, the SQS batches ingest receives, the bad records it must reject and the
SNS events the Slack notifier receives for each alert. The ``expected`` outcome of each job is written by
hand next to its spec, not computed here, except the transition list, which is by definition the final
describe's.

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

from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.adapters.sns import SnsAlertPublisher
from jobtrail.core.alerts import DEFAULT_ALERT_ON, alerts_due
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
    job_steps,
    metric_definitions,
    note,
    s3_channel,
    tuning_job_arn,
    with_times,
)
from jobtrail_local.lifecycles import sqs_record
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


@dataclass(frozen=True)
class LifecycleSpec:
    name: str
    description: str
    jobs: tuple[JobSpec, ...]


def _on(day: str) -> Callable[[str], datetime]:
    """``_on("2026-11-20")("10:00:03.412")``: that wall-clock time of that day, UTC."""
    return lambda clock: datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


NOV_20, NOV_21, NOV_22, NOV_23, NOV_24 = (_on(f"2026-11-{day}") for day in range(20, 25))


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


def _xgboost_tuning_child(hyperparameters: Mapping[str, str]) -> dict[str, Any]:
    """A job the tuner launched from its training job definition (built-in XGBoost)."""
    output = f"{OUTPUT_BUCKET}/growth/xgb-tune-1120"
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

LIFECYCLES: tuple[LifecycleSpec, ...] = (
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
                        {
                            "eta": "0.21430573812",
                            "max_depth": "6",
                            "min_child_weight": "2.7015",
                            "subsample": "0.8",
                        }
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
                        {
                            "eta": "0.0137731255",
                            "max_depth": "3",
                            "min_child_weight": "8.9904",
                            "subsample": "0.55",
                        }
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
                        {
                            "eta": "0.3998812206",
                            "max_depth": "10",
                            "min_child_weight": "1.0021",
                            "subsample": "0.93",
                        }
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


# --------------------------------------------------------------------------------------------- the building
def _event_id(lifecycle: str, job_name: str, index_in_job: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"event:{lifecycle}:{job_name}:{index_in_job}"))


def _steps(spec: LifecycleSpec) -> tuple[Step, ...]:
    """Every job's steps merged in the order SageMaker produced them."""
    return in_time_order(
        *(
            job_steps(
                job.job,
                job.changes,
                modified_lag=_MODIFIED_LAG,
                event_id=functools.partial(_event_id, spec.name, job.job.name),
            )
            for job in spec.jobs
        )
    )


def _iso(moment: datetime) -> str:
    """As the AWS CLI prints a timestamp: ``2026-11-20T10:00:03.412000+00:00`` (no fraction when whole)."""
    return moment.isoformat()


def _sent_at(step: Step) -> datetime:
    """When EventBridge put the step's event on the queue."""
    modified: datetime = step.describe["LastModifiedTime"]
    return modified + _DELIVERY_LAG


def _lifecycle_file(spec: LifecycleSpec, steps: tuple[Step, ...]) -> dict[str, Any]:
    written = [
        {"job_name": s.job_name, "event": s.event, "describe": with_times(s.describe, _iso)} for s in steps
    ]
    expected: dict[str, Any] = {}
    for job in spec.jobs:
        final = next(step for step in reversed(written) if step["job_name"] == job.job.name)
        wanted = job.expected
        if wanted.transitions:
            raise ValueError(
                f"{job.job.name}: the expected transitions are the final describe's, not written"
            )
        expected[job.job.name] = {
            "status": wanted.status,
            "secondary_status": wanted.secondary_status,
            "transitions": [
                [t["Status"], t["StartTime"]] for t in final["describe"]["SecondaryStatusTransitions"]
            ],
            "final_metrics": wanted.final_metrics,
            "training_time_seconds": wanted.training_time_seconds,
            "billable_time_seconds": wanted.billable_time_seconds,
            "spot_savings_percent": wanted.spot_savings_percent,
            "failure_reason_startswith": wanted.failure_reason_startswith,
            "alerts": list(wanted.alerts),
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

    Each alert is the one ingest makes (``alerts_due`` with the default ``AlertOn``) from the job as
    DescribeTrainingJob shows it right after the change that opened the alerting transition, published by
    the real ``SnsAlertPublisher`` (botocore checks the Publish request) and delivered as SNS invokes Lambda.
    """
    publisher = PublishRecorder()
    alerting = SnsAlertPublisher(publisher, publisher.topic_arn)
    seen: dict[str, set[tuple[str, datetime]]] = {}
    events: list[dict[str, Any]] = []
    for step in steps:
        record = record_from_describe(step.describe)
        known = seen.setdefault(step.job_name, set())
        new = [t for t in record.transitions if (t.status, t.start_time) not in known]
        known.update((t.status, t.start_time) for t in record.transitions)
        for alert in alerts_due(record, new, DEFAULT_ALERT_ON):
            message_id = alerting.publish(alert)
            published_at = step.describe["LastModifiedTime"] + _PUBLISH_LAG
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


def _processing_job_event(template: Mapping[str, Any]) -> dict[str, Any]:
    """A real detail-type from the same source that jobtrail does not handle."""
    name = "churn-features-2026-11-20-09-45-12-507"
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/{name}"
    return _variant(
        template,
        id=str(uuid.uuid5(_NAMESPACE, "event:bad:processing-job")),
        **{"detail-type": "SageMaker Processing Job State Change"},
        resources=[arn],
        detail={
            "ProcessingJobName": name,
            "ProcessingJobArn": arn,
            "ProcessingJobStatus": "Completed",
            "ProcessingResources": {
                "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "AppSpecification": {"ImageUri": SKLEARN_CPU_IMAGE},
            "RoleArn": ROLE_ARN,
            "CreationTime": 1795167912507,
            "ProcessingStartTime": 1795168031220,
            "ProcessingEndTime": 1795168402987,
            "LastModifiedTime": 1795168403311,
            "Tags": {"team": "growth"},
        },
    )


def _bad_bodies(events: list[dict[str, Any]]) -> dict[str, str]:
    """One body per way a record can be unusable, most built from the ``completed`` lifecycle's events."""
    first = events[0]
    too_long = "resnet50-imagenet-baseline-augmented-mixup-2026-11-20-10-00-00-1"
    if len(too_long) != 64:
        raise ValueError("the too-long name must be one character over the limit")
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
        "other-detail-type": json.dumps(_processing_job_event(first)),
        "missing-job-name": json.dumps(_detail_variant(first, drop=("TrainingJobName",))),
        "job-name-invalid": json.dumps(
            _detail_variant(first, TrainingJobName="resnet50_imagenet 2026-11-20")
        ),
        "job-name-too-long": json.dumps(_detail_variant(first, TrainingJobName=too_long)),
        "job-name-not-a-string": json.dumps(_detail_variant(first, TrainingJobName=20261120100000)),
        "detail-not-object": json.dumps(_variant(first, detail=f"TrainingJobName={RESNET}")),
    }


def _bad_files(completed: tuple[Step, ...]) -> dict[str, Any]:
    events = [s.event for s in completed]
    sent = _sent_at(completed[0])
    bodies = _bad_bodies(events)
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
    completed = steps_by_name["completed"]
    files.update(_bad_files(completed))
    files.update(_string_epoch_file(completed))
    return files


def render(document: Any) -> str:
    """The exact text of a fixture file: two-space JSON, UTF-8 as is, one trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


GENERATED_FOLDERS = ("lifecycles", "sqs", "sns", "bad")


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
