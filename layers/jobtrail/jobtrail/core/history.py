"""The pure core of ingest: how a DescribeTrainingJob answer merges into a stored history.

DescribeTrainingJob is cumulative: a newer answer holds every transition an older one held, plus what
happened since. So the merge is monotonic — transitions are only ever added or closed, never removed —
and an answer older than what is stored (by ``LastModifiedTime``) changes nothing. Replaying the same
answers in any order, any number of times, therefore converges to the same history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from jobtrail.core.alerts import alerts_due
from jobtrail.core.model import HistoryChanges, JobRecord, Metric, StoredJob, Transition


class WriteConflict(Exception):
    """Someone else wrote the job between our read and our write: re-read and re-plan."""


def plan_changes(
    stored: StoredJob | None,
    snapshot: JobRecord,
    alert_on: frozenset[str] = frozenset(),
    alert_since: datetime | None = None,
) -> HistoryChanges:
    """The writes that bring ``stored`` up to date with ``snapshot`` (empty when nothing is new).

    Each new transition whose status is in ``alert_on`` brings an alert, written with it — unless it
    started before ``alert_since`` (a backfill records old history silently).
    """
    job_name = snapshot.job_name
    if stored is None:
        return HistoryChanges(
            job_name=job_name,
            expected_version=None,
            summary=snapshot.summary,
            new_transitions=snapshot.transitions,
            final_metrics=_final_metrics_to_store(snapshot, ()),
            new_alerts=alerts_due(snapshot, _since(snapshot.transitions, alert_since), alert_on),
        )
    if snapshot.summary.last_modified_time < stored.summary.last_modified_time:
        return HistoryChanges(job_name=job_name, expected_version=stored.version, stale=True)

    new, updated = _diff_transitions(stored.transitions, snapshot.transitions)
    metrics = _final_metrics_to_store(snapshot, stored.final_metrics)
    if not new and not updated and metrics is None and snapshot.summary == stored.summary:
        return HistoryChanges(job_name=job_name, expected_version=stored.version)
    return HistoryChanges(
        job_name=job_name,
        expected_version=stored.version,
        summary=snapshot.summary,
        new_transitions=new,
        updated_transitions=updated,
        final_metrics=metrics,
        new_alerts=alerts_due(snapshot, _since(new, alert_since), alert_on),
    )


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
    return JobRecord(
        summary=changes.summary,
        transitions=tuple(sorted(by_key.values(), key=lambda t: (t.start_time, t.position))),
        final_metrics=metrics,
    )
