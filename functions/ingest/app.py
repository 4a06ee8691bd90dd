"""IngestFunction: SQS batches of SageMaker job state changes (every tracked kind) → the history table.

The composition root: the only place that reads this function's environment and creates its clients,
once per container (the first invocation), then hands them to the use case.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.adapters.aws import AwsAdapters
from jobtrail.core.alerts import parse_alert_on
from jobtrail.core.kinds import parse_kinds
from jobtrail.core.log_tail import parse_log_lines
from jobtrail.observability import logger, metrics, tracer
from jobtrail.usecases.ingest import BatchResponse, IngestDeps, handle_batch
from jobtrail.usecases.prices import PriceBook


@cache
def deps_from_environment() -> IngestDeps:
    """The function's dependencies, from its environment (the template sets every variable)."""
    aws = AwsAdapters(os.environ["JOBTRAIL_TABLE"])
    jobs = aws.jobs()
    return IngestDeps(
        jobs=jobs,
        histories=aws.histories,
        dead_letters=aws.dead_letters(os.environ["JOBTRAIL_DEAD_LETTER_QUEUE_URL"]),
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
        tracked_kinds=parse_kinds(os.environ.get("JOBTRAIL_TRACKED_KINDS")),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return handle_batch(event, deps_from_environment())
