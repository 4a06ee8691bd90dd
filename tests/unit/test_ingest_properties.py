"""Property: delivery order, duplication and loss of events do not change the recorded history.

Describe answers the state as of the newest event delivered so far (SageMaker is always ahead of or
level with its events), so any delivery that eventually includes each job's last event must end in
exactly the history an in-order, exactly-once delivery gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pytest
from fakes import FakeWorld
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.lifecycles import Lifecycle, lifecycle_names, load_lifecycle, sqs_batch

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def deliver(lifecycle: Lifecycle, order: Sequence[int], batch_sizes: Sequence[int]) -> FakeWorld:
    """Deliver the steps at ``order`` in SQS batches of the given sizes; failed records are redelivered."""
    world = FakeWorld()
    position = 0
    for size in batch_sizes:
        batch = [lifecycle.steps[i] for i in order[position : position + size]]
        position += size
        if not batch:
            break
        for step in batch:
            world.script.advance(step)
        response = handle_batch(sqs_batch([s.sqs_body for s in batch]), world.deps)
        assert response["batchItemFailures"] == []
    assert position >= len(order)
    return world


@cache
def in_order(name: str) -> dict[str, tuple[object, ...]]:
    """The history an in-order, exactly-once delivery of the lifecycle's events gives."""
    lifecycle = load_lifecycle(name)
    return histories(deliver(lifecycle, range(len(lifecycle.steps)), [1] * len(lifecycle.steps)))


def histories(world: FakeWorld) -> dict[str, tuple[object, ...]]:
    return {
        name: (job.summary, job.transitions, tuple(m.value.hex() for m in job.final_metrics))
        for name, job in world.histories.by_name.items()
    }


@st.composite
def shuffled_with_duplicates(draw: st.DrawFn, size: int) -> list[int]:
    duplicates = draw(st.lists(st.integers(0, size - 1), max_size=size))
    order: list[int] = draw(st.permutations([*range(size), *duplicates]))
    return order


@pytest.mark.parametrize("name", lifecycle_names())
@SETTINGS
@given(data=st.data())
def test_any_permutation_and_duplication_ends_in_the_in_order_history(name: str, data: st.DataObject) -> None:
    lifecycle = load_lifecycle(name)
    order = data.draw(shuffled_with_duplicates(len(lifecycle.steps)), label="delivery order")
    sizes = data.draw(st.lists(st.integers(1, 10), min_size=len(order), max_size=len(order)), label="batches")
    assert histories(deliver(lifecycle, order, sizes)) == in_order(name)


@pytest.mark.parametrize("name", lifecycle_names())
@SETTINGS
@given(data=st.data())
def test_lost_events_leave_no_gap_once_a_later_event_arrives(name: str, data: st.DataObject) -> None:
    # Given any subset of the events is lost, except each job's last one
    lifecycle = load_lifecycle(name)
    last = {step.job_name: step.index for step in lifecycle.steps}
    kept = data.draw(st.lists(st.sampled_from(range(len(lifecycle.steps))), unique=True), label="kept")
    order = data.draw(st.permutations(sorted({*kept, *last.values()})), label="delivery order")
    # When the survivors arrive one by one in any order
    world = deliver(lifecycle, order, [1] * len(order))
    # Then the history is complete anyway: DescribeTrainingJob holds every transition
    assert histories(world) == in_order(name)
