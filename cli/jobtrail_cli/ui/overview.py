"""The overview page of ``jobtrail ui``: the jobs created in a window, per day by status, the failed ones
by reason, and what they cost per day and per team, as ``jobtrail cost`` totals it. Pure: ``pages``
reads the jobs and hands them here."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from jobtrail.core.times import iso

from jobtrail_cli import render
from jobtrail_cli.commands import costs
from jobtrail_cli.cost_report import CostReport, cost_report, grouped_by
from jobtrail_cli.timezone import displayed
from jobtrail_cli.ui import charts
from jobtrail_cli.ui.paths import list_href

if TYPE_CHECKING:
    from jobtrail.core.model import JobSummary

#: The window unless ``since`` says otherwise (``cost``'s).
DEFAULT_SINCE: Final = costs.DEFAULT_SINCE
#: The most days a column is drawn for from the window; a longer window draws the days from its first job
#: to its last.
MAX_WINDOW_DAYS: Final = 92
#: The charts stand two side by side: drawn this wide, their text shows at the page's size.
CHART_WIDTH: Final = 640
#: The order of the statuses in the legend; others follow, by name.
STATUS_ORDER: Final = ("Completed", "Succeeded", "Failed", "Stopped", "Stopping", "InProgress", "Executing")


@dataclass(frozen=True)
class OverviewPage:
    """What the overview shows of the jobs created from ``since`` (to ``until``)."""

    since: datetime
    until: datetime | None
    window: str
    jobs: int
    per_day: list[tuple[str, Counter[str]]]
    failures: list[tuple[str, int, str]]
    spend_by_day: CostReport
    spend_by_team: CostReport
    charts: dict[str, str]
    given: dict[str, str]
    #: The window held more jobs than ``cost`` counts (``costs.MAX_JOBS``): the newest only.
    truncated: bool = False

    def document(self) -> dict[str, Any]:
        """The window; the jobs created each day by status; the failed jobs by reason (its kind, such as
        ``AlgorithmError``, with one reason in full); ``cost --json --by day`` and ``--by team``."""
        return {
            "since": self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "jobs": self.jobs,
            "jobs_per_day": [{"day": day, "statuses": dict(counts)} for day, counts in self.per_day],
            "failures_by_reason": [
                {"reason": reason, "jobs": count, "example": example}
                for reason, count, example in self.failures
            ],
            "spend_by_day": costs.report_view(self.spend_by_day, self.since, self.until),
            "spend_by_team": costs.report_view(self.spend_by_team, self.since, self.until),
        }


def overview_page(
    summaries: Sequence[JobSummary],
    since: datetime,
    until: datetime | None,
    *,
    team_of: Callable[[JobSummary], str | None] | None,
    given: dict[str, str],
) -> OverviewPage:
    """The overview of ``summaries`` (the jobs created in the window, as ``cost`` reads them); days in
    the zone times are shown in; ``team_of``: how ``cost --by team`` names a job's team (``None``: its
    team tag)."""
    days = _days(since, until, [costs.day_created(s) for s in summaries])
    per_day: dict[str, Counter[str]] = {day: Counter() for day in days}
    for summary in summaries:
        per_day.setdefault(costs.day_created(summary), Counter())[summary.status] += 1
    days_shown = sorted(per_day.items())
    failures = failures_by_reason(summaries)
    spend_by_day = cost_report("day", summaries, grouped_by("day", costs.day_created))
    spend_by_team = cost_report("team", summaries, grouped_by("team", team_of))
    failed_jobs = list_href("/jobs", status="Failed", since=iso(since), until=iso(until))
    return OverviewPage(
        since=since,
        until=until,
        window=costs.window(since, until),
        jobs=len(summaries),
        per_day=days_shown,
        failures=failures,
        spend_by_day=spend_by_day,
        spend_by_team=spend_by_team,
        charts={
            "jobs": _jobs_chart(days_shown),
            "failures": charts.horizontal_bars(
                [
                    charts.Bar(
                        reason,
                        count,
                        f"{count} job{'' if count == 1 else 's'}",
                        "st-bold-red",
                        example,
                        failed_jobs,
                    )
                    for reason, count, example in failures
                ],
                label="Failed jobs by reason",
                empty="no job failed in this window",
                width=CHART_WIDTH,
            ),
            "spend_by_day": _spend_chart([day for day, _ in days_shown], spend_by_day),
            "spend_by_team": _teams_chart(spend_by_team),
        },
        given=given,
        truncated=len(summaries) == costs.MAX_JOBS,
    )


def _jobs(count: int) -> str:
    return f"{count} job{'' if count == 1 else 's'}"


def failure_kind(reason: str | None) -> str:
    """What a failure reason says went wrong, to count failures by: the error's name before its first
    colon (``AlgorithmError``, ``CapacityError``, ``Step failure``), else its first line."""
    if not reason or not reason.strip():
        return "no reason given"
    first = reason.strip().splitlines()[0].strip()
    head, colon, _ = first.partition(":")
    if colon and re.fullmatch(r"[A-Za-z][\w .-]{0,40}", head.strip()):
        return head.strip()
    return first if len(first) <= 80 else first[:79] + "…"


def failures_by_reason(summaries: Iterable[JobSummary]) -> list[tuple[str, int, str]]:
    """The failed jobs by ``failure_kind``: (kind of failure, jobs, the newest one's reason in full),
    the most frequent first."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for summary in summaries:
        if summary.status == "Failed":
            kind = failure_kind(summary.failure_reason)
            counts[kind] += 1
            examples.setdefault(kind, summary.failure_reason or "")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(kind, count, examples[kind]) for kind, count in ranked]


def _days(since: datetime, until: datetime | None, job_days: Sequence[str]) -> list[str]:
    """The days drawn: each of the window (in the zone shown), or, for a window of more than
    ``MAX_WINDOW_DAYS``, each from its first job's to its last job's."""
    zone = displayed()
    first = zone.local(since).date()
    last = zone.local(until or datetime.now(UTC)).date()
    if (last - first).days > MAX_WINDOW_DAYS:
        if not job_days:
            return []
        first, last = (datetime.fromisoformat(day).date() for day in (min(job_days), max(job_days)))
    return [(first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)]


def day_window(day: str) -> dict[str, str]:
    """The jobs list's ``since`` and ``until`` for one day of the charts, a day in the zone times are shown
    in (``costs.day_created``): the date itself when that day is UTC's (the list reads a bare date as a
    UTC day), else its first and last microsecond with their offsets."""
    first = date.fromisoformat(day)
    start, next_start = (_midnight(first + timedelta(days=n)) for n in (0, 1))
    if start.utcoffset() == next_start.utcoffset() == timedelta(0):
        return {"since": day, "until": day}
    return {"since": start.isoformat(), "until": (next_start - timedelta(microseconds=1)).isoformat()}


def _midnight(day: date) -> datetime:
    """The start of ``day`` in the zone shown (aware)."""
    info = displayed().info
    midnight = datetime(day.year, day.month, day.day)
    return midnight.replace(tzinfo=info) if info is not None else midnight.astimezone()


def _statuses_in_order(statuses: Iterable[str]) -> list[str]:
    present = set(statuses)
    return [s for s in STATUS_ORDER if s in present] + sorted(present - set(STATUS_ORDER))


def _jobs_chart(per_day: Sequence[tuple[str, Counter[str]]]) -> str:
    """Jobs created per day, stacked by status, each day linking to its jobs."""
    statuses = _statuses_in_order(status for _, counts in per_day for status in counts)
    return charts.stacked_columns(
        [day for day, _ in per_day],
        [
            charts.Series(
                status, [counts.get(status, 0) for _, counts in per_day], charts.status_class(status)
            )
            for status in statuses
        ],
        label="Jobs created per day, by status",
        amount=lambda value: f"{value:g}",
        hrefs=[list_href("/jobs", **day_window(day)) for day, _ in per_day],
        width=CHART_WIDTH,
    )


def _spend_chart(days: Sequence[str], report: CostReport) -> str:
    """Spend per day, stacked: on failed jobs, on stopped or interrupted ones, on the rest."""
    totals = {group.group: group for group in report.groups}

    def each(amount: Callable[[Any], Decimal]) -> list[float]:
        return [float(amount(totals[day])) if day in totals else 0.0 for day in days]

    return charts.stacked_columns(
        list(days),
        [
            charts.Series(
                "completed or running", each(lambda t: t.spend_usd - t.failed_usd - t.stopped_usd), "st-green"
            ),
            charts.Series("failed", each(lambda t: t.failed_usd), "st-bold-red"),
            charts.Series("stopped or interrupted", each(lambda t: t.stopped_usd), "st-magenta"),
        ],
        label="Spend per day",
        amount=lambda value: render.dollars(Decimal(f"{value:.2f}")),
        width=CHART_WIDTH,
    )


def _teams_chart(report: CostReport) -> str:
    """Spend per team, the most first, with what of it failed, stopped and what spot saved."""
    return charts.horizontal_bars(
        [
            charts.Bar(
                group.group,
                float(group.spend_usd),
                render.dollars(group.spend_usd),
                "st-green",
                f"{group.jobs} jobs; failed {render.dollars(group.failed_usd)}, stopped "
                f"{render.dollars(group.stopped_usd)}, spot saved {render.dollars(group.spot_savings_usd)}"
                + (f"; {group.unknown} of unknown cost" if group.unknown else ""),
            )
            for group in report.groups
        ],
        label="Spend per team",
        empty="no job that bills in this window",
        width=CHART_WIDTH,
    )
