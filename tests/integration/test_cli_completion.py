"""Shell completion (argcomplete): subcommands, options, and job names from the table the command line
names; silent when that table cannot be read; no AWS SDK or rich loaded unless a job name is completed.

A shell asks by running ``jobtrail`` with argcomplete's variables set (``_ARGCOMPLETE``, ``COMP_LINE``,
``COMP_POINT``); the answers are written to ``_ARGCOMPLETE_STDOUT_FILENAME``, a line each here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import kind_samples as samples
import pytest
from cli_process import SOURCE_PATH, run_jobtrail
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lifecycles import load_lifecycle
from recorded_tables import recorded_table

pytestmark = pytest.mark.dynamodb_local

SUBCOMMANDS = {"demo", "jobs", "alerts", "backfill", "dlq", "completion", "show", "history", "metrics"}
TUNING_JOBS = sorted(load_lifecycle("tuning").job_names)
SPOT_JOB = load_lifecycle("spot-interrupted").job_names[0]
#: Libraries a completion of anything but a job name must not load (``--help`` speed).
HEAVY = ("boto3", "botocore", "pynamodb", "rich")


@pytest.fixture(scope="module")
def where(dynamodb_local: DynamoDBLocal) -> Iterator[list[str]]:
    """A table holding the three jobs of a tuning job and a spot job; the options that name it."""
    with recorded_table(dynamodb_local, "tuning", "spot-interrupted") as options:
        yield options


def complete(
    line: str, tmp_path: Path, env: dict[str, str] | None = None, *, python_flags: tuple[str, ...] = ()
) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """What ``jobtrail`` offers for ``line`` (the cursor at its end), and the process."""
    answers = tmp_path / "completions"
    answers.unlink(missing_ok=True)
    variables = {
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_SUPPRESS_SPACE": "1",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answers),
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
    }
    process = subprocess.run(
        [sys.executable, *python_flags, "-m", "jobtrail"],
        capture_output=True,
        text=True,
        env={**_environment(), **variables, **(env or {})},
        timeout=60,
        check=False,
    )
    offered = answers.read_text().splitlines() if answers.exists() else []
    return [word.strip() for word in offered], process


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SOURCE_PATH}


def test_subcommands_are_completed(tmp_path: Path) -> None:
    offered, process = complete("jobtrail ", tmp_path)
    assert process.returncode == 0
    assert set(offered) >= SUBCOMMANDS
    assert complete("jobtrail hi", tmp_path)[0] == ["history"]
    assert [w for w in complete("jobtrail dlq ", tmp_path)[0] if not w.startswith("-")] == ["list", "redrive"]


def test_options_are_completed_before_and_after_the_command(tmp_path: Path) -> None:
    assert {"--tz", "--local", "--table", "--version"} <= set(complete("jobtrail --", tmp_path)[0])
    assert set(complete("jobtrail jobs --t", tmp_path)[0]) == {"--tuning-job", "--table", "--tz"}
    assert complete("jobtrail completion ", tmp_path)[0] == ["-h", "--help", "bash", "zsh", "fish"]


def test_job_names_come_from_the_table_the_line_names(tmp_path: Path, where: list[str]) -> None:
    options = " ".join(where)
    for line in (f"jobtrail {options} show xgb-", f"jobtrail history {options} xgb-tune-1120-00"):
        offered, process = complete(line, tmp_path)
        assert (process.returncode, process.stderr) == (0, "")
        assert sorted(offered) == TUNING_JOBS
    assert complete(f"jobtrail alerts {options} detr", tmp_path)[0] == [SPOT_JOB]


def test_job_names_from_the_tables_variables(tmp_path: Path, where: list[str]) -> None:
    table, endpoint = where[1], where[3]
    env = {"JOBTRAIL_TABLE": table, "AWS_ENDPOINT_URL_DYNAMODB": endpoint}
    offered, _ = complete("jobtrail show ", tmp_path, env)
    assert set(offered) >= {*TUNING_JOBS, SPOT_JOB}


@pytest.mark.parametrize(
    ("line", "env"),
    [
        ("jobtrail show xgb", {"JOBTRAIL_TABLE": ""}),
        ("jobtrail --table missing-table show xgb", {}),
        ("jobtrail --table t --endpoint-url http://127.0.0.1:9 history x", {}),
        ("jobtrail --table t show x", {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}),
        ("jobtrail --table t --stack s show x", {}),
    ],
)
def test_job_names_fail_silently_when_the_table_cannot_be_read(
    tmp_path: Path, where: list[str], line: str, env: dict[str, str]
) -> None:
    endpoint = {"AWS_ENDPOINT_URL_DYNAMODB": where[3]} if "--endpoint-url" not in line else {}
    offered, process = complete(line, tmp_path, {**endpoint, **env})
    assert (offered, process.returncode, process.stdout, process.stderr) == ([], 0, "", "")


def _loaded(process: subprocess.CompletedProcess[str]) -> set[str]:
    """The top-level modules ``python -X importtime`` reported loading."""
    return {m.group(1) for m in re.finditer(r"^import time:.*\|\s+([\w.]+)$", process.stderr, re.MULTILINE)}


def test_completing_commands_and_options_loads_no_aws_sdk_or_rich(tmp_path: Path, where: list[str]) -> None:
    for line in ("jobtrail ", "jobtrail jobs --", f"jobtrail {' '.join(where)} show --"):
        offered, process = complete(line, tmp_path, python_flags=("-X", "importtime"))
        assert offered
        assert not _loaded(process) & set(HEAVY), line
    # A job name needs the table: then they are loaded
    offered, process = complete(
        f"jobtrail {' '.join(where)} show det", tmp_path, python_flags=("-X", "importtime")
    )
    assert offered == [SPOT_JOB]
    assert {"boto3", "pynamodb"} <= _loaded(process)


@pytest.mark.parametrize(
    ("shell", "registers"),
    [
        ("bash", "-F _python_argcomplete jobtrail"),
        ("zsh", "#compdef jobtrail"),
        ("fish", "complete --command jobtrail"),
    ],
)
def test_completion_prints_the_script_to_source(shell: str, registers: str) -> None:
    result = run_jobtrail("completion", shell)
    assert (result.returncode, result.stderr) == (0, "")
    assert registers in result.stdout


def test_bash_completes_with_the_printed_script(tmp_path: Path, where: list[str]) -> None:
    # Given `jobtrail` on PATH, and bash with the script `jobtrail completion bash` prints
    # When bash asks for the completions of a job name
    offered = bash_completions(tmp_path, f"jobtrail {' '.join(where)} show xgb")
    # Then it gets the tuning job's three jobs
    assert sorted(offered) == TUNING_JOBS


def bash_completions(tmp_path: Path, line: str) -> list[str]:
    """What bash offers for the last word of ``line``, with ``jobtrail`` on PATH and the script
    ``jobtrail completion bash`` prints loaded."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash here")
    (tmp_path / "jobtrail").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m jobtrail "$@"\n')
    (tmp_path / "jobtrail").chmod(0o755)
    script = f"""
        source <(jobtrail completion bash)
        COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}; read -ra COMP_WORDS <<< "$COMP_LINE"
        COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
        _python_argcomplete jobtrail "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    result = subprocess.run(
        [bash, "-c", script],
        capture_output=True,
        text=True,
        env={**_environment(), "PATH": f"{tmp_path}:/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [word.strip() for word in result.stdout.split()]


# -- every kind: pipeline executions (PIPELINE/EXECUTION-ID), --kind, names several kinds share -----------


@pytest.fixture(scope="module")
def kinds_where(dynamodb_local: DynamoDBLocal) -> Iterator[list[str]]:
    """A table holding ``kind_samples``' jobs of every kind; the options that name it."""
    with samples.stored_table(dynamodb_local.endpoint_url, "jobtrail-cli", samples.records()) as name:
        yield ["--table", name, "--endpoint-url", dynamodb_local.endpoint_url]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (f"show {samples.PIPELINE}/", [samples.EXECUTION_FAILED, samples.EXECUTION_OK]),
        ("history churn-pipeline/zt", [samples.EXECUTION_FAILED]),
        ("show churn-eval", [samples.SHARED]),  # a processing and a training job: the name once
        ("show --kind pipeline churn-", [samples.EXECUTION_FAILED, samples.EXECUTION_OK]),
        ("metrics --kind tuning churn-", [samples.TUNING]),
    ],
)
def test_job_names_of_every_kind_are_completed(
    tmp_path: Path, kinds_where: list[str], typed: str, expected: list[str]
) -> None:
    offered, process = complete(f"jobtrail {' '.join(kinds_where)} {typed}", tmp_path)
    assert (process.returncode, process.stderr) == (0, "")
    assert offered == expected


def test_bash_completes_a_pipeline_execution_name_with_its_slash(
    tmp_path: Path, kinds_where: list[str]
) -> None:
    offered = bash_completions(tmp_path, f"jobtrail {' '.join(kinds_where)} history churn-pipeline/zt")
    assert offered == [samples.EXECUTION_FAILED]


def test_kinds_are_completed_without_loading_the_aws_sdk(tmp_path: Path) -> None:
    offered, process = complete("jobtrail show --kind p", tmp_path, python_flags=("-X", "importtime"))
    assert offered == ["processing", "pipeline"]
    assert not _loaded(process) & set(HEAVY)
    assert complete("jobtrail watch --kind ", tmp_path)[0] == [
        "training",
        "processing",
        "transform",
        "tuning",
        "pipeline",
    ]


def test_alerts_test_is_offered_after_alerts_never_as_one_word(tmp_path: Path, where: list[str]) -> None:
    # `alerts test` is one command word for argparse only: the shell offers `test` after `alerts`
    assert complete("jobtrail al", tmp_path)[0] == ["alerts"]
    assert complete("jobtrail alerts te", tmp_path, {"JOBTRAIL_TABLE": ""})[0] == ["test"]
    # beside the job names of the table
    offered = [
        word for word in complete(f"jobtrail alerts {' '.join(where)} ", tmp_path)[0] if word[0] != "-"
    ]
    assert offered[0] == "test"
    assert set(offered[1:]) >= {*TUNING_JOBS, SPOT_JOB}
