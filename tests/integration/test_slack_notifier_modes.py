"""SlackNotifierFunction as deployed: its composition root builds webhook mode or Slack app mode from the
environment the template sets, with its secrets in Secrets Manager (moto).

Webhook mode posts a routed alert to its route's webhook (a ``jobtrail/…`` secret) through the adapter's
urllib3 pool (recorded here, real over loopback in test_slack.py); app mode posts
threads through slack_sdk to the loopback fake of Slack's Web API, and never logs the bot token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from jobtrail.adapters import slack as slack_adapter
from jobtrail.adapters.slack import SlackApiFailed, SlackPostFailed
from jobtrail.core.alerts import ConsoleLinks
from jobtrail_local.lambda_runtime import LambdaContext
from jobtrail_local.lifecycles import load_sns_event
from jobtrail_local.slack_web_api import FakeSlackWebApi
from test_template import TEMPLATE, _as_list, deployed_statements
from test_template_permissions import Call, recording
from test_template_slack import APP, STREAM_ACTIONS

from functions.slack_notifier import app

CONTEXT = LambdaContext(function_name="jobtrail-SlackNotifierFunction")
DEFAULT_WEBHOOK = "https://hooks.slack.com/services/T000/B000/DEFAULTxDEFAULT"
NLP_WEBHOOK = "https://hooks.slack.com/services/T000/B111/NLPxNLPxNLP"
TOKEN = "xoxb-3333333333-4444444444-SECRETxBOTxTOKENx"


@pytest.fixture(autouse=True)
def fresh_root() -> Iterator[None]:
    """Each test builds the function's dependencies, and reads its secrets, anew."""
    app.deps_from_environment.cache_clear()
    app._route_webhook.cache_clear()
    app._secrets.cache_clear()
    yield
    app.deps_from_environment.cache_clear()
    app._route_webhook.cache_clear()
    app._secrets.cache_clear()


def alert_event(**changes: Any) -> dict[str, Any]:
    """The failed lifecycle's alert as SNS invokes the function, its document changed by ``changes``."""
    event = load_sns_event("failed")
    (record,) = event["Records"]
    document = json.loads(record["Sns"]["Message"]) | changes
    record["Sns"]["Message"] = json.dumps(document)
    return event


def create_secret(name: str, value: str) -> str:
    arn: str = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=name, SecretString=value
    )["ARN"]
    return arn


# ---- webhook mode ---------------------------------------------------------------------------------------


@dataclass
class Webhooks:
    """Stands in for the webhook adapter's urllib3 pool: records what would be posted to which URL
    (https, as the secret must hold) and answers 200 ``ok``, or 404 ``no_service`` for a revoked URL."""

    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)

    def request(self, method: str, url: str, *, body: bytes, **options: Any) -> SimpleNamespace:
        assert method == "POST"
        self.posted.append((url, json.loads(body)))
        if url in self.revoked:
            return SimpleNamespace(status=404, data=b"no_service")
        return SimpleNamespace(status=200, data=b"ok")

    def urls(self) -> list[str]:
        return [url for url, _ in self.posted if url not in self.revoked]


@pytest.fixture
def webhooks(moto_table: Any, monkeypatch: pytest.MonkeyPatch) -> Webhooks:
    """Webhook mode's environment: the stack's webhook and a route's in Secrets Manager."""
    monkeypatch.setenv(
        "JOBTRAIL_SLACK_WEBHOOK_SECRET_ARN",
        create_secret("jobtrail/slack-webhook", json.dumps({"url": DEFAULT_WEBHOOK})),
    )
    create_secret("jobtrail/nlp-webhook", NLP_WEBHOOK)
    create_secret("prod/other-webhook", "https://hooks.slack.com/services/T000/B222/OTHER")
    fake = Webhooks()
    monkeypatch.setattr(slack_adapter, "_webhook_pool", lambda: fake)
    return fake


def test_a_routed_alert_goes_to_its_routes_webhook(webhooks: Webhooks) -> None:
    route = {"team": "nlp", "slack_channel": None, "slack_webhook_secret": "jobtrail/nlp-webhook"}

    app.lambda_handler(alert_event(team="nlp", route=route), CONTEXT)
    app.lambda_handler(alert_event(team=None, route=None), CONTEXT)  # an alert routed nowhere
    app.lambda_handler(alert_event(), CONTEXT)  # an alert from before routing

    assert webhooks.urls() == [NLP_WEBHOOK, DEFAULT_WEBHOOK, DEFAULT_WEBHOOK]
    assert webhooks.posted[0][1] == webhooks.posted[1][1]  # the same Block Kit wherever it goes


def test_a_routes_secret_outside_jobtrail_is_not_read(
    webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    route = {"slack_webhook_secret": "prod/other-webhook"}

    app.lambda_handler(alert_event(route=route), CONTEXT)

    assert webhooks.urls() == [DEFAULT_WEBHOOK]
    assert "the route's webhook secret is not under jobtrail/" in caplog.text


def test_a_routes_webhook_that_cannot_be_used_falls_back_to_the_stacks(
    webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    # A missing secret, and a route's webhook Slack has revoked (404 no_service), never stop the alert:
    # it goes to the stack's webhook, and the log says why
    app.lambda_handler(alert_event(route={"slack_webhook_secret": "jobtrail/missing"}), CONTEXT)
    assert webhooks.urls() == [DEFAULT_WEBHOOK]
    assert "the route's Slack webhook refused the alert" in caplog.text

    webhooks.revoked.add(NLP_WEBHOOK)
    app.lambda_handler(alert_event(route={"slack_webhook_secret": "jobtrail/nlp-webhook"}), CONTEXT)
    assert [url for url, _ in webhooks.posted] == [DEFAULT_WEBHOOK, NLP_WEBHOOK, DEFAULT_WEBHOOK]


def test_a_failing_stack_webhook_fails_the_invocation(webhooks: Webhooks) -> None:
    # The stack's own webhook has nowhere to fall back to: Lambda retries, then parks the alert
    webhooks.revoked.add(DEFAULT_WEBHOOK)
    with pytest.raises(SlackPostFailed, match="404"):
        app.lambda_handler(alert_event(), CONTEXT)


# ---- Slack app mode ---------------------------------------------------------------------------------------


@pytest.fixture
def app_mode(moto_table: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlackWebApi]:
    """App mode's environment: the bot token's secret (JSON form), the default channel, the table (moto);
    Slack's Web API is the loopback fake."""
    with FakeSlackWebApi(token=TOKEN) as slack:
        monkeypatch.setenv(
            "JOBTRAIL_SLACK_BOT_TOKEN_SECRET_ARN",
            create_secret("jobtrail/slack-bot-token", json.dumps({"token": TOKEN})),
        )
        monkeypatch.setenv("JOBTRAIL_SLACK_CHANNEL", "#ml-alerts")
        monkeypatch.setenv("JOBTRAIL_SLACK_THREAD_ALL", "false")
        monkeypatch.setenv("JOBTRAIL_TABLE", moto_table.name)
        monkeypatch.setenv("JOBTRAIL_SLACK_API_URL", slack.base_url)
        yield slack


def test_app_mode_posts_the_alert_in_its_jobs_thread(app_mode: FakeSlackWebApi) -> None:
    result = app.lambda_handler(alert_event(), CONTEXT)

    (parent, reply) = app_mode.messages_in("#ml-alerts")
    assert reply.thread_ts == parent.ts
    assert reply.reply_broadcast
    assert result == {"posted": [json.loads(alert_event()["Records"][0]["Sns"]["Message"])["alert_id"]]}
    assert {call.token for call in app_mode.calls} == {TOKEN}


def test_app_mode_says_the_jobs_account_and_opens_it_through_the_access_portal(
    app_mode: FakeSlackWebApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the stack's access portal (app mode builds its cards' links) and an alert from a member account
    monkeypatch.setenv("JOBTRAIL_CONSOLE_PORTAL_URL", "https://acme.awsapps.com/start")
    assert app.deps_from_environment().app.links == ConsoleLinks("https://acme.awsapps.com/start")
    shortcut = ConsoleLinks("https://acme.awsapps.com/start").open(
        "222233334444", "https://eu-west-1.console"
    )
    event = alert_event(account="222233334444", region="eu-west-1", console_url=shortcut)

    app.lambda_handler(event, CONTEXT)

    # Then the alert in the thread says the account and region, and its button is the shortcut
    (parent, reply) = app_mode.messages_in("#ml-alerts")
    fields = [field["text"] for field in reply.blocks[1]["fields"]]
    assert fields[-1] == "*Account*\n222233334444 · eu-west-1"
    buttons = [e for block in reply.blocks if block["type"] == "actions" for e in block["elements"]]
    assert buttons[0]["url"] == shortcut
    assert "222233334444 · eu-west-1" in json.dumps(parent.blocks, ensure_ascii=False)


def test_the_bot_token_never_reaches_the_logs(
    app_mode: FakeSlackWebApi,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given every logger at DEBUG, Slack rate limiting then refusing the token
    caplog.set_level(logging.DEBUG)
    app_mode.inject("chat.postMessage", status=429, retry_after=0)
    app.lambda_handler(alert_event(), CONTEXT)
    app_mode.inject(error="invalid_auth")
    with pytest.raises(SlackApiFailed) as refused:
        app.lambda_handler(alert_event(transition_start_time="2026-11-20T13:50:00.000+00:00"), CONTEXT)

    # Then the token was in use, and appears nowhere: logs, output, the error
    output = capsys.readouterr()
    everything = "\n".join([caplog.text, output.out, output.err, str(refused.value), repr(refused.value)])
    assert {call.token for call in app_mode.calls} == {TOKEN}
    assert "alerts posted to Slack" in everything
    assert "invalid_auth" in str(refused.value)
    assert TOKEN not in everything
    assert "SECRETxBOTxTOKEN" not in everything
    assert "xoxb-" not in everything


def test_app_mode_calls_exactly_what_its_role_allows(app_mode: FakeSlackWebApi) -> None:
    # Given the notifier posting a job's first alert (secret, thread claimed and recorded) and a second
    calls: set[Call] = set()
    with recording(calls):
        app.lambda_handler(alert_event(), CONTEXT)
        app.lambda_handler(alert_event(transition_start_time="2026-11-20T13:50:00.000+00:00"), CONTEXT)
    statements = deployed_statements(TEMPLATE["Resources"]["SlackNotifierFunction"], APP)
    granted = {action for statement in statements for action in _as_list(statement["Action"])}

    # Then every call is allowed and every action the code needs is one it calls; Lambda itself uses the
    # rest (the stream, the failure queue), and the secret's customer key's
    used = {action for action, _ in calls}
    assert used <= granted
    assert granted - STREAM_ACTIONS - {"sqs:SendMessage", "kms:Decrypt"} == used
    assert not any(index for _, index in calls)
