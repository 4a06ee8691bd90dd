"""``jobtrail ui``'s pages through Flask's test client, on a DynamoDB Local table of every kind
(``ui_history``): each page and its JSON twin, the charts, the errors, the token, the Host header, the
methods and the headers. The JSON twins are compared with what the CLI prints with ``--json`` on the same
table; orders and counts are read from the Describe answers the table was written from.

The same app over a real socket, and ``jobtrail ui`` as a process: ``test_ui_server``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import kind_samples as samples
import organization_samples as organization
import pytest
import ui_history as history
from cli_process import run_on
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.core.kinds import JobKey
from jobtrail_cli.ui import pages as ui_pages
from jobtrail_cli.ui.pages import Cursor, cursor
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lifecycles import load_lifecycle

pytestmark = pytest.mark.dynamodb_local

#: Every job of the table, by its key (the last answer written wins), with its summary as written.
SNAPSHOTS = {snapshot.key: snapshot for snapshot in history.snapshots()}
KEYS = sorted(SNAPSHOTS)


@pytest.fixture(scope="module")
def table(dynamodb_local: DynamoDBLocal) -> Iterator[dict[str, str]]:
    yield from history.table_of(dynamodb_local, "jobtrail-ui", history.fill)


@pytest.fixture(scope="module")
def app(table: dict[str, str]) -> Iterator[Any]:
    with history.pages_on(table) as pages:
        yield history.app_on(pages)


def get(app: Any, path: str, *, token: bool = True, method: str = "GET", **headers: str) -> Any:
    """``path`` asked of the app as a browser that holds the token (``token=False``: one that does not)."""
    given = {"Authorization": f"Bearer {history.TOKEN}"} if token else {}
    return app.test_client().open(
        path, method=method, base_url=history.BASE_URL, headers={**given, **headers}
    )


def page(app: Any, path: str, status: int = 200) -> str:
    answer = get(app, path)
    assert answer.status_code == status, answer.get_data(as_text=True)[:2000]
    return str(answer.get_data(as_text=True))


def document(app: Any, path: str, status: int = 200) -> Any:
    answer = get(app, path)
    assert answer.status_code == status, answer.get_data(as_text=True)[:2000]
    assert answer.mimetype == "application/json"
    return answer.get_json()


def cli_json(table: dict[str, str], capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run_on(table, *args, "--json", capsys=capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def cli_error(table: dict[str, str], capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one line the CLI says when it refuses ``args``, without ``jobtrail: ``."""
    code, _, err = run_on(table, *args, capsys=capsys)
    assert code != 0
    (line,) = err.splitlines()
    return line.removeprefix("jobtrail: ")


SPOT_KEY = JobKey(samples.ACCOUNT, samples.REGION, "training", history.SPOT)


def href(key: JobKey) -> str:
    return f"/jobs/{key.kind}/{key.name}?account={key.account}&region={key.region}"


def where(key: JobKey) -> list[str]:
    return ["--kind", key.kind, key.name, "--account", key.account, "--job-region", key.region]


class Html(HTMLParser):
    """The elements of a page: (tag, attributes), the links (href, text), the text and the SVG charts."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[str, str]] = []
        self._link: list[str] | None = None
        self.text: list[str] = []
        self.feed(markup)
        self.svgs = [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", markup, re.DOTALL)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "a":
            self._link = [dict(attrs).get("href") or ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], "".join(self._link[1:]).strip()))
            self._link = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._link is not None:
            self._link.append(data)

    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def with_class(svg: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in svg.iter() if name in (e.get("class") or "").split()]


def chart(html: Html, label_start: str) -> ET.Element:
    (found,) = [svg for svg in html.svgs if (svg.get("aria-label") or "").startswith(label_start)]
    return found


# -- the list ------------------------------------------------------------------------------------------------


def test_home_is_the_list(app: Any) -> None:
    answer = get(app, "/")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/jobs"


def test_the_list_is_what_jobs_json_prints(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    shown = document(app, "/jobs.json?limit=500")

    assert shown == cli_json(table, capsys, "jobs", "--limit", "500")
    assert {(j["kind"], j["account"], j["region"], j["job_name"]) for j in shown} == {
        (k.kind, k.account, k.region, k.name) for k in KEYS
    }


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("kind=training", ["--kind", "training"]),
        ("status=Failed", ["--status", "Failed"]),
        ("status=executing", ["--status", "Executing"]),
        ("kind=processing&status=Completed", ["--kind", "processing", "--status", "Completed"]),
        (f"tuning_job={history.TUNING}", ["--tuning-job", history.TUNING]),
        ("since=2026-11-25&until=2026-11-25", ["--since", "2026-11-25", "--until", "2026-11-25"]),
        (
            f"account={samples.ACCOUNT}&job_region=us-east-1&limit=7",
            ["--account", samples.ACCOUNT, "--job-region", "us-east-1", "--limit", "7"],
        ),
    ],
)
def test_the_list_filters_as_jobs_does(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str], query: str, options: list[str]
) -> None:
    shown = document(app, f"/jobs.json?{query}")

    assert shown == cli_json(table, capsys, "jobs", *options)
    assert shown


def test_each_row_of_the_list_links_to_its_job(app: Any) -> None:
    html = Html(page(app, "/jobs?limit=500"))
    listed = document(app, "/jobs.json?limit=500")

    links = [(url, text) for url, text in html.links if url.startswith("/jobs/")]
    assert links == [
        (href(JobKey(j["account"], j["region"], j["kind"], j["job_name"])), j["job_name"]) for j in listed
    ]
    for url, name in links:
        assert name in Html(page(app, url)).words()


@pytest.mark.parametrize("size", [1, 2, 5])
def test_pages_of_the_list_go_through_every_job_once(app: Any, size: int) -> None:
    # Three jobs of two kinds were created at the same millisecond: some page ends between them
    everything = document(app, "/jobs.json?limit=500")
    seen: list[dict[str, Any]] = []
    url: str | None = f"/jobs.json?limit={size}"
    while url:
        answer = get(app, url)
        assert answer.status_code == 200
        batch = answer.get_json()
        assert len(batch) <= size
        seen += batch
        following = re.fullmatch(r'<([^>]+)>; rel="next"', answer.headers.get("Link", ""))
        url = following.group(1) if following else None

    assert seen == everything
    tied = [j["job_name"] for j in everything if j["creation_time"] == "2026-11-25T15:00:00.000+00:00"]
    assert sorted(tied) == sorted([*history.TIED, history.TIED[0]])


def test_the_pages_next_link_follows_the_list(app: Any) -> None:
    first = Html(page(app, "/jobs?limit=3&kind=training"))
    (older,) = [url for url, text in first.links if text == "Older jobs"]
    second = Html(page(app, older))

    names = document(app, "/jobs.json?limit=6&kind=training")
    assert [t for u, t in first.links if u.startswith("/jobs/")] == [j["job_name"] for j in names[:3]]
    assert [t for u, t in second.links if u.startswith("/jobs/")] == [j["job_name"] for j in names[3:6]]
    assert ("/jobs?limit=3&kind=training", "Newest") in second.links


# -- a job of each kind --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS, ids=[f"{k.kind}:{k.name}" for k in KEYS])
def test_a_jobs_page_and_its_json_are_what_the_cli_shows(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str], key: JobKey
) -> None:
    twin = document(app, href(key).replace("?", ".json?", 1))
    html = Html(page(app, href(key)))

    assert twin["job"] == cli_json(table, capsys, "show", *where(key))
    assert twin["transitions"] == cli_json(table, capsys, "history", *where(key))
    assert twin["alerts"] == cli_json(table, capsys, "alerts", *where(key))
    summary = SNAPSHOTS[key].summary
    assert summary.job_name in html.words()
    assert ("span", {"class": f"badge {ui_pages.charts.status_class(summary.status)}"}) in html.elements
    if SNAPSHOTS[key].transitions:
        assert chart(html, "Status transitions of") is not None


def test_a_spot_jobs_timeline_marks_each_interruption(app: Any) -> None:
    answer = load_lifecycle("spot-interrupted").final_describe(history.SPOT)
    interruptions = [t for t in answer["SecondaryStatusTransitions"] if t["Status"] == "Interrupted"]
    key = JobKey(samples.ACCOUNT, samples.REGION, "training", history.SPOT)

    html = Html(page(app, href(key)))
    timeline = chart(html, "Status transitions of")

    assert len(interruptions) == 2
    assert len(with_class(timeline, "mark-interruption")) == len(interruptions)
    assert len(with_class(timeline, "interruption")) == len(interruptions)  # their bars
    titles = [t.text or "" for line in with_class(timeline, "mark-interruption") for t in line.iter("title")]
    assert [title.split(": ")[0] for title in titles] == [
        f"Interrupted at {t['StartTime'].strftime('%Y-%m-%d %H:%M:%S')}" for t in interruptions
    ]
    assert sum(1 for tag, attrs in html.elements if tag == "tr" and attrs.get("class") == "interruption") == 2
    assert "spot interruption" in html.words()


def test_a_wait_for_capacity_is_hatched(app: Any) -> None:
    key = JobKey(samples.ACCOUNT, samples.REGION, "training", history.CAPACITY)
    html = Html(page(app, href(key)))
    timeline = chart(html, "Status transitions of")

    (stripes,) = with_class(timeline, "hatch")
    assert stripes.get("fill", "").startswith("url(#hatch-")
    assert len(with_class(timeline, "capacity")) == 1
    assert "waiting for capacity" in html.words()
    assert "Insufficient capacity error from EC2" in html.words()


@pytest.mark.parametrize(("tuning", "maximize"), [(history.TUNING, True), (history.MINIMIZE, False)])
def test_a_tuning_jobs_children_are_sorted_by_its_objective(app: Any, tuning: str, maximize: bool) -> None:
    lifecycle = load_lifecycle("tuning-completed")
    values = {
        name.replace(history.TUNING, tuning): history.objective_of(lifecycle.final_describe(name))
        for name in lifecycle.job_names
        if not name.startswith("tuning/")
    }
    expected = sorted(values, key=lambda name: values[name] or 0.0, reverse=maximize)
    key = JobKey(samples.ACCOUNT, samples.REGION, "tuning", tuning)

    twin = document(app, href(key).replace("?", ".json?", 1))
    markup = page(app, href(key))
    html = Html(markup)
    dots = chart(html, f"{history.OBJECTIVE} of each training job")

    assert [child["job_name"] for child in twin["training_jobs"]] == expected
    (rows,) = re.findall(r"best first</h3>.*?<table>(.*?)</table>", markup, re.DOTALL)
    assert [text for _, text in Html(rows).links] == expected
    (best,) = [e for e in with_class(dots, "best") if e.tag == "circle"]
    assert float(best.get("cy") or 0) == min(float(c.get("cy") or 0) for c in dots.iter("circle"))  # 1st row
    (best_value,) = [e for e in with_class(dots, "best") if e.tag == "text"]
    assert best_value.text == f"{values[expected[0]]:.6g} best"
    assert twin["job"]["best_training_job"] == expected[0]
    rows = [r for r in dots.iter("g") if "row" in (r.get("class") or "")]
    assert [next(t.text for t in r.iter("title")).split(" (")[0] for r in rows] == expected
    assert f"{history.OBJECTIVE} ({'maximize' if maximize else 'minimize'})" in html.words()


def test_a_tuning_job_whose_children_report_no_objective_says_so(app: Any) -> None:
    key = JobKey(samples.ACCOUNT, samples.REGION, "tuning", samples.TUNING)
    html = Html(page(app, href(key)))
    twin = document(app, href(key).replace("?", ".json?", 1))

    assert sorted(c["job_name"] for c in twin["training_jobs"]) == sorted(
        [*samples.CHILDREN, samples.STOPPED_CHILD]
    )
    assert f"no training job reported {samples.OBJECTIVE}" in html.words()
    assert (
        href(JobKey(key.account, key.region, "training", samples.BEST_CHILD)),
        samples.BEST_CHILD,
    ) in html.links


def test_a_failed_pipeline_execution_shows_its_failed_step_and_links_its_job(app: Any) -> None:
    key = JobKey(samples.ACCOUNT, samples.REGION, "pipeline", samples.EXECUTION_FAILED.lower())
    step_job = JobKey(samples.ACCOUNT, samples.REGION, "training", samples.TRAIN_JOB)

    html = Html(page(app, href(key)))
    twin = document(app, href(key).replace("?", ".json?", 1))
    steps = chart(html, "Steps of")

    words = html.words()
    assert "The step that failed Failed step Train" in words
    assert samples.TRAIN_FAILURE in words
    assert (href(step_job), f"training {samples.TRAIN_JOB}") in html.links
    assert [s["status"] for s in twin["job"]["steps"] if s["step_name"] == "Train"] == ["Failed"]
    linked = [a.get("href") for a in steps.iter("a")]
    assert href(step_job) in linked
    failed_bars = [r for r in with_class(steps, "bar") if "st-bold-red" in (r.get("class") or "")]
    assert len(failed_bars) == 1
    assert "Failed" in Html(page(app, href(step_job))).words()


def test_a_running_jobs_page_reloads_itself(app: Any) -> None:
    running = JobKey(samples.ACCOUNT, samples.REGION, "pipeline", samples.EXECUTION_RUNNING.lower())
    ended = JobKey(samples.ACCOUNT, samples.REGION, "pipeline", samples.EXECUTION_OK.lower())

    live = Html(page(app, href(running)))
    done = Html(page(app, href(ended)))

    assert ("meta", {"http-equiv": "refresh", "content": str(ui_pages.REFRESH_SECONDS)}) in live.elements
    assert not [e for e in done.elements if e[0] == "meta" and e[1].get("http-equiv")]
    assert "so far" in live.words()


def test_a_jobs_console_and_logs_links_open_in_a_new_tab_without_referrer(app: Any) -> None:
    key = JobKey(samples.ACCOUNT, samples.REGION, "training", history.SPOT)
    html = Html(page(app, href(key)))

    external = [attrs for tag, attrs in html.elements if tag == "a" and "//" in (attrs.get("href") or "")]
    assert len(external) == 2
    for attrs in external:
        assert urlsplit(attrs["href"] or "").hostname == f"{samples.REGION}.console.aws.amazon.com"
        assert attrs.get("rel") == "noopener noreferrer"


# -- the overview --------------------------------------------------------------------------------------------


def test_the_overview_counts_jobs_per_day_and_failures(app: Any) -> None:
    twin = document(app, "/overview.json?since=2026-11-20&until=2026-11-28")

    per_day: Counter[tuple[str, str]] = Counter(
        (s.summary.creation_time.date().isoformat(), s.summary.status) for s in SNAPSHOTS.values()
    )
    shown = Counter(
        {
            (day["day"], status): count
            for day in twin["jobs_per_day"]
            for status, count in day["statuses"].items()
        }
    )
    assert shown == per_day
    assert [day["day"] for day in twin["jobs_per_day"]] == [f"2026-11-{d:02d}" for d in range(20, 29)]
    failed = [s.summary for s in SNAPSHOTS.values() if s.summary.status == "Failed"]
    assert twin["jobs"] == len(SNAPSHOTS)
    assert sum(f["jobs"] for f in twin["failures_by_reason"]) == len(failed)
    algorithm = next(f for f in twin["failures_by_reason"] if f["reason"] == "AlgorithmError")
    assert algorithm["jobs"] == sum(
        1 for s in failed if (s.failure_reason or "").startswith("AlgorithmError:")
    )


def test_the_overviews_spend_is_what_cost_totals(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    twin = document(app, "/overview.json?since=2026-11-20&until=2026-11-28")
    window = ["--since", "2026-11-20", "--until", "2026-11-28"]

    assert twin["spend_by_day"] == cli_json(table, capsys, "cost", *window, "--by", "day")
    assert twin["spend_by_team"] == cli_json(table, capsys, "cost", *window, "--by", "team")
    assert twin["spend_by_team"]["total"]["spend_usd"] == pytest.approx(
        float(sum(cost.usd or 0 for cost, _ in history.COSTS.values()))
    )


def test_the_overview_draws_its_four_charts(app: Any) -> None:
    html = Html(page(app, "/overview?since=2026-11-20&until=2026-11-28"))

    labels = sorted(svg.get("aria-label") or "" for svg in html.svgs)
    assert labels == [
        "Failed jobs by reason",
        "Jobs created per day, by status",
        "Spend per day",
        "Spend per team",
    ]
    columns = chart(html, "Jobs created per day")
    assert sum(len(with_class(g, "bar")) for g in with_class(columns, "column")) >= 9
    teams = chart(html, "Spend per team")
    # Jobs without a team tag are the "-" team (as `cost --by team` says them)
    assert {t.text for t in teams.iter("text") if "row-label" in (t.get("class") or "")} == {
        "-",
        *(team for _, team in history.COSTS.values()),
    }


def test_the_overview_takes_30_days_unless_told(app: Any) -> None:
    twin = document(app, "/overview.json")

    assert twin["until"] is None
    assert len(twin["jobs_per_day"]) in {30, 31}  # the 30 days back, today's included


# -- user data in the pages ----------------------------------------------------------------------------------


def test_a_failure_reason_is_escaped_in_pages_and_charts(app: Any) -> None:
    key = JobKey(samples.ACCOUNT, samples.REGION, "training", history.HOSTILE)
    job = page(app, href(key))
    overview = page(app, "/overview?since=2026-11-20&until=2026-11-28")

    for markup in (job, overview):
        assert "<script" not in markup
        assert Html(markup).svgs  # its charts parse as XML
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in job
    assert "\x01" not in overview  # a chart holds no character XML cannot
    failures = chart(Html(overview), "Failed jobs by reason")
    labels = [t.text or "" for t in failures.iter("text") if "row-label" in (t.get("class") or "")]
    notes = [t.text or "" for t in failures.iter("title")]
    assert "<b>Markup</b> & <script>" in " ".join(labels)  # cut to fit, but as it was written
    assert any(history.HOSTILE_REASON.replace("\x01", "\ufffd") in note for note in notes)


# -- errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "option", "value"),
    [
        ("status=Bogus", "--status", "Bogus"),
        ("kind=notebook", "--kind", "notebook"),
        ("since=yesterday", "--since", "yesterday"),
        ("until=2026-13-01", "--until", "2026-13-01"),
        ("account=1234", "--account", "1234"),
        ("job_region=mars", "--job-region", "mars"),
        ("limit=0", "--limit", "0"),
    ],
)
def test_a_bad_filter_is_a_400_with_the_clis_message(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str], query: str, option: str, value: str
) -> None:
    with pytest.raises(SystemExit) as refused:  # argparse's refusal
        run_on(table, "jobs", option, value, capsys=capsys)
    said = capsys.readouterr().err.splitlines()[-1].split(f"argument {option}: ", 1)[1]

    html = Html(page(app, f"/jobs?{query}", status=400))
    twin = document(app, f"/jobs.json?{query}", status=400)

    assert refused.value.code == 2
    name = query.split("=", maxsplit=1)[0]
    assert f"{name}: {said}" in html.words()
    assert twin == {"status": 400, "error": f"{name}: {said}"}


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("kind=pipeline&status=Completed", ["--kind", "pipeline", "--status", "Completed"]),
        ("since=2026-11-26&until=2026-11-25", ["--since", "2026-11-26", "--until", "2026-11-25"]),
        (
            f"kind=processing&tuning_job={history.TUNING}",
            ["--kind", "processing", "--tuning-job", history.TUNING],
        ),
    ],
)
def test_filters_that_match_nothing_are_refused_as_jobs_refuses_them(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str], query: str, options: list[str]
) -> None:
    assert document(app, f"/jobs.json?{query}", status=400)["error"] == cli_error(
        table, capsys, "jobs", *options
    )


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/jobs?colour=red", "the list of jobs takes no parameter 'colour'"),
        ("/jobs?kind=training&kind=tuning", "kind: given 2 times, once at most"),
        ("/jobs?limit=501", "limit: at most 500 jobs a page, not 501"),
        ("/jobs?before=not-a-cursor", "before: not a place in this list (follow the Next link)"),
        (
            "/jobs?before=" + Cursor(datetime(2026, 11, 20, tzinfo=UTC), (SPOT_KEY,) * 501).encode(),
            "before: a place in this list names at most 500 jobs",
        ),
        ("/overview?since=2026-11-28&until=2026-11-20", "since is after until"),
        (f"/jobs/training/{history.SPOT}?region=moon", "region: not an AWS region name"),
    ],
)
def test_other_bad_parameters_are_400s(app: Any, path: str, said: str) -> None:
    assert said in Html(page(app, path, status=400)).words()


def test_an_unknown_job_is_a_404_with_the_clis_message(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    said = cli_error(table, capsys, "show", "--kind", "transform", "churn-score-zzz")

    html = Html(page(app, "/jobs/transform/churn-score-zzz", status=404))
    twin = document(app, "/jobs/transform/churn-score-zzz.json", status=404)

    assert said.startswith("no transform job named 'churn-score-zzz'")
    assert said in html.words()
    assert twin["error"] == said


def test_a_name_sagemaker_cannot_give_is_a_400_with_the_clis_message(
    app: Any, table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    said = cli_error(table, capsys, "show", "--kind", "training", "bad_name")

    assert document(app, "/jobs/training/bad_name.json", status=400)["error"] == said


@pytest.mark.parametrize("path", ["/jobs/notebook/x", "/nowhere", "/jobs/training", "/static/missing.css"])
def test_an_unknown_page_is_a_404(app: Any, path: str) -> None:
    html = Html(page(app, path, status=404))

    assert "404 Not Found" in html.words()


def test_a_unique_start_of_a_name_leads_to_that_job(app: Any) -> None:
    answer = get(app, "/jobs/training/detr-coco")

    assert answer.status_code == 302
    assert answer.headers["Location"] == href(
        JobKey(samples.ACCOUNT, samples.REGION, "training", history.SPOT)
    )


def test_a_missing_table_is_a_503_with_the_clis_reason(
    table: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = {**table, "name": "jobtrail-no-such-table"}
    said = cli_error(missing, capsys, "jobs")

    with history.pages_on(missing) as pages:
        app = history.app_on(pages)
        for path in ("/jobs", "/overview", "/jobs/training/some-job"):
            assert said in Html(page(app, path, status=503)).words()
        assert document(app, "/jobs.json", status=503)["error"] == said
    assert said.startswith("table jobtrail-no-such-table does not exist")


def test_no_credentials_is_a_503_with_the_clis_reason(
    table: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    said = cli_error(table, capsys, "jobs")

    with history.pages_on(table) as pages:
        twin = document(history.app_on(pages), "/jobs.json", status=503)

    assert "Unable to locate credentials" in said
    assert twin["error"] == said


def test_an_unexpected_error_is_a_500_logged_and_the_app_goes_on(
    table: dict[str, str], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with history.pages_on(table) as pages:
        app = history.app_on(pages)

        def broken(*_: Any) -> None:
            raise RuntimeError("the disk is on fire")

        monkeypatch.setattr(pages, "overview", broken)
        html = Html(page(app, "/overview?since=7d", status=500))
        after = get(app, "/jobs.json")

    assert "something went wrong on the server" in html.words()
    assert "fire" not in html.words()
    (logged,) = [r for r in caplog.records if r.name == "jobtrail_cli.ui.app"]
    assert logged.getMessage() == "GET /overview failed"
    assert logged.exc_info
    assert "the disk is on fire" in str(logged.exc_info[1])
    assert after.status_code == 200


@pytest.fixture(scope="module")
def organization_app(dynamodb_local: DynamoDBLocal) -> Iterator[Any]:
    def fill(store: HistoryStore) -> None:
        samples.record_all(store, organization.records())

    for table in history.table_of(dynamodb_local, "jobtrail-ui-org", fill):
        with history.pages_on(table) as pages:
            yield history.app_on(pages)


def test_a_name_several_accounts_hold_links_to_each(organization_app: Any) -> None:
    html = Html(page(organization_app, "/jobs/training/same-name", status=400))

    a, b = organization.MEMBER_A, organization.MEMBER_B
    assert (
        f"2 training jobs are named 'same-name', in {a} us-east-1, {b} eu-west-1: pass --account {a} or "
        f"--account {b}"
    ) in html.words()
    choices = [url for url, _ in html.links if url.startswith("/jobs/training/same-name?")]
    assert sorted(choices) == [
        f"/jobs/training/same-name?account={organization.MEMBER_A}&region=us-east-1",
        f"/jobs/training/same-name?account={organization.MEMBER_B}&region=eu-west-1",
    ]
    for url in choices:
        account = url.split("account=")[1].split("&")[0]
        assert document(organization_app, url.replace("?", ".json?"))["job"]["account"] == account


def test_the_list_of_an_organization_shows_accounts_and_regions(organization_app: Any) -> None:
    markup = page(organization_app, "/jobs")
    member = document(organization_app, f"/jobs.json?account={organization.MEMBER_B}")

    headers = re.findall(r"<th[^>]*>([^<]*)</th>", markup)
    assert headers[:4] == ["Job", "Account", "Region", "Status"]
    assert {j["account"] for j in member} == {organization.MEMBER_B}


# -- who may read --------------------------------------------------------------------------------------------

EVERY_PATH = ["/", "/jobs", "/jobs.json", "/overview", "/overview.json", "/static/style.css", "/nowhere",
              f"/jobs/training/{history.SPOT}"]  # fmt: skip


@pytest.mark.parametrize("path", EVERY_PATH)
def test_without_the_token_every_path_is_403_and_names_nothing(
    app: Any, table: dict[str, str], path: str
) -> None:
    answer = get(app, path, token=False)
    body = answer.get_data(as_text=True)

    assert answer.status_code == 403
    assert table["name"] not in body
    assert "this page needs the token" in body


@pytest.mark.parametrize(
    "wrong",
    [
        {"path": "/jobs?token=nope"},
        {"path": "/jobs", "Authorization": "Bearer nope"},
        {"path": "/jobs", "Cookie": f"jobtrail-ui-{history.PORT}=nope"},
        {"path": "/jobs", "Cookie": f"jobtrail-ui-{history.PORT + 1}={history.TOKEN}"},
        {"path": "/jobs?token=" + history.TOKEN[:-1]},
        {"path": "/jobs?token=%C3%A9t%C3%A9"},
    ],
)
def test_a_wrong_token_is_403(app: Any, wrong: dict[str, str]) -> None:
    path = wrong.pop("path")
    assert get(app, path, token=False, **wrong).status_code == 403


def test_the_token_in_the_url_becomes_a_cookie_and_leaves_the_url(app: Any) -> None:
    client = app.test_client()
    first = client.get(f"/jobs?kind=training&token={history.TOKEN}", base_url=history.BASE_URL)
    then = client.get(first.headers["Location"], base_url=history.BASE_URL)

    assert first.status_code == 302
    assert first.headers["Location"] == "/jobs?kind=training"
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"jobtrail-ui-{history.PORT}={history.TOKEN};")
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {part.strip() for part in cookie.split(";")}
    assert then.status_code == 200
    assert client.get("/overview", base_url=history.BASE_URL).status_code == 200


def test_a_json_twin_answers_the_token_in_its_url_at_once(app: Any) -> None:
    answer = get(app, f"/jobs.json?token={history.TOKEN}&kind=tuning", token=False)

    assert answer.status_code == 200
    assert {j["kind"] for j in answer.get_json()} == {"tuning"}


@pytest.mark.parametrize(
    ("host", "status"),
    [
        (f"127.0.0.1:{history.PORT}", 200),
        (f"localhost:{history.PORT}", 200),
        (f"evil.example:{history.PORT}", 403),
        ("evil.example", 403),
        (f"127.0.0.1:{history.PORT + 1}", 403),
        (f"[::1]:{history.PORT}", 403),
    ],
)
def test_the_host_header_is_checked(app: Any, host: str, status: int) -> None:
    assert get(app, "/jobs.json", Host=host).status_code == status


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_only_get_and_head_are_answered(app: Any, method: str) -> None:
    answer = get(app, "/jobs", method=method)
    stranger = get(app, "/jobs", method=method, token=False)

    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD"
    assert stranger.status_code == 403


def test_head_answers_without_a_body(app: Any) -> None:
    answer = get(app, "/jobs", method="HEAD")

    assert answer.status_code == 200
    assert answer.get_data() == b""


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [
        ("/jobs", True, 200),
        ("/jobs/training/detr-coco", True, 302),
        ("/jobs?status=x", True, 400),
        ("/jobs", False, 403),
        ("/nowhere", True, 404),
        ("/static/style.css", True, 200),
        ("/overview.json", True, 200),
    ],
)
def test_every_answer_carries_the_security_headers(app: Any, path: str, token: bool, status: int) -> None:
    answer = get(app, path, token=token)

    assert answer.status_code == status
    policy = answer.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'; img-src 'self' data:; style-src 'self'")
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"


# -- offline -------------------------------------------------------------------------------------------------

#: Attributes that make a browser fetch something.
LOADING = {"src", "srcset", "data", "poster", "background", "action", "formaction", "manifest"}


#: Every kind of page: the list, the overview, an error, each job's.
PAGES = [
    ("/jobs", 200),
    ("/overview?since=2026-11-20&until=2026-11-28", 200),
    ("/jobs?status=x", 400),
    ("/nowhere", 404),
    *((href(key), 200) for key in KEYS),
]


def test_the_pages_fetch_nothing_from_elsewhere_and_run_no_script(app: Any) -> None:
    stylesheet = page(app, "/static/style.css")
    for path, status in PAGES:
        markup = page(app, path, status=status)
        html = Html(markup)
        for tag, attrs in html.elements:
            assert tag not in {"script", "iframe", "object", "embed", "style", "base"}, path
            assert "style" not in attrs, (path, tag)
            assert not any(name.startswith("on") for name in attrs), (path, tag)
            loads = [value for name, value in attrs.items() if name in LOADING and value]
            if tag == "link":
                loads.append(attrs.get("href") or "")
            for value in loads:
                assert value.startswith(("/", "data:")), (path, tag, value)
                assert not value.startswith("//"), (path, tag, value)
            if tag == "a" and "//" in (attrs.get("href") or ""):
                assert urlsplit(attrs["href"] or "").hostname == f"{samples.REGION}.console.aws.amazon.com"
            elsewhere = [v for name, v in attrs.items() if v and "//" in v and (tag, name) != ("a", "href")]
            assert elsewhere == [], (path, tag)
    assert "url(" not in stylesheet.replace("url(#", "")
    assert "@import" not in stylesheet
    assert "//" not in re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.DOTALL)


def test_a_cursor_keeps_the_microseconds_the_table_keeps() -> None:
    # A cursor rounded to the millisecond would skip or repeat the jobs of that millisecond at a page's edge
    created = datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)
    place = Cursor(created, (SPOT_KEY,))
    assert cursor(place.encode()) == place
    assert cursor(place.encode()).created.microsecond == 123456


def test_the_overview_reads_the_routes_once_a_run(
    table: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # How teams are named (a --stack's routes: DescribeStacks, GetParameter) is asked once, not per load
    from jobtrail_cli.commands import costs  # noqa: PLC0415

    asked: list[object] = []
    monkeypatch.setattr(costs, "team_namer", lambda args, wiring: asked.append(args) or None)
    with history.pages_on(table) as pages:
        app = history.app_on(pages)
        first = document(app, "/overview.json?since=2026-11-01")
        assert document(app, "/overview.json?since=2026-11-01") == first
    assert len(asked) == 1


def test_an_overview_days_link_lists_the_jobs_it_counts_in_the_zone_shown(app: Any) -> None:
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    from jobtrail_cli.timezone import UTC_ZONE, parse_zone, show_times_in  # noqa: PLC0415
    from jobtrail_cli.ui.overview import day_window  # noqa: PLC0415

    # Under UTC a day's link is its date, as a user would type it
    assert day_window("2026-11-20") == {"since": "2026-11-20", "until": "2026-11-20"}
    # In Auckland (UTC+13 in November) a day starts 13 hours before UTC's: the link lists the jobs of the
    # day the chart counts them in, not of the UTC day of the same date
    show_times_in(parse_zone("Pacific/Auckland"))
    try:
        jobs = document(app, "/jobs.json?limit=500")
        days = Counter(
            datetime.fromisoformat(job["creation_time"]).astimezone(ZoneInfo("Pacific/Auckland")).date()
            for job in jobs
        )
        busiest = max(days, key=lambda day: days[day]).isoformat()
        window = day_window(busiest)
        # The overview's column for that day links there
        overview_page = page(app, "/overview?since=2026-11-01")
        assert f"/jobs?{urlencode(window)}".replace("&", "&amp;") in overview_page
        assert window == {"since": f"{busiest}T00:00:00+13:00", "until": f"{busiest}T23:59:59.999999+13:00"}
        listed = document(app, f"/jobs.json?since={quote(window['since'])}&until={quote(window['until'])}")
        assert len(listed) == days[date.fromisoformat(busiest)]
        assert {j["job_name"] for j in listed} == {
            j["job_name"]
            for j in jobs
            if datetime.fromisoformat(j["creation_time"])
            .astimezone(ZoneInfo("Pacific/Auckland"))
            .date()
            .isoformat()
            == busiest
        }
    finally:
        show_times_in(UTC_ZONE)
