"""What the Lambda layer ships: the runtime and its requirements, nothing else, every module importable.

Two builds are checked:

- ``runtime_layer``: the layer's own recipe (``layers/jobtrail/Makefile``, the one ``sam build`` runs),
  run here for this machine into a fresh folder: ``requirements.txt`` installed into a clean target, the
  listed runtime paths copied, bytecode compiled. Then every shipped module is imported in a fresh
  ``python -S`` process that sees only that folder and the standard library, as Lambda sees
  ``/opt/python``, and each function's ``app.py`` is loaded there with its dependencies built: the
  ``jobtrail`` modules they load must be exactly the ones shipped. This runs in ``make test`` (about 5 s
  with pip's cache warm from ``make install``; the tests share one xdist worker, so it is built once).
- ``sam_build``: what ``make build`` left in ``.aws-sam`` for arm64 (bytecode, aarch64 extensions).
  Skipped without a build, failed instead when ``JOBTRAIL_REQUIRE_BUILD=1`` (``.ci/run`` builds first).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: One worker builds the layer once for every test here (``make test`` runs ``--dist loadgroup``).
pytestmark = pytest.mark.xdist_group("layer")

REPO = Path(__file__).resolve().parents[2]
LAYER_SOURCE = REPO / "layers" / "jobtrail"
FUNCTIONS = sorted(path.parent for path in (REPO / "functions").glob("*/app.py"))
#: Stand-ins for what the template sets: building the dependencies reads them and calls nothing.
FUNCTION_ENVIRONMENT = {
    "JOBTRAIL_TABLE": "jobtrail-HistoryTable-EXAMPLE",
    "JOBTRAIL_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/jobtrail-dlq",
    "JOBTRAIL_ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:jobtrail-AlertTopic",
    "JOBTRAIL_SLACK_WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf",
    "AWS_ACCESS_KEY_ID": "layertest",
    "AWS_SECRET_ACCESS_KEY": "layertest",
}
BUILT = REPO / ".aws-sam" / "build" / "JobtrailLayer" / "python"
#: ELF e_machine of 64-bit ARM (Lambda's arm64).
EM_AARCH64 = 183
#: What the layer's requirements bring; what must never be in it.
REQUIRED = {"boto3", "botocore", "pynamodb", "aws_lambda_powertools", "aws_xray_sdk", "msgspec", "slack_sdk"}
FORBIDDEN = {"pydantic", "pydantic_core", "moto", "pytest", "rich", "yaml", "jobtrail_cli", "jobtrail_local"}

_IMPORT_ALL = """
import importlib, json, pathlib, sys
root = pathlib.Path(sys.argv[1])
failed, imported = {}, []
for path in sorted((root / "jobtrail").rglob("*.py")):
    name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
    try:
        importlib.import_module(name)
    except BaseException as error:
        failed[name] = f"{type(error).__name__}: {error}"
    else:
        imported.append(name)
outside = sorted(
    name for name, module in sys.modules.items()
    if getattr(module, "__file__", None) and not module.__file__.startswith((str(root), sys.base_prefix))
)
print(json.dumps({"imported": imported, "failed": failed, "outside": outside}))
"""

_LOAD_FUNCTION = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
app.deps_from_environment()
print(json.dumps(sorted(name for name in sys.modules if name == "jobtrail" or name.startswith("jobtrail."))))
"""


@pytest.fixture(scope="module")
def runtime_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer built by its Makefile for this machine (wheels for this platform, not arm64)."""
    if sys.version_info[:2] != (3, 13):
        pytest.skip(f"the layer recipe needs Python 3.13 (its bytecode must match); this is {sys.version}")
    artifacts = tmp_path_factory.mktemp("layer")
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(LAYER_SOURCE),
            "build-JobtrailLayer",
            f"ARTIFACTS_DIR={artifacts}",
            f"LAYER_PYTHON={sys.executable}",
            "LAYER_PLATFORM=",
        ],
        check=True,
        capture_output=True,
    )
    return artifacts / "python"


def in_lambda_python(
    layer: Path,
    script: str,
    *args: str,
    tracing: bool,
    path: Path | None = None,
    variables: dict[str, str] | None = None,
) -> object:
    """Run ``script`` in a fresh ``python -S`` that sees only ``layer`` (and ``path``), as Lambda sees
    ``/opt/python`` (and ``/var/task``), with the function's ``variables`` besides the usual ones;
    returns the JSON it prints."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(str(p) for p in (path, layer) if p is not None),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "jobtrail",
        "POWERTOOLS_METRICS_NAMESPACE": "jobtrail",
        **FUNCTION_ENVIRONMENT,
        **(variables or {}),
    }
    if tracing:  # as in Lambda with the template's Tracing: Active: the X-Ray SDK is imported too
        environment["AWS_LAMBDA_FUNCTION_NAME"] = "jobtrail-IngestFunction"
    else:
        environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    completed = subprocess.run(
        [sys.executable, "-S", "-c", script, *args],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
        cwd=layer.parent,
    )
    return json.loads(completed.stdout)


def shipped_modules(layer: Path) -> set[str]:
    """The jobtrail modules in ``layer`` by import name (packages by their own name)."""
    return {
        ".".join(path.relative_to(layer).with_suffix("").parts).removesuffix(".__init__")
        for path in (layer / "jobtrail").rglob("*.py")
    }


@pytest.mark.parametrize("tracing", [True, False], ids=["tracing-active", "tracing-off"])
def test_every_shipped_module_imports_with_only_the_layer(runtime_layer: Path, tracing: bool) -> None:
    result = in_lambda_python(runtime_layer, _IMPORT_ALL, str(runtime_layer), tracing=tracing)
    assert isinstance(result, dict)
    assert result["failed"] == {}
    # Nothing came from outside the layer and the standard library (the repository, the venv)
    assert result["outside"] == []
    imported = set(result["imported"])  # type: ignore[arg-type]
    assert {"jobtrail.usecases.ingest", "jobtrail.adapters.history_store", "jobtrail.core.model"} <= imported


def test_the_layer_ships_exactly_what_the_functions_load(runtime_layer: Path) -> None:
    # Given each function's app.py loaded from the built layer, its dependencies built from its environment
    loaded: set[str] = set()
    for function in FUNCTIONS:
        names = in_lambda_python(
            runtime_layer, _LOAD_FUNCTION, str(function / "app.py"), tracing=True, path=function
        )
        assert isinstance(names, list)
        loaded |= set(names)
    # (and the Slack notifier in app mode too: webhook mode leaves app mode's modules unimported)
    notifier = REPO / "functions" / "slack_notifier"
    app, mode = str(notifier / "app.py"), APP_MODE
    names = in_lambda_python(runtime_layer, _LOAD_FUNCTION, app, tracing=True, path=notifier, variables=mode)
    assert isinstance(names, list)
    loaded |= set(names)
    # (and ingest and reconcile in organization mode: a whole organization's, which reads its accounts)
    for function in FUNCTIONS[:2]:
        names = in_lambda_python(
            runtime_layer, _LOAD_FUNCTION, str(function / "app.py"), tracing=True, path=function,
            variables=ORGANIZATION_MODE,
        )  # fmt: skip
        assert isinstance(names, list)
        loaded |= set(names)
    # Then together they load every shipped jobtrail module, and nothing else of ours is shipped
    assert len(FUNCTIONS) == 3
    assert loaded == shipped_modules(runtime_layer)


BOT_TOKEN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-bot-AbCdEf"
#: Ingest's and reconcile's environment in organization mode, members the whole organization.
ORGANIZATION_MODE = {"JOBTRAIL_HOME_ACCOUNT": "123456789012", "JOBTRAIL_ORGANIZATION_ID": "o-abc123defg"}
#: The notifier's environment in Slack app mode (bot token, channel; the table from the globals).
APP_MODE = {
    "JOBTRAIL_SLACK_BOT_TOKEN_SECRET_ARN": BOT_TOKEN_SECRET,
    "JOBTRAIL_SLACK_CHANNEL": "#ml-alerts",
    "JOBTRAIL_SLACK_THREAD_ALL": "true",
}


def test_the_slack_notifier_builds_its_app_mode_from_the_layer(runtime_layer: Path) -> None:
    # Given the notifier's environment in Slack app mode (bot token, channel; the table from the globals)
    function = REPO / "functions" / "slack_notifier"
    names = in_lambda_python(
        runtime_layer,
        _LOAD_FUNCTION,
        str(function / "app.py"),
        tracing=True,
        path=function,
        variables=APP_MODE,
    )
    # Then its dependencies build with the layer alone, the thread store and use case among them
    assert isinstance(names, list)
    assert {"jobtrail.adapters.slack_threads", "jobtrail.usecases.slack_threads"} <= set(names)


def test_the_layer_holds_the_requirements_and_no_cli_or_local_tooling(runtime_layer: Path) -> None:
    shipped = shipped_modules(runtime_layer)
    assert {name for name in shipped if name.count(".") <= 1 and "." in name} == {
        "jobtrail.observability",
        "jobtrail.core",
        "jobtrail.adapters",
        "jobtrail.usecases",
    }
    # `python -m jobtrail` is the CLI, and the CLI's listings are not the functions': both stay out
    assert "jobtrail.__main__" not in shipped
    assert "jobtrail.adapters.history_queries" not in shipped
    top_level = {p.name for p in runtime_layer.iterdir()}
    assert top_level >= REQUIRED | {"jobtrail"}
    assert not top_level & FORBIDDEN


# -- what `make build` (sam build, arm64) left in .aws-sam ----------------------------------------------


@pytest.fixture(scope="module")
def sam_build() -> Path:
    if not BUILT.is_dir():
        if os.environ.get("JOBTRAIL_REQUIRE_BUILD") == "1":
            pytest.fail(f"{BUILT.relative_to(REPO)} is missing: run make build first")
        pytest.skip("no sam build here (make build)")
    return BUILT


def test_every_module_has_bytecode_that_ignores_timestamps(sam_build: Path) -> None:
    # Given every Python file in the built layer
    sources = sorted(sam_build.rglob("*.py"))
    assert len(sources) > 500  # boto3, botocore, Powertools, PynamoDB, jobtrail...
    missing, stale = [], []
    for source in sources:
        # Then its bytecode sits beside it, for this Python (3.13), unchecked-hash based: valid whatever
        # timestamps the zip keeps (flags 0b01: hash-based, source not checked)
        compiled = Path(importlib.util.cache_from_source(str(source)))
        if not compiled.exists():
            missing.append(source)
            continue
        header = compiled.read_bytes()[:8]
        if header[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(header[4:8], "little") != 1:
            stale.append(source)
    assert missing == []
    assert stale == []


def test_native_extensions_are_built_for_arm64(sam_build: Path) -> None:
    extensions = sorted(sam_build.rglob("*.so"))
    # msgspec's decoder and wrapt (X-Ray's patching) are compiled extensions
    assert {path.name.split(".")[0] for path in extensions} >= {"_core", "_wrappers"}
    for path in extensions:
        header = path.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", path
        assert int.from_bytes(header[18:20], "little") == EM_AARCH64, path


def test_the_sam_build_ships_the_same_runtime_as_the_recipe(sam_build: Path, runtime_layer: Path) -> None:
    top_level = {p.name for p in sam_build.iterdir()}
    assert top_level >= REQUIRED | {"jobtrail"}
    assert not top_level & FORBIDDEN
    # A stale or partial .aws-sam differs from what the layer's recipe makes of the working tree now: CI
    # (which builds first) fails on it; elsewhere an old `make build` is only reported
    stale = [
        str(path.relative_to(runtime_layer))
        for path in (runtime_layer / "jobtrail").rglob("*.py")
        if not (sam_build / path.relative_to(runtime_layer)).is_file()
        or (sam_build / path.relative_to(runtime_layer)).read_bytes() != path.read_bytes()
    ]
    extra = sorted(shipped_modules(sam_build) - shipped_modules(runtime_layer))
    if (stale or extra) and os.environ.get("JOBTRAIL_REQUIRE_BUILD") != "1":
        pytest.skip(
            f".aws-sam is older than the sources ({len(stale) + len(extra)} modules differ): make build"
        )
    assert stale == []
    assert extra == []
