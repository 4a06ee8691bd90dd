"""The organization's active accounts, on moto's Organizations (``adapters.organization``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from jobtrail.adapters.organization import OrganizationAccounts
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID


@dataclass
class Clock:
    now: datetime = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def organizations() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        yield client


def add_account(client: Any, name: str) -> str:
    created = client.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
    account_id: str = client.describe_create_account_status(CreateAccountRequestId=created["Id"])[
        "CreateAccountStatus"
    ]["AccountId"]
    return account_id


def test_active_accounts_are_listed_once_per_ttl(organizations: Any) -> None:
    member = add_account(organizations, "team-a")
    clock = Clock()
    accounts = OrganizationAccounts(organizations, clock=clock)

    assert accounts.accounts() == {DEFAULT_ACCOUNT_ID, member}
    clock.now += timedelta(minutes=14)
    assert accounts.accounts() == {DEFAULT_ACCOUNT_ID, member}
    assert accounts.list_calls == 1
    clock.now += timedelta(minutes=1)
    accounts.accounts()
    assert accounts.list_calls == 2


def test_an_account_that_just_joined_is_admitted_within_a_minute(organizations: Any) -> None:
    clock = Clock()
    accounts = OrganizationAccounts(organizations, clock=clock)
    accounts.accounts()
    newcomer = add_account(organizations, "team-b")

    assert newcomer not in accounts.includes(newcomer)  # listed a moment ago: not asked again yet
    clock.now += timedelta(minutes=1)
    assert newcomer in accounts.includes(newcomer)
    # A stranger costs at most one listing a minute
    for _ in range(20):
        accounts.includes("999988887777")
    assert accounts.list_calls == 2


def test_closed_accounts_are_not_members(organizations: Any) -> None:
    member = add_account(organizations, "team-c")
    organizations.close_account(AccountId=member)

    assert member not in OrganizationAccounts(organizations, clock=Clock()).accounts()


def test_a_failed_reread_keeps_the_accounts_read_before(organizations: Any) -> None:
    member = add_account(organizations, "team-d")
    clock = Clock()
    accounts = OrganizationAccounts(organizations, clock=clock)
    accounts.accounts()

    # Organizations stops answering after the list expires
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Organizations is not answering")

    organizations.get_paginator = broken
    clock.now += timedelta(minutes=16)
    assert member in accounts.accounts()
    assert member in accounts.includes(member)
    # and it is asked again a minute later, not at every call
    assert accounts.list_calls == 2
    clock.now += timedelta(minutes=1)
    accounts.accounts()
    assert accounts.list_calls == 3


def test_nothing_read_yet_fails(organizations: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Organizations is not answering")

    organizations.get_paginator = broken
    with pytest.raises(RuntimeError, match="not answering"):
        OrganizationAccounts(organizations, clock=Clock()).accounts()
