"""Who an alert reaches: the AlertTopic's subscriptions, their endpoints masked, and whether a subscription's
filter policy lets a given message through (``jobtrail alerts test``).

The filter policy is judged the simple way: exact strings, ``prefix``, ``suffix``, ``equals-ignore-case``,
``anything-but`` (values or a prefix), ``exists`` and ``$or``; anything else (numeric ranges, CIDR blocks,
wildcards) is "cannot tell", shown with the policy, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

#: What ListSubscriptionsByTopic gives as the ARN of a subscription still waiting for its confirmation.
PENDING = "PendingConfirmation"
#: SNS's default filter policy scope.
ATTRIBUTES_SCOPE = "MessageAttributes"

Verdict = Literal["receives", "filtered out", "cannot tell", "pending confirmation"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription of the topic, as ``alerts test`` reports it: no secret of its endpoint."""

    protocol: str
    #: The endpoint masked: ``a***@example.com``, ``https://host``, a function or queue name.
    endpoint: str
    confirmed: bool
    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: str | None = None
    #: Why its attributes are unknown (GetSubscriptionAttributes refused), if they are.
    unreadable: str | None = None

    def verdict(self, attributes: Mapping[str, str], body: Mapping[str, Any]) -> tuple[Verdict, str]:
        """Whether a message with ``attributes`` (SNS message attributes) and ``body`` (the JSON message)
        reaches this subscription, and why (empty when it simply does)."""
        if not self.confirmed:
            return "pending confirmation", "receives nothing until someone confirms it"
        if self.unreadable:
            return "cannot tell", f"its filter policy could not be read ({self.unreadable})"
        if not self.filter_policy:
            return "receives", ""
        scope = self.filter_policy_scope or ATTRIBUTES_SCOPE
        values = body if scope == "MessageBody" else attributes
        policy = json.dumps(self.filter_policy, ensure_ascii=False, separators=(",", ":"))
        match policy_matches(self.filter_policy, values):
            case True:
                return "receives", f"its filter policy matches: {policy}"
            case False:
                failing = ", ".join(sorted(_failing_keys(self.filter_policy, values)))
                on = f" on {failing}" if failing else ""
                return "filtered out", f"its filter policy ({scope}) does not match{on}: {policy}"
            case None:
                return (
                    "cannot tell",
                    f"its filter policy ({scope}) uses more than jobtrail evaluates: {policy}",
                )


class TopicSubscriptions:
    """The subscriptions of an SNS topic (ListSubscriptionsByTopic, then GetSubscriptionAttributes for
    each confirmed one's filter policy)."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def list(self) -> list[Subscription]:
        return [self._described(listed) for listed in self._listed()]

    def _listed(self) -> Iterator[dict[str, Any]]:
        pages = self._client.get_paginator("list_subscriptions_by_topic")
        for page in pages.paginate(TopicArn=self._topic_arn):
            yield from page.get("Subscriptions", ())

    def _described(self, listed: Mapping[str, Any]) -> Subscription:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        protocol = str(listed.get("Protocol", ""))
        endpoint = mask_endpoint(protocol, str(listed.get("Endpoint", "")))
        arn = str(listed.get("SubscriptionArn", ""))
        if not arn.startswith("arn:"):
            return Subscription(protocol, endpoint, confirmed=False)
        try:
            attributes = self._client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            return Subscription(protocol, endpoint, confirmed=True, unreadable=str(code))
        return Subscription(
            protocol,
            endpoint,
            confirmed=attributes.get("PendingConfirmation", "false") != "true",
            filter_policy=json.loads(attributes["FilterPolicy"]) if attributes.get("FilterPolicy") else None,
            filter_policy_scope=attributes.get("FilterPolicyScope"),
        )


def mask_endpoint(protocol: str, endpoint: str) -> str:
    """An endpoint shown without what could be secret or personal: an e-mail address's first letter and
    domain, an HTTP(S) endpoint's scheme and host (a webhook's path is its secret), a Lambda function's or
    SQS queue's or Firehose stream's name, a phone number's last two digits."""
    if protocol in ("email", "email-json"):
        local, at, domain = endpoint.rpartition("@")
        return f"{local[:1]}***@{domain}" if at else "***"
    if protocol in ("http", "https"):
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.hostname}" if parts.hostname else protocol
    if protocol == "lambda":
        # arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
        fields = endpoint.split(":")
        return fields[6] if len(fields) > 6 else "***"
    if protocol in ("sqs", "firehose"):
        return endpoint.rsplit(":", 1)[-1].rsplit("/", 1)[-1] or "***"
    if protocol == "sms":
        digits = [c for c in endpoint if c.isdigit()]
        return "***" + "".join(digits[-2:])
    return "***"


def policy_matches(policy: Mapping[str, Any], values: Mapping[str, Any]) -> bool | None:
    """Whether ``values`` (message attributes, or the message body for the MessageBody scope) match
    ``policy``: every key, one of its conditions each; ``None`` when it cannot be told."""
    return _all(_key_matches(key, conditions, values) for key, conditions in policy.items())


def _failing_keys(policy: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    return [key for key, conditions in policy.items() if _key_matches(key, conditions, values) is False]


def _key_matches(key: str, conditions: Any, values: Mapping[str, Any]) -> bool | None:
    if key == "$or":  # a list of policies, one of which must match
        if not isinstance(conditions, list):
            return None
        return _any(policy_matches(p, values) if isinstance(p, dict) else None for p in conditions)
    value = values.get(key)
    if isinstance(conditions, dict):  # a nested property of the message body
        return policy_matches(conditions, value) if isinstance(value, dict) else False
    if not isinstance(conditions, list):
        return None
    return _any(_condition_matches(condition, key in values, value) for condition in conditions)


#: The operators on a string value that take one string operand.
_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "prefix": str.startswith,
    "suffix": str.endswith,
    "equals-ignore-case": lambda value, operand: value.casefold() == operand.casefold(),
}


def _condition_matches(condition: Any, present: bool, value: Any) -> bool | None:
    """One condition of a key's list (``"nlp"``, ``{"prefix": "n"}``…) against the message's value;
    numbers, booleans and ``null`` are not judged (the test alert's attributes are strings)."""
    if isinstance(condition, str):
        return present and value == condition
    one_operator = isinstance(condition, dict) and len(condition) == 1
    operator, operand = next(iter(condition.items())) if one_operator else ("", None)
    if operator == "exists" and isinstance(operand, bool):
        return present == operand
    if not present:
        return False  # every other condition needs the property to be there
    if operator == "anything-but" and isinstance(value, str):
        return _anything_but(value, operand)
    test = _STRING_TESTS.get(operator)
    if test is None or not isinstance(value, str) or not isinstance(operand, str):
        return None
    return test(value, operand)


def _anything_but(value: str, operand: Any) -> bool | None:
    if isinstance(operand, str):
        operand = [operand]
    if isinstance(operand, list) and all(isinstance(item, str) for item in operand):
        return value not in operand
    if isinstance(operand, dict) and set(operand) == {"prefix"} and isinstance(operand["prefix"], str):
        return not value.startswith(operand["prefix"])
    return None


def _any(results: Iterable[bool | None]) -> bool | None:
    """True if one is, else ``None`` if one cannot be told, else False."""
    told = list(results)
    if True in told:
        return True
    return None if None in told else False


def _all(results: Iterable[bool | None]) -> bool | None:
    """False if one is, else ``None`` if one cannot be told, else True."""
    told = list(results)
    if False in told:
        return False
    return None if None in told else True
