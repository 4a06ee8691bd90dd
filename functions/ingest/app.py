"""IngestFunction: SQS batches of SageMaker training-job state changes → the history table."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.ingest import BatchResponse, deps_from_environment, handle_batch
from jobtrail.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    return handle_batch(event, deps_from_environment())
