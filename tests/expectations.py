"""What a recorded job must look like: its final Describe and its script's expectations, for any kind."""

from __future__ import annotations

import pytest
from jobtrail.core.model import JobSummary, StoredJob
from jobtrail_local.lifecycles import Lifecycle, seen_transitions
from msgspec.structs import replace


def described(summary: JobSummary) -> JobSummary:
    """``summary`` as a Describe answer shows it: without the tags, which ListTags gives, and the cost,
    which the prices give."""
    return replace(summary, tags=None, cost=None)


def assert_matches_expected(
    stored: StoredJob | None, lifecycle: Lifecycle, label: str, *, only_final_seen: bool = False
) -> None:
    """The job's history is what its final Describe shows and what its script expects (any kind).
    ``only_final_seen``: Describe gave only the final answer, so the other kinds' statuses dated only by
    an earlier answer (Stopping) cannot be known."""
    expected = lifecycle.expected[label]
    transitions = list(expected.transitions)
    if only_final_seen and expected.kind != "training":
        transitions = seen_transitions(expected.kind, [lifecycle.final_describe(label)])
    truth = lifecycle.final_record(label)
    assert stored is not None
    assert described(stored.summary) == truth.summary
    assert stored.summary.tags == lifecycle.tags(label)
    assert stored.summary.kind == expected.kind
    if expected.kind == "training":  # the other kinds' transitions are what the answers seen date
        assert stored.transitions == truth.transitions
    assert [(t.status, t.start_time) for t in stored.transitions] == transitions
    assert stored.steps == truth.steps
    assert stored.summary.status == expected.status
    assert stored.summary.secondary_status == expected.secondary_status
    assert len(stored.final_metrics) == expected.final_metrics
    assert [m.value.hex() for m in stored.final_metrics] == [m.value.hex() for m in truth.final_metrics]
    assert stored.summary.training_time_seconds == expected.training_time_seconds
    assert stored.summary.billable_time_seconds == expected.billable_time_seconds
    assert stored.summary.spot_savings_percent == pytest.approx(expected.spot_savings_percent)
    if expected.failure_reason_startswith:
        assert (stored.summary.failure_reason or "").startswith(expected.failure_reason_startswith)
    if expected.exit_message_startswith:
        assert (stored.summary.exit_message or "").startswith(expected.exit_message_startswith)
    tuning = stored.summary.tuning
    assert (tuning.best_training_job if tuning else None) == expected.best_training_job
    assert (tuning.best_objective_value if tuning else None) == expected.best_objective_value
    assert stored.summary.failed_step == expected.failed_step
