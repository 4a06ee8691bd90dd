"""ReconcileFunction: on a schedule, catch the state changes whose events were lost, and stalled jobs.

The composition root: the only place that reads this function's environment and creates its clients,
once per container (the first invocation), then hands them to the use case. In organization mode a pass
sweeps every member account and region (``core.organization``), each at its own Describe rate
(``ReconcileDescribeRate`` per place).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.adapters.aws import AwsAdapters
from jobtrail.adapters.sagemaker import SageMakerJobs
from jobtrail.core.alerts import console_links_from_environment, parse_alert_on
from jobtrail.core.kinds import parse_kinds
from jobtrail.core.log_tail import parse_log_lines
from jobtrail.core.organization import Organization, Place, organization_from_environment
from jobtrail.core.rate_limit import RateLimits, TokenBucket
from jobtrail.observability import logger, metrics, tracer
from jobtrail.usecases.ports import JobLogs
from jobtrail.usecases.prices import PriceBook
from jobtrail.usecases.reconcile import ReconcileDeps, reconcile, record_metrics
from jobtrail.usecases.sync import SyncDeps
from msgspec.structs import replace

if TYPE_CHECKING:
    from jobtrail.adapters.organization import OrganizationAccounts
    from jobtrail.adapters.places import PlacedSageMaker


@cache
def deps_from_environment() -> ReconcileDeps:
    """The function's dependencies, from its environment (the template sets every variable)."""
    aws = AwsAdapters(os.environ["JOBTRAIL_TABLE"])
    organization = organization_from_environment(os.environ)
    rate = float(os.environ.get("JOBTRAIL_RECONCILE_DESCRIBE_RATE", "2"))
    jobs: PlacedSageMaker | SageMakerJobs
    logs: JobLogs
    places: tuple[Place, ...] = ()
    list_places: Callable[[], tuple[Place, ...]] | None = None
    if organization is not None and organization.enabled:
        jobs, logs = aws.placed(organization, os.environ.get("POWERTOOLS_SERVICE_NAME", "jobtrail-reconcile"))
        places = organization.places()
        members = aws.members(organization)
        if members is not None:  # a whole organization: its accounts read at each pass
            list_places = partial(_places_of, organization, members)
    else:
        jobs, logs = aws.jobs(), aws.job_logs()
    hours = float(os.environ.get("JOBTRAIL_STALLED_AFTER_HOURS", "6"))
    return ReconcileDeps(
        sync=SyncDeps(
            jobs=jobs,
            histories=aws.histories,
            alerts=aws.alerts(os.environ["JOBTRAIL_ALERT_TOPIC_ARN"]),
            alert_on=parse_alert_on(os.environ.get("JOBTRAIL_ALERT_ON")),
            logs=logs,
            log_lines=parse_log_lines(os.environ.get("JOBTRAIL_ALERT_LOG_LINES")),
            tags=jobs,
            routes=aws.alert_routes(os.environ.get("JOBTRAIL_ROUTES_PARAMETER", "")),
            prices=PriceBook(
                aws.price_list(os.environ.get("AWS_REGION", "")),
                aws.price_cache(),
                aws.price_settings(os.environ.get("JOBTRAIL_PRICE_SETTINGS_PARAMETER", "")),
            ),
            links=console_links_from_environment(os.environ),
        ),
        catalog=jobs if isinstance(jobs, SageMakerJobs) else jobs.at(jobs.home),
        histories=aws.histories,
        bucket=TokenBucket(rate),
        stalled_after=timedelta(hours=hours) if hours > 0 else None,
        kinds=parse_kinds(os.environ.get("JOBTRAIL_TRACKED_KINDS")),
        organization=organization,
        places=places,
        list_places=list_places,
        catalog_at=None if isinstance(jobs, SageMakerJobs) else jobs.at,
        limits=RateLimits(rate),
    )


def _places_of(organization: Organization, members: OrganizationAccounts) -> tuple[Place, ...]:
    return organization.places(members.accounts())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = deps_from_environment()
    report = reconcile(replace(deps, time_left=lambda: context.get_remaining_time_in_millis() / 1000))
    record_metrics(report)
    logger.info("reconciliation pass", extra=report.as_dict())
    if report.failures:
        # Raising makes the pass count as an error (ReconcileFunction errors alarm); the watermark stayed.
        raise RuntimeError(f"{len(report.failures)} jobs could not be reconciled: {report.failures[:5]}")
    return report.as_dict()
