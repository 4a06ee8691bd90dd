"""Organization mode's settings, and which places an event may come from (``core.organization``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobtrail.core.organization import (
    Organization,
    OrganizationSettingsError,
    Place,
    organization_from_settings,
)

HOME = Place("123456789012", "us-east-1")
MEMBER = "222233334444"
OTHER = "999988887777"


def listed() -> Organization:
    return organization_from_settings(
        HOME.account, HOME.region, member_accounts=f"{MEMBER}, 333344445555", member_regions="eu-west-1"
    )


def whole_organization() -> Organization:
    return organization_from_settings(HOME.account, HOME.region, organization_id="o-abc123defg")


def test_a_standalone_stack_accepts_its_own_account_in_its_own_region_only() -> None:
    standalone = organization_from_settings(HOME.account, HOME.region)

    assert not standalone.enabled
    assert standalone.refusal(HOME) is None
    assert standalone.refusal(Place(MEMBER, HOME.region)) == (
        f"account {MEMBER} is not this stack's account {HOME.account} "
        "(organization mode is off: set OrganizationId or MemberAccountIds)"
    )
    assert standalone.refusal(Place(HOME.account, "eu-west-1")) == (
        "region eu-west-1 is not one of this stack's regions (MemberRegions: us-east-1)"
    )
    assert standalone.places() == (HOME,)


def test_listed_accounts_are_accepted_in_the_listed_regions_and_home_region() -> None:
    organization = listed()

    assert organization.enabled
    assert not organization.lists_accounts
    for region in ("us-east-1", "eu-west-1"):
        assert organization.refusal(Place(MEMBER, region)) is None
        assert organization.refusal(Place(HOME.account, region)) is None
    assert organization.refusal(Place(OTHER, "us-east-1")) == (
        f"account {OTHER} is not a member account (MemberAccountIds: {MEMBER}, 333344445555)"
    )
    assert organization.refusal(Place(MEMBER, "ap-south-1")) == (
        "region ap-south-1 is not one of this stack's regions (MemberRegions: eu-west-1, us-east-1)"
    )


def test_a_list_is_tighter_than_the_organization_it_comes_with() -> None:
    organization = organization_from_settings(
        HOME.account, HOME.region, organization_id="o-abc123defg", member_accounts=MEMBER
    )

    assert not organization.lists_accounts
    assert organization.refusal(Place(MEMBER, HOME.region)) is None
    assert organization.refusal(Place(OTHER, HOME.region), members=frozenset({OTHER})) is not None


def test_a_whole_organization_accepts_its_active_accounts_as_read() -> None:
    organization = whole_organization()
    members = frozenset({MEMBER, HOME.account})

    assert organization.lists_accounts
    assert organization.refusal(Place(MEMBER, HOME.region), members) is None
    assert organization.refusal(Place(OTHER, HOME.region), members) == (
        f"account {OTHER} is not an active account of organization o-abc123defg"
    )
    assert organization.refusal(HOME, frozenset()) is None  # its own account needs no listing
    with pytest.raises(ValueError, match="accounts are needed"):
        organization.refusal(Place(MEMBER, HOME.region))


def test_places_start_at_home_then_every_account_in_every_region() -> None:
    assert listed().places() == (
        HOME,
        Place(HOME.account, "eu-west-1"),
        Place(MEMBER, "eu-west-1"),
        Place(MEMBER, "us-east-1"),
        Place("333344445555", "eu-west-1"),
        Place("333344445555", "us-east-1"),
    )
    assert whole_organization().places([MEMBER, HOME.account]) == (HOME, Place(MEMBER, "us-east-1"))


def test_members_are_reached_through_their_role_and_home_through_its_own() -> None:
    organization = organization_from_settings(
        HOME.account, HOME.region, member_accounts=MEMBER, role_name="reader"
    )

    assert organization.role_arn(MEMBER) == f"arn:aws:iam::{MEMBER}:role/reader"
    assert organization.role_arn(MEMBER, "aws-cn") == f"arn:aws-cn:iam::{MEMBER}:role/reader"
    assert organization.role_arn(HOME.account) is None
    assert listed().role_arn(MEMBER) == f"arn:aws:iam::{MEMBER}:role/jobtrail-reader"


def test_home_keeps_its_progress_names_and_other_places_get_their_own() -> None:
    organization = listed()

    assert organization.progress_name("reconcile", HOME) == "reconcile"
    assert (
        organization.progress_name("reconcile", Place(MEMBER, "eu-west-1")) == f"reconcile/{MEMBER}/eu-west-1"
    )
    assert organization.progress_name("backfill/training", Place(HOME.account, "eu-west-1")) == (
        f"backfill/training/{HOME.account}/eu-west-1"
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"organization_id": "o-short"}, "OrganizationId: 'o-short' is not valid"),
        ({"member_accounts": "12345"}, "MemberAccountIds: '12345' is not valid"),
        ({"member_accounts": f"{MEMBER},abc"}, "MemberAccountIds: 'abc' is not valid"),
        ({"member_regions": "Europe"}, "MemberRegions: 'Europe' is not valid"),
        ({"role_name": "path/role"}, "MemberRoleName: 'path/role' is not valid"),
    ],
)
def test_bad_settings_are_named_in_one_line(settings: dict[str, str], message: str) -> None:
    with pytest.raises(OrganizationSettingsError) as error:
        organization_from_settings(HOME.account, HOME.region, **settings)

    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_member_regions_count_in_organization_mode_only() -> None:
    standalone = organization_from_settings(HOME.account, HOME.region, member_regions="eu-west-1")

    assert standalone.regions == {HOME.region}
    assert standalone.refusal(Place(HOME.account, "eu-west-1")) is not None


def test_the_home_account_in_the_list_is_home_not_a_member() -> None:
    organization = organization_from_settings(
        HOME.account, HOME.region, member_accounts=f"{HOME.account},{MEMBER}"
    )

    assert organization.member_accounts == frozenset({MEMBER})
    assert organization.role_arn(HOME.account) is None


accounts = st.from_regex(r"[0-9]{12}", fullmatch=True)
regions = st.sampled_from(["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"])


@given(
    members=st.frozensets(accounts, max_size=4),
    member_regions=st.frozensets(regions, max_size=3),
    data=st.data(),
)
def test_a_place_is_accepted_exactly_when_it_is_swept(
    members: frozenset[str], member_regions: frozenset[str], data: st.DataObject
) -> None:
    # The place's account from the members, home or a stranger (a random one would nearly always be a
    # stranger), its region from a few
    account = data.draw(st.sampled_from(sorted(members | {HOME.account, OTHER})))
    place = Place(account, data.draw(regions))
    organization = organization_from_settings(
        HOME.account,
        HOME.region,
        member_accounts=",".join(sorted(members)),
        member_regions=",".join(member_regions),
    )
    swept = organization.places()

    assert swept[0] == HOME
    assert len(set(swept)) == len(swept)
    assert (organization.refusal(place) is None) == (place in swept)
    regions_kept = member_regions | {HOME.region} if members - {HOME.account} else {HOME.region}
    kept = (account in members or account == HOME.account) and place.region in regions_kept
    assert (organization.refusal(place) is None) == kept
