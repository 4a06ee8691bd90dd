"""``jobtrail routes test`` and ``routes check`` on moto: a history table made from template.yaml, the routes
document in a file, an SSM parameter or a stack's AlertRoutesParameterName, SageMaker for --read-tags and
backfill."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.core.history import plan_changes
from jobtrail.core.model import JobRecord
from jobtrail_cli import main
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycles import load_lifecycle
from moto_stacks import create_stack_with_parameters
from msgspec.structs import replace

REGION = "us-east-1"
STACK = "jobtrail-routes"
DOCUMENT = {
    "routes": [
        {
            "team": "nlp",
            "match": {"tags": {"team": "nlp"}},
            "slack_channel": "#nlp-alerts",
            "slack_webhook_secret": "jobtrail/slack/nlp",
        },
        {"team": "vision", "match": {"name_prefix": "resnet"}, "slack_channel": "C0123ABCD"},
    ],
    "default": {"team": "platform", "slack_channel": "#ml-alerts"},
}
BERT = "bert-finetune-reviews-2026-11-20-13-30-00-789"
RESNET = "resnet50-imagenet-2026-11-20-10-00-00-123"


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def final(name: str) -> JobRecord:
    lifecycle = load_lifecycle(name)
    return lifecycle.final_record(lifecycle.jobs[0])


@pytest.fixture
def table(moto_table: Any) -> str:
    """The failed BERT job stored with its tags (team=nlp), the completed ResNet job with none read yet."""
    store = HistoryStore(moto_table.name, region=REGION)
    bert = final("failed")
    store.apply(
        plan_changes(None, replace(bert, summary=replace(bert.summary, tags={"team": "nlp", "p": "x"})))
    )
    store.apply(plan_changes(None, final("completed")))
    return str(moto_table.name)


@pytest.fixture
def routes_file(tmp_path: Path) -> str:
    path = tmp_path / "routes.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    return str(path)


def test_routes_test_shows_the_route_why_and_where_alerts_go(
    table: str, routes_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run("--table", table, "routes", "test", BERT, "--routes", routes_file, capsys=capsys)

    assert (code, err) == (0, "")
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert f"Route of training job {BERT}" in lines
    assert "Tags p=x, team=nlp (stored)" in lines
    assert 'Route rule 1 "nlp": tag team=nlp' in lines
    assert "Team nlp" in lines
    assert "Slack channel #nlp-alerts" in lines
    assert "Webhook secret jobtrail/slack/nlp" in lines
    assert f"Routes:routesdocument{routes_file}." in "".join(out.split())  # the caption may wrap


def test_routes_test_json_says_the_rule_and_the_tags_it_used(
    table: str, routes_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        "--table", table, "routes", "test", BERT, "--routes", routes_file, "--json", capsys=capsys
    )

    assert code == 0
    assert json.loads(out) == {
        "job": {"kind": "training", "job_name": BERT, "account": "123456789012", "region": REGION},
        "tags": {"p": "x", "team": "nlp"},
        "tags_from": "table",
        "routes": f"routes document {routes_file}",
        "rule": 1,
        "team": "nlp",
        "slack_channel": "#nlp-alerts",
        "slack_webhook_secret": "jobtrail/slack/nlp",
        "reason": 'rule 1 "nlp": tag team=nlp',
    }


def test_a_job_whose_tags_are_not_stored_is_routed_without_them_and_says_so(
    table: str, routes_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run("--table", table, "routes", "test", RESNET, "--routes", routes_file, capsys=capsys)

    assert code == 0
    text = " ".join(out.split())
    assert "Tags not read yet: its next sync reads them (--read-tags reads them now)" in text
    assert 'Route rule 2 "vision": name prefix resnet' in text


def test_read_tags_asks_sagemaker_for_the_tags_not_stored_yet(
    table: str, routes_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given SageMaker knows the ResNet job tagged team=nlp (moto)
    describe = load_lifecycle("completed").steps[0].describe
    boto3.client("sagemaker", region_name=REGION).create_training_job(
        TrainingJobName=RESNET,
        AlgorithmSpecification=describe["AlgorithmSpecification"],
        RoleArn=describe["RoleArn"],
        OutputDataConfig=describe["OutputDataConfig"],
        ResourceConfig=describe["ResourceConfig"],
        StoppingCondition=describe["StoppingCondition"],
        Tags=[{"Key": "team", "Value": "nlp"}],
    )
    # When it is tested with --read-tags
    with count_aws_calls() as calls:
        code, out, _ = run(
            "--table",
            table,
            "routes",
            "test",
            RESNET,
            "--routes",
            routes_file,
            "--read-tags",
            "--json",
            capsys=capsys,
        )
    # Then its tags were read once and route it (rule 1 comes before the prefix rule)
    shown = json.loads(out)
    assert code == 0
    assert calls["sagemaker.ListTags"] == 1
    assert (shown["tags"], shown["tags_from"], shown["team"]) == ({"team": "nlp"}, "sagemaker", "nlp")
    # And a job whose tags are stored asks nothing
    with count_aws_calls() as calls:
        run("--table", table, "routes", "test", BERT, "--routes", routes_file, "--read-tags", capsys=capsys)
    assert calls["sagemaker.ListTags"] == 0


def stack(table: str, parameter: str) -> None:
    """A stack with jobtrail's HistoryTableName output and AlertRoutesParameterName parameter (moto)."""
    create_stack_with_parameters(table, STACK, AlertRoutesParameterName=parameter)


def test_with_a_stack_the_deployed_document_routes(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/jobtrail/routes", Type="String", Value=json.dumps(DOCUMENT)
    )
    stack(table, "/jobtrail/routes")

    code, out, _ = run("--stack", STACK, "routes", "test", BERT, "--json", capsys=capsys)

    shown = json.loads(out)
    assert (code, shown["team"], shown["rule"]) == (0, "nlp", 1)
    assert shown["routes"] == f"stack {STACK}'s AlertRoutesParameterName /jobtrail/routes"
    # And routes check validates it
    code, out, _ = run("--stack", STACK, "routes", "check", capsys=capsys)
    assert code == 0
    assert out.strip() == (
        f"stack {STACK}'s AlertRoutesParameterName /jobtrail/routes: valid, 2 rules (nlp, vision); default "
        "team platform"
    )


def test_a_stack_without_a_document_routes_every_alert_without_a_team(
    table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stack(table, "")

    code, out, _ = run("--stack", STACK, "routes", "test", BERT, "--json", capsys=capsys)

    shown = json.loads(out)
    assert (code, shown["team"], shown["reason"]) == (0, None, "default route (no routes document)")


def test_the_parameter_option_reads_that_ssm_parameter(
    table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="jobtrail-routes", Type="String", Value=json.dumps({"default": {"team": "ml"}})
    )

    code, out, _ = run(
        "--table", table, "routes", "test", BERT, "--parameter", "jobtrail-routes", "--json", capsys=capsys
    )

    assert (code, json.loads(out)["team"]) == (0, "ml")


def test_routes_check_of_a_valid_file(routes_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("routes", "check", routes_file, "--json", capsys=capsys)

    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "routes": f"routes document {routes_file}",
        "rules": ["nlp", "vision"],
        "default": "platform",
    }


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (
            ["routes", "test", BERT],
            2,
            "which routes document? pass --routes FILE or --parameter NAME, or --stack",
        ),
        (
            ["routes", "test", BERT, "--routes", "BAD"],
            2,
            'routes[1] ("vision"): match.name_prefix must be a string or a list of strings',
        ),
        (["routes", "check", "BAD"], 2, 'routes[1] ("vision"): match.name_prefix must be a string'),
        (["routes", "check", "/no/such/routes.json"], 2, "cannot read routes document /no/such/routes.json"),
        (
            ["routes", "test", BERT, "--parameter", "/jobtrail/none"],
            3,
            "SSM parameter /jobtrail/none does not",
        ),
        (
            ["routes", "check", "--parameter", "/jobtrail/none"],
            3,
            "SSM parameter /jobtrail/none does not exist",
        ),
        (["routes", "test", "no-such-job", "--routes", "GOOD"], 1, "no job named 'no-such-job'"),
        (["routes", "check", "GOOD", "--parameter", "x"], 2, "pass FILE or --parameter, not both"),
        (["--local", "routes", "check", "--parameter", "x"], 2, "does not work with --local"),
    ],
)
def test_errors_are_one_line_and_a_non_zero_exit(
    table: str,
    routes_file: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    says: str,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"routes": [DOCUMENT["routes"][0], {"team": "vision", "match": {"name_prefix": 3}}]})
    )
    named = [{"BAD": str(bad), "GOOD": routes_file}.get(arg, arg) for arg in args]
    where = [] if "--local" in named else ["--table", table]

    exit_code, out, err = run(*where, *named, capsys=capsys)

    assert exit_code == code
    assert out == ""
    assert err.count("\n") == 1
    assert says in err
    assert "Traceback" not in err


def test_an_invalid_deployed_document_says_alerts_take_the_default_route(
    table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/jobtrail/routes", Type="String", Value='{"routes": [{"team": "nlp"}]}'
    )

    code, _, err = run("--table", table, "routes", "check", "--parameter", "/jobtrail/routes", capsys=capsys)

    assert code == 2
    assert err == (
        'jobtrail: SSM parameter /jobtrail/routes: routes[0] ("nlp"): match is required (until it is fixed, '
        "every alert takes the default route)\n"
    )


def test_backfill_keeps_the_tags_that_routes_test_then_uses(
    moto_table: Any, routes_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a job tagged team=nlp in SageMaker (moto), backfilled
    describe = load_lifecycle("completed").steps[0].describe
    boto3.client("sagemaker", region_name=REGION).create_training_job(
        TrainingJobName="nlp-backfilled-1",
        AlgorithmSpecification=describe["AlgorithmSpecification"],
        RoleArn=describe["RoleArn"],
        OutputDataConfig=describe["OutputDataConfig"],
        ResourceConfig=describe["ResourceConfig"],
        StoppingCondition=describe["StoppingCondition"],
        Tags=[{"Key": "team", "Value": "nlp"}],
    )
    code, _, _ = run("--table", moto_table.name, "backfill", "--since", "30d", "--json", capsys=capsys)
    assert code == 0
    # When it is tested
    code, out, _ = run(
        "--table",
        moto_table.name,
        "routes",
        "test",
        "nlp-backfilled-1",
        "--routes",
        routes_file,
        "--json",
        capsys=capsys,
    )
    # Then its stored tags route it
    shown = json.loads(out)
    assert (code, shown["tags"], shown["tags_from"], shown["team"]) == (0, {"team": "nlp"}, "table", "nlp")
