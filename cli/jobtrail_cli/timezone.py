"""The time zone the tables show times in (``--tz``, ``$JOBTRAIL_TZ``): UTC unless told otherwise.

Only what people read changes: ``--json`` keeps UTC ISO 8601 whatever the zone. ``jobtrail_cli.entry``
settles the run's zone once (``show_times_in``) with what ``Wiring.display_zone`` read; ``render`` asks
``displayed`` for it. The standard library's ``zoneinfo`` knows the zones (IANA names, with their summer
time), so a converted time is right on either side of a change of offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

#: What ``--tz`` takes besides an IANA name; any case.
LOCAL, UTC_NAME = "local", "UTC"
EXAMPLE = "Europe/Paris"


class DisplayZone(NamedTuple):
    """A zone to show times in, and how a table's header names it."""

    #: ``None``: this machine's local time (its offset at each moment, summer time included).
    info: tzinfo | None
    #: ``UTC``, ``Europe/Paris``, ``local, CET``.
    name: str

    def local(self, moment: datetime) -> datetime:
        """``moment`` (aware) in this zone."""
        return moment.astimezone(self.info)


UTC_ZONE = DisplayZone(UTC, UTC_NAME)


def parse_zone(text: str) -> DisplayZone:
    """``local``, ``UTC`` or an IANA zone name (``Europe/Paris``), any case; ``ValueError`` saying what is
    accepted otherwise, with the closest names if some are close."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415 - tables only

    name = text.strip()
    if name.lower() == LOCAL:
        return DisplayZone(None, f"{LOCAL}, {datetime.now().astimezone().tzname()}")
    if name.upper() == UTC_NAME:
        return UTC_ZONE
    if _is_zone(name):
        return DisplayZone(ZoneInfo(name), name)
    known = _known_zones()
    if name.lower() in known:
        spelled = known[name.lower()]
        return DisplayZone(ZoneInfo(spelled), spelled)
    import difflib  # noqa: PLC0415 - only for a name not found

    close = difflib.get_close_matches(name.lower(), known, n=2, cutoff=0.8)
    hint = f"; did you mean {' or '.join(known[c] for c in close)}?" if close else ""
    raise ValueError(f"unknown time zone {text!r} (local, UTC or an IANA name such as {EXAMPLE}){hint}")


def _is_zone(name: str) -> bool:
    """``name`` is a zone's exact IANA name (a path, ``..``, an empty name or a region is not)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        # ValueError: not a key's shape (a path, ".."); IsADirectoryError: a region ("Europe").
        return False
    return True


def _known_zones() -> dict[str, str]:
    """Every IANA name this machine knows, by its lower case (``asia/tokyo`` → ``Asia/Tokyo``)."""
    from zoneinfo import available_timezones  # noqa: PLC0415

    return {zone.lower(): zone for zone in available_timezones()}


_displayed = UTC_ZONE


def show_times_in(zone: DisplayZone) -> None:
    """The zone this run's tables show times in."""
    global _displayed  # noqa: PLW0603 - one setting per run, like render's console
    _displayed = zone


def displayed() -> DisplayZone:
    """The zone tables show times in (UTC unless ``show_times_in`` said otherwise)."""
    return _displayed
