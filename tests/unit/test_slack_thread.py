"""A job's Slack thread, pure: the parent card, the replies, their keys, and what an alert document says
about its route."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobtrail.core.alerts import build_alert
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Transition
from jobtrail.core.slack_message import (
    BUTTON_TEXT_LIMIT,
    FIELD_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    utf16_length,
)
from jobtrail.core.slack_route import AlertRoute, alert_route, is_route_secret, is_test_alert
from jobtrail.core.slack_thread import (
    JobCard,
    alert_job,
    alert_reply_key,
    card_from_alert,
    card_from_record,
    digest,
    parent_message,
    transition_message,
    transition_reply_key,
)
from jobtrail.core.times import iso
from jobtrail_local.lifecycles import load_lifecycle
from msgspec.structs import replace

JOB = JobKey(account="123456789012", region="eu-west-1", kind="training", name="bert-finetune")


def failed_document() -> dict[str, Any]:
    record = load_lifecycle("failed").final_record(load_lifecycle("failed").jobs[0])
    document: dict[str, Any] = json.loads(build_alert(record, record.transitions[-1]).message)
    return document


def assert_within_limits(message: dict[str, Any]) -> None:
    assert utf16_length(message["text"]) <= 3000
    for block in message["blocks"]:
        if block["type"] == "header":
            assert utf16_length(block["text"]["text"]) <= HEADER_LIMIT
        if block["type"] == "section":
            assert utf16_length(block["text"]["text"]) <= SECTION_LIMIT
            assert len(block.get("fields", [])) <= 10
            assert all(utf16_length(f["text"]) <= FIELD_LIMIT for f in block.get("fields", []))
        if block["type"] == "actions":
            assert all(utf16_length(b["text"]["text"]) <= BUTTON_TEXT_LIMIT for b in block["elements"])
            assert all(b["url"].startswith("https://") for b in block["elements"])
        if block["type"] == "context":
            assert all(utf16_length(e["text"]) <= FIELD_LIMIT for e in block["elements"])


# ---- what an alert document says ----------------------------------------------------------------------


def test_a_routed_alert_names_its_team_channel_and_webhook() -> None:
    document = {
        "team": "nlp",
        "route": {
            "team": "nlp",
            "slack_channel": "#nlp-alerts",
            "slack_webhook_secret": "jobtrail/nlp",
            "reason": "tag team=nlp",
        },
    }
    assert alert_route(document) == AlertRoute("nlp", "#nlp-alerts", "jobtrail/nlp", "tag team=nlp")


@pytest.mark.parametrize(
    "document",
    [
        {},  # an alert from before routing
        {"team": None, "route": None},
        {"team": "", "route": {"slack_channel": "  ", "slack_webhook_secret": None}},
        {"team": 7, "route": ["#nlp"]},  # wrong types count as absent: the default route
        {"route": {"slack_channel": 12, "slack_webhook_secret": {"name": "x"}}},
    ],
)
def test_an_alert_without_a_usable_route_takes_the_default(document: dict[str, Any]) -> None:
    assert alert_route(document) == AlertRoute()


def test_the_team_comes_from_the_document_else_from_its_route() -> None:
    assert alert_route({"route": {"team": "vision"}}).team == "vision"
    assert alert_route({"team": "nlp", "route": {"team": "vision"}}).team == "nlp"


@pytest.mark.parametrize(
    ("secret", "readable"),
    [
        ("jobtrail/nlp", True),
        ("jobtrail/teams/nlp-webhook", True),
        ("arn:aws:secretsmanager:us-east-1:111122223333:secret:jobtrail/nlp-AbCdEf", True),
        ("jobtrail/", False),
        ("prod/slack", False),
        ("jobtrail", False),
        ("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/jobtrail/nlp-AbCdEf", False),
        ("xjobtrail/nlp", False),
    ],
)
def test_only_secrets_under_jobtrail_are_route_webhooks(secret: str, readable: bool) -> None:
    assert is_route_secret(secret) is readable


def test_an_alert_names_its_job_and_a_test_alert_names_none() -> None:
    document = failed_document()
    job = alert_job(document)
    assert job is not None
    assert (job.account, job.region, job.kind, job.name) == (
        document["account"],
        document["region"],
        "training",
        document["job_name"],
    )
    assert not is_test_alert(document)
    test_alert = {"test": True, "alert_type": "Test", "job_name": "jobtrail-test", "alert_id": "x"}
    assert is_test_alert(test_alert)
    assert alert_job(test_alert) is None
    assert alert_job(dict(document, kind="cooking")) is None
    assert alert_job(dict(document, account=None)) is None
    assert not is_test_alert({"test": "true"})  # only JSON true


def test_reply_keys_are_stable_and_tell_alerts_from_transitions() -> None:
    document = failed_document()
    moment = datetime(2026, 11, 20, 13, 41, 27, 640000, tzinfo=UTC)
    transition = Transition(status="Failed", start_time=moment)

    assert alert_reply_key(document) == f"alert:Failed@{document['transition_start_time']}"
    assert transition_reply_key(transition) == "transition:Failed@2026-11-20T13:41:27.640+00:00"
    assert alert_reply_key(document) != transition_reply_key(transition)
    assert alert_reply_key(json.loads(json.dumps(document))) == alert_reply_key(document)


# ---- the parent ----------------------------------------------------------------------------------------


def test_the_parent_of_a_failed_job_shows_it_with_its_links() -> None:
    lifecycle = load_lifecycle("failed")
    record = lifecycle.final_record(lifecycle.jobs[0])

    message = parent_message(card_from_record(record, team="nlp"))

    header, section, actions, context = message["blocks"]
    assert header["text"]["text"] == record.job_name
    assert section["text"]["text"] == ":x: training job · Failed"  # status and secondary status, once
    fields = dict(f["text"].split("\n", 1) for f in section["fields"])
    assert fields == {
        "*Status*": "Failed",
        "*Duration*": "8m 14s",  # TrainingTimeInSeconds, as the alert says
        "*Team*": "nlp",
        "*Started*": iso(record.summary.start_time),
    }
    assert [b["text"]["text"] for b in actions["elements"]] == ["Open in SageMaker", "Training logs"]
    assert "123456789012" in context["elements"][0]["text"]
    assert message["text"] == f"training job {record.job_name}: Failed"


def test_a_failed_pipeline_executions_parent_links_its_failed_steps_job() -> None:
    lifecycle = load_lifecycle("pipeline-failed")
    (execution,) = [job for job in lifecycle.jobs if job.kind == "pipeline"]
    record = lifecycle.final_record(execution)

    card = card_from_record(record, team=None)

    failed = record.step_that_failed
    assert failed is not None
    assert failed.job is not None
    assert card.console_url is not None
    assert failed.job.name in card.console_url
    assert card.logs_url is not None
    assert_within_limits(parent_message(card))


def test_a_card_from_an_alert_alone_matches_the_stored_jobs() -> None:
    lifecycle = load_lifecycle("failed")
    record = lifecycle.final_record(lifecycle.jobs[0])
    document = failed_document()
    job = alert_job(document)
    assert job is not None

    from_alert = card_from_alert(document, job, team="nlp")
    from_record = card_from_record(record, team="nlp")

    assert from_alert == from_record


@settings(max_examples=150, deadline=None)
@given(
    name=st.text(min_size=1, max_size=400),
    status=st.text(min_size=1, max_size=300),
    secondary=st.one_of(st.none(), st.text(max_size=300)),
    team=st.one_of(st.none(), st.text(max_size=3000)),
    url=st.one_of(st.none(), st.text(max_size=4000), st.just("https://x/" + "a" * 3500)),
    seconds=st.one_of(st.none(), st.floats(min_value=0, max_value=1e9)),
)
def test_any_parent_stays_within_slacks_limits(
    name: str, status: str, secondary: str | None, team: str | None, url: str | None, seconds: float | None
) -> None:
    card = JobCard(
        job=replace(JOB, name=name),
        status=status,
        secondary_status=secondary,
        duration_seconds=seconds,
        team=team,
        console_url=url,
        logs_url=url,
    )
    assert_within_limits(parent_message(card))


@settings(max_examples=100, deadline=None)
@given(status=st.text(min_size=1, max_size=300), message=st.one_of(st.none(), st.text(max_size=5000)))
def test_any_transition_reply_stays_within_slacks_limits(status: str, message: str | None) -> None:
    transition = Transition(status=status, start_time=datetime(2026, 11, 20, tzinfo=UTC), message=message)
    reply = transition_message(JOB, transition)
    assert_within_limits(reply)
    assert reply["text"].endswith(JOB.name)


def test_a_transition_reply_quotes_sagemakers_message_escaped() -> None:
    transition = Transition(
        status="Training",
        start_time=datetime(2026, 11, 20, 13, 35, tzinfo=UTC),
        message="Training image download completed. <b>Training</b> in progress & more",
    )
    section, context = transition_message(JOB, transition)["blocks"]
    assert section["text"]["text"] == ":arrow_forward: *Training* at 2026-11-20T13:35:00.000+00:00"
    assert context["elements"][0]["text"] == (
        "Training image download completed. &lt;b&gt;Training&lt;/b&gt; in progress &amp; more"
    )


def test_the_digest_changes_with_the_content_not_the_key_order() -> None:
    card = JobCard(job=JOB, status="InProgress", secondary_status="Training")
    message = parent_message(card)
    reordered = json.loads(json.dumps(message, sort_keys=True))

    assert digest(reordered) == digest(message)
    assert digest(parent_message(replace(card, secondary_status="Uploading"))) != digest(message)
    assert digest(parent_message(replace(card, team="nlp"))) != digest(message)
