"""Scripted SageMaker training-job lifecycles: the fixtures in ``events/`` as typed Python objects.

``events/generate.py`` writes every fixture (with ``jobtrail_local.lifecycle_builder``); this module reads
them back for the tests and the local demo. A lifecycle is the sequence of changes SageMaker made to one or
more training jobs, each step carrying the EventBridge event SageMaker sent and the DescribeTrainingJob
response that was true right after it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from jobtrail_local.lifecycle_builder import ExpectedJob, Step, describe_output_shape, epoch_millis

#: The repository's ``events/`` folder (``local/jobtrail_local/`` → ``../../events``).
EVENTS_DIR: Path = Path(__file__).resolve().parents[2] / "events"

#: Where the fixtures' SQS records claim to come from (the queue the SAM template creates, as named in a
#: stack called ``jobtrail``).
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobtrail-StateChangeQueue-EXAMPLE"
#: The principal SQS reports as the sender of messages that EventBridge delivered.
EVENTBRIDGE_SENDER_ID = "AIDAIENQZJOLO23YVJ4VO"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/events")
#: A body that is not an EventBridge event is "sent" at this instant unless the caller says otherwise.
_DEFAULT_SENT_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
#: SQS hands an EventBridge message to Lambda this long after EventBridge put it on the queue.
_QUEUE_DELAY = timedelta(milliseconds=640)
_RECEIVE_DELAY = timedelta(milliseconds=37)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """A scripted lifecycle: its steps in the order SageMaker produced them, and the expected outcome."""

    name: str
    description: str
    steps: tuple[Step, ...]
    expected: Mapping[str, ExpectedJob]

    @property
    def job_names(self) -> tuple[str, ...]:
        """The jobs this lifecycle touches, in the order they first appear."""
        return tuple(dict.fromkeys(step.job_name for step in self.steps))

    def steps_of(self, job_name: str) -> tuple[Step, ...]:
        """The steps that change ``job_name``, oldest first."""
        return tuple(step for step in self.steps if step.job_name == job_name)

    def final_describe(self, job_name: str) -> dict[str, Any]:
        """A copy of the job's DescribeTrainingJob response after its last step; ``KeyError`` if unknown."""
        steps = self.steps_of(job_name)
        if not steps:
            raise KeyError(job_name)
        return copy.deepcopy(steps[-1].describe)


def lifecycle_names() -> tuple[str, ...]:
    """The names of every scripted lifecycle (``events/lifecycles/<name>.json``), sorted."""
    return _names_in(EVENTS_DIR / "lifecycles")


def load_lifecycle(name: str) -> Lifecycle:
    """Read ``events/lifecycles/<name>.json``; describes get real datetimes, as boto3 would return them."""
    raw = _read_json(EVENTS_DIR / "lifecycles" / f"{name}.json")
    steps = tuple(
        Step(
            index=index,
            job_name=item["job_name"],
            event=item["event"],
            describe=parse_describe(item["describe"]),
        )
        for index, item in enumerate(raw["steps"])
    )
    expected = {job_name: _expected_job(spec) for job_name, spec in raw["expected"].items()}
    return Lifecycle(
        name=raw["name"],
        description=raw["description"],
        steps=steps,
        expected=MappingProxyType(expected),
    )


def sqs_event_names() -> tuple[str, ...]:
    """The names of every good SQS event file (``events/sqs/<name>.json``), sorted."""
    return _names_in(EVENTS_DIR / "sqs")


def load_sqs_event(name: str) -> dict[str, Any]:
    """Read ``events/sqs/<name>.json``: a Lambda SQS event, ready to pass to a handler."""
    loaded: dict[str, Any] = _read_json(EVENTS_DIR / "sqs" / f"{name}.json")
    return loaded


def bad_event_names() -> tuple[str, ...]:
    """The names of every malformed-input case (``events/bad/<name>.json``), sorted."""
    return _names_in(EVENTS_DIR / "bad")


def load_bad_event(name: str) -> dict[str, Any]:
    """Read ``events/bad/<name>.json``: a Lambda SQS event holding records a consumer must reject."""
    loaded: dict[str, Any] = _read_json(EVENTS_DIR / "bad" / f"{name}.json")
    return loaded


def sns_event_names() -> tuple[str, ...]:
    """The names of every SNS notification file (``events/sns/<name>.json``), sorted."""
    return _names_in(EVENTS_DIR / "sns")


def load_sns_event(name: str) -> dict[str, Any]:
    """Read ``events/sns/<name>.json``: the event SNS invokes the Slack notifier with (one alert)."""
    loaded: dict[str, Any] = _read_json(EVENTS_DIR / "sns" / f"{name}.json")
    return loaded


def sqs_record(
    body: str,
    *,
    message_id: str | None = None,
    receive_count: int = 1,
    sent_at: datetime | None = None,
) -> dict[str, Any]:
    """Wrap ``body`` in an SQS record shaped like the ones Lambda receives from the state-change queue.

    Without ``message_id`` the id is derived from the body, so equal bodies get equal ids: pass one (or use
    ``sqs_batch``) to make distinct messages of the same text. ``sent_at`` defaults to just after the
    event's ``time`` when the body is an EventBridge event.
    """
    if receive_count < 1:
        raise ValueError("receive_count counts deliveries: it is at least 1")
    message_id = message_id or str(uuid.uuid5(_NAMESPACE, f"sqs-body:{body}"))
    sent = sent_at or _sent_time_of(body)
    sent_ms = epoch_millis(sent)
    return {
        "messageId": message_id,
        "receiptHandle": _receipt_handle(message_id, receive_count),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(sent_ms),
            "SenderId": EVENTBRIDGE_SENDER_ID,
            "ApproximateFirstReceiveTimestamp": str(epoch_millis(sent + _RECEIVE_DELAY)),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": QUEUE_ARN.split(":")[3],
    }


def sqs_batch(bodies: Iterable[str]) -> dict[str, Any]:
    """A Lambda SQS event holding one record per body, in order; every record gets its own message id."""
    records = [
        sqs_record(body, message_id=str(uuid.uuid5(_NAMESPACE, f"sqs-batch:{position}:{body}")))
        for position, body in enumerate(bodies)
    ]
    return {"Records": records}


def parse_describe(response: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a DescribeTrainingJob response as the AWS CLI prints it into what boto3 returns.

    Every member the botocore model declares a timestamp becomes a timezone-aware ``datetime``; numbers,
    strings and unknown members are kept as they are. The input is not modified.
    """
    converted = _convert_timestamps(dict(response), describe_output_shape())
    result: dict[str, Any] = converted
    return result


def _expected_job(spec: Mapping[str, Any]) -> ExpectedJob:
    return ExpectedJob(
        status=spec["status"],
        secondary_status=spec["secondary_status"],
        transitions=tuple((status, _parse_time(start)) for status, start in spec["transitions"]),
        final_metrics=spec["final_metrics"],
        training_time_seconds=spec["training_time_seconds"],
        billable_time_seconds=spec["billable_time_seconds"],
        spot_savings_percent=spec["spot_savings_percent"],
        failure_reason_startswith=spec["failure_reason_startswith"],
        alerts=tuple(spec["alerts"]),
    )


def _convert_timestamps(value: Any, shape: Shape) -> Any:
    if shape.type_name == "timestamp" and isinstance(value, str):
        return _parse_time(value)
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            key: _convert_timestamps(item, shape.members[key]) if key in shape.members else item
            for key, item in value.items()
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_convert_timestamps(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: _convert_timestamps(item, shape.value) for key, item in value.items()}
    return value


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without an offset: {text!r}")
    return moment.astimezone(UTC)


def _names_in(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in folder.glob("*.json")))


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _sent_time_of(body: str) -> datetime:
    """EventBridge puts an event on the queue shortly after the event's ``time``."""
    try:
        event = json.loads(body)
    except ValueError:
        return _DEFAULT_SENT_AT
    if not isinstance(event, dict) or not isinstance(event.get("time"), str):
        return _DEFAULT_SENT_AT
    try:
        occurred = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    except ValueError:
        return _DEFAULT_SENT_AT
    if occurred.tzinfo is None:
        return _DEFAULT_SENT_AT
    return occurred + _QUEUE_DELAY


def _receipt_handle(message_id: str, receive_count: int) -> str:
    """Opaque like SQS's (``AQEB`` + base64); a new one for every delivery of the same message."""
    seed = f"{message_id}:{receive_count}".encode()
    digest = hashlib.sha512(seed).digest() + hashlib.sha256(seed).digest()
    return "AQEB" + base64.b64encode(digest).decode("ascii")
