"""What each page of ``jobtrail ui`` shows, read the way the CLI reads it (the overview's pieces are in
``ui.overview``).

A page is assembled from the history table's listings (``HistoryQueries`` through the run's ``Wiring``,
index Queries only, never a Scan), the CLI's own pieces (its filters' parsers, ``show``'s rows and the
``jobs`` table's columns from ``render``, the cost roll-ups and totals of ``cost``) and the charts of
``ui.charts``. Each page's ``document()`` is its JSON twin: the shapes of the CLI's ``--json``
(``core.views``). Nothing here knows about HTTP: a bad value, an unknown job or an unreadable table is
the CLI's ``UserError``, with its one-line message and exit status, which ``ui.app`` turns into a status.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import dataclasses
import json
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from jobtrail.adapters.history_queries import JobQuery
from jobtrail.core.alerts import console_link, console_url, logs_url
from jobtrail.core.kinds import KINDS, SPECS, JobKey, Kind
from jobtrail.core.model import JobRecord, StoredAlert, StoredJob, Transition, TuningFacts
from jobtrail.core.times import human_duration
from jobtrail.core.views import alert_view, job_view, summary_view, transition_view
from msgspec.structs import replace
from rich.text import Text

from jobtrail_cli import parser, render
from jobtrail_cli.commands import costs, queries
from jobtrail_cli.errors import EXIT_NOT_FOUND, EXIT_USAGE, UserError
from jobtrail_cli.timezone import displayed
from jobtrail_cli.ui import charts, overview
from jobtrail_cli.ui.overview import OverviewPage
from jobtrail_cli.ui.paths import job_href, list_href

if TYPE_CHECKING:
    from jobtrail.core.alerts import ConsoleLinks
    from jobtrail.core.model import JobSummary

    from jobtrail_cli.wiring import Wiring

#: Jobs a page of the list shows unless ``limit`` says otherwise, and the most it may say.
PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 500
#: The most training jobs a tuning job's objective chart shows (the best ones; the table lists them all).
MAX_CHART_ROWS: Final = 40
#: Seconds between two loads of a running job's page.
REFRESH_SECONDS: Final = 15


class Redirect(Exception):
    """The page asked for is at ``location`` (a unique prefix of a job's name names that job)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class Ambiguous(UserError):
    """Several jobs have the name asked for: the CLI's message, and a link to each of them."""

    def __init__(self, message: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__(message, EXIT_USAGE)
        self.choices = list(choices)


# -- what the pages are made of ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """What a table cell shows: its text, a class of the stylesheet (the CLI's colour for it), a link."""

    text: str
    css: str = ""
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    cells: list[Cell]
    right: bool = False


def cell(value: str | Text, href: str | None = None) -> Cell:
    """A cell of what ``render`` would print: rich ``Text`` keeps its colour as a class (``st-red``)."""
    if isinstance(value, Text):
        style = str(value.style or "")
        return Cell(value.plain, f"st-{style.replace(' ', '-')}" if style else "", href)
    return Cell(value, "", href)


#: What a parameter's text is read by; a bad text raises ``argparse.ArgumentTypeError`` (the CLI's types).
Reader = Callable[[str], Any]


def read_params(
    params: Mapping[str, Sequence[str]], readers: Mapping[str, Reader], page: str
) -> dict[str, Any]:
    """The query parameters ``params`` read by ``readers`` (an empty one is left out); an unknown
    parameter, one given twice or a bad value is a one-line ``UserError`` (exit 2) naming it."""
    values: dict[str, Any] = {}
    for name, given in params.items():
        if name not in readers:
            raise UserError(f"{page} takes no parameter {name!r}: it takes {', '.join(readers)}", EXIT_USAGE)
        if len(given) > 1:
            raise UserError(f"{name}: given {len(given)} times, once at most", EXIT_USAGE)
        if not given or not given[0].strip():
            continue
        try:
            values[name] = readers[name](given[0].strip())
        except argparse.ArgumentTypeError as error:
            raise UserError(f"{name}: {error}", EXIT_USAGE) from None
    return values


def page_size(text: str) -> int:
    """``limit``: 1 to ``MAX_PAGE_SIZE`` jobs a page."""
    size = parser.positive_int(text)
    if size > MAX_PAGE_SIZE:
        raise argparse.ArgumentTypeError(f"at most {MAX_PAGE_SIZE} jobs a page, not {size}")
    return size


# -- the list of jobs, a page at a time ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page of a list starts: before the jobs created at ``created``, but those of them
    it has shown (``seen``: jobs created at the same moment are told apart by their keys)."""

    created: datetime
    seen: tuple[JobKey, ...] = ()

    def encode(self) -> str:
        # Microseconds, as the table keeps them: a cursor rounded to milliseconds would skip or repeat the
        # jobs created within that millisecond at a page's edge
        created = self.created.astimezone(UTC).isoformat(timespec="microseconds")
        document = {"t": created, "k": [[k.kind, k.account, k.region, k.name] for k in self.seen]}
        return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()


def cursor(text: str) -> Cursor:
    """``before``: a cursor a page's Next link carries."""
    try:
        document = json.loads(base64.urlsafe_b64decode(text.encode()))
        created = datetime.fromisoformat(document["t"]).astimezone(UTC)
        seen = tuple(
            JobKey(account=account, region=region, kind=parser.kind(kind), name=name)
            for kind, account, region, name in document["k"]
        )
    except (ValueError, TypeError, KeyError, binascii.Error, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError("not a place in this list (follow the Next link)") from None
    if len(seen) > MAX_PAGE_SIZE:  # each key shown adds one to the page's Query: bounded, as a page is
        raise argparse.ArgumentTypeError(f"a place in this list names at most {MAX_PAGE_SIZE} jobs")
    return Cursor(created, seen)


#: The list's filters: the parameters of ``jobtrail jobs``, read by its parsers.
JOB_FILTERS: Final[Mapping[str, Reader]] = {
    "kind": parser.kind,
    "status": parser.status,
    "since": parser.moment,
    "until": parser.until,
    "tuning_job": parser.tuning_job,
    "account": parser.account_id,
    "job_region": parser.region_name,
    "limit": page_size,
    "before": cursor,
}


@dataclass(frozen=True)
class JobsPage:
    """A page of the list: the jobs, as ``jobtrail jobs`` shows them, and the link to the next page."""

    title: str
    filters: str
    summaries: list[JobSummary]
    columns: list[Column]
    #: The filters as given (the form shows them again).
    given: dict[str, str]
    json_href: str = "/jobs.json"
    next_href: str | None = None
    next_json: str | None = None
    first_href: str | None = None

    def document(self) -> list[dict[str, Any]]:
        """``jobtrail jobs --json``."""
        return [summary_view(summary) for summary in self.summaries]


# -- a job --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of a table of the page: its cells."""

    cells: list[Cell]
    css: str = ""


@dataclass(frozen=True)
class JobPage:
    """Everything the page of one job shows."""

    record: StoredJob
    noun: str
    details: list[tuple[str, Cell]]
    timeline: str
    transitions: list[Row]
    metrics: list[Row]
    alerts: list[Row]
    alert_records: list[StoredAlert]
    links: list[tuple[str, str]]
    running: bool
    objective: list[tuple[str, Cell]] = field(default_factory=list)
    children: list[JobRecord] = field(default_factory=list)
    children_rows: list[Row] = field(default_factory=list)
    objective_chart: str = ""
    children_timeline: str = ""
    steps: list[Row] = field(default_factory=list)
    steps_timeline: str = ""
    failed_step: list[tuple[str, Cell]] = field(default_factory=list)
    json_href: str = ""

    @property
    def summary(self) -> JobSummary:
        return self.record.summary

    def document(self) -> dict[str, Any]:
        """``show --json`` as ``job``, ``history --json`` as ``transitions``, ``alerts JOB --json`` as
        ``alerts``, the console's and logs' links; a tuning job's training jobs (``show --json`` each,
        best first) as ``training_jobs``."""
        document: dict[str, Any] = {
            "job": job_view(self.record),
            "transitions": [transition_view(t) for t in self.record.transitions],
            "alerts": [alert_view(a) for a in self.alert_records],
            "console_url": dict(self.links).get("SageMaker console"),
            "logs_url": dict(self.links).get("CloudWatch logs"),
        }
        if self.record.summary.kind == "tuning":
            document["training_jobs"] = [job_view(child) for child in self.children]
        return document


# -- the pages, read -------------------------------------------------------------------------------------


class Pages:
    """The pages, read from the table the run's ``wiring`` names (made before serving: the threads share
    it), ``where`` said as the CLI says it; ``args``: the command's options (``--stack`` for the routes
    that name teams, as ``cost --by team``); ``links``: the stack's console portal, if any."""

    def __init__(
        self, wiring: Wiring, args: argparse.Namespace, *, where: str, links: ConsoleLinks | None = None
    ) -> None:
        self._wiring = wiring
        self._args = args
        self._store = wiring.queries()
        self.where = where
        self._links = links
        # How the overview names teams: the routes document, read at the first overview only (a --stack's
        # means DescribeStacks and GetParameter on the run's one boto3 session, which threads must not
        # share unguarded), then kept for the run.
        self._teams_lock = threading.Lock()
        self._teams: tuple[Callable[[JobSummary], str | None] | None] | None = None

    # -- /jobs

    def jobs(self, params: Mapping[str, Sequence[str]]) -> JobsPage:
        """The jobs the filters select, newest first, a page at a time (``limit``; ``before``: the cursor
        of the page before's Next link): one bounded ``list_jobs``, as ``jobtrail jobs`` reads them."""
        values = read_params(params, JOB_FILTERS, "the list of jobs")
        args = argparse.Namespace(
            **{name: values.get(name) for name in ("kind", "status", "since", "until", "tuning_job")},
            account=values.get("account"),
            job_region=values.get("job_region"),
        )
        queries.refuse_filters_that_match_nothing(args)
        limit: int = values.get("limit", PAGE_SIZE)
        start: Cursor | None = values.get("before")
        until = args.until
        if start is not None:
            until = start.created if until is None else min(until, start.created)
        query = JobQuery(
            status=args.status,
            since=args.since,
            until=until,
            tuning_job=args.tuning_job,
            kind=args.kind,
            account=args.account,
            region=args.job_region,
            limit=limit + 1 + (len(start.seen) if start else 0),
        )
        found = self._wiring.read(lambda: self._store.list_jobs(query))
        if start is not None:
            found = [s for s in found if not (s.creation_time == start.created and s.key in start.seen)]
        shown = found[:limit]
        given = {name: texts[0] for name, texts in params.items() if texts and name != "before"}
        next_cursor = None
        if len(found) > limit:
            last = shown[-1].creation_time
            before = start.seen if start is not None and start.created == last else ()
            next_cursor = Cursor(last, (*before, *(s.key for s in shown if s.creation_time == last)))
        title = f"{render.listed(s.kind for s in shown) if shown else 'Jobs'} in {self.where}, newest first"
        return JobsPage(
            title=title,
            filters=queries.job_filters(args),
            summaries=shown,
            columns=_columns(shown),
            given=given,
            json_href=list_href("/jobs.json", **given, before=start.encode() if start else None),
            next_href=list_href("/jobs", **given, before=next_cursor.encode()) if next_cursor else None,
            next_json=list_href("/jobs.json", **given, before=next_cursor.encode()) if next_cursor else None,
            first_href=list_href("/jobs", **given) if start is not None else None,
        )

    # -- /jobs/KIND/NAME

    def job(
        self, kind_text: str, name: str, params: Mapping[str, Sequence[str]], *, suffix: str = ""
    ) -> JobPage:
        """The job of that kind and name (in ``account`` and ``region``, when given), found as ``show``
        finds it: a unique prefix of a recent job's name redirects to that job's page (``Redirect``),
        several jobs of that name are ``Ambiguous``, none is the CLI's not-found line (exit 1)."""
        values = read_params(
            params, {"account": parser.account_id, "region": parser.region_name}, "a job's page"
        )
        try:
            kind: Kind = parser.kind(kind_text)
        except argparse.ArgumentTypeError as error:
            raise UserError(f"no such page: {error}", EXIT_NOT_FOUND) from None
        args = argparse.Namespace(
            job=name, kind=kind, account=values.get("account"), job_region=values.get("region")
        )
        try:
            key = queries.find_job_key(args, self._wiring)
        except UserError as error:
            if error.exit_code == EXIT_USAGE:
                self._refuse_ambiguous(args, error)
            raise
        if key.name != name or (key.account or None, key.region or None) != (args.account, args.job_region):
            raise Redirect(job_href(key, suffix))
        found = self._wiring.read(lambda: self._store.get_job(key))
        if found is None:  # deleted in between
            raise UserError(f"no {SPECS[kind].noun} named {name!r} in {self.where}", EXIT_NOT_FOUND)
        return self._job_page(found)

    def _refuse_ambiguous(self, args: argparse.Namespace, error: UserError) -> None:
        """Several jobs of this name: ``Ambiguous``, with the CLI's message and a link to each."""
        _, keys = queries.jobs_named(args, self._wiring)
        if len(keys) > 1:
            raise Ambiguous(
                str(error), [(f"{render.job_ref(k)} in {k.account} {k.region}", job_href(k)) for k in keys]
            ) from None

    def _job_page(self, record: StoredJob) -> JobPage:
        summary = record.summary
        key = record.key
        now = datetime.now(UTC)
        children: list[JobRecord] = []
        if summary.kind == "tuning":
            children = self._children(record)
            record = replace(
                record, summary=replace(summary, cost=costs.tuning_cost(c.summary for c in children))
            )
        elif summary.kind == "pipeline":
            record = costs.with_rolled_up_cost(record, self._wiring)
        summary = record.summary
        alerts = sorted(record.alerts, key=lambda a: a.alert.transition_start_time, reverse=True)
        zone = displayed()
        page = JobPage(
            record=record,
            noun=SPECS[summary.kind].noun,
            details=_details(record),
            timeline=charts.timeline(
                [_transition_span(t) for t in record.transitions],
                now=now,
                zone=zone.info or now.astimezone().tzinfo or UTC,
                label=f"Status transitions of {summary.job_name}",
            )
            if record.transitions
            else "",
            transitions=[
                Row(
                    [
                        cell(render.styled(t.status)),
                        Cell(render.when(t.start_time)),
                        Cell(render.when(t.end_time) if t.end_time else "open"),
                        Cell(
                            human_duration(t.duration_seconds(now)) + ("" if t.end_time else " so far"),
                            "num",
                        ),
                        Cell(t.message or ""),
                    ],
                    _mark(t.status, t.message),
                )
                for t in record.transitions
            ],
            metrics=[
                Row([Cell(m.name), Cell(repr(m.value), "num"), Cell(render.when(m.timestamp))])
                for m in record.final_metrics
            ],
            alerts=[_alert_row(a) for a in alerts],
            alert_records=alerts,
            links=self._console_links(key),
            running=not summary.is_terminal,
            json_href=job_href(key, ".json"),
        )
        if summary.kind == "tuning":
            return _with_children(page, children, now)
        if summary.kind == "pipeline":
            return _with_steps(page, now)
        return page

    def _children(self, tuning: StoredJob) -> list[JobRecord]:
        """A tuning job's training jobs, best objective first (one Query on ``by-tuning-job``), in its
        account and region (another account's tuning job may have the name)."""
        name = tuning.summary.job_name
        found = self._wiring.read(
            lambda: self._store.list_records(JobQuery(tuning_job=name, kind="training", limit=costs.MAX_JOBS))
        )
        place = (tuning.key.account, tuning.key.region)
        return by_objective(
            [c for c in found if (c.key.account, c.key.region) == place],
            tuning.summary.tuning or TuningFacts(),
        )

    def _console_links(self, key: JobKey) -> list[tuple[str, str]]:
        links = [
            ("SageMaker console", console_link(console_url(key), key.account, self._links)),
            ("CloudWatch logs", console_link(logs_url(key), key.account, self._links)),
        ]
        return [(label, url) for label, url in links if url]

    # -- /overview

    def _team_namer(self) -> Callable[[JobSummary], str | None] | None:
        """``cost --by team``'s namer, made once (a failure to read the routes is raised, and tried again
        at the next overview)."""
        with self._teams_lock:
            if self._teams is None:
                self._teams = (costs.team_namer(self._args, self._wiring),)
            return self._teams[0]

    def overview(self, params: Mapping[str, Sequence[str]]) -> OverviewPage:
        """The jobs created in the window (``since``, default 30 days; ``until``), read as ``cost`` reads
        them (with its teams): per day by status, the failed ones by reason, spend per day and per team."""
        values = read_params(params, {"since": parser.moment, "until": parser.until}, "the overview")
        since: datetime = values.get("since") or parser.moment(overview.DEFAULT_SINCE)
        until: datetime | None = values.get("until")
        if until is not None and since > until:
            raise UserError("since is after until", EXIT_USAGE)
        team_of = self._team_namer()
        summaries = self._wiring.read(
            lambda: self._store.list_jobs(JobQuery(since=since, until=until, limit=costs.MAX_JOBS))
        )
        given = {name: texts[0] for name, texts in params.items() if texts}
        return overview.overview_page(summaries, since, until, team_of=team_of, given=given)


# -- pieces of a job's page (pure) ------------------------------------------------------------------------


def _details(record: JobRecord) -> list[tuple[str, Cell]]:
    """``show``'s rows, with links to the jobs they name (a training job's tuning job, a tuning job's best
    training job, a pipeline execution's failed step's job)."""
    key = record.key
    linked: dict[str, JobKey] = {}
    summary = record.summary
    if summary.tuning_job_name:
        linked["Tuning job"] = replace(key, kind="tuning", name=summary.tuning_job_name)
    best = summary.tuning.best_training_job if summary.tuning else None
    if best:
        linked["Best training job"] = replace(key, kind="training", name=best)
    failed = record.step_that_failed
    if failed is not None and failed.job is not None:
        linked["Step's job"] = failed.job
    return [
        (label, cell(value, job_href(linked[label]) if label in linked else None))
        for label, value in render.detail_rows(record)
    ]


def _mark(status: str, message: str | None) -> charts.Mark:
    """A transition's mark on the timeline: a spot ``interruption``, a wait for ``capacity`` (its message
    says so: ``Insufficient capacity error from EC2…``), or none."""
    if status == "Interrupted":
        return "interruption"
    if message and "capacity" in message.lower():
        return "capacity"
    return ""


def _transition_span(transition: Transition) -> charts.Span:
    return charts.Span(
        label=transition.status,
        status=transition.status,
        start=transition.start_time,
        end=transition.end_time,
        note=transition.message or "",
        mark=_mark(transition.status, transition.message),
    )


def _alert_row(stored: StoredAlert) -> Row:
    alert = stored.alert
    delivery = (
        Cell(f"sent {render.when(stored.sent_at)}")
        if stored.state == "sent"
        else Cell("pending", "st-yellow")
    )
    return Row(
        [
            Cell(render.when(alert.transition_start_time)),
            cell(render.styled(alert.alert_type)),
            Cell(alert.severity, "st-red" if alert.severity == "critical" else "st-yellow"),
            delivery,
            Cell(alert.subject),
        ]
    )


def objective_value(record: JobRecord, metric: str | None) -> float | None:
    """A training job's final value of its tuning job's objective ``metric`` (the last reported), or
    ``None`` (none reported, or not a number)."""
    values = [m.value for m in record.final_metrics if metric and m.name == metric]
    return values[-1] if values and not math.isnan(values[-1]) else None


def by_objective(children: Iterable[JobRecord], tuning: TuningFacts) -> list[JobRecord]:
    """A tuning job's training jobs, best objective first (the highest when its objective is to
    ``Maximize``, else the lowest), then those without a value, newest first; ties by name."""
    maximize = (tuning.objective_type or "").lower() != "minimize"
    valued: list[tuple[float, JobRecord]] = []
    without: list[JobRecord] = []
    for child in children:
        value = objective_value(child, tuning.objective_metric)
        if value is None:
            without.append(child)
        else:
            valued.append((-value if maximize else value, child))
    valued.sort(key=lambda item: (item[0], item[1].job_name))
    without.sort(key=lambda child: child.summary.creation_time, reverse=True)
    return [child for _, child in valued] + without


def _with_children(page: JobPage, children: list[JobRecord], now: datetime) -> JobPage:
    """A tuning job's page: its training jobs as a table and on the objective's chart, best first, and
    when each ran."""
    tuning = page.summary.tuning or TuningFacts()
    metric = tuning.objective_metric or "objective"
    best = tuning.best_training_job or (children[0].job_name if children else None)
    rows = []
    for rank, child in enumerate(children, 1):
        value = objective_value(child, tuning.objective_metric)
        summary = child.summary
        rows.append(
            Row(
                [
                    Cell(str(rank), "num"),
                    Cell(child.job_name, "", job_href(child.key)),
                    cell(render.styled(summary.status)),
                    Cell("-" if value is None else repr(value), "num"),
                    Cell(render.when(summary.creation_time)),
                    Cell(human_duration(summary.training_time_seconds), "num"),
                    cell(render.cost_cell(summary)),
                ],
                "best" if child.job_name == best else "",
            )
        )
    direction = (tuning.objective_type or "").lower() or "best"
    zone = displayed().info or now.astimezone().tzinfo or UTC
    return dataclasses.replace(
        page,
        objective=[
            ("Objective", Cell(f"{metric} ({direction})")),
            (
                "Best training job",
                Cell(
                    best or "-",
                    "",
                    job_href(replace(page.record.key, kind="training", name=best)) if best else None,
                ),
            ),
            (
                "Best value",
                Cell(
                    "-" if tuning.best_objective_value is None else repr(tuning.best_objective_value), "num"
                ),
            ),
        ],
        children=children,
        children_rows=rows,
        objective_chart=charts.objective_dots(
            [
                charts.Point(
                    c.job_name, objective_value(c, tuning.objective_metric), c.summary.status, job_href(c.key)
                )
                for c in children[:MAX_CHART_ROWS]
            ],
            metric=metric,
            best=best,
            label=f"{metric} of each training job of {page.summary.job_name}, best first",
        )
        if children
        else "",
        children_timeline=charts.timeline(
            [
                charts.Span(
                    c.job_name,
                    c.summary.status,
                    c.summary.creation_time,
                    c.summary.end_time if c.summary.is_terminal else None,
                    href=job_href(c.key),
                )
                for c in sorted(children, key=lambda c: c.summary.creation_time)
            ],
            now=now,
            zone=zone,
            label=f"When the training jobs of {page.summary.job_name} ran",
        )
        if children
        else "",
    )


def _with_steps(page: JobPage, now: datetime) -> JobPage:
    """A pipeline execution's page: its steps as a timeline and a table, each linked to the job it ran,
    the failed step's reason."""
    record = page.record
    rows = [
        Row(
            [
                Cell(step.display_name or step.name),
                Cell(step.step_type or "-"),
                cell(render.styled(step.status)),
                Cell(render.when(step.start_time)),
                Cell(
                    human_duration(((step.end_time or now) - step.start_time).total_seconds())
                    + ("" if step.end_time else " so far")
                    if step.start_time
                    else "-",
                    "num",
                ),
                Cell(render.job_ref(step.job), "", job_href(step.job)) if step.job else Cell("-"),
                Cell(step.failure_reason or ""),
            ],
            "failed" if step.status == "Failed" else "",
        )
        for step in record.steps
    ]
    failed = record.step_that_failed
    failed_rows: list[tuple[str, Cell]] = []
    if failed is not None:
        failed_rows = [
            ("Failed step", Cell(failed.display_name or failed.name, "st-bold-red")),
            ("Reason", Cell(failed.failure_reason or "no reason given", "st-red")),
        ]
        if failed.job is not None:
            failed_rows.append(("Its job", Cell(render.job_ref(failed.job), "", job_href(failed.job))))
    zone = displayed().info or now.astimezone().tzinfo or UTC
    return dataclasses.replace(
        page,
        steps=rows,
        failed_step=failed_rows,
        steps_timeline=charts.timeline(
            [
                charts.Span(
                    step.display_name or step.name,
                    step.status,
                    step.start_time,
                    step.end_time,
                    note=step.failure_reason or step.step_type or "",
                    href=job_href(step.job) if step.job else None,
                )
                for step in record.steps
            ],
            now=now,
            zone=zone,
            label=f"Steps of {record.job_name}",
        )
        if record.steps
        else "",
    )


def _columns(summaries: Sequence[JobSummary]) -> list[Column]:
    """``jobs``' columns (``render.jobs_columns``), every one, each job's name linking to its page."""
    columns = []
    for column in render.jobs_columns(summaries):
        hrefs: list[str | None] = (
            [job_href(s.key) for s in summaries] if column.header == "Job" else [None] * len(summaries)
        )
        columns.append(
            Column(
                column.header,
                [cell(value, href) for value, href in zip(column.cells, hrefs, strict=True)],
                column.justify == "right",
            )
        )
    return columns


def kinds() -> tuple[Kind, ...]:
    """The kinds the list's form offers."""
    return KINDS


def statuses() -> list[str]:
    """The statuses the list's form offers: every kind's, then a training job's secondary ones."""
    from jobtrail.core.model import SECONDARY_STATUSES  # noqa: PLC0415

    every = list(dict.fromkeys(status for spec in SPECS.values() for status in spec.statuses))
    return every + [s for s in SECONDARY_STATUSES if s not in every]
