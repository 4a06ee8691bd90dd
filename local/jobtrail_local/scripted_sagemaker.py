"""The one fake SageMaker: training jobs scripted from lifecycle steps, answering as the real service does.

``ScriptedSageMaker`` holds each job's current DescribeTrainingJob state (``advance`` feeds it the steps of
a lifecycle, in any order: an older state never replaces a newer one) and answers DescribeTrainingJob and
ListTrainingJobs from it, success or error, in one place (``answer``). It is used three ways:

- ``jobs()``: the ``Jobs`` and ``JobCatalog`` ports straight from the script, no
  boto3 at all, in microseconds (the unit tier);
- ``attach(client)``: a real boto3 ``sagemaker`` client answered in-process, so the real
  ``SageMakerJobs`` adapter and botocore's parsing run (the integration tier);
- ``ScriptedSageMakerServer``: the same answers over loopback HTTP in SageMaker's JSON protocol, for code
  that builds its own client from ``AWS_ENDPOINT_URL_SAGEMAKER`` (the demo, the benchmark).

Every DescribeTrainingJob asked, any way, is recorded in ``calls``; every ListTrainingJobs page in
``list_calls``.
"""

from __future__ import annotations

import calendar
import copy
import json
import threading
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.kinds import JobKey, Kind, key_from_arn
from jobtrail.core.model import JobListing, JobRecord

from jobtrail_local.lifecycle_builder import Step

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/scripted-sagemaker")
_CONTENT_TYPE = "application/x-amz-json-1.1"
#: What SageMaker says about a job it does not know (a ValidationException).
_NOT_FOUND = "Requested resource not found."
_SUMMARY_KEYS = (
    "TrainingJobName",
    "TrainingJobArn",
    "CreationTime",
    "TrainingEndTime",
    "LastModifiedTime",
    "TrainingJobStatus",
    "SecondaryStatus",
)
#: How often the server thread checks whether it is asked to stop (``stop`` waits for it).
_POLL_SECONDS = 0.05
#: The adapter's page size (``SageMakerJobs.list_jobs``), used by the direct catalog too.
_PAGE_SIZE = 100


class ScriptedSageMaker:
    """Answers DescribeTrainingJob and ListTrainingJobs from scripted state: always the current state."""

    def __init__(self) -> None:
        self._jobs: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.list_calls = 0
        self._requests = 0

    def advance(self, step: Step) -> None:
        """Make ``step.describe`` the job's state, unless the state already held was modified later."""
        current = self._jobs.get(step.job_name)
        if current is not None and _last_modified(current) > _last_modified(step.describe):
            return
        self._jobs[step.job_name] = copy.deepcopy(step.describe)

    # -- the answers -----------------------------------------------------------------------------------
    def current(self, job_name: str) -> Mapping[str, Any] | None:
        """The job's current state, or ``None`` if the script does not know it; records the question in
        ``calls``. Not a copy, so read it only: ``describe`` is the copy a client gets."""
        self.calls.append(job_name)
        return self._jobs.get(job_name)

    def describe(self, job_name: str) -> dict[str, Any]:
        """The job's DescribeTrainingJob response as boto3 returns it (a copy, without ``ResponseMetadata``).

        Raises ``ClientError`` with code ``ValidationException`` for a job the script does not know, as
        SageMaker does.
        """
        state = self.current(job_name)
        if state is None:
            raise _client_error("ValidationException", _NOT_FOUND, "DescribeTrainingJob")
        return copy.deepcopy(dict(state))

    def list_page(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """A ListTrainingJobs page over the scripted jobs (``LastModifiedTimeAfter``, ``CreationTimeAfter``,
        ``SortBy`` CreationTime/Name, ``SortOrder``, ``MaxResults``, ``NextToken``); times may be
        datetimes or epoch seconds, as botocore writes them into a request body."""
        self.list_calls += 1
        states = list(self._jobs.values())
        for key, field_name in (
            ("LastModifiedTimeAfter", "LastModifiedTime"),
            ("CreationTimeAfter", "CreationTime"),
        ):
            bound = request.get(key)
            if bound is not None:
                after = _as_datetime(bound)
                states = [s for s in states if s[field_name] > after]
        sort_field = "TrainingJobName" if request.get("SortBy") == "Name" else "CreationTime"
        descending = request.get("SortOrder", "Descending") == "Descending"
        states.sort(key=lambda s: s[sort_field], reverse=descending)
        start = int(request.get("NextToken") or 0)
        size = int(request.get("MaxResults") or 10)
        response: dict[str, Any] = {
            "TrainingJobSummaries": [
                {key: copy.deepcopy(state[key]) for key in _SUMMARY_KEYS if key in state}
                for state in states[start : start + size]
            ]
        }
        if start + size < len(states):
            response["NextToken"] = str(start + size)
        return response

    def answer(self, operation: str, request: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """The answer to one request, as botocore parses it: ``(200, response)``, or ``(400, {"Error":
        {"Code", "Message"}})`` for an unknown job or an operation the script does not speak."""
        try:
            if operation == "DescribeTrainingJob":
                return 200, self.describe(str(request.get("TrainingJobName", "")))
            if operation == "ListTrainingJobs":
                return 200, self.list_page(request)
            raise _client_error("UnknownOperationException", f"SageMaker.{operation}", operation)
        except ClientError as error:
            return 400, {"Error": dict(error.response.get("Error", {}))}

    # -- the three ways to use it ----------------------------------------------------------------------
    def jobs(self) -> ScriptedJobs:
        """The ``Jobs`` and ``JobCatalog`` ports answered straight from this script."""
        return ScriptedJobs(self)

    def attach(self, client: Any) -> None:
        """Make ``client`` (a boto3 ``sagemaker`` client) answer DescribeTrainingJob and ListTrainingJobs
        from this script, without any HTTP.

        Hooks ``before-call`` the way ``botocore.stub.Stubber`` does: the handler returns ``(http_response,
        parsed)`` and botocore sends nothing. Errors come back with an HTTP 400, so the client raises them
        exactly as it raises the service's.
        """
        for operation in ("DescribeTrainingJob", "ListTrainingJobs"):
            client.meta.events.register(
                f"before-call.sagemaker.{operation}",
                self._answer_call,
                unique_id=f"jobtrail-scripted-sagemaker-{operation}-{id(self)}",
            )

    def _answer_call(
        self, model: Any, params: Mapping[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]]:
        status, parsed = self.answer(model.name, json.loads(params["body"]))
        request_id = self._next_request_id()
        parsed["ResponseMetadata"] = _response_metadata(request_id, status)
        return AWSResponse(str(params["url"]), status, _http_headers(request_id), None), parsed

    def _next_request_id(self) -> str:
        self._requests += 1
        return str(uuid.uuid5(_NAMESPACE, f"request:{self._requests}"))


class ScriptedJobs:
    """``Jobs`` and ``JobCatalog`` on a script, skipping boto3: what the real adapter would return for the
    same answers (``record_from_describe`` of the state, ``None`` for an unknown job)."""

    def __init__(self, script: ScriptedSageMaker) -> None:
        self.script = script

    def describe(self, key: JobKey) -> JobRecord | None:
        if key.kind != "training":
            return None
        state = self.script.current(key.name)
        return None if state is None else record_from_describe(state)

    def list_jobs(
        self, kind: Kind, *, modified_after: datetime | None = None, created_after: datetime | None = None
    ) -> Iterator[JobListing]:
        if kind != "training":
            return
        request: dict[str, Any] = {
            "SortBy": "CreationTime",
            "SortOrder": "Ascending",
            "MaxResults": _PAGE_SIZE,
        }
        if modified_after is not None:
            request["LastModifiedTimeAfter"] = _as_sent(modified_after)
        if created_after is not None:
            request["CreationTimeAfter"] = _as_sent(created_after)
        while True:
            page = self.script.list_page(request)
            for summary in page["TrainingJobSummaries"]:
                key = key_from_arn(summary["TrainingJobArn"])
                if key is None:
                    continue
                yield JobListing(
                    key=key,
                    creation_time=summary["CreationTime"],
                    last_modified_time=summary.get("LastModifiedTime") or summary["CreationTime"],
                    status=summary["TrainingJobStatus"],
                )
            if "NextToken" not in page:
                return
            request["NextToken"] = page["NextToken"]


class ScriptedSageMakerServer:
    """Serves ``script`` on ``http://127.0.0.1:<free port>`` from a daemon thread (a context manager).

    Speaks SageMaker's JSON protocol (``X-Amz-Target: SageMaker.<Operation>``), so a client built from
    ``AWS_ENDPOINT_URL_SAGEMAKER`` runs unchanged, botocore's parsing and retries included.
    """

    def __init__(self, script: ScriptedSageMaker) -> None:
        self.script = script
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(script))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name="scripted-sagemaker",
            daemon=True,
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


def _handler_class(script: ScriptedSageMaker) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()  # the server is threaded; the script is not

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            target = self.headers.get("X-Amz-Target", "")
            operation = target.removeprefix("SageMaker.") if target.startswith("SageMaker.") else target
            with lock:
                status, parsed = script.answer(operation, request)
            if status == 200:
                self._send(status, _to_wire(parsed))
            else:
                error = parsed["Error"]
                self._send(status, {"__type": error.get("Code"), "message": error.get("Message")})

        def _send(self, status: int, document: dict[str, Any]) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", _CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Quiet: the demo prints its own story."""

    return Handler


def _to_wire(value: Any) -> Any:
    """A boto3-shaped response as the JSON protocol sends it: timestamps as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _to_wire(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [_to_wire(item) for item in value]
    return value


def _client_error(code: str, message: str, operation: str) -> ClientError:
    """An error as botocore raises the service's (SageMaker's are plain ``ClientError``s)."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _as_sent(moment: datetime) -> int:
    """A request's timestamp as botocore writes it into a JSON body: whole epoch seconds (it truncates), so
    the direct port filters on exactly what the real adapter's request would carry."""
    return calendar.timegm(moment.timetuple())


def _as_datetime(value: Any) -> datetime:
    """A timestamp as botocore serialises it into a JSON request body (epoch seconds), or a datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value), tz=UTC)


def _last_modified(describe: Mapping[str, Any]) -> datetime:
    """A state without ``LastModifiedTime`` counts as older than any that has one."""
    moment = describe.get("LastModifiedTime")
    return moment if isinstance(moment, datetime) else datetime.min.replace(tzinfo=UTC)


def _http_headers(request_id: str) -> HTTPHeaders:
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    headers["content-type"] = _CONTENT_TYPE
    return headers


def _response_metadata(request_id: str, status: int) -> dict[str, Any]:
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-amzn-requestid": request_id, "content-type": _CONTENT_TYPE},
        "RetryAttempts": 0,
    }
