"""Where ``jobtrail ui``'s pages are: the paths its links carry (the app's routes are these)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from jobtrail.core.kinds import JobKey


def job_href(key: JobKey, suffix: str = "") -> str:
    """A job's page: ``/jobs/KIND/NAME`` (a pipeline execution's name keeps its ``/``) with its account
    and region, so that it names one job however many places hold the name; ``suffix``: ``.json``."""
    place = {name: value for name, value in (("account", key.account), ("region", key.region)) if value}
    path = f"/jobs/{key.kind}/{quote(key.name, safe='/')}{suffix}"
    return f"{path}?{urlencode(place)}" if place else path


def list_href(path: str, **params: str | None) -> str:
    """``path`` with the parameters that have a value, in the order given."""
    given = {name: value for name, value in params.items() if value}
    return f"{path}?{urlencode(given)}" if given else path
