"""One cold start, in a fresh process: prints a JSON line with the seconds it took.

``bench/run.py`` starts this many times with ``python -S`` (no site-packages), a Lambda-like environment
and ``PYTHONPATH`` = the function's folder and a layer built by ``layers/jobtrail/Makefile`` for this
machine, as Lambda puts ``/var/task`` and ``/opt/python`` on the path: only the standard library and what
the layer ships can be imported. ``PYTHONDONTWRITEBYTECODE`` is set, as a layer is read-only.

- ``function NAME``: import ``functions/NAME/app.py`` from its file as Lambda does (``Handler:
  app.lambda_handler``); then, separately, what its first invocation prepares before its first request
  to AWS: its ``deps_from_environment()`` (ingest and reconcile create all their clients there, the DynamoDB
  one included), and for the Slack notifier everything its first post needs: the Secrets Manager client
  ``adapters.secrets`` makes (its first request reads the webhook's secret) and the webhook's urllib3
  pool and retry policy (urllib3 is botocore's; webhook mode never imports slack_sdk).
- ``baseline NAME``: ``import boto3`` (the layer's) and create the clients that function needs, nothing
  else.
- ``nothing NAME``: this script's own start and nothing more: under valgrind, what the interpreter costs
  before the measured part, which ``bench/run.py`` takes off both counts.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import resource
import sys
import time

MEASURING = "jobtrail-bench: measuring"
#: The AWS clients each function creates (the baseline creates the same).
CLIENTS = {
    "ingest": ("sagemaker", "dynamodb", "sqs", "sns"),
    "reconcile": ("sagemaker", "dynamodb", "sns"),
    "slack_notifier": ("secretsmanager",),
}


def function(name: str) -> dict[str, float]:
    started = time.perf_counter()
    app = os.path.join(os.environ["LAMBDA_TASK_ROOT"], "app.py")
    spec = importlib.util.spec_from_file_location(f"jobtrail_{name}_app", app)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    imported = time.perf_counter()
    module.deps_from_environment()
    if name == "slack_notifier":
        # What its first post prepares (adapters/slack.py, WebhookPoster.post): the secret's client, then
        # the webhook's pool and retry policy.
        secrets = importlib.import_module("jobtrail.adapters.secrets")
        importlib.import_module("boto3").client("secretsmanager", config=secrets.CLIENT_CONFIG)
        slack = importlib.import_module("jobtrail.adapters.slack")
        slack._webhook_pool()  # what the first post builds
        slack._webhook_retry()
    prepared = time.perf_counter()
    return {
        "import_s": imported - started,
        "init_s": prepared - imported,
        "rss_kb": _peak_rss_kb(),
        "modules": len(sys.modules),
    }


def baseline(name: str) -> dict[str, float]:
    started = time.perf_counter()
    import boto3  # noqa: PLC0415 - the import is what is being timed

    session = boto3.session.Session()
    for service in CLIENTS[name]:
        session.client(service)
    return {"import_s": time.perf_counter() - started, "rss_kb": _peak_rss_kb(), "modules": len(sys.modules)}


def nothing(name: str) -> dict[str, float]:
    return {"rss_kb": _peak_rss_kb(), "modules": len(sys.modules)}


def _peak_rss_kb() -> float:
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv: list[str]) -> int:
    kind, name = argv
    if sys.flags.no_site != 1:
        raise SystemExit("run with python -S: only the layer and the standard library may be importable")
    measure = {"function": function, "baseline": baseline, "nothing": nothing}[kind]
    print(MEASURING, file=sys.stderr, flush=True)  # for -X importtime: what follows is the measured part
    print(json.dumps(measure(name)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
