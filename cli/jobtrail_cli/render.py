"""Human output of the CLI: rich tables and the transition timeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jobtrail.core.model import JobRecord, JobSummary, StoredAlert, Transition
from jobtrail.core.times import human_duration
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from jobtrail_local.demo import DemoResult

    from jobtrail_cli.dead_letters import DeadLetter

#: Colours by status (TrainingJobStatus and secondary status alike); anything else stays plain.
STATUS_STYLES = {
    "Completed": "green",
    "Failed": "bold red",
    "MaxRuntimeExceeded": "red",
    "MaxWaitTimeExceeded": "red",
    "Interrupted": "yellow",
    "Stopped": "magenta",
    "Stopping": "magenta",
    "InProgress": "cyan",
    "Training": "cyan",
}
BAR_WIDTH = 30

console = Console(highlight=False)


def styled(status: str | None) -> Text:
    return Text(status or "-", style=STATUS_STYLES.get(status or "", ""))


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


#: Below this many columns the jobs table leaves out billable time and instances (``show`` has them).
WIDE = 110


def jobs_table(summaries: Sequence[JobSummary], *, table_name: str) -> None:
    if not summaries:
        console.print(f"No jobs match in {table_name}.")
        return
    wide = console.width >= WIDE
    table = Table(title=f"Training jobs in {table_name} (newest first, UTC)", title_justify="left")
    table.add_column("Job", overflow="fold", ratio=3)
    table.add_column("Status", overflow="fold", ratio=1)
    table.add_column("Secondary", overflow="fold", ratio=1)
    table.add_column("Created", ratio=1)
    table.add_column("Training", ratio=1)
    if wide:
        table.add_column("Billable", ratio=1)
        table.add_column("Instance", overflow="fold", ratio=1)
    table.add_column("Spot", ratio=1)
    for summary in summaries:
        cells: list[str | Text] = [
            summary.job_name,
            styled(summary.status),
            styled(summary.secondary_status),
            when(summary.creation_time),
            human_duration(summary.training_time_seconds),
        ]
        if wide:
            cells += [human_duration(summary.billable_time_seconds), _instances(summary)]
        cells.append(_percent(summary.spot_savings_percent))
        table.add_row(*cells)
    console.print(table)


def alerts_table(alerts: Sequence[StoredAlert], *, table_name: str) -> None:
    if not alerts:
        console.print(f"No alerts in {table_name}.")
        return
    table = Table(title=f"Alerts in {table_name} (newest first, UTC)", title_justify="left")
    for column in ("Transition", "Alert", "Severity", "Job", "Delivery"):
        table.add_column(column, overflow="fold")
    for stored in alerts:
        alert = stored.alert
        delivery = (
            f"sent {when(stored.sent_at)}" if stored.state == "sent" else Text("pending", style="yellow")
        )
        table.add_row(
            when(alert.transition_start_time),
            styled(alert.alert_type),
            Text(alert.severity, style="red" if alert.severity == "critical" else "yellow"),
            alert.job_name,
            delivery,
        )
    console.print(table)


def job_details(record: JobRecord) -> None:
    summary = record.summary
    table = Table(show_header=False, title=summary.job_name, title_justify="left", box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows: list[tuple[str, str | Text]] = [
        ("ARN", summary.job_arn),
        ("Status", styled(summary.status)),
        ("Secondary status", styled(summary.secondary_status)),
        ("Created", when(summary.creation_time)),
        ("Training started", when(summary.training_start_time)),
        ("Training ended", when(summary.training_end_time)),
        ("Last modified", when(summary.last_modified_time)),
        ("Training time", human_duration(summary.training_time_seconds)),
        ("Billable time", human_duration(summary.billable_time_seconds)),
        ("Managed spot", "yes" if summary.managed_spot else "no"),
        ("Spot savings", _percent(summary.spot_savings_percent)),
        ("Instances", _instances(summary)),
        ("Max runtime", human_duration(summary.max_runtime_seconds)),
        ("Max wait", human_duration(summary.max_wait_seconds)),
        ("Tuning job", summary.tuning_job_name or "-"),
        ("Model artifacts", summary.model_artifacts_uri or "-"),
    ]
    if summary.failure_reason:
        rows.append(("Failure reason", Text(summary.failure_reason, style="red")))
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    metrics_table(record)


def metrics_table(record: JobRecord) -> None:
    if not record.final_metrics:
        console.print("No final metrics recorded.")
        return
    table = Table(title="Final metrics", title_justify="left")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    table.add_column("Timestamp (UTC)")
    for metric in record.final_metrics:
        table.add_row(metric.name, repr(metric.value), when(metric.timestamp))
    console.print(table)


def timeline(record: JobRecord, *, now: datetime | None = None) -> None:
    """Each transition with its duration and a bar proportional to the longest one."""
    transitions = record.transitions
    if not transitions:
        console.print(f"No transitions recorded for {record.job_name}.")
        return
    now = now or datetime.now(UTC)
    durations = [t.duration_seconds(now) or 0.0 for t in transitions]
    longest = max(durations) or 1.0
    table = Table(title=f"{record.job_name} — {record.summary.status}", title_justify="left")
    for column in ("Status", "Started (UTC)", "Duration", "", "Message"):
        table.add_column(column, overflow="fold")
    for transition, seconds in zip(transitions, durations, strict=True):
        table.add_row(
            styled(transition.status),
            when(transition.start_time),
            _duration(transition, seconds),
            _bar(seconds, longest, STATUS_STYLES.get(transition.status, "blue")),
            transition.message or "",
        )
    console.print(table)


def _duration(transition: Transition, seconds: float) -> str:
    text = human_duration(seconds)
    return f"{text} (open)" if transition.end_time is None else text


def _bar(seconds: float, longest: float, style: str) -> Text:
    cells = round(BAR_WIDTH * seconds / longest) if seconds > 0 else 0
    return Text("█" * max(cells, 1 if seconds > 0 else 0), style=style)


def _instances(summary: JobSummary) -> str:
    if not summary.instance_type:
        return "-"
    return f"{summary.instance_count or 1} x {summary.instance_type}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


@contextmanager
def replay_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar over the state changes the demo replays."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    with Progress(
        TextColumn("Replaying SageMaker state changes"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("replay", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def demo_report(result: DemoResult, directory: Path, commands: Sequence[str], program: str) -> None:
    """What the demo did: delivery figures, the jobs, the spot job's timeline, the alerts and Slack posts."""
    from jobtrail_local.local_stack import DEMO_TABLE  # noqa: PLC0415

    if result.notice:
        console.print(f"[yellow]{result.notice}[/yellow]")
    d = result.delivery
    console.print(
        f"Delivered {d.sent} events in {d.batches} SQS batches to IngestFunction "
        f"({d.duplicates} duplicates, {d.late} late and out of order, {d.redelivered} redelivered). "
        f"History in {result.engine}, table {DEMO_TABLE}."
    )
    jobs_table(result.summaries, table_name=DEMO_TABLE)
    if result.spot_record is not None:
        timeline(result.spot_record)
    alerts_table(result.stored_alerts, table_name=DEMO_TABLE)
    console.print(f"[bold]{len(result.alerts)} alerts sent[/bold] through SNS to {result.slack_destination}:")
    for text in result.slack_texts:
        console.rule(style="dim")
        console.print(text, markup=False, highlight=False)
    console.rule(style="dim")
    if result.engine == "DynamoDB Local":
        console.print(f"The history stays in {directory}. Query it with the same CLI:")
        for command in commands:
            console.print(f"  [bold]{command}[/bold]")
        console.print(f"  {program} demo --reset   [dim]# wipe the demo data[/dim]")


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
    for column in ("Sent (UTC)", "Event id", "Job", "Receives", "Reason"):
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
