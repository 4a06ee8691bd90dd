"""IngestFunction: SQS batches of SageMaker job state changes (every tracked kind) → the history table.

The composition root: the only place that reads this function's environment and creates its clients,
once per container (the first invocation), then hands them to the use case. In organization mode
(``core.organization``) each job is described at its place: a member through its read-only role.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.adapters.aws import AwsAdapters
from jobtrail.core.alerts import console_links_from_environment, parse_alert_on
from jobtrail.core.kinds import parse_kinds
from jobtrail.core.log_tail import parse_log_lines
from jobtrail.core.organization import organization_from_environment
from jobtrail.observability import logger, metrics, tracer
from jobtrail.usecases.ingest import BatchResponse, IngestDeps, handle_batch
from jobtrail.usecases.ports import JobLogs
from jobtrail.usecases.prices import PriceBook

if TYPE_CHECKING:
    from jobtrail.adapters.places import PlacedSageMaker
    from jobtrail.adapters.sagemaker import SageMakerJobs


@cache
def deps_from_environment() -> IngestDeps:
    """The function's dependencies, from its environment (the template sets every variable)."""
    aws = AwsAdapters(os.environ["JOBTRAIL_TABLE"])
    organization = organization_from_environment(os.environ)
    jobs: PlacedSageMaker | SageMakerJobs
    logs: JobLogs
    if organization is not None and organization.enabled:
        jobs, logs = aws.placed(organization, os.environ.get("POWERTOOLS_SERVICE_NAME", "jobtrail-ingest"))
    else:
        jobs, logs = aws.jobs(), aws.job_logs()
    return IngestDeps(
        jobs=jobs,
        histories=aws.histories,
        dead_letters=aws.dead_letters(os.environ["JOBTRAIL_DEAD_LETTER_QUEUE_URL"]),
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
        tracked_kinds=parse_kinds(os.environ.get("JOBTRAIL_TRACKED_KINDS")),
        organization=organization,
        members=aws.members(organization) if organization is not None else None,
        max_receives=int(os.environ["JOBTRAIL_MAX_RECEIVE_COUNT"])
        if os.environ.get("JOBTRAIL_MAX_RECEIVE_COUNT")
        else None,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return handle_batch(event, deps_from_environment())
