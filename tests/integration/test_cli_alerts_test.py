"""``jobtrail alerts test`` on moto: the test alert published through the topic with its attributes, where
it went (subscriptions masked, filter policies judged as SNS judges them), nothing stored; errors in one
line. Beside it, ``alerts JOB`` still lists a job's alerts, a job named test included."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from cli_process import run_jobtrail
from jobtrail_cli import main
from jobtrail_cli.wiring import Wiring
from jobtrail_local.aws_calls import count_aws_calls
from moto_jobs import create_failed_training_job
from moto_stacks import STACK, create_stack

REGION = "us-east-1"
ACCOUNT = "123456789012"
#: Who moto's STS says the caller is.
MOTO_CALLER = f"arn:aws:sts::{ACCOUNT}:user/moto"


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@dataclass
class Receiver:
    """A loopback HTTP endpoint: the bodies SNS posts to it."""

    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    posts: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_port}/hooks/T0/SECRET-TOKEN", posts)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Topic:
    arn: str
    #: An SQS subscriber of everything, and one whose filter policy wants team nlp.
    everything: str
    nlp_only: str


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


@pytest.fixture
def topic(moto_table: Any, receiver: Receiver) -> Topic:
    """An AlertTopic in moto with five subscribers: SQS, SQS filtered on team, e-mail, HTTP (a webhook
    with a secret in its path), and a Lambda function whose filter policy wants critical alerts only."""
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    arn = sns.create_topic(Name="jobtrail-AlertTopic-X1")["TopicArn"]
    everything, everything_arn = _queue(sqs, "alert-subscriber")
    nlp_only, nlp_arn = _queue(sqs, "nlp-alerts")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=everything_arn)
    nlp = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=nlp_arn)["SubscriptionArn"]
    sns.set_subscription_attributes(
        SubscriptionArn=nlp, AttributeName="FilterPolicy", AttributeValue=json.dumps({"team": ["nlp"]})
    )
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="alice@example.com")
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=receiver.url)
    pager = sns.subscribe(
        TopicArn=arn,
        Protocol="lambda",
        Endpoint=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:critical-pager",
    )["SubscriptionArn"]
    sns.set_subscription_attributes(
        SubscriptionArn=pager,
        AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"severity": ["critical"]}),
    )
    return Topic(arn, everything, nlp_only)


def filtered_subscriber(topic: Topic, policy: dict[str, Any]) -> str:
    """A queue ``member-alerts`` subscribed to ``topic`` with ``policy``; its URL."""
    sns = boto3.client("sns", region_name=REGION)
    url, arn = _queue(boto3.client("sqs", region_name=REGION), "member-alerts")
    subscription = sns.subscribe(TopicArn=topic.arn, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    sns.set_subscription_attributes(
        SubscriptionArn=subscription, AttributeName="FilterPolicy", AttributeValue=json.dumps(policy)
    )
    return url


def received(queue_url: str) -> list[dict[str, Any]]:
    """The SNS envelopes an SQS subscriber got."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_the_test_alert_reaches_the_subscribers_with_its_attributes_and_is_not_stored(
    topic: Topic, receiver: Receiver, moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a test alert routed to team nlp is sent
    with count_aws_calls() as calls:
        code, out, err = run(
            "--table", moto_table.name, "alerts", "test", "--topic-arn", topic.arn, "--team", "nlp", "--json",
            capsys=capsys,
        )  # fmt: skip
    report = json.loads(out)
    # Then SNS took it, with the test's attributes
    assert (code, err) == (0, "")
    assert report["topic_arn"] == topic.arn
    assert report["attributes"] == {
        "alert_type": "Test",
        "severity": "info",
        "job_name": "jobtrail-test-alert",
        "job_kind": "training",
        "account": ACCOUNT,
        "region": REGION,
        "test": "true",
        "team": "nlp",
    }
    [envelope] = received(topic.everything)
    assert envelope["MessageId"] == report["message_id"]
    assert envelope["Subject"] == report["subject"] == "Test: jobtrail alert wiring"
    assert {name: a["Value"] for name, a in envelope["MessageAttributes"].items()} == report["attributes"]
    document = json.loads(envelope["Message"])
    assert (document["test"], document["alert_type"], document["alert_id"]) == (
        True,
        "Test",
        report["alert_id"],
    )
    assert (document["team"], document["route"]["team"], document["route"]["reason"]) == (
        "nlp",
        "nlp",
        "test alert",
    )
    assert MOTO_CALLER in document["status_message"]
    assert report["sent_by"] == MOTO_CALLER
    # And it reached the webhook and the subscriber filtering on team nlp, as the report says
    assert [json.loads(post["Message"])["alert_id"] for post in receiver.posts] == [report["alert_id"]]
    assert len(received(topic.nlp_only)) == 1
    verdicts = {(s["protocol"], s["endpoint"]): s["verdict"] for s in report["subscriptions"]}
    assert verdicts == {
        ("sqs", "alert-subscriber"): "receives",
        ("sqs", "nlp-alerts"): "receives",
        ("email", "a***@example.com"): "receives",
        ("http", "http://127.0.0.1"): "receives",
        ("lambda", "critical-pager"): "filtered out",
    }
    pager = next(s for s in report["subscriptions"] if s["protocol"] == "lambda")
    assert pager["filter_policy"] == {"severity": ["critical"]}
    assert "on severity" in pager["why"]
    # And no secret of an endpoint is shown: not the webhook's path, not the e-mail address
    assert "SECRET-TOKEN" not in out
    assert "alice" not in out
    # And nothing was written to (or read from) the history table
    assert not [call for call in calls if call.startswith("dynamodb.")]
    assert moto_table.client().scan(TableName=moto_table.name)["Count"] == 0
    assert calls["sns.Publish"] == 1


def test_without_a_team_a_team_filter_drops_it_as_sns_does(
    topic: Topic, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run("alerts", "test", "--topic-arn", topic.arn, "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 0
    assert "team" not in report["attributes"]
    nlp = next(s for s in report["subscriptions"] if s["endpoint"] == "nlp-alerts")
    assert nlp["verdict"] == "filtered out"
    assert received(topic.nlp_only) == []  # moto's SNS filters it out too
    assert len(received(topic.everything)) == 1


def test_a_test_alert_from_a_member_account_tries_the_account_filter_policies(
    topic: Topic, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a subscriber that wants the alerts of one member account only
    member_only = filtered_subscriber(topic, {"account": ["222233334444"], "region": ["eu-west-1"]})

    # When a test alert is sent as from that account and region
    code, out, err = run(
        "alerts", "test", "--topic-arn", topic.arn, "--account", "222233334444", "--job-region", "eu-west-1",
        "--json", capsys=capsys,
    )  # fmt: skip

    # Then its attributes and message name that place, and SNS delivers it to the subscriber
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert (report["attributes"]["account"], report["attributes"]["region"]) == ("222233334444", "eu-west-1")
    [envelope] = received(member_only)
    assert envelope["MessageAttributes"]["account"] == {"Type": "String", "Value": "222233334444"}
    assert envelope["MessageAttributes"]["region"] == {"Type": "String", "Value": "eu-west-1"}
    document = json.loads(envelope["Message"])
    assert (document["account"], document["region"]) == ("222233334444", "eu-west-1")
    assert document["alert_id"].startswith("test/")
    verdict = next(s for s in report["subscriptions"] if s["endpoint"] == "member-alerts")
    assert verdict["verdict"] == "receives"


def test_a_test_alert_from_the_topics_account_is_filtered_out_by_a_member_accounts_policy(
    topic: Topic, capsys: pytest.CaptureFixture[str]
) -> None:
    member_only = filtered_subscriber(topic, {"account": ["222233334444"]})

    code, out, _ = run("alerts", "test", "--topic-arn", topic.arn, "--json", capsys=capsys)

    report = json.loads(out)
    assert code == 0
    assert (report["attributes"]["account"], report["attributes"]["region"]) == (ACCOUNT, REGION)
    verdict = next(s for s in report["subscriptions"] if s["endpoint"] == "member-alerts")
    assert (verdict["verdict"], verdict["why"]) == (
        "filtered out",
        'its filter policy (MessageAttributes) does not match on account: {"account":["222233334444"]}',
    )
    assert received(member_only) == []  # moto's SNS filters it out too


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--account", "2222-3333-4444", "an AWS account id is 12 digits"),
        ("--job-region", "Ireland", "not an AWS region name"),
    ],
)
def test_a_bad_place_is_a_usage_error(
    option: str, value: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["alerts", "test", "--topic-arn", f"arn:aws:sns:{REGION}:{ACCOUNT}:t", option, value])
    assert exited.value.code == 2
    assert said in capsys.readouterr().err


def test_the_screen_says_where_it_went(topic: Topic, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run("alerts", "test", "--topic-arn", topic.arn, capsys=capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"Sent a test alert to {topic.arn}\n")
    assert "SNS message id" in out
    assert "subject         Test: jobtrail alert wiring" in out
    assert "Subscriptions (3 of 5 receive it):" in out
    assert "a***@example.com" in out
    pager = next(line for line in out.splitlines() if "critical-pager" in line)
    assert "filtered out: its filter policy (MessageAttributes) does not match on severity" in pager
    assert out.endswith('in Slack, "TEST — jobtrail alert wiring".\n')


def test_the_stack_names_the_topic(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = create_stack(moto_table.name)

    code, out, err = run("--stack", STACK, "alerts", "test", "--json", capsys=capsys)

    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["topic_arn"] == outputs["AlertTopicArn"]
    assert report["subscriptions"] == []
    # The options of where may come after the command too; and the screen says nobody receives it
    code, out, _ = run("alerts", "test", "--stack", STACK, capsys=capsys)
    assert code == 0
    assert "The topic has no subscriptions: nobody receives it" in out


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["alerts", "test"], 2, "pass --stack STACK, or --topic-arn (the stack's AlertTopicArn output)"),
        (["--stack", "no-such-stack", "alerts", "test"], 3, "stack 'no-such-stack': "),
        (
            ["--stack", "not-jobtrail", "alerts", "test"],
            3,
            "stack 'not-jobtrail' has no AlertTopicArn output",
        ),
        (
            ["alerts", "test", "--topic-arn", f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"],
            3,
            f"topic arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic does not exist (named by --topic-arn",
        ),
        (["alerts", "test", "--topic-arn", "jobtrail-alerts"], 2, "not an SNS topic ARN: 'jobtrail-alerts'"),
        (["alerts", "test", "--local"], 2, "`alerts test` does not work with --local"),
    ],
)
def test_what_cannot_be_sent_is_one_line(
    moto_table: Any, capsys: pytest.CaptureFixture[str], args: list[str], code: int, said: str
) -> None:
    create_stack(moto_table.name, name="not-jobtrail", with_topic=False)
    with count_aws_calls() as calls:
        exited, out, err = run(*args, capsys=capsys)
    assert (exited, out) == (code, "")
    assert err.startswith("jobtrail: ")
    assert said in err
    assert err.count("\n") == 1
    assert calls["sns.Publish"] <= 1  # (the missing topic's attempt)


def test_a_bad_team_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["alerts", "test", "--topic-arn", f"arn:aws:sns:{REGION}:{ACCOUNT}:t", "--team", " "])
    assert exited.value.code == 2
    assert "a team's name" in capsys.readouterr().err


def test_without_credentials_it_says_so_in_one_line() -> None:
    # A fresh process, no moto: boto3 finds no credentials at all (the session's fake ones emptied)
    credentials = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
    nothing = dict.fromkeys(credentials, "")
    process = run_jobtrail(
        "alerts", "test", "--topic-arn", f"arn:aws:sns:{REGION}:{ACCOUNT}:jobtrail-alerts", env=nothing
    )
    assert process.returncode == 3
    assert process.stdout == ""
    assert process.stderr == "jobtrail: Unable to locate credentials\n"


def stubbed_sns(monkeypatch: pytest.MonkeyPatch) -> Stubber:
    """SNS answers from a Stubber (what moto cannot make: denials, pending confirmations); STS is moto's."""
    client = boto3.client("sns", region_name=REGION)
    stub = Stubber(client)
    stub.activate()
    monkeypatch.setattr(Wiring, "sns", lambda self, region=None: client)
    return stub


TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:jobtrail-AlertTopic-X1"


def test_a_publish_the_topic_policy_refuses_names_the_role_to_use(
    moto_table: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub = stubbed_sns(monkeypatch)
    stub.add_client_error(
        "publish",
        service_error_code="AuthorizationError",
        service_message=f"User: {MOTO_CALLER} is not authorized to perform: SNS:Publish",
        http_status_code=403,
    )
    code, out, err = run("alerts", "test", "--topic-arn", TOPIC_ARN, capsys=capsys)
    assert (code, out) == (3, "")
    assert err.count("\n") == 1
    assert f"not allowed to publish to {TOPIC_ARN}" in err
    assert "AlertPublisherRoleArn" in err


def test_pending_and_unreadable_subscriptions_are_said_as_such(
    moto_table: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub = stubbed_sns(monkeypatch)
    stub.add_response("publish", {"MessageId": "m-1"})
    slack = f"{TOPIC_ARN}:11111111-1111-1111-1111-111111111111"
    other = f"{TOPIC_ARN}:22222222-2222-2222-2222-222222222222"
    stub.add_response(
        "list_subscriptions_by_topic",
        {
            "Subscriptions": [
                {
                    "SubscriptionArn": "PendingConfirmation",
                    "Protocol": "email",
                    "Endpoint": "bob@example.com",
                },
                {
                    "SubscriptionArn": slack,
                    "Protocol": "https",
                    "Endpoint": "https://hooks.slack.com/services/T0/B0/XYZ",
                },
                {
                    "SubscriptionArn": other,
                    "Protocol": "sqs",
                    "Endpoint": f"arn:aws:sqs:{REGION}:210987654321:theirs",
                },
            ]
        },
        {"TopicArn": TOPIC_ARN},
    )
    stub.add_response(
        "get_subscription_attributes",
        {
            "Attributes": {
                "PendingConfirmation": "false",
                "FilterPolicy": json.dumps({"severity": [{"anything-but": ["info"]}]}),
                "FilterPolicyScope": "MessageAttributes",
            }
        },
        {"SubscriptionArn": slack},
    )
    stub.add_client_error(
        "get_subscription_attributes", service_error_code="AuthorizationError", http_status_code=403
    )

    code, out, err = run("alerts", "test", "--topic-arn", TOPIC_ARN, "--json", capsys=capsys)

    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["message_id"] == "m-1"
    assert [(s["endpoint"], s["confirmed"], s["verdict"]) for s in report["subscriptions"]] == [
        ("b***@example.com", False, "pending confirmation"),
        ("https://hooks.slack.com", True, "filtered out"),
        ("theirs", True, "cannot tell"),
    ]
    assert "AuthorizationError" in report["subscriptions"][2]["why"]
    stub.assert_no_pending_responses()


def test_subscriptions_it_may_not_list_leave_the_alert_sent(
    moto_table: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub = stubbed_sns(monkeypatch)
    stub.add_response("publish", {"MessageId": "m-2"})
    stub.add_client_error(
        "list_subscriptions_by_topic", service_error_code="AuthorizationError", http_status_code=403
    )

    code, out, err = run("alerts", "test", "--topic-arn", TOPIC_ARN, "--json", capsys=capsys)

    assert code == 0
    report = json.loads(out)
    assert (report["message_id"], report["subscriptions"]) == ("m-2", None)
    assert err.count("\n") == 1
    assert err.startswith(
        "jobtrail: the test alert was sent, but its subscriptions could not be listed: AuthorizationError"
    )


# -- `alerts JOB` beside `alerts test`: a job named test is `--job test`


@pytest.fixture
def job_named_test(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> str:
    """A Failed training job named ``test``, backfilled with its alert published to a topic."""
    create_failed_training_job("test")
    arn = boto3.client("sns", region_name=REGION).create_topic(Name="alerts")["TopicArn"]
    code, _, err = run(
        "--table", moto_table.name, "backfill", "--since", "1d", "--alerts", "--topic-arn", arn,
        "--log-lines", "0", "--json", capsys=capsys,
    )  # fmt: skip
    assert (code, err) == (0, "")
    return str(moto_table.name)


def test_a_job_named_test_is_reached_with_the_job_option(
    job_named_test: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run("--table", job_named_test, "alerts", "--job", "test", "--json", capsys=capsys)
    assert (code, err) == (0, "")
    assert [(a["job_name"], a["alert_type"], a["state"]) for a in json.loads(out)] == [
        ("test", "Failed", "sent")
    ]
    # A unique prefix is a JOB as before; so is any other name
    code, out, _ = run("--table", job_named_test, "alerts", "tes", "--json", capsys=capsys)
    assert (code, [a["job_name"] for a in json.loads(out)]) == (0, ["test"])
    code, out, _ = run("--table", job_named_test, "alerts", "--json", capsys=capsys)
    assert (code, len(json.loads(out))) == (0, 1)


@pytest.mark.parametrize(
    "args",
    [
        ["alerts", "--json", "test"],
        ["alerts", "--", "test"],
    ],
)
def test_a_job_test_after_other_words_is_refused_with_the_way_to_ask(
    job_named_test: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, err = run("--table", job_named_test, *args, capsys=capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "`jobtrail alerts --job test`" in err


def test_job_and_the_job_option_together_are_refused(
    job_named_test: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run("--table", job_named_test, "alerts", "tes", "--job", "test", capsys=capsys)
    assert code == 2
    assert "JOB or --job, not both" in err
