"""SageMaker job logs in moto's CloudWatch Logs, as a container writes them: ``/aws/sagemaker/<Kind>Jobs``,
one stream per host and start, ``<job>/<host>-<epoch>``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError
from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import JobKey

#: 2026-11-20T13:30:00Z, in milliseconds: the fixtures' jobs run then.
START_MS = 1_795_181_400_000


def write_job_log(
    client: Any, job: JobKey, lines: Sequence[str], *, host: str = "algo-1", start_ms: int = START_MS
) -> str:
    """Put ``lines`` (one event each, a second apart) in a new stream of ``job``'s log group; its name."""
    group = LOG_GROUPS[job.kind]
    try:
        client.create_log_group(logGroupName=group)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise
    stream = f"{job.name}/{host}-{start_ms // 1000}"
    client.create_log_stream(logGroupName=group, logStreamName=stream)
    if lines:
        client.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": start_ms + 1000 * i, "message": line} for i, line in enumerate(lines)],
        )
    return stream


TRACEBACK = (
    "Epoch 3/10 loss=0.412",
    "Traceback (most recent call last):",
    '  File "/opt/ml/code/train.py", line 88, in <module>',
    "    main()",
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
)
