"""The code layout's rules (README, "Code layout"), checked on the source: who may import whom, and where
the environment is read and AWS clients are made.

Every import is found by walking the syntax tree of each module, lazy imports inside functions and
``TYPE_CHECKING`` blocks included, so a rule cannot be dodged by moving an import into a function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "layers" / "jobtrail" / "jobtrail"
CLI = REPO / "cli" / "jobtrail_cli"
LOCAL = REPO / "local" / "jobtrail_local"
FUNCTIONS = REPO / "functions"

#: Libraries that reach AWS or Slack: only adapters (and the composition roots) may import them.
SDKS = ("boto3", "botocore", "pynamodb", "slack_sdk", "aws_xray_sdk")
#: What only people and tests use: never imported by code that runs in Lambda.
NOT_IN_LAMBDA = ("jobtrail_cli", "jobtrail_local", "rich", "yaml", "moto", "pytest")


@dataclass(frozen=True)
class Module:
    path: Path
    name: str
    tree: ast.Module

    def imports(self) -> Iterator[tuple[int, str]]:
        """(line, imported module) for every import statement anywhere in the module."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield node.lineno, node.module
                for alias in node.names:  # `from jobtrail.adapters import sagemaker` names a module too
                    yield node.lineno, f"{node.module}.{alias.name}"

    def relative_imports(self) -> list[str]:
        return [
            f"{self.name}:{node.lineno} from {'.' * node.level}{node.module or ''}"
            for node in ast.walk(self.tree)
            if isinstance(node, ast.ImportFrom) and node.level > 0
        ]

    def ours_outside(self, *allowed: str) -> list[str]:
        """Imports of our own packages (``jobtrail``, ``jobtrail_cli``, ``jobtrail_local``) outside
        ``allowed``: an allow-list, so a new wing or package is refused until a rule admits it."""
        return sorted(
            {
                f"{self.name}:{line} imports {target}"
                for line, target in self.imports()
                if target.split(".")[0] in {"jobtrail", "jobtrail_cli", "jobtrail_local"}
                and not any(target == prefix or target.startswith(f"{prefix}.") for prefix in allowed)
            }
        )

    def reaches(self, *prefixes: str) -> list[str]:
        return sorted(
            {
                f"{self.name}:{line} imports {target}"
                for line, target in self.imports()
                if any(target == prefix or target.startswith(f"{prefix}.") for prefix in prefixes)
            }
        )


def modules_in(package: Path, root: Path) -> list[Module]:
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        name = ".".join(part for part in relative.parts if part != "__init__")
        found.append(Module(path, name, ast.parse(path.read_text(encoding="utf-8"))))
    assert found, f"no modules under {package}"
    return found


RUNTIME_MODULES = modules_in(RUNTIME, RUNTIME.parent)
CORE = [m for m in RUNTIME_MODULES if m.name.startswith("jobtrail.core")]
ADAPTERS = [m for m in RUNTIME_MODULES if m.name.startswith("jobtrail.adapters")]
USE_CASES = [m for m in RUNTIME_MODULES if m.name.startswith("jobtrail.usecases")]
#: The runtime package but ``__main__`` (the CLI's ``python -m``). The layer ships a listed part of it
#: (``history_queries`` stays out); ``tests/integration/test_layer_build.py`` checks exactly which.
SHIPPED = [m for m in RUNTIME_MODULES if m.name != "jobtrail.__main__"]
ROOTS = [
    Module(path, f"functions.{path.parent.name}.app", ast.parse(path.read_text(encoding="utf-8")))
    for path in sorted(FUNCTIONS.glob("*/app.py"))
]


def names(modules: list[Module]) -> list[str]:
    return [m.name for m in modules]


def test_the_wings_are_all_there() -> None:
    # A rule over an empty list would pass for nothing: each wing has its modules
    assert {"jobtrail.core.model", "jobtrail.core.history", "jobtrail.core.events"} <= set(names(CORE))
    assert {"jobtrail.adapters.history_store", "jobtrail.adapters.sagemaker"} <= set(names(ADAPTERS))
    assert {"jobtrail.usecases.ingest", "jobtrail.usecases.ports"} <= set(names(USE_CASES))
    assert [m.name for m in ROOTS] == [
        "functions.ingest.app",
        "functions.reconcile.app",
        "functions.slack_notifier.app",
    ]


@pytest.mark.parametrize("module", CORE, ids=names(CORE))
def test_the_core_imports_nothing_of_ours_but_the_core(module: Module) -> None:
    assert module.ours_outside("jobtrail.core") == []
    assert module.reaches(*SDKS, "aws_lambda_powertools", *NOT_IN_LAMBDA) == []


@pytest.mark.parametrize("module", ADAPTERS, ids=names(ADAPTERS))
def test_adapters_import_the_core_only(module: Module) -> None:
    assert module.ours_outside("jobtrail.core", "jobtrail.adapters") == []
    assert module.reaches(*NOT_IN_LAMBDA) == []


@pytest.mark.parametrize("module", USE_CASES, ids=names(USE_CASES))
def test_use_cases_talk_to_the_world_through_ports_only(module: Module) -> None:
    assert module.ours_outside("jobtrail.core", "jobtrail.usecases", "jobtrail.observability") == []
    assert module.reaches(*SDKS, *NOT_IN_LAMBDA) == []


@pytest.mark.parametrize("module", ROOTS, ids=names(ROOTS))
def test_the_roots_wire_the_runtime_and_make_clients_only_through_its_adapters(module: Module) -> None:
    assert module.ours_outside("jobtrail") == []
    assert module.reaches(*SDKS) == []
    assert client_creations(module) == []


ALL_OURS = RUNTIME_MODULES + ROOTS + modules_in(CLI, CLI.parent) + modules_in(LOCAL, LOCAL.parent)


@pytest.mark.parametrize("module", ALL_OURS, ids=names(ALL_OURS))
def test_imports_are_absolute(module: Module) -> None:
    # A relative import would slip past the rules above, which read module names
    assert module.relative_imports() == []


@pytest.mark.parametrize("module", SHIPPED + ROOTS, ids=names(SHIPPED + ROOTS))
def test_nothing_that_runs_in_lambda_imports_the_cli_or_local_tooling(module: Module) -> None:
    assert module.reaches(*NOT_IN_LAMBDA) == []


def test_local_tooling_does_not_import_the_cli() -> None:
    for module in modules_in(LOCAL, LOCAL.parent):
        assert module.reaches("jobtrail_cli") == []


def environment_reads(module: Module) -> list[str]:
    """``os.environ`` / ``os.getenv`` / ``environ`` from os, wherever they appear; ``import os as …``
    counts too (the alias would hide the rest from this check)."""
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found += [
                f"{module.name}:{node.lineno} import os as {a.asname}"
                for a in node.names
                if a.name == "os" and a.asname
            ]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            if node.attr in {"environ", "getenv", "environb", "putenv"}:
                found.append(f"{module.name}:{node.lineno} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{module.name}:{node.lineno} from os import {a.name}" for a in node.names]
    return found


def client_creations(module: Module) -> list[str]:
    """Calls that make an AWS client or session: ``*.client(...)``, ``*.resource(...)``, ``Session(...)``,
    botocore's ``get_session()`` and ``create_client(...)``."""
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            if called in {"client", "resource", "Session", "get_session", "create_client"}:
                found.append(f"{module.name}:{node.lineno} {called}(...)")
    return found


#: The one runtime module allowed to read the environment besides the composition roots: it sets up
#: Powertools (which reads POWERTOOLS_* itself) and decides whether the X-Ray SDK is imported at all.
READS_ENVIRONMENT = {"jobtrail.observability"}
#: The runtime modules that make clients, for the composition roots: the adapters on one botocore
#: session (it reads no environment; the roots hand it what they read), and in organization mode the
#: clients of each member place on that same session (member_access.PlaceClients, made by aws.py); and the
#: Slack notifier's Secrets Manager client (secrets.secrets_manager), which must not load aws.py's PynamoDB.
MAKES_CLIENTS = {"jobtrail.adapters.aws", "jobtrail.adapters.member_access", "jobtrail.adapters.secrets"}


@pytest.mark.parametrize("module", SHIPPED, ids=names(SHIPPED))
def test_only_the_composition_roots_read_the_environment_or_make_clients(module: Module) -> None:
    if module.name not in READS_ENVIRONMENT:
        assert environment_reads(module) == []
    if module.name not in MAKES_CLIENTS:
        assert client_creations(module) == []


def test_the_roots_alone_use_the_client_maker() -> None:
    users = {m.name for m in SHIPPED + ROOTS if m.reaches("jobtrail.adapters.aws")}
    # (the Slack notifier only for the routes document of SlackThreadAll, imported then)
    assert users == {"functions.ingest.app", "functions.reconcile.app", "functions.slack_notifier.app"}


def test_the_rules_see_what_they_forbid() -> None:
    # Each detector finds what it looks for in a module written to break every rule
    rogue = Module(
        Path("rogue.py"),
        "jobtrail.core.rogue",
        ast.parse(
            "import os as o\nfrom ..adapters import sagemaker\nimport jobtrail_cli\n"
            "from jobtrail.usecases import ingest\nx = o.environ\n"
            "def f(session):\n    return session.create_client('sqs')\n"
        ),
    )
    assert environment_reads(rogue)
    assert client_creations(rogue)
    assert rogue.relative_imports()
    assert rogue.ours_outside("jobtrail.core") == [
        "jobtrail.core.rogue:3 imports jobtrail_cli",
        "jobtrail.core.rogue:4 imports jobtrail.usecases",
        "jobtrail.core.rogue:4 imports jobtrail.usecases.ingest",
    ]
    # The detectors find the real thing in the composition roots (else the test above proves nothing)
    ingest = next(m for m in ROOTS if m.name == "functions.ingest.app")
    assert environment_reads(ingest)
    aws = next(m for m in SHIPPED if m.name == "jobtrail.adapters.aws")
    assert [c for c in client_creations(aws) if "client(" in c]
    assert [c for c in client_creations(aws) if "Session(" in c]
    assert ingest.reaches("jobtrail.adapters")


CLI_MODULES = modules_in(CLI, CLI.parent)
#: The CLI's composition root: the one CLI module that reads the environment and makes sessions and clients.
CLI_ROOT = "jobtrail_cli.wiring"


@pytest.mark.parametrize("module", CLI_MODULES, ids=names(CLI_MODULES))
def test_only_the_cli_composition_root_reads_the_environment_or_makes_clients(module: Module) -> None:
    if module.name != CLI_ROOT:
        assert environment_reads(module) == []
        assert client_creations(module) == []


def test_the_cli_rule_sees_what_it_forbids() -> None:
    # The rule runs over the CLI's modules, commands included, and finds the real thing in the root
    assert {CLI_ROOT, "jobtrail_cli.entry", "jobtrail_cli.commands.queries"} <= set(names(CLI_MODULES))
    root = next(m for m in CLI_MODULES if m.name == CLI_ROOT)
    assert environment_reads(root)
    assert [c for c in client_creations(root) if "client(" in c]
    assert [c for c in client_creations(root) if "Session(" in c]


LOCAL_MODULES = modules_in(LOCAL, LOCAL.parent)
#: Local tooling that may read the environment, and why: the demo is its process's composition root
#: (``demo_slack``, its Slack side, with it: it sets the notifier's environment as the template does);
#: ``local_stack`` owns local runs' settings (``JOBTRAIL_HOME``, the fake credentials it sets);
#: ``dynamodb_local`` honours ``JOBTRAIL_DYNAMODB_LOCAL_JAR``, the one user setting of the local engine.
LOCAL_READS_ENVIRONMENT = {
    "jobtrail_local.demo",
    "jobtrail_local.demo_slack",
    "jobtrail_local.local_stack",
    "jobtrail_local.dynamodb_local",
}
#: The local modules that make AWS clients: the demo, its process's composition root, and its Slack side;
#: ``organization``, whose clients are a moto account's own (``client_in``: a role assumed there).
#: The rest are handed clients (``table_schema.create_history_table(client, …)``, ``TableStream``).
LOCAL_MAKES_CLIENTS = {"jobtrail_local.demo", "jobtrail_local.demo_slack", "jobtrail_local.organization"}


@pytest.mark.parametrize("module", LOCAL_MODULES, ids=names(LOCAL_MODULES))
def test_local_tooling_reads_the_environment_and_makes_clients_in_few_places(module: Module) -> None:
    if module.name not in LOCAL_READS_ENVIRONMENT:
        assert environment_reads(module) == []
    if module.name not in LOCAL_MAKES_CLIENTS:
        # botocore's service models (``get_session().get_service_model``) are data, not a client
        assert [c for c in client_creations(module) if "get_session" not in c] == []


def test_the_local_rule_sees_what_it_forbids() -> None:
    demo = next(m for m in LOCAL_MODULES if m.name == "jobtrail_local.demo")
    assert environment_reads(demo)
    assert [c for c in client_creations(demo) if "client(" in c]


UI_MODULES = [m for m in CLI_MODULES if m.name.startswith("jobtrail_cli.ui")]
#: What writes the history table: the store ingest writes with, the migration, the use cases.
WRITERS = ("jobtrail.adapters.history_store", "jobtrail.adapters.history_migration", "jobtrail.usecases")


def attribute_calls(module: Module, names: set[str]) -> list[str]:
    """Calls of ``<anything>.<name>(...)`` for ``name`` in ``names``, wherever they appear."""
    return [
        f"{module.name}:{node.lineno} .{node.func.attr}(...)"
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names
    ]


@pytest.mark.parametrize("module", UI_MODULES, ids=names(UI_MODULES))
def test_the_ui_only_reads_the_table(module: Module) -> None:
    # `jobtrail ui` never writes: it reaches no writer, and asks the wiring for no store that writes
    assert module.reaches(*WRITERS) == []
    assert attribute_calls(module, {"store", "migration"}) == []


def test_only_the_ui_command_loads_the_ui() -> None:
    # Flask is imported by `jobtrail ui` alone: the other commands, and `--help`, never load it
    ui = {m.name for m in UI_MODULES}
    loaders = {m.name for m in CLI_MODULES if m.reaches("jobtrail_cli.ui", "flask", "werkzeug")}
    assert loaders - ui == {"jobtrail_cli.commands.ui"}
    assert ui >= {"jobtrail_cli.ui.app", "jobtrail_cli.ui.pages", "jobtrail_cli.ui.charts"}
    backfill = next(m for m in CLI_MODULES if m.name == "jobtrail_cli.commands.backfill")
    assert attribute_calls(backfill, {"store"})  # the detector finds a writer's store where there is one
