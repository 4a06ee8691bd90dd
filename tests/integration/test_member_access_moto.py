"""Each job's Describe at its own place, on moto's accounts: a member's through its role (moto's STS
gives credentials that land in the role's account), the home account's with its own credentials, in
the job's region (``adapters.places``, ``adapters.member_access``)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3
import pytest
from jobtrail.adapters.member_access import MemberCredentials, PlaceClients
from jobtrail.adapters.places import PlacedJobLogs, PlacedSageMaker
from jobtrail.core.kinds import JobKey
from jobtrail.core.organization import Organization, Place, organization_from_settings
from moto import mock_aws
from moto_accounts import HOME, client_in, create_training_job

MEMBERS = ("222233334444", "333344445555")
ORGANIZATION = organization_from_settings(
    HOME, "us-east-1", member_accounts=",".join(MEMBERS), member_regions="eu-west-1"
)


@pytest.fixture
def placed() -> Iterator[tuple[PlacedSageMaker, MemberCredentials]]:
    with mock_aws():
        session = boto3.session.Session()
        members = MemberCredentials(
            session.client("sts", region_name="us-east-1"), ORGANIZATION.role_arn, "jobtrail-ingest"
        )
        yield PlacedSageMaker(PlaceClients(session, Place(HOME, "us-east-1"), members)), members


def test_the_same_job_name_in_two_accounts_is_described_in_each(
    placed: tuple[PlacedSageMaker, MemberCredentials],
) -> None:
    jobs, members = placed
    first, second = (Place(MEMBERS[0], "eu-west-1"), Place(MEMBERS[1], "us-east-1"))
    create_training_job(first, "same-name", "ml.g5.xlarge")
    create_training_job(second, "same-name", "ml.p4d.24xlarge")
    create_training_job(Place(HOME, "eu-west-1"), "home-job", "ml.m5.large")

    described = {
        place: jobs.describe(JobKey(place.account, place.region, "training", name))
        for place, name in [
            (first, "same-name"),
            (second, "same-name"),
            (Place(HOME, "eu-west-1"), "home-job"),
        ]
    }

    for place, record in described.items():
        assert record is not None
        assert record.summary.job_arn.startswith(
            f"arn:aws:sagemaker:{place.region}:{place.account}:training-job/"
        )
        assert record.summary.key == JobKey(place.account, place.region, "training", record.summary.key.name)
    assert described[first].summary.instance_type == "ml.g5.xlarge"  # type: ignore[union-attr]
    assert described[second].summary.instance_type == "ml.p4d.24xlarge"  # type: ignore[union-attr]
    # One AssumeRole per member, none for home, however many requests
    jobs.describe(JobKey(first.account, first.region, "training", "same-name"))
    assert members.assume_role_calls == 2


def test_a_job_in_another_place_is_not_found_there(placed: tuple[PlacedSageMaker, MemberCredentials]) -> None:
    jobs, _ = placed
    create_training_job(Place(MEMBERS[0], "eu-west-1"), "only-here", "ml.m5.large")

    assert jobs.describe(JobKey(MEMBERS[1], "eu-west-1", "training", "only-here")) is None
    assert jobs.describe(JobKey(MEMBERS[0], "us-east-1", "training", "only-here")) is None
    assert jobs.describe(JobKey(MEMBERS[0], "eu-west-1", "training", "only-here")) is not None


def test_a_member_logs_are_read_in_its_account() -> None:
    with mock_aws():
        place = Place(MEMBERS[0], "eu-west-1")
        logs = client_in("logs", place)
        logs.create_log_group(logGroupName="/aws/sagemaker/TrainingJobs")
        logs.create_log_stream(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName="failing/algo-1-1")
        logs.put_log_events(
            logGroupName="/aws/sagemaker/TrainingJobs",
            logStreamName="failing/algo-1-1",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": "CUDA out of memory"}],
        )
        session = boto3.session.Session()
        organization: Organization = ORGANIZATION
        members = MemberCredentials(
            session.client("sts", region_name="us-east-1"), organization.role_arn, "jobtrail-ingest"
        )
        tails = PlacedJobLogs(PlaceClients(session, Place(HOME, "us-east-1"), members))

        here = tails.tail(JobKey(place.account, place.region, "training", "failing"), 5)
        elsewhere = tails.tail(JobKey(MEMBERS[1], place.region, "training", "failing"), 5)

    assert [stream.lines for stream in here.streams] == [("CUDA out of memory",)]
    assert not elsewhere.streams
