"""``jobtrail dlq``: what sits in ``StateChangeDeadLetterQueue``, why, and moving it back.

Ingest parks rejected records with the message attributes named in ``jobtrail.adapters.sqs``; this side
only reads them (it never runs in Lambda).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobtrail.adapters.sqs import EVENT_ID_ATTRIBUTE, REASON_ATTRIBUTE

#: How long ``peek`` keeps what it has read out of sight (it shows them all again when done).
PEEK_VISIBILITY_SECONDS = 60


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message in the dead-letter queue, and why it is there."""

    message_id: str
    event_id: str | None
    job_name: str | None
    reason: str
    receive_count: int
    sent_at: datetime | None


class DeadLetterQueue:
    """Looks into ``StateChangeDeadLetterQueue`` and moves its messages back (``jobtrail dlq``)."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def peek(self, limit: int = 50) -> list[DeadLetter]:
        """Up to ``limit`` messages, left in the queue.

        Each message is received once (SQS counts that receive) and kept hidden while the listing goes
        on, so the next receive brings new ones; at the end every one is made visible again.
        """
        seen: dict[str, DeadLetter] = {}
        handles: list[str] = []
        try:
            for _ in range(limit):  # bounded: every round brings at least one new message or stops
                response = self._client.receive_message(
                    QueueUrl=self._queue_url,
                    MaxNumberOfMessages=min(10, limit - len(seen)),
                    VisibilityTimeout=PEEK_VISIBILITY_SECONDS,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
                messages = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
                if not messages:
                    break
                for message in messages:
                    seen[message["MessageId"]] = describe_dead_letter(message)
                    handles.append(message["ReceiptHandle"])
                if len(seen) >= limit:
                    break
        finally:
            for start in range(0, len(handles), 10):
                self._client.change_message_visibility_batch(
                    QueueUrl=self._queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                        for i, handle in enumerate(handles[start : start + 10])
                    ],
                )
        return list(seen.values())

    def redrive(self, *, destination_arn: str | None = None, per_second: int | None = None) -> str:
        """Start an SQS message move task (to the original source queue unless told); returns its handle."""
        source = self._client.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])
        arguments: dict[str, Any] = {"SourceArn": source["Attributes"]["QueueArn"]}
        if destination_arn:
            arguments["DestinationArn"] = destination_arn
        if per_second:
            arguments["MaxNumberOfMessagesPerSecond"] = per_second
        return str(self._client.start_message_move_task(**arguments)["TaskHandle"])


def describe_dead_letter(message: dict[str, Any]) -> DeadLetter:
    """Why a message is in the dead-letter queue: rejected by ingest (its reason attribute), not
    deliverable by EventBridge (its ERROR_* attributes), or failed five times (the redrive policy)."""
    attributes = {k: v.get("StringValue", "") for k, v in (message.get("MessageAttributes") or {}).items()}
    system = message.get("Attributes") or {}
    event_id, job_name = _event_fields(message.get("Body", ""))
    if REASON_ATTRIBUTE in attributes:
        reason = f"rejected: {attributes[REASON_ATTRIBUTE]}"
    elif "ERROR_MESSAGE" in attributes or "ERROR_CODE" in attributes:
        error = f"{attributes.get('ERROR_CODE', '')} {attributes.get('ERROR_MESSAGE', '')}"
        reason = f"EventBridge could not deliver it: {error}"
    elif system.get("DeadLetterQueueSourceArn"):
        reason = f"processing failed repeatedly in {system['DeadLetterQueueSourceArn'].rsplit(':', 1)[-1]}"
    else:
        reason = "processing failed repeatedly (redrive policy)"
    sent = system.get("SentTimestamp")
    return DeadLetter(
        message_id=message["MessageId"],
        event_id=attributes.get(EVENT_ID_ATTRIBUTE) or event_id,
        job_name=job_name,
        reason=reason.strip(),
        receive_count=int(system.get("ApproximateReceiveCount", 0)),
        sent_at=datetime.fromtimestamp(int(sent) / 1000, tz=UTC) if sent else None,
    )


def _event_fields(body: str) -> tuple[str | None, str | None]:
    try:
        document = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(document, dict):
        return None, None
    detail = document.get("detail")
    event_id = document.get("id")
    return (event_id if isinstance(event_id, str) else None, _job_name(detail))


#: Where a state change's detail names its job: each job kind's name member; a pipeline execution has
#: none, its name is taken from its ARN (``<pipeline>/<execution id>``).
_NAME_MEMBERS = ("TrainingJobName", "ProcessingJobName", "TransformJobName", "HyperParameterTuningJobName")


def _job_name(detail: object) -> str | None:
    """The name of the job an event's detail is about, whatever its kind; ``None`` if it names none."""
    from jobtrail.core.kinds import key_from_arn  # noqa: PLC0415

    if not isinstance(detail, dict):
        return None
    for member in _NAME_MEMBERS:
        if isinstance(detail.get(member), str):
            return str(detail[member])
    execution = detail.get("pipelineExecutionArn")
    key = key_from_arn(execution) if isinstance(execution, str) else None
    return key.name if key else None
