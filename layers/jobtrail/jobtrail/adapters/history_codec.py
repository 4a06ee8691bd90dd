"""A job's whole record packed into one small binary value (the summary item's ``h`` attribute), and an
alert's document likewise (the alert item's ``mz``).

A job's summary, transitions, final metrics and pipeline steps travel together in the summary item, so
that recording a change is one write of one item, and that item stays under DynamoDB's 1 KB write unit
for nearly every job (a transaction costs twice that, and each separate transition item once more).

The value is the ``JobRecord`` encoded with msgspec's MessagePack (field names kept, so fields added to
the records later read back with their defaults, and fields removed are ignored), then compressed with raw
DEFLATE against a preset dictionary of what such records repeat: field names, statuses, SageMaker's status
messages, ARN and S3 prefixes, instance types. The first byte names the format; format 1's dictionary
must never change (a test pins its digest): a new dictionary is a new format byte, and both stay readable.

Measured on the bench's mixed load (200 jobs): 1,273 bytes of MessagePack a job (median), 660 compressed
without the dictionary; see ``tests/unit/test_history_codec.py`` for the sizes this dictionary gives.
"""

from __future__ import annotations

import zlib

import msgspec

from jobtrail.core.model import JobRecord

#: The format byte of a value packed by ``pack``.
FORMAT_1 = b"\x01"

#: What format 1's records repeat, most frequent last (DEFLATE finds nearer matches with fewer bits).
_DICTIONARY_1_PARTS = (
    # S3 and image locations, instance types
    "s3://",
    "/output/model.tar.gz",
    "/output/",
    "ml.m5.large",
    "ml.m5.xlarge",
    "ml.m5.2xlarge",
    "ml.m5.4xlarge",
    "ml.c5.xlarge",
    "ml.c5.2xlarge",
    "ml.g4dn.xlarge",
    "ml.g5.xlarge",
    "ml.g5.2xlarge",
    "ml.g5.12xlarge",
    "ml.p3.2xlarge",
    "ml.p3.8xlarge",
    "ml.p4d.24xlarge",
    "ml.p5.48xlarge",
    "ml.trn1.32xlarge",
    # failures
    "AlgorithmError: ",
    "ClientError: ",
    "InternalServerError: ",
    "CapacityError: Unable to provision requested ML compute capacity. Please retry using a different"
    " ML instance type.",
    "ExecuteUserScriptError:\nExitCode 1\nErrorMessage ",
    "Traceback (most recent call last):\n",
    "Training job runtime exceeded MaxRuntimeInSeconds provided",
    "Stopped by user",
    # pipeline steps and tuning
    "Training",
    "Processing",
    "Transform",
    "Condition",
    "RegisterModel",
    "CreateModel",
    "Fail",
    "Lambda",
    "QualityCheck",
    "ClarifyCheck",
    "EMR",
    "Tuning",
    "Maximize",
    "Minimize",
    "validation:accuracy",
    "validation:loss",
    "validation:auc",
    "validation:rmse",
    "train:loss",
    "train:accuracy",
    "NonRetryableError",
    "RetryableError",
    # status messages (DescribeTrainingJob's SecondaryStatusTransitions)
    "Starting the training job",
    "Launching requested ML instances",
    "Preparing the instances for training",
    "Insufficient capacity error from EC2 while launching instances, retrying!",
    "Downloading input data",
    "Downloading the training image",
    "Training image download completed. Training in progress.",
    "Uploading generated training model",
    "Training job completed",
    "Training job failed",
    "Training job stopped",
    "Stopping the training job",
    "Job interrupted by spot instance reclamation, retrying",
    "Restarting the training job",
    "MaxRuntimeExceeded",
    "MaxWaitTimeExceeded",
    "Interrupted",
    "Pending",
    # the records' field names
    "best_objective_value",
    "best_training_job",
    "objective_type",
    "objective_metric",
    "objective_counts",
    "training_job_counts",
    "display_name",
    "attempts",
    "step_type",
    "exit_message",
    "model_name",
    "failed_step",
    "tuning",
    "model_artifacts_uri",
    "max_wait_seconds",
    "max_runtime_seconds",
    "instance_count",
    "instance_type",
    "tuning_job_arn",
    "managed_spot",
    "billable_time_seconds",
    "training_time_seconds",
    "failure_reason",
    "tags",
    "team",
    "project",
    "account",
    "region",
    "timestamp",
    "value",
    "name",
    "position",
    "message",
    "final_metrics",
    "steps",
    "job",
    "kind",
    "end_time",
    "start_time",
    "creation_time",
    "last_modified_time",
    "secondary_status",
    "job_arn",
    "job_name",
    "status",
    "transitions",
    "summary",
    # statuses, ARN parts
    "Executing",
    "Succeeded",
    "Stopping",
    "Stopped",
    "Failed",
    "Completed",
    "InProgress",
    "Uploading",
    "Downloading",
    "Starting",
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "pipeline",
    "transform",
    "processing",
    "training",
    "/execution/",
    ":pipeline/",
    ":transform-job/",
    ":processing-job/",
    ":hyper-parameter-tuning-job/",
    ":training-job/",
    "arn:aws:sagemaker:",
)
_DICTIONARY_1 = "\x00".join(_DICTIONARY_1_PARTS).encode()

#: The format byte of a text (an alert's JSON document) packed by ``pack_text``.
TEXT_FORMAT_1 = b"\x02"

#: What alert documents repeat (``core.alerts``), most frequent last.
_TEXT_DICTIONARY_1_PARTS = (
    'Command "/opt/conda/bin/python3 train.py", exit code: 1',
    "ExecuteUserScriptError:\nExitCode 1\nErrorMessage ",
    "Traceback (most recent call last):\n",
    'File "/opt/ml/code/train.py", line ',
    "RuntimeError: CUDA out of memory. Tried to allocate ",
    " ERROR    ",
    " INFO     ",
    "Reporting training FAILURE",
    "AlgorithmError: ",
    '"failed_step_console_url": ',
    '"failed_step_job": ',
    '"failed_step_reason": ',
    '"failed_step": ',
    '"spot_savings_percent": ',
    '"training_start_time": ',
    '"training_end_time": ',
    '"training_time_seconds": ',
    '"billable_time_seconds": ',
    '"managed_spot": ',
    '"instance_type": "ml.',
    '"instance_count": ',
    '"tuning_job_arn": ',
    '"final_metrics": [{"name": "',
    '"secondary_status": "',
    '"exit_message": ',
    '"model_name": ',
    '"steps": ',
    '"log_tail_error": null',
    '"log_tail": [{"log_stream": "',
    '"lines": ["',
    "#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FTrainingJobs/log-events/",
    "#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FProcessingJobs/log-events/",
    "#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FTransformJobs/log-events/",
    ".console.aws.amazon.com/cloudwatch/home?region=",
    '"logs_url": "https://',
    ".console.aws.amazon.com/sagemaker/home?region=",
    '"console_url": "https://',
    '"route": {"team": ',
    '"slack_channel": ',
    '"slack_webhook_secret": null',
    '"reason": "',
    '"team": ',
    '"end_time": "',
    '"start_time": "',
    '"creation_time": "',
    '"failure_reason": "',
    '"status_message": "',
    '"transition_start_time": "',
    '"status": "',
    '"job_arn": "arn:aws:sagemaker:',
    '"job_name": "',
    '"region": "',
    '"account": "',
    '"kind": "training"',
    '"severity": "critical"',
    '"severity": "warning"',
    '"alert_type": "',
    '{"alert_id": "',
    "MaxRuntimeExceeded",
    "Interrupted",
    "Failed",
    "+00:00",
)
_TEXT_DICTIONARY_1 = "\x00".join(_TEXT_DICTIONARY_1_PARTS).encode()

_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(JobRecord)


class UnreadableRecord(ValueError):
    """A packed record this version cannot read (an unknown format, or damaged)."""


def dictionaries() -> dict[bytes, bytes]:
    """Each format's preset dictionary, by its format byte (pinned by a test: they must never change)."""
    return {FORMAT_1: _DICTIONARY_1, TEXT_FORMAT_1: _TEXT_DICTIONARY_1}


def pack(record: JobRecord) -> bytes:
    """``record`` as format 1: the format byte, then its MessagePack, deflated against the dictionary."""
    return FORMAT_1 + _deflate(_ENCODER.encode(record), _DICTIONARY_1)


def unpack(value: bytes) -> JobRecord:
    """The record ``pack`` packed; ``UnreadableRecord`` for anything else."""
    raw = _inflate(value, FORMAT_1, _DICTIONARY_1)
    try:
        return _DECODER.decode(raw)
    except msgspec.DecodeError as error:
        raise UnreadableRecord(f"damaged record: {error}") from error


def pack_text(text: str) -> bytes:
    """``text`` (an alert's JSON document) as text format 1: its UTF-8, deflated against the dictionary."""
    return TEXT_FORMAT_1 + _deflate(text.encode(), _TEXT_DICTIONARY_1)


def unpack_text(value: bytes) -> str:
    """The text ``pack_text`` packed; ``UnreadableRecord`` for anything else."""
    try:
        return _inflate(value, TEXT_FORMAT_1, _TEXT_DICTIONARY_1).decode()
    except UnicodeDecodeError as error:
        raise UnreadableRecord(f"damaged text: {error}") from error


def _deflate(raw: bytes, dictionary: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=dictionary)
    return compressor.compress(raw) + compressor.flush()


def _inflate(value: bytes, form: bytes, dictionary: bytes) -> bytes:
    if value[:1] != form:
        raise UnreadableRecord(f"unknown format {value[:1]!r} (expected {form!r})")
    try:
        decompressor = zlib.decompressobj(-15, zdict=dictionary)
        return decompressor.decompress(value[1:]) + decompressor.flush()
    except zlib.error as error:
        raise UnreadableRecord(f"damaged value: {error}") from error
