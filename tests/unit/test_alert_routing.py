"""Routing through ingest: a job's tags read once and kept, each alert routed when it is created (its team
in the message and in the ``team`` attribute), and neither a failed ListTags nor a bad routes document ever
holding a record or an alert back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fakes import DocumentRoutes, FakeWorld
from jobtrail.adapters.sagemaker import execution_arn
from jobtrail.observability import metrics
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.lifecycle_builder import Step
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from msgspec.structs import replace

ROUTES = json.dumps(
    {
        "routes": [
            {"team": "nlp", "match": {"tags": {"team": "nlp"}}, "slack_channel": "#nlp-alerts"},
            {
                "team": "growth",
                "match": {"name_prefix": "churn-"},
                "slack_webhook_secret": "jobtrail/slack/growth",
            },
        ],
        "default": {"team": "platform", "slack_channel": "#ml-alerts"},
    }
)


def routed_world(routes: DocumentRoutes | None = None) -> FakeWorld:
    world = FakeWorld()
    world.deps = replace(world.deps, routes=routes or DocumentRoutes(ROUTES))  # type: ignore[misc]
    return world


def deliver(world: FakeWorld, steps: Iterable[Step], *, twice: bool = True) -> list[str]:
    """Each step's event, in its own batch (twice: SageMaker and EventBridge repeat themselves), after
    SageMaker made the change; the ids of the records that failed."""
    failed: list[str] = []
    for step in steps:
        world.script.advance(step)
        bodies = [step.sqs_body, step.sqs_body] if twice else [step.sqs_body]
        failed += [
            item["itemIdentifier"]
            for item in handle_batch(sqs_batch(bodies), world.deps)["batchItemFailures"]
        ]
    return failed


def published_documents(world: FakeWorld) -> list[dict[str, Any]]:
    return [json.loads(alert.message) for alert in world.publisher.published]


def metric(name: str) -> float:
    values: list[float] = metrics.metric_set.get(name, {}).get("Value", [])  # type: ignore[union-attr]
    return sum(values)


def test_a_jobs_tags_are_read_once_however_many_events_and_kept_with_it() -> None:
    # Given a job whose four state changes each arrive twice
    lifecycle = load_lifecycle("failed")
    world = routed_world()
    # When they are ingested
    assert deliver(world, lifecycle.steps) == []
    # Then ListTags was asked once, for the job's ARN, and its tags are stored with its summary
    [job] = lifecycle.jobs
    stored = world.histories.jobs[job]
    assert world.script.tag_reads == [stored.summary.job_arn]
    assert world.script.operations["ListTags"] == 1
    assert stored.summary.tags == {"team": "nlp", "project": "review-sentiment"}


def test_the_alert_carries_the_team_its_route_and_why() -> None:
    world = routed_world()

    assert deliver(world, load_lifecycle("failed").steps) == []

    [alert] = world.publisher.published
    [document] = published_documents(world)
    assert document["team"] == "nlp"
    assert document["route"] == {
        "team": "nlp",
        "slack_channel": "#nlp-alerts",
        "slack_webhook_secret": None,
        "reason": 'rule 1 "nlp": tag team=nlp',
    }
    assert alert.team == "nlp"
    assert alert.attributes()["team"] == "nlp"
    # And the fields every alert always had are still there
    assert document["alert_type"] == "Failed"
    assert document["job_name"] == alert.job_name


def test_a_name_prefix_routes_a_job_of_another_kind() -> None:
    world = routed_world()

    assert deliver(world, load_lifecycle("processing-failed").steps) == []

    [document] = published_documents(world)
    assert (document["team"], document["route"]["slack_webhook_secret"]) == (
        "growth",
        "jobtrail/slack/growth",
    )
    assert document["route"]["reason"] == 'rule 2 "growth": name prefix churn-'


def test_a_pipeline_execution_is_routed_by_its_pipelines_tags() -> None:
    # Given a pipeline whose executions SageMaker cannot tag: the pipeline is tagged team=nlp
    lifecycle = load_lifecycle("pipeline-failed")
    execution = next(job for job in lifecycle.jobs if job.kind == "pipeline")
    world = routed_world()
    world.script.tag(execution, {"team": "nlp"})

    assert deliver(world, lifecycle.steps) == []

    # Then ListTags asked for the pipeline's ARN, once, and the execution's alert went to nlp
    pipeline_arn = execution_arn(execution).partition("/execution/")[0]
    assert world.script.tag_reads.count(pipeline_arn) == 1
    assert world.histories.jobs[execution].summary.tags == {"team": "nlp"}
    [pipeline_alert] = [a for a in world.publisher.published if a.job == execution]
    assert pipeline_alert.team == "nlp"


def test_the_routes_document_is_read_only_when_an_alert_is_due() -> None:
    routes = DocumentRoutes(ROUTES)
    world = routed_world(routes)

    assert deliver(world, load_lifecycle("completed").steps) == []
    assert routes.loads == 0

    assert deliver(world, load_lifecycle("failed").steps) == []
    assert routes.loads == 1


def test_a_failed_list_tags_never_holds_ingest_back_and_the_next_sync_reads_them() -> None:
    # Given ListTags refused (the role lacks sagemaker:ListTags, say)
    lifecycle = load_lifecycle("failed")
    world = routed_world()
    world.script.refuse_tags()
    [job] = lifecycle.jobs
    # When the first events arrive
    assert deliver(world, lifecycle.steps[:2]) == []
    # Then the history is recorded anyway, without tags, and the failure is counted
    stored = world.histories.jobs[job]
    assert len(stored.transitions) > 0
    assert stored.summary.tags is None
    assert metric("TagReadFailures") >= 1
    # And once ListTags answers, the job's next sync reads them, once more, and the alert is routed by them
    world.script.refuse_tags(None)
    refused = len(world.script.tag_reads)
    assert deliver(world, lifecycle.steps[2:]) == []
    assert len(world.script.tag_reads) == refused + 1
    assert world.histories.jobs[job].summary.tags == {"team": "nlp", "project": "review-sentiment"}
    [alert] = world.publisher.published
    assert alert.team == "nlp"


def test_an_alert_whose_tags_could_not_be_read_goes_out_routed_by_its_name() -> None:
    world = routed_world()
    world.script.refuse_tags()

    assert deliver(world, load_lifecycle("failed").steps) == []

    [document] = published_documents(world)
    assert document["team"] == "platform"
    assert document["route"]["reason"] == "default route (no rule matched; the job's tags are not known yet)"


def test_an_invalid_document_sends_every_alert_to_the_default_route_logged_and_counted(caplog: Any) -> None:
    bad = DocumentRoutes('{"routes": [{"team": "nlp", "match": {"tags": {"team": "nlp"}}}, {"team": "x"}]}')
    world = routed_world(bad)

    assert deliver(world, load_lifecycle("failed").steps) == []

    [alert] = world.publisher.published
    document = json.loads(alert.message)
    assert document["team"] is None
    assert document["route"]["reason"] == (
        'default route (the routes document is invalid: routes[1] ("x"): match is required)'
    )
    assert "team" not in alert.attributes()
    assert metric("RoutesInvalid") == 1
    [warning] = [r for r in caplog.records if r.getMessage().startswith("the routes document cannot be used")]
    assert warning.routes_error == 'routes[1] ("x"): match is required'  # type: ignore[attr-defined]


def test_an_unreadable_document_sends_the_alert_to_the_default_route() -> None:
    world = routed_world(DocumentRoutes(unreadable="SSM parameter /jobtrail/routes: AccessDeniedException"))

    assert deliver(world, load_lifecycle("failed").steps) == []

    [document] = published_documents(world)
    assert document["team"] is None
    assert document["route"]["reason"].startswith("default route (the routes document could not be read: ")
    assert metric("RoutesInvalid") == 1


def test_without_a_document_alerts_have_no_team_and_no_team_attribute() -> None:
    world = FakeWorld()

    assert deliver(world, load_lifecycle("failed").steps) == []

    [alert] = world.publisher.published
    assert json.loads(alert.message)["route"]["reason"] == "default route (no routes document)"
    assert set(alert.attributes()) == {"alert_type", "severity", "job_name", "job_kind", "account", "region"}


def test_the_route_is_fixed_when_the_alert_is_created_a_retry_publishes_the_same_message() -> None:
    # Given SNS refuses the alert the first time
    routes = DocumentRoutes(ROUTES)
    world = routed_world(routes)
    world.publisher.fail_for = {"Failed"}
    steps = load_lifecycle("failed").steps
    assert deliver(world, steps) != []
    [pending] = world.histories.alerts()
    # When the document changes (nlp's jobs now go elsewhere) and the batch is redelivered
    routes.text = ROUTES.replace('"team": "nlp"}}', '"team": "someone-else"}}')
    world.publisher.fail_for = set()
    assert deliver(world, steps[-1:]) == []
    # Then the stored message went out as it was: same team, document read once
    [alert] = world.publisher.published
    assert alert.message == pending.alert.message
    assert alert.team == "nlp"
    assert routes.loads == 1
