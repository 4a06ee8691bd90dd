"""Time as jobtrail shows and reads it: ISO 8601 with milliseconds and a UTC offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def iso(moment: datetime | None) -> str | None:
    """``2026-11-20T10:00:03.412+00:00`` (always UTC, always milliseconds), or ``None``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """A point in time from ``24h``/``7d``/``30m``/``2w``/``90s`` (that long before ``now``) or ISO 8601.

    An ISO time without an offset is taken as UTC. Raises ``ValueError`` with a readable message.
    """
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = relative.groups()
        try:
            return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: int(amount)})
        except OverflowError:
            raise ValueError(f"too far back: {text!r}") from None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (use a duration like 24h, 7d, 30m, or an ISO date like 2026-11-20T10:00)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def human_duration(seconds: float | None) -> str:
    """``1h 02m 03s`` style, ``-`` when unknown."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
