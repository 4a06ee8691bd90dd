"""``jobtrail status`` of a stack in organization mode (moto): each member account and region has its
own reconcile watermark, and each one that is missing or stale is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from jobtrail.adapters.history_store import HistoryStore
from jobtrail_cli.errors import EXIT_UNHEALTHY
from test_cli_status import REGION, run, stack_template

STACK = "jobtrail-org-status"
MEMBER = "222233334444"


def organization_stack(table: Any, **parameters: str) -> None:
    template = json.loads(stack_template())
    for name in ("OrganizationId", "MemberAccountIds", "MemberRegions"):
        template["Parameters"][name] = {"Type": "String", "Default": ""}
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": "TableName", "ParameterValue": table.name},
            *({"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()),
        ],
    )


def reconciled(table: Any, name: str, ago: timedelta) -> None:
    HistoryStore(table.name, region=REGION).set_watermark(name, datetime.now(UTC) - ago)


def test_each_member_place_has_its_watermark_judged(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    organization_stack(moto_table, MemberAccountIds=MEMBER, MemberRegions="eu-west-1")
    reconciled(moto_table, "reconcile", timedelta(minutes=5))
    reconciled(moto_table, f"reconcile/{MEMBER}/us-east-1", timedelta(minutes=5))
    reconciled(moto_table, f"reconcile/{MEMBER}/eu-west-1", timedelta(hours=3))
    # (the home account in eu-west-1: never reached)

    code, out, err = run("status", "--stack", STACK, "--json", capsys=capsys)
    report = json.loads(out)

    assert (code, err) == (EXIT_UNHEALTHY, "")
    home = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    assert [(p["account"], p["region"], p["healthy"]) for p in report["places"]] == [
        (home, "eu-west-1", False),
        (MEMBER, "eu-west-1", False),
        (MEMBER, "us-east-1", True),
    ]
    assert f"no reconciliation pass has reached {home} eu-west-1 yet (no watermark)" in report["problems"]
    assert any(
        p.startswith(f"the last pass that reached {MEMBER} eu-west-1 started 3") for p in report["problems"]
    )
    assert not any(f"{MEMBER} us-east-1" in p for p in report["problems"])
    # The screen lists each place
    _, screen, _ = run("status", "--stack", STACK, capsys=capsys)
    assert f"{MEMBER} eu-west-1" in screen


def test_a_whole_organizations_accounts_are_read_for_their_places(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    organizations = boto3.client("organizations", region_name=REGION)
    organization_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    created = organizations.create_account(Email="team@example.com", AccountName="team")[
        "CreateAccountStatus"
    ]
    member = organizations.describe_create_account_status(CreateAccountRequestId=created["Id"])[
        "CreateAccountStatus"
    ]["AccountId"]
    organization_stack(moto_table, OrganizationId=organization_id)
    reconciled(moto_table, "reconcile", timedelta(minutes=5))
    reconciled(moto_table, f"reconcile/{member}/us-east-1", timedelta(minutes=5))

    code, out, err = run("status", "--stack", STACK, "--json", capsys=capsys)
    report = json.loads(out)

    assert (code, err, report["problems"]) == (0, "", [])
    assert [(p["account"], p["healthy"]) for p in report["places"]] == [(member, True)]


def test_a_standalone_stack_has_no_places(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    organization_stack(moto_table)
    reconciled(moto_table, "reconcile", timedelta(minutes=5))

    code, out, _ = run("status", "--stack", STACK, "--json", capsys=capsys)

    assert code == 0
    assert json.loads(out)["places"] == []
