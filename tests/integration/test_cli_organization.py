"""The ``jobtrail`` CLI on an organization's table (DynamoDB Local): jobs of three accounts and two
regions, the same training job name in two accounts. ``--account`` and ``--job-region`` filter and
choose; tables show the account and region only when the rows hold more than one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import kind_samples as samples
import organization_samples as organization
import pytest
from cli_process import run_on
from jobtrail_local.dynamodb_local import DynamoDBLocal
from organization_samples import JOBS, MEMBER_A, MEMBER_B

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture(scope="module")
def table(dynamodb_local: DynamoDBLocal) -> Iterator[dict[str, str]]:
    endpoint = dynamodb_local.endpoint_url
    with samples.stored_table(endpoint, "jobtrail-org", organization.records()) as name:
        yield {"name": name, "endpoint": endpoint}


def run_json(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> Any:
    code, out, err = run_on(table, *args, "--json", capsys=capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def test_jobs_filter_by_account_and_region(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    every = run_json(table, "jobs", capsys=capsys)
    member_b = run_json(table, "jobs", "--account", MEMBER_B, capsys=capsys)
    ireland = run_json(table, "jobs", "--job-region", "eu-west-1", capsys=capsys)
    member_a_ireland = run_json(
        table, "jobs", "--account", MEMBER_A, "--job-region", "eu-west-1", capsys=capsys
    )

    assert sorted((job["account"], job["region"], job["job_name"]) for job in every) == sorted(
        (account, region, name) for account, region, name, _ in JOBS
    )
    assert {(job["account"], job["job_name"]) for job in member_b} == {
        (MEMBER_B, "same-name"),
        (MEMBER_B, "member-b-only"),
    }
    assert {job["region"] for job in ireland} == {"eu-west-1"}
    assert len(ireland) == 2
    assert member_a_ireland == []


def test_a_name_in_two_accounts_asks_which(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_on(table, "show", "same-name", capsys=capsys)

    assert (code, out) == (2, "")
    assert err == (
        f"jobtrail: 2 training jobs are named 'same-name', in {MEMBER_A} us-east-1, {MEMBER_B} eu-west-1: "
        f"pass --account {MEMBER_A} or --account {MEMBER_B}\n"
    )
    shown = run_json(table, "show", "same-name", "--account", MEMBER_B, capsys=capsys)
    assert (shown["account"], shown["region"]) == (MEMBER_B, "eu-west-1")
    by_region = run_json(table, "show", "same-name", "--job-region", "us-east-1", capsys=capsys)
    assert by_region["account"] == MEMBER_A


def test_a_job_not_in_the_account_asked_for_is_not_found(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_on(table, "show", "member-b-only", "--account", MEMBER_A, capsys=capsys)

    assert (code, out) == (1, "")
    assert err.startswith("jobtrail: no job named 'member-b-only'")
    assert err.count("\n") == 1


def test_alerts_filter_by_account(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    every = run_json(table, "alerts", capsys=capsys)
    member_a = run_json(table, "alerts", "--account", MEMBER_A, capsys=capsys)
    ireland = run_json(table, "alerts", "--job-region", "eu-west-1", capsys=capsys)

    assert {(alert["account"], alert["region"]) for alert in every} == {
        (MEMBER_A, "us-east-1"),
        (MEMBER_B, "eu-west-1"),
    }
    assert {alert["account"] for alert in member_a} == {MEMBER_A}
    assert {alert["region"] for alert in ireland} == {"eu-west-1"}
    assert member_a
    assert ireland


def test_tables_show_accounts_and_regions_only_when_they_differ(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, every, _ = run_on(table, "jobs", "--wide", capsys=capsys)
    assert code == 0
    header = next(line for line in every.splitlines() if "Job" in line and "Status" in line)
    assert "Account" in header
    assert "Region" in header
    assert MEMBER_A in every

    code, one_account, _ = run_on(table, "jobs", "--wide", "--account", MEMBER_B, capsys=capsys)
    header = next(line for line in one_account.splitlines() if "Job" in line and "Status" in line)
    assert code == 0
    assert "Account" not in header
    assert "Region" not in header


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--account", "12345", "an AWS account id is 12 digits, not '12345'"),
        ("--job-region", "Ireland", "not an AWS region name (such as eu-west-1): 'Ireland'"),
    ],
)
def test_a_bad_place_is_one_line(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        run_on(table, "jobs", option, value, capsys=capsys)
    err = capsys.readouterr().err

    assert exited.value.code == 2
    assert err.splitlines()[-1].endswith(f"argument {option}: {message}")
    assert "Traceback" not in err
