"""Where rejected records go: the SQS adapter of the ``DeadLetters`` port.

A rejected record is sent straight to the dead-letter queue with the reason in its message
attributes (so ``jobtrail dlq list`` can say why), instead of failing five times first.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

#: Message attributes set on a parked record.
REASON_ATTRIBUTE = "jobtrail-reject-reason"
EVENT_ID_ATTRIBUTE = "jobtrail-event-id"
SOURCE_MESSAGE_ATTRIBUTE = "jobtrail-source-message-id"
#: SQS caps a message attribute value with the body at 256 KiB; a reason never needs more than this.
MAX_REASON_LENGTH = 1000
#: The client the adapter expects: bounded waits, a few standard retries; what still fails fails the record.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10)


class SqsDeadLetters:
    """The ``DeadLetters`` port on an SQS queue (the template's ``StateChangeDeadLetterQueue``)."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def park(self, body: str, *, reason: str, event_id: str | None, message_id: str) -> None:
        attributes = {
            REASON_ATTRIBUTE: reason[:MAX_REASON_LENGTH],
            SOURCE_MESSAGE_ATTRIBUTE: message_id,
        }
        if event_id:
            attributes[EVENT_ID_ATTRIBUTE] = event_id
        self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
            },
        )
