"""A loopback HTTP endpoint that speaks SageMaker's JSON protocol for DescribeTrainingJob.

The local demo points ``AWS_ENDPOINT_URL_SAGEMAKER`` at it, so the deployed handler code — its boto3
client, botocore's parsing and retry logic included — runs unchanged against scripted lifecycles.
Anything but DescribeTrainingJob is answered ``UnknownOperationException``.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from botocore.exceptions import ClientError

from jobtrail_local.lifecycles import ScriptedSageMaker

_CONTENT_TYPE = "application/x-amz-json-1.1"


def to_wire(value: Any) -> Any:
    """A boto3-shaped response as the JSON protocol sends it: timestamps as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    return value


class ScriptedSageMakerServer:
    """Serves ``script`` on ``http://127.0.0.1:<free port>`` from a daemon thread (context manager)."""

    def __init__(self, script: ScriptedSageMaker) -> None:
        self.script = script
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="scripted-sagemaker", daemon=True
        )

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        script = self.script

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                target = self.headers.get("X-Amz-Target", "")
                if target != "SageMaker.DescribeTrainingJob":
                    self._answer(400, {"__type": "UnknownOperationException", "message": target})
                    return
                try:
                    response = script.describe(str(request.get("TrainingJobName", "")))
                except ClientError as error:
                    details = error.response.get("Error", {})
                    self._answer(400, {"__type": details.get("Code"), "message": details.get("Message")})
                    return
                self._answer(200, to_wire(response))

            def _answer(self, status: int, document: dict[str, Any]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", _CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                """Quiet: the demo prints its own story."""

        return Handler
