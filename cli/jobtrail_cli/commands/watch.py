"""``jobtrail watch [JOB]``: follow one job's transitions (a pipeline execution's steps too), or the newest
jobs, as they change.

Every ``--interval`` seconds: one Query of the job's partition (``watch JOB``), or of the
``by-creation-time`` index per kind, newest first, at most ``--limit`` jobs (``watch``); never a Scan.
What changed since the previous poll is shown in a rich live view, or printed as JSON Lines with
``--json``. ``watch JOB`` ends by itself
(exit 0) when the job has ended; Ctrl-C ends either (exit 130, see ``entry``).

The loop (``follow``) takes its clock and sleep from a ``Pace``, so tests run it for a given number of
polls without sleeping, and write between polls through the sleep they pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING

from jobtrail_cli.errors import EXIT_OK
from jobtrail_cli.wiring import Wiring

if TYPE_CHECKING:
    from jobtrail.core.kinds import JobKey
    from jobtrail.core.model import JobSummary, PipelineStep, StoredJob, Transition
    from rich.console import RenderableType
    from rich.live import Live

#: Seconds between two polls unless ``--interval`` says otherwise, and the least it may say.
DEFAULT_INTERVAL = 5.0
MIN_INTERVAL = 1.0
#: How many of the newest jobs ``watch`` without a job follows (``--limit``).
DEFAULT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Pace:
    """How the watch waits: ``interval`` seconds from the start of a poll to the start of the next,
    measured with ``clock`` and waited with ``sleep``; ``polls``: stop after this many (``None``: until
    the job ends or Ctrl-C)."""

    interval: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    polls: int | None = None


def follow(poll: Callable[[], bool], pace: Pace) -> bool:
    """Call ``poll`` every ``pace.interval`` seconds until it returns ``True`` (done) or ``pace.polls``
    polls were made; returns whether it was done. A poll slower than the interval is followed at once."""
    made = 0
    while True:
        started = pace.clock()
        if poll():
            return True
        made += 1
        if pace.polls is not None and made >= pace.polls:
            return False
        pace.sleep(max(0.0, pace.interval - (pace.clock() - started)))


# -- what changed between two polls (pure) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seen:
    """What one poll of ``watch JOB`` found new: the summary ``listed`` (first poll), ``changed`` or not
    (``None``); the transitions not seen before, oldest first; a pipeline execution's steps that are
    ``listed``, ``new`` or ``changed``, in the order they started."""

    summary: str | None
    transitions: list[Transition]
    steps: list[tuple[str, PipelineStep]]


@dataclass
class JobChanges:
    """What ``watch JOB`` has shown of one job: the transitions (by SageMaker's identity, status and start
    time), a pipeline execution's steps (by name) and the summary, as last seen."""

    seen: set[tuple[str, datetime]] = field(default_factory=set)
    summary: JobSummary | None = None
    steps: dict[str, PipelineStep] = field(default_factory=dict)

    def update(self, record: StoredJob) -> Seen:
        """Take a poll's record: what is new in it (each transition is shown once, when first seen; a
        step each time it changes)."""
        first = self.summary is None
        change = "listed" if first else "changed" if record.summary != self.summary else None
        self.summary = record.summary
        new = [t for t in record.transitions if t.key not in self.seen]
        self.seen.update(t.key for t in new)
        steps = []
        for step in record.steps:
            before = self.steps.get(step.name)
            if before is None:
                steps.append(("listed" if first else "new", step))
            elif before != step:
                steps.append(("changed", step))
        self.steps = {step.name: step for step in record.steps}
        return Seen(change, new, steps)


@dataclass
class JobsChanges:
    """What ``watch`` has shown of the newest jobs: each one's summary as last seen (by its identity: two
    jobs of different kinds may share a name)."""

    summaries: dict[JobKey, JobSummary] = field(default_factory=dict)
    polls: int = 0

    def update(self, listed: Sequence[JobSummary]) -> list[tuple[str, JobSummary]]:
        """Take a poll's listing: each job that is ``listed`` (first poll), ``new`` or ``changed`` (any
        field of its summary), in the listing's order. A job that drops out of the listing is forgotten."""
        first = self.polls == 0
        self.polls += 1
        changes = []
        for summary in listed:
            before = self.summaries.get(summary.key)
            if before is None:
                changes.append(("listed" if first else "new", summary))
            elif before != summary:
                changes.append(("changed", summary))
        self.summaries = {s.key: s for s in listed}
        return changes


# -- the command ---------------------------------------------------------------------------------------


def watch(args: argparse.Namespace, wiring: Wiring, pace: Pace | None = None) -> int:
    """``jobtrail watch [JOB]``: until the job ends (exit 0) or Ctrl-C; ``pace`` is the real clock
    unless a test passes its own."""
    pace = pace or Pace(args.interval)
    if args.job is not None:
        _watch_job(args, wiring, pace)
    else:
        _watch_jobs(args, wiring, pace)
    return EXIT_OK


def _watch_job(args: argparse.Namespace, wiring: Wiring, pace: Pace) -> None:
    from jobtrail.core.kinds import SPECS  # noqa: PLC0415
    from jobtrail.core.views import step_view, summary_view, transition_view  # noqa: PLC0415

    # The same lookup as `show` and `history` (a unique prefix of a recent job's name will do).
    from jobtrail_cli.commands.queries import find_job  # noqa: PLC0415

    first = find_job(args, wiring)
    key = first.key
    name = key.name
    store = wiring.queries()
    where = wiring.where()
    again = wiring.again()
    shown = JobChanges()
    pending: list[StoredJob] = [first]

    def read() -> StoredJob:
        if pending:
            return pending.pop()
        record = wiring.read(lambda: store.get_job(key))
        if record is None:
            from jobtrail_cli.errors import EXIT_NOT_FOUND, UserError  # noqa: PLC0415

            raise UserError(f"job {name!r} is gone from {where}", EXIT_NOT_FOUND)
        return record

    with _screen(args) as show:

        def poll() -> bool:
            record = read()
            seen = shown.update(record)
            observed = _now()
            if seen.summary:
                show.line(
                    {
                        "kind": "job",
                        "change": seen.summary,
                        "observed_at": observed,
                        "job": summary_view(record.summary),
                    }
                )
            for transition in seen.transitions:
                show.line(
                    {
                        "kind": "transition",
                        "change": "listed" if seen.summary == "listed" else "new",
                        "observed_at": observed,
                        "job_name": name,
                        "transition": transition_view(transition),
                    }
                )
            for change, step in seen.steps:
                show.line(
                    {
                        "kind": "step",
                        "change": change,
                        "observed_at": observed,
                        "job_name": name,
                        "step": step_view(step),
                    }
                )
            ended = record.summary.is_terminal
            state = f"ended {record.summary.status}" if ended else f"every {pace.interval:g}s, Ctrl-C to stop"
            noun = SPECS[key.kind].noun
            show.screen(
                lambda render: render.watched_job(
                    record,
                    where=where,
                    note=f"Watching {noun} {name}: {state} (last poll {_clock_time()})",
                    command=again,
                )
            )
            return ended

        follow(poll, pace)


def _watch_jobs(args: argparse.Namespace, wiring: Wiring, pace: Pace) -> None:
    from jobtrail.adapters.history_queries import JobQuery  # noqa: PLC0415
    from jobtrail.core.kinds import SPECS  # noqa: PLC0415
    from jobtrail.core.views import summary_view  # noqa: PLC0415

    store = wiring.queries()
    where = wiring.where()
    shown = JobsChanges()
    changed_at: dict[JobKey, float] = {}
    query = JobQuery(kind=args.kind, account=args.account, region=args.job_region, limit=args.limit)

    with _screen(args) as show:

        def poll() -> bool:
            listed = wiring.read(lambda: store.list_jobs(query))
            now = pace.clock()
            observed = _now()
            for change, summary in shown.update(listed):
                show.line(
                    {"kind": "job", "change": change, "observed_at": observed, "job": summary_view(summary)}
                )
                if change != "listed":
                    changed_at[summary.key] = now
            jobs = f"{SPECS[args.kind].noun}s" if args.kind else "jobs"
            note = (
                f"Watching the {args.limit} newest {jobs}: every {pace.interval:g}s, Ctrl-C to stop "
                f"(last poll {_clock_time()}; changed rows are highlighted for a minute)"
            )
            show.screen(
                lambda render: render.watched_jobs(listed, changed_at, now=now, where=where, note=note)
            )
            return False

        follow(poll, pace)


# -- output: JSON Lines, or a rich live view -----------------------------------------------------------


class _Screen:
    """Where a watch shows what it sees: ``line`` prints a JSON document (``--json``), ``screen`` redraws
    the live view; each ignores what is not its output."""

    def __init__(self, live: Live | None) -> None:
        self._live = live

    def line(self, document: dict[str, object]) -> None:
        if self._live is None:
            sys.stdout.write(json.dumps(document, ensure_ascii=False, allow_nan=False) + "\n")
            sys.stdout.flush()  # a script reading the pipe sees each change when it happens

    def screen(self, draw: Callable[[ModuleType], RenderableType]) -> None:
        if self._live is not None:
            from jobtrail_cli import render  # noqa: PLC0415

            self._live.update(draw(render), refresh=True)


@contextmanager
def _screen(args: argparse.Namespace) -> Iterator[_Screen]:
    if args.json:
        yield _Screen(None)
        return
    from rich.live import Live  # noqa: PLC0415 - rich only for the live view

    from jobtrail_cli import render  # noqa: PLC0415

    with Live(console=render.console, auto_refresh=False, transient=False) as live:
        yield _Screen(live)


def _now() -> str | None:
    from jobtrail.core.times import iso  # noqa: PLC0415

    return iso(datetime.now(UTC))


def _clock_time() -> str:
    """Now, as the tables show times (``--tz``), with the zone's name."""
    from jobtrail_cli.timezone import displayed  # noqa: PLC0415

    zone = displayed()
    return f"{zone.local(datetime.now(UTC)).strftime('%H:%M:%S')} {zone.name}"


def interval(text: str) -> float:
    """``--interval``: seconds between polls, at least ``MIN_INTERVAL`` (a table is not a stream)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= MIN_INTERVAL:  # NaN too
        raise argparse.ArgumentTypeError(f"must be at least {MIN_INTERVAL:g} (seconds)")
    return value
