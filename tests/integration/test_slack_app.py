"""Slack app mode end to end: ingest on DynamoDB Local (stream on), the notifier's use case, slack_sdk's
WebClient against the loopback fake of Slack's Web API.

One thread per job and channel, created once under duplicates, concurrency and crashes; replies posted
once; the parent edited in place; Slack's errors and rate limits handled.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jobtrail.adapters.history_table import transitions_added
from jobtrail.adapters.slack import SlackApiFailed, SlackWebApi
from jobtrail.adapters.slack_threads import SlackThreadStore
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Claim
from jobtrail.core.routing import Routes, parse_routes
from jobtrail.core.slack_message import slack_payload
from jobtrail.core.slack_thread import alert_reply_key, card_from_record, parent_message
from jobtrail.core.times import iso
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.notify import NotifierDeps, notify
from jobtrail.usecases.slack_threads import (
    PARENT_CLAIM_SECONDS,
    PARENT_WAIT_SECONDS,
    ParentPending,
    SlackAppDeps,
    ensure_parent,
    post_alert,
)
from jobtrail_local.lambda_runtime import matches_filter
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from jobtrail_local.slack_web_api import FakeSlackWebApi
from jobtrail_local.sns_events import lambda_event
from slack_app_world import CHANNEL, STREAM_FILTER, TOKEN, FakeTime, SlackAppWorld, stream_events, stream_of
from worlds import world_on

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture
def slack() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def app_world(ddb_local_table: Any, slack: FakeSlackWebApi) -> Iterator[SlackAppWorld]:
    table = ddb_local_table
    stream = stream_of(str(table.endpoint_url), table.name, table.region)
    with world_on(table) as world:
        store = SlackThreadStore(table.name, region=table.region, host=table.endpoint_url)
        yield SlackAppWorld(
            world=world, slack=slack, store=store, stream=stream, host=str(table.endpoint_url)
        )


def document_of(event: dict[str, Any]) -> dict[str, Any]:
    (record,) = event["Records"]
    document: dict[str, Any] = json.loads(record["Sns"]["Message"])
    return document


def sns_event(document: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """``template`` (an SNS event) carrying ``document`` instead."""
    event = copy.deepcopy(template)
    event["Records"][0]["Sns"]["Message"] = json.dumps(document)
    return event


def job_of(document: dict[str, Any]) -> JobKey:
    return JobKey(document["account"], document["region"], document["kind"], document["job_name"])


# ---- threads from real lifecycles --------------------------------------------------------------------


def test_a_failed_job_gets_one_thread_and_its_alert_is_a_broadcast_reply(app_world: SlackAppWorld) -> None:
    # Given the failed lifecycle replayed through ingest, SNS and the stream
    app_world.run("failed")
    (parent,) = app_world.parents()
    threads = app_world.slack.threads()

    # Then the job has one parent in the default channel, showing it Failed, and one reply: the alert,
    # broadcast to the channel, with the Block Kit of the webhook mode
    (job,) = load_lifecycle("failed").jobs
    assert parent.blocks[0]["text"]["text"] == job.name
    assert "Failed" in parent.blocks[1]["text"]["text"]
    (reply,) = threads[parent.ts]
    assert reply.reply_broadcast
    assert reply.blocks[0]["text"]["text"] == f"Failed: {job.name}"
    assert reply.blocks == slack_payload(json.loads(reply_document(app_world, job)))["blocks"]
    # And the thread item holds the parent's ts and the alert's key
    thread = app_world.store.thread(job, CHANNEL)
    assert thread is not None
    assert (thread.channel_id, thread.ts) == (parent.channel, parent.ts)
    assert thread.posted == {alert_key(app_world, job)}
    assert thread.claim_token is None
    # And every stream batch succeeded (the earlier transitions had no thread: skipped)
    assert all(result.retry_from is None for result in app_world.results)


def reply_document(app_world: SlackAppWorld, job: JobKey) -> str:
    stored, _ = app_world.store.load(job)
    assert stored is not None
    (alert,) = stored.alerts
    return alert.alert.message


def alert_key(app_world: SlackAppWorld, job: JobKey) -> str:
    return alert_reply_key(json.loads(reply_document(app_world, job)))


def test_a_redelivered_alert_posts_nothing_new(app_world: SlackAppWorld) -> None:
    # Given the failed job's alert delivered, then delivered again (SNS, Lambda retries)
    (event,) = app_world.ingest("failed")
    app_world.clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)
    notify(event, app_world.deps())
    calls = len(app_world.slack.calls)
    notify(event, app_world.deps())

    # Then the second delivery read the thread and posted nothing, not even an edit
    assert len(app_world.slack.calls) == calls == 2
    assert len(app_world.slack.messages_in(CHANNEL)) == 2


def test_later_transitions_are_replies_and_the_parent_follows_the_job(app_world: SlackAppWorld) -> None:
    # Given the spot job: interrupted twice (two alerts), resumed each time, then completed
    app_world.run("spot-interrupted")
    (parent,) = app_world.parents()
    replies = app_world.slack.threads()[parent.ts]

    # Then both interruptions are broadcast replies, and the transitions after the first are replies
    # (the interruptions themselves once only: their alerts are their replies)
    broadcast = [r for r in replies if r.reply_broadcast]
    assert [r.blocks[0]["text"]["text"].split(":")[0] for r in broadcast] == ["Interrupted", "Interrupted"]
    (job,) = load_lifecycle("spot-interrupted").jobs
    stored, _ = app_world.store.load(job)
    assert stored is not None
    first_alert = min(t.start_time for t in stored.transitions if t.status == "Interrupted")
    statuses = [r.blocks[0]["text"]["text"].split("*")[1] for r in replies if not r.reply_broadcast]
    assert statuses == [
        t.status for t in stored.transitions if t.start_time > first_alert and t.status != "Interrupted"
    ]
    assert statuses[-1] == "Completed"
    # And the parent was edited in place, as the job moved, to show it completed
    assert parent.edits == len(statuses) + 1  # each transition, and the second interruption
    assert "Completed" in parent.blocks[1]["text"]["text"]
    assert parent.blocks == parent_message(card_from_record(stored, team=None))["blocks"]
    # And each reply is in the thread item once
    thread = app_world.store.thread(job, CHANNEL)
    assert thread is not None
    assert len(thread.posted) == len(replies)


def test_a_job_that_never_alerts_gets_no_thread(app_world: SlackAppWorld) -> None:
    app_world.run("completed")

    assert app_world.slack.calls == []
    assert any(result.skipped for result in app_world.results)


def test_with_thread_all_every_job_has_a_thread_from_its_first_transition(app_world: SlackAppWorld) -> None:
    # Given SlackThreadAll=true and a job that completes without an alert
    app_world.thread_all = True
    app_world.run("completed")
    (parent,) = app_world.parents()
    replies = app_world.slack.threads()[parent.ts]
    (job,) = load_lifecycle("completed").jobs
    stored, _ = app_world.store.load(job)
    assert stored is not None

    # Then its first transition made the parent (not a reply too), every later one is a reply
    _, *later = stored.transitions
    assert [r.blocks[0]["text"]["text"].split("*")[1] for r in replies] == [t.status for t in later]
    assert not any(r.reply_broadcast for r in replies)
    # And the parent shows the job completed, edited as it moved
    assert "Completed" in parent.blocks[1]["text"]["text"]
    assert parent.edits == len(later)
    thread = app_world.store.thread(job, CHANNEL)
    assert thread is not None
    assert len(thread.posted) == len(stored.transitions)


def test_the_stream_filter_lets_only_summary_writes_through(app_world: SlackAppWorld) -> None:
    # Given jobs recorded step by step (summaries written, alerts), and the notifier writing its thread
    # items into the same partitions
    app_world.run("spot-interrupted")
    app_world.run("failed")
    records = app_world.stream.from_start().poll()

    # Then the filter passes exactly the writes of summary items, and nothing the notifier writes
    passed = [r for r in records if matches_filter(STREAM_FILTER, r)]
    others = [r for r in records if not matches_filter(STREAM_FILTER, r)]
    assert passed
    assert {r["eventName"] for r in passed} == {"INSERT", "MODIFY"}
    assert {r["dynamodb"]["Keys"]["sk"]["S"] for r in passed} == {"SUMMARY"}
    assert not any(r["dynamodb"]["Keys"]["sk"]["S"] == "SUMMARY" for r in others)
    assert any(r["dynamodb"]["Keys"]["sk"]["S"].startswith("SLACK#") for r in others)
    assert any(r["dynamodb"]["Keys"]["sk"]["S"].startswith("ALERT#") for r in others)


# ---- exactly one parent ------------------------------------------------------------------------------


def test_racing_notifiers_post_one_parent(app_world: SlackAppWorld) -> None:
    # Given a stored job and eight notifiers (each its own container: store, Slack client, real clock)
    # posting eight different alerts of it at the same moment
    (event,) = app_world.ingest("failed")
    document = document_of(event)
    start = threading.Barrier(8, timeout=30)
    errors: list[BaseException] = []

    def notifier(n: int) -> None:
        store = SlackThreadStore(app_world.store.table_name, region="us-east-1", host=app_world.host)
        messages = SlackWebApi(lambda: TOKEN, base_url=app_world.slack.base_url, sleep=lambda _: None)
        deps = app_world.app(
            messages=messages, threads=store, clock=lambda: datetime.now(UTC), sleep=time.sleep
        )
        variant = dict(document, transition_start_time=f"2026-11-20T13:41:27.{n:03d}+00:00")
        start.wait()
        try:
            post_alert(variant, deps)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=notifier, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then one parent, and the eight alerts are replies in its thread
    assert errors == []
    (parent,) = app_world.parents()
    assert len(app_world.slack.threads()[parent.ts]) == 8
    thread = app_world.store.thread(job_of(document), CHANNEL)
    assert thread is not None
    assert thread.ts == parent.ts
    assert len(thread.posted) == 8


def test_a_claim_held_by_a_notifier_that_died_before_posting_expires(app_world: SlackAppWorld) -> None:
    # Given a notifier that claimed the job's thread, then died before posting its parent
    (event,) = app_world.ingest("failed")
    job = job_of(document_of(event))
    clock = app_world.clock
    clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)
    dead = Claim(token="dead", until=clock.now + timedelta(seconds=PARENT_CLAIM_SECONDS))
    assert app_world.store.claim_parent(job, CHANNEL, dead, now=clock.now)

    # When the alert arrives: the notifier waits (bounded), then raises for a retry, posting nothing
    with pytest.raises(ParentPending):
        notify(event, app_world.deps())
    assert app_world.slack.calls == []
    assert sum(clock.sleeps) == pytest.approx(PARENT_WAIT_SECONDS + 0.5, abs=0.5)

    # Then once the claim has expired, the retry posts the parent and the reply, once
    clock.now = dead.until + timedelta(seconds=1)
    notify(event, app_world.deps())
    notify(event, app_world.deps())
    (parent,) = app_world.parents()
    assert len(app_world.slack.threads()[parent.ts]) == 1


class CrashingThreads:
    """The thread store, but the process dies (an exception here) at ``crash_at`` the first time."""

    def __init__(self, inner: SlackThreadStore, crash_at: str) -> None:
        self.inner = inner
        self.crash_at = crash_at

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name != self.crash_at:
            return method

        def crash(*args: Any, **kwargs: Any) -> Any:
            self.crash_at = ""
            raise ConnectionError("the invocation died here")

        return crash


def test_a_crash_between_posting_and_recording_the_parent_makes_at_most_one_more(
    app_world: SlackAppWorld,
) -> None:
    # Given the first notifier posts the parent, then dies before recording its ts
    (event,) = app_world.ingest("failed")
    clock = app_world.clock
    clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)
    crashing = CrashingThreads(app_world.store, "record_parent")
    with pytest.raises(ConnectionError):
        notify(event, app_world.deps(threads=crashing))
    assert len(app_world.parents()) == 1

    # When Lambda retries while its claim holds: nothing is posted
    with pytest.raises(ParentPending):
        notify(event, app_world.deps())
    assert len(app_world.parents()) == 1

    # Then after the claim expires, the retry posts a second parent: the documented window, once
    clock.now += timedelta(seconds=PARENT_CLAIM_SECONDS + 1)
    notify(event, app_world.deps())
    notify(event, app_world.deps())
    first, second = app_world.parents()
    threads = app_world.slack.threads()
    assert first.ts not in threads
    assert len(threads[second.ts]) == 1
    thread = app_world.store.thread(job_of(document_of(event)), CHANNEL)
    assert thread is not None
    assert thread.ts == second.ts


def test_a_crash_between_a_reply_and_its_record_repeats_that_reply(app_world: SlackAppWorld) -> None:
    # The replies' documented window: Slack has the reply, the thread item does not know it yet
    (event,) = app_world.ingest("failed")
    app_world.clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)
    with pytest.raises(ConnectionError):
        notify(event, app_world.deps(threads=CrashingThreads(app_world.store, "record_reply")))
    notify(event, app_world.deps())
    notify(event, app_world.deps())

    (parent,) = app_world.parents()
    assert len(app_world.slack.threads()[parent.ts]) == 2


def test_a_refused_parent_gives_its_claim_back(app_world: SlackAppWorld) -> None:
    # Given Slack refuses the parent (the app is not in the channel)
    (event,) = app_world.ingest("failed")
    job = job_of(document_of(event))
    app_world.clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)
    app_world.slack.inject("chat.postMessage", error="not_in_channel")
    with pytest.raises(SlackApiFailed, match="not_in_channel: invite the app to the channel"):
        notify(event, app_world.deps())

    # Then the claim is released, so the retry posts at once, without waiting
    thread = app_world.store.thread(job, CHANNEL)
    assert thread is not None
    assert (thread.ts, thread.claim_token) == (None, None)
    notify(event, app_world.deps())
    assert app_world.clock.sleeps == []
    assert len(app_world.parents()) == 1


def test_a_parent_whose_answer_was_lost_is_not_posted_again_within_its_claim(
    app_world: SlackAppWorld,
) -> None:
    # Given Slack keeps the parent but its answer is a 500 (or the connection drops): it may have posted
    (event,) = app_world.ingest("failed")
    job = job_of(document_of(event))
    app_world.clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)
    app_world.slack.inject("chat.postMessage", status=500, kept=True)
    with pytest.raises(SlackApiFailed):
        notify(event, app_world.deps())
    assert len(app_world.parents()) == 1  # Slack has it

    # Then the claim is kept: the retry waits, then leaves it to a later retry, posting nothing
    thread = app_world.store.thread(job, CHANNEL)
    assert thread is not None
    assert thread.ts is None
    assert thread.claim_token is not None
    with pytest.raises(ParentPending):
        notify(event, app_world.deps())
    assert len(app_world.parents()) == 1
    # And only once the claim has expired (the documented window) may a second parent be posted
    app_world.clock.now += timedelta(seconds=PARENT_CLAIM_SECONDS + 1)
    notify(event, app_world.deps())
    assert len(app_world.parents()) == 2


def test_a_routes_channel_that_refuses_sends_the_alert_to_the_default_channel(
    app_world: SlackAppWorld,
) -> None:
    # Given an alert routed to a channel the app cannot post in
    (event,) = app_world.ingest("failed")
    document = document_of(event) | {
        "team": "nlp",
        "route": {"team": "nlp", "slack_channel": "#gone", "slack_webhook_secret": None, "reason": "rule 1"},
    }
    app_world.clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)
    app_world.slack.inject("chat.postMessage", channel="#gone", error="channel_not_found", times=5)

    # When it is posted, it still reaches Slack, in the default channel, with its thread there
    result = notify(sns_event(document, event), app_world.deps())

    assert result.posted == [document["alert_id"]]
    assert app_world.slack.messages_in("#gone") == []
    (parent,) = app_world.parents()
    [reply] = app_world.slack.threads()[parent.ts]
    assert reply.reply_broadcast


def test_a_transition_whose_channel_refuses_is_skipped_not_retried(app_world: SlackAppWorld) -> None:
    # Given a job with a thread, then its channel archived
    app_world.thread_all = True
    app_world.ingest("completed")
    (event,) = stream_events(app_world.stream, batch_size=100)
    app_world.clock.now = datetime(2026, 11, 21, tzinfo=UTC)
    app_world.slack.inject("chat.postMessage", error="is_archived", times=100, after=1)

    # When its transitions come, the batch goes through: retrying cannot help, and would hold back
    # the jobs behind them in the stream
    result = notify(event, app_world.deps())

    assert result.response() == {"batchItemFailures": []}
    assert len(result.skipped) == len(event["Records"]) - 1


def test_one_channel_spelled_two_ways_has_one_thread(app_world: SlackAppWorld) -> None:
    # Given the default channel "#ml-alerts" and an alert whose route spells it "ml-alerts"
    (event,) = app_world.ingest("failed")
    document = document_of(event) | {
        "route": {"team": None, "slack_channel": "ml-alerts", "slack_webhook_secret": None, "reason": "x"}
    }
    app_world.clock.now = datetime(2026, 11, 20, 14, tzinfo=UTC)

    notify(sns_event(document, event), app_world.deps())
    notify(event, app_world.deps())  # the same alert, unrouted: the default channel

    assert len(app_world.parents()) == 1
    assert len(app_world.slack.threads()[app_world.parents()[0].ts]) == 1


def test_ensure_parent_returns_a_recorded_thread_without_a_call(app_world: SlackAppWorld) -> None:
    (event,) = app_world.ingest("failed")
    notify(event, app_world.deps())
    job = job_of(document_of(event))
    stored, threads = app_world.store.load(job)
    assert stored is not None
    calls = len(app_world.slack.calls)

    thread, created = ensure_parent(
        job, CHANNEL, card_from_record(stored, team=None), threads[CHANNEL], app_world.app()
    )

    assert not created
    assert thread == threads[CHANNEL]
    assert len(app_world.slack.calls) == calls


# ---- routes, teams, test alerts ----------------------------------------------------------------------


def test_an_alert_goes_to_its_routes_channel_and_the_parent_shows_the_team(app_world: SlackAppWorld) -> None:
    (event,) = app_world.ingest("failed")
    document = document_of(event)
    routed = dict(
        document,
        team="nlp",
        route={"team": "nlp", "slack_channel": "#nlp-alerts", "slack_webhook_secret": None, "reason": "tag"},
    )
    notify(sns_event(routed, event), app_world.deps())

    assert app_world.slack.messages_in(CHANNEL) == []
    (parent,) = app_world.parents("#nlp-alerts")
    assert "*Team*\nnlp" in [field["text"] for field in parent.blocks[1]["fields"]]
    thread = app_world.store.thread(job_of(document), "#nlp-alerts")
    assert thread is not None
    assert thread.team == "nlp"


def test_an_old_alert_without_route_or_team_goes_to_the_default_channel(app_world: SlackAppWorld) -> None:
    (event,) = app_world.ingest("failed")
    document = document_of(event)
    document.pop("team", None)
    document.pop("route", None)
    notify(sns_event(document, event), app_world.deps())

    (parent,) = app_world.parents()
    assert "*Team*\n-" in [field["text"] for field in parent.blocks[1]["fields"]]


class NoThreads:
    """A thread store that must not be touched."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the thread store was used: {name}")


@pytest.mark.parametrize("channel", [None, "#platform"])
def test_a_test_alert_is_a_message_of_its_own(slack: FakeSlackWebApi, channel: str | None) -> None:
    # Given a test alert (jobtrail alerts test): no stored job, maybe a route
    document = {"test": True, "alert_type": "Test", "alert_id": "test/1", "job_name": "jobtrail-test"}
    if channel:
        document["route"] = {"slack_channel": channel}
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(document)}}]}
    messages = SlackWebApi(lambda: TOKEN, base_url=slack.base_url)
    deps = NotifierDeps(app=_app(messages, NoThreads()))

    result = notify(event, deps)

    # Then one message in the route's or the default channel, no thread, nothing written
    (message,) = slack.messages_in(channel or CHANNEL)
    assert not message.is_reply
    assert message.blocks == slack_payload(document)["blocks"]
    assert result.posted == ["test/1"]


def _app(messages: Any, threads: Any, **more: Any) -> SlackAppDeps:
    return SlackAppDeps(messages=messages, threads=threads, default_channel=CHANNEL, **more)


# ---- the stream's failures -----------------------------------------------------------------------------


def test_a_failed_transition_stops_its_batch_there_for_lambda_to_retry(app_world: SlackAppWorld) -> None:
    # Given SlackThreadAll and a job's summary writes in one batch (most add a transition, some only close
    # one); Slack fails the reply of the second transition
    app_world.thread_all = True
    app_world.ingest("completed")
    (event,) = stream_events(app_world.stream, batch_size=100)
    records = event["Records"]
    adding = [record for record in records if transitions_added(record["dynamodb"])]
    transitions = sum(len(transitions_added(record["dynamodb"])) for record in records)
    assert len(adding) >= 3
    second = records.index(adding[1])
    app_world.clock.now = datetime(2026, 11, 21, tzinfo=UTC)
    # (a post is not retried on a 5xx: Slack may have kept it; Lambda's retry of the batch decides)
    app_world.slack.inject("chat.postMessage", status=500, times=1, after=1)

    # When the batch is handled: the first transition made the parent, the second failed, the rest wait
    result = notify(event, app_world.deps())
    assert result.response() == {
        "batchItemFailures": [{"itemIdentifier": adding[1]["dynamodb"]["SequenceNumber"]}]
    }
    (parent,) = app_world.parents()
    assert app_world.slack.threads() == {}
    assert len(app_world.slack.calls) == 1 + 1

    # Then Lambda's retry from that record posts each later transition once; a whole redelivery, nothing
    retried = notify({"Records": records[second:]}, app_world.deps())
    calls = len(app_world.slack.calls)
    again = notify(event, app_world.deps())
    assert retried.response() == again.response() == {"batchItemFailures": []}
    assert len(app_world.slack.threads()[parent.ts]) == transitions - 1
    assert len(app_world.slack.calls) == calls


# ---- Slack's errors and limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        ("channel_not_found", "check SlackChannel"),
        ("not_in_channel", "invite the app"),
        ("invalid_auth", "SlackBotTokenSecretArn"),
        ("is_archived", "archived"),
    ],
)
def test_slacks_refusals_name_the_method_the_channel_and_what_to_do(
    slack: FakeSlackWebApi, error: str, hint: str
) -> None:
    slack.inject(error=error)
    api = SlackWebApi(lambda: TOKEN, base_url=slack.base_url)

    with pytest.raises(SlackApiFailed) as refused:
        api.post("#ml-alerts", {"text": "x", "blocks": []})

    assert refused.value.error == error
    assert str(refused.value).startswith(f"Slack refused chat.postMessage in #ml-alerts: {error}")
    assert hint in str(refused.value)
    assert TOKEN not in str(refused.value)


def test_a_429_waits_for_retry_after_then_posts(slack: FakeSlackWebApi) -> None:
    slack.inject("chat.postMessage", status=429, retry_after=1)
    api = SlackWebApi(lambda: TOKEN, base_url=slack.base_url)

    posted = api.post("#ml-alerts", {"text": "x", "blocks": []})

    refused, accepted = slack.calls
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.at - refused.at >= 1.0  # slack_sdk slept Retry-After (plus jitter) first
    assert posted.ts == accepted.answer["ts"]


def test_a_429_that_lasts_raises_ratelimited(slack: FakeSlackWebApi) -> None:
    slack.inject("chat.postMessage", status=429, retry_after=0, times=10)
    api = SlackWebApi(lambda: TOKEN, base_url=slack.base_url)

    with pytest.raises(SlackApiFailed, match="ratelimited"):
        api.post("#ml-alerts", {"text": "x", "blocks": []})
    assert len(slack.calls) == 3  # the first try and slack_sdk's two retries


def test_posts_are_one_per_second_per_channel(slack: FakeSlackWebApi) -> None:
    # Given the fake stamping calls with the adapter's (fake) clock
    fake_time = FakeTime()
    slack.clock = fake_time.clock
    api = SlackWebApi(lambda: TOKEN, base_url=slack.base_url, clock=fake_time.clock, sleep=fake_time.sleep)
    message = {"text": "x", "blocks": []}

    # When posts alternate between two channels, the first channel also by its ID
    first = api.post("#a", message)
    api.post("#b", message)
    api.post(first.channel_id, message)
    api.post("#b", message)
    api.post("#a", message)

    # Then each channel's posts are a second apart, and no channel waited for the other
    stamps = {
        channel: [c.at - 1000.0 for c in slack.calls if c.answer["channel"] == slack.channel_id(channel)]
        for channel in ("#a", "#b")
    }
    assert stamps == {"#a": [0.0, 1.0, 2.0], "#b": [0.0, 1.0]}
    assert fake_time.sleeps == [pytest.approx(1.0), pytest.approx(1.0)]


def test_updates_share_one_budget_of_50_a_minute(slack: FakeSlackWebApi) -> None:
    fake_time = FakeTime()
    api = SlackWebApi(lambda: TOKEN, base_url=slack.base_url, clock=fake_time.clock, sleep=fake_time.sleep)
    posted = api.post("#a", {"text": "x", "blocks": []})
    for n in range(15):
        api.update(posted.channel_id, posted.ts, {"text": f"edit {n}", "blocks": []})

    # A burst of 5, then one every 1.2 seconds
    assert fake_time.now - 1000.0 == pytest.approx(10 * 60 / 50)
    (message,) = slack.messages_in("#a")
    assert (message.text, message.edits) == ("edit 14", 15)


class _Routes:
    """The routes document as the SSM adapter gives it (``AlertRoutes``): parsed, or its refusal."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.loads = 0

    def load(self) -> Routes:
        self.loads += 1
        return parse_routes(self.text)


def test_with_thread_all_a_first_seen_thread_goes_to_its_routes_channel(app_world: SlackAppWorld) -> None:
    # Given SlackThreadAll=true and a routes document whose rule matches the job by its name
    (job,) = load_lifecycle("completed").jobs
    routes = _Routes(
        json.dumps(
            {
                "routes": [
                    {"team": "nlp", "match": {"name_prefix": job.name[:6]}, "slack_channel": "#nlp-alerts"},
                ],
                "default": {"team": "platform", "slack_channel": "#ml-alerts"},
            }
        )
    )
    app_world.thread_all = True
    app_world.run("completed", routes=routes)

    # Then the job's thread is in the team's channel, with the team on the parent, and none in the default
    (parent,) = app_world.parents("#nlp-alerts")
    assert "nlp" in json.dumps(parent.blocks)
    assert app_world.slack.messages_in(CHANNEL) == []
    thread = app_world.store.thread(job, "#nlp-alerts")
    assert thread is not None
    assert thread.team == "nlp"
    # And the document was read for the first-seen parent only (the later transitions reply in its thread)
    assert routes.loads == 1


def test_with_an_invalid_routes_document_a_first_seen_thread_goes_to_the_default_channel(
    app_world: SlackAppWorld,
) -> None:
    app_world.thread_all = True
    app_world.run("completed", routes=_Routes('{"routes": [{"team": "nlp", "match": {}}]}'))

    (parent,) = app_world.parents()
    assert parent.channel == app_world.slack.channel_id(CHANNEL)


def _deliver_only(app_world: SlackAppWorld, lifecycle: str, delivered: set[int], *, sns_first: bool) -> None:
    """Replay ``lifecycle`` with only the events at ``delivered`` (the others lost: each sync then
    records every transition since the last); after each, SNS and the stream in the order given."""
    for index, step in enumerate(load_lifecycle(lifecycle).steps):
        app_world.world.script.advance(step)
        if index not in delivered:
            continue
        handle_batch(sqs_batch([step.sqs_body]), app_world.world.deps)
        app_world.clock.now = max(app_world.clock.now, step.modified + timedelta(seconds=1))
        alerts = [lambda_event(sent) for sent in app_world.world.notifications()]
        if not sns_first:
            app_world.deliver_stream()
        for event in alerts:
            app_world.results.append(notify(event, app_world.deps()))
        if sns_first:
            app_world.deliver_stream()


def _reply_times(app_world: SlackAppWorld, job: JobKey) -> list[tuple[str, str]]:
    stored, _ = app_world.store.load(job)
    assert stored is not None
    (parent,) = app_world.parents()
    texts = [json.dumps(r.blocks) for r in app_world.slack.threads()[parent.ts]]
    starts = {iso(t.start_time): t.status for t in stored.transitions}
    return [next((start, status) for start, status in starts.items() if start in text) for text in texts]


def test_a_thread_reads_in_the_jobs_order_when_one_write_records_many_transitions(
    app_world: SlackAppWorld,
) -> None:
    # Given a spot job whose events were lost but for its two interruptions and its end: each of those
    # syncs records every transition since the last in one write, the alert with them
    steps = load_lifecycle("spot-interrupted").steps
    interrupts = {i for i, step in enumerate(steps) if step.describe.get("SecondaryStatus") == "Interrupted"}
    assert len(interrupts) == 2
    _deliver_only(app_world, "spot-interrupted", interrupts | {len(steps) - 1}, sns_first=True)
    (job,) = {step.key for step in steps}

    replies = _reply_times(app_world, job)
    stored, _ = app_world.store.load(job)
    assert stored is not None
    first_alert = min(a.alert.transition_start_time for a in stored.alerts)

    # Then the replies come in the job's order, alerts among their transitions, none twice
    assert [start for start, _ in replies] == sorted(start for start, _ in replies)
    assert len(replies) == len(set(replies))
    # And the thread starts with the first alert: nothing before it is a reply
    assert replies[0] == (iso(first_alert), "Interrupted")
    # And every transition since is there, up to Completed
    since = [(iso(t.start_time), t.status) for t in stored.transitions if t.start_time >= first_alert]
    assert replies == since
    assert replies[-1][1] == "Completed"


def test_a_transition_that_overtakes_its_alert_starts_the_thread_in_the_alerts_channel(
    app_world: SlackAppWorld,
) -> None:
    # Given a write that records a spot job's interruption with the transitions after it, and the stream
    # bringing those transitions before SNS brings the alert
    steps = load_lifecycle("spot-interrupted").steps
    first = next(i for i, step in enumerate(steps) if step.describe.get("SecondaryStatus") == "Interrupted")
    _deliver_only(app_world, "spot-interrupted", {first + 2}, sns_first=False)
    (job,) = {step.key for step in steps}

    # Then the job has its thread all the same, in order: the alert, then the transitions after it
    (parent,) = app_world.parents()
    replies = _reply_times(app_world, job)
    stored, _ = app_world.store.load(job)
    assert stored is not None
    first_alert = min(a.alert.transition_start_time for a in stored.alerts)
    assert replies == [
        (iso(t.start_time), t.status) for t in stored.transitions if t.start_time >= first_alert
    ]
    assert [status for _, status in replies] == ["Interrupted", "Starting", "Downloading"]
    assert "Downloading" in json.dumps(parent.blocks)
