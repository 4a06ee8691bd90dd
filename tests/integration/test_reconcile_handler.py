"""``ReconcileFunction``'s handler as the schedule calls it, wired from its environment, on moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.routes import SsmAlertRoutes
from jobtrail.adapters.sagemaker import SageMakerJobs
from jobtrail.core.alerts import ConsoleLinks
from jobtrail.usecases.reconcile import RECONCILE_WATERMARK
from jobtrail_local.lambda_runtime import LambdaContext
from jobtrail_local.lifecycle_builder import job_key
from jobtrail_local.lifecycles import load_lifecycle
from worlds import create_in_moto

from functions.reconcile.app import deps_from_environment, lambda_handler

#: A scheduled EventBridge event: the handler reads nothing from it.
SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-27T12:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/jobtrail-ReconcileSchedule"],
    "detail": {},
}


@pytest.fixture
def deployed(moto_table: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The function's environment as the template sets it, on moto (already active via moto_table)."""
    topic_arn = boto3.client("sns", region_name="us-east-1").create_topic(Name="jobtrail-AlertTopic")[
        "TopicArn"
    ]
    monkeypatch.setenv("JOBTRAIL_TABLE", moto_table.name)
    monkeypatch.setenv("JOBTRAIL_ALERT_TOPIC_ARN", topic_arn)
    monkeypatch.setenv("JOBTRAIL_ALERT_ON", "Failed,MaxRuntimeExceeded,Interrupted")
    monkeypatch.setenv("JOBTRAIL_RECONCILE_DESCRIBE_RATE", "5")
    monkeypatch.setenv("JOBTRAIL_STALLED_AFTER_HOURS", "6")
    deps_from_environment.cache_clear()
    yield moto_table.name
    deps_from_environment.cache_clear()


def test_the_environment_becomes_the_dependencies(deployed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    deps = deps_from_environment()
    assert deps.stalled_after == timedelta(hours=6)
    assert deps.bucket.rate == 5.0
    assert deps.sync.alert_on == frozenset({"Failed", "MaxRuntimeExceeded", "Interrupted"})
    # One SageMaker adapter serves as the Describe port and the listing port; one store as both views
    assert isinstance(deps.catalog, SageMakerJobs)
    assert deps.catalog is deps.sync.jobs
    assert deps.histories is deps.sync.histories
    # StalledAfterHours 0 turns the stalled check off
    monkeypatch.setenv("JOBTRAIL_STALLED_AFTER_HOURS", "0")
    deps_from_environment.cache_clear()
    assert deps_from_environment().stalled_after is None


def test_the_routes_parameter_and_the_tags_are_wired_when_named(
    deployed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without JOBTRAIL_ROUTES_PARAMETER (AlertRoutesParameterName empty) alerts are not routed; tags are read
    deps = deps_from_environment()
    assert deps.sync.routes is None
    assert deps.sync.tags is deps.sync.jobs
    # With it, the routes document is that parameter's
    monkeypatch.setenv("JOBTRAIL_ROUTES_PARAMETER", "/jobtrail/routes")
    deps_from_environment.cache_clear()
    routes = deps_from_environment().sync.routes
    assert isinstance(routes, SsmAlertRoutes)
    assert routes.name == "/jobtrail/routes"


def test_the_access_portal_makes_the_links_of_the_alerts_a_pass_raises(
    deployed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without ConsolePortalUrl the links are the console's own
    assert deps_from_environment().sync.links is None
    # With it (and a role), each alert's links open the job's account through the portal
    monkeypatch.setenv("JOBTRAIL_CONSOLE_PORTAL_URL", "https://acme.awsapps.com/start")
    monkeypatch.setenv("JOBTRAIL_CONSOLE_ROLE_NAME", "ReadOnlyAccess")
    deps_from_environment.cache_clear()
    assert deps_from_environment().sync.links == ConsoleLinks(
        "https://acme.awsapps.com/start", "ReadOnlyAccess"
    )


def test_a_scheduled_pass_records_the_jobs_sagemaker_lists(deployed: str) -> None:
    # Given a job SageMaker knows (moto reports it Completed) and no history of it
    describe = load_lifecycle("completed").steps[0].describe
    create_in_moto(describe)
    # When the schedule invokes the handler
    report = lambda_handler(SCHEDULED_EVENT, LambdaContext(function_name="jobtrail-ReconcileFunction"))
    # Then the pass listed and recorded the job, and moved its watermark
    assert report["listed"] == 1
    assert report["recorded"] == 1
    assert report["failures"] == []
    store = HistoryStore(deployed, region="us-east-1")
    stored = store.load(job_key(describe["TrainingJobName"]))
    assert stored is not None
    assert stored.summary.status == "Completed"
    assert store.get_watermark(RECONCILE_WATERMARK) is not None
    # And a second pass finds it up to date
    again = lambda_handler(SCHEDULED_EVENT, LambdaContext(function_name="jobtrail-ReconcileFunction"))
    assert again["listed"] == 1
    assert again["up_to_date"] == 1
    assert again["recorded"] == 0
