"""``--tz``'s zones: what is accepted, how a table names it, and times converted with their summer time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jobtrail_cli.timezone import UTC_ZONE, parse_zone


@pytest.mark.parametrize("text", ["UTC", "utc", " Utc "])
def test_utc_in_any_case_is_utc(text: str) -> None:
    assert parse_zone(text) == UTC_ZONE


@pytest.mark.parametrize(("text", "name"), [("Europe/Paris", "Europe/Paris"), ("asia/TOKYO", "Asia/Tokyo")])
def test_an_iana_name_in_any_case_is_named_as_iana_spells_it(text: str, name: str) -> None:
    assert parse_zone(text).name == name


def test_a_zone_keeps_its_summer_time() -> None:
    # Given Paris, one hour ahead of UTC in winter and two in summer
    paris = parse_zone("Europe/Paris")
    # Then each moment gets its own offset
    assert paris.local(datetime(2026, 1, 15, 12, tzinfo=UTC)).hour == 13
    assert paris.local(datetime(2026, 7, 15, 12, tzinfo=UTC)).hour == 14


def test_local_is_this_machines_zone_named_as_such() -> None:
    local = parse_zone("LOCAL")
    moment = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert local.info is None
    assert local.name.startswith("local, ")
    assert local.local(moment) == moment.astimezone()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Mars/Olympus", "'Mars/Olympus' (local, UTC or an IANA name such as Europe/Paris)"),
        ("Europe/Pari", "did you mean Europe/Paris"),
        ("", "unknown time zone ''"),
        ("Europe", "unknown time zone 'Europe'"),
        ("../../etc/passwd", "unknown time zone"),
        ("/usr/share/zoneinfo/UTC", "unknown time zone"),
    ],
)
def test_an_unknown_zone_says_what_is_accepted(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone") as raised:
        parse_zone(text)
    assert fragment in str(raised.value)
    assert "\n" not in str(raised.value)
