"""``jobtrail alerts test``: publish a clearly marked test alert through the deployed AlertTopic, so that it
reaches Slack and e-mail like any alert, and say where it went.

Calls: one GetCallerIdentity (who sent it, in the alert), one Publish, one ListSubscriptionsByTopic per
100 subscriptions and one GetSubscriptionAttributes per confirmed subscription (its filter policy).
The test alert is not stored in the history table: nothing of it shows in ``jobtrail alerts``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from jobtrail_cli.errors import EXIT_OK, EXIT_USAGE, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring, aws_call

if TYPE_CHECKING:
    from jobtrail.core.model import Alert

    from jobtrail_cli.subscriptions import Subscription

#: ``arn:<partition>:sns:<region>:<account>:<topic name>``
_TOPIC_ARN = re.compile(
    r"^arn:aws[\w-]*:sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):[\w-]{1,251}(\.fifo)?$"
)
#: The template's output that names the topic.
TOPIC_OUTPUT_KEY = "AlertTopicArn"

Result = TypeVar("Result")


def send_test_alert(args: argparse.Namespace, wiring: Wiring) -> int:
    """Publish the test alert to ``--topic-arn`` (else the ``--stack`` stack's AlertTopicArn) and report
    its message id and the topic's subscriptions: who receives it, who is still to confirm, whose filter
    policy drops it. The alert is about the topic's account and region, or ``--account`` and
    ``--job-region`` (a member account's, to try subscribers' filter policies on ``account``)."""
    from jobtrail.adapters.sns import SnsAlertPublisher  # noqa: PLC0415
    from jobtrail.core.alerts import build_test_alert  # noqa: PLC0415

    wiring.refuse_local(args.command, "the test alert goes through the AlertTopic deployed in your account")
    topic_arn = args.topic_arn or wiring.stack_output(TOPIC_OUTPUT_KEY, "--topic-arn")
    named_by = "--topic-arn" if args.topic_arn else f"stack {args.stack}'s {TOPIC_OUTPUT_KEY} output"
    topic = _TOPIC_ARN.match(topic_arn)
    if topic is None:
        raise UserError(f"not an SNS topic ARN: {topic_arn!r} (from {named_by})", EXIT_USAGE)
    region = topic["region"]
    sts = wiring.sts(region)
    caller = str(aws_call(sts.get_caller_identity)["Arn"])
    alert = build_test_alert(
        datetime.now(UTC),
        account=args.account or topic["account"],
        region=args.job_region or region,
        sent_by=caller,
        team=args.team,
    )
    sns = wiring.sns(region)
    message_id = _on_topic(lambda: SnsAlertPublisher(sns, topic_arn).publish(alert), topic_arn, named_by)
    subscriptions, why_unlisted = _subscriptions(sns, topic_arn)
    report = report_of(
        alert,
        topic_arn=topic_arn,
        message_id=message_id,
        caller=caller,
        subscriptions=subscriptions,
        why_unlisted=why_unlisted,
    )
    if args.json:
        print_json(report)
    else:
        print_report(report)
    if why_unlisted:
        print(f"jobtrail: the test alert was sent, but {why_unlisted}", file=sys.stderr)
    return EXIT_OK


def _on_topic(call: Callable[[], Result], topic_arn: str, named_by: str) -> Result:
    """``aws_call`` on the topic, with the two errors people meet here said plainly."""

    def explained() -> Result:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            return call()
        except ClientError as error:
            details = error.response.get("Error", {})
            code, message = details.get("Code"), details.get("Message")
            if code == "NotFound":
                raise UserError(
                    f"topic {topic_arn} does not exist (named by {named_by}: is that the ARN?)"
                ) from None
            if code == "AuthorizationError":
                raise UserError(
                    f"not allowed to publish to {topic_arn}: AlertTopic's policy lets only the stack's "
                    "functions and the role given as AlertPublisherRoleArn publish; run this as that role "
                    f"({message})"
                ) from None
            raise

    return aws_call(explained)


def _subscriptions(sns: Any, topic_arn: str) -> tuple[list[Subscription], str | None]:
    """The topic's subscriptions; or none and why, when they cannot be listed (the alert is sent by then:
    that is reported, not an error)."""
    from jobtrail_cli.subscriptions import TopicSubscriptions  # noqa: PLC0415

    try:
        return aws_call(lambda: TopicSubscriptions(sns, topic_arn).list()), None
    except UserError as error:
        return [], f"its subscriptions could not be listed: {error}"


def report_of(
    alert: Alert,
    *,
    topic_arn: str,
    message_id: str,
    caller: str,
    subscriptions: list[Subscription],
    why_unlisted: str | None,
) -> dict[str, Any]:
    """What ``--json`` prints (and the screen shows)."""
    attributes = alert.attributes()
    body = json.loads(alert.message)
    listed = []
    for subscription in subscriptions:
        verdict, why = subscription.verdict(attributes, body)
        listed.append(
            {
                "protocol": subscription.protocol,
                "endpoint": subscription.endpoint,
                "confirmed": subscription.confirmed,
                "filter_policy": subscription.filter_policy,
                "filter_policy_scope": subscription.filter_policy_scope,
                "verdict": verdict,
                "why": why or None,
            }
        )
    return {
        "topic_arn": topic_arn,
        "message_id": message_id,
        "alert_id": alert.alert_id,
        "subject": alert.subject,
        "attributes": attributes,
        "sent_by": caller,
        "subscriptions": listed if why_unlisted is None else None,
        "subscriptions_error": why_unlisted,
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"Sent a test alert to {report['topic_arn']}")
    print(f"  SNS message id  {report['message_id']}")
    print(f"  alert id        {report['alert_id']}")
    print(f"  subject         {report['subject']}")
    print(f"  attributes      {', '.join(f'{k}={v}' for k, v in report['attributes'].items())}")
    print(f"  sent by         {report['sent_by']}")
    subscriptions = report["subscriptions"]
    if subscriptions is None:
        return
    receiving = [s for s in subscriptions if s["verdict"] == "receives"]
    if not subscriptions:
        print("The topic has no subscriptions: nobody receives it (subscribe an e-mail address with the")
        print("AlertEmail parameter, or Slack with SlackWebhookSecretArn).")
        return
    print(f"Subscriptions ({len(receiving)} of {len(subscriptions)} receive it):")
    protocol_width = max(len(s["protocol"]) for s in subscriptions)
    endpoint_width = max(len(s["endpoint"]) for s in subscriptions)
    for s in subscriptions:
        why = f": {s['why']}" if s["why"] else ""
        print(f"  {s['protocol']:<{protocol_width}}  {s['endpoint']:<{endpoint_width}}  {s['verdict']}{why}")
    if not receiving:
        print("Nobody receives it: confirm a subscription, or loosen a filter policy.")
        return
    subject = report["subject"]
    print(f'Look for it: by e-mail, the subject "{subject}"; in Slack, "TEST — jobtrail alert wiring".')
