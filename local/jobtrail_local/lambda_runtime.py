"""Lambda's side of an invocation, on this machine: the handler loaded from its file, the SQS records the
event source mapping hands it, and the context object it is called with.

The demo, the benchmark and the tests run the real ``functions/*/app.py`` through these.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class LambdaContext:
    """The context Lambda passes a handler: what Powertools' logger and metrics read from it."""

    function_name: str = "jobtrail-IngestFunction"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
