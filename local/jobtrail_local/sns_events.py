"""What SNS delivers for a published alert: the notification, and the event a Lambda subscriber gets.

``PublishRecorder`` stands in for the SNS client under ``SnsAlertPublisher`` and keeps each Publish request
(botocore checks it against the ``sns`` service model first, as a real client would before sending it).
``notification`` is what SNS then delivers to an SQS or HTTPS subscriber, ``lambda_event`` what it invokes a
Lambda function with — one record per invocation, with the two keys Lambda spells differently
(``SigningCertUrl``, ``UnsubscribeUrl``) and ``Subject`` ``null`` when the publisher gave none.
``events/generate.py`` writes ``events/sns/*.json`` with them; the demo hands what its SQS subscription
received to the notifier through ``lambda_event`` too. The signature is not a real one: nothing here can
sign as SNS, and the notifier does not verify it (Lambda invocations come from SNS itself).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.model import Shape
from botocore.validate import validate_parameters

from jobtrail_local.lifecycle_builder import ACCOUNT, REGION

#: The template's ``AlertTopic`` as named in a stack called ``jobtrail``.
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:jobtrail-AlertTopic-EXAMPLE"
#: The id SNS gave the Slack notifier's subscription (its ARN is the topic's plus this).
SUBSCRIPTION_ID = "5f0b8e7a-3c1d-4a9e-b2f6-8d4c7e1a9b03"
#: The certificate SNS signs with in the region (as named in its ``SigningCertURL``).
SIGNING_CERT_URL = (
    f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
)

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobtrail.example/sns")


class PublishRecorder:
    """An SNS client for ``SnsAlertPublisher`` that keeps the Publish requests instead of sending them.

    Each request is validated against botocore's ``sns`` model (``ParamValidationError`` as a real client
    raises it); the answer's ``MessageId`` is derived from the topic and message, so it is reproducible.
    """

    def __init__(self, topic_arn: str = TOPIC_ARN) -> None:
        self.topic_arn = topic_arn
        self.requests: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> dict[str, Any]:
        validate_parameters(request, _publish_input())
        self.requests.append(request)
        message_id = uuid.uuid5(_NAMESPACE, f"{request['TopicArn']}\n{request['Message']}")
        return {"MessageId": str(message_id)}


def notification(
    request: Mapping[str, Any],
    *,
    message_id: str,
    published_at: datetime,
    subscription_id: str = SUBSCRIPTION_ID,
) -> dict[str, Any]:
    """The notification SNS delivers for the Publish ``request``, as an SQS or HTTPS subscriber receives it.

    ``published_at`` becomes ``Timestamp`` (UTC, milliseconds, ``Z``).
    """
    if published_at.tzinfo is None:
        raise ValueError("a naive datetime has no instant: give it a timezone")
    topic_arn = str(request["TopicArn"])
    message = str(request["Message"])
    sent: dict[str, Any] = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn}
    if "Subject" in request:
        sent["Subject"] = request["Subject"]
    sent.update(
        {
            "Message": message,
            "Timestamp": published_at.astimezone(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "SignatureVersion": "1",
            "Signature": _signature(message_id, message),
            "SigningCertURL": SIGNING_CERT_URL,
            "UnsubscribeURL": _unsubscribe_url(f"{topic_arn}:{subscription_id}"),
        }
    )
    attributes = request.get("MessageAttributes")
    if attributes:
        sent["MessageAttributes"] = {name: _attribute(value) for name, value in attributes.items()}
    return sent


def lambda_event(sent: Mapping[str, Any], *, subscription_id: str = SUBSCRIPTION_ID) -> dict[str, Any]:
    """The event SNS invokes a Lambda subscriber with for the notification ``sent`` (one record).

    ``sent`` is a notification as ``notification`` builds it or as an SQS subscriber receives it.
    """
    topic_arn = str(sent["TopicArn"])
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{subscription_id}",
                "Sns": {
                    "Type": sent["Type"],
                    "MessageId": sent["MessageId"],
                    "TopicArn": topic_arn,
                    "Subject": sent.get("Subject"),
                    "Message": sent["Message"],
                    "Timestamp": sent["Timestamp"],
                    "SignatureVersion": sent["SignatureVersion"],
                    "Signature": sent["Signature"],
                    "SigningCertUrl": sent["SigningCertURL"],
                    "UnsubscribeUrl": sent["UnsubscribeURL"],
                    "MessageAttributes": dict(sent.get("MessageAttributes") or {}),
                },
            }
        ]
    }


@functools.cache
def _publish_input() -> Shape:
    shape = botocore.session.get_session().get_service_model("sns").operation_model("Publish").input_shape
    if shape is None:
        raise LookupError("botocore's sns model has no Publish input")
    return shape


def _attribute(value: Mapping[str, Any]) -> dict[str, str]:
    """A Publish ``MessageAttributeValue`` as SNS delivers it: ``Type`` and ``Value`` (binary in base64)."""
    data_type = str(value["DataType"])
    if "BinaryValue" in value:
        return {"Type": data_type, "Value": base64.b64encode(value["BinaryValue"]).decode("ascii")}
    return {"Type": data_type, "Value": str(value["StringValue"])}


def _signature(message_id: str, message: str) -> str:
    """Shaped like SNS's (base64 of a 2048-bit RSA signature); not verifiable."""
    seed = f"{message_id}\n{message}".encode()
    signature = b"".join(hashlib.sha512(bytes([part]) + seed).digest() for part in range(4))
    return base64.b64encode(signature).decode("ascii")


def _unsubscribe_url(subscription_arn: str) -> str:
    return f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"
