"""Jobs in many accounts and regions, on this machine (organization mode): a step moved to another place,
a load spread over places, the demo's and the benchmark's organization. Pure: no socket, no AWS."""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise

import pytest
from jobtrail.core.events import StateChange, parse_state_change
from jobtrail.core.kinds import JobKey, key_from_arn
from jobtrail.core.organization import MEMBER_ACCOUNTS_VARIABLE, MEMBER_REGIONS_VARIABLE, Place
from jobtrail_local.lifecycle_builder import ACCOUNT, REGION, at_place, job_label
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle
from jobtrail_local.loadgen import MIXED_KINDS, Load, generate, spread
from jobtrail_local.organization import MEMBERS, STRANGER, LocalOrganization

THERE = Place(MEMBERS[0], "eu-west-1")
ORGANIZATION = LocalOrganization(3)


@pytest.fixture(scope="module")
def mixed() -> Load:
    return generate(150, seed=7, mix=MIXED_KINDS)


@pytest.fixture(scope="module")
def spread_mixed(mixed: Load) -> Load:
    return spread(mixed, ORGANIZATION.places)


@pytest.mark.parametrize("name", lifecycle_names())
def test_a_moved_step_names_its_new_place_everywhere(name: str) -> None:
    for step in load_lifecycle(name).steps:
        moved = at_place(step, THERE.account, THERE.region)

        parsed = parse_state_change(moved.sqs_body)

        assert isinstance(parsed, StateChange), parsed
        assert parsed.job == moved.key == JobKey(THERE.account, THERE.region, step.kind, step.job_name)
        assert parsed.event_id != step.event["id"]
        # Nothing names the fixtures' account any more (ARNs, roles, buckets), nor a region-scoped ARN there
        text = json.dumps([moved.event, moved.describe], default=str)
        assert ACCOUNT not in text
        assert f":{REGION}:" not in text.replace(f":{REGION}:{THERE.account}", "")
        assert (moved.label, moved.kind, moved.modified) == (step.label, step.kind, step.modified)
        assert at_place(step, step.account, step.region) is step


def test_a_spread_load_keeps_its_jobs_and_outcomes_and_uses_every_place(
    mixed: Load, spread_mixed: Load
) -> None:
    assert spread_mixed.job_names == mixed.job_names
    assert spread_mixed.expected == mixed.expected
    assert len(spread_mixed.steps) == len(mixed.steps)
    places = Counter(Place(job.account, job.region) for job in spread_mixed.jobs)
    assert set(places) == set(ORGANIZATION.places)
    # The first job created runs at home; each job's final Describe names where it runs
    assert spread_mixed.jobs[0].account == ACCOUNT
    for job in spread_mixed.jobs:
        assert spread_mixed.final_record(job).key == job


def test_a_family_of_jobs_runs_in_one_place(spread_mixed: Load) -> None:
    place_of = {job_label(job): Place(job.account, job.region) for job in spread_mixed.jobs}
    families = 0
    for job, steps in spread_mixed.by_job.items():
        final, label = steps[-1].describe, job
        if steps[-1].kind == "pipeline":
            ran = [
                key_from_arn(member["Arn"])
                for step in final["steps"]
                for member in (step.get("Metadata") or {}).values()
                if isinstance(member, dict) and "Arn" in member
            ]
            children = [job_label(key) for key in ran if key is not None and job_label(key) in place_of]
        elif steps[-1].kind == "training" and "TuningJobArn" in final:
            children = [job]
            label = f"tuning/{final['TuningJobArn'].rsplit('/', 1)[1]}"
        else:
            continue
        families += 1
        assert all(place_of[child] == place_of[label] for child in children), label
    assert families > 10


def test_a_spread_load_expects_each_alert_in_its_jobs_place(mixed: Load, spread_mixed: Load) -> None:
    home = f"{ACCOUNT}/{REGION}/"
    assert all(alert.startswith(home) for alert in mixed.expected_alert_ids)
    expected = set()
    for alert in mixed.expected_alert_ids:
        kind, name = alert.removeprefix(home).split("/")[:2]
        label = name if kind == "training" else f"{kind}/{name}"
        if kind == "pipeline":  # a pipeline execution's name holds a slash
            label = "pipeline/" + "/".join(alert.removeprefix(home).split("/")[1:3])
        first = spread_mixed.by_job[label][0]
        expected.add(f"{first.account}/{first.region}/" + alert.removeprefix(home))

    assert spread_mixed.expected_alert_ids == expected


def test_the_local_organization_is_three_accounts_in_two_regions_home_first() -> None:
    places = ORGANIZATION.places

    assert places[0] == ORGANIZATION.home == Place(ACCOUNT, REGION)
    assert len(set(places)) == len(places) == 6
    # Neighbours differ in account, so taking places in turn spreads work over every account
    assert all(a.account != b.account for a, b in pairwise(places))
    assert ORGANIZATION.environment()[MEMBER_ACCOUNTS_VARIABLE] == ",".join(MEMBERS)
    assert ORGANIZATION.environment()[MEMBER_REGIONS_VARIABLE] == "eu-west-1"
    organization = ORGANIZATION.organization()
    assert organization.refusal(Place(STRANGER, REGION)) is not None
    assert all(organization.refusal(place) is None for place in places)
    # One account: the home place alone, no members (a standalone stack)
    alone = LocalOrganization(1)
    assert (alone.places, alone.enabled) == ((alone.home,), False)
    assert alone.environment()[MEMBER_ACCOUNTS_VARIABLE] == ""
    with pytest.raises(ValueError, match="accounts: 1 to 3, not 4"):
        LocalOrganization(4)
