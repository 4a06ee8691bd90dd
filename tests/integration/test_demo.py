"""``jobtrail demo`` as a new user runs it, in a fresh process, then the same CLI on its data."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_process import run_jobtrail
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle

REPO = Path(__file__).resolve().parents[2]


def jobtrail(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_jobtrail(*args, env={"JOBTRAIL_HOME": str(home), **(env or {})}, cwd=home.parent, timeout=120)


def expected_jobs() -> dict[str, Any]:
    return {
        job: (lifecycle.expected[job], record_from_describe(lifecycle.final_describe(job)))
        for lifecycle in map(load_lifecycle, lifecycle_names())
        for job in lifecycle.job_names
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, dynamodb_local: Any) -> tuple[Path, dict[str, Any]]:
    """One demo run (DynamoDB Local is required, as in CI), its data kept in a temporary home."""
    home = tmp_path_factory.mktemp("demo") / ".jobtrail"
    result = jobtrail(home, "demo", "--json")
    assert result.returncode == 0, result.stderr
    return home, json.loads(result.stdout)


def test_every_job_ends_as_its_script_says(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    expected = expected_jobs()
    jobs = {job["job_name"]: job for job in summary["jobs"]}
    assert set(jobs) == set(expected)
    for name, (outcome, final) in expected.items():
        assert jobs[name]["status"] == outcome.status
        assert jobs[name]["secondary_status"] == outcome.secondary_status
        assert jobs[name]["transitions"] == len(final.transitions)
        assert jobs[name]["final_metrics"] == outcome.final_metrics
        assert jobs[name]["alerts"] == list(outcome.alerts)


def test_alerts_are_counted_per_type_and_each_reached_slack_once(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    expected = Counter(alert for outcome, _ in expected_jobs().values() for alert in outcome.alerts)
    assert summary["alerts_by_type"] == dict(expected)
    assert summary["alerts_by_type"] == {"Failed": 2, "MaxRuntimeExceeded": 1, "Interrupted": 2}
    assert {a["state"] for a in summary["alerts"]} == {"sent"}
    assert summary["slack"]["posts"] == sum(expected.values())
    assert summary["slack"]["destination"].startswith("a local capture")
    assert all(text.splitlines()[0].split(":")[0] in expected for text in summary["slack"]["messages"])


def test_events_went_through_the_queue_with_duplicates_and_late_deliveries(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    events = summary["events"]
    steps = sum(len(load_lifecycle(name).steps) for name in lifecycle_names())
    assert summary["dynamodb"] == "DynamoDB Local"
    assert events["duplicates"] > 0
    assert events["late"] > 0
    assert events["sent"] == steps + events["duplicates"]
    assert events["batches"] >= events["sent"] / 10


def test_the_printed_query_commands_return_the_same_jobs(demo: tuple[Path, dict[str, Any]]) -> None:
    home, summary = demo
    assert summary["query_commands"][0] == f"{sys.executable} -m jobtrail --local jobs"
    listed = jobtrail(home, "--local", "jobs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [j["job_name"] for j in json.loads(listed.stdout)] == [j["job_name"] for j in summary["jobs"]]
    spot = summary["query_commands"][1].split()[-1]
    history = jobtrail(home, "--local", "history", spot, "--json")
    assert [h["status"] for h in json.loads(history.stdout)].count("Interrupted") == 2
    alerts = jobtrail(home, "--local", "alerts", "--json")
    assert len(json.loads(alerts.stdout)) == len(summary["alerts"])


def test_reset_wipes_the_demo_data(tmp_path: Path, dynamodb_local: Any) -> None:
    home = tmp_path / ".jobtrail"
    assert jobtrail(home, "demo", "--json").returncode == 0
    assert (home / "dynamodb").is_dir()
    reset = jobtrail(home, "demo", "--reset")
    assert reset.returncode == 0
    assert not home.exists()
    after = jobtrail(home, "--local", "jobs")
    assert after.returncode != 0
    assert "make demo" in after.stderr
    assert "Traceback" not in after.stderr


def test_without_dynamodb_local_the_demo_falls_back_to_moto_with_a_notice(tmp_path: Path) -> None:
    result = jobtrail(
        tmp_path / ".jobtrail",
        "demo",
        "--json",
        env={"JOBTRAIL_DYNAMODB_LOCAL_JAR": str(tmp_path / "missing.jar")},
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["dynamodb"] == "moto"
    assert "DynamoDB Local unavailable" in summary["notice"]
    assert summary["alerts_by_type"] == {"Failed": 2, "MaxRuntimeExceeded": 1, "Interrupted": 2}
    assert summary["query_commands"] == []
