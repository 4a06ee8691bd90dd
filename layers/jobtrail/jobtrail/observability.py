"""The one place that creates Powertools' logger, metrics and tracer for the functions.

Service name and metrics namespace come from ``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE`` (set by the template).

The X-Ray SDK is imported only where traces can go somewhere: inside Lambda with tracing on (the template's
``Tracing`` parameter; ``PassThrough``, its default, sets ``POWERTOOLS_TRACE_DISABLED``). Powertools'
``Tracer()`` imports it even when disabled, which costs tens of milliseconds of a cold start and a few
hundred outside Lambda (tests, the demo, the benchmark); there a pass-through stands in with the same
decorators.

Metrics are emitted only when something calls for a look (a rejection, a failed sync or publish, …): a
CloudWatch custom metric is billed for every hour it has a value. Most invocations therefore have none,
and Powertools' warning that there is nothing to publish is expected, not a fault.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

F = TypeVar("F", bound=Callable[..., Any])


class TracerLike(Protocol):
    def capture_lambda_handler(self, lambda_handler: F) -> F: ...

    def capture_method(self, method: F) -> F: ...


class PassThroughTracer:
    """Tracing off: the decorators return the function unchanged."""

    def capture_lambda_handler(self, lambda_handler: F) -> F:
        return lambda_handler

    def capture_method(self, method: F) -> F:
        return method


def tracing_enabled(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """In Lambda (``AWS_LAMBDA_FUNCTION_NAME``) and not turned off (``POWERTOOLS_TRACE_DISABLED``)."""
    disabled = environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in {"1", "true", "yes", "on"}
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not disabled


def _tracer() -> TracerLike:
    if not tracing_enabled():
        return PassThroughTracer()
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - imports the X-Ray SDK

    # Only botocore (and through it PynamoDB's calls): auto-patching every supported library costs ~50 ms
    # of cold start. Powertools' decorators take optional arguments too; the forms used here match TracerLike.
    return cast(TracerLike, Tracer(patch_modules=["botocore"]))


# On stderr, which Lambda also ingests into CloudWatch Logs: once per container, but about nothing.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()
tracer = _tracer()

__all__ = ["MetricUnit", "PassThroughTracer", "logger", "metrics", "tracer", "tracing_enabled"]
