"""The demo's and the benchmark's AWS Organization on this machine: a home account and member accounts in
two regions, moto answering for each account.

moto keeps one backend per account. Its STS issues assumed-role keys that it maps back to the role's
account (``account_of_access_key``), so a client made with them reads and writes that account: the
functions reach a member exactly so (``sts:AssumeRole`` on its read-only role, then clients with the role's
keys), and the scripted SageMaker server tells the accounts apart the same way. ``MOTO_ACCOUNT_ID`` would
override that mapping: nothing here sets it.

``LocalOrganization(accounts)`` is 1 to 3 accounts: the home account (moto's default account, where the
functions' own credentials land, and the fixtures' account) alone, as a standalone stack; or with one or
two members, in the home region and ``SECOND_REGION``, as a stack with ``MemberAccountIds`` and
``MemberRegions`` set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from jobtrail.core.organization import (
    DEFAULT_ROLE_NAME,
    HOME_ACCOUNT_VARIABLE,
    MEMBER_ACCOUNTS_VARIABLE,
    MEMBER_REGIONS_VARIABLE,
    MEMBER_ROLE_NAME_VARIABLE,
    ORGANIZATION_ID_VARIABLE,
    Organization,
    Place,
    organization_from_settings,
)

from jobtrail_local.lifecycle_builder import ACCOUNT, REGION
from jobtrail_local.scripted_logs import ScriptedLog, put_scripted_logs

#: The home account: the fixtures' account, which is moto's default account.
HOME: Final = ACCOUNT
#: The member accounts, in the order ``LocalOrganization`` adds them.
MEMBERS: Final = ("222233334444", "333344445555")
#: An account outside the organization (its events are rejected).
STRANGER: Final = "999988887777"
#: The members' region besides the home region.
SECOND_REGION: Final = "eu-west-1"
MAX_ACCOUNTS: Final = 1 + len(MEMBERS)
#: The role assumed to put things in a member account's moto backends (not the functions' role).
_SEEDING_ROLE: Final = "jobtrail-local-admin"


@dataclass(frozen=True, slots=True)
class LocalOrganization:
    """The home account and ``accounts - 1`` member accounts; with members, two regions."""

    accounts: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.accounts <= MAX_ACCOUNTS:
            raise ValueError(f"accounts: 1 to {MAX_ACCOUNTS}, not {self.accounts}")

    @property
    def enabled(self) -> bool:
        """Organization mode: there are member accounts."""
        return self.accounts > 1

    @property
    def home(self) -> Place:
        return Place(HOME, REGION)

    @property
    def members(self) -> tuple[str, ...]:
        return MEMBERS[: self.accounts - 1]

    @property
    def regions(self) -> tuple[str, ...]:
        """The home region first."""
        return (REGION, SECOND_REGION) if self.enabled else (REGION,)

    @property
    def places(self) -> tuple[Place, ...]:
        """Every account in every region, the home place first, in an order where neighbours differ in
        account and, where it can, in region (so that taking them in turn spreads jobs over both)."""
        accounts = (HOME, *self.members)
        regions = self.regions
        # Round r takes every account once, account a in region (a + r): each round shifts the regions.
        return tuple(
            Place(accounts[a], regions[(a + r) % len(regions)])
            for r in range(len(regions))
            for a in range(len(accounts))
        )

    def environment(self) -> dict[str, str]:
        """The functions' organization variables as the template sets them (``MemberAccountIds`` and
        ``MemberRegions`` left empty for one account; no ``OrganizationId``: the list is the members)."""
        return {
            HOME_ACCOUNT_VARIABLE: HOME,
            ORGANIZATION_ID_VARIABLE: "",
            MEMBER_ACCOUNTS_VARIABLE: ",".join(self.members),
            MEMBER_REGIONS_VARIABLE: ",".join(region for region in self.regions if region != REGION),
            MEMBER_ROLE_NAME_VARIABLE: DEFAULT_ROLE_NAME,
        }

    def organization(self) -> Organization:
        """What the functions make of ``environment()``."""
        return organization_from_settings(
            HOME,
            REGION,
            member_accounts=",".join(self.members),
            member_regions=",".join(self.regions),
        )


def account_of_access_key(access_key: str) -> str:
    """The moto account an access key belongs to: a member's for the keys moto's STS issued for a role
    there, moto's default account (the home account) otherwise."""
    from moto.iam.models import get_account_id_from  # noqa: PLC0415 - a demo/test dependency

    return get_account_id_from(access_key)


def client_in(service: str, place: Place) -> Any:
    """A client for ``service`` in ``place`` (inside ``mock_aws``): the home account's own credentials, or
    in a member account an administrator role's, assumed through moto's STS."""
    import boto3  # noqa: PLC0415

    make: Any = boto3.client  # any service, by name
    if place.account == HOME:
        return make(service, region_name=place.region)
    given = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{place.account}:role/{_SEEDING_ROLE}", RoleSessionName="jobtrail-local"
    )["Credentials"]
    return make(
        service,
        region_name=place.region,
        aws_access_key_id=given["AccessKeyId"],
        aws_secret_access_key=given["SecretAccessKey"],
        aws_session_token=given["SessionToken"],
    )


def put_logs_where_they_ran(
    logs: Iterable[ScriptedLog], *, places: Iterable[Place] = (), now_ms: int
) -> None:
    """Each job's log streams in its own account's and region's CloudWatch Logs (moto), as SageMaker
    writes them there (``scripted_logs.put_scripted_logs`` per place); every log group of a kind that logs
    in each of ``places`` too, as in an account where jobs have logged before."""
    by_place: dict[Place, list[ScriptedLog]] = {place: [] for place in places}
    for log in logs:
        by_place.setdefault(Place(log.job.account, log.job.region), []).append(log)
    for place, held in by_place.items():
        put_scripted_logs(client_in("logs", place), held, now_ms=now_ms)
