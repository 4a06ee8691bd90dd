"""How long ``jobtrail ui`` takes to serve its pages (part of ``make bench``).

``jobtrail ui --port 0`` runs as a user runs it: a fresh process of this checkout's CLI, whose ``Open`` line
gives the port and the token. Each page is then fetched whole over HTTP, as a script fetches it (urllib, a
new connection each time, the token in an ``Authorization: Bearer`` header, no proxy, redirects refused):
the wall time from the request to the last byte of the body, which must be a 200 holding what the page
shows (its job's name, its title; the overview's count of jobs must be the table's). The pages, each with
its JSON twin: the list of jobs (its first page, and the next one through its cursor when there is one),
the overview of every job of the table, a spot training job's page, a tuning job's, a failed pipeline
execution's. First loads come first, each page's first request to the server (its code and template loaded
then); then the median of ``repeats`` rounds over the same pages. The server is stopped with Ctrl-C
(SIGINT), from which it must exit 0.

Over two tables:

- **the demo's data**: ``jobtrail demo`` in a temporary home (its jobs of every kind, on the DynamoDB Local
  it leaves running), read by ``jobtrail --local ui``; the pages of the jobs the demo features;
- **a big table** (5,000 jobs unless told): created on that same DynamoDB Local and filled by
  ``bench/ui_table.py`` in a process of its own (a mixed load of every kind, spread over the last 30 days,
  written as ingest writes a job), read by ``jobtrail ui --table NAME --endpoint-url URL``; the overview of
  its 30 days.

The engine is stopped at the end (``demo --stop``), whatever happens. Run alone: ``python bench/ui_pages.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit

from local_query import REPO, SOURCE_PATH

BENCH: Final = Path(__file__).resolve().parent
#: Jobs in the big table unless told.
BIG_TABLE_JOBS: Final = 5000
#: Its days, and the overview's window over it.
BIG_TABLE_DAYS: Final = 30
BIG_TABLE: Final = "jobtrail-bench-ui"
#: Credentials and a region for the CLI and the filler: DynamoDB Local (``-sharedDb``) takes any.
LOCAL_AWS: Final = {
    "AWS_ACCESS_KEY_ID": "jobtraillocal",
    "AWS_SECRET_ACCESS_KEY": "jobtraillocal",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
#: How long ``jobtrail ui`` may take to print its URL, and to stop after Ctrl-C.
START_TIMEOUT_S: Final = 60.0
STOP_TIMEOUT_S: Final = 15.0
#: How long one page may take before the bench gives up on it.
PAGE_TIMEOUT_S: Final = 300.0
#: The pages timed, in the order they are loaded: a label, and the page's key in a table's paths.
PAGES: Final = (
    ("jobs list, first page", "list"),
    ("jobs list, next page", "next"),
    ("overview", "overview"),
    ("spot training job", "spot"),
    ("tuning job", "tuning"),
    ("failed pipeline execution", "failed_pipeline"),
)
JSON_SUFFIX: Final = ".json"


class UiBenchError(RuntimeError):
    """A page that did not answer as it should, or a server that did not start or stop as it should."""


@dataclass(frozen=True)
class PageTimes:
    """One page's loads: the first, and the median of the rounds after it; its body's size."""

    path: str
    first_s: float
    median_s: float
    size: int


@dataclass(frozen=True)
class TableTimes:
    """The pages of one table, by the key of ``PAGES`` (``.json`` after it for a JSON twin)."""

    #: The jobs the overview counted (every job of the table), and those of the list's first page.
    jobs: int
    listed: int
    pages: dict[str, PageTimes]


@dataclass(frozen=True)
class UiPageTimes:
    demo: TableTimes
    big: TableTimes
    #: ``bench/ui_table.py``'s document: what the big table holds, how long it took to fill.
    fill: dict[str, Any]
    repeats: int


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    #: Text the page must hold, so that no wrong page is timed.
    holds: str


def measure_ui_pages(
    env: Mapping[str, str], repeats: int = 5, jobs: int = BIG_TABLE_JOBS, seed: int = 2026
) -> UiPageTimes:
    """Run the demo in a temporary home, time the pages over its data, fill the big table on its engine,
    time the pages over it; stop the engine whatever happens."""
    with tempfile.TemporaryDirectory(prefix="jobtrail-bench-ui-") as work:
        folder = Path(work)
        home = folder / ".jobtrail"
        # Nothing of a real account (profiles, keys, endpoints): the local engine's credentials.
        run_env = {name: value for name, value in env.items() if not name.startswith("AWS_")} | LOCAL_AWS
        run_env |= {"JOBTRAIL_HOME": str(home), "PYTHONPATH": SOURCE_PATH, "SLACK_WEBHOOK_URL": ""}
        try:
            demo = json.loads(_jobtrail(run_env, "demo", "--json"))
            endpoint = _engine(demo)
            jobs_shown, pages = _demo_pages(demo)
            demo_times = _time_pages(
                run_env, ["--local", "ui"], pages, jobs=jobs_shown, repeats=repeats, log=folder / "ui-demo"
            )
            fill = _fill(run_env, endpoint, jobs, seed, folder / "fill.json")
            big_times = _time_pages(
                run_env,
                ["ui", "--table", BIG_TABLE, "--endpoint-url", endpoint],
                _big_pages(fill),
                jobs=int(fill["jobs"]),
                repeats=repeats,
                log=folder / "ui-big",
            )
        finally:
            _jobtrail(run_env, "demo", "--stop")
    return UiPageTimes(demo_times, big_times, fill, repeats)


# -------------------------------------------------------------------------------------------- the tables
def _engine(demo: Mapping[str, Any]) -> str:
    """The endpoint of the DynamoDB Local the demo left running; the pages need one (moto keeps nothing)."""
    endpoint = demo["engine"]["endpoint_url"]
    if demo["dynamodb"] != "DynamoDB Local" or not endpoint:
        raise UiBenchError(f"jobtrail demo ran without DynamoDB Local: {demo['notice']}")
    return str(endpoint)


def _demo_pages(demo: Mapping[str, Any]) -> tuple[int, list[Page]]:
    """The demo's jobs and its pages: the overview from its first day, the pages of its spot training job
    interrupted most, its tuning job with the most training jobs, its failed pipeline execution."""
    jobs: list[dict[str, Any]] = demo["jobs"]
    children: dict[str, int] = {}
    for job in jobs:
        if job["kind"] == "training" and job.get("tuning_job_arn"):
            name = job["tuning_job_arn"].rsplit("/", 1)[1]
            children[name] = children.get(name, 0) + 1
    spot = max(
        (job for job in jobs if job["kind"] == "training" and job["managed_spot"]),
        key=lambda job: job["alerts"].count("Interrupted"),
    )
    tuning = max(
        (job for job in jobs if job["kind"] == "tuning"), key=lambda job: children.get(job["job_name"], 0)
    )
    failed = next(job for job in jobs if job["kind"] == "pipeline" and job["status"] == "Failed")
    first_day = min(job["creation_time"] for job in jobs)[:10]
    return len(jobs), _pages(f"since={first_day}", spot=spot, tuning=tuning, failed_pipeline=failed)


def _fill(env: Mapping[str, str], endpoint: str, jobs: int, seed: int, output: Path) -> dict[str, Any]:
    """``bench/ui_table.py``'s table of ``jobs`` jobs on ``endpoint``, and its document."""
    subprocess.run(  # noqa: S603 - this interpreter, our own script
        [
            sys.executable,
            str(BENCH / "ui_table.py"),
            f"--endpoint-url={endpoint}",
            f"--table={BIG_TABLE}",
            f"--jobs={jobs}",
            f"--days={BIG_TABLE_DAYS}",
            f"--seed={seed}",
            f"--output={output}",
        ],
        env=dict(env),
        cwd=REPO,
        check=True,
    )
    document: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return document


def _big_pages(fill: Mapping[str, Any]) -> list[Page]:
    """The big table's pages: the overview of its days, the pages of the jobs ``bench/ui_table.py`` picked."""
    return _pages(f"since={fill['days']}d", **fill["featured"])


def _pages(since: str, **jobs: Mapping[str, Any]) -> list[Page]:
    """The list (its next page is known once its first is loaded), the overview from ``since``, the page
    of each of ``jobs`` (a ``jobs --json`` object: kind, job_name, account, region), each with its JSON
    twin."""
    pages = [
        Page("list", "/jobs", "newest first"),
        Page("list.json", "/jobs.json", "job_name"),
        Page("overview", f"/overview?{since}", "Jobs created per day"),
        Page("overview.json", f"/overview.json?{since}", "jobs_per_day"),
    ]
    for key, job in jobs.items():
        place = urlencode({"account": job["account"], "region": job["region"]})
        path = f"/jobs/{job['kind']}/{quote(job['job_name'], safe='/')}"
        pages += [
            Page(key, f"{path}?{place}", job["job_name"]),
            Page(f"{key}.json", f"{path}.json?{place}", job["job_name"]),
        ]
    return pages


# ------------------------------------------------------------------------------------- the server, timed
def _time_pages(
    env: Mapping[str, str], args: Sequence[str], pages: Sequence[Page], *, jobs: int, repeats: int, log: Path
) -> TableTimes:
    """Start ``jobtrail ARGS --port 0``, load each page once (first loads; the list's next page after its
    first), then ``repeats`` rounds; stop it with Ctrl-C. ``jobs``: what the overview must count."""
    with _serving(env, [*args, "--port", "0"], log) as (base, token):
        loaded: list[Page] = []
        first: dict[str, tuple[float, bytes]] = {}
        for page in pages:
            seconds, body, link = _load(base, token, page)
            first[page.key] = seconds, body
            loaded.append(page)
            for later in _next_pages(link) if page.key == "list.json" else ():
                first[later.key] = _load(base, token, later)[:2]
                loaded.append(later)
        counted = int(json.loads(first["overview.json"][1])["jobs"])
        if counted != jobs:
            raise UiBenchError(f"the overview counted {counted} jobs, the table holds {jobs}")
        rounds: dict[str, list[float]] = {page.key: [] for page in loaded}
        for _ in range(repeats):
            for page in loaded:
                rounds[page.key].append(_load(base, token, page)[0])
    return TableTimes(
        jobs=counted,
        listed=len(json.loads(first["list.json"][1])),
        pages={
            page.key: PageTimes(
                page.path, first[page.key][0], statistics.median(rounds[page.key]), len(first[page.key][1])
            )
            for page in loaded
        },
    )


def _next_pages(link: str | None) -> list[Page]:
    """The list's next page and its JSON twin, from the first page's ``Link: <…>; rel="next"`` (none
    without one: the list fits one page)."""
    if not link:
        return []
    target = link.split(";", 1)[0].strip().removeprefix("<").removesuffix(">")
    return [
        Page("next", target.replace("/jobs.json", "/jobs", 1), "newest first"),
        Page("next.json", target, "job_name"),
    ]


class _Refused(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: the bench times the page itself (urllib raises ``HTTPError``)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: No proxy (the pages are on the loopback interface), no redirect.
_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}), _Refused())


def _load(base: str, token: str, page: Page) -> tuple[float, bytes, str | None]:
    """The wall time of one whole GET of ``page``, its body, its ``Link`` header."""
    # An http:// URL on 127.0.0.1: the base the server printed.
    request = urllib.request.Request(base + page.path, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    started = time.perf_counter()
    try:
        with _OPENER.open(request, timeout=PAGE_TIMEOUT_S) as response:
            body: bytes = response.read()
            link: str | None = response.headers.get("Link")
    except urllib.error.HTTPError as error:
        raise UiBenchError(f"GET {page.path}: {error.code} {error.reason}") from None
    elapsed = time.perf_counter() - started
    if page.holds.encode() not in body:
        raise UiBenchError(f"GET {page.path}: the page does not hold {page.holds!r}")
    return elapsed, body, link


@contextmanager
def _serving(env: Mapping[str, str], args: Sequence[str], log: Path) -> Iterator[tuple[str, str]]:
    """``jobtrail ARGS`` serving: its base URL and token (from its ``Open`` line); stopped with Ctrl-C
    afterwards, from which it must exit 0 (it is killed if it does not stop)."""
    out, err = log.with_suffix(".out"), log.with_suffix(".err")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, our CLI
            [sys.executable, "-m", "jobtrail", *args], env=dict(env), cwd=REPO, stdout=stdout, stderr=stderr
        )
    try:
        yield _opened(process, out, err)
    finally:
        code = _interrupt(process)
    if code != 0:
        raise UiBenchError(f"jobtrail ui exited {code} after Ctrl-C, not 0: {_tail(err)}")


def _opened(process: subprocess.Popen[bytes], out: Path, err: Path) -> tuple[str, str]:
    """The base URL and the token of the ``Open URL`` line ``process`` printed."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.startswith("Open "):
                url = urlsplit(line.removeprefix("Open ").strip())
                token = dict(part.split("=", 1) for part in url.query.split("&"))["token"]
                return f"{url.scheme}://{url.netloc}", token
        if process.poll() is not None:
            raise UiBenchError(f"jobtrail ui exited {process.returncode} before serving: {_tail(err)}")
        time.sleep(0.05)
    raise UiBenchError(f"jobtrail ui printed no URL in {START_TIMEOUT_S:.0f} s: {_tail(err)}")


def _interrupt(process: subprocess.Popen[bytes]) -> int | str:
    """Ctrl-C (SIGINT) to ``process``; its exit status, or ``"killed"`` when it did not stop in time."""
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return "killed"


def _tail(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(lines[-3:]) or "(nothing on stderr)"


def _jobtrail(env: Mapping[str, str], *args: str) -> str:
    """``jobtrail ARGS``' output (this checkout's CLI in a fresh process); a failure raises."""
    done = subprocess.run(  # noqa: S603 - this interpreter, our CLI
        [sys.executable, "-m", "jobtrail", *args], env=dict(env), cwd=REPO, check=True, capture_output=True
    )
    return done.stdout.decode("utf-8")


# -------------------------------------------------------------------------------------------- the report
def columns(times: UiPageTimes) -> list[str]:
    demo, big = times.demo.jobs, times.big.jobs
    return [
        "page",
        f"demo data ({demo} jobs): first / median",
        f"{big:,} jobs: first / median",
        f"size: demo / {big:,} jobs",
    ]


def rows(times: UiPageTimes) -> list[list[str]]:
    """Each page and its JSON twin: milliseconds, first load / median of the rounds; the body's size."""
    found = []
    for label, key in PAGES:
        for suffix in ("", JSON_SUFFIX):
            loads = [table.pages.get(key + suffix) for table in (times.demo, times.big)]
            found.append(
                [
                    label + (" (JSON)" if suffix else ""),
                    *[_millis(load) for load in loads],
                    " / ".join("-" if load is None else f"{load.size / 1024:,.0f} KB" for load in loads),
                ]
            )
    return found


def _millis(load: PageTimes | None) -> str:
    if load is None:
        return "- (one page)"
    return f"{load.first_s * 1000:,.0f} / {load.median_s * 1000:,.0f}"


def title(times: UiPageTimes) -> str:
    return (
        f"jobtrail ui page loads (ms: the whole GET over HTTP, first load / median of {times.repeats}; "
        "`bench/ui_pages.py`)"
    )


def note(times: UiPageTimes) -> str:
    """How the pages were timed, and what the big table holds and took to fill."""
    fill = times.fill
    kinds = ", ".join(
        f"{count:,} {kind}" for kind, count in sorted(fill["by_kind"].items(), key=lambda i: -i[1])
    )
    statuses = ", ".join(f"{count:,} {status}" for status, count in fill["by_status"].items())
    return (
        "`jobtrail ui` pages (`bench/ui_pages.py`): the server runs as a user runs it (`jobtrail --local ui "
        "--port 0` over the demo's data, `jobtrail ui --table … --endpoint-url …` over the big table, both "
        "on the DynamoDB Local the demo leaves running), each page fetched whole with urllib (a new "
        "connection each time, the token as a Bearer header) from the request to the last byte; the first "
        "load is the server's first request for that page, the median is of the rounds that follow; each "
        "job's page is the canonical one a link of the list opens (with its account and region). The big "
        f"table (`bench/ui_table.py`, seed {fill['seed']}): {fill['jobs']:,} jobs ({kinds}; {statuses}; "
        f"{fill['alerts']:,} alerts, pending) of a mixed `loadgen` load, each family of jobs moved to one "
        f"of the last {fill['days']} days, priced at the list prices of `events/pricing`, written as ingest "
        "writes a job it has not seen (`HistoryStore.apply(plan_changes(None, record, …))`); generating and "
        f"pricing them took {fill['generate_seconds']:.1f} s, writing them {fill['write_seconds']:.1f} s "
        f"({fill['writers']} threads, {fill['write_seconds'] / fill['jobs'] * 1000:.1f} ms a job). Its "
        f"overview covers the {fill['days']} days, its list shows {times.big.listed} jobs a page (the "
        "default); the jobs whose pages are timed are a spot training job, the tuning job with the most "
        f"training jobs ({fill['featured']['tuning']['training_jobs']}) and the newest failed pipeline "
        "execution."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of loads after the first")
    parser.add_argument("--jobs", type=int, default=BIG_TABLE_JOBS, help="jobs in the big table")
    args = parser.parse_args(argv)
    times = measure_ui_pages(dict(os.environ), args.repeats, args.jobs)
    header, found = columns(times), rows(times)
    widths = [max(len(row[i]) for row in [header, *found]) for i in range(len(header))]
    print(title(times))
    for row in [header, *found]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(note(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
