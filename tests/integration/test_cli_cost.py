"""``jobtrail cost``, ``show``'s cost and ``jobs``' Cost column against DynamoDB Local: a small table of every
kind (``kind_samples``) whose billing jobs were stored with costs set by hand here, and totals computed by
hand from those (not by jobtrail's code).

The costs (US dollars; spot savings in brackets), all jobs created on 2026-11-25 (UTC):

=======================================  ==========  =========  ======  ========  =====  ===========
job                                      kind        status     cost    tags      hour   pipeline
=======================================  ==========  =========  ======  ========  =====  ===========
churn-featurize-…-101                    processing  Completed  0.50              08:00
churn-featurize-…-202                    processing  Failed     0.25              09:00
churn-score-…-303                        transform   Completed  0.10              10:00
churn-hpo-1125 (tuning)                  tuning      Completed  rolled            11:00
churn-hpo-1125-001                       training    Completed  5.00 (2)  team=nlp  11:01
churn-hpo-1125-002                       training    Completed  5.00      team=nlp  11:12
churn-hpo-1125-003                       training    Completed  unknown   team=nlp  11:23
churn-hpo-1125-004 (ml.g5.4xlarge)       training    Stopped    1.50      team=nlp  11:30
churn-pipeline/4r83jejmhorv              pipeline    Succeeded  rolled            12:00  (its jobs absent)
churn-evaluate-… (processing)            processing  Completed  not priced        13:00
churn-evaluate-… (training)              training    Completed  4.00 (1) team=vision 13:05
churn-pipeline/ztefwbnlgoif              pipeline    Failed     rolled            14:00
pipelines-ztefwbnlgoif-Featurize-…       processing  Completed  0.20              14:00  churn-pipeline
pipelines-ztefwbnlgoif-Train-… (g5.2xl)  training    Failed     0.80              14:09  churn-pipeline
=======================================  ==========  =========  ======  ========  =====  ===========
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import kind_samples as samples
import pytest
from cli_process import run_jobtrail, run_on
from jobtrail.core.model import JobCost, JobRecord
from jobtrail_cli import render
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.dynamodb_local import DynamoDBLocal
from msgspec.structs import replace

pytestmark = pytest.mark.dynamodb_local

HPO = "churn-hpo-1125"
TRAIN = "pipelines-ztefwbnlgoif-Train-bPVYsMzUlc"
FEATURIZE = "pipelines-ztefwbnlgoif-Featurize-k3Jd9sLx0q"
EVALUATE = "churn-evaluate-2026-11-25-13-00-00-404"
#: Each billing job's cost as stored, by (kind, name); a job not listed here has none stored.
COSTS = {
    ("processing", "churn-featurize-2026-11-25-08-00-00-101"): JobCost(Decimal("0.50"), basis="list"),
    ("processing", "churn-featurize-2026-11-25-09-00-00-202"): JobCost(Decimal("0.25"), basis="list"),
    ("transform", "churn-score-2026-11-25-10-00-00-303"): JobCost(Decimal("0.10"), basis="list"),
    ("training", f"{HPO}-001-1a2b3c4d"): JobCost(
        Decimal("5.00"),
        spot_savings_usd=Decimal("2.00"),
        hourly=(("ml.p3.2xlarge", Decimal("3.825")),),
        basis="list",
    ),
    ("training", f"{HPO}-002-5e6f7a8b"): JobCost(Decimal("5.00"), basis="list"),
    ("training", f"{HPO}-003-9c0d1e2f"): JobCost(None, reason="no Training price for ml.p3.2xlarge"),
    ("training", f"{HPO}-004-3a4b5c6d"): JobCost(Decimal("1.50"), basis="list"),
    ("training", EVALUATE): JobCost(Decimal("4.00"), spot_savings_usd=Decimal("1.00"), basis="list"),
    ("processing", FEATURIZE): JobCost(Decimal("0.20"), basis="list"),
    ("training", TRAIN): JobCost(Decimal("0.80"), basis="list"),
}
TAGS = {
    **{("training", f"{HPO}-{suffix}"): {"team": "nlp"} for suffix in ("001-1a2b3c4d", "002-5e6f7a8b")},
    **{("training", f"{HPO}-{suffix}"): {"team": "nlp"} for suffix in ("003-9c0d1e2f", "004-3a4b5c6d")},
    ("training", EVALUATE): {"team": "vision"},
}
#: The managed-spot jobs: their billable seconds (of 6501 trained), so the percentage and dollars agree.
SPOT = {("training", f"{HPO}-001-1a2b3c4d"): 4643, ("training", EVALUATE): 5201}
ROUTES = {
    "routes": [
        {"team": "nlp", "match": {"tags": {"team": "nlp"}}},
        {"team": "pipelines", "match": {"name_prefix": "pipelines-"}},
    ],
    "default": {"team": "platform"},
}
WINDOW = ("--since", "2026-11-25", "--until", "2026-11-25")


def priced(snapshot: JobRecord) -> JobRecord:
    key = (snapshot.key.kind, snapshot.job_name)
    summary = replace(snapshot.summary, cost=COSTS.get(key), tags=TAGS.get(key, {}))
    if key in SPOT:
        summary = replace(summary, managed_spot=True, billable_time_seconds=SPOT[key])
    return replace(snapshot, summary=summary)


@pytest.fixture(scope="module")
def table(dynamodb_local: DynamoDBLocal) -> Iterator[dict[str, str]]:
    """The kind samples, stored as ingest stores them, with the costs above."""
    endpoint = dynamodb_local.endpoint_url
    with samples.stored_table(endpoint, "jobtrail-cost", map(priced, samples.records())) as name:
        yield {"name": name, "endpoint": endpoint}


def run(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_on(table, *args, capsys=capsys)


def cost_json(table: dict[str, str], *args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(table, "cost", *WINDOW, *args, "--json", capsys=capsys)
    assert (code, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


def row(
    group: str,
    spend: float,
    jobs: int,
    *,
    failed: float = 0,
    stopped: float = 0,
    spot: float = 0,
    unknown: int = 0,
) -> dict[str, Any]:
    return {
        "group": group,
        "spend_usd": spend,
        "failed_usd": failed,
        "stopped_usd": stopped,
        "spot_savings_usd": spot,
        "jobs": jobs,
        "unknown_cost_jobs": unknown,
    }


TOTAL = row("total", 17.35, 11, failed=1.05, stopped=1.50, spot=3.00, unknown=2)


def test_by_kind_totals_what_each_billing_kind_cost_from_the_index(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with count_aws_calls() as calls:
        document = cost_json(table, "--by", "kind", capsys=capsys)

    assert document["groups"] == [
        row("training", 16.30, 6, failed=0.80, stopped=1.50, spot=3.00, unknown=1),
        row("processing", 0.95, 4, failed=0.25, unknown=1),
        row("transform", 0.10, 1),
    ]
    assert document["total"] == TOTAL
    # The tuning job and the two pipeline executions bill through their jobs
    assert document["rolled_up_jobs"] == 3
    assert calls["dynamodb.Query"] >= 1
    assert calls["dynamodb.Scan"] == 0


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        (
            "tuning-job",
            [
                row(HPO, 11.50, 4, stopped=1.50, spot=2.00, unknown=1),
                row("-", 5.85, 7, failed=1.05, spot=1.00, unknown=1),
            ],
        ),
        (
            "pipeline",
            [
                row("-", 16.35, 9, failed=0.25, stopped=1.50, spot=3.00, unknown=2),
                row("churn-pipeline", 1.00, 2, failed=0.80),
            ],
        ),
        (
            "status",
            [
                row("Completed", 14.80, 8, spot=3.00, unknown=2),
                row("Stopped", 1.50, 1, stopped=1.50),
                row("Failed", 1.05, 2, failed=1.05),
            ],
        ),
        (
            "instance-type",
            [
                row("ml.p3.2xlarge", 14.00, 4, spot=3.00, unknown=1),
                row("ml.g5.4xlarge", 1.50, 1, stopped=1.50),
                row("ml.m5.xlarge", 0.95, 4, failed=0.25, unknown=1),
                row("ml.g5.2xlarge", 0.80, 1, failed=0.80),
                row("ml.m5.large", 0.10, 1),
            ],
        ),
        (
            # Without a routes document: the team tag
            "team",
            [
                row("nlp", 11.50, 4, stopped=1.50, spot=2.00, unknown=1),
                row("vision", 4.00, 1, spot=1.00),
                row("-", 1.85, 6, failed=1.05, unknown=1),
            ],
        ),
    ],
)
def test_each_grouping_totals_by_hand(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], by: str, groups: list[dict[str, Any]]
) -> None:
    document = cost_json(table, "--by", by, capsys=capsys)

    assert document["groups"] == groups
    assert document["total"] == TOTAL


def test_by_team_routes_jobs_as_the_alerts_would(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps(ROUTES), encoding="utf-8")

    document = cost_json(table, "--by", "team", "--routes", str(routes), capsys=capsys)

    assert document["groups"] == [
        row("nlp", 11.50, 4, stopped=1.50, spot=2.00, unknown=1),
        row("platform", 4.85, 5, failed=0.25, spot=1.00, unknown=1),
        row("pipelines", 1.00, 2, failed=0.80),
    ]


def test_by_day_counts_days_in_the_zone_shown(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # UTC: one day. At UTC+14, the jobs created from 10:00 UTC on were created on the 26th
    assert cost_json(table, "--by", "day", capsys=capsys)["groups"] == [{**TOTAL, "group": "2026-11-25"}]
    document = cost_json(
        table, "--tz", "Pacific/Kiritimati", "--by", "day", "--since", "2026-11-24T00:00:00Z", capsys=capsys
    )
    assert document["groups"] == [
        row("2026-11-25", 0.75, 2, failed=0.25),
        row("2026-11-26", 16.60, 9, failed=0.80, stopped=1.50, spot=3.00, unknown=2),
    ]


def test_until_bounds_the_window(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    document = cost_json(table, "--until", "2026-11-25T10:30:00Z", capsys=capsys)

    assert document["total"] == row("total", 0.85, 3, failed=0.25)


def test_a_window_without_jobs_says_so(table: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(table, "cost", "--since", "2026-11-26", "--until", "2026-11-27", capsys=capsys)

    assert code == 0
    assert out.startswith("No jobs created 2026-11-26 00:00 UTC to 2026-11-27 23:59 UTC in table ")


def lines_with(text: str, word: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if word in line]


def test_the_table_shows_each_group_and_the_total(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    printed = screen(160)
    code, _, _ = run(table, "cost", *WINDOW, capsys=capsys)
    text = printed.getvalue()

    assert code == 0
    assert lines_with(text, "training") == ["training │ $16.30 │ $0.80 │ $1.50 │ $3.00 │ 6 │ 1"]
    assert lines_with(text, "Total") == ["Total │ $17.35 │ $1.05 │ $1.50 │ $3.00 │ 11 │ 2"]
    notes = " ".join(text.split())
    assert "3 tuning jobs and pipeline executions bill through their jobs (counted above)" in notes


def test_by_day_draws_a_bar_per_day(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    printed = screen(160)
    code, _, _ = run(
        table, "--tz", "Pacific/Kiritimati", "cost", "--by", "day", "--since", "2026-11-24", capsys=capsys
    )
    text = printed.getvalue()

    assert code == 0
    [small] = lines_with(text, "2026-11-25")
    [big] = lines_with(text, "2026-11-26")
    # The longest bar is the day that cost most; the other is in proportion ($0.75 of $16.60: 1 cell)
    assert big.count("█") == render.BAR_WIDTH
    assert small.count("█") == 1


def test_show_has_the_cost_and_the_spot_savings_in_dollars(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    printed = screen(160)
    code, _, _ = run(table, "show", f"{HPO}-001-1a2b3c4d", capsys=capsys)
    text = printed.getvalue()

    assert code == 0
    assert lines_with(text, "Cost") == ["Cost $5.00 (ml.p3.2xlarge $3.825/h, list)"]
    assert lines_with(text, "Spot savings") == ["Spot savings 28.6 % ($2.00)"]


def test_show_says_why_a_cost_is_unknown(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    printed = screen(160)
    run(table, "show", f"{HPO}-003-9c0d1e2f", capsys=capsys)
    assert lines_with(printed.getvalue(), "Cost") == ["Cost unknown: no Training price for ml.p3.2xlarge"]
    printed = screen(160)
    run(table, "show", "--kind", "processing", EVALUATE, capsys=capsys)
    assert lines_with(printed.getvalue(), "Cost") == [
        "Cost unknown: not priced (recorded without prices, before jobtrail priced jobs)"
    ]


def test_show_rolls_a_pipeline_execution_up_from_its_steps_jobs(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(table, "show", "churn-pipeline/ztefwbnlgoif", "--json", capsys=capsys)

    assert code == 0
    assert json.loads(out)["cost"]["usd"] == 1.00
    # The other execution's jobs are not in the table: not known, never zero
    code, out, _ = run(table, "show", "churn-pipeline/4r83jejmhorv", "--json", capsys=capsys)
    cost = json.loads(out)["cost"]
    assert cost["usd"] is None
    assert cost["unknown_reason"] == "3 of 3 steps' jobs not priced yet ($0.00 so far)"


def test_show_rolls_a_tuning_job_up_from_its_training_jobs(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    printed = screen(160)
    code, _, _ = run(table, "show", HPO, capsys=capsys)

    assert code == 0
    # One of its four training jobs has no price: what is known so far, and why not all
    assert lines_with(printed.getvalue(), "Cost") == [
        "Cost unknown: 1 of 4 training jobs not priced yet ($11.50 so far)"
    ]


def test_jobs_has_a_cost_column_when_the_terminal_is_wide(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], screen: Callable[[int], StringIO]
) -> None:
    printed = screen(220)
    run(table, "jobs", "--kind", "training", "--tuning-job", HPO, capsys=capsys)
    wide = printed.getvalue()
    printed = screen(72)
    run(table, "jobs", "--kind", "training", "--tuning-job", HPO, capsys=capsys)
    narrow = printed.getvalue()

    assert "Cost" in wide
    assert "$5.00" in lines_with(wide, f"{HPO}-001")[0]
    assert lines_with(wide, f"{HPO}-003")[0].endswith("?") or " ? " in lines_with(wide, f"{HPO}-003")[0]
    assert "$5.00" not in narrow
    # A narrow terminal leaves it out (before the status, the kind and the creation time) and says so
    assert "Cost" in " ".join(narrow.split()).split("left out at 72 columns")[0]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["cost", "--by", "colour"], "--by: cannot total by 'colour'"),
        (["cost", "--since", "last-tuesday"], "--since: not a time"),
        (["cost", "--until", "2026-13-01"], "--until: "),
        (["cost", "--routes", "routes.json"], "--routes and --parameter say how --by team groups jobs"),
        (["cost", "--since", "2026-11-26", "--until", "2026-11-25"], "--since is after --until"),
        (
            ["--local", "cost", "--by", "team", "--parameter", "/jobtrail/routes"],
            "does not work with --local",
        ),
        (["cost", "--by", "team", "--routes", "/nonexistent/routes.json"], "cannot read routes document"),
    ],
)
def test_user_errors_are_one_line_with_a_non_zero_exit(
    table: dict[str, str], args: list[str], fragment: str
) -> None:
    where = [] if "--local" in args else ["--table", table["name"], "--endpoint-url", table["endpoint"]]
    result = run_jobtrail(*where, *args, env={"AWS_DEFAULT_REGION": samples.REGION})

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert fragment in result.stderr
