"""The pure merge of a DescribeTrainingJob answer into a stored history."""

from __future__ import annotations

from builders import at, record
from jobtrail.core.history import merge, plan_changes
from jobtrail.core.model import JobRecord, Metric, StoredJob, Transition
from msgspec.structs import replace


def stored(job: JobRecord, version: int = 1) -> StoredJob:
    """What the store would hold after writing ``job``."""
    return StoredJob(
        summary=job.summary, transitions=job.transitions, final_metrics=job.final_metrics, version=version
    )


STARTING_OPEN = Transition("Starting", at(0), None, "Launching requested ML instances")
STARTING_CLOSED = Transition("Starting", at(0), at(60), "Preparing the instances for training")
DOWNLOADING_OPEN = Transition("Downloading", at(60), None, "Downloading input data")


def test_a_new_job_stores_everything_describe_shows() -> None:
    # Given a job never seen before
    snapshot = record(STARTING_CLOSED, DOWNLOADING_OPEN)
    # When it is planned
    changes = plan_changes(None, snapshot)
    # Then the summary and every transition are written, as a creation (no version expected)
    assert changes.expected_version is None
    assert changes.summary == snapshot.summary
    assert changes.new_transitions == (STARTING_CLOSED, DOWNLOADING_OPEN)
    assert changes.updated_transitions == ()


def test_an_identical_answer_writes_nothing() -> None:
    snapshot = record(STARTING_CLOSED, DOWNLOADING_OPEN)
    changes = plan_changes(stored(snapshot), snapshot)
    assert changes.is_empty
    assert not changes.stale


def test_the_open_transition_is_updated_not_duplicated_when_it_closes() -> None:
    # Given Starting stored while open
    before = record(STARTING_OPEN)
    # When Describe now shows it closed, with a new message, and Downloading open
    after = record(STARTING_CLOSED, DOWNLOADING_OPEN)
    changes = plan_changes(stored(before), after)
    # Then Starting is an update (same identity) and only Downloading is new
    assert changes.updated_transitions == (STARTING_CLOSED,)
    assert changes.new_transitions == (DOWNLOADING_OPEN,)
    assert changes.expected_version == 1


def test_a_message_change_of_the_open_transition_is_an_update() -> None:
    before = record(STARTING_OPEN)
    renamed = replace(STARTING_OPEN, message="Preparing the instances for training")
    after = record(renamed, last_modified_time=at(5))
    changes = plan_changes(stored(before), after)
    assert changes.updated_transitions == (renamed,)
    assert changes.new_transitions == ()


def test_a_closed_transition_is_never_reopened_or_rewritten() -> None:
    # Given Starting stored closed; an answer with the same LastModifiedTime shows another message
    before = record(STARTING_CLOSED, DOWNLOADING_OPEN)
    odd = replace(STARTING_CLOSED, message="something else")
    changes = plan_changes(stored(before), record(odd, DOWNLOADING_OPEN))
    assert changes.updated_transitions == ()


def test_an_answer_older_than_the_stored_one_is_stale_and_writes_nothing() -> None:
    newer = record(STARTING_CLOSED, DOWNLOADING_OPEN)
    older = record(STARTING_OPEN)
    changes = plan_changes(stored(newer), older)
    assert changes.is_empty
    assert changes.stale


def test_transitions_that_no_event_announced_are_stored() -> None:
    # Given only Starting stored: the events for Downloading and Training were lost
    before = record(STARTING_OPEN)
    training = Transition("Training", at(120), None, "Training in progress.")
    downloading = Transition("Downloading", at(60), at(120), "Downloading input data")
    after = record(STARTING_CLOSED, downloading, training)
    changes = plan_changes(stored(before), after)
    assert [t.status for t in changes.new_transitions] == ["Downloading", "Training"]


def test_final_metrics_are_stored_only_once_the_job_has_ended() -> None:
    metrics = (Metric("train:loss", 0.25, at(100)),)
    running = record(STARTING_CLOSED, DOWNLOADING_OPEN, metrics=metrics)
    assert plan_changes(None, running).final_metrics is None
    completed = record(
        STARTING_CLOSED,
        Transition("Completed", at(100), at(100), "Training job completed"),
        metrics=metrics,
        status="Completed",
    )
    assert plan_changes(None, completed).final_metrics == metrics


def test_minus_zero_is_a_different_metric_value_than_zero() -> None:
    # Given a completed job stored with 0.0
    done = Transition("Completed", at(100), at(100), "Training job completed")
    zero = record(done, metrics=(Metric("m", 0.0, at(100)),), status="Completed")
    # When Describe reports -0.0 for the same metric
    minus_zero = record(done, metrics=(Metric("m", -0.0, at(100)),), status="Completed")
    changes = plan_changes(stored(zero), minus_zero)
    # Then it is a change (0.0 == -0.0 in Python, not in the history)
    assert changes.final_metrics == (Metric("m", -0.0, at(100)),)
    assert str(changes.final_metrics[0].value) == "-0.0"


def test_nan_metrics_compare_equal_to_themselves() -> None:
    done = Transition("Completed", at(100), at(100), "Training job completed")
    nan = record(done, metrics=(Metric("m", float("nan"), at(100)),), status="Completed")
    assert plan_changes(stored(nan), nan).is_empty


def test_merge_applies_changes_like_the_store_does() -> None:
    before = record(STARTING_OPEN)
    after = record(STARTING_CLOSED, DOWNLOADING_OPEN)
    merged = merge(stored(before), plan_changes(stored(before), after))
    assert merged is not None
    assert merged.transitions == after.transitions
    assert merged.summary == after.summary


def test_transitions_before_alert_since_do_not_alert() -> None:
    # Given a job that failed, planned by a backfill whose live window starts after the failure
    failed = Transition("Failed", at(100), at(100), "Training job failed")
    snapshot = record(STARTING_CLOSED, failed, status="Failed")
    assert plan_changes(None, snapshot, frozenset({"Failed"}), alert_since=at(101)).new_alerts == ()
    # And one whose window includes it
    [alert] = plan_changes(None, snapshot, frozenset({"Failed"}), alert_since=at(100)).new_alerts
    assert alert.key == ("Failed", at(100))
