"""What ``jobtrail alerts test`` says of each subscription: its endpoint masked, and whether its filter
policy lets the test alert through; and how ``alerts test`` is told from ``alerts JOB``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jobtrail.core.alerts import build_test_alert
from jobtrail_cli.commands.alert_check import print_report, report_of
from jobtrail_cli.parser import ALERTS_TEST, build_parser, route_alerts_test
from jobtrail_cli.subscriptions import Subscription, mask_endpoint, policy_matches

ATTRIBUTES = {
    "alert_type": "Test",
    "severity": "info",
    "account": "222233334444",
    "region": "eu-west-1",
    "test": "true",
    "team": "nlp-research",
}


@pytest.mark.parametrize(
    ("protocol", "endpoint", "shown"),
    [
        ("email", "alice@example.com", "a***@example.com"),
        ("email-json", "ops+alerts@corp.example", "o***@corp.example"),
        ("email", "no-at-sign", "***"),
        ("https", "https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com"),
        ("http", "http://user:pw@10.0.0.1:8080/hook?token=abc", "http://10.0.0.1"),
        ("lambda", "arn:aws:lambda:us-east-1:123456789012:function:jobtrail-Slack", "jobtrail-Slack"),
        ("lambda", "arn:aws:lambda:us-east-1:123456789012:function:pager:live", "pager"),
        ("sqs", "arn:aws:sqs:eu-west-1:123456789012:team-alerts", "team-alerts"),
        ("firehose", "arn:aws:firehose:us-east-1:123456789012:deliverystream/archive", "archive"),
        ("sms", "+15555550123", "***23"),
        ("application", "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/1234", "***"),
    ],
)
def test_endpoints_are_shown_without_their_secrets(protocol: str, endpoint: str, shown: str) -> None:
    assert mask_endpoint(protocol, endpoint) == shown


@pytest.mark.parametrize(
    ("policy", "matches"),
    [
        ({"severity": ["critical", "info"]}, True),
        ({"severity": ["critical"]}, False),
        ({"team": [{"prefix": "nlp"}]}, True),
        ({"team": [{"suffix": "vision"}]}, False),
        ({"alert_type": [{"equals-ignore-case": "TEST"}]}, True),
        ({"severity": [{"anything-but": ["info", "warning"]}]}, False),
        ({"severity": [{"anything-but": "critical"}]}, True),
        ({"team": [{"anything-but": {"prefix": "nlp"}}]}, False),
        ({"owner": [{"exists": False}]}, True),
        ({"owner": [{"exists": True}]}, False),
        ({"owner": ["alice"]}, False),  # a key the message lacks never matches a value
        ({"severity": ["critical"], "team": ["nlp-research"]}, False),  # every key must match
        ({"$or": [{"severity": ["critical"]}, {"test": ["true"]}]}, True),
        ({"$or": [{"severity": ["critical"]}, {"team": ["vision"]}]}, False),
        ({"severity": [{"numeric": [">", 0]}]}, None),  # not judged: said so
        ({"severity": ["critical", {"numeric": [">", 0]}]}, None),
        ({"severity": ["info", {"numeric": [">", 0]}]}, True),  # one condition that matches is enough
        ({"severity": ["critical"], "team": [{"cidr": "10.0.0.0/8"}]}, False),  # one key that fails is enough
        ({"severity": [{}]}, None),
        # Organization mode: a member account's alerts, or every account but one
        ({"account": ["222233334444"]}, True),
        ({"account": ["333344445555"]}, False),
        ({"account": ["222233334444"], "region": ["us-east-1"]}, False),
        ({"account": [{"anything-but": ["111122223333"]}], "severity": ["info"]}, True),
    ],
)
def test_filter_policies_are_judged_as_sns_does_or_not_at_all(
    policy: dict[str, object], matches: bool | None
) -> None:
    assert policy_matches(policy, ATTRIBUTES) is matches


def test_a_body_policy_reads_the_message_and_its_nested_fields() -> None:
    body = {"alert_type": "Test", "test": True, "route": {"team": "nlp", "reason": "test alert"}}
    subscription = Subscription(
        "sqs",
        "q",
        confirmed=True,
        filter_policy={"route": {"team": ["nlp"]}},
        filter_policy_scope="MessageBody",
    )
    assert subscription.verdict({}, body) == (
        "receives",
        'its filter policy matches: {"route":{"team":["nlp"]}}',
    )
    assert policy_matches({"route": {"team": ["vision"]}}, body) is False
    assert policy_matches({"job_arn": {"team": ["nlp"]}}, body) is False


def test_each_verdict_says_why() -> None:
    pending = Subscription("email", "b***@example.com", confirmed=False)
    unreadable = Subscription("sqs", "theirs", confirmed=True, unreadable="AuthorizationError")
    dropped = Subscription("lambda", "pager", confirmed=True, filter_policy={"severity": ["critical"]})
    plain = Subscription("email", "a***@example.com", confirmed=True)

    assert pending.verdict(ATTRIBUTES, {}) == (
        "pending confirmation",
        "receives nothing until someone confirms it",
    )
    assert unreadable.verdict(ATTRIBUTES, {}) == (
        "cannot tell",
        "its filter policy could not be read (AuthorizationError)",
    )
    assert dropped.verdict(ATTRIBUTES, {}) == (
        "filtered out",
        'its filter policy (MessageAttributes) does not match on severity: {"severity":["critical"]}',
    )
    assert plain.verdict(ATTRIBUTES, {}) == ("receives", "")


PARSER = build_parser()


@pytest.mark.parametrize(
    ("argv", "routed"),
    [
        (["alerts", "test"], [ALERTS_TEST]),
        (["alerts", "test", "--team", "nlp"], [ALERTS_TEST, "--team", "nlp"]),
        (["--stack", "alerts", "alerts", "test"], ["--stack", "alerts", ALERTS_TEST]),  # a stack named alerts
        (["--region=eu-west-1", "--local", "alerts", "test"], ["--region=eu-west-1", "--local", ALERTS_TEST]),
        (["--sta", "s", "alerts", "test"], ["--sta", "s", ALERTS_TEST]),  # an abbreviated option, its value
        (["--table", "test", "alerts"], ["--table", "test", "alerts"]),
        (["alerts", "--json", "test"], ["alerts", "--json", "test"]),  # JOB test: refused by the command
        (["alerts", "tests"], ["alerts", "tests"]),
        (["show", "alerts", "test"], ["show", "alerts", "test"]),
        (["--", "alerts", "test"], ["--", "alerts", "test"]),
    ],
)
def test_test_right_after_alerts_is_the_test_command(argv: list[str], routed: list[str]) -> None:
    assert route_alerts_test(argv, PARSER) == routed


def test_the_routed_command_parses_as_alerts_test_and_alerts_job_as_before() -> None:
    routed = PARSER.parse_args(
        route_alerts_test(["alerts", "test", "--topic-arn", "arn", "--team", "nlp"], PARSER)
    )
    assert (routed.command, routed.topic_arn, routed.team) == (ALERTS_TEST, "arn", "nlp")
    listing = PARSER.parse_args(route_alerts_test(["alerts", "bert", "--kind", "training"], PARSER))
    assert (listing.command, listing.job, listing.job_option, listing.kind) == (
        "alerts",
        "bert",
        None,
        "training",
    )
    named = PARSER.parse_args(route_alerts_test(["alerts", "--job", "test"], PARSER))
    assert (named.command, named.job, named.job_option) == ("alerts", None, "test")


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_sample_is_what_alerts_test_prints(capsys: pytest.CaptureFixture[str]) -> None:
    sample = re.search(
        r"### Send a test alert after deploy.*?```text\n(.*?)```", README.read_text(encoding="utf-8"), re.S
    )
    assert sample, "README lost its `alerts test` sample"
    caller = "arn:aws:sts::111122223333:assumed-role/jobtrail-publisher/alice"
    alert = build_test_alert(
        datetime(2026, 11, 20, 14, 5, 6, 123456, tzinfo=UTC),
        account="111122223333",
        region="eu-west-1",
        sent_by=caller,
    )
    report = report_of(
        alert,
        topic_arn="arn:aws:sns:eu-west-1:111122223333:jobtrail-AlertTopic-AbCdEf",
        message_id="5f0c1c9e-8f5e-5b7e-9d0a-4c2b1e7a9f10",
        caller=caller,
        subscriptions=[
            Subscription("lambda", "jobtrail-SlackNotifierFunction-XyZ", confirmed=True),
            Subscription("email", "o***@example.com", confirmed=True),
            Subscription("email", "b***@example.com", confirmed=False),
            Subscription("sqs", "pager-critical", confirmed=True, filter_policy={"severity": ["critical"]}),
        ],
        why_unlisted=None,
    )

    print_report(report)

    assert capsys.readouterr().out == sample.group(1)
