"""The one counter of AWS calls: every botocore API call made in a block, and what DynamoDB says it cost.

Tests count calls to check budgets ("one Describe, one Query, one transaction per job"); ``make bench``
counts them and adds up DynamoDB's consumed capacity. Both go through ``count_aws_calls``, the one place
that patches ``BaseClient._make_api_call``, so PynamoDB's calls, the handler's own clients and an attached
scripted SageMaker's answers are all seen. Blocks may nest; each sees every call made inside it.

With ``by_kind`` the calls and the capacity are also split by the kind of job each call is about
(``kind_of_call``: the Describe operation's kind, the ARN a ListTags names, the log group a CloudWatch Logs
read reads, the job partition key a DynamoDB request names, an SNS alert's ``job_kind`` attribute), so a
mixed load's cost can be told per kind. The routes document's GetParameter is about no job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from botocore.client import BaseClient
from jobtrail.adapters.history_table import JOB_PREFIX, is_legacy_pk, key_from_pk
from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import KINDS, SPECS, Kind

#: DynamoDB operations that accept ``ReturnConsumedCapacity``.
CAPACITY_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
#: The call that describes a job of each kind, as ``count_aws_calls`` names it; a pipeline execution's
#: steps come on top, from ``LIST_STEPS`` (one page per 100 steps).
DESCRIBES: Final[Mapping[Kind, str]] = MappingProxyType(
    {
        "training": "sagemaker.DescribeTrainingJob",
        "processing": "sagemaker.DescribeProcessingJob",
        "transform": "sagemaker.DescribeTransformJob",
        "tuning": "sagemaker.DescribeHyperParameterTuningJob",
        "pipeline": "sagemaker.DescribePipelineExecution",
    }
)
LIST_STEPS: Final = "sagemaker.ListPipelineExecutionSteps"
#: A job's tags, read once per job (its ARN; a pipeline execution's are its pipeline's).
LIST_TAGS: Final = "sagemaker.ListTags"
#: A ``Failed`` alert's log excerpt: the job's streams, then the end of a few of them.
DESCRIBE_LOG_STREAMS: Final = "logs.DescribeLogStreams"
GET_LOG_EVENTS: Final = "logs.GetLogEvents"
#: The routes document (cached by each container for ``adapters.routes.MAX_AGE`` seconds).
GET_PARAMETER: Final = "ssm.GetParameter"
_KIND_OF_OPERATION: Final[Mapping[str, Kind]] = MappingProxyType(
    {**{operation: kind for kind, operation in DESCRIBES.items()}, LIST_STEPS: "pipeline"}
)
_KIND_OF_ARN_RESOURCE: Final[Mapping[str, Kind]] = MappingProxyType(
    {SPECS[kind].arn_resource: kind for kind in KINDS}
)
_KIND_OF_LOG_GROUP: Final[Mapping[str, Kind]] = MappingProxyType(
    {group: kind for kind, group in LOG_GROUPS.items()}
)


@dataclass
class ConsumedCapacity:
    """DynamoDB capacity units, as the responses to ``ReturnConsumedCapacity=INDEXES`` report them."""

    read_units: float = 0.0
    write_units: float = 0.0
    #: The part of ``write_units`` spent on the global secondary indexes.
    index_write_units: float = 0.0
    #: Responses that reported their capacity, and those that did not (an engine that ignores the ask).
    responses: int = 0
    missing: int = 0

    def add(self, operation: str, consumed: Any) -> None:
        """Add one response's ``ConsumedCapacity`` (an entry, a list of them, or ``None``)."""
        entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        if not entries:
            self.missing += 1
            return
        self.responses += 1
        units = sum(float(entry.get("CapacityUnits") or 0) for entry in entries)
        if operation in _READS:
            self.read_units += units
            return
        self.write_units += units
        for entry in entries:
            for index in (entry.get("GlobalSecondaryIndexes") or {}).values():
                self.index_write_units += float(index.get("CapacityUnits") or 0)


@dataclass
class CallsByKind:
    """Calls (``"service.Operation"``) and DynamoDB capacity per kind of job they were about; under
    ``None`` those that name no job (or jobs of several kinds)."""

    calls: dict[Kind | None, Counter[str]] = field(default_factory=dict)
    capacity: dict[Kind | None, ConsumedCapacity] = field(default_factory=dict)

    def add(self, kind: Kind | None, call: str) -> None:
        self.calls.setdefault(kind, Counter())[call] += 1

    def capacity_of(self, kind: Kind | None) -> ConsumedCapacity:
        return self.capacity.setdefault(kind, ConsumedCapacity())


def kind_of_call(call: str, params: Mapping[str, Any]) -> Kind | None:
    """The kind of job a call (``"service.Operation"``, its request) is about: a SageMaker Describe's (or
    ListPipelineExecutionSteps') kind; ListTags', the resource type of the ARN it names; a CloudWatch Logs
    read's, the kind whose log group it reads (a pipeline's alert reads its failed step's job's log); for
    DynamoDB, the kind in the job partition keys (``pk``) the request names; for an SNS alert, its
    ``job_kind`` attribute. ``None`` if it names none, or several kinds."""
    if call in _KIND_OF_OPERATION:
        return _KIND_OF_OPERATION[call]
    if call == LIST_TAGS:
        resource = str(params.get("ResourceArn", "")).split(":", 5)[-1].split("/", 1)[0]
        return _KIND_OF_ARN_RESOURCE.get(resource)
    if call.startswith("logs."):
        return _KIND_OF_LOG_GROUP.get(str(params.get("logGroupName", "")))
    if call == "sns.Publish":
        kind = params.get("MessageAttributes", {}).get("job_kind", {}).get("StringValue")
        return next((known for known in KINDS if known == kind), None)
    if call == "dynamodb.Query":
        # The key condition's value (PynamoDB names its placeholders :0, :1…): a job's partition key.
        pks = [_job_pk(value) for value in params.get("ExpressionAttributeValues", {}).values()]
    elif call.startswith("dynamodb."):
        pks = [_job_pk(value) for value in _values_named("pk", params)]
    else:
        return None
    kinds = {key_from_pk(pk).kind for pk in pks if pk is not None}
    return kinds.pop() if len(kinds) == 1 else None


def _values_named(name: str, params: Any) -> Iterator[Any]:
    """Every value of a ``name`` member at any depth of a request (the keys and items of a transaction)."""
    if isinstance(params, Mapping):
        for member, value in params.items():
            if member == name:
                yield value
            else:
                yield from _values_named(name, value)
    elif isinstance(params, list):
        for value in params:
            yield from _values_named(name, value)


def _job_pk(attribute: Any) -> str | None:
    """A job partition key held in a DynamoDB attribute value (``{"S": "JOB#…"}``), else ``None``."""
    value = attribute.get("S") if isinstance(attribute, Mapping) else None
    if isinstance(value, str) and value.startswith(JOB_PREFIX) and not is_legacy_pk(value):
        return value
    return None


@contextmanager
def count_aws_calls(
    *,
    capacity: ConsumedCapacity | None = None,
    by_kind: CallsByKind | None = None,
    observe: Callable[[str, Mapping[str, Any]], None] | None = None,
) -> Iterator[Counter[str]]:
    """Count every botocore API call made inside the block, as ``"service.Operation"``.

    With ``capacity``, DynamoDB operations that can report their consumed capacity are asked to
    (``ReturnConsumedCapacity=INDEXES``: the total and each index's share) and what they report is added
    to it. With ``by_kind`` too, each call and its capacity are also added to the kind of job it is about
    (``kind_of_call``). ``observe`` is handed each call and its request, for what a count cannot tell
    (which alert types were published, which ARNs' tags were read).
    """
    calls: Counter[str] = Counter()
    original: Callable[..., Any] = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(client: BaseClient, operation: str, params: Any) -> Any:
        service = client.meta.service_model.service_name
        call = f"{service}.{operation}"
        calls[call] += 1
        if observe is not None:
            observe(call, params)
        kind = kind_of_call(call, params) if by_kind is not None else None
        if by_kind is not None:
            by_kind.add(kind, call)
        metered = capacity is not None and service == "dynamodb" and operation in CAPACITY_OPERATIONS
        if metered:
            params = {**params, "ReturnConsumedCapacity": "INDEXES"}
        response = original(client, operation, params)
        if metered and capacity is not None:
            consumed = response.get("ConsumedCapacity")
            capacity.add(operation, consumed)
            if by_kind is not None:
                by_kind.capacity_of(kind).add(operation, consumed)
        return response

    BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]
