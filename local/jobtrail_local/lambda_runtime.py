"""Lambda's side of an invocation, on this machine: the handler loaded from its file, the SQS records and
DynamoDB stream records the event source mappings hand it (a stream's after its filter), and the context
object it is called with.

The demo, the benchmark and the tests run the real ``functions/*/app.py`` through these.
"""

from __future__ import annotations

import base64
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from jobtrail_local.local_stack import REGION

ACCOUNT = "123456789012"


def load_function(path: Path, module_name: str) -> ModuleType:
    """Import a function's ``app.py`` from its file, as Lambda does with ``Handler: app.lambda_handler``."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sqs_lambda_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS ``ReceiveMessage`` message as Lambda's event source mapping hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def stream_lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A DynamoDB Streams ``GetRecords`` record as Lambda's event source mapping hands it to the function:
    ``ApproximateCreationDateTime`` in epoch seconds, and the stream's ARN."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        stream["ApproximateCreationDateTime"] = created.timestamp()
    for image in ("Keys", "OldImage", "NewImage"):
        if image in stream:
            stream[image] = _as_json(stream[image])
    return {**record, "awsRegion": REGION, "dynamodb": stream, "eventSourceARN": stream_arn}


def _as_json(value: Any) -> Any:
    """DynamoDB JSON as Lambda's event carries it: binary values (bytes from botocore) as base64 text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list | set):
        return [_as_json(item) for item in value]
    return value


def matches_filter(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether an event source mapping's filter ``pattern`` (``FilterCriteria``, the EventBridge pattern
    syntax) lets ``record`` through. The subset the template uses: nested objects, lists of exact values
    and ``{"prefix": …}``; anything else raises rather than guess."""
    for key, wanted in pattern.items():
        value = record.get(key) if isinstance(record, Mapping) else None
        if isinstance(wanted, Mapping):
            if not isinstance(value, Mapping) or not matches_filter(wanted, value):
                return False
        elif isinstance(wanted, list):
            if not any(_matches_value(option, value) for option in wanted):
                return False
        else:
            raise TypeError(f"not a filter pattern: {key!r} is {wanted!r}")
    return True


def _matches_value(option: Any, value: Any) -> bool:
    if isinstance(option, Mapping):
        if set(option) != {"prefix"}:
            raise ValueError(f"unsupported filter operator {sorted(option)}")
        return isinstance(value, str) and value.startswith(str(option["prefix"]))
    return bool(option == value)


@dataclass(frozen=True)
class LambdaContext:
    """The context Lambda passes a handler: what Powertools' logger and metrics read from it."""

    function_name: str = "jobtrail-IngestFunction"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    #: What ``get_remaining_time_in_millis`` answers: a whole function timeout (ReconcileFunction's 300 s).
    remaining_ms: int = 300_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
