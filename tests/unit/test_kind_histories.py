"""The merge for the kinds whose Describe shows only the current status (processing, transform, tuning,
pipeline): one transition per status seen, the same convergence properties as training.

Each job here is a random life: the Describe answers SageMaker would give, oldest first. Describe answers
the state as of the newest event delivered so far (SageMaker is always ahead of or level with its
events). Whatever the delivery order, duplication, loss or batching, the history is what an in-order
delivery of the answers that delivery *saw* gives; and when every status of the life is dated by the
kind's own fields (no Stopping seen only through LastModifiedTime), it is the whole in-order history.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakes import InMemoryHistories, ListAlertPublisher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtrail.adapters.sagemaker import pipeline_record, processing_record, transform_record, tuning_record
from jobtrail.core.alerts import DEFAULT_ALERT_ON
from jobtrail.core.history import plan_changes
from jobtrail.core.kinds import SPECS, JobKey, Kind
from jobtrail.core.model import JobRecord, Transition
from jobtrail.usecases.sync import SyncDeps, sync_job

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ACCOUNT, REGION = "123456789012", "us-east-1"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def arn(kind: Kind, name: str) -> str:
    if kind == "pipeline":
        pipeline, execution = name.split("/")
        return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{pipeline}/execution/{execution}"
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{SPECS[kind].arn_resource}/{name}"


@dataclass(frozen=True)
class Life:
    """One job's Describe answers, oldest first, as the adapter maps them."""

    key: JobKey
    answers: tuple[JobRecord, ...]
    stopping: bool  # whether a Stopping answer (dated only by LastModifiedTime) is in it


# -- random lives --------------------------------------------------------------------------------------


@st.composite
def lives(draw: st.DrawFn, kind: Kind) -> Life:
    name = "churn-features-0001" if kind != "pipeline" else "churn-pipeline/a1b2c3d4e5f6"
    key = JobKey(ACCOUNT, REGION, kind, name)
    gaps = draw(st.lists(st.integers(1, 3600), min_size=5, max_size=5))
    created = T0
    started = created + timedelta(seconds=gaps[0])
    stopping_at = started + timedelta(seconds=gaps[1])
    ended = stopping_at + timedelta(seconds=gaps[2])
    terminal = draw(st.sampled_from(sorted(SPECS[kind].terminal)))
    stopping = terminal == "Stopped" and draw(st.booleans())
    extra_in_progress = draw(st.integers(0, 2))  # answers that change nothing a reader sees, or only counters
    running = SPECS[kind].running
    plan: list[tuple[str, datetime, bool]] = [(running, created, False), (running, started, True)]
    plan += [(running, started + timedelta(seconds=i + 1), True) for i in range(extra_in_progress)]
    if stopping:
        plan.append(("Stopping", stopping_at, True))
    plan.append((terminal, ended, True))
    answers = tuple(
        _answer(kind, key, status, at, created, started if is_started else None, ended, index)
        for index, (status, at, is_started) in enumerate(plan)
    )
    return Life(key=key, answers=answers, stopping=stopping)


def _answer(
    kind: Kind,
    key: JobKey,
    status: str,
    at: datetime,
    created: datetime,
    started: datetime | None,
    ended: datetime,
    index: int,
) -> JobRecord:
    final = status in SPECS[kind].terminal
    failed = status == "Failed"
    reason = "ClientError: AlgorithmError: see the job's logs" if failed else None
    modified = at + timedelta(seconds=1) if final else at
    match kind:
        case "processing":
            response: dict[str, Any] = {
                "ProcessingJobName": key.name,
                "ProcessingJobArn": arn(kind, key.name),
                "ProcessingJobStatus": status,
                "CreationTime": created,
                "LastModifiedTime": modified,
                "ProcessingResources": {
                    "ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}
                },
            }
            _put(response, "ProcessingStartTime", started)
            _put(response, "ProcessingEndTime", ended if final else None)
            _put(response, "FailureReason", reason)
            _put(response, "ExitMessage", "Traceback (most recent call last): ..." if failed else None)
            return processing_record(response)
        case "transform":
            response = {
                "TransformJobName": key.name,
                "TransformJobArn": arn(kind, key.name),
                "TransformJobStatus": status,
                "ModelName": "churn-xgb",
                "CreationTime": created,
            }
            _put(response, "TransformStartTime", started)
            _put(response, "TransformEndTime", ended if final else None)
            _put(response, "FailureReason", reason)
            if status == "Stopping":  # no LastModifiedTime in DescribeTransformJob: the latest time stands in
                response["TransformStartTime"] = at
            return transform_record(response)
        case "tuning":
            response = {
                "HyperParameterTuningJobName": key.name,
                "HyperParameterTuningJobArn": arn(kind, key.name),
                "HyperParameterTuningJobStatus": status,
                "HyperParameterTuningJobConfig": {
                    "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"}
                },
                "CreationTime": created,
                "LastModifiedTime": modified,
                "TrainingJobStatusCounters": {"Completed": index, "InProgress": 1},
                "ObjectiveStatusCounters": {"Succeeded": index},
            }
            _put(response, "HyperParameterTuningEndTime", ended if final else None)
            _put(response, "FailureReason", reason)
            if index:
                response["BestTrainingJob"] = {
                    "TrainingJobName": f"{key.name}-{index:03d}-abcd1234",
                    "FinalHyperParameterTuningJobObjectiveMetric": {
                        "MetricName": "validation:auc",
                        "Value": 0.9,
                    },
                }
            return tuning_record(response)
        case "pipeline":
            execution = {
                "PipelineExecutionArn": arn(kind, key.name),
                "PipelineExecutionStatus": status,
                "CreationTime": created,
                "LastModifiedTime": modified,
            }
            _put(
                execution, "FailureReason", "Step failure: One or multiple steps failed." if failed else None
            )
            step: dict[str, Any] = {
                "StepName": "Preprocess",
                "StartTime": created,
                "StepStatus": ("Failed" if failed else "Succeeded") if final else "Executing",
                "Metadata": {"ProcessingJob": {"Arn": arn("processing", "pipelines-x-preprocess")}},
                "AttemptCount": 1,
            }
            if final:
                step["EndTime"] = at
            if failed:
                step["FailureReason"] = "ClientError: Failed to run the processing job"
            steps = [step]
            return pipeline_record(execution, steps)
        case "training":
            raise AssertionError("training lives are the lifecycles in events/")


def _put(response: dict[str, Any], member: str, value: Any) -> None:
    if value is not None:
        response[member] = value


# -- delivering them ------------------------------------------------------------------------------------


class AsOfNewestDelivered:
    """``Jobs``: each job answers as of the newest of its answers delivered so far."""

    def __init__(self, life: Life) -> None:
        self.life = life
        self.newest = -1
        self.describes = 0

    def deliver(self, index: int) -> None:
        self.newest = max(self.newest, index)

    def describe(self, key: JobKey) -> JobRecord | None:
        self.describes += 1
        return self.life.answers[self.newest] if key == self.life.key and self.newest >= 0 else None


def deliver(life: Life, order: Sequence[int]) -> tuple[InMemoryHistories, ListAlertPublisher, list[int]]:
    """Each delivered event triggers one sync; returns the store, what was published, and which answers
    Describe gave (in order)."""
    jobs = AsOfNewestDelivered(life)
    histories, publisher = InMemoryHistories(), ListAlertPublisher()
    deps = SyncDeps(jobs=jobs, histories=histories, alerts=publisher, alert_on=DEFAULT_ALERT_ON)
    seen: list[int] = []
    for index in order:
        jobs.deliver(index)
        seen.append(jobs.newest)
        sync_job(life.key, deps)
    return histories, publisher, seen


def history_of(histories: InMemoryHistories, key: JobKey) -> tuple[object, ...]:
    job = histories.jobs[key]
    return (job.summary, job.transitions, job.steps, tuple(m.value.hex() for m in job.final_metrics))


def in_order(life: Life, answers: Sequence[int]) -> tuple[object, ...]:
    histories, _, _ = deliver(life, sorted(set(answers)))
    return history_of(histories, life.key)


@st.composite
def orders(draw: st.DrawFn, size: int, *, keep_last: bool = True) -> list[int]:
    """A delivery of some of ``range(size)`` (the last always), shuffled, some twice."""
    kept = draw(st.lists(st.integers(0, size - 1), unique=True))
    chosen = sorted({*kept, size - 1}) if keep_last else sorted(set(kept) or {0})
    duplicates = draw(st.lists(st.sampled_from(chosen), max_size=len(chosen)))
    order: list[int] = draw(st.permutations([*chosen, *duplicates]))
    return order


OTHER_KINDS: tuple[Kind, ...] = ("processing", "transform", "tuning", "pipeline")


# -- the properties ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", OTHER_KINDS)
@SETTINGS
@given(data=st.data())
def test_any_delivery_ends_in_the_in_order_history_of_the_answers_it_saw(
    kind: Kind, data: st.DataObject
) -> None:
    life = data.draw(lives(kind), label="life")
    order = data.draw(orders(len(life.answers)), label="delivery")
    histories, _, seen = deliver(life, order)
    assert history_of(histories, life.key) == in_order(life, seen)


@pytest.mark.parametrize("kind", OTHER_KINDS)
@SETTINGS
@given(data=st.data())
def test_without_an_undated_status_any_delivery_ends_in_the_whole_history(
    kind: Kind, data: st.DataObject
) -> None:
    life = data.draw(lives(kind), label="life")
    if life.stopping:
        return  # Stopping is dated only by the answer that shows it: a delivery that skips it cannot know
    order = data.draw(orders(len(life.answers)), label="delivery")
    histories, _, _ = deliver(life, order)
    assert history_of(histories, life.key) == in_order(life, range(len(life.answers)))


@pytest.mark.parametrize("kind", OTHER_KINDS)
@SETTINGS
@given(data=st.data())
def test_the_history_is_one_transition_per_status_closed_by_the_next(kind: Kind, data: st.DataObject) -> None:
    life = data.draw(lives(kind), label="life")
    order = data.draw(orders(len(life.answers)), label="delivery")
    histories, _, seen = deliver(life, order)
    transitions: tuple[Transition, ...] = histories.jobs[life.key].transitions
    spec = SPECS[kind]
    statuses = [t.status for t in transitions]
    # One transition per status run, the running status first (from CreationTime), the terminal one last
    assert all(a != b for a, b in itertools.pairwise(statuses))
    assert transitions[0].status == spec.running
    assert transitions[0].start_time == life.answers[0].summary.creation_time
    assert statuses[-1] == life.answers[-1].summary.status
    assert ("Stopping" in statuses) == (
        life.stopping and any(life.answers[i].summary.status == "Stopping" for i in seen)
    )
    # Each closes when the next starts; the final one ends where it starts
    for before, after in itertools.pairwise(transitions):
        assert before.end_time == after.start_time
    assert transitions[-1].end_time == transitions[-1].start_time
    # The terminal status starts at the kind's own end time when it has one
    end = life.answers[-1].summary.end_time
    if end is not None:
        assert transitions[-1].start_time == end


@pytest.mark.parametrize("kind", OTHER_KINDS)
@SETTINGS
@given(data=st.data())
def test_a_failure_alerts_exactly_once_whatever_the_delivery(kind: Kind, data: st.DataObject) -> None:
    life = data.draw(lives(kind), label="life")
    order = data.draw(orders(len(life.answers)), label="delivery")
    _, publisher, _ = deliver(life, order)
    failed = life.answers[-1].summary.status == "Failed"
    assert [(a.job, a.alert_type) for a in publisher.published] == ([(life.key, "Failed")] if failed else [])


@pytest.mark.parametrize("kind", OTHER_KINDS)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_one_describe_per_sync_and_nothing_written_for_an_answer_seen_before(
    kind: Kind, data: st.DataObject
) -> None:
    life = data.draw(lives(kind), label="life")
    jobs = AsOfNewestDelivered(life)
    histories = InMemoryHistories()
    deps = SyncDeps(jobs=jobs, histories=histories, alerts=ListAlertPublisher())
    jobs.deliver(len(life.answers) - 1)
    sync_job(life.key, deps)
    writes = histories.writes
    assert sync_job(life.key, deps).outcome == "unchanged"
    assert (jobs.describes, histories.writes) == (2, writes)


@settings(max_examples=10, deadline=None)
@given(life=lives("processing"))
def test_an_older_answer_changes_nothing(life: Life) -> None:
    newest = plan_changes(None, life.answers[-1])
    assert newest.summary is not None
    stored = _stored(life.answers[-1])
    assert plan_changes(stored, life.answers[0]).stale


def test_equal_times_are_ordered_by_status_so_stopping_never_goes_back_to_in_progress() -> None:
    # Given a transform job (no LastModifiedTime) Stopping and an older answer of the same instant
    start = T0 + timedelta(minutes=5)
    base = {
        "TransformJobName": "batch-scoring",
        "TransformJobArn": arn("transform", "batch-scoring"),
        "ModelName": "m",
        "CreationTime": T0,
        "TransformStartTime": start,
    }
    in_progress = transform_record({**base, "TransformJobStatus": "InProgress"})
    stopping = transform_record({**base, "TransformJobStatus": "Stopping"})
    # Then the InProgress answer is stale against the stored Stopping one
    assert in_progress.summary.last_modified_time == stopping.summary.last_modified_time
    assert plan_changes(_stored(stopping), in_progress).stale


def test_a_retried_pipeline_execution_keeps_both_failures() -> None:
    # Given a pipeline execution that failed, was retried (RetryPipelineExecution) and failed again
    key = JobKey(ACCOUNT, REGION, "pipeline", "train-pipe/x9y8z7")

    def answer(status: str, minutes: int) -> JobRecord:
        return pipeline_record(
            {
                "PipelineExecutionArn": arn("pipeline", key.name),
                "PipelineExecutionStatus": status,
                "CreationTime": T0,
                "LastModifiedTime": T0 + timedelta(minutes=minutes),
            },
            [],
        )

    histories, publisher = InMemoryHistories(), ListAlertPublisher()
    for record in (answer("Failed", 10), answer("Executing", 20), answer("Failed", 30)):
        sync_job(key, SyncDeps(jobs=_always(record), histories=histories, alerts=publisher))
    statuses = [(t.status, t.start_time) for t in histories.jobs[key].transitions]
    assert statuses == [
        ("Executing", T0),
        ("Failed", T0 + timedelta(minutes=10)),
        ("Executing", T0 + timedelta(minutes=20)),
        ("Failed", T0 + timedelta(minutes=30)),
    ]
    assert [a.transition_start_time for a in publisher.published] == [
        T0 + timedelta(minutes=10),
        T0 + timedelta(minutes=30),
    ]


def _always(record: JobRecord) -> Any:
    class Always:
        def describe(self, key: JobKey) -> JobRecord:
            return record

    return Always()


def _stored(record: JobRecord) -> Any:
    histories = InMemoryHistories()
    sync_job(record.key, SyncDeps(jobs=_always(record), histories=histories, alerts=None))
    return histories.jobs[record.key]


def test_an_end_time_before_the_stopping_answer_gives_one_stopped_whatever_the_order() -> None:
    # Given a processing job seen Stopping at 10:05 whose end time SageMaker gives as 10:04
    base = {
        "ProcessingJobName": "dedupe-1",
        "ProcessingJobArn": arn("processing", "dedupe-1"),
        "CreationTime": T0,
        "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}},
    }
    stopping = processing_record(
        {**base, "ProcessingJobStatus": "Stopping", "LastModifiedTime": T0 + timedelta(minutes=5)}
    )
    stopped = processing_record(
        {
            **base,
            "ProcessingJobStatus": "Stopped",
            "LastModifiedTime": T0 + timedelta(minutes=6),
            "ProcessingEndTime": T0 + timedelta(minutes=4),
        }
    )
    # When the answers arrive in order, and the final one again
    histories = InMemoryHistories()
    for record in (stopping, stopped, stopped):
        sync_job(record.key, SyncDeps(jobs=_always(record), histories=histories, alerts=None))
    # Then it stopped once, not before it was seen stopping
    statuses = [(t.status, t.start_time) for t in histories.jobs[stopped.key].transitions]
    assert statuses == [
        ("InProgress", T0),
        ("Stopping", T0 + timedelta(minutes=5)),
        ("Stopped", T0 + timedelta(minutes=5)),
    ]


def test_a_retried_step_that_failed_then_succeeded_ends_succeeded() -> None:
    # Given a pipeline execution whose step failed, then ran again (a retry policy) and succeeded
    key = JobKey(ACCOUNT, REGION, "pipeline", "train-pipe/r3try0000001")

    def answer(status: str, started: int, ended: int | None, attempts: int | None) -> JobRecord:
        step: dict[str, Any] = {
            "StepName": "Train",
            "StepStatus": status,
            "StartTime": T0 + timedelta(minutes=started),
        }
        if ended is not None:
            step["EndTime"] = T0 + timedelta(minutes=ended)
        if attempts is not None:
            step["AttemptCount"] = attempts
        execution = {
            "PipelineExecutionArn": arn("pipeline", key.name),
            "PipelineExecutionStatus": "Executing",
            "CreationTime": T0,
            "LastModifiedTime": T0,
        }
        return pipeline_record(execution, [step])

    for attempts in (None, 2):
        histories = InMemoryHistories()
        for record in (answer("Failed", 1, 5, 1 if attempts else None), answer("Succeeded", 6, 9, attempts)):
            sync_job(key, SyncDeps(jobs=_always(record), histories=histories, alerts=None))
        # Then the step is the retry's: it succeeded
        [step] = histories.jobs[key].steps
        assert (step.status, step.start_time) == ("Succeeded", T0 + timedelta(minutes=6))
        # And the older answer, delivered late, changes nothing
        late = answer("Failed", 1, 5, 1 if attempts else None)
        sync_job(key, SyncDeps(jobs=_always(late), histories=histories, alerts=None))
        assert histories.jobs[key].steps == (step,)
