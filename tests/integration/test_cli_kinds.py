"""The ``jobtrail`` CLI on jobs of every kind, as a new user would try it: a table in DynamoDB Local holding
processing, transform and tuning jobs, pipeline executions and training jobs (``kind_samples``), a
processing job and a training job among them with the same name.

Expectations are read from the Describe answers the jobs were recorded from, not from jobtrail's views."""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import boto3
import kind_samples as samples
import pytest
from botocore.stub import Stubber
from cli_process import run_on
from jobtrail.core.kinds import KINDS, key_from_arn
from jobtrail_cli import main, render
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.dynamodb_local import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local

#: The fields ``show --json`` of a training job has always had: they keep their names.
TRAINING_KEYS = {
    "job_name", "job_arn", "status", "secondary_status", "failure_reason", "creation_time",
    "training_start_time", "training_end_time", "last_modified_time", "training_time_seconds",
    "billable_time_seconds", "managed_spot", "spot_savings_percent", "tuning_job_arn", "instance_type",
    "instance_count", "max_runtime_seconds", "max_wait_seconds", "model_artifacts_uri", "final_metrics",
}  # fmt: skip
TRANSITION_KEYS = {"status", "start_time", "end_time", "duration_seconds", "message"}


@pytest.fixture(scope="module")
def table(dynamodb_local: DynamoDBLocal) -> Iterator[dict[str, str]]:
    """A table holding every job of ``kind_samples``, written as ingest writes them."""
    with samples.stored_table(dynamodb_local.endpoint_url, "jobtrail-kinds", samples.records()) as name:
        yield {"name": name, "endpoint": dynamodb_local.endpoint_url}


def run(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_on(table, *args, capsys=capsys)


def again(table: dict[str, str]) -> str:
    """How the CLI's hints spell running it again on this table (from a test: ``python -m jobtrail``)."""
    return f"{sys.executable} -m jobtrail --table {table['name']} --endpoint-url {table['endpoint']}"


def run_suggested(command: str, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run a suggested command as the user would paste it (``python -m jobtrail`` in-process), ``--json``."""
    program, module, name, *args = shlex.split(command)
    assert (program, module, name) == (sys.executable, "-m", "jobtrail")
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    return json.loads(captured.out)


def run_json(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> Any:
    code, out, err = run(table, *args, "--json", capsys=capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def printed_tables(printed: str) -> list[tuple[list[str], list[dict[str, str]]]]:
    """Every table in ``printed``: its headers and its rows, each a dict of its cells (rows of one line;
    tables have no outer edge, so a row starts with a space and what follows a table does not)."""
    lines = printed.splitlines()
    found = []
    for index, line in enumerate(lines):
        if "━" not in line:
            continue
        headers = [cell.strip() for cell in lines[index - 1].split("┃")]
        rows = []
        for row in lines[index + 1 :]:
            if not row.startswith(" ") or "│" not in row:
                break
            rows.append(dict(zip(headers, (cell.strip() for cell in row.split("│")), strict=True)))
        found.append((headers, rows))
    return found


def words(text: str) -> str:
    """``text`` with its line breaks and runs of spaces as single spaces (tables wrap and pad)."""
    return " ".join(text.split())


def final(kind: str, name: str) -> samples.Answer:
    """The answer a job of the table was recorded from."""
    return next(a for a in samples.answers() if a.record().key.kind == kind and a.record().job_name == name)


# -- the samples are what SageMaker could answer --------------------------------------------------------


def test_the_samples_are_valid_answers_of_botocores_model() -> None:
    # Stubber checks each response against the operation's output shape, and refuses what does not fit
    client = boto3.client(
        "sagemaker", region_name=samples.REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    answers = [*samples.answers(), *map(samples.pipeline_answer, samples.running_pipeline())]
    for answer in answers:
        stubber.add_response(answer.method, answer.response)
        if answer.method == "describe_pipeline_execution":
            stubber.add_response(
                "list_pipeline_execution_steps", {"PipelineExecutionSteps": list(answer.steps)}
            )
    assert {answer.record().key.kind for answer in answers} == set(KINDS)


# -- jobs ------------------------------------------------------------------------------------------------


def test_jobs_lists_every_kind_newest_first_with_kind_account_and_region(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = run_json(table, "jobs", capsys=capsys)
    expected = sorted(samples.records(), key=lambda r: r.summary.creation_time, reverse=True)
    assert [(j["kind"], j["job_name"]) for j in jobs] == [(r.key.kind, r.job_name) for r in expected]
    assert {(j["account"], j["region"]) for j in jobs} == {(samples.ACCOUNT, samples.REGION)}


@pytest.mark.parametrize("kind", KINDS)
def test_jobs_of_one_kind(table: dict[str, str], capsys: pytest.CaptureFixture[str], kind: str) -> None:
    with count_aws_calls() as calls:
        jobs = run_json(table, "jobs", "--kind", kind, capsys=capsys)
    expected = {r.job_name for r in samples.records() if r.key.kind == kind}
    assert expected
    assert {j["job_name"] for j in jobs} == expected
    assert {j["kind"] for j in jobs} == {kind}
    assert (calls["dynamodb.Query"], calls["dynamodb.Scan"]) == (1, 0)


@pytest.mark.parametrize("status", ["Succeeded", "Failed", "Completed", "Stopped"])
def test_jobs_status_is_any_kinds(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], status: str
) -> None:
    expected = {
        (r.key.kind, r.job_name)
        for r in samples.records()
        if status in {r.summary.status, r.summary.secondary_status}
    }
    assert expected
    jobs = run_json(table, "jobs", "--status", status.lower(), capsys=capsys)
    assert {(j["kind"], j["job_name"]) for j in jobs} == expected


def test_a_status_the_kind_never_has_is_refused_in_one_line(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(table, "jobs", "--kind", "pipeline", "--status", "Completed", capsys=capsys)
    assert (code, out) == (2, "")
    assert err == (
        "jobtrail: pipeline executions are never Completed: their statuses are Executing, Stopping, "
        "Succeeded, Failed, Stopped\n"
    )
    # A training job's secondary status is one of its statuses
    assert run(table, "jobs", "--kind", "training", "--status", "Interrupted", capsys=capsys)[0] == 0


def test_the_jobs_table_has_a_kind_column_and_its_title_says_what_it_lists(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    stored = run_json(table, "jobs", capsys=capsys)
    printed = screen(200)
    assert run(table, "jobs", capsys=capsys)[0] == 0
    [(headers, rows)] = printed_tables(printed.getvalue())
    assert headers[:3] == ["Job", "Status", "Kind"]
    assert [(r["Job"], r["Kind"], r["Status"]) for r in rows] == [
        (j["job_name"], j["kind"], j["status"]) for j in stored
    ]
    assert printed.getvalue().startswith(f"Jobs in table {table['name']}")
    printed = screen(200)
    assert run(table, "jobs", "--kind", "pipeline", capsys=capsys)[0] == 0
    assert printed.getvalue().startswith(f"Pipeline executions in table {table['name']}")


@pytest.mark.parametrize("width", [80, 60])
def test_at_narrow_widths_names_of_every_kind_stay_whole(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO], width: int
) -> None:
    stored = run_json(table, "jobs", capsys=capsys)
    printed = screen(width)
    assert run(table, "jobs", capsys=capsys)[0] == 0
    [(headers, rows)] = printed_tables(printed.getvalue())
    assert headers[:2] == ["Job", "Status"]
    assert [(r["Job"], r["Status"]) for r in rows] == [(j["job_name"], j["status"]) for j in stored]
    if "Kind" in headers:
        assert [r["Kind"] for r in rows] == [j["kind"] for j in stored]
    assert max(len(line) for line in printed.getvalue().splitlines()) <= width


def test_jobs_of_a_tuning_job_are_its_training_jobs(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    children = run_json(table, "jobs", "--tuning-job", samples.TUNING, capsys=capsys)
    assert {j["job_name"] for j in children} == {*samples.CHILDREN, samples.STOPPED_CHILD}
    assert {j["kind"] for j in children} == {"training"}
    assert (
        run_json(table, "jobs", "--tuning-job", samples.TUNING, "--kind", "training", capsys=capsys)
        == children
    )
    code, out, err = run(table, "jobs", "--tuning-job", samples.TUNING, "--kind", "processing", capsys=capsys)
    assert (code, out) == (2, "")
    assert err == (
        "jobtrail: a tuning job's jobs are training jobs: leave out --kind processing with --tuning-job\n"
    )


# -- show, per kind ----------------------------------------------------------------------------------------


def test_show_of_a_processing_job(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    truth = final("processing", samples.PROCESSING_FAILED).response
    shown = run_json(table, "show", samples.PROCESSING_FAILED, capsys=capsys)
    assert (shown["kind"], shown["status"]) == ("processing", "Failed")
    assert shown["exit_message"] == truth["ExitMessage"]
    assert shown["failure_reason"] == truth["FailureReason"]
    assert shown["instance_type"] == truth["ProcessingResources"]["ClusterConfig"]["InstanceType"]
    assert shown["max_runtime_seconds"] == truth["StoppingCondition"]["MaxRuntimeInSeconds"]
    assert shown["final_metrics"] == []
    code, out, _ = run(table, "show", samples.PROCESSING_FAILED, capsys=capsys)
    assert code == 0
    for row in (
        "Kind processing",
        f"Exit message {truth['ExitMessage']}",
        "Instances 1 x ml.m5.xlarge",
        "Max runtime 1h 00m 00s",
        f"Failure reason {truth['FailureReason']}",
        "Ran 39s",
    ):
        assert row in words(out)
    assert "Final metrics" not in out


def test_show_of_a_transform_job(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    truth = final("transform", samples.TRANSFORM).response
    shown = run_json(table, "show", samples.TRANSFORM, capsys=capsys)
    assert (shown["kind"], shown["model_name"]) == ("transform", truth["ModelName"])
    assert shown["instance_type"] == truth["TransformResources"]["InstanceType"]
    code, out, _ = run(table, "show", samples.TRANSFORM, capsys=capsys)
    assert code == 0
    assert f"Model {truth['ModelName']}" in words(out)
    assert "Instances 1 x ml.m5.large" in words(out)


def test_show_of_a_tuning_job_gives_its_counters_and_best_job_and_how_to_list_its_children(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    truth = final("tuning", samples.TUNING).response
    shown = run_json(table, "show", samples.TUNING, capsys=capsys)
    assert shown["training_job_counts"] == truth["TrainingJobStatusCounters"]
    assert shown["best_training_job"] == truth["BestTrainingJob"]["TrainingJobName"]
    assert shown["best_objective_value"] == samples.BEST_VALUE
    assert shown["objective_metric"] == samples.OBJECTIVE
    code, out, _ = run(table, "show", samples.TUNING, capsys=capsys)
    assert code == 0
    for row in (
        "Training jobs 3 Completed, 1 Stopped",
        "Objective statuses 3 Succeeded, 1 Failed",
        f"Objective {samples.OBJECTIVE} (maximize)",
        f"Best training job {samples.BEST_CHILD}",
        f"Best objective {samples.BEST_VALUE!r}",
    ):
        assert row in words(out)
    # The hints are commands that work, on the same table, pasted as they are
    hints = re.findall(rf"^.*?: ({re.escape(again(table))} .+)$", out, re.MULTILINE)
    assert hints == [
        f"{again(table)} jobs --tuning-job {samples.TUNING}",
        f"{again(table)} show --kind training {samples.BEST_CHILD}",
    ]
    children = run_suggested(hints[0], capsys)
    assert len(children) == sum(truth["TrainingJobStatusCounters"].values())
    assert run_suggested(hints[1], capsys)["job_name"] == samples.BEST_CHILD


def test_show_of_a_pipeline_execution_gives_its_failed_step_and_steps(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    execution, steps = samples.execution_failed()
    shown = run_json(table, "show", samples.EXECUTION_FAILED, capsys=capsys)
    assert (shown["kind"], shown["status"], shown["failed_step"]) == ("pipeline", "Failed", "Train")
    assert shown["job_arn"] == execution["PipelineExecutionArn"]
    by_name = {s["step_name"]: s for s in shown["steps"]}
    assert set(by_name) == {s["StepName"] for s in steps}
    for step in steps:
        arn = next(iter(step["Metadata"].values()))["Arn"]
        job = key_from_arn(arn)
        assert job is not None
        assert by_name[step["StepName"]]["job"]["kind"] == job.kind
        assert by_name[step["StepName"]]["job"]["job_name"] == arn.rsplit("/", 1)[-1]
        assert by_name[step["StepName"]]["status"] == step["StepStatus"]
    code, out, _ = run(table, "show", samples.EXECUTION_FAILED, capsys=capsys)
    assert code == 0
    for row in (
        "Pipeline churn-pipeline",
        "Execution ztefwbnlgoif",
        "Steps 2 (1 Succeeded, 1 Failed)",
        "Failed step Train",
        f"Step failure {samples.TRAIN_FAILURE}",
        f"Step's job training {samples.TRAIN_JOB}",
    ):
        assert row in words(out)
    assert f"{again(table)} history {samples.EXECUTION_FAILED}" in out
    assert f"{again(table)} show --kind training {samples.TRAIN_JOB}" in out


def test_show_of_a_training_job_keeps_its_fields_and_names(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    truth = final("training", samples.BEST_CHILD).response
    shown = run_json(table, "show", samples.BEST_CHILD, capsys=capsys)
    assert set(shown) >= TRAINING_KEYS | {"kind", "account", "region"}
    assert shown["kind"] == "training"
    assert shown["training_start_time"] == truth["TrainingStartTime"].isoformat(timespec="milliseconds")
    assert shown["tuning_job_arn"].endswith(f"/{samples.TUNING}")
    assert len(shown["final_metrics"]) == len(truth["FinalMetricDataList"])


# -- a name several kinds share; names not found ---------------------------------------------------------


@pytest.mark.parametrize("command", ["show", "history", "metrics", "alerts", "watch"])
@pytest.mark.parametrize("name", [samples.SHARED, "churn-evaluate"])
def test_a_name_of_several_kinds_exits_2_saying_which_kind_to_pass(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    code, out, err = run(table, command, name, capsys=capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"jobtrail: 2 jobs are named {samples.SHARED!r}: pass --kind processing or --kind training\n"
    )


@pytest.mark.parametrize("kind", ["processing", "training"])
def test_kind_picks_one_of_the_jobs_sharing_a_name(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    shown = run_json(table, "show", "--kind", kind, samples.SHARED, capsys=capsys)
    assert (shown["kind"], shown["job_name"]) == (kind, samples.SHARED)
    assert ("training_start_time" in shown) == (kind == "training")
    history = run_json(table, "history", samples.SHARED, "--kind", kind, capsys=capsys)
    assert history[0]["status"] == ("Starting" if kind == "training" else "InProgress")


def test_a_name_of_one_kind_is_found_without_kind_and_not_with_another(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_json(table, "show", samples.PROCESSING_OK, capsys=capsys)["kind"] == "processing"
    code, out, err = run(table, "show", "--kind", "transform", samples.PROCESSING_OK, capsys=capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"jobtrail: no transform job named {samples.PROCESSING_OK!r} in table ")
    assert err.count("\n") == 1


def test_an_unknown_name_suggests_close_ones_of_any_kind(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    typo = samples.TRANSFORM.replace("score", "scor")
    code, out, err = run(table, "show", typo, capsys=capsys)
    assert (code, out) == (1, "")
    assert f"did you mean {samples.TRANSFORM} or " in err
    assert err.endswith(f"(looked among its {len(samples.answers())} jobs)\n")
    assert err.count("\n") == 1


# -- pipeline execution names: PIPELINE/EXECUTION-ID -------------------------------------------------------


def test_a_pipeline_execution_is_found_by_its_name_or_a_prefix_with_its_slash(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(table, "show", "churn-pipeline/ztef", "--json", capsys=capsys)
    assert code == 0
    assert json.loads(out)["job_name"] == samples.EXECUTION_FAILED
    assert (
        err == f"jobtrail: churn-pipeline/ztef is the start of one job's name: {samples.EXECUTION_FAILED}\n"
    )


def test_a_pipeline_execution_is_found_whatever_the_case_of_its_pipeline_name(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # SageMaker's pipeline ARNs carry the name lowercased: the name as created finds it at once
    code, out, err = run(
        table, "show", samples.EXECUTION_FAILED.replace("churn-", "Churn-"), "--json", capsys=capsys
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["job_name"] == samples.EXECUTION_FAILED


def test_backfill_needs_a_kind_when_given_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--table", "any", "backfill", "--since", "1d", "--kind", ","])
    assert exited.value.code == 2
    assert "no kind given" in capsys.readouterr().err


@pytest.mark.parametrize("prefix", [samples.PIPELINE, f"{samples.PIPELINE}/"])
def test_a_pipeline_name_alone_lists_its_executions(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], prefix: str
) -> None:
    code, out, err = run(table, "history", prefix, capsys=capsys)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert f"2 of its {len(samples.answers())} jobs start so:" in err
    assert samples.EXECUTION_OK in err
    assert samples.EXECUTION_FAILED in err


@pytest.mark.parametrize("name", ["churn-pipeline/a/b", "/ztefwbnlgoif", "churn-pipeline/zte-fwb"])
def test_a_malformed_execution_name_is_said_so(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, err = run(table, "show", name, capsys=capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"jobtrail: {name!r} is not a job name: it is not PIPELINE/EXECUTION-ID")
    assert err.count("\n") == 1


# -- history ------------------------------------------------------------------------------------------


def test_history_json_of_every_kind_is_the_array_of_transitions(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for answer in samples.answers():
        job = answer.record().key
        history = run_json(table, "history", "--kind", job.kind, job.name, capsys=capsys)
        assert isinstance(history, list), job
        assert history, job
        assert all(set(entry) == TRANSITION_KEYS for entry in history), job
    pipeline = run_json(table, "history", samples.EXECUTION_FAILED, capsys=capsys)
    assert [(h["status"], h["message"]) for h in pipeline] == [
        ("Executing", None),
        ("Failed", samples.execution_failed()[0]["FailureReason"]),
    ]


def test_history_of_a_pipeline_execution_shows_its_steps_as_a_timeline(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    # Given the failed execution's steps as SageMaker listed them
    _, steps = samples.execution_failed()
    started = sorted(steps, key=lambda s: s["StartTime"])
    # When its history is printed with every column
    printed = screen(200)
    assert run(table, "history", samples.EXECUTION_FAILED, "--wide", capsys=capsys)[0] == 0
    output = printed.getvalue()
    # Then the execution's transitions come first, then a row per step in the order they started
    (_, transitions), (headers, rows) = printed_tables(output)
    assert [t["Status"] for t in transitions] == ["Executing", "Failed"]
    assert headers == ["Step", "Type", "Status", "Started (UTC)", "Duration", "Time spent", "Job"]
    assert [r["Step"] for r in rows] == [s["StepName"] for s in started]
    assert [r["Status"] for r in rows] == [s["StepStatus"] for s in started]
    assert [r["Type"] for r in rows] == ["Processing", "Training"]
    assert [r["Job"] for r in rows] == [
        f"processing {samples.FEATURIZE_JOB}",
        f"training {samples.TRAIN_JOB}",
    ]
    assert [r["Duration"] for r in rows] == ["8m 49s", "12m 12s"]
    bars = [r["Time spent"] for r in rows]
    assert all(set(bar) == {"█"} for bar in bars)
    assert len(bars[0]) < len(bars[1]) == render.BAR_WIDTH
    # And under them the failed step's reason, and the command that shows a step's job, whole
    assert f"Train failed: {samples.TRAIN_FAILURE}" in output
    hint = f"A step's job has its own history: {again(table)} show --kind training {samples.TRAIN_JOB}"
    assert hint in output.splitlines()


def test_the_step_jobs_hint_is_a_command_that_works(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(table, "history", samples.EXECUTION_FAILED, capsys=capsys)
    assert code == 0
    [command] = re.findall(r"has its own history: (.+)$", out, re.MULTILINE)
    shown = run_suggested(command, capsys)
    assert (shown["kind"], shown["job_name"], shown["status"]) == ("training", samples.TRAIN_JOB, "Failed")


@pytest.mark.parametrize("width", [80, 60])
def test_the_steps_of_a_pipeline_fit_narrow_terminals(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO], width: int
) -> None:
    printed = screen(width)
    assert run(table, "history", samples.EXECUTION_OK, capsys=capsys)[0] == 0
    output = printed.getvalue()
    (_, _), (headers, rows) = printed_tables(output)
    assert headers[:2] == ["Step", "Status"]
    assert [r["Step"] for r in rows] == ["Featurize", "Train", "CheckAuc", "Score"]
    assert "left out at" in output
    # Tables fit; only the command under them is longer (whole, for copying: the terminal wraps it)
    long_lines = [line for line in output.splitlines() if len(line) > width]
    assert all(
        line.startswith(f"A step's job has its own history: {again(table)} show") for line in long_lines
    )


# -- metrics --------------------------------------------------------------------------------------------


def test_metrics_of_a_tuning_job_is_its_objective(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_json(table, "metrics", samples.TUNING, capsys=capsys) == [
        {"name": samples.OBJECTIVE, "value": samples.BEST_VALUE, "timestamp": None}
    ]
    code, out, _ = run(table, "metrics", samples.TUNING, capsys=capsys)
    assert code == 0
    assert out.startswith(f"Objective of {samples.TUNING} in table {table['name']}")
    [row] = [line for line in out.splitlines() if samples.OBJECTIVE in line]
    assert [cell.strip() for cell in row.strip("│").split("│")] == [
        samples.OBJECTIVE,
        "Maximize",
        repr(samples.BEST_VALUE),
        samples.BEST_CHILD,
    ]


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        (samples.PROCESSING_OK, "Processing jobs"),
        (samples.TRANSFORM, "Transform jobs"),
        (samples.EXECUTION_OK, "Pipeline executions"),
    ],
)
def test_metrics_of_a_kind_without_metrics_says_so_in_one_line(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], name: str, kinds: str
) -> None:
    assert run_json(table, "metrics", name, capsys=capsys) == []
    code, out, err = run(table, "metrics", name, capsys=capsys)
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert out.startswith(f"{kinds} report no metrics: none for {name} in table {table['name']}")


# -- alerts ---------------------------------------------------------------------------------------------


def test_alerts_of_every_kind_and_of_one(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    failed = {(r.key.kind, r.job_name) for r in samples.records() if r.summary.status == "Failed"}
    alerts = run_json(table, "alerts", capsys=capsys)
    assert {(a["kind"], a["job_name"]) for a in alerts} == failed
    assert {a["alert_type"] for a in alerts} == {"Failed"}
    pipeline = run_json(table, "alerts", "--kind", "pipeline", capsys=capsys)
    assert [(a["kind"], a["job_name"]) for a in pipeline] == [("pipeline", samples.EXECUTION_FAILED)]
    assert run_json(table, "alerts", samples.EXECUTION_FAILED, capsys=capsys) == pipeline
    code, out, _ = run(table, "alerts", "--kind", "transform", capsys=capsys)
    assert code == 0
    assert words(out) == f"No alerts match kind transform in table {table['name']} at {table['endpoint']}."


def test_the_alerts_table_has_a_kind_column(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    alerts = run_json(table, "alerts", capsys=capsys)
    printed = screen(200)
    assert run(table, "alerts", capsys=capsys)[0] == 0
    [(_, rows)] = printed_tables(printed.getvalue())
    assert [(r["Kind"], r["Job"]) for r in rows] == [(a["kind"], a["job_name"]) for a in alerts]


# -- help ----------------------------------------------------------------------------------------------


def test_help_speaks_of_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = words(capsys.readouterr().out)
    assert (
        "SageMaker jobs: training, processing, transform and hyperparameter tuning jobs, and pipeline" in text
    )
    for command in ("jobs", "show", "history", "metrics", "alerts", "watch"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--kind KIND" in capsys.readouterr().out, command
