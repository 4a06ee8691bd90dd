"""Build every fixture under ``events/`` from the compact lifecycle specs below.

Run from anywhere: ``python events/generate.py``. The output is deterministic (no clock, no randomness), so
running it twice changes nothing, and ``tests/unit/test_events_fixtures.py`` checks that the committed files
are exactly what ``build_all()`` produces.

A lifecycle spec lists, per training job, the changes SageMaker made (``enter`` a secondary status, ``note``
a new message on the open one, ``finish`` in a terminal status) at wall-clock times. From those the generator
derives, for every change, the DescribeTrainingJob response as the AWS CLI prints it and the EventBridge event
SageMaker sends (epoch milliseconds, no metrics, tags as a map). The ``expected`` outcome of each job is
written by hand next to its spec, not computed here, except the transition list, which is by definition the
final describe's.

What the real payloads look like, and where that was checked, is in ``events/README.md``.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.session

EVENTS_DIR = Path(__file__).resolve().parent
ROOT = EVENTS_DIR.parent
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20261102T091500"
DATA_BUCKET = f"s3://jobtrail-ml-data-{ACCOUNT}"
OUTPUT_BUCKET = f"s3://jobtrail-ml-artifacts-{ACCOUNT}"
MAX_RECORDS_PER_BATCH = 10  # what an SQS event source hands Lambda at most by default

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/events/generate")
#: SageMaker updates LastModifiedTime this long after the change it records.
_MODIFIED_LAG = timedelta(milliseconds=265)
#: EventBridge puts the event on the queue this long after the change.
_DELIVERY_LAG = timedelta(milliseconds=640)
_NAME_ALPHABET = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")

_IN_PROGRESS = "InProgress"
#: SecondaryStatus → TrainingJobStatus, as the DescribeTrainingJob reference groups them.
_PRIMARY = {
    "Starting": _IN_PROGRESS,
    "Downloading": _IN_PROGRESS,
    "Training": _IN_PROGRESS,
    "Uploading": _IN_PROGRESS,
    "Interrupted": _IN_PROGRESS,
    "Stopping": "Stopping",
    "Completed": "Completed",
    "Failed": "Failed",
    "Stopped": "Stopped",
    "MaxRuntimeExceeded": "Stopped",
    "MaxWaitTimeExceeded": "Stopped",
}
_TERMINAL = frozenset(
    status for status, primary in _PRIMARY.items() if primary in {"Completed", "Failed", "Stopped"}
)
#: The statuses in which the instances are up: the first of them sets TrainingStartTime.
_RUNNING = frozenset({"Downloading", "Training", "Uploading"})
#: Fields the event's detail never carries although DescribeTrainingJob returns them.
_NOT_IN_DETAIL = (
    "FinalMetricDataList",
    "TrainingTimeInSeconds",
    "BillableTimeInSeconds",
    "EnableManagedSpotTraining",
)


def _load_lifecycles() -> ModuleType:
    """The fixtures' loader module, by file path: its ``sqs_record`` is the one shape of an SQS record."""
    path = ROOT / "local" / "jobtrail_local" / "lifecycles.py"
    name = "_jobtrail_lifecycles_for_generate"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is being built
    spec.loader.exec_module(module)
    return module


_lifecycles = _load_lifecycles()


# ----------------------------------------------------------------------------------------------- the spec DSL
@dataclass(frozen=True)
class Change:
    """One change to a job at ``at`` ("HH:MM:SS.fff" on the job's day, UTC).

    ``status`` is the secondary status entered; ``None`` changes only the open transition's message.
    """

    at: str
    status: str | None
    message: str
    failure_reason: str | None = None


def enter(at: str, status: str, message: str) -> Change:
    """The job moves to the secondary status ``status``."""
    return Change(at, status, message)


def note(at: str, message: str) -> Change:
    """SageMaker rewrites the open transition's StatusMessage; the status stays."""
    return Change(at, None, message)


def finish(at: str, status: str, message: str, failure_reason: str | None = None) -> Change:
    """The job ends: Completed, Failed, Stopped, MaxRuntimeExceeded or MaxWaitTimeExceeded."""
    if status not in _TERMINAL:
        raise ValueError(f"{status} is not a terminal secondary status")
    return Change(at, status, message, failure_reason)


@dataclass(frozen=True)
class Expected:
    """The hand-written outcome of a job (see the lifecycle file format in ``events/README.md``)."""

    status: str
    secondary_status: str
    final_metrics: int
    training_time_seconds: int | None
    billable_time_seconds: int | None
    spot_savings_percent: float | None
    failure_reason_startswith: str | None
    alerts: tuple[str, ...]


@dataclass(frozen=True)
class JobSpec:
    """A training job: its fixed configuration, what happened to it, and what a consumer must conclude."""

    name: str
    day: str
    config: Mapping[str, Any]
    tags: Mapping[str, str]
    changes: tuple[Change, ...]
    expected: Expected
    #: (MetricName, Value, "HH:MM:SS") in FinalMetricDataList at the end; ``None``: the key is absent.
    metrics: tuple[tuple[str, float, str], ...] | None = None
    saves_model: bool = True
    tuning_job_arn: str | None = None
    #: Managed spot reports its own counters; otherwise both are the seconds from TrainingStartTime to
    #: TrainingEndTime, as SageMaker reports them for on-demand jobs.
    training_seconds: int | None = None
    billable_seconds: int | None = None


@dataclass(frozen=True)
class LifecycleSpec:
    name: str
    description: str
    jobs: tuple[JobSpec, ...]


@dataclass
class _Snapshot:
    """One generated step, with the times still ``datetime``s."""

    job: JobSpec
    index_in_job: int
    modified: datetime
    describe: dict[str, Any]
    event: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------- job profiles
def _metric_definitions(*names: str) -> list[dict[str, str]]:
    return [{"Name": name, "Regex": f"{name}=([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"} for name in names]


def _channel(name: str, uri: str, content_type: str | None = None) -> dict[str, Any]:
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
            "MetricDefinitions": _metric_definitions(*metrics),
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
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
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
            _channel("train", f"{DATA_BUCKET}/churn/2026-11/train/", "text/csv"),
            _channel("validation", f"{DATA_BUCKET}/churn/2026-11/validation/", "text/csv"),
        ],
        "OutputDataConfig": {"KmsKeyId": "", "S3OutputPath": output, "CompressionType": "GZIP"},
        "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "EnableNetworkIsolation": False,
        "EnableInterContainerTrafficEncryption": False,
        "EnableManagedSpotTraining": False,
    }


# ------------------------------------------------------------------------------------------------ the specs
STARTING = "Preparing the instances for training"
DOWNLOADING = "Downloading input data"
TRAINING = "Training image download completed. Training in progress."
UPLOADING = "Uploading generated training model"
COMPLETED = "Training job completed"
FAILED = "Training job failed"
STOPPING = "Stopping the training job"
STOPPED = "Training job stopped"
# Not seen in any public output: a plausible text, marked as such in events/README.md.
MAX_RUNTIME = "Training job runtime exceeded MaxRuntimeInSeconds provided"
INTERRUPTED = "Spot instances were interrupted. Waiting for capacity to resume training"

RESNET = "resnet50-imagenet-2026-11-20-10-00-00-123"
BERT = "bert-finetune-reviews-2026-11-20-13-30-00-789"
LLAMA = "llama-pretrain-p4d-2026-11-22-08-15-00-001"
CHURN = "churn-lgbm-2026-11-23-14-00-00-222"
DETR = "detr-coco-spot-2026-11-21-02-00-00-456"
WHISPER = "whisper-small-asr-2026-11-24-09-00-00-333"
TUNING_JOB = "xgb-tune-1120"
TUNING_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/{TUNING_JOB}"

PYTORCH_GPU = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
    "pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"
)
SKLEARN_CPU = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
HUGGINGFACE_GPU = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
    "huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04"
)

CUDA_OOM = (
    "AlgorithmError: ExecuteUserScriptError:\n"
    "ExitCode 1\n"
    'ErrorMessage "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB '
    "(GPU 0; 22.20 GiB total capacity; 19.84 GiB already allocated; 1.31 GiB free; "
    "20.12 GiB reserved in total by PyTorch) \u2014 set "
    "\u201cPYTORCH_CUDA_ALLOC_CONF=expandable_segments:True\u201d "
    'to avoid fragmentation\u2026"\n'
    'Command "/opt/conda/bin/python3.10 train.py --epochs 10", exit code: 1'
)
NO_CAPACITY = (
    "CapacityError: Unable to provision requested ML compute capacity. "
    "Please retry using a different ML instance type."
)

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
                name=RESNET,
                day="2026-11-20",
                config=_framework_job(
                    RESNET,
                    team="vision",
                    image=PYTORCH_GPU,
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
                        _channel("train", f"{DATA_BUCKET}/imagenet/2026-11/train/"),
                        _channel("validation", f"{DATA_BUCKET}/imagenet/2026-11/validation/"),
                    ],
                    instance_type="ml.p3.2xlarge",
                ),
                tags={"team": "vision", "project": "imagenet-baselines"},
                changes=(
                    enter("10:00:00.871", "Starting", "Launching requested ML instances"),
                    note("10:01:52.209", STARTING),
                    enter("10:04:17.563", "Downloading", DOWNLOADING),
                    enter("10:09:41.090", "Training", TRAINING),
                    enter("11:52:06.318", "Uploading", UPLOADING),
                    finish("11:52:38.745", "Completed", COMPLETED),
                ),
                metrics=(
                    ("train:loss", 0.21430572867393494, "11:52:05"),
                    ("validation:accuracy", 0.7693000435829163, "11:52:05"),
                    ("validation:top5_accuracy", 0.9312999844551086, "11:52:05"),
                    ("train:grad_norm_clipped", 0.0, "11:52:05"),
                    ("validation:loss_delta", -0.0, "11:52:05"),
                    ("train:learning_rate", 3e-07, "11:52:05"),
                ),
                expected=Expected(
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
                name=BERT,
                day="2026-11-20",
                config=_framework_job(
                    BERT,
                    team="nlp",
                    image=HUGGINGFACE_GPU,
                    program="train.py",
                    hyperparameters={
                        "epochs": "10",
                        "model_name": '"bert-base-uncased"',
                        "train_batch_size": "64",
                    },
                    metrics=("train:loss", "train:samples_per_second"),
                    channels=[
                        _channel("train", f"{DATA_BUCKET}/reviews/2026-11/train/", "application/jsonlines")
                    ],
                    instance_type="ml.g5.2xlarge",
                ),
                tags={"team": "nlp", "project": "review-sentiment"},
                changes=(
                    enter("13:30:01.204", "Starting", STARTING),
                    enter("13:33:12.877", "Downloading", DOWNLOADING),
                    enter("13:34:02.315", "Training", TRAINING),
                    finish("13:41:27.640", "Failed", FAILED, failure_reason=CUDA_OOM),
                ),
                metrics=(
                    ("train:loss", 1.9125341176986694, "13:41:02"),
                    ("train:samples_per_second", 211.4, "13:41:02"),
                ),
                saves_model=False,
                expected=Expected(
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
                name=LLAMA,
                day="2026-11-22",
                config=_framework_job(
                    LLAMA,
                    team="llm",
                    image=PYTORCH_GPU,
                    program="pretrain.py",
                    hyperparameters={"max_steps": "20000", "micro_batch_size": "8", "seq_len": "4096"},
                    metrics=("train:loss", "train:tokens_per_second"),
                    channels=[_channel("train", f"{DATA_BUCKET}/corpus/2026-11/tokenized/")],
                    instance_type="ml.p4d.24xlarge",
                    instance_count=4,
                    volume_gb=500,
                ),
                tags={"team": "llm", "project": "pretraining"},
                changes=(
                    enter("08:15:00.736", "Starting", "Launching requested ML instances"),
                    note(
                        "08:19:44.102",
                        "Insufficient capacity error from EC2 while launching instances, retrying!",
                    ),
                    finish("09:14:58.329", "Failed", FAILED, failure_reason=NO_CAPACITY),
                ),
                saves_model=False,
                expected=Expected(
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
                name=CHURN,
                day="2026-11-23",
                config=_framework_job(
                    CHURN,
                    team="growth",
                    image=SKLEARN_CPU,
                    program="train_lgbm.py",
                    hyperparameters={"learning_rate": "0.02", "num_leaves": "255", "n_estimators": "20000"},
                    metrics=("train:binary_logloss", "validation:binary_logloss"),
                    channels=[
                        _channel("train", f"{DATA_BUCKET}/churn/2026-11/train/", "text/csv"),
                        _channel("validation", f"{DATA_BUCKET}/churn/2026-11/validation/", "text/csv"),
                    ],
                    instance_type="ml.m5.4xlarge",
                    volume_gb=50,
                    stopping={"MaxRuntimeInSeconds": 3600},
                ),
                tags={"team": "growth", "project": "churn"},
                changes=(
                    enter("14:00:01.058", "Starting", STARTING),
                    enter("14:02:36.914", "Downloading", DOWNLOADING),
                    enter("14:03:20.447", "Training", TRAINING),
                    enter("15:02:37.020", "Stopping", STOPPING),
                    finish("15:04:41.386", "MaxRuntimeExceeded", MAX_RUNTIME),
                ),
                metrics=(
                    ("train:binary_logloss", 0.29113200306892395, "15:02:31"),
                    ("validation:binary_logloss", 0.3362419903278351, "15:02:31"),
                ),
                expected=Expected(
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
                name=DETR,
                day="2026-11-21",
                config=_framework_job(
                    DETR,
                    team="vision",
                    image=PYTORCH_GPU,
                    program="train_detr.py",
                    hyperparameters={"batch-size": "32", "epochs": "50", "resume": "true"},
                    metrics=("train:loss_giou", "validation:mAP", "validation:mAP_50"),
                    channels=[
                        _channel("train", f"{DATA_BUCKET}/coco/2017/train/"),
                        _channel("validation", f"{DATA_BUCKET}/coco/2017/val/"),
                    ],
                    instance_type="ml.g5.12xlarge",
                    volume_gb=200,
                    stopping={"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 14400},
                    spot=True,
                ),
                tags={"team": "vision", "project": "detection", "cost-center": "ml-research"},
                changes=(
                    enter("02:00:01.311", "Starting", STARTING),
                    enter("02:03:05.482", "Downloading", DOWNLOADING),
                    enter("02:04:12.906", "Training", TRAINING),
                    enter("02:31:47.125", "Interrupted", INTERRUPTED),
                    enter("02:44:09.530", "Starting", STARTING),
                    enter("02:46:58.017", "Downloading", DOWNLOADING),
                    enter("02:47:49.663", "Training", TRAINING),
                    enter("03:06:10.208", "Interrupted", INTERRUPTED),
                    enter("03:24:02.774", "Starting", STARTING),
                    enter("03:26:51.390", "Downloading", DOWNLOADING),
                    enter("03:27:40.051", "Training", TRAINING),
                    enter("03:45:19.812", "Uploading", UPLOADING),
                    finish("03:45:55.437", "Completed", COMPLETED),
                ),
                metrics=(
                    ("train:loss_giou", 0.4417000114917755, "03:45:10"),
                    ("validation:mAP", 0.42130000591278076, "03:45:10"),
                    ("validation:mAP_50", 0.6230999827384949, "03:45:10"),
                ),
                training_seconds=4000,
                billable_seconds=1500,
                expected=Expected(
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
                name=WHISPER,
                day="2026-11-24",
                config=_framework_job(
                    WHISPER,
                    team="speech",
                    image=HUGGINGFACE_GPU,
                    program="finetune_whisper.py",
                    hyperparameters={
                        "learning_rate": "1e-05",
                        "max_steps": "8000",
                        "model_name": '"openai/whisper-small"',
                    },
                    metrics=("train:wer",),
                    channels=[_channel("train", f"{DATA_BUCKET}/speech/callcenter-2026-11/")],
                    instance_type="ml.g5.4xlarge",
                ),
                tags={"team": "speech", "project": "callcenter-asr"},
                changes=(
                    enter("09:00:00.954", "Starting", STARTING),
                    enter("09:02:49.120", "Downloading", DOWNLOADING),
                    enter("09:05:33.678", "Training", TRAINING),
                    enter("09:47:12.031", "Stopping", STOPPING),
                    finish("09:48:03.559", "Stopped", STOPPED),
                ),
                metrics=(("train:wer", 0.18739999830722809, "09:47:00"),),
                expected=Expected(
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
                name=f"{TUNING_JOB}-001-3c7f4a2b",
                day="2026-11-20",
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
                changes=(
                    enter("15:10:04.221", "Starting", STARTING),
                    enter("15:12:40.508", "Downloading", DOWNLOADING),
                    enter("15:13:21.742", "Training", TRAINING),
                    enter("15:19:55.160", "Uploading", UPLOADING),
                    finish("15:20:07.893", "Completed", COMPLETED),
                ),
                metrics=(
                    ("train:auc", 0.9412400126457214, "15:19:52"),
                    ("validation:auc", 0.8931099772453308, "15:19:52"),
                ),
                expected=Expected(
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
                name=f"{TUNING_JOB}-002-9e1d0c55",
                day="2026-11-20",
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
                changes=(
                    enter("15:10:04.698", "Starting", STARTING),
                    enter("15:12:52.015", "Downloading", DOWNLOADING),
                    enter("15:13:30.364", "Training", TRAINING),
                    enter("15:16:45.902", "Stopping", STOPPING),
                    finish("15:17:20.117", "Stopped", STOPPED),
                ),
                metrics=(
                    ("train:auc", 0.7754999995231628, "15:16:40"),
                    ("validation:auc", 0.7407900094985962, "15:16:40"),
                ),
                expected=Expected(
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
                name=f"{TUNING_JOB}-003-b42a6f10",
                day="2026-11-20",
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
                changes=(
                    enter("15:10:05.133", "Starting", STARTING),
                    enter("15:13:02.447", "Downloading", DOWNLOADING),
                    enter("15:13:44.809", "Training", TRAINING),
                    enter("15:21:30.251", "Uploading", UPLOADING),
                    finish("15:21:41.006", "Completed", COMPLETED),
                ),
                metrics=(),
                expected=Expected(
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
@dataclass
class _JobState:
    transitions: list[dict[str, Any]] = field(default_factory=list)
    created: datetime | None = None
    training_start: datetime | None = None
    modified: datetime | None = None


def _at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


def _check_name(name: str) -> None:
    valid = 1 <= len(name) <= 63 and set(name) <= _NAME_ALPHABET and name[0] != "-" and name[-1] != "-"
    if not valid:
        raise ValueError(f"not a SageMaker training job name: {name!r}")


def _job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}"


@functools.cache
def _member_order() -> dict[str, int]:
    """DescribeTrainingJob's members in the model's order, which is the order the CLI prints them in."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("DescribeTrainingJob").output_shape
    if shape is None:
        raise LookupError("botocore's sagemaker model has no DescribeTrainingJob output")
    return {name: position for position, name in enumerate(shape.members)}


def _in_model_order(response: Mapping[str, Any]) -> dict[str, Any]:
    order = _member_order()
    unknown = set(response) - set(order)
    if unknown:
        raise KeyError(f"not DescribeTrainingJob members: {sorted(unknown)}")
    return {key: response[key] for key in sorted(response, key=order.__getitem__)}


def _job_snapshots(job: JobSpec) -> Iterator[_Snapshot]:
    """The job's DescribeTrainingJob response right after each of its changes."""
    _check_name(job.name)
    state = _JobState()
    for index, change in enumerate(job.changes):
        moment = _at(job.day, change.at)
        if state.modified is not None and moment + _MODIFIED_LAG <= state.modified:
            raise ValueError(f"{job.name}: change at {change.at} is not after the previous one")
        if state.created is None:
            if change.status != "Starting":
                raise ValueError(f"{job.name}: a job is created Starting")
            state.created = moment
        _apply(state, change, moment)
        state.modified = moment + _MODIFIED_LAG
        yield _Snapshot(
            job=job, index_in_job=index, modified=state.modified, describe=_describe(job, state, change)
        )


def _apply(state: _JobState, change: Change, moment: datetime) -> None:
    transitions = state.transitions
    if change.status is None:
        if not transitions or "EndTime" in transitions[-1]:
            raise ValueError("a message can only change on an open transition")
        transitions[-1]["StatusMessage"] = change.message
        return
    if transitions:
        if "EndTime" in transitions[-1]:
            raise ValueError("the job already ended")
        closing = transitions[-1]
        transitions[-1] = _transition(
            closing["Status"], closing["StartTime"], moment, closing["StatusMessage"]
        )
    end = moment if change.status in _TERMINAL else None
    transitions.append(_transition(change.status, moment, end, change.message))
    if state.training_start is None and change.status in _RUNNING:
        state.training_start = moment


def _transition(status: str, start: datetime, end: datetime | None, message: str) -> dict[str, Any]:
    """A SecondaryStatusTransition with its keys in the order the CLI prints them."""
    transition: dict[str, Any] = {"Status": status, "StartTime": start}
    if end is not None:
        transition["EndTime"] = end
    transition["StatusMessage"] = message
    return transition


def _describe(job: JobSpec, state: _JobState, change: Change) -> dict[str, Any]:
    secondary = state.transitions[-1]["Status"]
    ended = secondary in _TERMINAL
    end = state.transitions[-1]["StartTime"] if ended else None
    artifacts = f"{job.config['OutputDataConfig']['S3OutputPath']}/{job.name}/output/model.tar.gz"
    response: dict[str, Any] = {
        "TrainingJobName": job.name,
        "TrainingJobArn": _job_arn(job.name),
        # The model makes ModelArtifacts required; SageMaker fills the path in once it has uploaded one.
        "ModelArtifacts": {"S3ModelArtifacts": artifacts if ended and job.saves_model else ""},
        "TrainingJobStatus": _PRIMARY[secondary],
        "SecondaryStatus": secondary,
        **copy.deepcopy(dict(job.config)),
        "CreationTime": state.created,
        "LastModifiedTime": state.modified,
        "SecondaryStatusTransitions": copy.deepcopy(state.transitions),
    }
    if job.tuning_job_arn:
        response["TuningJobArn"] = job.tuning_job_arn
    if change.failure_reason:
        response["FailureReason"] = change.failure_reason
    if state.training_start is not None:
        response["TrainingStartTime"] = state.training_start
    if ended and end is not None:
        if state.training_start is not None:
            response["TrainingEndTime"] = end
            seconds = (end - state.training_start) // timedelta(seconds=1)
            response["TrainingTimeInSeconds"] = job.training_seconds or seconds
            response["BillableTimeInSeconds"] = job.billable_seconds or seconds
        if job.metrics is not None:
            response["FinalMetricDataList"] = [
                {"MetricName": name, "Value": value, "Timestamp": _at(job.day, clock)}
                for name, value, clock in job.metrics
            ]
    return _in_model_order(response)


def _event(lifecycle: str, snapshot: _Snapshot) -> dict[str, Any]:
    """The "SageMaker Training Job State Change" event SageMaker sent for this snapshot."""
    describe = snapshot.describe
    detail = {key: value for key, value in describe.items() if key not in _NOT_IN_DETAIL}
    detail["Tags"] = dict(snapshot.job.tags)
    return {
        "version": "0",
        "id": str(uuid.uuid5(_NAMESPACE, f"event:{lifecycle}:{snapshot.job.name}:{snapshot.index_in_job}")),
        "detail-type": "SageMaker Training Job State Change",
        "source": "aws.sagemaker",
        "account": ACCOUNT,
        "time": snapshot.modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [describe["TrainingJobArn"]],
        "detail": _with_times(detail, _epoch_millis),
    }


def _epoch_millis(moment: datetime) -> int:
    millis: int = _lifecycles.epoch_millis(moment)
    return millis


def _iso(moment: datetime) -> str:
    """As the AWS CLI prints a timestamp: ``2026-11-20T10:00:03.412000+00:00`` (no fraction when whole)."""
    return moment.isoformat()


def _with_times(value: Any, convert: Callable[[datetime], Any]) -> Any:
    if isinstance(value, datetime):
        return convert(value)
    if isinstance(value, dict):
        return {key: _with_times(item, convert) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_times(item, convert) for item in value]
    return value


def _snapshots(spec: LifecycleSpec) -> list[_Snapshot]:
    """Every job's snapshots merged in the order SageMaker produced them."""
    merged = sorted(
        (snapshot for job in spec.jobs for snapshot in _job_snapshots(job)),
        key=lambda snapshot: snapshot.modified,
    )
    for snapshot in merged:
        snapshot.event = _event(spec.name, snapshot)
    return merged


def _lifecycle_file(spec: LifecycleSpec, snapshots: list[_Snapshot]) -> dict[str, Any]:
    steps = [
        {"job_name": s.job.name, "event": s.event, "describe": _with_times(s.describe, _iso)}
        for s in snapshots
    ]
    expected: dict[str, Any] = {}
    for job in spec.jobs:
        final = next(step for step in reversed(steps) if step["job_name"] == job.name)
        wanted = job.expected
        expected[job.name] = {
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
    return {"name": spec.name, "description": spec.description, "steps": steps, "expected": expected}


def _record(key: str, body: str, sent_at: datetime, receive_count: int = 1) -> dict[str, Any]:
    record: dict[str, Any] = _lifecycles.sqs_record(
        body,
        message_id=str(uuid.uuid5(_NAMESPACE, f"message:{key}")),
        receive_count=receive_count,
        sent_at=sent_at,
    )
    return record


def _sqs_files(spec: LifecycleSpec, snapshots: list[_Snapshot]) -> dict[str, Any]:
    """The lifecycle's events as Lambda SQS events, in order, at most ten records each."""
    records = [
        _record(f"{spec.name}:{index}", json.dumps(s.event), s.modified + _DELIVERY_LAG)
        for index, s in enumerate(snapshots)
    ]
    chunks = [records[i : i + MAX_RECORDS_PER_BATCH] for i in range(0, len(records), MAX_RECORDS_PER_BATCH)]
    if len(chunks) == 1:
        return {f"sqs/{spec.name}.json": {"Records": chunks[0]}}
    return {
        f"sqs/{spec.name}-{number}.json": {"Records": chunk} for number, chunk in enumerate(chunks, start=1)
    }


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
            "AppSpecification": {"ImageUri": SKLEARN_CPU},
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


def _bad_files(completed: list[_Snapshot]) -> dict[str, Any]:
    events = [s.event for s in completed]
    sent = completed[0].modified + _DELIVERY_LAG
    bodies = _bad_bodies(events)
    files: dict[str, Any] = {
        f"bad/{case}.json": {"Records": [_record(f"bad:{case}", body, sent)]} for case, body in bodies.items()
    }
    # Seven good records (one a second delivery of the same event, as EventBridge may send) among three bad.
    good = [(json.dumps(s.event), s.modified + _DELIVERY_LAG) for s in completed]
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


def _string_epoch_file(completed: list[_Snapshot]) -> dict[str, Any]:
    """The last ``completed`` event with its detail times as strings, as in the AWS documentation's sample."""
    last = completed[-1]
    event = copy.deepcopy(last.event)
    event["id"] = str(uuid.uuid5(_NAMESPACE, "event:string-epoch"))
    event["detail"] = _with_times(_event_detail_datetimes(last), lambda moment: str(_epoch_millis(moment)))
    body = json.dumps(event)
    return {
        "sqs/string-epoch.json": {"Records": [_record("string-epoch", body, last.modified + _DELIVERY_LAG)]}
    }


def _event_detail_datetimes(snapshot: _Snapshot) -> dict[str, Any]:
    detail = {key: value for key, value in snapshot.describe.items() if key not in _NOT_IN_DETAIL}
    detail["Tags"] = dict(snapshot.job.tags)
    return detail


# --------------------------------------------------------------------------------------------------- output
def build_all() -> dict[str, Any]:
    """Every fixture, keyed by its path relative to ``events/`` (e.g. ``lifecycles/completed.json``)."""
    files: dict[str, Any] = {}
    snapshots_by_name: dict[str, list[_Snapshot]] = {}
    for spec in LIFECYCLES:
        snapshots = _snapshots(spec)
        snapshots_by_name[spec.name] = snapshots
        files[f"lifecycles/{spec.name}.json"] = _lifecycle_file(spec, snapshots)
        files.update(_sqs_files(spec, snapshots))
    completed = snapshots_by_name["completed"]
    files.update(_bad_files(completed))
    files.update(_string_epoch_file(completed))
    return files


def render(document: Any) -> str:
    """The exact text of a fixture file: two-space JSON, UTF-8 as is, one trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


GENERATED_FOLDERS = ("lifecycles", "sqs", "bad")


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
