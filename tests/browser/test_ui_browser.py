"""``jobtrail --local ui`` over the demo's data, in headless Chromium, as a new user tries it: the token, the
job list's filters, a spot job's interruptions, a tuning job's children, a failed pipeline's step, the
overview, and the error pages. What the pages should show is asked of the CLI (``--json``) on the same
data, not written here. The screenshots of the main pages are taken on the way (``make screenshots``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_process import REPO, run_jobtrail
from conftest import DemoUi
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.dynamodb_local, pytest.mark.xdist_group("browser")]

SPOT_JOB = "detr-coco-spot-2026-11-21-02-00-00-456"
TUNING_JOB = "churn-xgb-hpo-1127"
FAILED_PIPELINE = "churn-train-pipeline/r5t8w2n6v3cd"

Shoot = Callable[..., Path]


def cli_json(ui: DemoUi, *args: str) -> Any:
    """What ``jobtrail --local ARGS --json`` answers on the demo's data."""
    answer = run_jobtrail("--local", *args, "--json", env={"JOBTRAIL_HOME": str(ui.home)}, cwd=REPO)
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def signed_in(page: Page, ui: DemoUi) -> Page:
    """The page opened at the URL the UI printed (the token then lives in a cookie for this context)."""
    response = page.goto(ui.url)
    assert response is not None
    assert response.status == 200
    return page


def listed_names(page: Page) -> list[str]:
    """The job names the list shows, in its order (each row's link)."""
    return [link.inner_text() for link in page.locator("table.jobs tbody tr td:first-child a").all()]


def test_without_the_token_nothing_is_shown(page: Page, demo_ui: DemoUi) -> None:
    for path in ("/jobs", "/overview", f"/jobs/training/{SPOT_JOB}", "/jobs.json"):
        response = page.goto(demo_ui.base + path)
        assert response is not None
        assert response.status == 403, path
        assert SPOT_JOB not in page.content()
    # A wrong token is no better
    response = page.goto(demo_ui.base + "/jobs?token=not-the-token")
    assert response is not None
    assert response.status == 403
    # The printed URL lets the user in, and the pages after it need no token in their URL
    signed_in(page, demo_ui)
    response = page.goto(demo_ui.base + "/overview")
    assert response is not None
    assert response.status == 200
    assert "token" not in page.url


def test_the_job_list_filters_as_the_cli_does(page: Page, demo_ui: DemoUi, shoot: Shoot) -> None:
    signed_in(page, demo_ui)
    newest_first = [job["job_name"] for job in cli_json(demo_ui, "jobs")]
    assert listed_names(page) == newest_first
    shoot(page, "jobs")

    # Choosing a kind, then a status, in the form narrows the list to what the CLI lists for them
    page.select_option("select[name=kind]", "processing")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"kind=processing"))
    assert listed_names(page) == [
        job["job_name"] for job in cli_json(demo_ui, "jobs", "--kind", "processing")
    ]
    page.select_option("select[name=status]", "Failed")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"status=Failed"))
    failed = [
        job["job_name"] for job in cli_json(demo_ui, "jobs", "--kind", "processing", "--status", "Failed")
    ]
    assert failed
    assert listed_names(page) == failed

    # Each row opens its job
    page.click(f"table.jobs a:text-is('{failed[0]}')")
    expect(page.locator("h1.job")).to_contain_text(failed[0])


def test_a_spot_jobs_timeline_marks_each_interruption(page: Page, demo_ui: DemoUi, shoot: Shoot) -> None:
    signed_in(page, demo_ui)
    page.click(f"table.jobs a:text-is('{SPOT_JOB}')")
    interruptions = [t for t in cli_json(demo_ui, "history", SPOT_JOB) if t["status"] == "Interrupted"]
    assert len(interruptions) == 2
    # One mark across the chart per interruption, and the legend says what the marks are
    expect(page.locator("figure svg line.mark-interruption")).to_have_count(len(interruptions))
    expect(page.locator(".legend .key.interruption")).to_have_text("spot interruption")
    # The transitions' table below the chart lists them too
    rows = page.locator("section:has(h2:text-is('Timeline')) table tbody tr")
    expect(rows.filter(has_text="Interrupted")).to_have_count(len(interruptions))
    shoot(page, "job-spot")


def test_a_tuning_jobs_children_are_sorted_by_its_objective(
    page: Page, demo_ui: DemoUi, shoot: Shoot
) -> None:
    signed_in(page, demo_ui)
    page.goto(f"{demo_ui.base}/jobs/tuning/{TUNING_JOB}")
    tuning = cli_json(demo_ui, "show", TUNING_JOB, "--kind", "tuning")
    children = [job["job_name"] for job in cli_json(demo_ui, "jobs", "--tuning-job", TUNING_JOB)]
    assert len(children) == 3
    table = page.locator("section:has(h2:text-is('Objective')) table").first
    shown = [row.locator("td").nth(1).inner_text() for row in table.locator("tbody tr").all()]
    values = [float(row.locator("td").nth(3).inner_text()) for row in table.locator("tbody tr").all()]
    assert sorted(shown) == sorted(children)
    # Best first, as the objective counts best (Maximize: highest first), the tuner's best job on top
    assert tuning["objective_type"] == "Maximize"
    assert values == sorted(values, reverse=True)
    assert shown[0] == tuning["best_training_job"]
    assert values[0] == pytest.approx(tuning["best_objective_value"], abs=1e-4)
    expect(page.locator("section:has(h2:text-is('Objective')) figure svg").first).to_be_visible()
    shoot(page, "job-tuning")


def test_a_failed_pipeline_shows_its_failed_step(page: Page, demo_ui: DemoUi, shoot: Shoot) -> None:
    signed_in(page, demo_ui)
    page.goto(f"{demo_ui.base}/jobs/pipeline/{FAILED_PIPELINE}")
    execution = cli_json(demo_ui, "show", FAILED_PIPELINE, "--kind", "pipeline")
    assert execution["status"] == "Failed"
    [failed_step] = [step for step in execution["steps"] if step["status"] == "Failed"]
    callout = page.locator("section.callout.failed")
    expect(callout).to_contain_text(failed_step["step_name"])
    shoot(page, "job-pipeline")
    # The failed step links to the job it ran, which the user can open from there
    step_job = failed_step["job"]["job_name"]
    callout.locator("a", has_text=step_job).click()
    expect(page.locator("h1.job")).to_contain_text(step_job)
    expect(page.locator("h1.job .badge")).to_have_text("Failed")


def test_the_overview_draws_its_charts(page: Page, demo_ui: DemoUi, shoot: Shoot) -> None:
    signed_in(page, demo_ui)
    page.goto(f"{demo_ui.base}/overview?since=2026-11-01")
    charts = page.locator("figure svg")
    assert charts.count() >= 3
    for index in range(charts.count()):
        expect(charts.nth(index)).to_be_visible()
    shoot(page, "overview")


@pytest.mark.parametrize(
    ("path", "status", "cli_args"),
    [
        ("/jobs/training/no-such-job-1", 404, ("show", "no-such-job-1", "--kind", "training")),
        ("/jobs?since=the-day-before", 400, ("jobs", "--since", "the-day-before")),
        ("/jobs?kind=notebook", 400, ("jobs", "--kind", "notebook")),
    ],
)
def test_a_bad_url_shows_the_error_page_with_the_clis_reason(
    page: Page, demo_ui: DemoUi, path: str, status: int, cli_args: tuple[str, ...]
) -> None:
    signed_in(page, demo_ui)
    response = page.goto(demo_ui.base + path)
    assert response is not None
    assert response.status == status
    cli = run_jobtrail("--local", *cli_args, env={"JOBTRAIL_HOME": str(demo_ui.home)}, cwd=REPO)
    assert cli.returncode != 0
    reason = page.locator("section.error p.reason").inner_text()
    assert reason
    # The page's reason is the CLI's one line (argparse's prefix and usage left out)
    assert reason in cli.stderr, (reason, cli.stderr)
    # And the server goes on serving
    page.goto(demo_ui.base + "/jobs")
    expect(page.locator("table.jobs")).to_be_visible()
