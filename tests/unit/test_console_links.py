"""Alerts say where a job runs and open its account: ``account``/``region`` message attributes, IAM Identity
Center shortcut links (``core.alerts.ConsoleLinks``) for every console and log link when the stack knows its
access portal, and the account and region in Slack. The shortcuts are read back here with ``urllib.parse``,
as a browser and the portal read them, not with the code that made them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from builders import at, record
from fakes import FakeWorld, ScriptedJobLogs
from jobtrail.core.alerts import (
    ConsoleLinks,
    build_alert,
    build_test_alert,
    console_link,
    console_links_from_environment,
    console_links_from_settings,
    console_url,
    logs_url,
)
from jobtrail.core.kinds import JobKey
from jobtrail.core.log_tail import LogTail, StreamTail, log_stream_url
from jobtrail.core.model import MAX_MESSAGE_ATTRIBUTES, JobRecord, Transition
from jobtrail.core.routing import RouteChoice
from jobtrail.core.slack_message import MAX_FIELDS, slack_payload
from jobtrail.core.slack_thread import card_from_record, parent_message
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from msgspec.structs import replace

PORTAL = "https://d-9067c2a1b3.awsapps.com/start"
#: A customized portal URL (IAM Identity Center lets an administrator choose the subdomain once).
CUSTOM = "https://AnyCompany.awsapps.com/start"
LINKS = ConsoleLinks(PORTAL, "ReadOnlyAccess")
MEMBER = "222233334444"
MEMBER_ARN = f"arn:aws:sagemaker:eu-west-1:{MEMBER}:training-job/resnet-1"
FAILED = Transition("Failed", at(60), at(60), "Training job failed")


def shortcut(url: str) -> tuple[str, dict[str, str]]:
    """What a shortcut link is: its portal (everything before ``#``), and its route's query, decoded."""
    parts = urlsplit(url)
    route, _, query = parts.fragment.partition("?")
    assert route == "/console"
    decoded = parse_qs(query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in decoded.values())
    return url.split("#", 1)[0], {key: values[0] for key, values in decoded.items()}


# ---- the link itself ---------------------------------------------------------------------------------------


def test_a_shortcut_opens_the_destination_in_the_account_with_the_role() -> None:
    destination = console_url(JobKey(MEMBER, "eu-west-1", "training", "resnet-1"))
    assert destination is not None

    link = LINKS.open(MEMBER, destination)

    assert link.startswith(f"{PORTAL}/#/console?account_id={MEMBER}&role_name=ReadOnlyAccess&destination=")
    assert shortcut(link) == (
        f"{PORTAL}/",
        {"account_id": MEMBER, "role_name": "ReadOnlyAccess", "destination": destination},
    )


def test_without_a_role_the_portal_asks_which_one() -> None:
    link = ConsoleLinks(PORTAL).open(MEMBER, "https://eu-west-1.console.aws.amazon.com/sagemaker/home")

    assert "role_name" not in link
    assert shortcut(link)[1] == {
        "account_id": MEMBER,
        "destination": "https://eu-west-1.console.aws.amazon.com/sagemaker/home",
    }


def test_the_destination_is_quoted_whole_so_its_query_and_fragment_survive() -> None:
    # A CloudWatch Logs page: its own query, a fragment, and the console's $25 escapes
    destination = log_stream_url("eu-west-1", "/aws/sagemaker/TrainingJobs", "job a+b/algo-1-1795181400")

    link = LINKS.open(MEMBER, destination)

    tail = link.split("&destination=", 1)[1]
    assert not set(tail) & set("/?#&=$ +")
    assert shortcut(link)[1]["destination"] == destination


def test_a_role_name_with_its_punctuation_is_quoted() -> None:
    link = ConsoleLinks(PORTAL, "ops+on-call@team").open(MEMBER, "https://console.aws.amazon.com/")

    assert "role_name=ops%2Bon-call%40team&" in link
    assert shortcut(link)[1]["role_name"] == "ops+on-call@team"


@pytest.mark.parametrize(
    ("url", "account", "links", "expected"),
    [
        ("https://x.console.aws.amazon.com/a", MEMBER, None, "https://x.console.aws.amazon.com/a"),
        (None, MEMBER, LINKS, None),
        ("https://x.console.aws.amazon.com/a", "", LINKS, "https://x.console.aws.amazon.com/a"),
    ],
    ids=["no-portal", "no-url", "no-account"],
)
def test_a_link_without_a_portal_an_account_or_a_url_is_left_as_it_is(
    url: str | None, account: str, links: ConsoleLinks | None, expected: str | None
) -> None:
    assert console_link(url, account, links) == expected


# ---- the settings ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("portal", "role", "expected"),
    [
        ("", "", None),
        (PORTAL, "", ConsoleLinks(PORTAL)),
        (f"{PORTAL}/", "ReadOnlyAccess", LINKS),
        (CUSTOM, "AWSAdministratorAccess", ConsoleLinks(CUSTOM, "AWSAdministratorAccess")),
        (f" {CUSTOM} ", " Ops.Team@1 ", ConsoleLinks(CUSTOM, "Ops.Team@1")),
    ],
)  # fmt: skip
def test_the_settings_give_the_links(portal: str, role: str, expected: ConsoleLinks | None) -> None:
    assert console_links_from_settings(portal, role) == expected


@pytest.mark.parametrize(
    ("portal", "role", "said"),
    [
        ("http://d-9067c2a1b3.awsapps.com/start", "", "ConsolePortalUrl: 'http://d-9067c2a1b3.awsapps.com/start'"),
        ("https://d-9067c2a1b3.awsapps.com", "", "is not an AWS access portal URL"),
        ("https://evil.example.com/start", "", "is not an AWS access portal URL"),
        ("https://x.awsapps.com.evil.example/start", "", "is not an AWS access portal URL"),
        ("https://-x.awsapps.com/start", "", "is not an AWS access portal URL"),
        ("https://x.awsapps.com/start#/console", "", "is not an AWS access portal URL"),
        (PORTAL, "a" * 33, "ConsoleRoleName: 'aaaa"),
        (PORTAL, "role/with/path", "is not a permission set name"),
        ("", "ReadOnlyAccess", "ConsoleRoleName needs ConsolePortalUrl"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_naming_the_setting(portal: str, role: str, said: str) -> None:
    with pytest.raises(ValueError, match=r"^(ConsolePortalUrl|ConsoleRoleName)") as refused:
        console_links_from_settings(portal, role)

    assert said in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_environment_gives_the_links_and_none_when_unset() -> None:
    assert console_links_from_environment({}) is None
    assert (
        console_links_from_environment(
            {"JOBTRAIL_CONSOLE_PORTAL_URL": PORTAL, "JOBTRAIL_CONSOLE_ROLE_NAME": "ReadOnlyAccess"}
        )
        == LINKS
    )


# ---- the alert's links -------------------------------------------------------------------------------------


def test_an_alerts_links_open_the_jobs_account_through_the_portal() -> None:
    job_record = record(FAILED, job_arn=MEMBER_ARN, status="Failed")

    document = json.loads(build_alert(job_record, FAILED, links=LINKS).message)

    for field, plain in (
        ("console_url", console_url(job_record.key)),
        ("logs_url", logs_url(job_record.key)),
    ):
        portal, query = shortcut(document[field])
        assert (portal, query) == (
            f"{PORTAL}/",
            {"account_id": MEMBER, "role_name": "ReadOnlyAccess", "destination": plain},
        ), field
    assert (document["account"], document["region"]) == (MEMBER, "eu-west-1")


def test_the_home_accounts_links_go_through_the_portal_too() -> None:
    # A reader may be signed in to a member account when the home account's job fails
    job_record = record(FAILED, status="Failed")

    document = json.loads(build_alert(job_record, FAILED, links=LINKS).message)

    assert shortcut(document["console_url"])[1]["account_id"] == "123456789012"


def test_without_a_portal_the_links_are_the_consoles_and_the_message_says_the_account() -> None:
    job_record = record(FAILED, job_arn=MEMBER_ARN, status="Failed")

    alert = build_alert(job_record, FAILED)
    document = json.loads(alert.message)

    assert document["console_url"] == console_url(job_record.key)
    assert document["console_url"].startswith("https://eu-west-1.console.aws.amazon.com/sagemaker/")
    assert document["logs_url"] == logs_url(job_record.key)
    assert (document["account"], document["region"]) == (MEMBER, "eu-west-1")
    assert (alert.attributes()["account"], alert.attributes()["region"]) == (MEMBER, "eu-west-1")


def test_each_streams_link_in_the_log_tail_opens_the_jobs_account() -> None:
    job_record = record(FAILED, job_arn=MEMBER_ARN, status="Failed")
    streams = [
        log_stream_url("eu-west-1", "/aws/sagemaker/TrainingJobs", f"resnet-1/algo-{n}-1795181400")
        for n in (1, 2)
    ]
    tail = LogTail(
        streams=tuple(
            StreamTail(f"resnet-1/algo-{n}-1795181400", ("ValueError: boom",), url)
            for n, url in zip((1, 2), streams, strict=True)
        )
    )

    linked = json.loads(build_alert(job_record, FAILED, log_tail=tail, links=LINKS).message)["log_tail"]
    plain = json.loads(build_alert(job_record, FAILED, log_tail=tail).message)["log_tail"]

    assert [s["logs_url"] for s in plain] == streams
    assert [shortcut(s["logs_url"])[1] for s in linked] == [
        {"account_id": MEMBER, "role_name": "ReadOnlyAccess", "destination": url} for url in streams
    ]
    assert [{**s, "logs_url": None} for s in linked] == [{**s, "logs_url": None} for s in plain]


def test_a_pipelines_links_open_its_failed_steps_job() -> None:
    lifecycle = load_lifecycle("pipeline-failed")
    pipeline = next(job for job in lifecycle.jobs if job.kind == "pipeline")
    job_record = lifecycle.final_record(pipeline)
    step = job_record.step_that_failed
    assert step is not None
    assert step.job is not None

    document = json.loads(build_alert(job_record, job_record.transitions[-1], links=LINKS).message)

    assert document["console_url"] is None
    assert shortcut(document["failed_step_console_url"])[1]["destination"] == console_url(step.job)
    assert shortcut(document["logs_url"])[1] == {
        "account_id": step.job.account,
        "role_name": "ReadOnlyAccess",
        "destination": logs_url(step.job),
    }


def test_ingest_stores_the_alert_it_publishes_links_and_all() -> None:
    # Given ingest with the stack's portal and a job whose log it can read
    world = FakeWorld()
    world.deps = replace(world.deps, links=LINKS, logs=ScriptedJobLogs(TAIL_OF_FAILED))  # type: ignore[misc]
    # When the failed lifecycle's events arrive
    for step in load_lifecycle("failed").steps:
        world.script.advance(step)
        assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
    # Then what SNS got is what the outbox holds, its links (the tail's too) the portal's
    [published] = world.publisher.published
    [stored] = world.histories.load(published.job).alerts  # type: ignore[union-attr]
    assert stored.alert == published
    document = json.loads(published.message)
    links = [document["console_url"], document["logs_url"], *(s["logs_url"] for s in document["log_tail"])]
    assert all(link.startswith(f"{PORTAL}/#/console?account_id=123456789012&") for link in links)


TAIL_OF_FAILED = LogTail(
    streams=(
        StreamTail(
            "bert-finetune-reviews-2026-11-20-13-30-00-789/algo-1-1795181400",
            ("Traceback (most recent call last):", "torch.OutOfMemoryError: CUDA out of memory"),
            log_stream_url(
                "us-east-1",
                "/aws/sagemaker/TrainingJobs",
                "bert-finetune-reviews-2026-11-20-13-30-00-789/algo-1-1795181400",
            ),
        ),
    )
)


# ---- the message attributes --------------------------------------------------------------------------------


def test_the_attributes_name_the_jobs_account_and_region() -> None:
    job_record = record(FAILED, job_arn=MEMBER_ARN, status="Failed")

    attributes = build_alert(job_record, FAILED).attributes()

    assert {key: attributes[key] for key in ("account", "region")} == {
        "account": MEMBER,
        "region": "eu-west-1",
    }


def test_no_alert_carries_more_attributes_than_sns_delivers() -> None:
    # Every attribute an alert can have: a routed test alert (test and team), a routed real one
    routed = RouteChoice(team="nlp", slack_channel=None, slack_webhook_secret=None, reason="rule 1", rule=1)
    job_record = record(FAILED, job_arn=MEMBER_ARN, status="Failed")
    alerts = [
        build_test_alert(datetime(2026, 11, 20, tzinfo=UTC), account=MEMBER, region="eu-west-1", team="nlp"),
        build_alert(job_record, FAILED, route=routed),
    ]

    counts = [len(alert.attributes()) for alert in alerts]

    assert counts == [8, 7]
    assert max(counts) <= MAX_MESSAGE_ATTRIBUTES == 10
    assert all(value for alert in alerts for value in alert.attributes().values())  # SNS refuses ""


# ---- Slack -------------------------------------------------------------------------------------------------


def fields_of(payload: dict[str, object]) -> list[str]:
    [section] = [b for b in payload["blocks"] if b.get("fields")]  # type: ignore[union-attr, attr-defined]
    return [field["text"] for field in section["fields"]]  # type: ignore[index]


@pytest.mark.parametrize("name", ["failed", "processing-failed", "transform-failed", "tuning-failed"])
def test_the_slack_alert_says_the_account_and_region(name: str) -> None:
    lifecycle = load_lifecycle(name)
    job_record = lifecycle.final_record(lifecycle.jobs[0])
    member_arn = job_record.summary.job_arn.replace("us-east-1:123456789012", f"eu-west-1:{MEMBER}")
    moved = replace(job_record, summary=replace(job_record.summary, job_arn=member_arn))
    failed = next(t for t in moved.transitions if t.status == "Failed")

    payload = slack_payload(json.loads(build_alert(moved, failed).message))

    assert fields_of(payload)[-1] == f"*Account*\n{MEMBER} · eu-west-1"


def test_the_account_keeps_its_field_when_a_tuning_job_fills_the_section() -> None:
    document = json.loads(
        build_test_alert(datetime(2026, 11, 20, tzinfo=UTC), account=MEMBER, region="eu-west-1").message
    )
    document.update(
        test=False, kind="tuning", status="Failed", start_time="2026-11-20T10:00:00.000+00:00",
        end_time="2026-11-20T11:00:00.000+00:00", instance_type="ml.m5.xlarge", instance_count=2,
        cost={"usd": 1.5}, model_name="m", failed_step="s", best_training_job="b", objective_metric="o",
        best_objective_value=0.5, training_job_counts={"Completed": 3, "Failed": 1},
    )  # fmt: skip

    fields = fields_of(slack_payload(document))

    assert len(fields) == MAX_FIELDS
    assert fields[-1] == f"*Account*\n{MEMBER} · eu-west-1"


def test_a_test_alert_in_slack_says_the_account_it_was_sent_as() -> None:
    alert = build_test_alert(datetime(2026, 11, 20, tzinfo=UTC), account=MEMBER, region="eu-west-1")

    assert fields_of(slack_payload(json.loads(alert.message)))[-1] == f"*Account*\n{MEMBER} · eu-west-1"


def test_an_app_mode_card_opens_the_jobs_account_as_its_alerts_do() -> None:
    job_record = record(FAILED, job_arn=MEMBER_ARN, status="Failed")

    card = card_from_record(job_record, team=None, links=LINKS)
    plain = card_from_record(job_record, team=None)

    assert card.console_url == build_alert_field(job_record, "console_url")
    assert card.logs_url == build_alert_field(job_record, "logs_url")
    assert (plain.console_url, plain.logs_url) == (console_url(job_record.key), logs_url(job_record.key))
    buttons = [e for b in parent_message(card)["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["url"] for b in buttons] == [card.console_url, card.logs_url]
    context = parent_message(card)["blocks"][-1]["elements"][0]["text"]
    assert f"{MEMBER} · eu-west-1" in context


def build_alert_field(job_record: JobRecord, field: str) -> str:
    return str(json.loads(build_alert(job_record, FAILED, links=LINKS).message)[field])
