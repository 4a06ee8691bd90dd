"""Parsing what IngestFunction receives: SQS batches whose record bodies carry SageMaker's state-change
events, one detail-type per job kind (``core.kinds``).

The event is only a trigger: ingest needs the job's identity from it (account and region from the
envelope, kind from ``detail-type``, name from the detail) and nothing else: the kind's Describe API is
the source of truth. But a body that is not such an event is rejected here, with a reason a person can
act on, before anything calls AWS.

The envelope is a msgspec ``Struct`` (the fields of Powertools' ``EventBridgeModel``), one tagged struct
per detail-type, decoded straight from the JSON text with strict types. msgspec rather than pydantic for
one reason, measured by ``make bench``: importing pydantic and building the models cost about 80 ms of
every cold start, msgspec about 4 ms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Final, Literal

import msgspec

from jobtrail.core.kinds import KIND_OF_DETAIL_TYPE, SPECS, JobKey, Kind, key_from_arn

SOURCE: Final = "aws.sagemaker"
#: SageMaker's job name pattern (training, processing, transform, tuning: only the length differs); the
#: hyphen run makes a separate length limit necessary. msgspec matches with Python's ``re``, whose ``$``
#: also matches before a final newline: ``\Z`` ends the text.
JOB_NAME_PATTERN: Final = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\Z"
JOB_NAME_MAX_LENGTH: Final = 63
TUNING_JOB_NAME_MAX_LENGTH: Final = SPECS["tuning"].max_name_length
#: ``arn:aws:sagemaker:<region>:<account>:pipeline/<pipeline name>/execution/<execution id>``, with the
#: PipelineName rule (1-256 characters) and an execution id of letters and digits.
PIPELINE_EXECUTION_ARN_PATTERN: Final = (
    r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:pipeline/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}"
    r"/execution/[a-zA-Z0-9]{1,64}\Z"
)

JobName = Annotated[str, msgspec.Meta(pattern=JOB_NAME_PATTERN, max_length=JOB_NAME_MAX_LENGTH)]
TuningJobName = Annotated[str, msgspec.Meta(pattern=JOB_NAME_PATTERN, max_length=TUNING_JOB_NAME_MAX_LENGTH)]
PipelineExecutionArn = Annotated[str, msgspec.Meta(pattern=PIPELINE_EXECUTION_ARN_PATTERN, max_length=2048)]
Account = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{12}\Z")]
Region = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\Z")]
#: EventBridge sends RFC 3339 with a zone ("2026-11-20T10:00:03Z"); a number is not an EventBridge time.
EventTime = Annotated[datetime, msgspec.Meta(tz=True)]


# -- the details: the fields jobtrail reads or logs; the rest (the kind's Describe is read for them) -----


class TrainingJobStateDetail(msgspec.Struct, frozen=True):
    TrainingJobName: JobName
    TrainingJobStatus: str | None = None
    SecondaryStatus: str | None = None


class ProcessingJobStateDetail(msgspec.Struct, frozen=True):
    ProcessingJobName: JobName
    ProcessingJobStatus: str | None = None


class TransformJobStateDetail(msgspec.Struct, frozen=True):
    TransformJobName: JobName
    TransformJobStatus: str | None = None


class TuningJobStateDetail(msgspec.Struct, frozen=True):
    HyperParameterTuningJobName: TuningJobName
    HyperParameterTuningJobStatus: str | None = None


class PipelineExecutionStatusDetail(msgspec.Struct, frozen=True):
    """Pipeline events use camelCase keys, and name the execution only by its ARN."""

    pipelineExecutionArn: PipelineExecutionArn
    currentPipelineExecutionStatus: str | None = None


class PipelineStepStatusDetail(msgspec.Struct, frozen=True):
    pipelineExecutionArn: PipelineExecutionArn
    stepName: str | None = None
    currentStepStatus: str | None = None


# -- the envelope, one tagged struct per detail-type ---------------------------------------------------


class _Envelope(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag_field="detail-type",
    rename={"replay_name": "replay-name"},
):
    """The EventBridge envelope; ``detail-type`` (the tag) picks the subclass, and so the detail's shape."""

    version: str
    id: str
    source: Literal["aws.sagemaker"]
    account: Account
    time: EventTime
    region: Region
    resources: list[str]
    replay_name: str | None = None


class TrainingJobStateChange(_Envelope, frozen=True, tag="SageMaker Training Job State Change"):
    detail: TrainingJobStateDetail


class ProcessingJobStateChange(_Envelope, frozen=True, tag="SageMaker Processing Job State Change"):
    detail: ProcessingJobStateDetail


class TransformJobStateChange(_Envelope, frozen=True, tag="SageMaker Transform Job State Change"):
    detail: TransformJobStateDetail


class TuningJobStateChange(_Envelope, frozen=True, tag="SageMaker HyperParameter Tuning Job State Change"):
    detail: TuningJobStateDetail


class PipelineExecutionStatusChange(
    _Envelope, frozen=True, tag="SageMaker Model Building Pipeline Execution Status Change"
):
    detail: PipelineExecutionStatusDetail


class PipelineStepStatusChange(
    _Envelope, frozen=True, tag="SageMaker Model Building Pipeline Execution Step Status Change"
):
    detail: PipelineStepStatusDetail


StateChangeEvent = (
    TrainingJobStateChange
    | ProcessingJobStateChange
    | TransformJobStateChange
    | TuningJobStateChange
    | PipelineExecutionStatusChange
    | PipelineStepStatusChange
)


class SqsAttributes(msgspec.Struct, frozen=True):
    """The record's system attributes ingest reads."""

    ApproximateReceiveCount: str = "1"


class SqsMessage(msgspec.Struct, frozen=True, rename="camel"):
    """One record of the batch Lambda's SQS event source delivers: the fields ingest uses."""

    message_id: str
    body: str
    attributes: SqsAttributes = SqsAttributes()

    @property
    def receive_count(self) -> int:
        """How many times SQS has delivered the record (this delivery included); 1 when not said."""
        count = self.attributes.ApproximateReceiveCount
        return int(count) if count.isdigit() else 1


class SqsBatch(msgspec.Struct, frozen=True, rename={"records": "Records"}):
    records: list[SqsMessage]


class NotAnSqsBatch(ValueError):
    """The invocation's event is not an SQS batch (a misconfigured trigger or a hand-made test event)."""


def parse_sqs_batch(event: Mapping[str, Any]) -> SqsBatch:
    """The records of an SQS event; raises ``NotAnSqsBatch`` for anything else, so that the invocation
    fails and nothing is acknowledged."""
    try:
        return msgspec.convert(event, SqsBatch)
    except msgspec.ValidationError as error:
        raise NotAnSqsBatch(f"not an SQS batch: {error}") from error


_DECODER: Final = msgspec.json.Decoder(StateChangeEvent)
#: What a literal field must hold, for the reason when it holds something else.
_EXPECTED: Final = {"source": repr(SOURCE), "detail-type": "a SageMaker job state change"}
#: msgspec ends a validation message with the location: "Expected `str`, got `int` - at `$.detail.x`".
_LOCATION = re.compile(r"^(?P<problem>.*) - at `\$(?P<location>.*)`$", re.DOTALL)
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")
#: msgspec quotes the offending value, which may be as long as the body: reasons are logged and stored.
REASON_MAX_LENGTH: Final = 300


class StateChange(msgspec.Struct, frozen=True):
    """A valid state-change event: which job to look at, and what the event claimed (for logs)."""

    event_id: str
    job: JobKey
    status: str | None
    secondary_status: str | None = None

    @property
    def job_name(self) -> str:
        return self.job.name

    @property
    def kind(self) -> Kind:
        return self.job.kind


class Rejection(msgspec.Struct, frozen=True):
    """A record that is not a valid state-change event, and why."""

    reason: str
    event_id: str | None


def parse_state_change(body: str) -> StateChange | Rejection:
    """Parse an SQS record body; never raises for bad input, returns a ``Rejection`` instead."""
    try:
        event = _DECODER.decode(body)
    except msgspec.ValidationError as error:  # JSON, but not this event
        return Rejection(reason=_explain(error), event_id=_event_id_of(body))
    except msgspec.DecodeError as error:
        return Rejection(reason=_one_line(f"body: not JSON ({error})"), event_id=_event_id_of(body))
    except RecursionError:  # nested deeper than the decoder goes
        return Rejection(reason="body: JSON nested too deeply", event_id=None)
    elsewhere = _named_elsewhere(event)
    if elsewhere is not None:
        return Rejection(reason=elsewhere, event_id=event.id)
    return _state_change(event)


def _named_elsewhere(event: StateChangeEvent) -> str | None:
    """Why the event's job ARNs (``resources``, a pipeline's execution ARN) name another account or
    region than its envelope, or ``None``. The envelope decides where the job is described (organization
    mode: which member's role): an event forwarded by one account about another's job is not believed."""
    arns = [*event.resources]
    if isinstance(event, PipelineExecutionStatusChange | PipelineStepStatusChange):
        arns.append(event.detail.pipelineExecutionArn)
    for arn in arns:
        named = key_from_arn(arn)
        if named is not None and (named.account, named.region) != (event.account, event.region):
            return _one_line(
                f"resources: {arn} is in account {named.account} region {named.region}, "
                f"the envelope says account {event.account} region {event.region}"
            )
    return None


def _state_change(event: StateChangeEvent) -> StateChange:
    """The job an event names, and the statuses it claims (the step's, for a step event)."""
    kind = KIND_OF_DETAIL_TYPE[_detail_type(event)]

    def key(name: str) -> JobKey:
        return JobKey(account=event.account, region=event.region, kind=kind, name=name)

    match event:
        case TrainingJobStateChange(detail=detail):
            return StateChange(
                event.id, key(detail.TrainingJobName), detail.TrainingJobStatus, detail.SecondaryStatus
            )
        case ProcessingJobStateChange(detail=detail):
            return StateChange(event.id, key(detail.ProcessingJobName), detail.ProcessingJobStatus)
        case TransformJobStateChange(detail=detail):
            return StateChange(event.id, key(detail.TransformJobName), detail.TransformJobStatus)
        case TuningJobStateChange(detail=detail):
            return StateChange(
                event.id, key(detail.HyperParameterTuningJobName), detail.HyperParameterTuningJobStatus
            )
        case PipelineExecutionStatusChange(detail=detail):
            return StateChange(
                event.id,
                key(_execution_name(detail.pipelineExecutionArn)),
                detail.currentPipelineExecutionStatus,
            )
        case PipelineStepStatusChange(detail=detail):
            step = f"{detail.stepName}: {detail.currentStepStatus}" if detail.stepName else None
            return StateChange(event.id, key(_execution_name(detail.pipelineExecutionArn)), None, step)


def _detail_type(event: StateChangeEvent) -> str:
    tag = type(event).__struct_config__.tag
    if not isinstance(tag, str):  # every subclass declares its tag
        raise TypeError(f"{type(event).__name__} has no detail-type")
    return tag


def _execution_name(arn: str) -> str:
    """``<pipeline name>/<execution id>`` from an execution ARN (the pattern was checked on decoding)."""
    parsed = key_from_arn(arn)
    if parsed is None:
        raise ValueError(f"not a pipeline execution ARN: {arn}")
    return parsed.name


def _explain(error: msgspec.ValidationError) -> str:
    """One line naming the problem by its location in the event, e.g. ``source: Invalid enum value …``."""
    message = str(error)
    match = _LOCATION.match(message)
    if match is None:
        return _one_line(f"body: {message}")
    location = match["location"].removeprefix(".") or "body"
    problem = match["problem"]
    if location in _EXPECTED and problem.startswith(("Invalid enum value", "Invalid value")):
        problem = f"{problem}, expected {_EXPECTED[location]}"
    return _one_line(f"{location}: {problem}")


def _one_line(reason: str) -> str:
    """The reason on one line, at most ``REASON_MAX_LENGTH`` characters."""
    line = _LINE_BREAKS.sub(" ", reason)
    return line if len(line) <= REASON_MAX_LENGTH else line[: REASON_MAX_LENGTH - 1] + "…"


def _event_id_of(body: str) -> str | None:
    """The event id of a rejected body, when it has one, so the log line can name the event. The
    standard library reads what msgspec refuses (a lone surrogate, a number out of range)."""
    try:
        document: Any = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json.loads can go
        return None
    event_id = document.get("id") if isinstance(document, dict) else None
    return event_id if isinstance(event_id, str) else None
