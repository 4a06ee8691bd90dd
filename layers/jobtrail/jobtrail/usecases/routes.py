"""Choosing a job's route by the routes document, whoever asks: an alert being created (``sync``) or a
first-seen Slack thread (``slack_threads``).

A document that is invalid or cannot be read never holds anything back: the job takes the default route,
and the error is logged and counted (``RoutesInvalid``).
"""

from __future__ import annotations

from collections.abc import Mapping

from jobtrail.core.kinds import JobKey
from jobtrail.core.routing import RouteChoice, RoutesError, fallback_route, route_for
from jobtrail.observability import MetricUnit, logger, metrics
from jobtrail.usecases.ports import AlertRoutes


def choose_route(job: JobKey, tags: Mapping[str, str] | None, routes: AlertRoutes | None) -> RouteChoice:
    """The route of ``job`` by the routes document (read through ``routes``, cached; ``None``: no
    document); an invalid or unreadable document gives the default route (logged, counted)."""
    if routes is None:
        return route_for(None, job, tags)
    try:
        document = routes.load()
    except RoutesError as error:
        logger.warning(
            "the routes document cannot be used; alerts go to the default route",
            extra={"job": str(job), "routes_error": str(error)},
        )
        metrics.add_metric(name="RoutesInvalid", unit=MetricUnit.Count, value=1)
        return fallback_route(error)
    return route_for(document, job, tags)
