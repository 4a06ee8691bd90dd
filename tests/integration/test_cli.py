"""The ``jobtrail`` CLI against DynamoDB Local, filled by replaying every lifecycle in events/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_process import SOURCE_PATH, run_jobtrail
from fakes import FakeWorld
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.usecases.ingest import handle_batch
from jobtrail_cli import main
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle, sqs_batch
from jobtrail_local.table_schema import create_history_table

pytestmark = pytest.mark.dynamodb_local

SUMMARY_KEYS = {
    "job_name", "job_arn", "status", "secondary_status", "failure_reason", "creation_time",
    "training_start_time", "training_end_time", "last_modified_time", "training_time_seconds",
    "billable_time_seconds", "spot_savings_percent", "tuning_job_arn", "instance_type", "instance_count",
}  # fmt: skip
NO_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
REPO = Path(__file__).resolve().parents[2]
#: No region anywhere: empty variables (botocore would build "https://dynamodb..amazonaws.com") and no file.
NO_REGION = {"AWS_DEFAULT_REGION": "", "AWS_REGION": "", "AWS_CONFIG_FILE": "/nonexistent/jobtrail-test"}


@pytest.fixture(scope="module")
def table(dynamodb_local: DynamoDBLocal) -> Iterator[dict[str, str]]:
    """A table holding every lifecycle's jobs, recorded through ingest."""
    name = f"jobtrail-cli-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=dynamodb_local.endpoint_url)
    create_history_table(client, name)
    world = FakeWorld(through_boto3=True)
    world.histories = HistoryStore(name, region="us-east-1", host=dynamodb_local.endpoint_url)  # type: ignore[assignment]
    for lifecycle in map(load_lifecycle, lifecycle_names()):
        for step in lifecycle.steps:
            world.script.advance(step)
            assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
    yield {"name": name, "endpoint": dynamodb_local.endpoint_url}
    client.delete_table(TableName=name)


def run(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--table", table["name"], "--endpoint-url", table["endpoint"], *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> Any:
    code, out, err = run(table, *args, "--json", capsys=capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def all_jobs() -> dict[str, dict[str, Any]]:
    """Every job in events/ with its final DescribeTrainingJob answer."""
    return {
        job: lifecycle.final_describe(job)
        for lifecycle in map(load_lifecycle, lifecycle_names())
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
        for lifecycle in map(load_lifecycle, lifecycle_names())
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
        (["--table", "no-such-table", "jobs"], {}, "ResourceNotFoundException"),
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
        for lifecycle in map(load_lifecycle, lifecycle_names())
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
