"""The domain records compare and hash as their docstrings say: a field that is not part of a record's
identity (a transition's position, the record changes leave) takes no part in its equality or hash, and a
summary with tags (a dict) still hashes."""

from __future__ import annotations

from builders import T0, summary
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import HistoryChanges, JobRecord, StoredJob, Transition

KEY = JobKey(account="123456789012", region="us-east-1", kind="training", name="resnet-1")


def test_a_transitions_position_is_not_part_of_its_equality_or_hash() -> None:
    first, moved = Transition("Training", T0, position=0), Transition("Training", T0, position=3)
    assert first == moved
    assert not first != moved  # noqa: SIM202 - != is what is checked
    assert hash(first) == hash(moved)
    assert {first, moved} == {first}


def test_every_other_field_of_a_transition_is() -> None:
    first = Transition("Training", T0)
    assert first != Transition("Training", T0, message="Training in progress")
    assert first != Transition("Training", T0, end_time=T0)
    assert first != Transition("Uploading", T0)
    assert first != ("Training", T0, None, None)


def test_the_record_changes_leave_is_not_part_of_their_equality_or_hash() -> None:
    with_after = HistoryChanges(KEY, 1, after=JobRecord(summary()))
    without = HistoryChanges(KEY, 1)
    assert with_after == without
    assert not with_after != without  # noqa: SIM202 - != is what is checked
    assert hash(with_after) == hash(without)
    assert with_after != HistoryChanges(KEY, 2, after=JobRecord(summary()))


def test_a_summary_with_tags_hashes_and_its_tags_still_compare() -> None:
    nlp, vision = summary(tags={"team": "nlp"}), summary(tags={"team": "vision"})
    assert hash(nlp) == hash(vision)
    assert nlp != vision
    assert len({JobRecord(nlp), JobRecord(nlp)}) == 1


def test_a_stored_job_is_not_equal_to_the_record_it_extends() -> None:
    record = JobRecord(summary())
    assert StoredJob(record.summary) != record
    assert StoredJob(record.summary) == StoredJob(record.summary)


def test_job_keys_order_by_account_region_kind_then_name() -> None:
    keys = [
        JobKey(account="2", region="a", kind="training", name="a"),
        JobKey(account="1", region="b", kind="training", name="a"),
        JobKey(account="1", region="a", kind="tuning", name="a"),
        JobKey(account="1", region="a", kind="training", name="b"),
        JobKey(account="1", region="a", kind="training", name="a"),
    ]
    assert sorted(keys) == keys[::-1]
