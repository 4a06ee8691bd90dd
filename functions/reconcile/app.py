"""ReconcileFunction: on a schedule, catch the state changes whose events were lost, and stalled jobs."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtrail.observability import logger, metrics, tracer
from jobtrail.reconcile import deps_from_environment, reconcile, record_metrics


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
