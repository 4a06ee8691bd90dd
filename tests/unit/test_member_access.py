"""A member account's credentials: one AssumeRole per account per lifetime, refused roles remembered
briefly, and never a secret in an error or a repr (``adapters.member_access``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from jobtrail.adapters.member_access import (
    MemberAccessFailed,
    MemberCredentials,
    PlaceClients,
    RoleCredentials,
)
from jobtrail.core.organization import Place, organization_from_settings

HOME = "123456789012"
MEMBERS = ("222233334444", "333344445555")
ORGANIZATION = organization_from_settings(HOME, "us-east-1", member_accounts=",".join(MEMBERS))
START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeSts:
    """STS's AssumeRole: credentials valid for the asked duration, or a refusal for some roles."""

    clock: Clock
    refused: dict[str, str] = field(default_factory=dict)  # role ARN -> error code
    calls: list[dict[str, Any]] = field(default_factory=list)

    def assume_role(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        code = self.refused.get(request["RoleArn"])
        if code is not None:
            error = {
                "Error": {
                    "Code": code,
                    "Message": f"User is not authorized to perform sts:AssumeRole on {request['RoleArn']}",
                }
            }
            raise ClientError(error, "AssumeRole")  # type: ignore[arg-type]
        serial = len(self.calls)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIA{serial:016d}",
                "SecretAccessKey": f"SECRET{serial}",
                "SessionToken": f"TOKEN{serial}",
                "Expiration": self.clock.now + timedelta(seconds=request["DurationSeconds"]),
            }
        }


def credentials(clock: Clock, sts: FakeSts) -> MemberCredentials:
    return MemberCredentials(sts, ORGANIZATION.role_arn, "jobtrail-ingest", clock=clock)


def test_one_assume_role_per_account_per_lifetime() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    members = credentials(clock, sts)

    # Over 61 minutes of events from two members, every minute
    for minute in range(62):
        clock.now = START + timedelta(minutes=minute)
        for account in MEMBERS:
            held = members.for_account(account)
            assert held.expiration - clock.now > timedelta(minutes=9)  # never handed out nearly expired

    # Then each account's role was assumed at minute 0 and again 10 minutes before its expiry (minute 50)
    assert [call["RoleArn"] for call in sts.calls] == [
        f"arn:aws:iam::{MEMBERS[0]}:role/jobtrail-reader",
        f"arn:aws:iam::{MEMBERS[1]}:role/jobtrail-reader",
    ] * 2
    assert members.assume_role_calls == 4
    assert {call["DurationSeconds"] for call in sts.calls} == {3600}
    assert {call["RoleSessionName"] for call in sts.calls} == {"jobtrail-ingest"}


def test_a_refused_role_is_asked_once_per_cool_down_and_named_without_secrets() -> None:
    clock = Clock()
    role = f"arn:aws:iam::{MEMBERS[0]}:role/jobtrail-reader"
    sts = FakeSts(clock, refused={role: "AccessDenied"})
    members = credentials(clock, sts)

    # A batch of ten events from the broken account
    failures = []
    for _ in range(10):
        with pytest.raises(MemberAccessFailed) as failure:
            members.for_account(MEMBERS[0])
        failures.append(failure.value)

    assert len(sts.calls) == 1
    assert str(failures[0]) == (
        f"account {MEMBERS[0]}: AccessDenied assuming {role}: "
        f"User is not authorized to perform sts:AssumeRole on {role}"
    )
    assert failures[0].__cause__ is None
    # The other member is not held back
    members.for_account(MEMBERS[1])
    # After the cool-down the role is asked again, and once fixed, its credentials are used
    del sts.refused[role]
    clock.now += timedelta(seconds=61)
    assert members.for_account(MEMBERS[0]).access_key_id.startswith("ASIA")
    assert len(sts.calls) == 3


def test_a_transient_sts_failure_is_not_remembered() -> None:
    clock = Clock()
    role = f"arn:aws:iam::{MEMBERS[0]}:role/jobtrail-reader"
    sts = FakeSts(clock, refused={role: "Throttling"})
    members = credentials(clock, sts)

    for _ in range(2):
        with pytest.raises(MemberAccessFailed, match="Throttling"):
            members.for_account(MEMBERS[0])
    assert len(sts.calls) == 2


def test_the_home_account_is_never_assumed() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    with pytest.raises(ValueError, match="own credentials"):
        credentials(clock, sts).for_account(HOME)
    assert sts.calls == []


def test_credentials_never_show_their_secret_parts() -> None:
    held = RoleCredentials("ASIAEXAMPLE", "very-secret", "very-token", START)

    assert "very-secret" not in repr(held)
    assert "very-token" not in repr(held)
    assert "ASIAEXAMPLE" not in repr(held)


@dataclass
class FakeSession:
    made: list[dict[str, Any]] = field(default_factory=list)

    def client(self, service: str, **options: Any) -> object:
        self.made.append({"service": service, **options})
        return object()


def test_clients_are_made_once_per_place_and_again_when_credentials_renew() -> None:
    clock = Clock()
    session = FakeSession()
    clients = PlaceClients(session, Place(HOME, "us-east-1"), credentials(clock, FakeSts(clock)))
    member = Place(MEMBERS[0], "eu-west-1")

    first = clients.client("sagemaker", member, config=None)  # type: ignore[arg-type]
    assert clients.client("sagemaker", member, config=None) is first  # type: ignore[arg-type]
    home = clients.client("sagemaker", Place(HOME, "eu-west-1"), config=None)  # type: ignore[arg-type]
    clock.now += timedelta(minutes=51)  # past the refresh point
    renewed = clients.client("sagemaker", member, config=None)  # type: ignore[arg-type]

    assert renewed is not first
    assert clients.client("sagemaker", Place(HOME, "eu-west-1"), config=None) is home  # type: ignore[arg-type]
    assert [(m["service"], m["region_name"], m.get("aws_access_key_id")) for m in session.made] == [
        ("sagemaker", "eu-west-1", "ASIA0000000000000001"),
        ("sagemaker", "eu-west-1", None),
        ("sagemaker", "eu-west-1", "ASIA0000000000000002"),
    ]


def test_a_member_is_not_reached_when_organization_mode_is_off() -> None:
    clients = PlaceClients(FakeSession(), Place(HOME, "us-east-1"), None)

    with pytest.raises(MemberAccessFailed, match="OrganizationModeOff"):
        clients.client("sagemaker", Place(MEMBERS[0], "us-east-1"), config=None)  # type: ignore[arg-type]
