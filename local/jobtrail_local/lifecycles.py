"""Scripted SageMaker job lifecycles: the fixtures in ``events/`` as typed Python objects.

``events/generate.py`` writes every fixture (with the builders: ``jobtrail_local.lifecycle_builder`` for
training jobs, ``jobtrail_local.job_lifecycles`` for processing, transform and tuning jobs,
``jobtrail_local.pipeline_lifecycles`` for pipeline executions); this module reads them back for the tests
and the local demo. A lifecycle is the sequence of changes SageMaker made to one or more jobs of any kind,
each step carrying the EventBridge event SageMaker sent and the kind's Describe answer that was true right
after it.

Jobs are named by their *label*: a training job by its name, any other kind ``<kind>/<name>``
(``lifecycle_builder.job_label``), so two jobs of different kinds with the same name stay apart while the
training-only fixtures read as they always did.
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
from jobtrail.adapters.sagemaker import (
    pipeline_record,
    processing_record,
    record_from_describe,
    transform_record,
    tuning_record,
)
from jobtrail.core.kinds import KINDS, SPECS, JobKey, Kind
from jobtrail.core.model import JobRecord

from jobtrail_local import sagemaker_model
from jobtrail_local.lifecycle_builder import ExpectedJob, Step, epoch_millis, job_label

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
    """A scripted lifecycle: its steps in the order SageMaker produced them, and the expected outcome of
    each job, by label (a training job's name, ``<kind>/<name>`` for the other kinds)."""

    name: str
    description: str
    steps: tuple[Step, ...]
    expected: Mapping[str, ExpectedJob]

    @property
    def job_names(self) -> tuple[str, ...]:
        """The labels of the jobs this lifecycle touches, in the order they first appear (for training
        jobs, their names)."""
        return tuple(dict.fromkeys(step.label for step in self.steps))

    @property
    def jobs(self) -> tuple[JobKey, ...]:
        """The jobs this lifecycle touches, in the order they first appear."""
        return tuple(dict.fromkeys(step.key for step in self.steps))

    @property
    def job_kinds(self) -> frozenset[Kind]:
        """The kinds of job this lifecycle holds."""
        return frozenset(step.kind for step in self.steps)

    def steps_of(self, job: str | JobKey) -> tuple[Step, ...]:
        """The steps that change ``job`` (a label or a key), oldest first."""
        label = job if isinstance(job, str) else job_label(job)
        return tuple(step for step in self.steps if step.label == label)

    def final_describe(self, job: str | JobKey) -> dict[str, Any]:
        """A copy of the job's Describe answer after its last step (for a pipeline execution,
        ``{"execution": …, "steps": […]}``); ``KeyError`` if unknown."""
        steps = self.steps_of(job)
        if not steps:
            raise KeyError(job)
        return copy.deepcopy(steps[-1].describe)

    def tags(self, job: str | JobKey) -> dict[str, str]:
        """The job's tags (what ListTags answers, as its events carry them; ``{}`` for a pipeline
        execution, whose pipeline the fixtures do not tag); ``KeyError`` if unknown."""
        steps = self.steps_of(job)
        if not steps:
            raise KeyError(job)
        return steps[0].tags

    def final_record(self, job: str | JobKey) -> JobRecord:
        """What jobtrail's SageMaker adapter makes of the job's final Describe answer."""
        steps = self.steps_of(job)
        if not steps:
            raise KeyError(job)
        return record_of(steps[-1].kind, steps[-1].describe)


def record_of(kind: Kind, describe: Mapping[str, Any]) -> JobRecord:
    """The ``JobRecord`` jobtrail's adapter maps a Describe answer of ``kind`` to (a pipeline execution's
    answer is ``{"execution": …, "steps": […]}``)."""
    match kind:
        case "training":
            return record_from_describe(describe)
        case "processing":
            return processing_record(describe)
        case "transform":
            return transform_record(describe)
        case "tuning":
            return tuning_record(describe)
        case "pipeline":
            return pipeline_record(describe["execution"], describe["steps"])


#: Per kind without SecondaryStatusTransitions: the member holding its status and the one dating its end.
_STATUS_AND_END: dict[Kind, tuple[str, str | None]] = {
    "processing": ("ProcessingJobStatus", "ProcessingEndTime"),
    "transform": ("TransformJobStatus", "TransformEndTime"),
    "tuning": ("HyperParameterTuningJobStatus", "HyperParameterTuningEndTime"),
    "pipeline": ("PipelineExecutionStatus", None),
}


def seen_transitions(kind: Kind, answers: Iterable[Mapping[str, Any]]) -> list[tuple[str, datetime]]:
    """The (status, start) transitions a consumer must record for a job whose Describe shows only its
    current status, given every answer in order: the running status from CreationTime; each other status
    once, from the kind's end time if it ended and has one, otherwise from the LastModifiedTime of the first
    answer showing it. The oracle of the fixtures and loads, written without jobtrail's code."""
    status_member, end_member = _STATUS_AND_END[kind]
    running = SPECS[kind].running
    seen: dict[str, datetime] = {}
    for answer in answers:
        job = answer["execution"] if kind == "pipeline" else answer
        seen.setdefault(running, job["CreationTime"])
        status = job[status_member]
        if status in seen:
            continue
        ended = job.get(end_member) if end_member and status in SPECS[kind].terminal else None
        if ended is None and "LastModifiedTime" not in job:
            raise ValueError(f"{kind}: nothing dates {status} (no end time, no LastModifiedTime)")
        seen[status] = ended or job["LastModifiedTime"]
    return sorted(seen.items(), key=lambda item: item[1])


def lifecycle_names(kinds: Iterable[Kind] = KINDS) -> tuple[str, ...]:
    """The names of the scripted lifecycles (``events/lifecycles/<name>.json``) whose jobs are all of
    ``kinds`` (default: every lifecycle), sorted."""
    names = _names_in(EVENTS_DIR / "lifecycles")
    wanted = frozenset(kinds)
    if wanted >= frozenset(KINDS):
        return names
    return tuple(name for name in names if _kinds_in(EVENTS_DIR / "lifecycles" / f"{name}.json") <= wanted)


def load_lifecycle(name: str) -> Lifecycle:
    """Read ``events/lifecycles/<name>.json``; describes get real datetimes, as boto3 would return them."""
    raw = _read_json(EVENTS_DIR / "lifecycles" / f"{name}.json")
    steps = tuple(
        Step(
            index=index,
            job_name=item["job_name"],
            event=item["event"],
            describe=parse_describe(item["describe"], item["kind"]),
            kind=item["kind"],
            modified=_parse_time(item["modified"]),
        )
        for index, item in enumerate(raw["steps"])
    )
    expected = {label: _expected_job(spec) for label, spec in raw["expected"].items()}
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


#: Each kind's Describe operation (a pipeline execution's answer also holds ListPipelineExecutionSteps').
DESCRIBE_OPERATIONS: Mapping[Kind, str] = MappingProxyType(
    {
        "training": "DescribeTrainingJob",
        "processing": "DescribeProcessingJob",
        "transform": "DescribeTransformJob",
        "tuning": "DescribeHyperParameterTuningJob",
        "pipeline": "DescribePipelineExecution",
    }
)


def parse_describe(response: Mapping[str, Any], kind: Kind = "training") -> dict[str, Any]:
    """Turn a Describe answer of ``kind`` as the AWS CLI prints it into what boto3 returns.

    Every member the botocore model declares a timestamp becomes a timezone-aware ``datetime``; numbers,
    strings and unknown members are kept as they are. The input is not modified.
    """
    shape = sagemaker_model.output_shape(DESCRIBE_OPERATIONS[kind])
    if kind == "pipeline":
        step = sagemaker_model.structure("PipelineExecutionStep")
        return {
            "execution": _convert_timestamps(dict(response["execution"]), shape),
            "steps": [_convert_timestamps(dict(item), step) for item in response["steps"]],
        }
    converted: dict[str, Any] = _convert_timestamps(dict(response), shape)
    return converted


def answer_problems(kind: Kind, describe: Mapping[str, Any]) -> list[str]:
    """What botocore's model forbids in a Describe answer of ``kind`` (``sagemaker_model.problems``; for a
    pipeline execution, in its DescribePipelineExecution answer and in its steps' listing)."""
    if kind == "pipeline":
        listing = {"PipelineExecutionSteps": describe["steps"]}
        return [
            *sagemaker_model.problems(
                describe["execution"], sagemaker_model.output_shape("DescribePipelineExecution")
            ),
            *sagemaker_model.problems(listing, sagemaker_model.output_shape("ListPipelineExecutionSteps")),
        ]
    return sagemaker_model.problems(describe, sagemaker_model.output_shape(DESCRIBE_OPERATIONS[kind]))


def _expected_job(spec: Mapping[str, Any]) -> ExpectedJob:
    return ExpectedJob(
        kind=spec["kind"],
        status=spec["status"],
        secondary_status=spec["secondary_status"],
        transitions=tuple((status, _parse_time(start)) for status, start in spec["transitions"]),
        final_metrics=spec["final_metrics"],
        training_time_seconds=spec["training_time_seconds"],
        billable_time_seconds=spec["billable_time_seconds"],
        spot_savings_percent=spec["spot_savings_percent"],
        failure_reason_startswith=spec["failure_reason_startswith"],
        alerts=tuple(spec["alerts"]),
        exit_message_startswith=spec["exit_message_startswith"],
        best_training_job=spec["best_training_job"],
        best_objective_value=spec["best_objective_value"],
        failed_step=spec["failed_step"],
    )


def _kinds_in(path: Path) -> frozenset[Kind]:
    return frozenset(step["kind"] for step in _read_json(path)["steps"])


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
