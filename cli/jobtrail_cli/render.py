"""Human output of the CLI: rich tables, the transition timeline and a pipeline execution's steps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from jobtrail.core.cost import ROLLED_UP_KINDS
from jobtrail.core.kinds import SPECS, JobKey, Kind
from jobtrail.core.model import JobRecord, JobSummary, PipelineStep, StoredAlert, Transition, TuningFacts
from jobtrail.core.times import human_duration
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from jobtrail_cli.timezone import displayed

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from jobtrail.core.routing import RouteChoice
    from jobtrail_local.demo import DemoResult, KindCount, OrganizationOutcome
    from rich.console import ConsoleOptions, RenderableType
    from rich.progress import Progress, TaskID

    from jobtrail_cli.commands.status import Health
    from jobtrail_cli.cost_report import CostReport
    from jobtrail_cli.dead_letters import DeadLetter

#: Colours by status (every kind's status, a training job's secondary status, a pipeline step's status);
#: anything else stays plain.
STATUS_STYLES = {
    "Completed": "green",
    "Succeeded": "green",
    "Failed": "bold red",
    "MaxRuntimeExceeded": "red",
    "MaxWaitTimeExceeded": "red",
    "Interrupted": "yellow",
    "Stopped": "magenta",
    "Stopping": "magenta",
    "InProgress": "cyan",
    "Executing": "cyan",
    "Starting": "cyan",
    "Training": "cyan",
}
BAR_WIDTH = 30

console = Console(highlight=False)


def styled(status: str | None) -> Text:
    return Text(status or "-", style=STATUS_STYLES.get(status or "", ""))


def when(moment: datetime | None) -> str:
    """``moment`` in the run's zone (``--tz``; the tables' headers name it), or ``-``."""
    return displayed().local(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def zone() -> str:
    """The zone times are shown in, as a header says it: ``UTC``, ``Europe/Paris``, ``local, CET``."""
    return displayed().name


def jobs_table(summaries: Sequence[JobSummary], *, where: str, filters: str = "", wide: bool = False) -> None:
    """Job summaries, one line each: the name whole, then as many columns as the terminal holds."""
    if not summaries:
        console.print(f"No jobs match {filters} in {where}." if filters else f"No jobs in {where}.")
        return
    _print_fitted(
        f"{listed(s.kind for s in summaries)} in {where}, newest first ({zone()})",
        jobs_columns(summaries),
        wide=wide,
    )


def jobs_columns(summaries: Sequence[JobSummary]) -> list[_Column]:
    """``jobs``' columns, every one (the terminal's width leaves some out): the job's name, its account
    and region when the rows are in several, status, kind, secondary status, creation, training and
    billable time, instances, spot savings, cost."""
    return [
        _Column("Job", [s.job_name for s in summaries], rank=0),
        *_place_columns([s.key for s in summaries]),
        _Column("Status", [styled(s.status) for s in summaries], rank=1),
        _Column("Kind", [s.kind for s in summaries], rank=2),
        _Column("Secondary", [styled(s.secondary_status) for s in summaries], rank=3),
        _Column(
            "Created",
            [when(s.creation_time) for s in summaries],
            rank=4,
            narrow=_Column("Created", [_short_when(s.creation_time) for s in summaries], rank=4),
        ),
        _Column("Training", [human_duration(s.training_time_seconds) for s in summaries], rank=5),
        _Column("Billable", [human_duration(s.billable_time_seconds) for s in summaries], rank=8),
        _Column("Instance", [_instances(s) for s in summaries], rank=9),
        _Column("Spot", [_percent(s.spot_savings_percent) for s in summaries], rank=7),
        _Column("Cost", [cost_cell(s) for s in summaries], rank=6, justify="right"),
    ]


def _place_columns(keys: Sequence[JobKey]) -> list[_Column]:
    """An ``Account`` column when the rows are in more than one account, a ``Region`` column when in
    more than one region (organization mode); none for a single account's table."""
    columns = []
    if len({key.account for key in keys}) > 1:
        columns.append(_Column("Account", [key.account for key in keys], rank=2))
    if len({key.region for key in keys}) > 1:
        columns.append(_Column("Region", [key.region for key in keys], rank=3))
    return columns


def listed(kinds: Iterable[Kind]) -> str:
    """What a listing holds, for its title: ``Processing jobs``, ``Pipeline executions``; ``Jobs`` when it
    mixes kinds."""
    distinct = set(kinds)
    if len(distinct) != 1:
        return "Jobs"
    return plural(SPECS[distinct.pop()].noun).capitalize()


def plural(noun: str) -> str:
    """``training jobs``, ``pipeline executions``."""
    return f"{noun}s"


def job_ref(job: JobKey) -> str:
    """Another job, as ``show --kind KIND NAME`` takes it: ``training pipelines-…-Train-…``."""
    return f"{job.kind} {job.name}"


def alerts_table(alerts: Sequence[StoredAlert], *, where: str, filters: str = "", wide: bool = False) -> None:
    """Alerts, one line each: the job's name whole, then as many columns as the terminal holds."""
    if not alerts:
        console.print(f"No alerts match {filters} in {where}." if filters else f"No alerts in {where}.")
        return
    columns = [
        _Column(
            "Transition",
            [when(a.alert.transition_start_time) for a in alerts],
            rank=3,
            narrow=_Column(
                "Transition", [_short_when(a.alert.transition_start_time) for a in alerts], rank=3
            ),
        ),
        _Column("Alert", [styled(a.alert.alert_type) for a in alerts], rank=1),
        _Column("Severity", [_severity(a.alert.severity) for a in alerts], rank=4),
        _Column("Kind", [a.alert.job.kind for a in alerts], rank=5),
        _Column("Job", [a.alert.job_name for a in alerts], rank=0),
        *_place_columns([a.alert.job for a in alerts]),
        _Column(
            "Delivery",
            [_delivery(a) for a in alerts],
            rank=2,
            narrow=_Column("State", [_delivery(a, short=True) for a in alerts], rank=2),
        ),
    ]
    _print_fitted(f"Alerts in {where}, newest first ({zone()})", columns, wide=wide)


def _severity(severity: str) -> Text:
    return Text(severity, style="red" if severity == "critical" else "yellow")


def _delivery(stored: StoredAlert, *, short: bool = False) -> str | Text:
    if stored.state != "sent":
        return Text("pending", style="yellow")
    return "sent" if short else f"sent {when(stored.sent_at)}"


def _short_when(moment: datetime | None) -> str:
    """``when`` without the year and seconds, for narrow terminals."""
    return displayed().local(moment).strftime("%m-%d %H:%M") if moment else "-"


# -- fitting a table to the terminal: whole cells on one line, columns left out rather than folded -------


#: The narrowest a column of free text (a transition's message) is squeezed to; it folds below that.
MIN_TEXT_WIDTH = 20
#: The narrowest bar of ``history``; at most ``BAR_WIDTH``.
MIN_BAR_WIDTH = 10


@dataclass
class _Column:
    """A table column: its cells, and ``rank``, the order in which columns are left out when the terminal
    is too narrow (highest first; rank 0 always stays). ``narrow``: the same, shorter, tried before any
    column is left out. ``folds``: free text, the one kind that may wrap."""

    header: str
    cells: list[str | Text]
    rank: int
    folds: bool = False
    justify: Literal["left", "right"] = "left"
    narrow: _Column | None = None

    def width(self) -> int:
        """Cells of the widest line (a folding column counts at most ``MIN_TEXT_WIDTH``)."""
        lines = (line for cell in self.cells for line in str(cell).splitlines())
        widest = max([cell_len(self.header), *(cell_len(line) for line in lines)])
        return min(widest, MIN_TEXT_WIDTH) if self.folds else widest


def _table_width(columns: Sequence[_Column]) -> int:
    """What rich's default box needs without its edges: each column padded by one space a side, and a
    rule between two."""
    return sum(column.width() for column in columns) + 3 * len(columns) - 1


def _fit(columns: Sequence[_Column], width: int, *, wide: bool) -> tuple[list[_Column], list[str]]:
    """The columns that fit ``width`` (all with ``wide``), in their order, and the headers left out."""
    kept = list(columns)
    if wide:
        return kept, []
    for column in sorted(columns, key=lambda c: -c.rank):
        if column.narrow and _table_width(kept) > width:
            kept[kept.index(column)] = column.narrow
    while _table_width(kept) > width and max(c.rank for c in kept) > 0:
        kept.remove(max(kept, key=lambda c: c.rank))
    left_out = [c.header for c in columns if c not in kept and c.narrow not in kept]
    return kept, left_out


def _print_fitted(title: str, columns: Sequence[_Column], *, wide: bool) -> None:
    table, width = _fitted(title, columns, wide=wide)
    with _at_least(width):
        console.print(table)


def _fitted(
    title: str,
    columns: Sequence[_Column],
    *,
    wide: bool,
    row_styles: Sequence[str] = (),
    widen: str | None = "--wide",
) -> tuple[Table, int]:
    """The table of the columns that fit the terminal (all with ``wide``), and the width it needs;
    ``row_styles``: a style per row (none by default); ``widen``: the option that shows the columns left
    out, which the caption names (``None``: the command has none)."""
    kept, left_out = _fit(columns, console.width, wide=wide)
    caption = (
        f"{', '.join(left_out)} left out at {console.width} columns: "
        + (
            f"{widen} shows {'them' if len(left_out) > 1 else 'it'}"
            if widen
            else "a wider terminal shows more"
        )
        if left_out
        else None
    )
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left", show_edge=False)
    for column in kept:
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=not column.folds,
            overflow="fold" if column.folds else "ignore",
            # Fixed widths for what must stay whole: rich would otherwise share the shortfall among them.
            width=None if column.folds else column.width(),
            min_width=column.width() if column.folds else None,
        )
    for index, row in enumerate(zip(*(c.cells for c in kept), strict=True)):
        table.add_row(*row, style=row_styles[index] if index < len(row_styles) else None)
    return table, _table_width(kept)


@contextmanager
def _at_least(width: int) -> Iterator[None]:
    """Render ``width`` columns wide if the terminal is narrower (with --wide, or a name longer than the
    terminal): each row stays one line, which the terminal wraps, and a copied name stays whole."""
    real = console.width
    console.width = max(real, width)
    try:
        yield
    finally:
        console.width = real


def job_details(record: JobRecord, *, where: str, command: str = "jobtrail") -> None:
    """``show``: the job's facts, a row each (those of its kind), then what else there is to see: a
    training job's final metrics, the commands that list a tuning job's training jobs or a pipeline
    execution's steps."""
    summary = record.summary
    table = Table(
        show_header=False,
        title=summary.job_name,
        title_justify="left",
        caption=f"From {where}. Times in {zone()}.",
        caption_justify="left",
        box=None,
    )
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in detail_rows(record):
        table.add_row(label, value)
    console.print(table)
    if summary.kind == "training":
        metrics_table(record)
    for hint in _hints(record, command):
        console.print(hint, soft_wrap=True)


def detail_rows(record: JobRecord) -> list[tuple[str, str | Text]]:
    """``show``'s rows: the facts every kind has, those of the job's kind, its cost, its failure reason."""
    summary = record.summary
    rows: list[tuple[str, str | Text]] = [
        ("Kind", summary.kind),
        ("ARN", summary.job_arn),
        ("Status", styled(summary.status)),
        *_rows_of_kind(record),
        *_cost_rows(summary),
    ]
    if summary.failure_reason:
        rows.append(("Failure reason", Text(summary.failure_reason, style="red")))
    return rows


def route_details(
    job: JobKey,
    tags: Mapping[str, str] | None,
    tags_from: str | None,
    choice: RouteChoice,
    *,
    source: str,
    where: str,
) -> None:
    """``routes test``: the job, its tags and where they come from, the route it takes and why, its team,
    Slack channel and webhook secret (or what stands in for them)."""
    table = Table(
        show_header=False,
        title=f"Route of {SPECS[job.kind].noun} {job.name}",
        title_justify="left",
        caption=f"Routes: {source}. Job from {where}.",
        caption_justify="left",
        box=None,
    )
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    if tags is None:
        shown_tags = Text(
            "not read yet: its next sync reads them (--read-tags reads them now)", style="yellow"
        )
    else:
        listed = ", ".join(f"{key}={value}" for key, value in sorted(tags.items())) or "none"
        shown_tags = Text(f"{listed} ({'from SageMaker now' if tags_from == 'sagemaker' else 'stored'})")
    for label, value in (
        ("Job", f"{job_ref(job)} ({job.account}, {job.region})"),
        ("Tags", shown_tags),
        ("Route", choice.reason),
        ("Team", choice.team or Text("none: the alert has no team attribute", style="dim")),
        ("Slack channel", choice.slack_channel or Text("the stack's default", style="dim")),
        ("Webhook secret", choice.slack_webhook_secret or Text("the stack's default", style="dim")),
    ):
        table.add_row(label, value)
    console.print(table)


def _rows_of_kind(record: JobRecord) -> list[tuple[str, str | Text]]:
    """``show``'s rows that depend on the job's kind (a training job's are those it always had)."""
    summary = record.summary
    match summary.kind:
        case "training":
            return [
                ("Secondary status", styled(summary.secondary_status)),
                ("Created", when(summary.creation_time)),
                ("Training started", when(summary.start_time)),
                ("Training ended", when(summary.end_time)),
                ("Last modified", when(summary.last_modified_time)),
                ("Training time", human_duration(summary.training_time_seconds)),
                ("Billable time", human_duration(summary.billable_time_seconds)),
                ("Managed spot", "yes" if summary.managed_spot else "no"),
                ("Spot savings", _spot_savings(summary)),
                ("Instances", _instances(summary)),
                ("Max runtime", human_duration(summary.max_runtime_seconds)),
                ("Max wait", human_duration(summary.max_wait_seconds)),
                ("Tuning job", summary.tuning_job_name or "-"),
                ("Model artifacts", summary.model_artifacts_uri or "-"),
            ]
        case "processing":
            return [
                *_times(summary),
                ("Instances", _instances(summary)),
                ("Max runtime", human_duration(summary.max_runtime_seconds)),
                ("Exit message", Text(summary.exit_message or "-")),
            ]
        case "transform":
            return [
                *_times(summary),
                ("Model", summary.model_name or "-"),
                ("Instances", _instances(summary)),
            ]
        case "tuning":
            return _tuning_rows(summary)
        case "pipeline":
            return _pipeline_rows(record)


def _times(summary: JobSummary) -> list[tuple[str, str | Text]]:
    """Created, started, ended, last modified, and the time it ran (ended or not)."""
    ran = None
    if summary.start_time:
        ran = ((summary.end_time or datetime.now(UTC)) - summary.start_time).total_seconds()
    return [
        ("Created", when(summary.creation_time)),
        ("Started", when(summary.start_time)),
        ("Ended", when(summary.end_time)),
        ("Last modified", when(summary.last_modified_time)),
        ("Ran", human_duration(ran) + ("" if summary.end_time or ran is None else " so far")),
    ]


def _tuning_rows(summary: JobSummary) -> list[tuple[str, str | Text]]:
    tuning = summary.tuning or TuningFacts()
    objective = tuning.objective_metric or "-"
    if tuning.objective_type:
        objective = f"{objective} ({tuning.objective_type.lower()})"
    return [
        ("Created", when(summary.creation_time)),
        ("Ended", when(summary.end_time)),
        ("Last modified", when(summary.last_modified_time)),
        ("Training jobs", counted(tuning.training_job_counts)),
        ("Objective statuses", counted(tuning.objective_counts)),
        ("Objective", objective),
        ("Best training job", tuning.best_training_job or "-"),
        ("Best objective", "-" if tuning.best_objective_value is None else repr(tuning.best_objective_value)),
    ]


def counted(counters: Sequence[tuple[str, int]]) -> str:
    """A tuning job's counters as people say them: ``3 Completed, 1 Stopped`` (the zero ones left out),
    ``none`` when all are zero."""
    return ", ".join(f"{count} {name}" for name, count in counters if count) or "none"


def _pipeline_rows(record: JobRecord) -> list[tuple[str, str | Text]]:
    summary = record.summary
    pipeline, _, execution = summary.job_name.partition("/")
    rows: list[tuple[str, str | Text]] = [
        ("Pipeline", pipeline),
        ("Execution", execution),
        ("Created", when(summary.creation_time)),
        ("Last modified", when(summary.last_modified_time)),
        ("Steps", _step_count(record.steps)),
    ]
    failed = record.step_that_failed
    if failed is not None:
        rows.append(("Failed step", Text(failed.name, style="bold red")))
        if failed.failure_reason:
            rows.append(("Step failure", Text(failed.failure_reason, style="red")))
        if failed.job is not None:
            rows.append(("Step's job", job_ref(failed.job)))
    elif summary.failed_step:
        rows.append(("Failed step", Text(summary.failed_step, style="bold red")))
    return rows


def _step_count(steps: Sequence[PipelineStep]) -> str:
    """``3 (2 Succeeded, 1 Failed)``."""
    if not steps:
        return "0"
    statuses: dict[str, int] = {}
    for step in steps:
        statuses[step.status] = statuses.get(step.status, 0) + 1
    return f"{len(steps)} ({counted(tuple(statuses.items()))})"


def _hints(record: JobRecord, command: str) -> list[str]:
    """The commands that show what ``show`` only names: a tuning job's training jobs and its best one, a
    pipeline execution's steps and its failed step's job; ``command`` runs this CLI on the same table."""
    summary = record.summary
    name = summary.job_name
    if summary.kind == "tuning":
        hints = [f"Its training jobs: {command} jobs --tuning-job {name}"]
        best = summary.tuning.best_training_job if summary.tuning else None
        if best:
            hints.append(f"The best one: {command} show --kind training {best}")
        return hints
    if summary.kind == "pipeline":
        hints = [f"Its steps as a timeline: {command} history {name}"]
        failed = record.step_that_failed
        if failed is not None and failed.job is not None:
            hints.append(f"The failed step's job: {command} show --kind {job_ref(failed.job)}")
        return hints
    return []


def metrics_table(record: JobRecord, *, where: str = "", command: str = "jobtrail") -> None:
    """The final metrics (a tuning job's: its objective, as its best training job reached it); ``where``
    (the table) is told when they are shown alone. Kinds without metrics say so in one line."""
    summary = record.summary
    in_where = f" in {where}" if where else ""
    if summary.kind == "tuning":
        _objective_table(record, in_where)
        return
    if summary.kind != "training":
        steps = (
            f" (its steps' jobs may: `{command} history {record.job_name}` names them)"
            if summary.kind == "pipeline"
            else ""
        )
        console.print(
            f"{plural(SPECS[summary.kind].noun).capitalize()} report no metrics: none for "
            f"{record.job_name}{in_where}{steps}.",
            soft_wrap=True,
        )
        return
    if not record.final_metrics:
        console.print(f"No final metrics recorded for {record.job_name}{in_where}.")
        return
    title = f"Final metrics of {record.job_name}{in_where}" if where else "Final metrics"
    table = Table(title=title, title_justify="left")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    table.add_column(f"Timestamp ({zone()})")
    for metric in record.final_metrics:
        table.add_row(metric.name, repr(metric.value), when(metric.timestamp))
    console.print(table)


def _objective_table(record: JobRecord, in_where: str) -> None:
    """A tuning job's objective: its metric, the best value and the training job that reached it."""
    tuning = record.summary.tuning
    if tuning is None or tuning.best_objective_value is None:
        metric = tuning.objective_metric if tuning and tuning.objective_metric else "its objective"
        console.print(
            f"No objective value yet for {record.job_name}{in_where}: none of its training jobs "
            f"has reported {metric}."
        )
        return
    table = Table(title=f"Objective of {record.job_name}{in_where}", title_justify="left")
    for header in ("Metric", "Type", "Best value", "Best training job"):
        table.add_column(header, justify="right" if header == "Best value" else "left")
    table.add_row(
        tuning.objective_metric or "-",
        tuning.objective_type or "-",
        repr(tuning.best_objective_value),
        tuning.best_training_job or "-",
    )
    console.print(table)


def timeline(
    record: JobRecord,
    *,
    where: str = "",
    wide: bool = False,
    now: datetime | None = None,
    command: str = "jobtrail",
) -> None:
    """Each transition with its duration and a bar proportional to the longest one, a line each; for a
    pipeline execution, then its steps the same way, with the job each ran, and under them each failed
    step's reason and how to see a step's job (whole lines, which the terminal wraps: a command stays
    whole to copy)."""
    view, width = timeline_view(record, where=where, wide=wide, now=now, notes=False)
    with _at_least(width):
        console.print(view)
    for note in step_notes(record, command):
        console.print(note, soft_wrap=True)


def timeline_view(
    record: JobRecord,
    *,
    where: str = "",
    wide: bool = False,
    now: datetime | None = None,
    widen: str | None = "--wide",
    notes: bool = True,
    command: str = "jobtrail",
) -> tuple[RenderableType, int]:
    """``timeline``'s tables (or the line saying there is none), with the ``step_notes`` of a pipeline
    execution unless ``notes`` is false, and the width they need; ``widen`` as for ``_fitted``."""
    from rich.console import Group  # noqa: PLC0415

    now = now or datetime.now(UTC)
    transitions, width = _transitions_view(record, where=where, wide=wide, now=now, widen=widen)
    if record.summary.kind != "pipeline":
        return transitions, width
    steps, steps_width = steps_view(record, wide=wide, now=now, widen=widen)
    return Group(transitions, steps, *(step_notes(record, command) if notes else ())), max(width, steps_width)


def _transitions_view(
    record: JobRecord, *, where: str, wide: bool, now: datetime, widen: str | None
) -> tuple[RenderableType, int]:
    transitions = record.transitions
    if not transitions:
        return Text(f"No transitions recorded for {record.job_name}."), 0
    durations = [t.duration_seconds(now) or 0.0 for t in transitions]
    bar = _Column("Time spent", ["█" * MIN_BAR_WIDTH], rank=1)  # measured at its narrowest
    columns = [
        _Column("Status", [styled(t.status) for t in transitions], rank=0),
        _Column(f"Started ({zone()})", [when(t.start_time) for t in transitions], rank=3),
        _Column("Duration", [_duration(t, d) for t, d in zip(transitions, durations, strict=True)], rank=2),
        bar,
        _Column("Message", [t.message or "" for t in transitions], rank=4, folds=True),
    ]
    _fill_bars(bar, columns, durations, [t.status for t in transitions], wide=wide)
    noun = SPECS[record.summary.kind].noun
    title = f"{noun.capitalize()} {record.job_name} — {record.summary.status}" + (
        f" ({where})" if where else ""
    )
    return _fitted(title, columns, wide=wide, widen=widen)


def steps_view(
    record: JobRecord, *, wide: bool = False, now: datetime | None = None, widen: str | None = "--wide"
) -> tuple[RenderableType, int]:
    """A pipeline execution's steps in the order they started: type, status, start, duration with a bar
    proportional to the longest step, and the job each ran (``kind name``). Returns it with the width it
    needs."""
    steps = record.steps
    if not steps:
        return Text(f"No steps recorded for {record.job_name}."), 0
    now = now or datetime.now(UTC)
    durations = [_step_seconds(step, now) for step in steps]
    bar = _Column("Time spent", ["█" * MIN_BAR_WIDTH], rank=3)
    columns = [
        _Column("Step", [Text(step.name) for step in steps], rank=0),
        _Column("Type", [step.step_type or "-" for step in steps], rank=6),
        _Column("Status", [styled(step.status) for step in steps], rank=1),
        _Column(f"Started ({zone()})", [when(step.start_time) for step in steps], rank=5),
        _Column(
            "Duration",
            [_step_duration(step, seconds) for step, seconds in zip(steps, durations, strict=True)],
            rank=2,
        ),
        bar,
        _Column("Job", [job_ref(step.job) if step.job else "-" for step in steps], rank=4),
    ]
    _fill_bars(bar, columns, [seconds or 0.0 for seconds in durations], [s.status for s in steps], wide=wide)
    return _fitted(f"Steps of {record.job_name}, in the order they started", columns, wide=wide, widen=widen)


def step_notes(record: JobRecord, command: str = "jobtrail") -> list[Text]:
    """What the steps table leaves out or only names: each failed step's reason, and the command that
    shows a step's job (the failed step's, else the last one that ran a job); ``command`` runs this CLI
    on the same table."""
    notes = [
        Text.assemble((f"{step.name} failed: ", "bold red"), step.failure_reason or "no reason given")
        for step in record.steps
        if step.status == "Failed"
    ]
    failed = record.step_that_failed
    ran = [s.job for s in record.steps if s.job is not None]
    job = failed.job if failed is not None and failed.job is not None else (ran[-1] if ran else None)
    if job is not None:
        notes.append(Text(f"A step's job has its own history: {command} show --kind {job_ref(job)}"))
    return notes


def _step_seconds(step: PipelineStep, now: datetime) -> float | None:
    """How long the step ran (so far, if it has not ended); ``None`` if it has not started."""
    if step.start_time is None:
        return None
    return ((step.end_time or now) - step.start_time).total_seconds()


def _step_duration(step: PipelineStep, seconds: float | None) -> str:
    text = human_duration(seconds)
    return f"{text} (open)" if seconds is not None and step.end_time is None else text


def _fill_bars(
    bar: _Column, columns: Sequence[_Column], seconds: Sequence[float], statuses: Sequence[str], *, wide: bool
) -> None:
    """The bar column's cells: as wide as the terminal leaves room for (``BAR_WIDTH`` at most, and with
    ``wide``), the longest duration the whole bar."""
    kept, _ = _fit(columns, console.width, wide=wide)
    spare = max(console.width - _table_width(kept), 0)
    bar_width = BAR_WIDTH if wide else min(BAR_WIDTH, MIN_BAR_WIDTH + spare)
    longest = max(seconds) or 1.0
    bar.cells = [
        _bar(duration, longest, STATUS_STYLES.get(status, "blue"), bar_width)
        for duration, status in zip(seconds, statuses, strict=True)
    ]


def _duration(transition: Transition, seconds: float) -> str:
    text = human_duration(seconds)
    return f"{text} (open)" if transition.end_time is None else text


def _bar(seconds: float, longest: float, style: str, width: int) -> Text:
    cells = round(width * seconds / longest) if seconds > 0 else 0
    return Text("█" * max(cells, 1 if seconds > 0 else 0), style=style)


def dollars(amount: Decimal) -> str:
    """``$1,234.56``; a positive amount under half a cent: ``< $0.01``."""
    if Decimal(0) < amount < Decimal("0.005"):
        return "< $0.01"
    return f"${amount:,.2f}"


def cost_cell(summary: JobSummary) -> str | Text:
    """``jobs``' Cost: the dollars, ``?`` when not known yet, ``-`` for the kinds that bill through their
    jobs (``show`` rolls them up)."""
    if summary.kind in ROLLED_UP_KINDS:
        return "-"
    if summary.cost is None or summary.cost.usd is None:
        return Text("?", style="yellow")
    return dollars(summary.cost.usd)


def _cost_rows(summary: JobSummary) -> list[tuple[str, str | Text]]:
    """``show``'s Cost row (and a tuning job's or pipeline execution's spot savings, rolled up)."""
    cost = summary.cost
    if cost is None:
        return [("Cost", Text(f"unknown: {_NOT_PRICED}", style="yellow"))]
    if cost.usd is None:
        return [("Cost", Text(f"unknown: {cost.reason or _NOT_PRICED}", style="yellow"))]
    details = []
    if summary.kind in ROLLED_UP_KINDS:
        details.append("its training jobs'" if summary.kind == "tuning" else "its steps' jobs'")
    if cost.warm_pool_usd:
        details.append(f"warm pool {dollars(cost.warm_pool_usd)}")
    if cost.hourly:
        prices = ", ".join(f"{name} ${price.normalize():f}/h" for name, price in cost.hourly)
        details.append(f"{prices}, {cost.basis}" if cost.basis else prices)
    elif cost.basis:
        details.append(f"{cost.basis} prices")
    text = dollars(cost.usd) + (f" ({'; '.join(details)})" if details else "")
    rows: list[tuple[str, str | Text]] = [("Cost", text)]
    if summary.kind in ROLLED_UP_KINDS and cost.spot_savings_usd:
        rows.append(("Spot savings", dollars(cost.spot_savings_usd)))
    return rows


def _spot_savings(summary: JobSummary) -> str:
    """A training job's spot savings: the percentage, and the dollars once its cost is known."""
    percent = _percent(summary.spot_savings_percent)
    saved = summary.cost.spot_savings_usd if summary.cost else None
    return percent if saved is None else f"{percent} ({dollars(saved)})"


#: What ``show`` says of a job whose cost was never stored.
_NOT_PRICED = "not priced (recorded without prices, before jobtrail priced jobs)"


def cost_table(report: CostReport, *, where: str, window: str, wide: bool = False) -> None:
    """``cost``: the groups' totals, then the total; ``--by day`` adds a bar of each day's spend."""
    groups = report.groups
    header = {"instance-type": "Instance type", "tuning-job": "Tuning job"}.get(report.by, report.by.title())
    if not groups:
        console.print(f"No jobs {window} in {where}.")
        return
    rows = [*groups, report.total]
    columns = [
        _Column(header, [g.group for g in groups] + [Text("Total", style="bold")], rank=0),
        _Column("Spend", [_money_cell(g.spend_usd) for g in rows], rank=1, justify="right"),
        _Column("Failed", [_money_cell(g.failed_usd) for g in rows], rank=4, justify="right"),
        _Column("Stopped", [_money_cell(g.stopped_usd) for g in rows], rank=5, justify="right"),
        _Column("Spot saved", [_money_cell(g.spot_savings_usd) for g in rows], rank=6, justify="right"),
        _Column("Jobs", [str(g.jobs) for g in rows], rank=2, justify="right"),
        _Column(
            "Cost unknown", [str(g.unknown) if g.unknown else "-" for g in rows], rank=3, justify="right"
        ),
    ]
    if report.by == "day":
        longest = max((float(g.spend_usd) for g in groups), default=0.0)
        bars = [
            _bar(float(g.spend_usd), longest, "green", BAR_WIDTH) if longest else Text("") for g in groups
        ]
        columns.insert(2, _Column("", [*bars, Text("")], rank=3))
    title = f"What the jobs {window} cost, by {report.by}, in {where}"
    table, width = _fitted(title, columns, wide=wide)
    table.rows[-2].end_section = True
    notes = []
    if report.rolled_up_jobs:
        notes.append(
            f"{report.rolled_up_jobs} tuning jobs and pipeline executions bill through their jobs "
            "(counted above)."
        )
    if report.total.unknown:
        notes.append(
            f"{report.total.unknown} {'job has' if report.total.unknown == 1 else 'jobs have'} no known cost "
            "yet (running, or not priced): "
            "not in the dollars."
        )
    if report.bases:
        notes.append(f"Prices: {', '.join(report.bases)}.")
    with _at_least(width):
        console.print(table)
        for note in notes:
            console.print(note, style="dim", soft_wrap=True)


def _money_cell(amount: Decimal) -> str:
    return dollars(amount) if amount else "-"


def _instances(summary: JobSummary) -> str:
    if not summary.instance_type:
        return "-"
    return f"{summary.instance_count or 1} x {summary.instance_type}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


@contextmanager
def replay_progress() -> Iterator[DemoProgress]:
    """The demo's steps as they happen (starting the engine, the table, the replay with a bar over the
    state changes, Slack), each line kept with its time once done."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        steps = DemoProgress(bar)
        yield steps
        steps.finish()


class DemoProgress:
    """``jobtrail_local.demo.Progress`` on a rich progress display: one line per step."""

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self._task: TaskID | None = None

    def step(self, text: str) -> None:
        self.finish()
        self._task = self._bar.add_task(text, total=None, count="")

    def replayed(self, done: int, total: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=done, total=total, count=f"{done}/{total}")

    def finish(self) -> None:
        """The current step is done: its bar full, its clock stopped."""
        if self._task is not None:
            task = next(t for t in self._bar.tasks if t.id == self._task)
            self._bar.update(self._task, total=task.total or 1, completed=task.total or 1)
            self._task = None


def demo_report(
    result: DemoResult, directory: Path, queries: Sequence[tuple[str, str]], program: str
) -> None:
    """What the demo did: delivery figures, what happened per kind, the jobs, the spot job's timeline, the
    failed pipeline execution's steps, the alerts and Slack posts, then ``queries`` (command, what it
    shows) to explore the data."""
    from jobtrail_local.local_stack import DEMO_TABLE  # noqa: PLC0415

    if result.notice:
        console.print(f"[yellow]{result.notice}[/yellow]")
    d = result.delivery
    console.print(
        f"Delivered {d.sent} events in {d.batches} SQS batches to IngestFunction "
        f"({d.duplicates} duplicates, {d.late} late and out of order, {d.redelivered} redelivered). "
        f"History in {result.engine}, table {DEMO_TABLE}."
    )
    if result.replaced_history:
        console.print(
            f"This run replaced the earlier demo's history in {DEMO_TABLE}: "
            "each run starts from an empty table."
        )
    kinds_table(result.kinds, where=f"table {DEMO_TABLE}")
    jobs_table(result.summaries, where=f"table {DEMO_TABLE}")
    if result.organization is not None:
        organization_report(result.organization)
    for record in (result.spot_record, result.failed_pipeline_record):
        if record is not None:
            timeline(record, command=f"{program} --local")
    alerts_table(result.stored_alerts, where=f"table {DEMO_TABLE}")
    if result.slack is not None and result.slack.mode == "app":
        slack_threads_report(result, program)
    else:
        _slack_webhook_report(result)
    if result.engine == "DynamoDB Local":
        from jobtrail_local.demo import demo_commands  # noqa: PLC0415

        accounts = result.organization.organization.accounts if result.organization else 1
        # soft_wrap: paths and commands stay whole (the terminal wraps them), so they can be copied.
        console.print(f"The history stays in {directory}. Query it with the same CLI:", soft_wrap=True)
        commented([*queries, *demo_commands(program, accounts)], bold=len(queries))
        console.print(_engine_note(result, program))


def organization_report(outcome: OrganizationOutcome) -> None:
    """Organization mode: the organization, a row per place (how it is reached, its jobs, the Describe
    calls made there), the AssumeRole calls per member account, and the events rejected with why."""
    organization = outcome.organization
    members = " and ".join(organization.members)
    console.print(
        f"Organization mode: home account {organization.home.account}, member accounts {members}, in "
        f"{' and '.join(organization.regions)} (the functions' JOBTRAIL_MEMBER_ACCOUNTS and "
        "JOBTRAIL_MEMBER_REGIONS, as MemberAccountIds and MemberRegions set them).",
        soft_wrap=False,
    )
    home = organization.home.account
    role = organization.organization().role_name
    columns = [
        _Column("Account", [p.place.account for p in outcome.places], rank=0),
        _Column("Region", [p.place.region for p in outcome.places], rank=0),
        _Column(
            "Reached with",
            ["its own credentials" if p.place.account == home else f"role {role}" for p in outcome.places],
            rank=1,
        ),
        _Column("Jobs", [str(p.jobs) for p in outcome.places], rank=0, justify="right"),
        _Column("Describes", [str(p.describes) for p in outcome.places], rank=0, justify="right"),
    ]
    table, width = _fitted("Where the jobs ran", columns, wide=False, widen=None)
    with _at_least(width):
        console.print(table)
    member_describes = sum(p.describes for p in outcome.places if p.place.account != home)
    calls = sum(outcome.assume_roles.values())
    each = ", ".join(f"{n} for {account}" for account, n in outcome.assume_roles.items())
    console.print(
        f"AssumeRole: {calls} call{'s' if calls != 1 else ''} ({each}) for {member_describes} Describe "
        "calls, and the tag and log reads, in member accounts: a member's role credentials are kept until 10 "
        "minutes before they expire.",
        soft_wrap=False,
    )
    if not outcome.rejected:
        return
    rejected = [
        _Column("Account", [r.account for r in outcome.rejected], rank=0),
        _Column("Region", [r.region for r in outcome.rejected], rank=1),
        _Column("Job", [r.job_name for r in outcome.rejected], rank=0),
        _Column("Reason", [r.reason for r in outcome.rejected], rank=0, folds=True),
    ]
    table, width = _fitted(
        "Rejected events, parked in the dead-letter queue", rejected, wide=False, widen=None
    )
    with _at_least(width):
        console.print(table)


def _slack_webhook_report(result: DemoResult) -> None:
    """Every alert as Slack shows it, after where it went."""
    total = len(result.slack_payloads)
    if result.slack_failure is None:
        console.print(f"[bold]{total} alerts sent[/bold] through SNS to {result.slack_destination}:")
    else:
        console.print(
            f"[bold yellow]{result.slack_posted} of {total} alerts reached {result.slack_destination}: "
            f"{result.slack_failure}.[/bold yellow] Here they are as Slack would show them:"
        )
    for payload in result.slack_payloads:
        console.rule(style="dim")
        console.print(slack_message(payload))
    console.rule(style="dim")


def slack_threads_report(result: DemoResult, program: str) -> None:
    """App mode: a row per job's thread (its channel, team, status and replies), the rate limit's waits,
    then the featured jobs' threads as Slack shows them, and the command that explains a route."""
    from jobtrail_local.demo import featured_threads, routes_command  # noqa: PLC0415

    slack = result.slack
    if slack is None:
        return
    statuses = {summary.key: summary.status for summary in result.summaries}
    channels = dict.fromkeys(thread.channel for thread in slack.threads)
    routes = f" ({result.routes_file})" if result.routes_file else ""
    console.print(
        f"[bold]{len(result.slack_payloads)} alerts[/bold] through SNS, and the jobs' transitions through "
        f"the table's stream, to {slack.destination}: [bold]{len(slack.threads)} threads[/bold], one per "
        f"job, in {len(channels)} channels, routed by the demo's routes document{routes}.",
        soft_wrap=False,
    )
    if slack.failure is not None:
        console.print(f"[bold yellow]The notifier stopped: {slack.failure}.[/bold yellow]")
    columns = [
        _Column("Channel", [thread.channel for thread in slack.threads], rank=0),
        _Column("Team", [thread.team or "-" for thread in slack.threads], rank=2),
        _Column("Job", [_thread_job(thread.job) for thread in slack.threads], rank=0),
        _Column(
            "Status",
            [_status_text(statuses.get(thread.job, "-")) if thread.job else "-" for thread in slack.threads],
            rank=1,
        ),
        _Column("Replies", [_replies_count(thread.replies) for thread in slack.threads], rank=1),
    ]
    table, width = _fitted("Slack threads (app mode)", columns, wide=False, widen=None)
    with _at_least(width):
        console.print(table)
    console.print(
        f"Slack takes one message per second per channel: the notifier spaced its posts by "
        f"{slack.rate_limited_seconds:.0f} s in all (a simulated clock: the demo does not wait)."
    )
    for thread in featured_threads(slack.threads, result.featured):
        _print_thread(thread)
    command = routes_command(result, program)
    if command:
        console.print("Why an alert went to its channel:", soft_wrap=True)
        commented([(command, "the rule, the tag it matched, the channel")], bold=0)


def _thread_job(job: JobKey | None) -> str:
    return f"{job.kind} {job.name}" if job else "-"


def _status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def _replies_count(replies: Sequence[tuple[Mapping[str, Any], bool]]) -> str:
    alerts = sum(1 for _, broadcast in replies if broadcast)
    return f"{len(replies)} ({alerts} alert{'s' if alerts != 1 else ''})"


def _print_thread(thread: Any) -> None:
    """One thread as its channel shows it: the parent (as last edited), each reply indented under it."""
    from rich.padding import Padding  # noqa: PLC0415

    edited = f", edited {thread.edits} time{'s' if thread.edits != 1 else ''}" if thread.edits else ""
    console.rule(f"{thread.channel} · the thread of {_thread_job(thread.job)}{edited}", style="dim")
    console.print(slack_message(thread.parent))
    for reply, broadcast in thread.replies:
        mark = f"  ↳ also sent to {thread.channel}" if broadcast else "  ↳"
        console.print(Text(mark, style="dim"))
        console.print(Padding(slack_message(reply), (0, 0, 0, 4)))
    console.rule(style="dim")


def kinds_table(counts: Sequence[KindCount], *, where: str) -> None:
    """A row per kind: how many jobs, how many of them in each status, their alerts by type; on a narrow
    terminal the counts go one per line rather than fold."""

    def column(header: str, rank: int, cells: Sequence[Mapping[str, int]]) -> _Column:
        return _Column(
            header,
            [_counts(cell, ", ") for cell in cells],
            rank=rank,
            narrow=_Column(header, [_counts(cell, "\n") for cell in cells], rank=rank),
        )

    columns = [
        _Column("Kind", [count.kind for count in counts], rank=0),
        _Column("Jobs", [str(count.jobs) for count in counts], rank=0, justify="right"),
        column("Statuses", 1, [count.statuses for count in counts]),
        column("Alerts", 2, [count.alerts for count in counts]),
    ]
    jobs = sum(count.jobs for count in counts)
    table, width = _fitted(
        f"What happened, per kind ({jobs} jobs in {where})", columns, wide=False, widen=None
    )
    with _at_least(width):
        console.print(table)


def _counts(counts: Mapping[str, int], separator: str) -> Text:
    """``8 Completed, 3 Failed`` (``separator`` between two), each status in its colour; ``-`` for none."""
    parts: list[str | tuple[str, str]] = []
    for name, count in counts.items():
        parts.extend([separator if parts else "", f"{count} ", (name, STATUS_STYLES.get(name, ""))])
    return Text.assemble(*parts) if parts else Text("-")


def commented(lines: Sequence[tuple[str, str]], *, bold: int) -> None:
    """Commands to copy, each followed by a dim ``# what it does``, the comments lined up when the
    terminal is wide enough; the first ``bold`` commands in bold. A command is never broken (the terminal
    wraps it)."""
    widest = max(cell_len(command) for command, _ in lines)
    aligned = all(2 + widest + 4 + cell_len(comment) <= console.width for _, comment in lines)
    for index, (command, comment) in enumerate(lines):
        padding = " " * ((widest - cell_len(command)) if aligned else 0)
        line = Text.assemble(
            "  ", (command, "bold" if index < bold else ""), padding, (f"  # {comment}", "dim")
        )
        console.print(line, soft_wrap=True)


def _engine_note(result: DemoResult, program: str) -> str:
    engine = result.dynamodb
    if engine is None or engine.pid is None:
        return ""
    if engine.kept:
        since = "was already running and keeps" if engine.reused else "keeps"
        return (
            f"DynamoDB Local {since} running in the background (pid {engine.pid}, {engine.endpoint_url}), "
            f"so these answer at once; [bold]{program} demo --stop[/bold] stops it."
        )
    return f"DynamoDB Local is run by another jobtrail command (pid {engine.pid}), which stops it when done."


#: The widest a code block of a Slack message is drawn (Slack's own column is narrower than a terminal).
SLACK_CODE_WIDTH = 80
_CODE_FENCE = "```"


def slack_message(payload: Mapping[str, Any]) -> RenderableType:
    """A Block Kit payload as Slack lays it out: the header, the section with its fields side by side,
    code blocks drawn as boxes (not as fences), context lines dimmed and broken only between words or
    after a ``/`` (never inside a timestamp), buttons as ``[ text ]``."""
    from rich import box  # noqa: PLC0415
    from rich.console import Group  # noqa: PLC0415
    from rich.emoji import Emoji  # noqa: PLC0415
    from rich.panel import Panel  # noqa: PLC0415

    parts: list[RenderableType] = []
    for block in payload.get("blocks", ()):
        kind = block.get("type")
        if kind == "header":
            parts.append(Text(block["text"]["text"], style="bold"))
        elif kind == "section":
            text = _plain(block["text"]["text"])
            if text.startswith(_CODE_FENCE) and text.endswith(_CODE_FENCE):
                code = Text(text.removeprefix(_CODE_FENCE).removesuffix(_CODE_FENCE).strip("\n"))
                code.no_wrap, code.overflow = True, "ellipsis"
                parts.append(Panel(code, box=box.SQUARE, width=SLACK_CODE_WIDTH))
            else:
                parts.append(_mrkdwn_text(Emoji.replace(text)))
            if block.get("fields"):
                parts.append(_slack_fields(block["fields"]))
        elif kind == "context":
            parts.extend(_Breakable(Emoji.replace(_link_labels(e["text"])), "dim") for e in block["elements"])
        elif kind == "actions":
            parts.append(Text("  ".join(f"[ {e['text']['text']} ]" for e in block["elements"]), style="cyan"))
    return Group(*parts)


def _slack_fields(fields: Sequence[Mapping[str, Any]]) -> Table:
    """The section's fields two to a row, label then value, as Slack shows them."""
    grid = Table.grid(padding=(0, 2))
    for style in ("bold", "", "bold", ""):
        grid.add_column(style=style)
    cells = [cell for f in fields for cell in _plain(f["text"]).partition("\n")[::2]]
    cells = [cell.strip("*") if i % 2 == 0 else cell for i, cell in enumerate(cells)]
    for start in range(0, len(cells), 4):
        grid.add_row(*cells[start : start + 4])
    return grid


def _link_labels(mrkdwn: str) -> str:
    """mrkdwn with each link ``<url|label>`` shown as its label, as Slack shows it (plain otherwise)."""
    import re  # noqa: PLC0415 - only the demo draws these

    return _plain(re.sub(r"<[^|<>]+\|([^<>]+)>", r"\1", mrkdwn))


def _mrkdwn_text(text: str) -> Text:
    """Text with mrkdwn's ``*bold*`` spans in bold (without their asterisks)."""
    import re  # noqa: PLC0415

    parts: list[str | tuple[str, str]] = []
    for index, piece in enumerate(re.split(r"\*([^*\n]+)\*", text)):
        parts.append((piece, "bold") if index % 2 else piece)
    return Text.assemble(*parts)


def _plain(mrkdwn: str) -> str:
    """mrkdwn's three escapes undone (``&amp;``, ``&lt;``, ``&gt;``)."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class _Breakable:
    """Text wrapped to the width at spaces and after ``/`` only: an alert id such as
    ``job/Failed/2026-11-20T13:41:27.640+00:00`` breaks between its parts, not inside the timestamp."""

    def __init__(self, text: str, style: str) -> None:
        self.text = text
        self.style = style

    def __rich_console__(self, _: Console, options: ConsoleOptions) -> Iterator[Text]:
        import re  # noqa: PLC0415 - only the demo draws these

        line = ""
        for piece in re.findall(r"[^\s/]*/|\S+\s*|\s+", self.text):
            if line and len(line + piece.rstrip()) > options.max_width:
                yield Text(line.rstrip(), style=self.style, overflow="fold")
                line = piece.lstrip()
            else:
                line += piece
        if line.strip():
            yield Text(line.rstrip(), style=self.style, overflow="fold")


@contextmanager
def counting_progress(label: str) -> Iterator[Callable[[], None]]:
    """A progress counter for work whose total is not known in advance."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    columns = (SpinnerColumn(), TextColumn(label), TextColumn("{task.completed} jobs"), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=None)
        yield lambda: bar.advance(task)


def dead_letters_table(letters: Sequence[DeadLetter]) -> None:
    if not letters:
        console.print("The dead-letter queue is empty.")
        return
    table = Table(title="Dead letters", title_justify="left")
    for column in (f"Sent ({zone()})", "Event id", "Job", "Receives", "Reason"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        table.add_row(
            when(letter.sent_at),
            letter.event_id or "-",
            letter.job_name or "-",
            str(letter.receive_count),
            letter.reason,
        )
    console.print(table)


# -- `jobtrail watch` and `jobtrail status` -------------------------------------------------------------

#: How long ``watch`` keeps a changed job's row highlighted.
HIGHLIGHT_SECONDS = 60.0


def watched_job(record: JobRecord, *, where: str, note: str, command: str = "jobtrail") -> RenderableType:
    """``watch JOB``'s screen: the job's timeline (a pipeline execution's steps too), under a line of what
    is watched (``note``)."""
    from rich.console import Group  # noqa: PLC0415

    view, _ = timeline_view(record, where=where, widen=None, command=command)
    return Group(Text(note, style="dim"), view)


def watched_jobs(
    summaries: Sequence[JobSummary], changed: Mapping[JobKey, float], *, now: float, where: str, note: str
) -> RenderableType:
    """``watch``'s screen of the newest jobs: a row each, those that changed in the last
    ``HIGHLIGHT_SECONDS`` highlighted; ``changed`` maps a job to when the watch saw it change and ``now``
    is the same clock's reading."""
    from rich.console import Group  # noqa: PLC0415

    if not summaries:
        return Group(Text(note, style="dim"), Text(f"No jobs in {where} yet."))

    def age(job: JobKey) -> float | None:
        return now - changed[job] if job in changed else None

    ages = [age(s.key) for s in summaries]
    columns = [
        _Column("Job", [s.job_name for s in summaries], rank=0),
        *_place_columns([s.key for s in summaries]),
        _Column("Status", [styled(s.status) for s in summaries], rank=1),
        _Column("Kind", [s.kind for s in summaries], rank=3),
        _Column("Secondary", [styled(s.secondary_status) for s in summaries], rank=4),
        _Column("Changed", [f"{human_duration(a)} ago" if a is not None else "-" for a in ages], rank=2),
        _Column("Last modified", [when(s.last_modified_time) for s in summaries], rank=5),
        _Column("Created", [when(s.creation_time) for s in summaries], rank=6),
    ]
    styles = ["bold reverse" if a is not None and a < HIGHLIGHT_SECONDS else "" for a in ages]
    table, _ = _fitted(
        f"{listed(s.kind for s in summaries)} in {where}, newest first ({zone()})",
        columns,
        wide=False,
        row_styles=styles,
        widen=None,
    )
    return Group(Text(note, style="dim"), table)


def deployment_health(health: Health, *, where: str) -> None:
    """``status``'s screen: a line per rule, queue, alarm, the watermark and the last job recorded, each
    marked ok or not, then the verdict."""

    def mark(healthy: bool) -> Text:
        return Text("ok", style="green") if healthy else Text("NOT OK", style="bold red")

    def ago(moment: datetime | None) -> str:
        age = health.age(moment)
        return "-" if age is None else f"{when(moment)} ({human_duration(age.total_seconds())} ago)"

    table = Table(
        title=f"Deployment {health.stack} at {when(health.checked_at)} ({zone()})",
        title_justify="left",
        caption=f"History in {where}.",
        caption_justify="left",
        show_edge=False,
    )
    for column in ("", "What", "Name", "State"):
        table.add_column(column, overflow="fold")
    for rule in health.rules:
        table.add_row(mark(rule.healthy), "rule", rule.logical_id, rule.state)
    for queue in health.queues:
        kind = "dead-letter queue" if queue.dead_letter else "queue"
        table.add_row(
            mark(queue.healthy),
            kind,
            queue.logical_id,
            f"{queue.visible} messages, {queue.in_flight} in flight",
        )
    in_alarm = [a for a in health.alarms if not a.healthy]
    for alarm in in_alarm:
        table.add_row(
            mark(False), "alarm", alarm.logical_id, f"ALARM since {when(alarm.since)}: {alarm.reason or ''}"
        )
    table.add_row(
        mark(True), "alarms", f"{len(health.alarms) - len(in_alarm)} of {len(health.alarms)}", "not in ALARM"
    )
    limit = health.stale_after
    stale = f"; stale after {human_duration(limit.total_seconds())}" if limit else ""
    table.add_row(
        mark(health.watermark_healthy), "reconciliation", "watermark", ago(health.watermark) + stale
    )
    for place in health.places:  # organization mode: each member place's own watermark
        where = f"{place.account} {place.region}"
        table.add_row(mark(health.fresh(place.watermark)), "reconciliation", where, ago(place.watermark))
    last = health.last_recorded
    table.add_row(
        "",
        "last job recorded",
        f"{SPECS[last.job.kind].noun} {last.job_name}" if last else "-",
        ago(last.recorded_at if last else None),
    )
    console.print(table)
    problems = health.problems()
    if problems:
        console.print(Text(f"Unhealthy: {'; '.join(problems)}.", style="bold red"))
    else:
        console.print(Text("Healthy.", style="green"))
