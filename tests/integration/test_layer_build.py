"""What the Lambda layer ships: the runtime and its requirements, nothing else, every module importable.

Two builds are checked:

- ``runtime_layer``: the layer's own recipe (``layers/jobtrail/Makefile``, the one ``sam build`` runs),
  run here for this machine into a fresh folder: ``requirements.txt`` installed into a clean target, the
  listed runtime paths copied, bytecode compiled. Then every shipped module is imported in a fresh
  ``python -S`` process that sees only that folder and the standard library, as Lambda sees
  ``/opt/python``. This runs in ``make test`` (about 10 s with pip's cache warm from ``make install``).
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

REPO = Path(__file__).resolve().parents[2]
LAYER_SOURCE = REPO / "layers" / "jobtrail"
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


def import_everything(layer: Path, *, tracing: bool) -> dict[str, object]:
    """Import every shipped jobtrail module in a fresh ``python -S`` that sees only ``layer``."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(layer),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "jobtrail",
        "POWERTOOLS_METRICS_NAMESPACE": "jobtrail",
    }
    if tracing:  # as in Lambda with the template's Tracing: Active: the X-Ray SDK is imported too
        environment["AWS_LAMBDA_FUNCTION_NAME"] = "jobtrail-IngestFunction"
    else:
        environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    completed = subprocess.run(
        [sys.executable, "-S", "-c", _IMPORT_ALL, str(layer)],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
        cwd=layer.parent,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


@pytest.mark.parametrize("tracing", [True, False], ids=["tracing-active", "tracing-off"])
def test_every_shipped_module_imports_with_only_the_layer(runtime_layer: Path, tracing: bool) -> None:
    result = import_everything(runtime_layer, tracing=tracing)
    assert result["failed"] == {}
    # Nothing came from outside the layer and the standard library (the repository, the venv)
    assert result["outside"] == []
    imported = set(result["imported"])  # type: ignore[arg-type]
    assert {"jobtrail.usecases.ingest", "jobtrail.adapters.history_store", "jobtrail.core.model"} <= imported


def test_the_layer_ships_the_runtime_and_no_cli_or_local_tooling(runtime_layer: Path) -> None:
    shipped = {
        ".".join(p.relative_to(runtime_layer).with_suffix("").parts)
        for p in (runtime_layer / "jobtrail").rglob("*.py")
    }
    wings = {name.split(".")[1] for name in shipped if name.count(".") >= 2}
    assert wings == {"core", "adapters", "usecases"}
    assert {"jobtrail.__init__", "jobtrail.observability"} <= shipped
    # `python -m jobtrail` is the CLI: it stays out of the layer
    assert "jobtrail.__main__" not in shipped
    top_level = {p.name for p in runtime_layer.iterdir()}
    assert top_level >= REQUIRED | {"jobtrail"}
    assert not top_level & FORBIDDEN


def test_sources_and_layer_agree_on_what_is_runtime(runtime_layer: Path) -> None:
    # Every runtime source module is shipped (a new module in core/adapters/usecases is not forgotten)
    sources = {
        p.relative_to(LAYER_SOURCE).as_posix()
        for p in (LAYER_SOURCE / "jobtrail").rglob("*.py")
        if p.name != "__main__.py"
    }
    shipped = {p.relative_to(runtime_layer).as_posix() for p in (runtime_layer / "jobtrail").rglob("*.py")}
    assert shipped == sources


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


def test_the_sam_build_ships_the_runtime_only(sam_build: Path) -> None:
    top_level = {p.name for p in sam_build.iterdir()}
    assert top_level >= REQUIRED | {"jobtrail"}
    assert not top_level & FORBIDDEN
    assert not (sam_build / "jobtrail" / "__main__.py").exists()
