"""``--tz`` and ``$JOBTRAIL_TZ``: tables show times in the zone asked, and say which; ``--json`` stays UTC,
byte for byte; an unknown zone is one line naming where it came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from jobtrail_cli import main, render
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lifecycles import load_lifecycle
from recorded_tables import recorded_table
from rich.console import Console

pytestmark = pytest.mark.dynamodb_local

COMMANDS = (["jobs"], ["alerts"], ["show", "{job}"], ["history", "{job}"], ["metrics", "{job}"])
FAILED_JOB = load_lifecycle("failed").job_names[0]


@pytest.fixture(scope="module")
def where(dynamodb_local: DynamoDBLocal) -> Iterator[list[str]]:
    """A table holding a completed and a failed job (with its alerts); the options that name it."""
    with recorded_table(dynamodb_local, "completed", "failed") as options:
        yield options


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> StringIO:
    """What the tables print, on a terminal wide enough for every column."""
    printed = StringIO()
    monkeypatch.setattr(render, "console", Console(file=printed, width=200, color_system=None))
    return printed


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([word.format(job=FAILED_JOB) for word in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def shown(iso: str, zone: str) -> str:
    """An ISO time from ``--json`` as a table shows it in ``zone``."""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def test_tables_show_times_in_the_zone_asked_and_name_it(
    where: list[str], screen: StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the failed job's times as --json gives them (UTC)
    summary = json.loads(cli([*where, "show", FAILED_JOB, "--json"], capsys)[1])
    start = json.loads(cli([*where, "history", FAILED_JOB, "--json"], capsys)[1])[0]["start_time"]
    alert_time = json.loads(cli([*where, "alerts", "--json"], capsys)[1])[0]["transition_start_time"]
    assert summary["creation_time"].endswith("+00:00")
    # When each table is printed in Tokyo time
    outputs = {}
    for command in COMMANDS:
        assert cli([*where, "--tz", "Asia/Tokyo", *command], capsys)[0] == 0
        outputs[command[0]] = " ".join(screen.getvalue().split())
        screen.truncate(0)
        screen.seek(0)
    # Then the times are Tokyo's, and every table says so
    created = shown(summary["creation_time"], "Asia/Tokyo")
    assert created != shown(summary["creation_time"], "UTC")
    assert "newest first (Asia/Tokyo)" in outputs["jobs"]
    assert created in outputs["jobs"]
    assert "newest first (Asia/Tokyo)" in outputs["alerts"]
    assert shown(alert_time, "Asia/Tokyo") in outputs["alerts"]
    assert "Times in Asia/Tokyo." in outputs["show"]
    assert f"Created {created}" in outputs["show"]
    assert "Started (Asia/Tokyo)" in outputs["history"]
    assert shown(start, "Asia/Tokyo") in outputs["history"]
    assert "UTC" not in outputs["history"]


def test_utc_by_default_and_named(
    where: list[str], screen: StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli([*where, "jobs"], capsys)[0] == 0
    assert "newest first (UTC)" in " ".join(screen.getvalue().split())


@pytest.mark.parametrize("command", COMMANDS)
def test_json_is_the_same_bytes_whatever_the_zone(
    where: list[str], command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = cli([*where, *command, "--json"], capsys)
    assert (plain[0], plain[2]) == (0, "")
    for argv in (
        [*where, "--tz", "Asia/Tokyo", *command, "--json"],
        [*where, *command, "--json", "--tz", "local"],
        [*where, *command, "--json", "--tz", "America/St_Johns"],
    ):
        assert cli(argv, capsys) == plain
    monkeypatch.setenv("JOBTRAIL_TZ", "Europe/Paris")
    assert cli([*where, *command, "--json"], capsys) == plain


def test_the_option_works_on_either_side_of_the_command(
    where: list[str], screen: StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = []
    for argv in (
        [*where, "--tz", "Europe/Paris", "history", FAILED_JOB],
        [*where, "history", FAILED_JOB, "--tz", "Europe/Paris"],
    ):
        assert cli(argv, capsys)[0] == 0
        printed.append(screen.getvalue())
        screen.truncate(0)
        screen.seek(0)
    assert printed[0] == printed[1]
    assert "Started (Europe/Paris)" in printed[0]


def test_the_variable_sets_the_zone_and_the_option_wins(
    where: list[str], screen: StringIO, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBTRAIL_TZ", "Europe/Paris")
    assert cli([*where, "jobs"], capsys)[0] == 0
    assert "newest first (Europe/Paris)" in " ".join(screen.getvalue().split())
    assert cli([*where, "jobs", "--tz", "UTC"], capsys)[0] == 0
    assert "newest first (UTC)" in " ".join(screen.getvalue().split())


@pytest.mark.parametrize(
    ("argv", "variable", "line"),
    [
        (["--tz", "Mars/Olympus", "jobs"], "", "jobtrail: --tz: unknown time zone 'Mars/Olympus'"),
        (["jobs", "--json", "--tz", "europe/pari"], "", "jobtrail: --tz: unknown time zone 'europe/pari'"),
        (["jobs", "--tz", ""], "", "jobtrail: --tz: unknown time zone ''"),
        (["jobs"], "Nowhere", "jobtrail: JOBTRAIL_TZ: unknown time zone 'Nowhere'"),
    ],
)
def test_an_unknown_zone_is_one_line_and_a_usage_error(
    where: list[str],
    argv: list[str],
    variable: str,
    line: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JOBTRAIL_TZ", variable)
    code, out, err = cli([*where, *argv], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(line)
    assert err.count("\n") == 1
