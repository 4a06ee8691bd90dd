"""The test alert of ``jobtrail alerts test``: a real alert's fields, clearly marked, and Slack says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from jobtrail.core.alerts import TEST_SUBJECT, build_alert, build_test_alert
from jobtrail.core.slack_message import payload_as_text, slack_payload
from jobtrail_local.lifecycles import load_lifecycle

NOW = datetime(2026, 11, 20, 14, 5, 6, 123456, tzinfo=UTC)
CALLER = "arn:aws:iam::123456789012:user/alice"


def failed_alert_document() -> dict[str, object]:
    lifecycle = load_lifecycle("failed")
    record = lifecycle.final_record(lifecycle.jobs[0])
    document: dict[str, object] = json.loads(build_alert(record, record.transitions[-1]).message)
    return document


def test_the_test_alert_has_every_field_of_a_real_alert_and_says_it_is_a_test() -> None:
    # When a test alert is built
    alert = build_test_alert(NOW, account="123456789012", region="eu-west-1", sent_by=CALLER)
    document = json.loads(alert.message)
    # Then subscribers' parsers find every field of a training job's Failed alert
    assert set(failed_alert_document()) <= set(document)
    # And it is marked as a test: its type, severity, flag, id, job name, subject and message
    assert (document["alert_type"], document["severity"], document["test"]) == ("Test", "info", True)
    assert document["alert_id"].startswith("test/")
    assert alert.alert_id == document["alert_id"]
    assert (document["job_name"], document["job_arn"], document["failure_reason"]) == (
        "jobtrail-test-alert",
        None,
        None,
    )
    assert (document["account"], document["region"]) == ("123456789012", "eu-west-1")
    assert document["transition_start_time"] == "2026-11-20T14:05:06.123+00:00"
    assert "`jobtrail alerts test`" in document["status_message"]
    assert CALLER in document["status_message"]
    assert "No job failed" in document["status_message"]
    assert alert.subject == TEST_SUBJECT == "Test: jobtrail alert wiring"
    assert (document["team"], document["route"]) == (None, None)


def test_its_attributes_say_test_and_carry_the_team_when_routed() -> None:
    plain = build_test_alert(NOW, account="123456789012", region="us-east-1")
    routed = build_test_alert(NOW, account="123456789012", region="us-east-1", team="nlp")

    assert plain.attributes() == {
        "alert_type": "Test",
        "severity": "info",
        "job_name": "jobtrail-test-alert",
        "job_kind": "training",
        "account": "123456789012",
        "region": "us-east-1",
        "test": "true",
    }
    assert routed.attributes() == {**plain.attributes(), "team": "nlp"}
    document = json.loads(routed.message)
    assert document["team"] == "nlp"
    assert document["route"] == {
        "team": "nlp",
        "slack_channel": None,
        "slack_webhook_secret": None,
        "reason": "test alert",
    }


def test_each_test_alert_has_an_id_of_its_own() -> None:
    # Subscribers that drop duplicates by alert id must not drop the second test
    ids = {
        build_test_alert(NOW + timedelta(microseconds=n), account="1", region="us-east-1").alert_id
        for n in range(3)
    }
    ids.add(build_test_alert(NOW, account="2", region="us-east-1").alert_id)
    assert len(ids) == 4
    # And the same send gives the same id (the document and the Alert agree)
    again = build_test_alert(NOW, account="1", region="us-east-1")
    assert again.alert_id == json.loads(again.message)["alert_id"]


def test_a_real_alert_carries_no_test_attribute() -> None:
    lifecycle = load_lifecycle("failed")
    record = lifecycle.final_record(lifecycle.jobs[0])
    alert = build_alert(record, record.transitions[-1])
    assert {"test", "team"}.isdisjoint(alert.attributes())
    assert not alert.alert_id.startswith("test/")


def test_slack_shows_a_test_alert_as_a_test_in_which_nothing_failed() -> None:
    document = json.loads(
        build_test_alert(NOW, account="123456789012", region="us-east-1", sent_by=CALLER, team="nlp").message
    )

    payload = slack_payload(document)

    header = payload["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == ":test_tube: TEST — jobtrail alert wiring"
    assert payload["text"].startswith("TEST")
    assert "nothing failed" in payload["text"]
    text = payload_as_text(payload)
    assert "Nothing failed." in text
    assert CALLER in text
    assert "Team: nlp" in text
    assert document["alert_id"] in text
    # Nothing of a failure: no failure reason, no buttons to a job that does not exist
    assert [block["type"] for block in payload["blocks"]] == ["header", "section", "context"]


def test_a_real_alert_is_not_rendered_as_a_test() -> None:
    document = failed_alert_document()
    assert "TEST" not in slack_payload(document)["blocks"][0]["text"]["text"]
    # Only a true flag marks a test: a stray "test" field of another value does not
    assert "TEST" not in slack_payload({**document, "test": "yes"})["blocks"][0]["text"]["text"]
