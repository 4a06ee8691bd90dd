"""The functions' composition roots read organization mode from the environment the template sets: a
standalone stack's dependencies are what they were (one SageMaker client, no organization check beyond
its own account and region), an organization's describe each job at its place, and reconciliation reads
a whole organization's places anew at each pass (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from jobtrail.adapters.places import PlacedJobLogs, PlacedSageMaker
from jobtrail.adapters.sagemaker import SageMakerJobs
from jobtrail.core.organization import Place
from moto.core import DEFAULT_ACCOUNT_ID

from functions.ingest import app as ingest_app
from functions.reconcile import app as reconcile_app

MEMBER = "222233334444"


@pytest.fixture
def environment(moto_table: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Both functions' environment as the template sets it, organization mode off (moto)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = boto3.client("sns", region_name="us-east-1").create_topic(Name="jobtrail-AlertTopic")["TopicArn"]
    monkeypatch.setenv("JOBTRAIL_TABLE", moto_table.name)
    monkeypatch.setenv("JOBTRAIL_DEAD_LETTER_QUEUE_URL", sqs.create_queue(QueueName="dlq")["QueueUrl"])
    monkeypatch.setenv("JOBTRAIL_ALERT_TOPIC_ARN", topic)
    monkeypatch.setenv("JOBTRAIL_HOME_ACCOUNT", DEFAULT_ACCOUNT_ID)
    monkeypatch.setenv("JOBTRAIL_MAX_RECEIVE_COUNT", "5")
    for variable in ("JOBTRAIL_ORGANIZATION_ID", "JOBTRAIL_MEMBER_ACCOUNTS", "JOBTRAIL_MEMBER_REGIONS"):
        monkeypatch.setenv(variable, "")
    monkeypatch.setenv("JOBTRAIL_MEMBER_ROLE_NAME", "jobtrail-reader")
    ingest_app.deps_from_environment.cache_clear()
    reconcile_app.deps_from_environment.cache_clear()
    yield monkeypatch
    ingest_app.deps_from_environment.cache_clear()
    reconcile_app.deps_from_environment.cache_clear()


def test_a_standalone_stack_keeps_its_own_account_and_region(environment: pytest.MonkeyPatch) -> None:
    ingest = ingest_app.deps_from_environment()
    reconcile = reconcile_app.deps_from_environment()

    assert isinstance(ingest.jobs, SageMakerJobs)
    assert ingest.organization is not None
    assert not ingest.organization.enabled
    assert ingest.organization.home == Place(DEFAULT_ACCOUNT_ID, "us-east-1")
    assert ingest.members is None
    assert ingest.max_receives == 5
    assert isinstance(reconcile.catalog, SageMakerJobs)
    assert (reconcile.places, reconcile.list_places) == ((), None)


def test_listed_members_are_described_at_their_place(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("JOBTRAIL_MEMBER_ACCOUNTS", MEMBER)
    environment.setenv("JOBTRAIL_MEMBER_REGIONS", "eu-west-1")

    ingest = ingest_app.deps_from_environment()
    reconcile = reconcile_app.deps_from_environment()

    assert isinstance(ingest.jobs, PlacedSageMaker)
    assert ingest.tags is ingest.jobs
    assert isinstance(ingest.logs, PlacedJobLogs)
    assert ingest.organization is not None
    assert ingest.organization.member_accounts == {MEMBER}
    assert ingest.members is None
    assert reconcile.places == (
        Place(DEFAULT_ACCOUNT_ID, "us-east-1"),
        Place(DEFAULT_ACCOUNT_ID, "eu-west-1"),
        Place(MEMBER, "eu-west-1"),
        Place(MEMBER, "us-east-1"),
    )
    assert reconcile.list_places is None
    assert reconcile.catalog_at is not None
    assert reconcile.limits is not None


def test_a_whole_organizations_places_are_read_at_each_pass(environment: pytest.MonkeyPatch) -> None:
    organizations = boto3.client("organizations", region_name="us-east-1")
    organization_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    environment.setenv("JOBTRAIL_ORGANIZATION_ID", organization_id)

    ingest = ingest_app.deps_from_environment()
    reconcile = reconcile_app.deps_from_environment()
    assert ingest.members is not None
    assert reconcile.list_places is not None
    before = reconcile.list_places()
    created = organizations.create_account(Email="new@example.com", AccountName="new")["CreateAccountStatus"]
    joined = organizations.describe_create_account_status(CreateAccountRequestId=created["Id"])[
        "CreateAccountStatus"
    ]["AccountId"]

    assert before == (Place(DEFAULT_ACCOUNT_ID, "us-east-1"),)
    # Ingest reads the accounts at its first member event (then keeps them 15 minutes, re-reading early
    # for an account not among them)
    assert joined in ingest.members.includes(joined)
