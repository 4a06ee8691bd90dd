"""Organization mode: which accounts and regions one jobtrail stack keeps the history of. Pure.

A stack always keeps its own account's jobs in its own region: its **home** place. Organization mode
(the template's ``OrganizationId`` and/or ``MemberAccountIds``) adds member accounts, whose default buses
forward SageMaker's events to the stack's organization bus (``member-template.yaml``), in the regions
``MemberRegions`` lists (the home region is always one of them). Each member is reached through a
read-only role of one name (``MemberRoleName``) that trusts only the stack's functions.

- ``MemberAccountIds`` set: exactly those accounts (with or without an organization id: a list is
  tighter than a whole organization).
- Only ``OrganizationId``: every ACTIVE account of the organization, as ``organizations:ListAccounts``
  says (read by an adapter; ``members`` below).

Everything an event may claim is checked here (``refusal``): a place that is not the stack's is rejected
with the reason, as bad input is, and kept in the dead-letter queue. Nothing here reads the environment:
the composition roots pass the template's settings in (``organization_from_settings``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

import msgspec

#: The member role's name when the template's ``MemberRoleName`` is left alone.
DEFAULT_ROLE_NAME: Final = "jobtrail-reader"

#: The functions' environment variables, as the template sets them (the roots read them).
HOME_ACCOUNT_VARIABLE: Final = "JOBTRAIL_HOME_ACCOUNT"
ORGANIZATION_ID_VARIABLE: Final = "JOBTRAIL_ORGANIZATION_ID"
MEMBER_ACCOUNTS_VARIABLE: Final = "JOBTRAIL_MEMBER_ACCOUNTS"
MEMBER_REGIONS_VARIABLE: Final = "JOBTRAIL_MEMBER_REGIONS"
MEMBER_ROLE_NAME_VARIABLE: Final = "JOBTRAIL_MEMBER_ROLE_NAME"
ENVIRONMENT: Final = (
    HOME_ACCOUNT_VARIABLE,
    ORGANIZATION_ID_VARIABLE,
    MEMBER_ACCOUNTS_VARIABLE,
    MEMBER_REGIONS_VARIABLE,
    MEMBER_ROLE_NAME_VARIABLE,
)

_ACCOUNT: Final = re.compile(r"[0-9]{12}")
_REGION: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")
_ORGANIZATION_ID: Final = re.compile(r"o-[a-z0-9]{10,32}")
#: IAM's role name characters and length (a name, not a path).
_ROLE_NAME: Final = re.compile(r"[\w+=,.@-]{1,64}")


class Place(msgspec.Struct, frozen=True, order=True):
    """Where a job runs: an account and a region. SageMaker's APIs, throttles and a member's role are per
    place."""

    account: str
    region: str

    def __str__(self) -> str:
        return f"{self.account} {self.region}"


class PlaceUnreachable(Exception):
    """A member account cannot be read: its role cannot be assumed."""


class OrganizationSettingsError(ValueError):
    """The template's organization settings are not valid (the message names the setting)."""


class Organization(msgspec.Struct, frozen=True):
    """The places one stack keeps the history of, and how it reaches them.

    ``regions`` always holds ``home.region``. ``organization_id`` None and ``member_accounts`` empty: a
    standalone stack (organization mode off), which knows its home account only, in ``regions``.
    """

    home: Place
    organization_id: str | None = None
    member_accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    role_name: str = DEFAULT_ROLE_NAME

    def __post_init__(self) -> None:
        if self.home.region not in self.regions:
            msgspec.structs.force_setattr(self, "regions", self.regions | {self.home.region})

    @property
    def enabled(self) -> bool:
        """Whether member accounts are accepted at all."""
        return self.organization_id is not None or bool(self.member_accounts)

    @property
    def lists_accounts(self) -> bool:
        """Whether the members are the organization's active accounts, read from AWS (``members`` of
        ``refusal`` and ``places``), rather than the template's list."""
        return self.organization_id is not None and not self.member_accounts

    def refusal(self, place: Place, members: frozenset[str] | None = None) -> str | None:
        """Why an event from ``place`` is not this stack's to record (one line), or ``None``.

        ``members`` is the organization's active accounts when ``lists_accounts`` (required then), and is
        ignored otherwise."""
        if place.region not in self.regions:
            return (
                f"region {place.region} is not one of this stack's regions "
                f"(MemberRegions: {', '.join(sorted(self.regions))})"
            )
        if place.account == self.home.account:
            return None
        return self._account_refusal(place.account, members)

    def _account_refusal(self, account: str, members: frozenset[str] | None) -> str | None:
        if not self.enabled:
            return (
                f"account {account} is not this stack's account {self.home.account} "
                "(organization mode is off: set OrganizationId or MemberAccountIds)"
            )
        if self.member_accounts:
            if account in self.member_accounts:
                return None
            listed = ", ".join(sorted(self.member_accounts))
            return f"account {account} is not a member account (MemberAccountIds: {listed})"
        if members is None:
            raise ValueError("the organization's accounts are needed to judge a member account")
        if account in members:
            return None
        return f"account {account} is not an active account of organization {self.organization_id}"

    def places(self, members: Iterable[str] = ()) -> tuple[Place, ...]:
        """Every place to sweep: home first, then each account (the template's list, or ``members`` when
        ``lists_accounts``) in each region, sorted; the home account in every region too."""
        accounts = (
            set(self.member_accounts if not self.lists_accounts else members) if self.enabled else set()
        )
        accounts.add(self.home.account)
        others = sorted(Place(account, region) for account in accounts for region in self.regions)
        return (self.home, *(place for place in others if place != self.home))

    def role_arn(self, account: str, partition: str = "aws") -> str | None:
        """The member role to assume for ``account`` (``None`` for the home account: its own role)."""
        if account == self.home.account:
            return None
        return f"arn:{partition}:iam::{account}:role/{self.role_name}"

    def progress_name(self, base: str, place: Place) -> str:
        """The name a sweep keeps its progress under for ``place`` (reconcile's watermark, a backfill's
        mark): ``base`` itself for the home place, so a stack that turns organization mode on keeps its
        marks; ``base/<account>/<region>`` for any other."""
        if place == self.home:
            return base
        return f"{base}/{place.account}/{place.region}"


def organization_from_settings(
    home_account: str,
    home_region: str,
    *,
    organization_id: str = "",
    member_accounts: str = "",
    member_regions: str = "",
    role_name: str = "",
) -> Organization:
    """The organization the template's settings describe (comma-separated lists; empty strings: not
    set). Raises ``OrganizationSettingsError`` naming the first bad setting. ``member_regions`` counts in
    organization mode only: a standalone stack has no bus other regions' events could reach it on."""
    _check(home_account, _ACCOUNT, "the home account", "12 digits")
    _check(home_region, _REGION, "the home region", "a region name such as eu-west-1")
    organization = organization_id.strip() or None
    if organization is not None:
        _check(
            organization, _ORGANIZATION_ID, "OrganizationId", "o- and 10 to 32 lowercase letters or digits"
        )
    accounts = _listed(member_accounts)
    for account in accounts:
        _check(account, _ACCOUNT, "MemberAccountIds", "12-digit account ids, comma-separated")
    regions = _listed(member_regions)
    for region in regions:
        _check(region, _REGION, "MemberRegions", "region names, comma-separated")
    name = role_name.strip() or DEFAULT_ROLE_NAME
    _check(name, _ROLE_NAME, "MemberRoleName", "an IAM role name (no path)")
    enabled = organization is not None or bool(set(accounts) - {home_account})
    return Organization(
        home=Place(home_account, home_region),
        organization_id=organization,
        member_accounts=frozenset(accounts) - {home_account},
        # Other regions' events reach the stack only through its organization bus.
        regions=(frozenset(regions) if enabled else frozenset()) | {home_region},
        role_name=name,
    )


def organization_from_environment(environment: Mapping[str, str]) -> Organization | None:
    """The organization the template's variables describe (``ENVIRONMENT``, and ``AWS_REGION``), or
    ``None`` when the home account is not given (the template always gives it)."""
    home = environment.get(HOME_ACCOUNT_VARIABLE, "")
    if not home:
        return None
    return organization_from_settings(
        home,
        environment.get("AWS_REGION", ""),
        organization_id=environment.get(ORGANIZATION_ID_VARIABLE, ""),
        member_accounts=environment.get(MEMBER_ACCOUNTS_VARIABLE, ""),
        member_regions=environment.get(MEMBER_REGIONS_VARIABLE, ""),
        role_name=environment.get(MEMBER_ROLE_NAME_VARIABLE, ""),
    )


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _check(value: str, pattern: re.Pattern[str], setting: str, expected: str) -> None:
    if not pattern.fullmatch(value):
        raise OrganizationSettingsError(f"{setting}: {value!r} is not valid (expected {expected})")
