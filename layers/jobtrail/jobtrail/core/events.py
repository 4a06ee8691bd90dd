"""Parsing what IngestFunction receives: SQS batches whose record bodies carry "SageMaker Training Job
State Change" events.

The event is only a trigger: ingest needs the job name from it and nothing else (DescribeTrainingJob
is the source of truth). But a body that is not such an event is rejected here, with a reason a person
can act on, before anything calls AWS.

The envelope is a msgspec ``Struct`` (the fields of Powertools' ``EventBridgeModel``), decoded straight
from the JSON text with strict types. msgspec rather than pydantic for one reason, measured by
``make bench``: importing pydantic and building the models cost about 80 ms of every cold start, msgspec
about 4 ms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Literal

import msgspec

SOURCE: Final = "aws.sagemaker"
DETAIL_TYPE: Final = "SageMaker Training Job State Change"
#: SageMaker's TrainingJobName pattern; the hyphen run makes a separate length limit necessary. msgspec
#: matches with Python's ``re``, whose ``$`` also matches before a final newline: ``\Z`` ends the text.
JOB_NAME_PATTERN: Final = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\Z"
JOB_NAME_MAX_LENGTH: Final = 63

JobName = Annotated[str, msgspec.Meta(pattern=JOB_NAME_PATTERN, max_length=JOB_NAME_MAX_LENGTH)]
#: EventBridge sends RFC 3339 with a zone ("2026-11-20T10:00:03Z"); a number is not an EventBridge time.
EventTime = Annotated[datetime, msgspec.Meta(tz=True)]


class TrainingJobStateDetail(msgspec.Struct, frozen=True):
    """The fields of ``detail`` that jobtrail reads or logs; the others (the rest of the describe,
    times included) are not looked at: DescribeTrainingJob is read for them."""

    TrainingJobName: JobName
    TrainingJobStatus: str | None = None
    SecondaryStatus: str | None = None


class TrainingJobStateChange(
    msgspec.Struct, frozen=True, rename={"detail_type": "detail-type", "replay_name": "replay-name"}
):
    """The EventBridge envelope, narrowed to SageMaker's training-job state changes."""

    version: str
    id: str
    source: Literal["aws.sagemaker"]
    detail_type: Literal["SageMaker Training Job State Change"]
    account: str
    time: EventTime
    region: str
    resources: list[str]
    detail: TrainingJobStateDetail
    replay_name: str | None = None


class SqsMessage(msgspec.Struct, frozen=True, rename="camel"):
    """One record of the batch Lambda's SQS event source delivers: the fields ingest uses."""

    message_id: str
    body: str


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


_DECODER: Final = msgspec.json.Decoder(TrainingJobStateChange)
#: What a literal field must hold, for the reason when it holds something else.
_EXPECTED: Final = {"source": SOURCE, "detail-type": DETAIL_TYPE}
#: msgspec ends a validation message with the location: "Expected `str`, got `int` - at `$.detail.x`".
_LOCATION = re.compile(r"^(?P<problem>.*) - at `\$(?P<location>.*)`$", re.DOTALL)
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")
#: msgspec quotes the offending value, which may be as long as the body: reasons are logged and stored.
REASON_MAX_LENGTH: Final = 300


@dataclass(frozen=True, slots=True)
class StateChange:
    """A valid state-change event: which job to look at, and what the event claimed (for logs)."""

    event_id: str
    job_name: str
    status: str | None
    secondary_status: str | None


@dataclass(frozen=True, slots=True)
class Rejection:
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
    return StateChange(
        event_id=event.id,
        job_name=event.detail.TrainingJobName,
        status=event.detail.TrainingJobStatus,
        secondary_status=event.detail.SecondaryStatus,
    )


def _explain(error: msgspec.ValidationError) -> str:
    """One line naming the problem by its location in the event, e.g. ``source: Invalid enum value …``."""
    message = str(error)
    match = _LOCATION.match(message)
    if match is None:
        return _one_line(f"body: {message}")
    location = match["location"].removeprefix(".") or "body"
    problem = match["problem"]
    if location in _EXPECTED and problem.startswith("Invalid enum value"):
        problem = f"{problem}, expected {_EXPECTED[location]!r}"
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
