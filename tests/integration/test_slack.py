"""Slack delivery against a real HTTP server on the loopback interface, and the Block Kit limits."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.adapters.secrets import secrets_manager
from jobtrail.adapters.slack import (
    SlackPostFailed,
    WebhookPoster,
    WebhookRefused,
    WebhookUnreachable,
    webhook_url_from_secret,
)
from jobtrail.core.alerts import build_alert, build_test_alert
from jobtrail.core.kinds import SPECS
from jobtrail.core.model import JobRecord
from jobtrail.core.slack_message import (
    BUTTON_TEXT_LIMIT,
    FIELD_LIMIT,
    HEADER_LIMIT,
    MAX_BLOCKS,
    SECTION_LIMIT,
    slack_payload,
    utf16_length,
)
from jobtrail.usecases.notify import NotifierDeps, notify
from jobtrail_local.lambda_runtime import LambdaContext
from jobtrail_local.lifecycles import load_lifecycle, load_sns_event, sns_event_names
from moto import mock_aws
from msgspec.structs import replace

from functions.slack_notifier import app


@dataclass
class FakeSlack:
    """Records every post and answers from a script of (status, headers) — then 200 once it runs out."""

    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            fake.posts.append(json.loads(body))
            status, headers = fake.script.pop(0) if fake.script else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            answer = b"ok" if status == 200 else b"rate_limited" if status == 429 else b"internal_error"
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/SECRETxSECRETxSECRET"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def alert_events() -> list[dict[str, Any]]:
    """The event SNS invokes the notifier with, for every alert of the lifecycles in events/ (events/sns/)."""
    return [load_sns_event(name) for name in sns_event_names()]


def document_of(event: dict[str, Any]) -> dict[str, Any]:
    """The alert document an SNS event carries."""
    (record,) = event["Records"]
    document: dict[str, Any] = json.loads(record["Sns"]["Message"])
    return document


def assert_within_limits(payload: dict[str, Any]) -> None:
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "header":
            assert utf16_length(block["text"]["text"]) <= HEADER_LIMIT
        if block["type"] == "section":
            assert utf16_length(block["text"]["text"]) <= SECTION_LIMIT
            assert len(block.get("fields", [])) <= 10
            assert all(utf16_length(f["text"]) <= FIELD_LIMIT for f in block.get("fields", []))
        if block["type"] == "actions":
            assert all(utf16_length(b["text"]["text"]) <= BUTTON_TEXT_LIMIT for b in block["elements"])
        if block["type"] == "context":
            assert all(utf16_length(e["text"]) <= FIELD_LIMIT for e in block["elements"])
    assert utf16_length(payload["text"]) <= 3000


def test_every_fixture_alert_is_posted_as_block_kit(slack: FakeSlack) -> None:
    events = alert_events()
    documents = [document_of(event) for event in events]
    deps = NotifierDeps(WebhookPoster(lambda: slack.url))
    posted = [alert_id for event in events for alert_id in notify(event, deps).posted]
    assert posted == [d["alert_id"] for d in documents]
    assert len(slack.posts) == len(documents) == len(sns_event_names())
    assert {d["kind"] for d in documents} == {"training", "processing", "transform", "tuning", "pipeline"}
    for post, document in zip(slack.posts, documents, strict=True):
        assert_within_limits(post)
        header = post["blocks"][0]
        assert header["type"] == "header"
        assert header["text"]["text"] == f"{document['alert_type']}: {document['job_name']}"
        assert post["blocks"][1]["text"]["text"].endswith(f"{SPECS[document['kind']].noun}")
        fields = [f["text"].split("\n")[0] for f in post["blocks"][1]["fields"]]
        seen = post["blocks"][1]["fields"][0]["text"].split("\n")[1]
        if document["kind"] == "training":
            assert fields == [
                "*Job when alerted*",
                "*Duration*",
                "*Instance*",
                "*Billable time*",
                "*Spot savings*",
                "*Account*",
            ]
            # the job's status when alerted, which for an interruption is the job's, not the alert's
            assert seen == " · ".join(dict.fromkeys([document["status"], document["secondary_status"]]))
        else:
            assert fields[:2] == ["*Job when alerted*", "*Duration*"]
            assert seen == document["status"]
        if document["kind"] == "pipeline":
            assert "*Failed step*" in fields
        # where the job runs, last
        assert (
            post["blocks"][1]["fields"][-1]["text"]
            == f"*Account*\n{document['account']} · {document['region']}"
        )
        buttons = next(b for b in post["blocks"] if b["type"] == "actions")["elements"]
        links = ("console_url", "failed_step_console_url", "logs_url")
        assert [b["url"] for b in buttons] == [document[key] for key in links if document.get(key)]
        if document["failure_reason"]:
            assert any(b["type"] == "section" and b["text"]["text"].startswith("```") for b in post["blocks"])


def test_an_event_with_several_records_posts_each_in_order(slack: FakeSlack) -> None:
    # SNS invokes Lambda with one record, but the notifier does not rely on it: every record is posted
    events = alert_events()
    combined = {"Records": [record for event in events for record in event["Records"]]}
    posted = notify(combined, NotifierDeps(WebhookPoster(lambda: slack.url))).posted
    assert posted == [document_of(event)["alert_id"] for event in events]
    assert len(slack.posts) == len(events) == len(sns_event_names())


def test_a_429_is_retried_after_retry_after_then_succeeds(slack: FakeSlack) -> None:
    slack.script = [(429, {"Retry-After": "1"})]
    notify(alert_events()[0], NotifierDeps(WebhookPoster(lambda: slack.url)))
    assert len(slack.posts) == 2
    assert slack.posts[0] == slack.posts[1]


def test_a_500_is_retried_then_succeeds(slack: FakeSlack) -> None:
    slack.script = [(500, {}), (500, {})]
    notify(alert_events()[0], NotifierDeps(WebhookPoster(lambda: slack.url)))
    assert len(slack.posts) == 3


def test_a_post_that_keeps_failing_raises_so_lambda_retries(slack: FakeSlack) -> None:
    slack.script = [(500, {})] * 3
    with pytest.raises(SlackPostFailed, match="500"):
        notify(alert_events()[0], NotifierDeps(WebhookPoster(lambda: slack.url)))
    assert len(slack.posts) == 3


def test_a_refusal_is_not_retried(slack: FakeSlack) -> None:
    slack.script = [(404, {})]
    with pytest.raises(WebhookRefused, match="404"):
        WebhookPoster(lambda: slack.url).post({"text": "x"})
    assert len(slack.posts) == 1


def test_a_redirect_is_not_followed(slack: FakeSlack) -> None:
    slack.script = [(302, {"Location": slack.url + "/elsewhere"})]
    with pytest.raises(SlackPostFailed, match="302"):
        WebhookPoster(lambda: slack.url).post({"text": "x"})
    assert len(slack.posts) == 1


def test_a_webhook_that_cannot_be_reached_fails_without_quoting_its_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a port nothing listens on (the connection is refused, so the post is retried, then fails)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{port}/services/T000/B000/SECRETxSECRETxSECRET"
    with pytest.raises(WebhookUnreachable, match="could not be reached: Connection refused") as failure:
        WebhookPoster(lambda: url).post({"text": "x"})
    # Then neither the error, its chain, nor any log line quotes the secret path
    assert failure.value.__cause__ is None
    assert failure.value.__context__ is None
    assert "SECRETxSECRET" not in str(failure.value) + caplog.text
    assert "/services/" not in caplog.text


def test_the_webhook_url_never_reaches_the_logs(
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given every logger at DEBUG, and the handler running with a failing then succeeding Slack
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(app, "deps_from_environment", lambda: NotifierDeps(WebhookPoster(lambda: slack.url)))
    slack.script = [(429, {"Retry-After": "1"})]
    for event in alert_events()[:2]:
        app.lambda_handler(event, LambdaContext(function_name="jobtrail-SlackNotifierFunction"))
    slack.script = [(500, {})] * 3
    with pytest.raises(SlackPostFailed) as failure:
        app.lambda_handler(alert_events()[0], LambdaContext(function_name="jobtrail-SlackNotifierFunction"))
    # Then neither the URL nor its secret path appears anywhere
    output = capsys.readouterr()
    everything = "\n".join([caplog.text, output.out, output.err, str(failure.value)])
    assert len(slack.posts) == 6
    assert "alerts posted to Slack" in everything
    assert "SECRETxSECRET" not in everything
    assert "/services/" not in everything


@pytest.mark.parametrize(
    "stored",
    ["https://hooks.slack.com/services/T1/B2/C3", '{"url": "https://hooks.slack.com/services/T1/B2/C3"}'],
)
def test_the_webhook_is_read_from_secrets_manager_plain_or_json(stored: str) -> None:
    with mock_aws():
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name=f"slack-{len(stored)}", SecretString=stored
        )["ARN"]
        assert (
            webhook_url_from_secret(secrets_manager(), arn)() == "https://hooks.slack.com/services/T1/B2/C3"
        )


def test_a_secret_without_an_https_url_is_refused_without_echoing_it() -> None:
    with mock_aws():
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="slack-bad", SecretString="hooks.slack.com/oops"
        )["ARN"]
        with pytest.raises(SlackPostFailed) as failure:
            webhook_url_from_secret(secrets_manager(), arn)()
    assert "oops" not in str(failure.value)


def _failed_record() -> JobRecord:
    lifecycle = load_lifecycle("failed")
    return record_from_describe(lifecycle.final_describe(lifecycle.job_names[0]))


@settings(max_examples=150, deadline=None)
@given(
    reason=st.text(min_size=1, max_size=1024),
    name=st.from_regex(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", fullmatch=True).filter(lambda n: len(n) <= 63),
    message=st.one_of(st.none(), st.text(max_size=3000)),
)
def test_any_alert_stays_within_slack_limits(reason: str, name: str, message: str | None) -> None:
    record = _failed_record()
    record = replace(record, summary=replace(record.summary, job_name=name, failure_reason=reason))
    transition = replace(record.transitions[-1], message=message)
    assert_within_limits(slack_payload(json.loads(build_alert(record, transition).message)))


def test_a_long_unicode_reason_is_cut_safely_inside_its_code_block() -> None:
    reason = ('Ünïcödé 🚀 `back``ticks``` "quotes" <tags> & ampersands\n' * 40)[:1024]
    record = _failed_record()
    record = replace(record, summary=replace(record.summary, failure_reason=reason * 3))
    payload = slack_payload(json.loads(build_alert(record, record.transitions[-1]).message))
    [code] = [
        b["text"]["text"]
        for b in payload["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("```")
    ]
    assert code.endswith("…```")
    assert code.count("```") == 2
    assert utf16_length(code) <= SECTION_LIMIT
    assert "&amp;" in code
    assert "<tags>" not in code


@settings(max_examples=50, deadline=None)
@given(team=st.text(min_size=1, max_size=100), caller=st.text(max_size=2048))
def test_a_test_alert_stays_within_slack_limits(team: str, caller: str) -> None:
    alert = build_test_alert(
        datetime.now(UTC), account="123456789012", region="us-east-1", sent_by=caller, team=team
    )
    assert_within_limits(slack_payload(json.loads(alert.message)))


def test_the_notifier_posts_a_test_alert_as_a_test(slack: FakeSlack) -> None:
    # Given the SNS event a test alert makes (as `jobtrail alerts test` publishes it)
    alert = build_test_alert(datetime.now(UTC), account="123456789012", region="us-east-1", team="nlp")
    record = {"EventSource": "aws:sns", "Sns": {"Message": alert.message, "Subject": alert.subject}}
    event = {"Records": [record]}
    # When the notifier handles it
    result = notify(event, NotifierDeps(WebhookPoster(lambda: slack.url)))
    # Then Slack got it like any alert, marked as a test
    assert result.posted == [alert.alert_id]
    [post] = slack.posts
    assert post["blocks"][0]["text"]["text"] == ":test_tube: TEST — jobtrail alert wiring"
    assert "Nothing failed." in post["blocks"][1]["text"]["text"]
    assert_within_limits(post)
