"""Property: delivery order, duplication and loss of events do not change the recorded history.

Describe answers the state as of the newest event delivered so far (SageMaker is always ahead of or
level with its events), so any delivery that eventually includes each job's last event must end in
exactly the history an in-order, exactly-once delivery of the answers it saw gives — for training jobs,
whose Describe holds every transition, exactly the in-order history of every answer. (A status of the other
kinds dated only by the answer that shows it, such as Stopping, is known only to a delivery that saw it.)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pytest
from fakes import FakeWorld
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtrail.core.kinds import JobKey
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.lifecycle_builder import Step, job_label
from jobtrail_local.lifecycles import Lifecycle, lifecycle_names, load_lifecycle, sqs_batch

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def deliver(
    lifecycle: Lifecycle, order: Sequence[int], batch_sizes: Sequence[int]
) -> tuple[FakeWorld, set[int]]:
    """Deliver the steps at ``order`` in SQS batches of the given sizes; failed records are redelivered.
    Also returns the steps whose answers Describe gave (each job's newest step when its batch ran)."""
    world = FakeWorld()
    newest: dict[JobKey, Step] = {}
    seen: set[int] = set()
    position = 0
    for size in batch_sizes:
        batch = [lifecycle.steps[i] for i in order[position : position + size]]
        position += size
        if not batch:
            break
        for step in batch:
            world.script.advance(step)
            current = newest.get(step.key)
            if current is None or step.modified >= current.modified:
                newest[step.key] = step
        seen.update(newest[step.key].index for step in batch)
        response = handle_batch(sqs_batch([s.sqs_body for s in batch]), world.deps)
        assert response["batchItemFailures"] == []
    assert position >= len(order)
    return world, seen


@cache
def in_order(name: str, steps: tuple[int, ...] | None = None) -> dict[str, tuple[object, ...]]:
    """The history an in-order, exactly-once delivery of the lifecycle's events (or of ``steps``) gives."""
    lifecycle = load_lifecycle(name)
    indexes = steps if steps is not None else tuple(range(len(lifecycle.steps)))
    return histories(deliver(lifecycle, indexes, [1] * len(indexes))[0])


def expected_after(name: str, seen: set[int]) -> dict[str, tuple[object, ...]]:
    """What a delivery that saw the answers of ``seen`` must end in (see the module's docstring)."""
    if load_lifecycle(name).job_kinds == {"training"}:
        return in_order(name)
    return in_order(name, tuple(sorted(seen)))


def histories(world: FakeWorld) -> dict[str, tuple[object, ...]]:
    return {
        job_label(key): (
            job.summary,
            job.transitions,
            job.steps,
            tuple(m.value.hex() for m in job.final_metrics),
        )
        for key, job in world.histories.jobs.items()
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
    world, seen = deliver(lifecycle, order, sizes)
    assert histories(world) == expected_after(name, seen)


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
    world, seen = deliver(lifecycle, order, [1] * len(order))
    # Then the history is complete anyway: Describe holds every transition (training), or everything the
    # answers it gave can date (the other kinds)
    assert histories(world) == expected_after(name, seen)
