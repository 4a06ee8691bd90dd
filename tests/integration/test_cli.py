"""The ``jobtrail`` CLI against DynamoDB Local, filled by replaying events/' training-job lifecycles (the
other kinds: ``test_cli_kinds``)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_process import SOURCE_PATH, run_jobtrail, run_on
from fakes import FakeWorld
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.usecases.ingest import handle_batch
from jobtrail_cli import main, render
from jobtrail_cli.commands import queries
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from jobtrail_local.table_schema import create_history_table
from rich.console import Console

pytestmark = pytest.mark.dynamodb_local

SUMMARY_KEYS = {
    "job_name", "job_arn", "status", "secondary_status", "failure_reason", "creation_time",
    "training_start_time", "training_end_time", "last_modified_time", "training_time_seconds",
    "billable_time_seconds", "spot_savings_percent", "tuning_job_arn", "instance_type", "instance_count",
}  # fmt: skip
#: The lifecycles of events/ this module replays: training jobs only, whose Describe answers ``all_jobs``
#: reads (events/ gains lifecycles of the other kinds).
TRAINING_LIFECYCLES = (
    "completed", "failed", "failed-capacity", "max-runtime", "spot-interrupted", "stopped", "tuning",
)  # fmt: skip
NO_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
REPO = Path(__file__).resolve().parents[2]
#: No region anywhere: empty variables (botocore would build "https://dynamodb..amazonaws.com") and no file.
NO_REGION = {"AWS_DEFAULT_REGION": "", "AWS_REGION": "", "AWS_CONFIG_FILE": "/nonexistent/jobtrail-test"}


@pytest.fixture(scope="module")
def table(dynamodb_local: DynamoDBLocal) -> Iterator[dict[str, str]]:
    """A table holding the training lifecycles' jobs, recorded through ingest."""
    name = f"jobtrail-cli-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb_local.endpoint_url)
    create_history_table(client, name)
    world = FakeWorld(through_boto3=True)
    world.histories = HistoryStore(name, region="us-east-1", host=dynamodb_local.endpoint_url)  # type: ignore[assignment]
    for lifecycle in map(load_lifecycle, TRAINING_LIFECYCLES):
        for step in lifecycle.steps:
            world.script.advance(step)
            assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
    yield {"name": name, "endpoint": dynamodb_local.endpoint_url}
    client.delete_table(TableName=name)


def run(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_on(table, *args, capsys=capsys)


def run_json(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> Any:
    code, out, err = run(table, *args, "--json", capsys=capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def all_jobs() -> dict[str, dict[str, Any]]:
    """Every job in events/ with its final DescribeTrainingJob answer."""
    return {
        job: lifecycle.final_describe(job)
        for lifecycle in map(load_lifecycle, TRAINING_LIFECYCLES)
        for job in lifecycle.job_names
    }


def test_jobs_lists_every_job_newest_first_from_an_index(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with count_aws_calls() as calls:
        jobs = run_json(table, "jobs", capsys=capsys)
    expected = sorted(all_jobs().values(), key=lambda d: d["CreationTime"], reverse=True)
    assert [j["job_name"] for j in jobs] == [d["TrainingJobName"] for d in expected]
    assert all(set(j) >= SUMMARY_KEYS for j in jobs)
    assert calls["dynamodb.Query"] >= 1
    assert calls["dynamodb.Scan"] == 0


@pytest.mark.parametrize("status", ["Failed", "MaxRuntimeExceeded", "Stopped", "Interrupted", "InProgress"])
def test_jobs_filters_by_status_or_secondary_status(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], status: str
) -> None:
    expected = {
        job
        for lifecycle in map(load_lifecycle, TRAINING_LIFECYCLES)
        for job, outcome in lifecycle.expected.items()
        if status in {outcome.status, outcome.secondary_status}
    }
    jobs = run_json(table, "jobs", "--status", status, capsys=capsys)
    assert {j["job_name"] for j in jobs} == expected
    if status in {"Failed", "Stopped", "MaxRuntimeExceeded"}:
        assert expected, "the fixtures hold jobs in this state"


def test_jobs_filters_by_tuning_job_and_time_and_limit(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    children = run_json(table, "jobs", "--tuning-job", "xgb-tune-1120", capsys=capsys)
    assert {j["job_name"] for j in children} == {n for n in all_jobs() if n.startswith("xgb-tune-1120-")}
    assert all(j["tuning_job_arn"].endswith("/xgb-tune-1120") for j in children)
    # the tuning job's ARN, as `show` prints it, finds the same children
    assert run_json(table, "jobs", "--tuning-job", children[0]["tuning_job_arn"], capsys=capsys) == children
    # --since/--until bound creation time; --limit keeps the newest
    everything = run_json(table, "jobs", capsys=capsys)
    middle = everything[len(everything) // 2]["creation_time"]
    newer = run_json(table, "jobs", "--since", middle, capsys=capsys)
    older = run_json(table, "jobs", "--until", middle, capsys=capsys)
    assert all(j["creation_time"] >= middle for j in newer)
    assert all(j["creation_time"] <= middle for j in older)
    assert len(newer) + len(older) == len(everything) + 1
    assert run_json(table, "jobs", "--limit", "2", capsys=capsys) == everything[:2]


def test_status_is_any_case_and_a_date_alone_until_means_its_end(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the jobs as listed
    everything = run_json(table, "jobs", capsys=capsys)
    # When the status is typed in another case / Then the same jobs come back
    assert run_json(table, "jobs", "--status", "failed", capsys=capsys) == run_json(
        table, "jobs", "--status", "Failed", capsys=capsys
    )
    # When --until is the newest job's creation date / Then that job, created later that day, is in
    newest = everything[0]
    day = newest["creation_time"][:10]
    assert newest in run_json(table, "jobs", "--until", day, capsys=capsys)
    assert newest not in run_json(table, "jobs", "--until", f"{day}T00:00:00", capsys=capsys)


def test_json_into_a_reader_that_stops_early_ends_quietly(table: dict[str, str]) -> None:
    # Given the CLI writing JSON into a pipe whose reader has already gone (`jobtrail jobs --json | head`)
    environment = {**os.environ, "PYTHONPATH": SOURCE_PATH}
    where = ["--table", table["name"], "--endpoint-url", table["endpoint"]]
    process = subprocess.Popen(
        [sys.executable, "-m", "jobtrail", *where, "jobs", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, errors = process.communicate(timeout=60)
    # Then it exits as a Unix tool killed by SIGPIPE would, with nothing on stderr
    assert (process.returncode, errors) == (141, b"")


def test_show_gives_the_summary_and_exact_final_metrics(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    lifecycle = load_lifecycle("completed")
    job = lifecycle.job_names[0]
    code, out, _ = run(table, "show", job, "--json", capsys=capsys)
    shown = json.loads(out)
    truth = record_from_describe(lifecycle.final_describe(job))
    assert code == 0
    assert SUMMARY_KEYS | {"final_metrics"} <= set(shown)
    assert shown["status"] == "Completed"
    assert shown["creation_time"].endswith("+00:00")
    assert len(shown["creation_time"]) == len("2026-11-20T10:00:00.123+00:00")
    assert [(m["name"], m["value"]) for m in shown["final_metrics"]] == [
        (m.name, m.value) for m in truth.final_metrics
    ]
    # -0.0 and 3e-07 survive all the way to the printed JSON
    assert [repr(m["value"]) for m in shown["final_metrics"]] == [repr(m.value) for m in truth.final_metrics]
    assert "-0.0" in out
    assert "3e-07" in out


def test_show_of_a_spot_job_reports_its_savings(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    lifecycle = load_lifecycle("spot-interrupted")
    shown = run_json(table, "show", lifecycle.job_names[0], capsys=capsys)
    expected = lifecycle.expected[lifecycle.job_names[0]]
    assert shown["spot_savings_percent"] == pytest.approx(expected.spot_savings_percent)
    assert shown["billable_time_seconds"] < shown["training_time_seconds"]


def test_history_is_the_timeline_oldest_first(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    lifecycle = load_lifecycle("spot-interrupted")
    job = lifecycle.job_names[0]
    history = run_json(table, "history", job, capsys=capsys)
    truth = record_from_describe(lifecycle.final_describe(job))
    assert [h["status"] for h in history] == [t.status for t in truth.transitions]
    assert [h["status"] for h in history].count("Interrupted") == 2
    assert all(set(h) == {"status", "start_time", "end_time", "duration_seconds", "message"} for h in history)
    for entry, transition in zip(history, truth.transitions, strict=True):
        assert entry["duration_seconds"] == pytest.approx(transition.duration_seconds())
    # And the human timeline shows a bar per stage
    code, out, _ = run(table, "history", job, capsys=capsys)
    assert code == 0
    assert out.count("█") > len(history)
    assert "Interrupted" in out


def test_an_open_transition_has_no_end_time(ddb_local_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a job recorded mid-lifecycle, in a table of its own
    lifecycle = load_lifecycle("stopped")
    world = FakeWorld(through_boto3=True)
    world.histories = HistoryStore(  # type: ignore[assignment]
        ddb_local_table.name, region="us-east-1", host=ddb_local_table.endpoint_url
    )
    world.script.advance(lifecycle.steps[1])
    assert handle_batch(sqs_batch([lifecycle.steps[1].sqs_body]), world.deps)["batchItemFailures"] == []
    # When its history is printed
    target = {"name": ddb_local_table.name, "endpoint": ddb_local_table.endpoint_url}
    history = run_json(target, "history", lifecycle.job_names[0], capsys=capsys)
    # Then only the last transition is open
    assert history[-1]["end_time"] is None
    assert history[-1]["duration_seconds"] is None
    assert all(h["end_time"] for h in history[:-1])


def test_metrics_lists_the_final_metrics(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    lifecycle = load_lifecycle("completed")
    metrics = run_json(table, "metrics", lifecycle.job_names[0], capsys=capsys)
    assert [m["name"] for m in metrics] == [
        m["MetricName"] for m in lifecycle.final_describe(lifecycle.job_names[0])["FinalMetricDataList"]
    ]
    code, out, _ = run(table, "metrics", lifecycle.job_names[0], capsys=capsys)
    assert code == 0
    assert "-0.0" in out


@pytest.mark.parametrize("command", ["show", "history", "metrics", "alerts"])
def test_an_unknown_job_is_one_line_and_exit_1(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, err = run(table, command, "no-such-job", capsys=capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "no-such-job" in err


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it: ``python -m jobtrail`` in a fresh process."""
    return run_jobtrail(*args, env=env)


def test_python_dash_m_jobtrail_works_end_to_end(table: dict[str, str]) -> None:
    result = _cli("--table", table["name"], "--endpoint-url", table["endpoint"], "jobs", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == len(all_jobs())


def test_the_table_can_come_from_the_environment(table: dict[str, str]) -> None:
    result = _cli(
        "jobs",
        "--json",
        env={"JOBTRAIL_TABLE": table["name"], "AWS_ENDPOINT_URL_DYNAMODB": table["endpoint"]},
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == len(all_jobs())


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (["--table", "no-such-table", "jobs"], {}, "table no-such-table does not exist at http"),
        (["jobs"], {}, "which table?"),
        (["--table", "t", "--endpoint-url", "http://127.0.0.1:9", "jobs"], {}, "127.0.0.1:9"),
        (["--table", "t", "--endpoint-url", "http://127.0.0.1:9", "show", "x"], {}, "127.0.0.1:9"),
        (["--table", "t", "jobs", "--since", "yesterday-ish"], {}, "not a time"),
        (["--table", "t", "jobs", "--limit", "0"], {}, "at least 1"),
        (["--table", "t", "--profile", "nobody", "jobs"], {}, "nobody"),
        (["--table", "t", "jobs"], dict.fromkeys(NO_CREDENTIALS, ""), "credentials"),
        (["--table", "t", "jobs", "--since", "1000000d"], {}, "too far back"),
        (["--table", "t", "--endpoint-url", "notaurl", "jobs"], {}, "not an http(s) URL"),
        (["--table", "t", "jobs", "--status", "Sucess"], {}, "unknown status"),
        (["--table", "t", "jobs"], NO_REGION, "which region?"),
        (["dlq", "list", "--dlq-url", "https://sqs.example/q"], NO_REGION, "which region?"),
        (["--stack", "s", "jobs"], NO_REGION, "which region?"),
        (["--local", "backfill", "--since", "30d"], {}, "does not work with --local"),
        (["--local", "dlq", "list"], {}, "does not work with --local"),
        (["dlq", "list"], {}, "--dlq-url"),
    ],
)  # fmt: skip
def test_user_errors_are_one_line_with_a_non_zero_exit(
    table: dict[str, str], args: list[str], env: dict[str, str], fragment: str
) -> None:
    if "--endpoint-url" not in args:
        env = {"AWS_ENDPOINT_URL_DYNAMODB": table["endpoint"], **env}
    result = _cli(*args, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 or lines[0].startswith("usage:"), result.stderr
    assert fragment in result.stderr


def test_alerts_lists_every_alert_with_its_delivery_state(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = run_json(table, "alerts", capsys=capsys)
    expected = sorted(
        (job, alert)
        for lifecycle in map(load_lifecycle, TRAINING_LIFECYCLES)
        for job, outcome in lifecycle.expected.items()
        for alert in outcome.alerts
    )
    assert sorted((a["job_name"], a["alert_type"]) for a in alerts) == expected
    starts = [a["transition_start_time"] for a in alerts]
    assert starts == sorted(starts, reverse=True)
    assert {a["state"] for a in alerts} == {"sent"}
    assert all(a["sent_at"] and a["sns_message_id"] for a in alerts)
    assert {"alert_id", "severity", "created_at", "subject"} <= set(alerts[0])


def test_alerts_of_one_job_and_since(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    spot = load_lifecycle("spot-interrupted").job_names[0]
    mine = run_json(table, "alerts", spot, capsys=capsys)
    assert [a["alert_type"] for a in mine] == ["Interrupted", "Interrupted"]
    later = run_json(table, "alerts", spot, "--since", mine[0]["transition_start_time"], capsys=capsys)
    assert later == mine[:1]
    code, out, _ = run(table, "alerts", capsys=capsys)
    assert code == 0
    assert "Interrupted" in out
    assert "sent" in out


# -- at 80 and 60 columns: a row per job, names and statuses whole, bars on one line ----------------------


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], StringIO]:
    """Points the CLI's tables at a terminal of the given width; returns what it prints."""

    def at_width(width: int) -> StringIO:
        printed = StringIO()
        console = Console(file=printed, width=width, color_system=None, highlight=False)
        monkeypatch.setattr(render, "console", console)
        return printed

    return at_width


def parse_table(printed: str) -> tuple[list[str], list[list[str]]]:
    """A printed table's headers and body rows (as their cells): the lines under the header's rule up to
    the caption (tables have no outer edge, so a row starts with a space and a caption does not)."""
    lines = printed.splitlines()
    rule = next(i for i, line in enumerate(lines) if "━" in line)
    body = itertools.takewhile(lambda line: line.startswith(" "), lines[rule + 1 :])
    return [c.strip() for c in lines[rule - 1].split("┃")], [
        [cell.strip() for cell in line.split("│")] for line in body
    ]


@pytest.mark.parametrize("width", [80, 60])
def test_jobs_at_80_and_60_columns_keep_a_row_per_job_with_whole_names_and_statuses(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO], width: int
) -> None:
    # Given the jobs as stored
    stored = {j["job_name"]: j for j in run_json(table, "jobs", capsys=capsys)}
    # When they are listed on a narrow terminal
    printed = screen(width)
    code, _, err = run(table, "jobs", capsys=capsys)
    output = printed.getvalue()
    # Then each job is one row, its name and its statuses whole, and no line is wider than the terminal
    assert (code, err) == (0, "")
    columns, rows = parse_table(output)
    assert sorted(row[0] for row in rows) == sorted(stored)
    assert columns[:2] == ["Job", "Status"]
    for row in rows:
        shown = dict(zip(columns, row, strict=True))
        assert shown["Status"] == stored[row[0]]["status"]
        if "Secondary" in shown:
            assert shown["Secondary"] == stored[row[0]]["secondary_status"]
    assert max(len(line) for line in output.splitlines()) <= width
    # And what was left out is said, with how to see it
    assert "--wide shows" in output


@pytest.mark.parametrize("width", [80, 60])
def test_alerts_at_narrow_widths_keep_a_row_per_alert_with_the_job_name_whole(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO], width: int
) -> None:
    alerts = run_json(table, "alerts", capsys=capsys)
    printed = screen(width)
    assert run(table, "alerts", capsys=capsys)[0] == 0
    columns, rows = parse_table(printed.getvalue())
    assert [row[columns.index("Job")] for row in rows] == [a["job_name"] for a in alerts]
    if "Alert" in columns:
        assert [row[columns.index("Alert")] for row in rows] == [a["alert_type"] for a in alerts]


@pytest.mark.parametrize("width", [80, 60])
def test_history_bars_never_wrap_and_their_column_has_a_header(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO], width: int
) -> None:
    # Given the spot job, whose longest stage is its first Training
    job = load_lifecycle("spot-interrupted").job_names[0]
    transitions = run_json(table, "history", job, capsys=capsys)
    # When its timeline is printed narrow
    printed = screen(width)
    assert run(table, "history", job, capsys=capsys)[0] == 0
    output = printed.getvalue()
    # Then a row per transition, each bar in one cell of one line, under a header
    columns, cells = parse_table(output)
    assert "Time spent" in columns
    rows = [dict(zip(columns, row, strict=True)) for row in cells]
    assert [r["Status"] for r in rows] == [t["status"] for t in transitions]
    bars = [r["Time spent"] for r in rows]
    assert all(set(bar) <= {"█"} for bar in bars)
    assert max(len(bar) for bar in bars) >= render.MIN_BAR_WIDTH
    assert max(len(line) for line in output.splitlines()) <= width


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["jobs"],
         ["Job", "Status", "Kind", "Secondary", "Created", "Training", "Billable", "Instance", "Spot",
          "Cost"]),
        (["alerts"], ["Transition", "Alert", "Severity", "Kind", "Job", "Delivery"]),
        (["history", "detr-coco-spot-2026-11-21-02-00-00-456"],
         ["Status", "Started (UTC)", "Duration", "Time spent", "Message"]),
    ],
)  # fmt: skip
def test_wide_shows_every_column_even_at_60_columns(
    table: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    screen: Callable[[int], StringIO],
    command: list[str],
    expected: list[str],
) -> None:
    printed = screen(60)
    assert run(table, *command, "--wide", capsys=capsys)[0] == 0
    output = printed.getvalue()
    columns, rows = parse_table(output)
    assert columns == expected
    assert "left out" not in output
    if command == ["jobs"]:
        assert sorted(row[0] for row in rows) == sorted(all_jobs())


def test_every_table_says_which_table_it_reads_and_json_does_not(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    job = load_lifecycle("completed").job_names[0]
    for command in (["jobs"], ["alerts"], ["show", job], ["history", job], ["metrics", job]):
        printed = screen(120)
        assert run(table, *command, capsys=capsys)[0] == 0
        assert f"table {table['name']} at {table['endpoint']}" in " ".join(printed.getvalue().split())
        code, out, err = run(table, *command, "--json", capsys=capsys)
        assert (code, err) == (0, "")
        assert table["name"] not in out


# -- the where options on either side of the command; conflicts refused; a missing table named ------------


@pytest.mark.parametrize(
    "argv",
    [
        ["jobs", "--table", "{name}", "--endpoint-url", "{endpoint}", "--json"],
        ["--table", "{name}", "jobs", "--endpoint-url", "{endpoint}", "--json"],
        ["--endpoint-url", "{endpoint}", "jobs", "--json", "--table", "{name}"],
    ],
)
def test_where_options_work_before_or_after_the_command(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code = main([word.format(**table) for word in argv])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    assert len(json.loads(captured.out)) == len(all_jobs())


def test_an_unknown_option_prints_the_commands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main(["--table", "t", "jobs", "--colour"])
    err = capsys.readouterr().err
    assert exit_status.value.code == 2
    assert err.startswith("usage: jobtrail jobs ")
    assert "--status STATUS" in err
    assert "jobtrail jobs: error: unrecognized arguments: --colour" in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--local", "--stack", "x", "jobs"], "leave out --stack"),
        (["jobs", "--local", "--region", "eu-west-1", "--profile", "p"], "leave out --region and --profile"),
        (["--endpoint-url", "http://127.0.0.1:9", "show", "a", "--local"], "leave out --endpoint-url"),
        (["--table", "a", "--stack", "b", "jobs"], "--table and --stack both name the table"),
        (["alerts", "--stack", "b", "--table", "a"], "--table and --stack both name the table"),
    ],
)  # fmt: skip
def test_conflicting_where_options_are_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert fragment in err


def test_a_missing_local_table_is_named_with_the_data_directory(
    dynamodb_local: DynamoDBLocal, tmp_path: Path
) -> None:
    # Given local data without the table asked for
    home = tmp_path / ".jobtrail"
    (home / "dynamodb").mkdir(parents=True)
    # When it is read with --local --table
    result = run_jobtrail("--local", "--table", "foo", "jobs", env={"JOBTRAIL_HOME": str(home)}, cwd=tmp_path)
    # Then one line names the table and where it was looked for
    assert result.returncode != 0
    assert result.stderr == (
        f"jobtrail: table foo does not exist in DynamoDB Local on {home} "
        "(the demo's table is jobtrail-demo: leave out --table)\n"
    )


# -- job names: invalid ones said so, unknown ones matched against recent jobs ----------------------------


@pytest.mark.parametrize("command", ["show", "history", "metrics", "alerts"])
@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("bad name!!", "it holds ' ' '!'"),
        ("a" * 70, "it is 70 characters long"),
        ("", "it is empty"),
        ("trailing-", "it starts or ends with a hyphen"),
    ],
)
def test_an_invalid_job_name_is_said_to_be_invalid_and_why(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], command: str, name: str, why: str
) -> None:
    code, out, err = run(table, command, name, capsys=capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert f"{name!r} is not a job name: {why} (SageMaker's are 1 to 63 letters" in err


def test_a_unique_prefix_stands_for_its_job(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one job whose name starts with "bert-finetune"
    full = load_lifecycle("failed").job_names[0]
    assert full.startswith("bert-finetune-")
    # When it is asked for by that prefix (any case)
    with count_aws_calls() as calls:
        code, out, err = run(table, "show", "BERT-finetune", "--json", capsys=capsys)
    # Then that job is shown, and stderr says which one was taken, without a Scan
    assert code == 0
    assert json.loads(out)["job_name"] == full
    assert err == f"jobtrail: BERT-finetune is the start of one job's name: {full}\n"
    assert calls["dynamodb.Scan"] == 0


def test_an_ambiguous_prefix_lists_the_candidates(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    children = sorted(n for n in all_jobs() if n.startswith("xgb-tune-1120-"))
    code, out, err = run(table, "history", "xgb-tune", capsys=capsys)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert f"3 of its {len(all_jobs())} jobs start so:" in err
    assert all(child in err for child in children)


def test_an_unknown_name_suggests_close_ones(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    full = load_lifecycle("completed").job_names[0]
    typo = full.replace("imagenet", "imagnet")
    code, _, err = run(table, "show", typo, capsys=capsys)
    assert code == 1
    assert err == (
        f"jobtrail: no job named {typo!r} in table {table['name']} at {table['endpoint']}; "
        f"did you mean {full}? (looked among its {len(all_jobs())} jobs)\n"
    )


def test_close_matches_read_a_bounded_number_of_recent_jobs(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given fewer jobs looked at than the table holds
    monkeypatch.setattr(queries, "RECENT_JOBS", 3)
    newest = run_json(table, "jobs", "--limit", "3", capsys=capsys)
    # When a name matches nothing among them / Then the message says how many were looked at
    code, _, err = run(table, "show", "zzz", capsys=capsys)
    assert code == 1
    assert err.endswith("nor a name close to it among its 3 most recent jobs\n")
    # And a prefix of an older job is not found there
    older = next(n for n in all_jobs() if n not in {j["job_name"] for j in newest})
    assert run(table, "show", older[:12], capsys=capsys)[0] == 1


# -- empty results repeat their filters; --since takes -5d -----------------------------------------------


def test_an_empty_result_names_its_filters_and_the_table(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixtures' jobs were created in November 2026, long before "2d" or "24h" ago
    where = f"in table {table['name']} at {table['endpoint']}."
    code, out, _ = run(table, "jobs", "--status", "Failed", "--since", "2d", capsys=capsys)
    assert code == 0
    assert out.startswith("No jobs match status Failed, created since ")
    assert " UTC " in out
    assert " ".join(out.split()).endswith(where)
    job = load_lifecycle("spot-interrupted").job_names[0]
    code, out, _ = run(table, "alerts", job, "--since", "24h", capsys=capsys)
    assert code == 0
    assert " ".join(out.split()).startswith(f"No alerts match job {job}, transitions since ")
    assert " ".join(out.split()).endswith(where)


def test_since_takes_a_duration_with_a_minus_sign(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_json(table, "jobs", "--since", "-400d", capsys=capsys) == run_json(
        table, "jobs", "--since", "400d", capsys=capsys
    )
    assert run_json(table, "alerts", "--since", "-400d", capsys=capsys) == run_json(
        table, "alerts", "--since", "400d", capsys=capsys
    )
