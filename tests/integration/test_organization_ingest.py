"""Ingest in organization mode, on moto's accounts and the history table on both engines: events from
three accounts and two regions, the same job name in two accounts, end in separate, correct histories;
each member's role is assumed once however many batches; an account or region the stack does not keep
is rejected with the reason and kept; a role that cannot be assumed fails the record until its last
delivery, then parks it with the reason; a member's alert names its account and region, is routed and
filtered on the account, and its links open that account."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from fakes import DocumentRoutes
from jobtrail.adapters.member_access import MemberCredentials, PlaceClients
from jobtrail.adapters.places import PlacedJobLogs, PlacedSageMaker
from jobtrail.adapters.sqs import REASON_ATTRIBUTE
from jobtrail.core.alerts import ConsoleLinks
from jobtrail.core.kinds import JobKey
from jobtrail.core.organization import Organization, Place, organization_from_settings
from jobtrail.usecases.ingest import IngestDeps, handle_batch
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycles import load_lifecycle, sqs_record
from moto_accounts import HOME, RefusingSts, create_training_job
from moto_jobs import fail_training_job
from msgspec.structs import replace
from worlds import World

pytestmark = pytest.mark.usefixtures("history_table")

MEMBER_A, MEMBER_B, STRANGER = "222233334444", "333344445555", "999988887777"
PORTAL = "https://d-9067c2a1b3.awsapps.com/start"
ORGANIZATION = organization_from_settings(
    HOME, "us-east-1", member_accounts=f"{MEMBER_A},{MEMBER_B}", member_regions="eu-west-1"
)
#: Where the jobs run: the same name in both members, one job at home in the other region.
JOBS = (
    JobKey(MEMBER_A, "us-east-1", "training", "same-name"),
    JobKey(MEMBER_B, "eu-west-1", "training", "same-name"),
    JobKey(MEMBER_A, "eu-west-1", "training", "member-a-ireland"),
    JobKey(HOME, "eu-west-1", "training", "home-ireland"),
    JobKey(HOME, "us-east-1", "training", "home-here"),
)


def event_body(job: JobKey, event_id: str) -> str:
    """The training job state change SageMaker in ``job``'s account and region sends (forwarded to the
    organization bus unchanged)."""
    event: dict[str, Any] = copy.deepcopy(load_lifecycle("completed").steps[0].event)
    arn = f"arn:aws:sagemaker:{job.region}:{job.account}:training-job/{job.name}"
    event |= {"id": event_id, "account": job.account, "region": job.region, "resources": [arn]}
    event["detail"] |= {"TrainingJobName": job.name, "TrainingJobArn": arn}
    return json.dumps(event)


def batch(*bodies: str, receive_count: int = 1) -> dict[str, Any]:
    return {"Records": [sqs_record(body, receive_count=receive_count) for body in bodies]}


def organization_deps(
    world: World, sts: Any, organization: Organization = ORGANIZATION
) -> tuple[IngestDeps, MemberCredentials]:
    credentials = MemberCredentials(sts, organization.role_arn, "jobtrail-ingest")
    clients = PlaceClients(boto3.session.Session(), Place(HOME, "us-east-1"), credentials)
    jobs = PlacedSageMaker(clients)
    deps = replace(
        world.deps,
        jobs=jobs,
        tags=jobs,
        logs=PlacedJobLogs(clients),
        organization=organization,
        max_receives=5,
    )
    return deps, credentials


def test_each_account_and_region_gets_its_own_history(world: World) -> None:
    for job in JOBS:
        create_training_job(Place(job.account, job.region), job.name)
    deps, credentials = organization_deps(world, boto3.client("sts", region_name="us-east-1"))

    # Each job's event twice, as EventBridge may deliver it: side by side in one batch, and again later
    bodies = [event_body(job, f"event-{n}-{job.account}-{job.name}") for job in JOBS for n in range(2)]
    bodies += [event_body(job, f"event-again-{job.account}-{job.name}") for job in JOBS]
    batches = [bodies[i : i + 4] for i in range(0, len(bodies), 4)]
    with count_aws_calls() as calls:
        responses = [handle_batch(batch(*bodies_of_batch), deps) for bodies_of_batch in batches]

    assert all(response == {"batchItemFailures": []} for response in responses)
    assert world.parked() == []
    for job in JOBS:
        stored = world.store.load(job)
        assert stored is not None, job
        assert stored.summary.key == job
        assert (
            stored.summary.job_arn == f"arn:aws:sagemaker:{job.region}:{job.account}:training-job/{job.name}"
        )
    assert sorted(world.queries.find_jobs("same-name")) == sorted(JOBS[:2])
    # One AssumeRole per member for the whole replay; the home account with its own credentials
    assert calls["sts.AssumeRole"] == credentials.assume_role_calls == 2

    # One Describe per job per batch that holds it, never per event
    def jobs_in(bodies_of_batch: list[str]) -> set[tuple[str, str, str]]:
        events = [json.loads(body) for body in bodies_of_batch]
        return {(e["account"], e["region"], e["detail"]["TrainingJobName"]) for e in events}

    assert calls["sagemaker.DescribeTrainingJob"] == sum(len(jobs_in(b)) for b in batches)
    assert calls["sagemaker.DescribeTrainingJob"] < len(bodies)


@pytest.mark.parametrize(
    ("job", "reason"),
    [
        (
            JobKey(STRANGER, "us-east-1", "training", "not-ours"),
            f"account {STRANGER} is not a member account (MemberAccountIds: {MEMBER_A}, {MEMBER_B})",
        ),
        (
            JobKey(MEMBER_A, "ap-south-1", "training", "elsewhere"),
            "region ap-south-1 is not one of this stack's regions (MemberRegions: eu-west-1, us-east-1)",
        ),
    ],
)
def test_an_account_or_region_the_stack_does_not_keep_is_rejected_and_kept(
    world: World, job: JobKey, reason: str
) -> None:
    deps, credentials = organization_deps(world, boto3.client("sts", region_name="us-east-1"))

    with count_aws_calls() as calls:
        response = handle_batch(batch(event_body(job, "claimed-elsewhere")), deps)

    (parked,) = world.parked()
    assert response == {"batchItemFailures": []}
    assert parked["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == reason
    assert json.loads(parked["Body"])["account"] == job.account
    assert world.store.load(job) is None
    assert not any(call.startswith(("sagemaker.", "sts.")) for call in calls)
    assert credentials.assume_role_calls == 0


def test_a_role_that_cannot_be_assumed_is_retried_then_parked_with_the_reason(world: World) -> None:
    refused = JobKey(MEMBER_B, "us-east-1", "training", "locked-out")
    fine = JobKey(MEMBER_A, "us-east-1", "training", "fine")
    create_training_job(Place(fine.account, fine.region), fine.name)
    sts = RefusingSts({MEMBER_B})
    deps, _ = organization_deps(world, sts)
    sqs = world.sqs
    queue = sqs.create_queue(
        QueueName="state-changes",
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": _arn(sqs, world.dead_letter_queue_url), "maxReceiveCount": "5"}
            ),
        },
    )["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=event_body(refused, "locked-out-event"))
    sqs.send_message(QueueUrl=queue, MessageBody=event_body(fine, "fine-event"))

    # Lambda's event source: receive, invoke, delete what succeeded; the failed record comes back
    failures_seen = 0
    for _ in range(10):
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])
        messages = received.get("Messages", [])
        if not messages:
            break
        response = handle_batch(_lambda_event(messages), deps)
        failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
        failures_seen += len(failed)
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

    (parked,) = world.parked()
    assert failures_seen == 4  # deliveries 1 to 4 fail; the 5th parks it
    assert json.loads(parked["Body"])["detail"]["TrainingJobName"] == "locked-out"
    assert parked["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == (
        "failed on each of its 5 deliveries; the last: MemberAccessFailed: account 333344445555: "
        "AccessDenied assuming arn:aws:iam::333344445555:role/jobtrail-reader: "
        "User is not authorized to perform: sts:AssumeRole on resource: "
        "arn:aws:iam::333344445555:role/jobtrail-reader"
    )
    assert world.store.load(fine) is not None
    assert world.store.load(refused) is None
    # The refusal is remembered for a minute: the five deliveries (no time between them) asked once
    assert sts.calls.count("arn:aws:iam::333344445555:role/jobtrail-reader") == 1


def _arn(sqs: Any, url: str) -> str:
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return arn


def _lambda_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source builds from received messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
                "messageAttributes": {},
                "eventSource": "aws:sqs",
            }
            for message in messages
        ]
    }


def test_a_member_accounts_alert_says_where_and_opens_that_account(world: World) -> None:
    # Given member A's job that failed in eu-west-1, a routes document with a rule on that account, the
    # stack's access portal, and a subscriber that wants member A's alerts only
    job = fail_training_job(create_training_job(Place(MEMBER_A, "eu-west-1"), "member-a-failed"))
    deps, _ = organization_deps(world, boto3.client("sts", region_name="us-east-1"))
    routes = {"routes": [{"team": "team-a", "match": {"account": MEMBER_A}}]}
    deps = replace(
        deps, routes=DocumentRoutes(json.dumps(routes)), links=ConsoleLinks(PORTAL, "ReadOnlyAccess")
    )
    member_only = world.subscribe_with_filter({"account": [MEMBER_A], "region": ["eu-west-1"]}, "member-a")
    failed = json.loads(event_body(job, "member-a-failed-event"))
    failed["detail"] |= {"TrainingJobStatus": "Failed", "SecondaryStatus": "Failed"}

    assert handle_batch(batch(json.dumps(failed)), deps) == {"batchItemFailures": []}

    # Then the alert names the member's account and region (message and attributes), is routed by the
    # account rule, reaches the account's subscriber, and its links open that account through the portal
    [notification] = world.notifications_at(member_only)
    attributes = {name: value["Value"] for name, value in notification["MessageAttributes"].items()}
    assert attributes == {
        "alert_type": "Failed",
        "severity": "critical",
        "job_name": job.name,
        "job_kind": "training",
        "account": MEMBER_A,
        "region": "eu-west-1",
        "team": "team-a",
    }
    document = json.loads(notification["Message"])
    assert (document["account"], document["region"], document["team"]) == (MEMBER_A, "eu-west-1", "team-a")
    for field in ("console_url", "logs_url"):
        assert document[field].startswith(
            f"{PORTAL}/#/console?account_id={MEMBER_A}&role_name=ReadOnlyAccess"
            "&destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2F"
        ), field
    [stored] = world.store.load(job).alerts  # type: ignore[union-attr]
    assert stored.alert.message == notification["Message"]
