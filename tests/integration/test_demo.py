"""``jobtrail demo`` as a new user runs it, in a fresh process, then the same CLI on its data.

The demo replays every lifecycle of ``events/``, jobs of every kind; what it must show is computed from
those fixtures (each job's expected outcome and final Describe answer), never hard-coded. The demo leaves
DynamoDB Local running for the queries; every test that runs it stops it again (``demo --stop`` or
``local_stack.stop``), so no test leaves a process behind.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cli_process import run_jobtrail
from jobtrail.core.kinds import KINDS, SPECS, JobKey, Kind
from jobtrail.core.log_tail import DEFAULT_LOG_LINES, last_lines
from jobtrail.core.model import JobRecord
from jobtrail.core.routing import parse_routes, route_for
from jobtrail_local import local_stack
from jobtrail_local.demo import DemoPlan, plan
from jobtrail_local.demo_slack import DEMO_ROUTES
from jobtrail_local.dynamodb_local import command_line
from jobtrail_local.lifecycle_builder import ExpectedJob, job_label
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle
from jobtrail_local.scripted_logs import scripted_logs

REPO = Path(__file__).resolve().parents[2]
#: The demo's exit status when it ran but the Slack webhook did not take the alerts.
EXIT_SLACK_NOT_POSTED = 4
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def jobtrail(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_jobtrail(*args, env={"JOBTRAIL_HOME": str(home), **(env or {})}, cwd=home.parent, timeout=120)


def stop_and_check(home: Path) -> None:
    """``jobtrail demo --stop`` on ``home``; the engine the demo left, if any, is gone afterwards."""
    engine = local_stack.running(home)
    stopped = jobtrail(home, "demo", "--stop")
    assert stopped.returncode == 0, stopped.stderr
    if engine is not None and engine.pid is not None:
        assert f"Stopped DynamoDB Local (pid {engine.pid}" in stopped.stdout
        assert command_line(engine.pid) is None
    assert local_stack.running(home) is None


@pytest.fixture
def own_home(tmp_path: Path) -> Iterator[Path]:
    """A home for one test's demo; whatever engine it leaves is stopped afterwards, pass or fail."""
    home = tmp_path / ".jobtrail"
    yield home
    local_stack.stop(home)


@functools.cache
def expected_jobs() -> dict[str, tuple[JobKey, ExpectedJob, JobRecord]]:
    """Every job of every lifecycle, by label: its key, its expected outcome and what jobtrail's adapter
    makes of its final Describe answer."""
    jobs = {
        job_label(job): (job, lifecycle.expected[job_label(job)], lifecycle.final_record(job_label(job)))
        for lifecycle in map(load_lifecycle, lifecycle_names())
        for job in lifecycle.jobs
    }
    assert len(jobs) == sum(len(load_lifecycle(name).jobs) for name in lifecycle_names()), (
        "a job in two files"
    )
    return jobs


def expected_alerts() -> Counter[str]:
    return Counter(alert for _, outcome, _ in expected_jobs().values() for alert in outcome.alerts)


def replayed_steps() -> int:
    return sum(len(load_lifecycle(name).steps) for name in lifecycle_names())


def job_of(lifecycle: str, kind: Kind) -> JobKey:
    """The first job of ``kind`` in a lifecycle."""
    return next(job for job in load_lifecycle(lifecycle).jobs if job.kind == kind)


def label_of(job: dict[str, Any]) -> str:
    """A job of ``--json`` output by its fixtures' label (``<kind>/<name>`` unless a training job)."""
    return job_label(JobKey(job["account"], job["region"], job["kind"], job["job_name"]))


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, dynamodb_local: Any
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One demo run (DynamoDB Local is required, as in CI), its data kept in a temporary home; the engine
    it leaves running serves the module's queries, then ``demo --stop`` ends it."""
    home = tmp_path_factory.mktemp("demo") / ".jobtrail"
    try:
        result = jobtrail(home, "demo", "--json")
        assert result.returncode == 0, result.stderr
        yield home, json.loads(result.stdout)
    finally:
        stop_and_check(home)


def test_every_job_ends_as_its_script_says(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    expected = expected_jobs()
    jobs = {label_of(job): job for job in summary["jobs"]}
    assert len(jobs) == len(summary["jobs"])  # each job once
    assert set(jobs) == set(expected)
    for label, (key, outcome, final) in expected.items():
        job = jobs[label]
        assert (job["kind"], job["job_name"]) == (key.kind, key.name) == (final.key.kind, final.job_name)
        assert job["status"] == outcome.status == final.summary.status
        assert job.get("secondary_status") == outcome.secondary_status  # a training job's only
        assert job["failure_reason"] == final.summary.failure_reason
        assert job["transitions"] == len(outcome.transitions)
        assert job["final_metric_count"] == outcome.final_metrics
        assert "final_metrics" not in job  # `show --json`'s key, an array there
        assert job.get("step_count") == (len(final.steps) if key.kind == "pipeline" else None)
        assert job["alerts"] == list(outcome.alerts)


def test_a_processing_job_and_a_training_job_with_one_name_are_both_there(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    shared = {job.name for job in load_lifecycle("same-name").jobs}
    assert len(shared) == 1

    listed = [job for job in summary["jobs"] if job["job_name"] in shared]

    assert sorted(job["kind"] for job in listed) == ["processing", "training"]
    assert {job["job_arn"].split(":")[-1].split("/")[0] for job in listed} == {
        "processing-job",
        "training-job",
    }


def test_jobs_are_counted_per_kind(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    expected: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        outcomes = [outcome for key, outcome, _ in expected_jobs().values() if key.kind == kind]
        expected[kind] = {
            "jobs": len(outcomes),
            "statuses": dict(Counter(outcome.status for outcome in outcomes)),
            "alerts": dict(Counter(alert for outcome in outcomes for alert in outcome.alerts)),
        }

    assert summary["jobs_by_kind"] == expected
    assert list(summary["jobs_by_kind"]) == list(KINDS)
    assert all(count["jobs"] > 0 for count in expected.values())  # the demo shows every kind


def test_alerts_are_counted_per_type_and_each_reached_slack_once(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    expected = expected_alerts()
    assert summary["alerts_by_type"] == dict(expected)
    assert {a["kind"] for a in summary["alerts"]} == set(KINDS)  # every kind alerts on Failed
    assert {a["state"] for a in summary["alerts"]} == {"sent"}
    assert summary["slack"]["posts"] == expected.total()
    assert summary["slack"]["destination"] == "a local fake of Slack's Web API (loopback), app mode"
    # One message per alert, saying what failed, which job and its kind
    said = Counter(
        (lines[0], lines[1].rpartition(" · ")[2])
        for lines in (text.splitlines() for text in summary["slack"]["messages"])
    )
    assert said == Counter(
        (f"{alert}: {key.name}", SPECS[key.kind].noun)
        for key, outcome, _ in expected_jobs().values()
        for alert in outcome.alerts
    )


def test_each_job_that_alerted_has_one_thread_in_its_teams_channel(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    threads = summary["slack"]["threads"]
    alerted = {(a["kind"], a["job_name"]) for a in summary["alerts"]}
    # One thread per job that alerted, and none for the others (SlackThreadAll is false)
    owners = [(t["job"]["kind"], t["job"]["name"]) for t in threads]
    assert sorted(owners) == sorted(alerted)
    # Each in the channel its route names: by its tags, by its name's prefix, else the default
    routes = parse_routes(json.dumps(DEMO_ROUTES))
    by_name = {(key.kind, key.name): key for key, _, _ in expected_jobs().values()}
    tags = {step.key: step.tags for name in lifecycle_names() for step in load_lifecycle(name).steps}
    for thread in threads:
        key = by_name[(thread["job"]["kind"], thread["job"]["name"])]
        route = route_for(routes, key, tags.get(key))
        assert (thread["channel"], thread["team"]) == (route.slack_channel, route.team), key
    # The demo's story: one route by each kind of rule, and the default
    channel_of = {t["job"]["name"]: t["channel"] for t in threads}
    assert channel_of[job_of("failed", "training").name] == "#nlp-alerts"  # tag team=nlp
    assert channel_of[job_of("spot-interrupted", "training").name] == "#vision-alerts"  # tag team=vision
    assert channel_of[job_of("pipeline-failed", "pipeline").name] == "#churn-alerts"  # name churn-…
    assert channel_of[job_of("failed-capacity", "training").name] == "#ml-alerts"  # no rule: the default
    # Every alert is a reply also sent to its channel, once
    assert sum(r["broadcast"] for t in threads for r in t["replies"]) == expected_alerts().total()


def test_the_spot_jobs_thread_follows_the_job_in_order(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    spot = job_of("spot-interrupted", "training")
    [thread] = [t for t in summary["slack"]["threads"] if t["job"]["name"] == spot.name]
    outcome = expected_jobs()[job_label(spot)][1]
    interrupted = [start for status, start in outcome.transitions if status == "Interrupted"]
    # From its first interruption on, every transition is a reply, in order; the interruptions are
    # its alerts, also sent to the channel
    since = [(status, start) for status, start in outcome.transitions if start >= interrupted[0]]
    replies = [(r["text"], r["broadcast"]) for r in thread["replies"]]
    assert len(replies) == len(since)
    for (text, broadcast), (status, start) in zip(replies, since, strict=True):
        assert start.isoformat(timespec="milliseconds") in text, (status, text)
        assert broadcast is (status == "Interrupted")
    # And the parent was edited in place to show the job as it ended
    assert thread["parent"].splitlines()[1].endswith(outcome.status)
    assert thread["edits"] >= 1


def test_the_routes_command_explains_the_failed_jobs_route(demo: tuple[Path, dict[str, Any]]) -> None:
    home, summary = demo
    program = f"{sys.executable} -m jobtrail"
    command = summary["routes_command"]
    assert command.startswith(f"{program} --local routes test ")

    result = jobtrail(home, *shlex.split(command.removeprefix(program)), "--json")

    assert (result.returncode, result.stderr) == (0, "")
    route = json.loads(result.stdout)
    assert (route["team"], route["slack_channel"]) == ("nlp", "#nlp-alerts")
    assert route["reason"] == 'rule 1 "nlp": tag team=nlp'
    assert Path(summary["routes_file"]).is_file()


def slack_message_of(summary: dict[str, Any], alert: str, job: JobKey) -> str:
    """The demo's one Slack message (``payload_as_text``) of ``job``'s ``alert``."""
    [text] = [
        text
        for text in summary["slack"]["messages"]
        if text.startswith(f"{alert}: {job.name}\n")
        and text.splitlines()[1].endswith(f" · {SPECS[job.kind].noun}")
    ]
    return str(text)


def test_failed_alerts_quote_the_end_of_the_jobs_scripted_log(demo: tuple[Path, dict[str, Any]]) -> None:
    _, summary = demo
    logs = list(scripted_logs())
    assert {log.job.kind for log in logs} == {"training", "processing", "transform"}

    for log in logs:
        text = slack_message_of(summary, "Failed", log.job)
        tail = last_lines(log.lines, DEFAULT_LOG_LINES)
        assert any(_ERROR_LINE.search(line) for line in tail[-8:]), log.job  # the error is in the excerpt
        assert f"```\n{chr(10).join(tail)}```" in text, log.job  # the last lines, in order, nothing else
        assert f"|{log.log_stream}>" in text  # the stream's link


def test_a_job_that_never_ran_alerts_without_an_excerpt_and_says_why(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    [job] = load_lifecycle("failed-capacity").jobs

    text = slack_message_of(summary, "Failed", job)

    assert f"No log lines: no log streams {job.name}/… in /aws/sagemaker/TrainingJobs" in text


_ERROR_LINE = re.compile(r"Error:|exit code")


def test_events_went_through_the_queue_with_duplicates_and_late_deliveries(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = demo
    events = summary["events"]
    assert summary["dynamodb"] == "DynamoDB Local"
    assert events["duplicates"] > 0
    assert events["late"] > 0
    assert events["sent"] == replayed_steps() + events["duplicates"]
    assert events["batches"] >= events["sent"] / 10


def test_every_printed_query_command_works_as_printed(demo: tuple[Path, dict[str, Any]]) -> None:
    home, summary = demo
    program = f"{sys.executable} -m jobtrail"
    spot = job_of("spot-interrupted", "training")
    pipeline = job_of("pipeline-failed", "pipeline")
    shared = job_of("same-name", "processing")
    tuning = job_of("tuning-completed", "tuning")
    commands = summary["query_commands"]
    assert all(command.startswith(f"{program} --local ") for command in commands)
    printed = [tuple(shlex.split(command.removeprefix(program))) for command in commands]
    assert printed == [
        ("--local", "jobs"),
        ("--local", "jobs", "--kind", "pipeline"),
        ("--local", "history", spot.name),
        ("--local", "history", pipeline.name),
        ("--local", "show", "--kind", "processing", shared.name),
        ("--local", "show", tuning.name),
        ("--local", "alerts"),
        ("--local", "cost", "--since", "2026-11-20", "--by", "kind"),
    ]

    # Each runs as printed, and its --json says what the demo recorded
    ran = {}
    for args in printed:
        result = jobtrail(home, *args, env={"COLUMNS": "120"})
        assert (result.returncode, result.stderr) == (0, ""), args
        ran[args] = result.stdout
    as_json = {args: json.loads(jobtrail(home, *args, "--json").stdout) for args in printed}

    expected = expected_jobs()
    jobs, pipelines, spot_history, pipeline_history, processing, tuning_job, alerts, cost = as_json.values()
    assert [label_of(job) for job in jobs] == [label_of(job) for job in summary["jobs"]]
    assert sorted(label_of(job) for job in pipelines) == sorted(
        label for label, (key, _, _) in expected.items() if key.kind == "pipeline"
    )
    for history, job in ((spot_history, spot), (pipeline_history, pipeline)):
        assert [h["status"] for h in history] == [s for s, _ in expected[job_label(job)][1].transitions]
    assert [h["status"] for h in spot_history].count("Interrupted") == 2
    failed_step = expected[job_label(pipeline)][1].failed_step
    assert f"Steps of {pipeline.name}" in ran[printed[3]]
    assert f"{failed_step} failed: " in ran[printed[3]]
    assert (processing["kind"], processing["job_name"]) == ("processing", shared.name)
    assert processing["status"] == expected[job_label(shared)][1].status
    assert tuning_job["best_training_job"] == expected[job_label(tuning)][1].best_training_job
    assert len(alerts) == len(summary["alerts"])
    # The demo's jobs were priced (the Price List answered from events/pricing): the cost command counts
    # every job that bills, and its total is what `jobs` shows job by job
    billing = [job for job in jobs if job["kind"] in {"training", "processing", "transform"}]
    assert len(jobs) < 50, "jobs --json lists them all"
    assert cost["total"]["jobs"] == len(billing) == sum(group["jobs"] for group in cost["groups"])
    assert cost["total"]["unknown_cost_jobs"] == sum(
        job["cost"] is None or job["cost"]["usd"] is None for job in billing
    )
    assert cost["total"]["unknown_cost_jobs"] < len(billing)
    assert cost["total"]["spend_usd"] == pytest.approx(
        sum(job["cost"]["usd"] or 0 for job in billing if job["cost"])
    )
    assert cost["total"]["spend_usd"] > 0
    assert "What the jobs created since 2026-11-20 00:00 UTC cost, by kind" in " ".join(
        ran[printed[7]].split()
    )
    # Without --kind, the shared name is refused with the kinds to pick from
    ambiguous = jobtrail(home, "--local", "show", shared.name)
    assert ambiguous.returncode == 2
    assert "--kind processing or --kind training" in ambiguous.stderr


def test_reset_stops_dynamodb_local_and_wipes_the_demo_data(own_home: Path, dynamodb_local: Any) -> None:
    home = own_home
    assert jobtrail(home, "demo", "--json").returncode == 0
    assert (home / "dynamodb").is_dir()
    engine = local_stack.running(home)
    assert engine is not None
    assert engine.pid is not None
    reset = jobtrail(home, "demo", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.splitlines() == [
        f"Local data: {home} ($JOBTRAIL_HOME)",
        f"Stopped DynamoDB Local (pid {engine.pid}, {engine.endpoint_url})",
        f"Deleted {home}",
    ]
    assert command_line(engine.pid) is None
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
    assert summary["alerts_by_type"] == dict(expected_alerts())
    assert len(summary["jobs"]) == len(expected_jobs())
    assert summary["query_commands"] == []
    assert summary["engine"]["kept_running"] is False


# -- the engine stays up for the queries ------------------------------------------------------------------


def test_the_demo_leaves_dynamodb_local_running_for_the_queries(demo: tuple[Path, dict[str, Any]]) -> None:
    home, summary = demo
    engine = local_stack.running(home)
    assert engine is not None
    assert summary["engine"] == {
        "endpoint_url": engine.endpoint_url,
        "pid": engine.pid,
        "reused": False,
        "kept_running": True,
    }
    # A query joins it and leaves it running
    assert jobtrail(home, "--local", "alerts", "--json").returncode == 0
    assert local_stack.running(home) == engine


def test_stop_with_a_stale_state_file_says_nothing_was_running(tmp_path: Path) -> None:
    # Given the state file of an engine that died with the machine (nothing listens on its port)
    home = tmp_path / ".jobtrail"
    home.mkdir()
    (home / "dynamodb-local.json").write_text(
        json.dumps({"endpoint_url": "http://127.0.0.1:9", "pid": 2**22 + 1, "kept": True})
    )

    stopped = jobtrail(home, "demo", "--stop")

    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.splitlines()[-1] == "No DynamoDB Local was running on it"
    assert not (home / "dynamodb-local.json").exists()


# -- a second run, and what the demo says while it runs --------------------------------------------------


def test_a_second_demo_says_what_it_does_and_reuses_the_running_engine(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    home, first = demo

    again = jobtrail(home, "demo", env={"COLUMNS": "80"})

    assert again.returncode == 0, again.stderr
    out = again.stdout
    steps = replayed_steps()
    spot, pipeline = job_of("spot-interrupted", "training"), job_of("pipeline-failed", "pipeline")
    failed = job_of("failed", "training")
    assert out.splitlines()[0] == f"Local data: {home} ($JOBTRAIL_HOME)"
    for step in (
        f"Using the DynamoDB Local already running (pid {first['engine']['pid']})",
        "Replacing the earlier demo's history (table jobtrail-demo)",
        "Replaying SageMaker state changes",
        f"{steps}/{steps}",
        "This run replaced the earlier demo's history in jobtrail-demo",
        f"What happened, per kind ({len(expected_jobs())} jobs in table jobtrail-demo)",
        "Jobs in table jobtrail-demo",
        f"Training job {spot.name} — Completed",
        f"Pipeline execution {pipeline.name} — Failed",
        f"Steps of {pipeline.name}",
        "demo --stop",
    ):
        assert step in out
    assert "0/?" not in out
    # A row per kind in the counts; every suggested command whole on its line, to copy
    for kind in KINDS:
        assert re.search(rf"^ {kind} +│ +{first['jobs_by_kind'][kind]['jobs']} │", out, re.M), kind
    for command in first["query_commands"]:
        assert re.search(rf"^  {re.escape(command)}  +# \S", out, re.M), command
    # and the same demo in organization mode
    program = f"{sys.executable} -m jobtrail"
    assert re.search(
        rf"^  {re.escape(program)} demo --accounts 3  +# the same in organization mode", out, re.M
    )
    assert first["organization"] is None
    # Slack: a row per job's thread, then the failed and the spot job's threads as Slack shows them: code
    # blocks as boxes, not fences; each alert a reply also sent to the channel; every timestamp whole
    assert "Slack threads (app mode)" in out
    assert out.count("the thread of training ") == 2
    assert "```" not in out
    assert "┌──" in out
    featured = [t for t in first["slack"]["threads"] if t["job"]["name"] in {spot.name, failed.name}]
    broadcasts = sum(reply["broadcast"] for thread in featured for reply in thread["replies"])
    assert broadcasts == 3  # the failed job's Failed, the spot job's two interruptions
    assert out.count("↳ also sent to #") == broadcasts
    threads = out.split("Slack threads (app mode)")[1]
    # (a transition's reply says when it started, an alert's also in its id; each parent when the job did)
    replies = sum(len(thread["replies"]) for thread in featured)
    assert len(TIMESTAMP.findall(threads)) >= replies + broadcasts + len(featured)
    assert local_stack.running(home) is not None
    again_json = json.loads(jobtrail(home, "demo", "--json").stdout)
    assert again_json["replaced_history"] is True
    assert again_json["engine"] == {**first["engine"], "reused": True}
    assert again_json["jobs"] == first["jobs"]


# -- a webhook that does not take the posts ---------------------------------------------------------------


@pytest.fixture(scope="module")
def revoked_webhook() -> Iterator[str]:
    """A loopback Slack that answers every post as Slack does for a revoked webhook: 404 no_service."""

    class Revoked(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(404)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"no_service")

        def log_message(self, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Revoked)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/SECRETTOKEN"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    ("webhook", "said"),
    [
        (
            "http://127.0.0.1:9/services/T000/B000/SECRETTOKEN",
            "could not reach the Slack webhook's host 127.0.0.1:9",
        ),
        ("revoked", "the Slack webhook refused the post: Slack answered 404: no_service"),
        ("notaurl", "SLACK_WEBHOOK_URL is not an http(s) URL"),
    ],
    ids=["nothing-listens", "revoked-404-no_service", "not-a-url"],
)
def test_a_bad_webhook_is_one_warning_and_the_demo_still_completes(
    demo: tuple[Path, dict[str, Any]], revoked_webhook: str, webhook: str, said: str
) -> None:
    home, first = demo
    url = revoked_webhook if webhook == "revoked" else webhook

    result = jobtrail(home, "demo", "--json", env={"SLACK_WEBHOOK_URL": url})

    # The demo completes: the whole history, every alert rendered, nothing posted
    assert result.returncode == EXIT_SLACK_NOT_POSTED
    summary = json.loads(result.stdout)
    assert summary["jobs"] == first["jobs"]
    assert summary["slack"]["posts"] == 0
    assert said in summary["slack"]["failure"]
    alerts = expected_alerts().total()
    assert len(summary["slack"]["messages"]) == alerts
    # One line on stderr says so, without the webhook's secret path
    assert result.stderr.splitlines() == [
        f"jobtrail: warning: Slack got 0 of {alerts} alerts: {summary['slack']['failure']} "
        "(check SLACK_WEBHOOK_URL, or unset it to use the local fake of Slack)"
    ]
    assert said in result.stderr
    assert "SECRETTOKEN" not in result.stderr + result.stdout


def test_a_bad_webhook_still_prints_every_table(demo: tuple[Path, dict[str, Any]]) -> None:
    home, _ = demo

    result = jobtrail(home, "demo", env={"SLACK_WEBHOOK_URL": "notaurl", "COLUMNS": "100"})

    assert result.returncode == EXIT_SLACK_NOT_POSTED
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    for title in (
        "What happened, per kind",
        "Jobs in table jobtrail-demo",
        "Steps of ",
        "Alerts in table jobtrail-demo",
        f"0 of {expected_alerts().total()} alerts reached",
    ):
        assert title in result.stdout


# -- one home for local data, whatever the current directory -----------------------------------------------


def test_outside_a_checkout_the_demo_data_lives_in_the_per_user_directory(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    result = run_jobtrail(
        "demo", "--stop", env={"JOBTRAIL_HOME": "", "XDG_DATA_HOME": str(tmp_path / "data")}, cwd=elsewhere
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"Local data: {tmp_path / 'data' / 'jobtrail'} "
        "(the per-user data directory: not inside a jobtrail checkout)"
    )


def test_inside_a_checkout_the_demo_data_lives_in_its_jobtrail_folder_from_any_subdirectory(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "jobtrail"
    (checkout / local_stack.CHECKOUT_MARKER).parent.mkdir(parents=True)
    (checkout / local_stack.CHECKOUT_MARKER).touch()
    below = checkout / "docs"
    below.mkdir()

    result = run_jobtrail("demo", "--stop", env={"JOBTRAIL_HOME": ""}, cwd=below)

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()[0] == f"Local data: {checkout / '.jobtrail'} (this checkout's .jobtrail/)"
    )


# -- organization mode: `jobtrail demo --accounts 3` ---------------------------------------------------------

MEMBER_A, MEMBER_B, STRANGER = "222233334444", "333344445555", "999988887777"
HOME_ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def organization_demo(
    tmp_path_factory: pytest.TempPathFactory, dynamodb_local: Any
) -> Iterator[tuple[Path, dict[str, Any], str]]:
    """``demo --accounts 3 --json``, then the same as the report prints it (reusing the engine), in a home of
    its own; ``demo --stop`` afterwards."""
    home = tmp_path_factory.mktemp("organization-demo") / ".jobtrail"
    try:
        result = jobtrail(home, "demo", "--accounts", "3", "--json")
        assert result.returncode == 0, result.stderr
        text = jobtrail(home, "demo", "--accounts", "3", env={"COLUMNS": "200"})
        assert text.returncode == 0, text.stderr
        yield home, json.loads(result.stdout), text.stdout
    finally:
        stop_and_check(home)


@functools.cache
def organization_plan() -> DemoPlan:
    """Where ``demo --accounts 3`` runs each lifecycle: the scenario (what its jobs must end as comes
    from the fixtures)."""
    return plan(3)


def placed_jobs() -> dict[tuple[str, str, str, str], tuple[ExpectedJob, JobRecord]]:
    """Every job of the demo in organization mode, by (account, region, kind, name): its expected outcome
    and its final Describe answer."""
    expected = expected_jobs()
    return {
        (place.account, place.region, key.kind, key.name): (outcome, final)
        for name, place in organization_plan().runs
        for key in load_lifecycle(name).jobs
        for _, outcome, final in [expected[job_label(key)]]
    }


def test_organization_mode_keeps_each_accounts_jobs_in_their_own_histories(
    organization_demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, _ = organization_demo
    jobs = {(j["account"], j["region"], j["kind"], j["job_name"]): j for j in summary["jobs"]}
    planned = placed_jobs()

    assert len(jobs) == len(summary["jobs"])  # each job once
    assert set(jobs) == set(planned)
    # Three accounts, two regions, and every account in both
    assert {(account, region) for account, region, _, _ in jobs} == {
        (account, region)
        for account in (HOME_ACCOUNT, MEMBER_A, MEMBER_B)
        for region in ("us-east-1", "eu-west-1")
    }
    for (account, region, kind, name), (outcome, final) in planned.items():
        job = jobs[(account, region, kind, name)]
        assert job["job_arn"].startswith(f"arn:aws:sagemaker:{region}:{account}:"), job["job_arn"]
        assert job["status"] == outcome.status == final.summary.status
        assert job["failure_reason"] == final.summary.failure_reason
        assert job["alerts"] == list(outcome.alerts)
        # A training job's transitions are its Describe's; another kind's are the statuses the Describes
        # showed, and with this delivery order a status may come and go between two (never one more)
        if kind == "training":
            assert job["transitions"] == len(outcome.transitions)
        else:
            assert 1 <= job["transitions"] <= len(outcome.transitions), (kind, name)
    # One job name in two accounts: two histories
    twins = Counter((kind, name) for _, _, kind, name in jobs)
    [(twin, count)] = [(job, n) for job, n in twins.items() if n > 1]
    assert count == 2
    assert {account for account, _, kind, name in jobs if (kind, name) == twin} == {HOME_ACCOUNT, MEMBER_A}


def test_organization_mode_rejects_the_strangers_event_with_its_reason(
    organization_demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, text = organization_demo
    organization = summary["organization"]
    reason = f"account {STRANGER} is not a member account (MemberAccountIds: {MEMBER_A}, {MEMBER_B})"

    [rejected] = organization["rejected"]

    assert (rejected["account"], rejected["reason"]) == (STRANGER, reason)
    assert rejected["job_name"] in {name for _, _, _, name in placed_jobs()}
    assert STRANGER not in {job["account"] for job in summary["jobs"]}
    assert STRANGER not in {place["account"] for place in organization["places"]}
    # Delivered once, never described; every other event went through
    steps = sum(len(load_lifecycle(name).steps) for name, _ in organization_plan().runs)
    assert summary["events"]["sent"] == steps + 1 + summary["events"]["duplicates"]
    assert summary["events"]["redelivered"] == 0
    # The report shows it, reason in full
    rejected_table = text.split("Rejected events, parked in the dead-letter queue")[1]
    assert STRANGER in rejected_table
    assert " ".join(reason.split()) in " ".join(rejected_table.replace("│", " ").split())


def test_organization_mode_assumes_each_members_role_once(
    organization_demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, text = organization_demo
    organization = summary["organization"]
    places = {(p["account"], p["region"]): p for p in organization["places"]}
    jobs = Counter((j["account"], j["region"]) for j in summary["jobs"])

    # One AssumeRole per member account for the whole replay, however many Describes there
    assert organization["assume_role_calls"] == {MEMBER_A: 1, MEMBER_B: 1}
    member_describes = sum(p["describes"] for (account, _), p in places.items() if account != HOME_ACCOUNT)
    assert member_describes > 10
    # Each place's jobs were described there (at least once per job)
    assert set(places) == set(jobs)
    for place, counted in places.items():
        assert counted["jobs"] == jobs[place]
        assert counted["describes"] >= counted["jobs"], place
    assert organization["member_accounts"] == [MEMBER_A, MEMBER_B]
    assert organization["regions"] == ["us-east-1", "eu-west-1"]
    # The report says so
    assert f"AssumeRole: 2 calls (1 for {MEMBER_A}, 1 for {MEMBER_B}) for {member_describes} Describe" in (
        " ".join(text.split())
    )
    assert "Where the jobs ran" in text


def test_organization_mode_alerts_quote_logs_read_in_the_jobs_account(
    organization_demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, _ = organization_demo
    logs = organization_plan().logs()
    assert {log.job.account for log in logs} > {HOME_ACCOUNT}  # some logs are in member accounts

    for log in logs:
        [text] = [
            t
            for t in summary["slack"]["messages"]
            if t.startswith(f"Failed: {log.job.name}\n") and f"{log.job.account}/{log.job.region}/" in t
        ]
        assert f"```\n{chr(10).join(last_lines(log.lines, DEFAULT_LOG_LINES))}```" in text, log.job


def test_organization_mode_the_jobs_table_has_account_and_region_columns(
    organization_demo: tuple[Path, dict[str, Any], str],
) -> None:
    home, summary, _ = organization_demo
    program = f"{sys.executable} -m jobtrail"
    [twin_command] = [c for c in summary["query_commands"] if " show " in c and "--account" in c]
    name = shlex.split(twin_command.removeprefix(program))[2]

    listed = jobtrail(home, "--local", "jobs", env={"COLUMNS": "200"})
    ambiguous = jobtrail(home, "--local", "show", name)
    shown = jobtrail(home, *shlex.split(twin_command.removeprefix(program)), "--json")
    member = jobtrail(home, "--local", "jobs", "--account", MEMBER_A, "--json")

    assert (listed.returncode, listed.stderr) == (0, "")
    header = next(line for line in listed.stdout.splitlines() if line.lstrip().startswith("Job "))
    assert re.search(r"Job +┃ Account +┃ Region +┃ Status", header), header
    rows = [line for line in listed.stdout.splitlines() if line.lstrip().startswith(f"{name} ")]
    assert sorted(re.split(r" *│ *", row.strip())[1] for row in rows) == [HOME_ACCOUNT, MEMBER_A]
    assert ambiguous.returncode == 2
    assert f"pass --account {HOME_ACCOUNT} or --account {MEMBER_A}" in ambiguous.stderr
    assert shown.returncode == 0, shown.stderr
    assert (json.loads(shown.stdout)["account"], json.loads(shown.stdout)["job_name"]) == (MEMBER_A, name)
    assert member.returncode == 0, member.stderr
    assert {job["account"] for job in json.loads(member.stdout)} == {MEMBER_A}
    assert len(json.loads(member.stdout)) == sum(j["account"] == MEMBER_A for j in summary["jobs"])


def test_organization_mode_suggests_its_commands_and_the_one_account_demo(
    organization_demo: tuple[Path, dict[str, Any], str],
) -> None:
    home, summary, text = organization_demo
    program = f"{sys.executable} -m jobtrail"

    for command in summary["query_commands"]:
        args = shlex.split(command.removeprefix(program))
        result = jobtrail(home, *args, env={"COLUMNS": "120"})
        assert (result.returncode, result.stderr) == (0, ""), args
        assert re.search(rf"^  {re.escape(command)}  +# \S", text, re.M), command
    assert re.search(rf"^  {re.escape(program)} demo  +# back to one account", text, re.M)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--accounts", "4"), "argument --accounts: invalid choice: 4 (choose from 1, 2, 3)"),
        (("--accounts", "three"), "argument --accounts: invalid int value: 'three'"),
        (("--accounts", "3", "--reset"), "argument --reset: not allowed with argument --accounts"),
    ],
)
def test_a_bad_accounts_option_is_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    result = jobtrail(tmp_path / ".jobtrail", "demo", *args)

    assert result.returncode == 2
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".jobtrail").exists()
