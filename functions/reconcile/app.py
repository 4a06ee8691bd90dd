"""ReconcileFunction: on a schedule, catch the state changes whose events were lost, and stalled jobs.

The composition root: the only place that reads this function's environment and creates its clients,
once per container (the first invocation), then hands them to the use case.
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.adapters.aws import AwsAdapters
from jobtrail.core.alerts import parse_alert_on
from jobtrail.core.kinds import parse_kinds
from jobtrail.core.log_tail import parse_log_lines
from jobtrail.core.rate_limit import TokenBucket
from jobtrail.observability import logger, metrics, tracer
from jobtrail.usecases.prices import PriceBook
from jobtrail.usecases.reconcile import ReconcileDeps, reconcile, record_metrics
from jobtrail.usecases.sync import SyncDeps


@cache
def deps_from_environment() -> ReconcileDeps:
    """The function's dependencies, from its environment (the template sets every variable)."""
    aws = AwsAdapters(os.environ["JOBTRAIL_TABLE"])
    jobs = aws.jobs()
    hours = float(os.environ.get("JOBTRAIL_STALLED_AFTER_HOURS", "6"))
    return ReconcileDeps(
        sync=SyncDeps(
            jobs=jobs,
            histories=aws.histories,
            alerts=aws.alerts(os.environ["JOBTRAIL_ALERT_TOPIC_ARN"]),
            alert_on=parse_alert_on(os.environ.get("JOBTRAIL_ALERT_ON")),
            logs=aws.job_logs(),
            log_lines=parse_log_lines(os.environ.get("JOBTRAIL_ALERT_LOG_LINES")),
            tags=jobs,
            routes=aws.alert_routes(os.environ.get("JOBTRAIL_ROUTES_PARAMETER", "")),
            prices=PriceBook(
                aws.price_list(os.environ.get("AWS_REGION", "")),
                aws.price_cache(),
                aws.price_settings(os.environ.get("JOBTRAIL_PRICE_SETTINGS_PARAMETER", "")),
            ),
        ),
        catalog=jobs,
        histories=aws.histories,
        bucket=TokenBucket(float(os.environ.get("JOBTRAIL_RECONCILE_DESCRIBE_RATE", "2"))),
        stalled_after=timedelta(hours=hours) if hours > 0 else None,
        kinds=parse_kinds(os.environ.get("JOBTRAIL_TRACKED_KINDS")),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reconcile(deps_from_environment())
    record_metrics(report)
    logger.info("reconciliation pass", extra=report.as_dict())
    if report.failures:
        # Raising makes the pass count as an error (ReconcileFunction errors alarm); the watermark stayed.
        raise RuntimeError(f"{len(report.failures)} jobs could not be reconciled: {report.failures[:5]}")
    return report.as_dict()
