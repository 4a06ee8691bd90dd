# ruff: noqa: E501 - log lines are data, as long as the containers printed them
"""The CloudWatch Logs of the fixtures' failed jobs: what their containers printed before they stopped.

A ``Failed`` alert quotes the end of the job's log (``jobtrail.adapters.logs``); the demo seeds these
lines into moto's CloudWatch Logs so that its alerts quote them the way a deployed jobtrail quotes a real
job's. Each log ends in the error its job's ``FailureReason`` (or ``ExitMessage``) names. A job that
failed before any container ran (``failed-capacity``: no capacity) has no log here, as on AWS: its alert
says why it quotes none.

The streams are named as SageMaker names them: ``<job>/algo-1-<epoch>`` for a training or processing
job's first host, ``<job>/<instance id>-<epoch>`` for a transform job's instance, the epoch being when
the job started.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import JobKey, Kind

from jobtrail_local.lifecycles import load_lifecycle

#: A transform job's instance, as its stream names it.
TRANSFORM_INSTANCE = "i-0b7d2e94c1a53f068"


@dataclass(frozen=True, slots=True)
class ScriptedLog:
    """One job's log stream: the group of its kind, the stream's name, its lines oldest first."""

    job: JobKey
    log_group: str
    log_stream: str
    lines: tuple[str, ...]


#: (lifecycle, kind of its failing job) → the lines that job's container printed, oldest first.
_LINES: dict[tuple[str, Kind], tuple[str, ...]] = {
    ("failed", "training"): (
        "bash: cannot set terminal process group (-1): Inappropriate ioctl for device",
        "2026-11-20 13:33:41,118 sagemaker-training-toolkit INFO     Imported framework sagemaker_pytorch_container.training",
        "2026-11-20 13:33:41,163 sagemaker-training-toolkit INFO     No Neurons detected (normal if no neurons installed)",
        "2026-11-20 13:33:41,602 sagemaker-training-toolkit INFO     Invoking user script",
        "Training Env:",
        '{"current_host": "algo-1", "hosts": ["algo-1"], "num_gpus": 1, "user_entry_point": "train.py"}',
        "Invoking script with the following command:",
        "/opt/conda/bin/python3.10 train.py --epochs 10",
        "Map: 100%|██████████| 48000/48000 [00:19<00:00, 2491.87 examples/s]",
        "***** Running training *****",
        "  Num examples = 48,000",
        "  Num Epochs = 10",
        "  Instantaneous batch size per device = 64",
        "  Total optimization steps = 7,500",
        "  0%|          | 0/7500 [00:00<?, ?it/s]",
        "Traceback (most recent call last):",
        '  File "/opt/ml/code/train.py", line 142, in <module>',
        "    trainer.train()",
        '  File "/opt/conda/lib/python3.10/site-packages/transformers/trainer.py", line 1537, in train',
        "    return inner_training_loop(",
        '  File "/opt/conda/lib/python3.10/site-packages/transformers/trainer.py", line 1854, in _inner_training_loop',
        "    tr_loss_step = self.training_step(model, inputs)",
        '  File "/opt/conda/lib/python3.10/site-packages/transformers/trainer.py", line 2744, in training_step',
        "    self.accelerator.backward(loss)",
        '  File "/opt/conda/lib/python3.10/site-packages/torch/autograd/__init__.py", line 251, in backward',
        "    Variable._execution_engine.run_backward(  # Calls into the C++ engine to run the backward pass",
        "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 22.20 GiB total capacity; "
        "19.84 GiB already allocated; 1.31 GiB free; 20.12 GiB reserved in total by PyTorch) If reserved "
        "memory is >> allocated memory try setting max_split_size_mb to avoid fragmentation.  See "
        "documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF",
        "  0%|          | 0/7500 [00:04<?, ?it/s]",
        "2026-11-20 13:41:19,877 sagemaker-training-toolkit INFO     Waiting for the process to finish and give a return code.",
        "2026-11-20 13:41:19,877 sagemaker-training-toolkit INFO     Done waiting for a return code. Received 1 from exiting process.",
        "2026-11-20 13:41:19,878 sagemaker-training-toolkit ERROR    Reporting training FAILURE",
        "2026-11-20 13:41:19,878 sagemaker-training-toolkit ERROR    ExecuteUserScriptError:",
        "ExitCode 1",
        'Command "/opt/conda/bin/python3.10 train.py --epochs 10", exit code: 1',
    ),
    ("same-name", "training"): (
        "2026-11-28 18:03:20,412 sagemaker-training-toolkit INFO     Invoking user script",
        "Invoking script with the following command:",
        "/miniconda3/bin/python3 train.py --target churned",
        "Loading /opt/ml/input/data/train/churn-weekly-2026-11-28.csv",
        "Read 182,406 rows, 23 columns",
        "Traceback (most recent call last):",
        '  File "/opt/ml/code/train.py", line 58, in <module>',
        "    features = frame[NUMERIC].astype(float)",
        '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/generic.py", line 5912, in astype',
        "    new_data = self._mgr.astype(dtype=dtype, copy=copy, errors=errors)",
        '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/dtypes/cast.py", line 1201, in astype_nansafe',
        "    return arr.astype(dtype, copy=True)",
        "ValueError: could not convert string to float: 'premium'",
        "2026-11-28 18:04:02,771 sagemaker-training-toolkit ERROR    Reporting training FAILURE",
        "2026-11-28 18:04:02,771 sagemaker-training-toolkit ERROR    ExecuteUserScriptError:",
        "ExitCode 1",
        "ErrorMessage \"ValueError: could not convert string to float: 'premium'\"",
        'Command "/miniconda3/bin/python3 train.py --target churned", exit code: 1',
    ),
    **{
        (lifecycle, "processing"): (
            "Reading s3 inputs from /opt/ml/processing/input/data",
            "Loaded 182,406 rows, 22 columns: customer_id, tenure_months, monthly_charges, …",
            "Encoding categorical columns: ['contract', 'payment_method', 'plan_tier']",
            "Traceback (most recent call last):",
            '  File "/opt/ml/processing/input/code/preprocess.py", line 87, in <module>',
            "    features = encoder.fit_transform(frame[CATEGORICAL])",
            '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/frame.py", line 3464, in __getitem__',
            "    indexer = self.loc._get_listlike_indexer(key, axis=1)[1]",
            '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/indexing.py", line 1314, in _get_listlike_indexer',
            "    self._validate_read_indexer(keyarr, indexer, axis)",
            '  File "/miniconda3/lib/python3.8/site-packages/pandas/core/indexing.py", line 1377, in _validate_read_indexer',
            '    raise KeyError(f"{not_found} not in index")',
            "KeyError: \"['plan_tier'] not in index\"",
        )
        for lifecycle in ("processing-failed", "pipeline-failed")
    },
    ("transform-failed", "transform"): (
        "[2026-11-26 14:05:02 +0000] [21] [INFO] Starting gunicorn 20.1.0",
        "[2026-11-26 14:05:02 +0000] [21] [INFO] Listening at: unix:/tmp/gunicorn.sock (21)",
        "[2026-11-26 14:05:03 +0000] [26] [INFO] Booting worker with pid: 26",
        "[2026-11-26:14:05:09:INFO] Loading the model from /opt/ml/model/xgboost-model",
        '169.254.255.130 - - [26/Nov/2026:14:05:11 +0000] "GET /ping HTTP/1.1" 200 0 "-" "Go-http-client/1.1"',
        '169.254.255.130 - - [26/Nov/2026:14:05:11 +0000] "GET /execution-parameters HTTP/1.1" 200 84 "-" "Go-http-client/1.1"',
        "[2026-11-26:14:05:14:ERROR] Exception on /invocations [POST]",
        "Traceback (most recent call last):",
        '  File "/miniconda3/lib/python3.8/site-packages/sagemaker_xgboost_container/algorithm_mode/serve_utils.py", line 186, in parse_content_data',
        "    decoded_payload = encoder.csv_to_dmatrix(payload)",
        "ValueError: could not convert string to float: 'customer_id'",
        "[2026-11-26:14:05:14:ERROR] Loading csv data failed with Exception, please ensure data is in csv format",
        '169.254.255.130 - - [26/Nov/2026:14:05:14 +0000] "POST /invocations HTTP/1.1" 415 120 "-" "Go-http-client/1.1"',
        "2026-11-26T14:05:14.912:[sagemaker logs]: MaxConcurrentTransforms=1, MaxPayloadInMB=6, BatchStrategy=MULTI_RECORD",
        "2026-11-26T14:05:14.913:[sagemaker logs]: churn/scoring/2026-11-26-adhoc/part-0000.csv: ClientError: 415",
        "2026-11-26T14:05:14.913:[sagemaker logs]: churn/scoring/2026-11-26-adhoc/part-0000.csv: Bad HTTP status received from algorithm: 415",
    ),
}

_START_FIELDS: dict[Kind, str] = {
    "training": "TrainingStartTime",
    "processing": "ProcessingStartTime",
    "transform": "TransformStartTime",
}


def scripted_logs() -> Iterator[ScriptedLog]:
    """Every scripted job log, its job found in its lifecycle (the first job of that kind)."""
    for (lifecycle, kind), lines in _LINES.items():
        steps = [step for step in load_lifecycle(lifecycle).steps if step.kind == kind]
        job = steps[0].key
        started = next(
            (step.describe[_START_FIELDS[kind]] for step in steps if step.describe.get(_START_FIELDS[kind])),
            steps[0].modified,
        )
        yield ScriptedLog(job, LOG_GROUPS[kind], f"{job.name}/{_host(kind)}-{_epoch(started)}", lines)


def _host(kind: Kind) -> str:
    return TRANSFORM_INSTANCE if kind == "transform" else "algo-1"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def put_scripted_logs(client: Any, logs: Iterable[ScriptedLog], *, now_ms: int) -> None:
    """Write ``logs`` to CloudWatch Logs through ``client`` (moto's, in the benchmark): every
    group of a kind that logs, one stream each, its events a millisecond apart and each job's streams a
    second apart in their order (a distributed job's peers log after the host that failed). CloudWatch
    Logs takes events of the last 14 days only, so they are stamped an hour before ``now_ms``, not as of
    the jobs' dates (an alert quotes messages, not times)."""
    for group in sorted(set(LOG_GROUPS.values())):
        with suppress(client.exceptions.ResourceAlreadyExistsException):
            client.create_log_group(logGroupName=group)
    start_ms = now_ms - 3_600_000
    streams_of_job: dict[JobKey, int] = {}
    for log in logs:
        order = streams_of_job[log.job] = streams_of_job.get(log.job, -1) + 1
        client.create_log_stream(logGroupName=log.log_group, logStreamName=log.log_stream)
        client.put_log_events(
            logGroupName=log.log_group,
            logStreamName=log.log_stream,
            logEvents=[
                {"timestamp": start_ms + 1000 * order + i, "message": line}
                for i, line in enumerate(log.lines)
            ],
        )
