"""Parsing the SQS record bodies that carry "SageMaker Training Job State Change" events.

The event is only a trigger: ingest needs the job name from it and nothing else (DescribeTrainingJob
is the source of truth). But a body that is not such an event is rejected here, with a reason a person
can act on, before anything calls AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictStr, ValidationError

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Training Job State Change"
#: SageMaker's TrainingJobName pattern; the hyphen run makes a separate length limit necessary.
JOB_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
JOB_NAME_MAX_LENGTH = 63

#: Timestamps in the event detail are epoch milliseconds: integers, or strings in AWS's own samples.
EpochMillis = Annotated[int, Field(ge=0)] | Annotated[str, Field(pattern=r"^\d{1,16}$")]


class TrainingJobStateDetail(BaseModel):
    """The fields of ``detail`` that jobtrail reads or logs; the rest pass through untouched."""

    model_config = ConfigDict(extra="allow")

    TrainingJobName: StrictStr = Field(pattern=JOB_NAME_PATTERN, max_length=JOB_NAME_MAX_LENGTH)
    TrainingJobStatus: StrictStr | None = None
    SecondaryStatus: StrictStr | None = None
    LastModifiedTime: EpochMillis | None = None


class TrainingJobStateChange(BaseModel):
    """The EventBridge envelope (the fields of Powertools' ``EventBridgeModel``), narrowed to SageMaker's
    training-job state changes. Declared here rather than imported: importing Powertools' parser models
    builds all of them, about 60 ms of every cold start."""

    model_config = ConfigDict(populate_by_name=True)

    version: StrictStr
    id: StrictStr
    source: Literal["aws.sagemaker"]
    detail_type: Literal["SageMaker Training Job State Change"] = Field(alias="detail-type")
    account: StrictStr
    # EventBridge sends ISO 8601 ("2026-11-20T10:00:03Z"); a number is not an EventBridge time.
    time: AwareDatetime = Field(strict=True)
    region: StrictStr
    resources: list[StrictStr]
    replay_name: StrictStr | None = Field(default=None, alias="replay-name")
    detail: TrainingJobStateDetail


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
        event = TrainingJobStateChange.model_validate_json(body)
    except ValidationError as error:
        return Rejection(reason=_explain(error), event_id=_event_id_of(body))
    return StateChange(
        event_id=event.id,
        job_name=event.detail.TrainingJobName,
        status=event.detail.TrainingJobStatus,
        secondary_status=event.detail.SecondaryStatus,
    )


def _explain(error: ValidationError, *, limit: int = 3) -> str:
    """One line naming each problem by its location in the event, e.g. ``source: Input should be …``."""
    problems = []
    for detail in error.errors(include_url=False)[:limit]:
        location = ".".join(str(part) for part in detail["loc"]) or "body"
        problems.append(f"{location}: {detail['msg']}")
    more = error.error_count() - limit
    if more > 0:
        problems.append(f"and {more} more")
    return "; ".join(problems)


def _event_id_of(body: str) -> str | None:
    """The event id of a rejected body, when it has one, so the log line can name the event."""
    try:
        document: Any = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json.loads can go
        return None
    event_id = document.get("id") if isinstance(document, dict) else None
    return event_id if isinstance(event_id, str) else None
