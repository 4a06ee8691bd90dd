"""What ``sam build`` (``make build``) puts in the layer: arm64 wheels, and bytecode for every module.

A layer is read-only in Lambda, so a module shipped without bytecode is compiled on every cold start
(``make bench`` measures what that costs). The build is checked where ``make build`` leaves it; without
one these tests are skipped, and failed instead when ``JOBTRAIL_REQUIRE_BUILD=1`` (CI sets it).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILT = REPO / ".aws-sam" / "build" / "JobtrailLayer" / "python"
SOURCES = REPO / "layers" / "jobtrail" / "jobtrail"
#: ELF e_machine of 64-bit ARM (Lambda's arm64).
EM_AARCH64 = 183


@pytest.fixture(scope="module")
def layer() -> Path:
    if not BUILT.is_dir():
        if os.environ.get("JOBTRAIL_REQUIRE_BUILD") == "1":
            pytest.fail(f"{BUILT.relative_to(REPO)} is missing: run make build first")
        pytest.skip("no layer build here (make build)")
    return BUILT


def test_every_module_has_bytecode_that_ignores_timestamps(layer: Path) -> None:
    # Given every Python file in the built layer
    sources = sorted(layer.rglob("*.py"))
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


def test_native_extensions_are_built_for_arm64(layer: Path) -> None:
    extensions = sorted(layer.rglob("*.so"))
    # msgspec's decoder and wrapt (X-Ray's patching) are compiled extensions
    assert {path.name.split(".")[0] for path in extensions} >= {"_core", "_wrappers"}
    for path in extensions:
        header = path.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", path
        assert int.from_bytes(header[18:20], "little") == EM_AARCH64, path


def test_the_jobtrail_package_is_the_working_tree_and_nothing_else(layer: Path) -> None:
    built = {p.relative_to(layer / "jobtrail") for p in (layer / "jobtrail").rglob("*.py")}
    assert built == {p.relative_to(SOURCES) for p in SOURCES.rglob("*.py")}


def test_the_layer_holds_the_runtime_requirements_and_no_dev_tools(layer: Path) -> None:
    top_level = {p.name for p in layer.iterdir()}
    assert {"boto3", "botocore", "pynamodb", "aws_lambda_powertools", "aws_xray_sdk", "msgspec"} <= top_level
    assert {"slack_sdk", "jobtrail"} <= top_level
    # Not needed since the envelope is a msgspec Struct; dev tools never belong in the layer
    assert not top_level & {"pydantic", "pydantic_core", "moto", "pytest", "rich"}
