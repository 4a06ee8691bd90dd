"""Reconciliation in organization mode, on moto's accounts and the history table on both engines: a pass
sweeps every member account and region, takes the places in turn so a busy one cannot hold back the
others, keeps a watermark per place (the home account's is the one a standalone stack kept), and a
place whose role cannot be assumed holds back only its own watermark."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from jobtrail.adapters.member_access import MemberCredentials, PlaceClients
from jobtrail.adapters.places import PlacedJobLogs, PlacedSageMaker
from jobtrail.core.kinds import JobKey
from jobtrail.core.organization import Place, organization_from_settings
from jobtrail.core.rate_limit import RateLimits, TokenBucket
from jobtrail.usecases.reconcile import ReconcileDeps, reconcile
from jobtrail_local.aws_calls import count_aws_calls
from moto_accounts import HOME, RefusingSts, create_training_job
from msgspec.structs import replace
from worlds import World

pytestmark = pytest.mark.usefixtures("history_table")

MEMBER_A, MEMBER_B = "222233334444", "333344445555"
ORGANIZATION = organization_from_settings(
    HOME, "us-east-1", member_accounts=f"{MEMBER_A},{MEMBER_B}", member_regions="eu-west-1"
)
BUSY = Place(MEMBER_A, "us-east-1")
QUIET = Place(MEMBER_B, "eu-west-1")


def organization_deps(world: World, sts: Any) -> ReconcileDeps:
    credentials = MemberCredentials(sts, ORGANIZATION.role_arn, "jobtrail-reconcile")
    clients = PlaceClients(boto3.session.Session(), ORGANIZATION.home, credentials)
    jobs = PlacedSageMaker(clients)
    now = datetime.now(UTC)
    sync = replace(world.deps, jobs=jobs, tags=jobs, logs=PlacedJobLogs(clients), clock=lambda: now)
    return ReconcileDeps(
        sync=sync,
        catalog=jobs.at(ORGANIZATION.home),
        histories=world.store,
        bucket=TokenBucket(1000.0),
        organization=ORGANIZATION,
        places=ORGANIZATION.places(),
        catalog_at=jobs.at,
        limits=RateLimits(1000.0),
    )


def test_a_pass_records_every_places_lost_jobs_each_in_turn(world: World) -> None:
    busy = [create_training_job(BUSY, f"busy-{n}") for n in range(6)]
    quiet = [create_training_job(QUIET, "quiet-job")]
    home = [create_training_job(Place(HOME, "eu-west-1"), "home-ireland")]
    deps = organization_deps(world, boto3.client("sts", region_name="us-east-1"))
    described: list[str] = []

    def observe(call: str, params: Any) -> None:
        if call == "sagemaker.DescribeTrainingJob":
            described.append(params["TrainingJobName"])

    with count_aws_calls(observe=observe) as calls:
        report = reconcile(deps)

    assert report.failures == []
    assert report.places_behind == []
    for job in busy + quiet + home:
        stored = world.store.load(job)
        assert stored is not None, job
        assert stored.summary.job_arn.startswith(f"arn:aws:sagemaker:{job.region}:{job.account}:")
    # Places take turns: the quiet member's one job is among the first of the pass, not after the busy six
    assert described.index("quiet-job") < 3
    assert described.index("home-ireland") < 3
    assert calls["sts.AssumeRole"] == 2
    # A watermark per place; the home place keeps the name a standalone stack used
    assert world.store.get_watermark("reconcile") is not None
    for place in ORGANIZATION.places()[1:]:
        assert world.store.get_watermark(f"reconcile/{place.account}/{place.region}") is not None


def test_a_place_that_cannot_be_read_holds_back_only_its_own_watermark(world: World) -> None:
    reachable = create_training_job(QUIET, "reachable")
    locked = JobKey(MEMBER_A, "us-east-1", "training", "locked")
    create_training_job(BUSY, locked.name)
    deps = organization_deps(world, RefusingSts({MEMBER_A}))

    report = reconcile(deps)

    assert world.store.load(reachable) is not None
    assert world.store.load(locked) is None
    # Not a failed pass (its errors alarm would stay on until the member deploys its role): the place is
    # behind, and its watermark ageing is what `jobtrail status` reports
    assert report.failures == []
    assert sorted(report.places_behind) == [f"{MEMBER_A} eu-west-1", f"{MEMBER_A} us-east-1"]
    assert world.store.get_watermark(f"reconcile/{MEMBER_A}/us-east-1") is None
    assert world.store.get_watermark(f"reconcile/{MEMBER_B}/eu-west-1") is not None
    assert world.store.get_watermark("reconcile") is not None


def test_a_pass_out_of_time_keeps_every_watermark(world: World) -> None:
    create_training_job(QUIET, "late")
    deps = replace(
        organization_deps(world, boto3.client("sts", region_name="us-east-1")), time_left=lambda: 10.0
    )

    report = reconcile(deps)

    assert report.synced == 0
    assert world.store.get_watermark("reconcile") is None
    assert len(report.places_behind) == len(ORGANIZATION.places())
    assert report.failures == ["the pass ran out of time; the places it did not finish keep their watermark"]


def test_each_place_describes_at_its_own_rate(world: World) -> None:
    for n in range(4):
        create_training_job(BUSY, f"busy-{n}")
    create_training_job(QUIET, "quiet")
    ticks = {"now": 0.0}
    limits: RateLimits[Place] = RateLimits(
        1.0, clock=lambda: ticks["now"], sleep=lambda s: ticks.update(now=ticks["now"] + s)
    )
    deps = replace(organization_deps(world, boto3.client("sts", region_name="us-east-1")), limits=limits)

    report = reconcile(deps)

    # 1 Describe a second per place, bursts of 1: the busy member's 4 wait 3 s in all, the quiet one's none
    assert report.synced == 5
    assert limits.of(BUSY).waited == pytest.approx(3.0)
    assert limits.of(QUIET).waited == 0
    assert deps.bucket.waited == 0  # the home place's own bucket: no home job
