"""The CLI installs on its own (``pip install .``, ``pipx install .``) for people who only query a deployed
stack: the wheel's base dependencies are all it needs, without the ``demo`` or ``dev`` extras.

The wheel is built from a copy of the sources (pip's isolated build: setuptools from pip's cache, as
``make install`` left it) and installed with ``--no-deps`` into a fresh folder; a ``python -S`` process
then sees that folder and this virtualenv's site-packages, with every module outside the base
dependencies' closure refused at import, as if not installed. About 9 s in all (2.5 s building the wheel,
then a fresh process per command); a real ``pip install .`` into a new virtualenv takes 6 to 9 s with
pip's cache warm, and needs an index on a new machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
#: What the wheel is built from: the packaging files and the three packages (layers/, cli/, local/).
SOURCES = (
    "pyproject.toml",
    "README.md",
    "layers/jobtrail/jobtrail",
    "cli/jobtrail_cli",
    "local/jobtrail_local",
)
OURS = {"jobtrail", "jobtrail_cli", "jobtrail_local"}
#: Only the demo, local tooling and the tests use these: a plain install has none of them.
NOT_FOR_QUERIES = {"yaml", "moto", "slack_sdk", "aws_xray_sdk", "pytest"}

#: Run in the installed folder with only the base dependencies importable: argv[1] is the JSON list of
#: refused top-level modules, argv[2] what to do: "import-all", or the JSON list of a `python -m jobtrail`
#: command's arguments.
_ONLY_BASE = """
import importlib, importlib.abc, json, pkgutil, runpy, sys

refused = set(json.loads(sys.argv[1]))

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in refused:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
if sys.argv[2] == "import-all":
    import jobtrail, jobtrail_cli
    names = ["jobtrail_local.local_stack"]  # what --local uses of the local tooling
    for package in (jobtrail, jobtrail_cli):
        modules = pkgutil.walk_packages(package.__path__, package.__name__ + ".")
        names += [m.name for m in modules if m.name != "jobtrail.__main__"]  # it runs the CLI: below
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException as error:
            failed[name] = f"{type(error).__name__}: {error}"
    print(json.dumps({"imported": len(names), "failed": failed, "loaded": sorted(sys.modules)}))
else:
    # python -m jobtrail ARGS
    sys.argv = ["jobtrail", *json.loads(sys.argv[2])]
    runpy.run_module("jobtrail", run_name="__main__", alter_sys=True)
"""


def _base_requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        headers = Parser().parsestr(archive.read(name).decode())
    requirements = [Requirement(text) for text in headers.get_all("Requires-Dist") or []]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]


def _closure(requirements: list[Requirement]) -> set[str]:
    """The distributions these requirements bring, transitively (extras included where asked)."""
    seen: set[str] = set()
    pending = [(r.name, frozenset(r.extras)) for r in requirements]
    while pending:
        name, extras = pending.pop()
        key = canonicalize_name(name)
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            environments = [{"extra": e} for e in (*extras, "")]
            if requirement.marker is None or any(requirement.marker.evaluate(e) for e in environments):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return seen


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], set[str]]:
    """(the folder the wheel went into, the top-level modules refused, the base distributions)."""
    source = tmp_path_factory.mktemp("source")
    for relative in SOURCES:
        origin, copy = REPO / relative, source / relative
        if origin.is_dir():
            shutil.copytree(origin, copy, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(origin, copy)
    wheels, target = tmp_path_factory.mktemp("wheels"), tmp_path_factory.mktemp("installed")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("jobtrail-*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-compile", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    base = _closure(_base_requirements(wheel))
    refused = sorted(
        top
        for top, distributions in metadata.packages_distributions().items()
        if top not in OURS and not any(canonicalize_name(d) in base for d in distributions)
    )
    return target, refused, base


def _run(installed: tuple[Path, list[str], set[str]], what: str) -> subprocess.CompletedProcess[str]:
    target, refused, _ = installed
    path = [str(target), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return subprocess.run(
        [sys.executable, "-S", "-c", _ONLY_BASE, json.dumps(refused), what],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": os.pathsep.join(dict.fromkeys(path)), "COLUMNS": "100", **_aws_environment()},
        timeout=60,
        check=False,
    )


def _aws_environment() -> dict[str, str]:
    """The tests' fake AWS settings (conftest), and nothing else of this process's environment."""
    return {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "NO_PROXY", "no_proxy", "HOME"))}


def test_the_base_dependencies_leave_out_the_demo_and_test_tools(
    installed: tuple[Path, list[str], set[str]],
) -> None:
    _, refused, base = installed
    assert {"boto3", "pynamodb", "rich", "argcomplete", "msgspec", "aws-lambda-powertools", "flask"} <= base
    assert set(refused) >= NOT_FOR_QUERIES


def test_every_cli_module_imports_with_the_base_dependencies_alone(
    installed: tuple[Path, list[str], set[str]],
) -> None:
    result = _run(installed, "import-all")
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["failed"] == {}
    assert report["imported"] > 30
    assert not NOT_FOR_QUERIES & {name.partition(".")[0] for name in report["loaded"]}
    # And the modules come from the wheel, not from the working tree
    target = installed[0]
    assert (target / "jobtrail_cli" / "commands" / "completion.py").is_file()
    assert (target / "jobtrail_cli" / "timezone.py").is_file()
    # `jobtrail ui`'s templates and stylesheet are package data: in the wheel, beside its modules
    ui = target / "jobtrail_cli" / "ui"
    shipped = sorted(str(path.relative_to(ui)) for path in ui.rglob("*") if path.suffix in {".html", ".css"})
    source = REPO / "cli" / "jobtrail_cli" / "ui"
    assert shipped == sorted(
        str(p.relative_to(source)) for p in source.rglob("*") if p.suffix in {".html", ".css"}
    )
    assert "templates/job.html" in shipped


def test_the_console_script_is_declared(installed: tuple[Path, list[str], set[str]]) -> None:
    (entry_points,) = installed[0].glob("jobtrail-*.dist-info/entry_points.txt")
    assert re.search(r"^jobtrail = jobtrail_cli:main$", entry_points.read_text(), re.MULTILINE)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["jobs", "--help"],
        ["ui", "--help"],
        ["--version"],
        ["completion", "bash"],
        ["completion", "fish"],
    ],
)
def test_help_version_and_completion_scripts_work(
    installed: tuple[Path, list[str], set[str]], argv: list[str]
) -> None:
    result = _run(installed, json.dumps(argv))
    assert (result.returncode, result.stderr) == (0, "")
    assert "jobtrail" in result.stdout


def test_the_demo_says_in_one_line_what_it_needs(installed: tuple[Path, list[str], set[str]]) -> None:
    result = _run(installed, json.dumps(["demo", "--json"]))
    assert result.returncode == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("jobtrail: jobtrail demo ")


@pytest.mark.dynamodb_local
def test_queries_run_with_the_base_dependencies_alone(
    installed: tuple[Path, list[str], set[str]], ddb_local_table: Any
) -> None:
    where = ["--table", ddb_local_table.name, "--endpoint-url", ddb_local_table.endpoint_url]
    listed = _run(installed, json.dumps([*where, "jobs", "--json"]))
    assert (listed.returncode, listed.stderr, listed.stdout) == (0, "", "[]\n")
    table = _run(installed, json.dumps([*where, "--tz", "Europe/Paris", "alerts"]))
    assert (table.returncode, table.stderr) == (0, "")
    assert "No alerts in table" in table.stdout
    unknown = _run(installed, json.dumps([*where, "show", "no-such-job"]))
    assert unknown.returncode == 1
    assert len(unknown.stderr.splitlines()) == 1
