"""The one fake SageMaker: jobs of every kind scripted from lifecycle steps, answering as the service does.

``ScriptedSageMaker`` holds each job's current state — its Describe answer, per ``JobKey`` (account, region,
kind, name), so a processing job and a training job of the same name are two jobs — and answers from it,
success or error, in one place (``answer``):

- the Describe APIs: DescribeTrainingJob, DescribeProcessingJob, DescribeTransformJob,
  DescribeHyperParameterTuningJob, DescribePipelineExecution, and ListPipelineExecutionSteps;
- the List APIs reconciliation uses: ListTrainingJobs, ListProcessingJobs, ListTransformJobs,
  ListHyperParameterTuningJobs, ListPipelines, ListPipelineExecutions, with the filters, sort orders and
  pages botocore's model defines;
- ListTags: a job's tags as its state-change events carry them (``tag`` sets others, a pipeline's
  included: its executions have none of their own), each answer checked against botocore's model.

``advance`` feeds it the steps of a lifecycle, in any order: an older state never replaces a newer one. It
is used three ways:

- ``jobs()``: the ``Jobs`` and ``JobCatalog`` ports straight from the script: jobtrail's own
  ``SageMakerJobs`` adapter over an in-process stand-in for the boto3 client (no boto3 client, no HTTP), so
  the unit tier gets exactly what the real adapter makes of these answers, in microseconds;
- ``attach(client)``: a real boto3 ``sagemaker`` client answered in-process, so botocore's parsing runs
  (the integration tier);
- ``ScriptedSageMakerServer``: the same answers over loopback HTTP in SageMaker's JSON protocol, for code
  that builds its own client from ``AWS_ENDPOINT_URL_SAGEMAKER`` (the demo, the benchmark).

SageMaker is per account and region: each request is answered in one place, the one its client is in
(``answer``'s ``place``; the fixtures' account and region unless said), from the jobs there. A job of one
name in two accounts is two jobs; a place the script has no job in answers as an empty SageMaker does. The
server tells the place from the request's signature: the region of its credential scope and the account
its access key belongs to (``account_of``; moto's STS issues assumed-role keys it maps to the role's
account).

Whichever way it is asked, every Describe is recorded: its job's name in ``calls`` (as it always was for
training jobs) and its key in ``describes``; every ListPipelineExecutionSteps page in ``step_lists`` (the
execution's key); every page of a List API in ``list_calls``; every ListTags in ``tag_reads`` (the ARN
asked); every request in ``operations``. ``refuse_tags`` makes ListTags fail, as a denied permission does.

What SageMaker answers for a job it does not know differs by kind (events/README.md): DescribeTrainingJob
``ValidationException`` "Requested resource not found."; DescribeProcessingJob and DescribeTransformJob
``ValidationException`` "Could not find requested job with name …"; DescribeHyperParameterTuningJob,
DescribePipelineExecution and ListPipelineExecutionSteps ``ResourceNotFound``. ListTags of a resource
SageMaker does not have is a ``ValidationException`` (the message here is the script's own).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType, SimpleNamespace, TracebackType
from typing import Any, Final, Self

from botocore import xform_name
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError
from botocore.serialize import JSONSerializer
from jobtrail.adapters.sagemaker import SageMakerJobs
from jobtrail.core.kinds import JobKey, Kind, key_from_arn
from jobtrail.core.organization import Place

from jobtrail_local import sagemaker_model
from jobtrail_local.lifecycle_builder import ACCOUNT, REGION, Step, pipeline_arn

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/scripted-sagemaker")
_CONTENT_TYPE = "application/x-amz-json-1.1"
#: How often the server thread checks whether it is asked to stop (``stop`` waits for it).
_POLL_SECONDS = 0.05
#: A List API's page when the request sets no MaxResults.
_DEFAULT_PAGE = 10


@dataclass(frozen=True, slots=True)
class _Listing:
    """One of the job kinds' List APIs: what it lists, how its request and summaries are named."""

    kind: Kind
    summaries: str
    summary_shape: str
    name_member: str
    status_member: str
    default_sort_by: str
    default_order: str


#: The List API of each kind with a job name (the defaults are the service's: events/README.md).
_LISTINGS: Final = MappingProxyType(
    {
        "ListTrainingJobs": _Listing(
            "training",
            "TrainingJobSummaries",
            "TrainingJobSummary",
            "TrainingJobName",
            "TrainingJobStatus",
            "CreationTime",
            "Descending",
        ),
        "ListProcessingJobs": _Listing(
            "processing",
            "ProcessingJobSummaries",
            "ProcessingJobSummary",
            "ProcessingJobName",
            "ProcessingJobStatus",
            "CreationTime",
            "Ascending",
        ),
        "ListTransformJobs": _Listing(
            "transform",
            "TransformJobSummaries",
            "TransformJobSummary",
            "TransformJobName",
            "TransformJobStatus",
            "CreationTime",
            "Descending",
        ),
        "ListHyperParameterTuningJobs": _Listing(
            "tuning",
            "HyperParameterTuningJobSummaries",
            "HyperParameterTuningJobSummary",
            "HyperParameterTuningJobName",
            "HyperParameterTuningJobStatus",
            "Name",
            "Ascending",
        ),
    }
)
#: Each Describe API: the kind it describes and the request member naming the job.
_DESCRIBES: Final[Mapping[str, tuple[Kind, str]]] = MappingProxyType(
    {
        "DescribeTrainingJob": ("training", "TrainingJobName"),
        "DescribeProcessingJob": ("processing", "ProcessingJobName"),
        "DescribeTransformJob": ("transform", "TransformJobName"),
        "DescribeHyperParameterTuningJob": ("tuning", "HyperParameterTuningJobName"),
        "DescribePipelineExecution": ("pipeline", "PipelineExecutionArn"),
    }
)
#: Every operation the script answers.
OPERATIONS: Final = (
    *_DESCRIBES,
    "ListPipelineExecutionSteps",
    *_LISTINGS,
    "ListPipelines",
    "ListPipelineExecutions",
    "ListTags",
)
#: A pipeline's ARN (``…:pipeline/<name>``): what ListTags takes for a pipeline execution's tags.
_PIPELINE_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):pipeline/(?P<name>[^/]+)"
)
#: Where a request was signed: its access key and the region of its credential scope (SigV4).
_CREDENTIAL: Final = re.compile(r"Credential=(?P<key>[^/,\s]+)/[0-9]{8}/(?P<region>[a-z0-9-]+)/")
#: Where the script answers when not told: the fixtures' account and region.
FIXTURES_PLACE: Final = Place(ACCOUNT, REGION)


@dataclass(frozen=True, slots=True)
class _Job:
    """A job's state: its Describe answer and when SageMaker last changed it."""

    modified: datetime
    describe: dict[str, Any]


class ScriptedSageMaker:
    """Answers SageMaker's Describe and List APIs from scripted state: always the current state."""

    def __init__(self) -> None:
        self._jobs: dict[JobKey, _Job] = {}
        self.calls: list[str] = []
        self.describes: list[JobKey] = []
        self.step_lists: list[JobKey] = []
        self.list_calls = 0
        self.tag_reads: list[str] = []
        self.operations: Counter[str] = Counter()
        self._requests = 0
        self._tags: dict[JobKey, dict[str, str]] = {}
        self._pipeline_tags: dict[tuple[Place, str], dict[str, str]] = {}
        self._tags_refused: tuple[str, str] | None = None

    def advance(self, step: Step) -> None:
        """Make ``step.describe`` the job's state, unless the state already held was changed later; the
        job's tags are those its events carry (``Tags``), unless ``tag`` set them."""
        if step.kind != "pipeline":
            self._tags.setdefault(step.key, step.tags)
        current = self._jobs.get(step.key)
        if current is not None and current.modified > step.modified:
            return
        self._jobs[step.key] = _Job(step.modified, copy.deepcopy(step.describe))

    def tag(self, key: JobKey, tags: Mapping[str, str]) -> None:
        """Give job ``key`` these tags (a pipeline execution's key: its pipeline's), replacing any."""
        if key.kind == "pipeline":
            self._pipeline_tags[(_place_of(key), key.name.partition("/")[0])] = dict(tags)
        else:
            self._tags[key] = dict(tags)

    def refuse_tags(
        self, code: str | None = "AccessDeniedException", message: str = "not authorized"
    ) -> None:
        """Make every ListTags answer the error ``code`` (``None``: answer again)."""
        self._tags_refused = None if code is None else (code, message)

    # -- the answers -----------------------------------------------------------------------------------
    def describe(self, job_name: str) -> dict[str, Any]:
        """The training job's DescribeTrainingJob response as boto3 returns it (a copy, without
        ``ResponseMetadata``); records the question. Raises ``ClientError`` (``ValidationException``) for
        a job the script does not know, as SageMaker does."""
        return self._describe("DescribeTrainingJob", {"TrainingJobName": job_name}, FIXTURES_PLACE)

    def answer(
        self, operation: str, request: Mapping[str, Any], place: Place = FIXTURES_PLACE
    ) -> tuple[int, dict[str, Any]]:
        """The answer to one request (timestamps in it as datetimes or epoch seconds, as botocore writes
        them) made in ``place``, as botocore parses it: ``(200, response)``, or ``(400, {"Error": {"Code",
        "Message"}})`` for a job ``place`` does not have or an operation the script does not speak."""
        self.operations[operation] += 1
        try:
            if operation in _DESCRIBES:
                return 200, self._describe(operation, request, place)
            if operation == "ListPipelineExecutionSteps":
                return 200, self._execution_steps(request, place)
            if operation in _LISTINGS:
                self.list_calls += 1
                return 200, self._list_jobs(_LISTINGS[operation], request, place)
            if operation in {"ListPipelines", "ListPipelineExecutions"}:
                self.list_calls += 1
                pipelines = operation == "ListPipelines"
                return 200, (self._list_pipelines if pipelines else self._list_executions)(request, place)
            if operation == "ListTags":
                return 200, self._list_tags(request, place)
            raise _client_error("UnknownOperationException", f"SageMaker.{operation}", operation)
        except ClientError as error:
            return 400, {"Error": dict(error.response.get("Error", {}))}

    def _describe(self, operation: str, request: Mapping[str, Any], place: Place) -> dict[str, Any]:
        kind, member = _DESCRIBES[operation]
        asked = str(request.get(member, ""))
        key = (
            _execution_key(asked)
            if kind == "pipeline"
            else JobKey(account=place.account, region=place.region, kind=kind, name=asked)
        )
        self.calls.append(asked if key is None else key.name)
        if key is not None:
            self.describes.append(key)
        job = None if key is None or _place_of(key) != place else self._jobs.get(key)
        if job is None:
            raise _not_found(kind, asked, operation)
        answer = job.describe["execution"] if kind == "pipeline" else job.describe
        return copy.deepcopy(dict(answer))

    def _execution_steps(self, request: Mapping[str, Any], place: Place) -> dict[str, Any]:
        arn = str(request.get("PipelineExecutionArn", ""))
        key = _execution_key(arn)
        job = None if key is None or _place_of(key) != place else self._jobs.get(key)
        if key is not None:
            self.step_lists.append(key)
        if job is None:
            raise _not_found("pipeline", arn, "ListPipelineExecutionSteps")
        steps = sorted(job.describe["steps"], key=lambda s: (s["StartTime"], s["StepName"]))
        if request.get("SortOrder", "Descending") == "Descending":
            steps.reverse()
        return _page(request, "PipelineExecutionSteps", steps)

    def _list_jobs(self, listing: _Listing, request: Mapping[str, Any], place: Place) -> dict[str, Any]:
        shape = sagemaker_model.structure(listing.summary_shape)
        summaries = [
            _summary(job, shape)
            for key, job in self._jobs.items()
            if key.kind == listing.kind and _place_of(key) == place
        ]
        for bound, member, keep in (
            ("CreationTimeAfter", "CreationTime", _after),
            ("CreationTimeBefore", "CreationTime", _before),
            ("LastModifiedTimeAfter", "LastModifiedTime", _after),
            ("LastModifiedTimeBefore", "LastModifiedTime", _before),
        ):
            if request.get(bound) is not None:
                limit = _as_datetime(request[bound])
                summaries = [s for s in summaries if member in s and keep(s[member], limit)]
        if request.get("NameContains"):
            summaries = [s for s in summaries if request["NameContains"] in s[listing.name_member]]
        if request.get("StatusEquals"):
            summaries = [s for s in summaries if s[listing.status_member] == request["StatusEquals"]]
        sort_member = {
            "Name": listing.name_member,
            "CreationTime": "CreationTime",
            "Status": listing.status_member,
        }[request.get("SortBy", listing.default_sort_by)]
        summaries.sort(key=lambda s: (s[sort_member], s[listing.name_member]))
        if request.get("SortOrder", listing.default_order) == "Descending":
            summaries.reverse()
        return _page(request, listing.summaries, summaries)

    def _list_tags(self, request: Mapping[str, Any], place: Place) -> dict[str, Any]:
        """A job's tags (a pipeline's, for a pipeline ARN), a page of ``MaxResults``, model-checked."""
        arn = str(request.get("ResourceArn", ""))
        self.tag_reads.append(arn)
        if self._tags_refused is not None:
            raise _client_error(*self._tags_refused, "ListTags")
        pipeline = _PIPELINE_ARN.fullmatch(arn)
        key = key_from_arn(arn)
        if (
            pipeline is not None
            and Place(pipeline["account"], pipeline["region"]) == place
            and pipeline["name"].lower() in self._pipelines(place)
        ):
            tags = self._pipeline_tags.get((place, pipeline["name"].lower()), {})
        elif key is not None and key.kind != "pipeline" and _place_of(key) == place and key in self._jobs:
            tags = self._tags.get(key, {})
        else:
            raise _client_error("ValidationException", f"Resource {arn} does not exist.", "ListTags")
        answer = _page(request, "Tags", [{"Key": k, "Value": v} for k, v in sorted(tags.items())])
        sagemaker_model.check(answer, sagemaker_model.output_shape("ListTags"), f"ListTags of {arn}")
        return answer

    def _pipelines(self, place: Place) -> dict[str, list[dict[str, Any]]]:
        """Each pipeline's executions in ``place`` (their DescribePipelineExecution answers), by pipeline
        name."""
        pipelines: dict[str, list[dict[str, Any]]] = {}
        for key, job in self._jobs.items():
            if key.kind == "pipeline" and _place_of(key) == place:
                pipelines.setdefault(key.name.partition("/")[0], []).append(job.describe["execution"])
        return pipelines

    def _list_pipelines(self, request: Mapping[str, Any], place: Place) -> dict[str, Any]:
        summaries = [
            {
                "PipelineArn": pipeline_arn(name, place.account, place.region),
                "PipelineName": name,
                # The script knows a pipeline by its executions: it was created with the first.
                "CreationTime": min(e["CreationTime"] for e in executions),
                "LastModifiedTime": min(e["CreationTime"] for e in executions),
                "LastExecutionTime": max(e["CreationTime"] for e in executions),
            }
            for name, executions in self._pipelines(place).items()
        ]
        prefix = request.get("PipelineNamePrefix")
        if prefix:
            summaries = [s for s in summaries if s["PipelineName"].startswith(prefix)]
        summaries = _created_between(summaries, request, "CreationTime")
        sort_member = "PipelineName" if request.get("SortBy") == "Name" else "CreationTime"
        summaries.sort(key=lambda s: (s[sort_member], s["PipelineName"]))
        if request.get("SortOrder", "Descending") == "Descending":
            summaries.reverse()
        return _page(request, "PipelineSummaries", summaries)

    def _list_executions(self, request: Mapping[str, Any], place: Place) -> dict[str, Any]:
        asked = str(request.get("PipelineName", ""))
        name = asked.rsplit(":pipeline/", 1)[-1]
        executions = self._pipelines(place).get(name)
        if executions is None:
            raise _client_error(
                "ResourceNotFound", f"Pipeline '{asked}' does not exist.", "ListPipelineExecutions"
            )
        summaries = [
            {
                key: value
                for key, value in (
                    ("PipelineExecutionArn", e["PipelineExecutionArn"]),
                    ("StartTime", e["CreationTime"]),
                    ("PipelineExecutionStatus", e["PipelineExecutionStatus"]),
                    ("PipelineExecutionDescription", e.get("PipelineExecutionDescription")),
                    ("PipelineExecutionDisplayName", e.get("PipelineExecutionDisplayName")),
                    ("PipelineExecutionFailureReason", e.get("FailureReason")),
                )
                if value is not None
            }
            for e in executions
        ]
        summaries = _created_between(summaries, request, "StartTime")
        sort_member = (
            "PipelineExecutionArn" if request.get("SortBy") == "PipelineExecutionArn" else "StartTime"
        )
        summaries.sort(key=lambda s: (s[sort_member], s["PipelineExecutionArn"]))
        if request.get("SortOrder", "Descending") == "Descending":
            summaries.reverse()
        return _page(request, "PipelineExecutionSummaries", copy.deepcopy(summaries))

    # -- the three ways to use it ----------------------------------------------------------------------
    def jobs(self) -> SageMakerJobs:
        """The ``Jobs`` and ``JobCatalog`` ports answered straight from this script: jobtrail's adapter over
        an in-process client (no boto3 client, no HTTP)."""
        return SageMakerJobs(_InProcessClient(self))

    def attach(self, client: Any) -> None:
        """Make ``client`` (a boto3 ``sagemaker`` client) answer every operation of ``OPERATIONS`` from
        this script, without any HTTP.

        Hooks ``before-call`` the way ``botocore.stub.Stubber`` does: the handler returns ``(http_response,
        parsed)`` and botocore sends nothing. Errors come back with an HTTP 400, so the client raises them
        exactly as it raises the service's.
        """
        for operation in OPERATIONS:
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


class _InProcessClient:
    """Just enough of a boto3 ``sagemaker`` client for ``SageMakerJobs``: each call's request is written
    as botocore writes it (timestamps as whole epoch seconds) and answered by the script; an error is
    raised as botocore raises the service's."""

    meta = SimpleNamespace(partition="aws")

    def __init__(self, script: ScriptedSageMaker) -> None:
        self._script = script

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        operation = _operation_names().get(method)
        if operation is None:
            raise AttributeError(method)
        return functools.partial(self._call, operation)

    def get_paginator(self, method: str) -> _Paginator:
        return _Paginator(functools.partial(self._call, _operation_names()[method]))

    def _call(self, operation: str, **parameters: Any) -> dict[str, Any]:
        model = sagemaker_model.service_model().operation_model(operation)
        request = json.loads(JSONSerializer().serialize_to_request(parameters, model)["body"] or b"{}")
        status, parsed = self._script.answer(operation, request)
        if status != 200:
            raise ClientError(parsed, operation)  # type: ignore[arg-type]
        return parsed


class _Paginator:
    """botocore's paginator for SageMaker's List APIs: ``MaxResults`` from ``PageSize``, ``NextToken``
    passed on until a page has none."""

    def __init__(self, call: Callable[..., dict[str, Any]]) -> None:
        self._call = call

    def paginate(self, **parameters: Any) -> Iterator[dict[str, Any]]:
        config = parameters.pop("PaginationConfig", {}) or {}
        if "PageSize" in config:
            parameters["MaxResults"] = config["PageSize"]
        while True:
            page = self._call(**parameters)
            yield page
            if "NextToken" not in page:
                return
            parameters["NextToken"] = page["NextToken"]


@functools.cache
def _operation_names() -> Mapping[str, str]:
    """boto3's method names → the operations the script answers (``describe_processing_job`` → …)."""
    return MappingProxyType({xform_name(operation): operation for operation in OPERATIONS})


class ScriptedSageMakerServer:
    """Serves ``script`` on ``http://127.0.0.1:<free port>`` from a daemon thread (a context manager).

    Speaks SageMaker's JSON protocol (``X-Amz-Target: SageMaker.<Operation>``), so a client built from
    ``AWS_ENDPOINT_URL_SAGEMAKER`` runs unchanged, botocore's parsing and retries included.

    Without ``account_of`` every request is answered in the fixtures' place. With it, each is answered in
    the place its signature names: the region of its credential scope, and ``account_of(access key)``
    (``jobtrail_local.organization.account_of_access_key`` for moto's accounts).
    """

    def __init__(self, script: ScriptedSageMaker, account_of: Callable[[str], str] | None = None) -> None:
        self.script = script
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(script, account_of))
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


def _handler_class(
    script: ScriptedSageMaker, account_of: Callable[[str], str] | None
) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()  # the server is threaded; the script is not

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            target = self.headers.get("X-Amz-Target", "")
            operation = target.removeprefix("SageMaker.") if target.startswith("SageMaker.") else target
            place = _signed_in(self.headers.get("Authorization", ""), account_of)
            if place is None:
                self._send(403, {"__type": "MissingAuthenticationTokenException", "message": "not signed"})
                return
            with lock:
                status, parsed = script.answer(operation, request, place)
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


# --- internals ---------------------------------------------------------------------------------------------
def _place_of(key: JobKey) -> Place:
    return Place(key.account, key.region)


def _signed_in(authorization: str, account_of: Callable[[str], str] | None) -> Place | None:
    """The place a request was signed for: the fixtures' without ``account_of``; else the account of its
    access key, in its credential scope's region (``None`` when it is not signed with SigV4)."""
    if account_of is None:
        return FIXTURES_PLACE
    signed = _CREDENTIAL.search(authorization)
    if signed is None:
        return None
    return Place(account_of(signed["key"]), signed["region"])


def _summary(job: _Job, shape: Any) -> dict[str, Any]:
    """A List API's summary of a job: the members its Describe shares with the summary shape; a transform
    job's LastModifiedTime (which DescribeTransformJob does not show) and a tuning job's strategy and
    limits (which sit in its configuration)."""
    describe = job.describe
    config = describe.get("HyperParameterTuningJobConfig") or {}
    extra = {
        "LastModifiedTime": job.modified,
        "Strategy": config.get("Strategy"),
        "ResourceLimits": config.get("ResourceLimits"),
    }
    summary = {
        member: copy.deepcopy(describe[member] if member in describe else extra.get(member))
        for member in shape.members
    }
    return {member: value for member, value in summary.items() if value is not None}


def _page(request: Mapping[str, Any], member: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of ``items`` from ``NextToken`` (an offset here), ``MaxResults`` long."""
    start = int(request.get("NextToken") or 0)
    size = int(request.get("MaxResults") or _DEFAULT_PAGE)
    response: dict[str, Any] = {member: copy.deepcopy(items[start : start + size])}
    if start + size < len(items):
        response["NextToken"] = str(start + size)
    return response


def _created_between(
    items: list[dict[str, Any]], request: Mapping[str, Any], member: str
) -> list[dict[str, Any]]:
    """The items created after ``CreatedAfter`` and before ``CreatedBefore`` (ListPipelines' and
    ListPipelineExecutions' only time filters)."""
    if request.get("CreatedAfter") is not None:
        items = [i for i in items if _after(i[member], _as_datetime(request["CreatedAfter"]))]
    if request.get("CreatedBefore") is not None:
        items = [i for i in items if _before(i[member], _as_datetime(request["CreatedBefore"]))]
    return items


def _after(moment: datetime, limit: datetime) -> bool:
    return moment > limit


def _before(moment: datetime, limit: datetime) -> bool:
    return moment < limit


def _execution_key(arn: str) -> JobKey | None:
    key = key_from_arn(arn)
    return key if key is not None and key.kind == "pipeline" else None


def _not_found(kind: Kind, asked: str, operation: str) -> ClientError:
    """What SageMaker answers for a job it does not know (events/README.md says where each was seen)."""
    match kind:
        case "training":
            return _client_error("ValidationException", "Requested resource not found.", operation)
        case "processing" | "transform":
            return _client_error(
                "ValidationException", f"Could not find requested job with name {asked}", operation
            )
        case "tuning":
            message = f"Amazon SageMaker can't find a tuning job called {asked}. Type another name."
            return _client_error("ResourceNotFound", message, operation)
        case "pipeline":
            return _client_error(
                "ResourceNotFound", f"Pipeline execution '{asked}' does not exist.", operation
            )


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
    """An error as botocore raises the service's."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _as_datetime(value: Any) -> datetime:
    """A timestamp as botocore serialises it into a JSON request body (epoch seconds), or a datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value), tz=UTC)


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
