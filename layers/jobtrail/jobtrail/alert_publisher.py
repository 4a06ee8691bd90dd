"""Where alerts go: the ``AlertPublisher`` port and its SNS adapter (``AlertTopic``)."""

from __future__ import annotations

from typing import Any, Protocol

from jobtrail.model import Alert


class AlertPublisher(Protocol):
    """Publishes one alert; returns the transport's message id. Raises if it was not accepted."""

    def publish(self, alert: Alert) -> str: ...


class SnsAlertPublisher:
    """``AlertPublisher`` on an SNS topic: the alert document as ``Message``, a short ``Subject``, and
    ``alert_type``/``severity``/``job_name`` as String message attributes for filter policies."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, alert: Alert) -> str:
        response = self._client.publish(
            TopicArn=self._topic_arn,
            Subject=alert.subject,
            Message=alert.message,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in alert.attributes().items()
            },
        )
        return str(response["MessageId"])
