"""Tracing: the X-Ray SDK only where traces can go (inside Lambda, tracing on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from jobtrail.observability import PassThroughTracer, tracing_enabled

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "jobtrail-IngestFunction"}, True),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f", "POWERTOOLS_TRACE_DISABLED": "0"}, True),
    ],
)
def test_tracing_is_on_only_in_lambda_unless_disabled(environ: dict[str, str], enabled: bool) -> None:
    assert tracing_enabled(environ) is enabled


def test_the_pass_through_tracer_returns_the_function_itself() -> None:
    def handler(event: object, context: object) -> str:
        return "done"

    tracer = PassThroughTracer()
    assert tracer.capture_lambda_handler(handler) is handler
    assert tracer.capture_method(handler) is handler


@pytest.mark.parametrize(("lambda_env", "imported"), [({}, False), ({"AWS_LAMBDA_FUNCTION_NAME": "f"}, True)])
def test_importing_the_handler_loads_the_xray_sdk_only_in_lambda(
    lambda_env: dict[str, str], imported: bool
) -> None:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AWS_LAMBDA_FUNCTION_NAME", "POWERTOOLS_TRACE_DISABLED"}
    }
    environment.update(lambda_env, PYTHONPATH=f"{REPO / 'layers' / 'jobtrail'}{os.pathsep}{REPO}")
    probe = "import sys, functions.ingest.app; print('aws_xray_sdk' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=environment, timeout=60, check=True
    )
    assert result.stdout.strip() == str(imported)
