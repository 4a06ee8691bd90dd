"""The pure core of ingest: how a Describe answer merges into a stored history.

DescribeTrainingJob is cumulative: a newer answer holds every transition an older one held, plus what
happened since. So the merge is monotonic — transitions are only ever added or closed, never removed —
and an answer older than what is stored (by ``LastModifiedTime``, then status rank) changes nothing.
Replaying the same answers in any order, any number of times, therefore converges to the same history.

The other kinds' Describe answers show only the current status. Their adapter gives each answer the
transitions its own fields date (InProgress from ``CreationTime``, the end from ``…EndTime``; a status
with no time field of its own starts at the answer's ``LastModifiedTime``), and the merge here keeps one
transition per status the job was seen in: a status already open is not opened again, each transition
closes when the next starts, a final one ends where it starts. A status no answer showed is not invented.
Pipeline executions also merge their steps, by step name, each step as the newest answer shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from msgspec.structs import replace

from jobtrail.core.alerts import ConsoleLinks, alerts_due
from jobtrail.core.kinds import SPECS, KindSpec
from jobtrail.core.log_tail import LogTail
from jobtrail.core.model import Alert, HistoryChanges, JobRecord, Metric, PipelineStep, StoredJob, Transition
from jobtrail.core.routing import RouteChoice


class WriteConflict(Exception):
    """Someone else wrote the job between our read and our write: re-read and re-plan."""


def plan_changes(
    stored: StoredJob | None,
    snapshot: JobRecord,
    alert_on: frozenset[str] = frozenset(),
    alert_since: datetime | None = None,
    *,
    log_tail: LogTail | None = None,
    route: RouteChoice | None = None,
    links: ConsoleLinks | None = None,
) -> HistoryChanges:
    """The writes that bring ``stored`` up to date with ``snapshot`` (empty when nothing is new).

    Each new transition whose status is in ``alert_on`` brings an alert, written with it — unless it
    started before ``alert_since`` (a backfill records old history silently). A ``Failed`` alert
    carries ``log_tail``, and every alert ``route``: both found by the caller once it knows one is due.
    Its links open the job's account through ``links`` (``None``: plain console links).
    """
    job = snapshot.key
    spec = SPECS[job.kind]

    def due(transitions: tuple[Transition, ...]) -> tuple[Alert, ...]:
        since = _since(transitions, alert_since)
        return alerts_due(snapshot, since, alert_on, log_tail=log_tail, route=route, links=links)

    if stored is None:
        transitions = snapshot.transitions if spec.reports_transitions else _seen(spec, (), snapshot)
        return _with_after(
            None,
            HistoryChanges(
                job=job,
                expected_version=None,
                summary=snapshot.summary,
                new_transitions=transitions,
                final_metrics=_final_metrics_to_store(snapshot, ()),
                new_alerts=due(transitions),
                steps=snapshot.steps,
            ),
        )
    if progress(snapshot) < progress(stored):
        return HistoryChanges(job=job, expected_version=stored.version, stale=True)

    latest = snapshot.transitions if spec.reports_transitions else _seen(spec, stored.transitions, snapshot)
    new, updated = _diff_transitions(stored.transitions, latest)
    metrics = _final_metrics_to_store(snapshot, stored.final_metrics)
    steps = _changed_steps(stored.steps, snapshot.steps)
    if not new and not updated and metrics is None and not steps and snapshot.summary == stored.summary:
        return HistoryChanges(job=job, expected_version=stored.version)
    return _with_after(
        stored,
        HistoryChanges(
            job=job,
            expected_version=stored.version,
            summary=snapshot.summary,
            new_transitions=new,
            updated_transitions=updated,
            final_metrics=metrics,
            new_alerts=due(new),
            steps=steps,
        ),
    )


def _with_after(stored: JobRecord | None, changes: HistoryChanges) -> HistoryChanges:
    """``changes`` with the whole record they leave, for a store that writes it whole."""
    return replace(changes, after=merge(stored, changes))


def _seen(spec: KindSpec, stored: tuple[Transition, ...], snapshot: JobRecord) -> tuple[Transition, ...]:
    """The history of a kind whose Describe shows only its current status: the stored transitions plus
    the answer's, one per status run, each closed by the next (a final one ends where it starts).

    A transition of the answer is dropped when the one before or after it (in time) has its status: the
    job is still in the status it was seen in, or was already seen in it from an earlier date. Stored
    transitions are never dropped.
    """
    known = {t.key for t in stored}
    merged = {t.key: t for t in stored}
    # A status is never dated before one already recorded after it: an end time can precede the
    # LastModifiedTime of the Stopping answer before it (Stopping seen at 10:05, ProcessingEndTime 10:04).
    floor = max((t.start_time for t in stored), default=None)
    for seen in snapshot.transitions:
        late = floor is not None and seen.status != spec.running and seen.start_time < floor
        transition = replace(seen, start_time=floor) if late and floor is not None else seen
        merged.setdefault(transition.key, transition)
    ordered = sorted(merged.values(), key=lambda t: (t.start_time, spec.rank(t.status)))
    current = snapshot.summary
    if ordered and ordered[-1].status != current.status:
        # Back in an earlier status (a retried pipeline execution runs again): it started when the answer
        # last changed, as any status without a field of its own.
        resumed = Transition(
            status=current.status, start_time=max(current.last_modified_time, ordered[-1].start_time)
        )
        merged.setdefault(resumed.key, resumed)
        ordered = sorted(merged.values(), key=lambda t: (t.start_time, spec.rank(t.status)))
    kept = [
        t
        for i, t in enumerate(ordered)
        if t.key in known
        or not (
            (i > 0 and ordered[i - 1].status == t.status)
            or (i + 1 < len(ordered) and ordered[i + 1].status == t.status and ordered[i + 1].key in known)
        )
    ]
    closed: list[Transition] = []
    for position, transition in enumerate(kept):
        if position + 1 < len(kept):
            end: datetime | None = kept[position + 1].start_time
        elif transition.status in spec.terminal:
            end = transition.start_time
        else:
            end = None
        closed.append(replace(transition, end_time=end, position=position))
    return tuple(closed)


def progress(record: JobRecord) -> tuple[datetime, int, int, datetime, int, int, int]:
    """How far along the job an answer shows it, to tell an older answer from a newer one: its
    ``LastModifiedTime`` and status rank, then — for what moves while those stand still (a pipeline
    execution's steps, a tuning job's counters) — its steps started, the latest step (attempt) start,
    how often they were tried, how far they got, and its training jobs counted. A retried step starts
    again later, so every part but the last steps' progress only grows as a job lives."""
    summary = record.summary
    tuning = summary.tuning
    return (
        summary.last_modified_time,
        SPECS[summary.kind].rank(summary.status),
        len(record.steps),
        max((step.start_time for step in record.steps if step.start_time), default=_NEVER),
        sum(step.attempts or 0 for step in record.steps),
        sum(_step_rank(step) for step in record.steps),
        sum(count for _, count in tuning.training_job_counts) if tuning else 0,
    )


#: Before any step started (``progress`` of an answer without steps).
_NEVER = datetime.min.replace(tzinfo=UTC)
_STEP_STATUSES = frozenset({"Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded"})


def _step_rank(step: PipelineStep) -> int:
    """How far a step got: its status (one SageMaker does not list counts as just started), then ended."""
    rank = SPECS["pipeline"].rank(step.status) if step.status in _STEP_STATUSES else 0
    return rank * 2 + (step.end_time is not None)


def _changed_steps(
    stored: tuple[PipelineStep, ...], latest: tuple[PipelineStep, ...]
) -> tuple[PipelineStep, ...]:
    """The steps of ``latest`` that are new, or further along than stored (a step never goes back)."""
    known = {step.name: step for step in stored}
    return tuple(step for step in latest if _moved_on(known.get(step.name), step))


def _moved_on(stored: PipelineStep | None, latest: PipelineStep) -> bool:
    """Whether ``latest`` is a later state of the step than ``stored``: a later attempt (started later,
    or counted higher) whatever its status — a retried step that failed may run and succeed — then, in
    the same attempt, a status further along."""
    if stored is None:
        return True
    if latest == stored:
        return False
    ahead = (latest.start_time or _NEVER, latest.attempts or 0, _step_rank(latest))
    behind = (stored.start_time or _NEVER, stored.attempts or 0, _step_rank(stored))
    return ahead > behind or (ahead == behind and latest.end_time is None and stored.end_time is None)


def _since(transitions: tuple[Transition, ...], moment: datetime | None) -> tuple[Transition, ...]:
    return transitions if moment is None else tuple(t for t in transitions if t.start_time >= moment)


def _diff_transitions(
    stored: Iterable[Transition], latest: Iterable[Transition]
) -> tuple[tuple[Transition, ...], tuple[Transition, ...]]:
    """Split ``latest`` into transitions not stored yet and stored ones that closed or changed message.

    A transition that is already closed in the store is final: a later answer cannot reopen it.
    """
    known = {t.key: t for t in stored}
    new: list[Transition] = []
    updated: list[Transition] = []
    for transition in latest:
        before = known.get(transition.key)
        if before is None:
            new.append(transition)
        elif before.end_time is None and transition != before:
            updated.append(transition)
    return tuple(new), tuple(updated)


def _final_metrics_to_store(snapshot: JobRecord, stored: tuple[Metric, ...]) -> tuple[Metric, ...] | None:
    """The final metrics to write: only once the job has ended, and only when they differ."""
    if not snapshot.summary.is_terminal or not snapshot.final_metrics:
        return None
    if _same_metrics(snapshot.final_metrics, stored):
        return None
    return snapshot.final_metrics


def _same_metrics(a: tuple[Metric, ...], b: tuple[Metric, ...]) -> bool:
    """Metric equality that tells ``0.0`` from ``-0.0`` and treats NaN as equal to itself."""
    return len(a) == len(b) and all(
        x.name == y.name and x.timestamp == y.timestamp and x.value.hex() == y.value.hex()
        for x, y in zip(a, b, strict=True)
    )


def merge(stored: JobRecord | None, changes: HistoryChanges) -> JobRecord | None:
    """The record the store holds after ``changes`` are applied to ``stored`` (used by fakes and tests)."""
    if changes.summary is None:
        return stored
    by_key = {t.key: t for t in (stored.transitions if stored else ())}
    for transition in (*changes.new_transitions, *changes.updated_transitions):
        by_key[transition.key] = transition
    metrics = (
        changes.final_metrics
        if changes.final_metrics is not None
        else (stored.final_metrics if stored else ())
    )
    steps = {step.name: step for step in (stored.steps if stored else ())}
    steps.update((step.name, step) for step in changes.steps)
    return JobRecord(
        summary=changes.summary,
        transitions=tuple(sorted(by_key.values(), key=lambda t: (t.start_time, t.position))),
        final_metrics=metrics,
        steps=sort_steps(steps.values()),
    )


def sort_steps(steps: Iterable[PipelineStep]) -> tuple[PipelineStep, ...]:
    """Steps in the order they started (steps not started yet last, by name)."""
    return tuple(sorted(steps, key=lambda s: (s.start_time is None, s.start_time or datetime.min, s.name)))
