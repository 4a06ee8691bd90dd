"""One cold import, in a fresh process (``bench/run.py`` starts it many times, with a Lambda-like
environment): prints a JSON line with the seconds it took.

- ``function NAME``: import ``functions/NAME/app.py`` from its file as Lambda does (``Handler:
  app.lambda_handler``); then, separately, what its first invocation prepares before its first request
  to AWS: ``deps_from_environment()`` (ingest and reconcile create all their clients there), and for the
  Slack notifier also the Secrets Manager client Powertools parameters creates and the slack_sdk import.
- ``baseline NAME``: ``import boto3`` and create the clients that function needs, nothing else.

Both run as in the Lambda layer: every installed distribution that ``layers/jobtrail/requirements.txt``
does not pull in (dev tools, moto, and optional accelerators such as awscrt or pyOpenSSL that botocore
and urllib3 load whenever they are present) is hidden first, so it cannot be imported.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import resource
import sys
import time
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS = REPO / "functions"
LAYER_REQUIREMENTS = REPO / "layers" / "jobtrail" / "requirements.txt"
#: The layer's own package (installed editable here, shipped as source in the layer).
LAYER_PACKAGE = "jobtrail"
MEASURING = "jobtrail-bench: measuring"
#: The AWS clients each function creates (the baseline creates the same).
CLIENTS = {
    "ingest": ("sagemaker", "dynamodb", "sqs", "sns"),
    "reconcile": ("sagemaker", "dynamodb", "sqs", "sns"),
    "slack_notifier": ("secretsmanager",),
}
#: Where each function's ``deps_from_environment()`` lives (none of them calls AWS).
DEPS = {
    "ingest": "jobtrail.ingest",
    "reconcile": "jobtrail.reconcile",
    "slack_notifier": "jobtrail.slack_notifier",
}


def function(name: str) -> dict[str, float]:
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location(f"jobtrail_{name}_app", FUNCTIONS / name / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    imported = time.perf_counter()
    importlib.import_module(DEPS[name]).deps_from_environment()
    if name == "slack_notifier":
        # What its first post does before calling AWS: the secret's client, then Slack's webhook client.
        importlib.import_module("aws_lambda_powertools.utilities.parameters").SecretsProvider()
        importlib.import_module("slack_sdk.webhook")
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


def layer_distributions() -> set[str]:
    """The distributions the layer installs: its requirements and, recursively, their dependencies."""
    lines = LAYER_REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    pending = [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        extras = requirement.extras or {""}
        for text in requires:
            dependency = Requirement(text)
            marker = dependency.marker
            if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(dependency)
    return names


def hide_what_the_layer_lacks() -> int:
    """Make every top-level module of a distribution outside the layer unimportable; returns how many."""
    allowed = layer_distributions()
    hidden = 0
    for module, distributions in metadata.packages_distributions().items():
        if module == LAYER_PACKAGE or module in sys.modules:
            continue
        if not any(canonicalize_name(d) in allowed for d in distributions):
            sys.modules[module] = None  # type: ignore[assignment] - "import module" now raises ImportError
            hidden += 1
    return hidden


def _peak_rss_kb() -> float:
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv: list[str]) -> int:
    kind, name = argv
    hidden = hide_what_the_layer_lacks()
    measure = function if kind == "function" else baseline
    print(MEASURING, file=sys.stderr, flush=True)  # for -X importtime: what follows is the measured part
    print(json.dumps({**measure(name), "hidden_modules": hidden}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
