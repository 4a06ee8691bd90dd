"""Where alerts go: the SNS adapter of the ``AlertPublisher`` port (the template's ``AlertTopic``)."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from jobtrail.core.model import Alert

#: The client the adapter expects: bounded waits, so an alert is published within its claim
#: (``usecases.sync.ALERT_CLAIM_SECONDS``) even when SNS hangs.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10)


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
