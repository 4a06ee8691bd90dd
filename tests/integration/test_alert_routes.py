"""Routing on the real adapters: the ``team`` attribute SNS filter policies select on, tags and routed alerts
kept in the history table (moto and DynamoDB Local), the routes document read from SSM through Powertools,
ListTags through the SageMaker adapter, a routed Stalled alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from fakes import DocumentRoutes
from jobtrail.adapters.routes import SsmAlertRoutes
from jobtrail.adapters.sagemaker import SageMakerJobs, execution_arn
from jobtrail.core.alerts import ConsoleLinks
from jobtrail.core.history import plan_changes
from jobtrail.core.routing import MAX_TAGS, RoutesError, RoutesUnreadable
from jobtrail.usecases.ingest import handle_batch
from jobtrail.usecases.reconcile import RECONCILE_WATERMARK, ReconcileDeps, TokenBucket, reconcile
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycle_builder import Step
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker, ScriptedSageMakerServer
from msgspec import structs
from worlds import World

ROUTES = json.dumps(
    {
        "routes": [
            {"team": "nlp", "match": {"tags": {"team": "nlp"}}, "slack_channel": "#nlp-alerts"},
            {"team": "growth", "match": {"name_prefix": "churn-"}},
        ]
    }
)
PARAMETER = "/jobtrail/routes"


def routed(world: World, routes: Any = None) -> None:
    world.deps = structs.replace(world.deps, routes=routes or DocumentRoutes(ROUTES))  # type: ignore[misc]


def deliver(world: World, steps: tuple[Step, ...]) -> None:
    for step in steps:
        world.script.advance(step)
        assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []


# -- SNS: the team attribute ---------------------------------------------------------------------------------


def test_a_filter_policy_on_team_receives_only_that_teams_alerts(world: World) -> None:
    # Given a subscriber that wants nlp's alerts only, and alerts of nlp, growth and nobody's
    routed(world)
    nlp_only = world.subscribe_with_filter({"team": ["nlp"]}, "nlp-oncall")
    deliver(world, load_lifecycle("failed").steps)  # tagged team=nlp
    deliver(world, load_lifecycle("processing-failed").steps)  # churn-…: growth
    deliver(world, load_lifecycle("failed-capacity").steps)  # team=llm: no rule, no default: no team
    # Then it received the nlp alert alone; the unfiltered subscriber all three, each with its team
    [nlp] = world.notifications_at(nlp_only)
    assert json.loads(nlp["Message"])["team"] == "nlp"
    everything = world.notifications()
    teams = sorted(str(n["MessageAttributes"].get("team", {}).get("Value")) for n in everything)
    assert teams == ["None", "growth", "nlp"]
    # And an alert without a team carries no team attribute at all (SNS refuses an empty one)
    [unrouted] = [n for n in everything if "team" not in n["MessageAttributes"]]
    assert json.loads(unrouted["Message"])["team"] is None
    assert unrouted["MessageAttributes"]["alert_type"] == {"Type": "String", "Value": "Failed"}


# -- the history table ---------------------------------------------------------------------------------------


def test_tags_and_the_routed_alert_are_kept_in_the_table(world: World) -> None:
    # Given SNS refusing the alert, so that it stays pending in the outbox
    routed(world)

    class Refusing:
        def publish(self, alert: Any) -> str:
            raise ConnectionError("SNS unreachable")

    world.deps = structs.replace(world.deps, alerts=Refusing())  # type: ignore[misc]
    lifecycle = load_lifecycle("failed")
    for step in lifecycle.steps:
        world.script.advance(step)
        handle_batch(sqs_batch([step.sqs_body]), world.deps)
    # Then the job's tags and the pending alert's team come back from the table
    [job] = lifecycle.jobs
    stored = world.store.load(job)
    assert stored is not None
    assert stored.summary.tags == {"team": "nlp", "project": "review-sentiment"}
    [pending] = stored.alerts
    assert (pending.state, pending.alert.team) == ("pending", "nlp")
    assert json.loads(pending.alert.message)["team"] == "nlp"


def test_a_job_without_tags_keeps_an_empty_map_not_unknown(world: World) -> None:
    # A pipeline the fixtures do not tag: its execution's tags were read, and there are none
    lifecycle = load_lifecycle("pipeline-succeeded")
    deliver(world, lifecycle.steps)
    execution = next(job for job in lifecycle.jobs if job.kind == "pipeline")
    stored = world.store.load(execution)
    assert stored is not None
    assert stored.summary.tags == {}
    # So its later syncs read them no more
    reads = len(world.script.tag_reads)
    deliver(world, lifecycle.steps[-1:])
    assert len(world.script.tag_reads) == reads


def test_tags_of_any_characters_sagemaker_allows_round_trip(world: World) -> None:
    tags = {
        "team": "nlp",
        "aws:cloudformation:stack-name": "ml stack",
        "a/b=c+d@e.f:g_h-i": "",
        "équipe": "é",
    }
    record = load_lifecycle("completed").final_record(load_lifecycle("completed").jobs[0])
    tagged = structs.replace(record, summary=structs.replace(record.summary, tags=tags))

    world.store.apply(plan_changes(None, tagged))

    stored = world.store.load(record.key)
    assert stored is not None
    assert stored.summary.tags == tags


# -- a Stalled alert -----------------------------------------------------------------------------------------


def stalled_notification(world: World, **sync_changes: Any) -> dict[str, Any]:
    """The SNS notification of the Stalled alert a reconciliation pass sends for the spot job stuck in
    Training six days (``stalled_after`` six hours), ingest's dependencies changed by ``sync_changes``; the
    pass failing nothing."""
    lifecycle = load_lifecycle("spot-interrupted")
    training = next(s for s in lifecycle.steps if s.describe["SecondaryStatus"] == "Training")
    world.script.advance(training)
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    later = datetime(2026, 11, 25, tzinfo=UTC)
    sync = structs.replace(world.deps, clock=lambda: later, **sync_changes)
    report = reconcile(
        ReconcileDeps(
            sync=sync,
            catalog=sync.jobs,  # type: ignore[arg-type]
            histories=world.store,
            bucket=TokenBucket(1000.0),
            stalled_after=timedelta(hours=6),
        )
    )
    assert report.failures == []
    [stalled] = [
        n for n in world.notifications() if n["MessageAttributes"]["alert_type"]["Value"] == "Stalled"
    ]
    return stalled


def test_a_stalled_alert_is_routed_like_any_other(world: World) -> None:
    # Given the spot job (tagged team=vision) stuck in Training, and a rule for vision
    vision = json.dumps({"routes": [{"team": "vision", "match": {"tags": {"team": "vision"}}}]})
    routed(world, DocumentRoutes(vision))
    # When a pass looks for stalled jobs, then its Stalled alert names the team, in the message and the
    # attribute
    stalled = stalled_notification(world)
    assert stalled["MessageAttributes"]["team"]["Value"] == "vision"
    assert json.loads(stalled["Message"])["route"]["reason"] == 'rule 1 "vision": tag team=vision'


# -- the routes document in SSM ------------------------------------------------------------------------------


@pytest.fixture
def ssm(moto_table: Any) -> Any:
    """SSM on moto (``moto_table`` keeps ``mock_aws`` on for the test)."""
    return boto3.client("ssm", region_name="us-east-1")


def test_the_document_is_read_through_powertools_and_kept_a_while(ssm: Any) -> None:
    ssm.put_parameter(Name=PARAMETER, Type="String", Value=ROUTES)
    routes = SsmAlertRoutes(lambda: ssm, PARAMETER)

    with count_aws_calls() as calls:
        first = routes.load()
        second = routes.load()

    assert [rule.team for rule in first.rules] == ["nlp", "growth"]
    assert second == first
    assert calls["ssm.GetParameter"] == 1


def test_an_edit_reaches_the_alerts_once_the_cached_copy_expires(ssm: Any) -> None:
    ssm.put_parameter(Name=PARAMETER, Type="String", Value=ROUTES)
    routes = SsmAlertRoutes(lambda: ssm, PARAMETER, max_age=0)
    assert [rule.team for rule in routes.load().rules] == ["nlp", "growth"]

    ssm.put_parameter(Name=PARAMETER, Type="String", Value='{"default": {"team": "ml"}}', Overwrite=True)

    edited = routes.load()
    assert (edited.rules, edited.default and edited.default.team) == ((), "ml")


def test_an_invalid_document_in_ssm_is_refused_naming_the_rule(ssm: Any) -> None:
    ssm.put_parameter(
        Name=PARAMETER, Type="String", Value='{"routes": [{"team": "cv", "match": {"kind": 3}}]}'
    )
    routes = SsmAlertRoutes(lambda: ssm, PARAMETER)

    for _ in range(2):  # parsed once, refused each time
        with pytest.raises(
            RoutesError, match=r'^routes\[0\] \("cv"\): match\.kind must be a job kind'
        ) as refused:
            routes.load()
        assert not isinstance(refused.value, RoutesUnreadable)


def test_a_missing_parameter_or_a_client_that_cannot_be_made_is_unreadable(ssm: Any) -> None:
    with pytest.raises(RoutesUnreadable, match=r"^SSM parameter /jobtrail/nothing: .*ParameterNotFound"):
        SsmAlertRoutes(lambda: ssm, "/jobtrail/nothing").load()

    def no_client() -> Any:
        raise ValueError("no region")

    with pytest.raises(RoutesUnreadable, match=r"^SSM parameter /jobtrail/routes: ValueError: no region$"):
        SsmAlertRoutes(no_client, PARAMETER).load()


def test_the_client_is_made_when_the_document_is_first_read() -> None:
    made: list[str] = []

    def client() -> Any:
        made.append("ssm")
        raise ValueError("stop here")

    routes = SsmAlertRoutes(client, PARAMETER)
    assert made == []
    with pytest.raises(RoutesUnreadable):
        routes.load()
    assert made == ["ssm"]


# -- ListTags ------------------------------------------------------------------------------------------------


def test_list_tags_asks_for_the_jobs_arn_and_a_pipelines_for_an_execution() -> None:
    client = boto3.client("sagemaker", region_name="us-east-1")
    jobs = SageMakerJobs(client)
    training = load_lifecycle("failed").final_record(load_lifecycle("failed").jobs[0]).summary
    pipeline_life = load_lifecycle("pipeline-failed")
    execution = pipeline_life.final_record(
        next(j for j in pipeline_life.jobs if j.kind == "pipeline")
    ).summary
    pipeline_arn = execution_arn(execution.key).partition("/execution/")[0]
    with Stubber(client) as stubber:
        stubber.add_response(
            "list_tags",
            {"Tags": [{"Key": "team", "Value": "nlp"}]},
            {"ResourceArn": training.job_arn, "MaxResults": 50},
        )
        stubber.add_response("list_tags", {"Tags": []}, {"ResourceArn": pipeline_arn, "MaxResults": 50})

        assert jobs.tags(training) == {"team": "nlp"}
        assert jobs.tags(execution) == {}
        stubber.assert_no_pending_responses()


def test_list_tags_follows_pages_only_up_to_what_a_job_keeps() -> None:
    client = boto3.client("sagemaker", region_name="us-east-1")
    training = load_lifecycle("failed").final_record(load_lifecycle("failed").jobs[0]).summary
    page = [{"Key": f"k{i:02d}", "Value": "v"} for i in range(50)]
    with Stubber(client) as stubber:
        stubber.add_response("list_tags", {"Tags": page[:30], "NextToken": "2"})
        stubber.add_response("list_tags", {"Tags": page[30:], "NextToken": "3"})

        tags = SageMakerJobs(client).tags(training)

        # Two pages hold MAX_TAGS: the third is never asked for
        assert len(tags) == MAX_TAGS
        stubber.assert_no_pending_responses()


def test_the_scripted_list_tags_answers_every_way_alike_and_as_the_model_allows() -> None:
    lifecycle = load_lifecycle("failed")
    script = ScriptedSageMaker()
    for step in lifecycle.steps:
        script.advance(step)
    summary = lifecycle.final_record(lifecycle.jobs[0]).summary
    attached = boto3.client("sagemaker", region_name="us-east-1")
    script.attach(attached)
    with ScriptedSageMakerServer(script) as server:
        http = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=server.endpoint_url)
        answers = [SageMakerJobs(client).tags(summary) for client in (attached, http)]
    answers.append(script.jobs().tags(summary))
    # The same tags whichever way it is asked, each read recorded
    assert answers == [lifecycle.tags(lifecycle.jobs[0])] * 3
    assert script.tag_reads == [summary.job_arn] * 3
    # A resource SageMaker does not have is a ValidationException
    with pytest.raises(ClientError) as unknown:
        attached.list_tags(ResourceArn=summary.job_arn.replace("bert", "gpt"))
    assert unknown.value.response["Error"]["Code"] == "ValidationException"
    # And a tag SageMaker would never hold (the model's TagKey pattern) stops the script, not the test
    script.tag(lifecycle.jobs[0], {"team#1": "nlp"})
    with pytest.raises(ValueError, match="TagKey's pattern"):
        script.jobs().tags(summary)


def test_a_stalled_alerts_links_open_the_jobs_account_through_the_portal(world: World) -> None:
    # Given the stack's access portal, when a pass finds the spot job stalled, then its Stalled alert's
    # links are the portal's shortcuts to the job's account, as stored
    links = ConsoleLinks("https://d-9067c2a1b3.awsapps.com/start", "ReadOnlyAccess")
    stalled = stalled_notification(world, links=links)
    document = json.loads(stalled["Message"])
    for field in ("console_url", "logs_url"):
        assert document[field].startswith(
            "https://d-9067c2a1b3.awsapps.com/start/#/console?account_id=123456789012&role_name=ReadOnlyAccess"
            "&destination=https%3A%2F%2Fus-east-1.console.aws.amazon.com%2F"
        ), field
    assert (
        stalled["MessageAttributes"]["account"]["Value"],
        stalled["MessageAttributes"]["region"]["Value"],
    ) == (
        "123456789012",
        "us-east-1",
    )
    stored = world.store.load(load_lifecycle("spot-interrupted").jobs[0])
    assert stored is not None
    assert any(a.alert.message == stalled["Message"] for a in stored.alerts)
