"""``jobtrail cost check`` (the price settings document in a file, an SSM parameter or a stack's
PriceSettingsParameterName) and ``cost --by team`` by a stack's routes document, on moto."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.core.history import plan_changes
from jobtrail.core.model import JobCost
from jobtrail_cli import main
from jobtrail_local.lifecycles import load_lifecycle
from moto_stacks import create_stack_with_parameters
from msgspec.structs import replace

REGION = "us-east-1"
STACK = "jobtrail-prices"
SETTINGS = {
    "discount_percent": 12.5,
    "prices": [
        {"instance_type": "ml.p4d.24xlarge", "usd_per_hour": "24.10"},
        {
            "instance_type": "ml.g5.2xlarge",
            "usage": "Training",
            "region": "eu-west-1",
            "usd_per_hour": "1.40",
        },
    ],
}
DESCRIBED = (
    "valid; discount 12.5 %; 2 prices set: ml.p4d.24xlarge $24.10/h, ml.g5.2xlarge Training in eu-west-1 "
    "$1.40/h"
)
ROUTES = {"routes": [{"team": "vision", "match": {"name_prefix": "resnet"}}], "default": {"team": "platform"}}


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def stack(table: str, **parameters: str) -> None:
    """A stack with jobtrail's HistoryTableName output and these parameters (moto)."""
    create_stack_with_parameters(table, STACK, **parameters)


def put(name: str, document: object) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=name, Type="String", Value=json.dumps(document)
    )


def test_a_valid_file_is_described_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(SETTINGS), encoding="utf-8")

    code, out, err = run("cost", "check", str(path), capsys=capsys)

    assert (code, err) == (0, "")
    assert out.strip() == f"price settings {path}: {DESCRIBED}"
    code, out, _ = run("cost", "check", str(path), "--json", capsys=capsys)
    assert json.loads(out)["prices"][1] == {
        "instance_type": "ml.g5.2xlarge",
        "usage": "Training",
        "region": "eu-west-1",
        "usd_per_hour": 1.4,
    }


@pytest.mark.parametrize(
    ("document", "why"),
    [
        ({"discount_percent": 100}, "discount_percent must be from 0 to less than 100, not 100"),
        ({"prices": [{"instance_type": "ml.g5.2xlarge", "usd_per_hour": 0}]}, "prices[0]: usd_per_hour must"),
        ({"prices": [{"instance_type": "g5.2xlarge", "usd_per_hour": 1}]}, "prices[0]: instance_type must"),
        ({"discount": 10}, "discount"),
    ],
)
def test_an_invalid_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: object, why: str
) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    code, _, err = run("cost", "check", str(path), capsys=capsys)

    assert code == 2
    assert err.startswith(f"jobtrail: price settings {path}: ")
    assert why in err
    assert len(err.strip().splitlines()) == 1


def test_the_deployed_settings_are_read_as_the_functions_read_them(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    put("/jobtrail/prices", SETTINGS)
    stack(moto_table.name, PriceSettingsParameterName="/jobtrail/prices")

    code, out, _ = run("--stack", STACK, "cost", "check", capsys=capsys)
    assert (code, out.strip()) == (
        0,
        f"stack {STACK}'s PriceSettingsParameterName /jobtrail/prices: {DESCRIBED}",
    )
    code, out, _ = run("--region", REGION, "cost", "check", "--parameter", "/jobtrail/prices", capsys=capsys)
    assert (code, out.strip()) == (0, f"SSM parameter /jobtrail/prices: {DESCRIBED}")


def test_a_stack_without_settings_prices_at_list(moto_table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    stack(moto_table.name)

    code, out, _ = run("--stack", STACK, "cost", "check", capsys=capsys)

    assert (code, out.strip()) == (
        0,
        f"stack {STACK} has no price settings (PriceSettingsParameterName): list prices as the AWS Price "
        "List gives them",
    )


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (
            ["cost", "check", "--parameter", "/jobtrail/none"],
            3,
            "SSM parameter /jobtrail/none does not exist",
        ),
        (["cost", "check", "FILE", "--parameter", "x"], 2, "pass FILE or --parameter, not both"),
        (["--local", "cost", "check", "--parameter", "x"], 2, "does not work with --local"),
        (["cost", "check"], 2, "which price settings? pass FILE or --parameter NAME, or --stack STACK"),
        (["cost", "check", "/nonexistent/prices.json"], 2, "cannot read price settings /nonexistent"),
    ],
)
def test_what_cannot_be_checked_is_one_line(
    moto_table: Any, capsys: pytest.CaptureFixture[str], args: list[str], code: int, fragment: str
) -> None:
    exit_code, _, err = (
        run("--region", REGION, *args, capsys=capsys) if "--local" not in args else run(*args, capsys=capsys)
    )

    assert exit_code == code
    assert fragment in err
    assert len(err.strip().splitlines()) == 1


def test_an_invalid_deployed_document_says_costs_wait(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    put("/jobtrail/prices", {"discount_percent": -5})

    code, _, err = run("--region", REGION, "cost", "check", "--parameter", "/jobtrail/prices", capsys=capsys)

    assert code == 2
    assert err.strip() == (
        "jobtrail: SSM parameter /jobtrail/prices: discount_percent must be from 0 to less than 100, not -5 "
        "(until it is fixed, new costs stay unknown)"
    )


def test_cost_by_team_uses_the_stacks_routes_document(
    moto_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two training jobs of 2026-11-20 with costs, one tagged team=nlp, and a stack whose routes
    # document routes resnet* to vision and everything else to platform (tags are not what it routes by)
    store = HistoryStore(moto_table.name, region=REGION)
    for lifecycle, usd, tags in (("failed", "1.25", {"team": "nlp"}), ("completed", "3.00", {})):
        found = load_lifecycle(lifecycle)
        record = found.final_record(found.jobs[0])
        summary = replace(record.summary, tags=tags, cost=JobCost(Decimal(usd), basis="list"))
        store.apply(plan_changes(None, replace(record, summary=summary)))
    put("/jobtrail/routes", ROUTES)
    stack(moto_table.name, AlertRoutesParameterName="/jobtrail/routes")

    code, out, _ = run(
        "--stack", STACK, "cost", "--since", "2026-11-19", "--by", "team", "--json", capsys=capsys
    )

    assert code == 0
    assert [(g["group"], g["spend_usd"], g["failed_usd"]) for g in json.loads(out)["groups"]] == [
        ("vision", 3.0, 0.0),
        ("platform", 1.25, 1.25),
    ]
    # Without the stack: the team tag
    where = ("--table", moto_table.name, "--region", REGION)
    code, out, _ = run(*where, "cost", "--since", "2026-11-19", "--by", "team", "--json", capsys=capsys)
    assert [(g["group"], g["spend_usd"]) for g in json.loads(out)["groups"]] == [("-", 3.0), ("nlp", 1.25)]
