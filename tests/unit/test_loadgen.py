"""The load generator: realistic, valid, deterministic lifecycles, and a delivery stream like AWS's.

Pure: botocore validates the describes through ``Stubber``; no socket is ever connected.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import timedelta
from itertools import pairwise
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from builders import as_epoch_millis
from expectations import described
from fakes import FakeWorld
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.events import StateChange, parse_state_change
from jobtrail.core.model import alert_id_for
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.lifecycle_builder import describe_member_order, describe_output_shape, job_key
from jobtrail_local.loadgen import (
    ALERTING,
    MAX_CHANGES,
    MIN_CHANGES,
    MIX,
    Load,
    deliveries,
    generate,
    stream_stats,
)
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
NOT_IN_DETAIL = {
    "FinalMetricDataList",
    "TrainingTimeInSeconds",
    "BillableTimeInSeconds",
    "EnableManagedSpotTraining",
}
ENDINGS = {"Completed", "Failed", "Stopped", "MaxRuntimeExceeded"}


@pytest.fixture(scope="module")
def load() -> Load:
    return generate(500, seed=11)


@pytest.fixture(scope="module")
def sample() -> Load:
    return generate(50, seed=5)


# ------------------------------------------------------------------------------------------- the jobs
def test_the_same_seed_gives_the_same_load_and_another_seed_another() -> None:
    first, again, other = generate(40, seed=3), generate(40, seed=3), generate(40, seed=4)
    assert [(s.job_name, s.event, s.describe) for s in first.steps] == [
        (s.job_name, s.event, s.describe) for s in again.steps
    ]
    assert first.job_names != other.job_names


def test_a_load_reads_botocore_s_sagemaker_model_once_for_all_its_describes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a count of botocore service-model loads (the costly part of building a describe: tenths of a
    # second each, where the rest of a 500-job load takes about one), and no model cached yet
    loads: list[str] = []
    original = botocore.session.Session.get_service_model

    def counting(self: botocore.session.Session, name: str, *args: Any, **kwargs: Any) -> Any:
        loads.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "get_service_model", counting)
    describe_output_shape.cache_clear()
    describe_member_order.cache_clear()
    # When a load of hundreds of describes and its deliveries are generated
    load = generate(50, seed=1)
    deliveries(load, seed=1)
    # Then the model was read once, not per describe (timings belong in `make bench`)
    assert len(load.steps) > 200
    assert loads.count("sagemaker") == 1


def test_the_mix_of_lifecycles_is_the_documented_one(load: Load) -> None:
    kinds = Counter(load.kinds.values())
    assert len(load.job_names) == 500
    assert {kind: count / 500 for kind, count in kinds.items()} == dict(MIX)


def test_every_describe_is_a_valid_describe_training_job_response(sample: Load) -> None:
    # Given a real client whose answers Stubber checks against botocore's sagemaker model
    client = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        for step in sample.steps:
            stubber.add_response("describe_training_job", step.describe, {"TrainingJobName": step.job_name})
            # Then every generated answer is accepted as it is
            assert client.describe_training_job(TrainingJobName=step.job_name) == step.describe
        stubber.assert_no_pending_responses()


def test_names_are_unique_valid_sagemaker_names_some_of_tuning_jobs(load: Load) -> None:
    names = load.job_names
    assert len(set(names)) == len(names)
    assert all(NAME_PATTERN.fullmatch(name) and len(name) <= 63 for name in names)
    assert any(len(name) == 63 for name in names)
    assert any("--" in name for name in names)
    tuned = [n for n in names if "TuningJobArn" in load.steps_of(n)[0].describe]
    assert 0.10 <= len(tuned) / len(names) <= 0.20
    for name in tuned:
        parent = load.steps_of(name)[0].describe["TuningJobArn"].rsplit("/", 1)[-1]
        assert name.startswith(f"{parent}-")
        assert len(parent) <= 32


def test_each_job_changes_5_to_15_times_with_strictly_increasing_last_modified_time(load: Load) -> None:
    for name in load.job_names:
        steps = load.steps_of(name)
        assert MIN_CHANGES <= len(steps) <= MAX_CHANGES, name
        moments = [s.describe["LastModifiedTime"] for s in steps]
        assert all(a < b for a, b in pairwise(moments)), name
        assert all(
            s.describe["TrainingJobName"] == name == s.event["detail"]["TrainingJobName"] for s in steps
        )
    # And the steps are in the order SageMaker made the changes, across jobs
    assert [s.index for s in load.steps] == list(range(len(load.steps)))
    overall = [s.describe["LastModifiedTime"] for s in load.steps]
    assert overall == sorted(overall)


def test_jobs_overlap_in_time(load: Load) -> None:
    # Given each job's span / Then most jobs run while another one changes
    spans = [
        (load.steps_of(n)[0].describe["CreationTime"], load.steps_of(n)[-1].describe["LastModifiedTime"])
        for n in load.job_names
    ]
    first_changes = [load.steps[i].job_name for i in range(50)]
    assert len(set(first_changes)) > 10
    assert sum(1 for start, end in spans if end - start > timedelta(minutes=10)) > 400


def test_transitions_are_cumulative_and_closed_when_the_next_starts(load: Load) -> None:
    for name in load.job_names:
        previous: list[dict[str, Any]] = []
        for step in load.steps_of(name):
            transitions = step.describe["SecondaryStatusTransitions"]
            # Every transition already reported is still there, with the same identity
            keys = [(t["Status"], t["StartTime"]) for t in transitions]
            assert keys[: len(previous)] == [(t["Status"], t["StartTime"]) for t in previous]
            # Closed ones stay as they were; only the open one may have closed or changed its message
            assert transitions[: max(0, len(previous) - 1)] == previous[:-1]
            for before, after in pairwise(transitions):
                assert before["EndTime"] == after["StartTime"]
            last = transitions[-1]
            ended = step.describe["SecondaryStatus"] in ENDINGS
            assert ("EndTime" in last) == ended
            if ended:
                assert last["EndTime"] == last["StartTime"]
            assert step.describe["SecondaryStatus"] == last["Status"]
            previous = transitions


def test_events_carry_the_describe_as_epoch_milliseconds_without_describe_only_fields(sample: Load) -> None:
    for step in sample.steps:
        detail = dict(step.event["detail"])
        assert detail.pop("Tags")
        expected = {k: v for k, v in step.describe.items() if k not in NOT_IN_DETAIL}
        assert detail == as_epoch_millis(expected)
        assert step.event["source"] == "aws.sagemaker"
        assert step.event["time"] == step.describe["LastModifiedTime"].strftime("%Y-%m-%dT%H:%M:%SZ")
        parsed = parse_state_change(step.sqs_body)
        assert isinstance(parsed, StateChange)
        assert parsed.job_name == step.job_name
    assert len({s.event["id"] for s in sample.steps}) == len(sample.steps)


def test_completed_jobs_report_1_to_8_metrics_among_them_zero_negative_zero_and_tiny(load: Load) -> None:
    values: list[float] = []
    for name, kind in load.kinds.items():
        final = load.steps_of(name)[-1].describe
        if kind in {"completed", "spot"}:
            metrics = final["FinalMetricDataList"]
            assert 1 <= len(metrics) <= 8
            values += [m["Value"] for m in metrics]
        assert all(isinstance(m["Value"], float) for m in final.get("FinalMetricDataList", ()))
    hexes = {v.hex() for v in values}
    assert (0.0).hex() in hexes
    assert (-0.0).hex() in hexes
    assert any(0 < abs(v) < 1e-6 for v in values)


def test_each_kind_ends_the_way_sagemaker_ends_it(load: Load) -> None:
    for name, kind in load.kinds.items():
        final = load.steps_of(name)[-1].describe
        statuses = [t["Status"] for t in final["SecondaryStatusTransitions"]]
        ending = (final["TrainingJobStatus"], final["SecondaryStatus"])
        if kind == "completed":
            assert ending == ("Completed", "Completed")
            assert final["TrainingTimeInSeconds"] == final["BillableTimeInSeconds"]
        elif kind == "failed":
            assert ending == ("Failed", "Failed")
            assert final["FailureReason"].split(":")[0] in {"AlgorithmError", "ClientError"}
            assert "\n" in final["FailureReason"]
            assert len(final["FailureReason"]) <= 1024
        elif kind == "capacity":
            assert ending == ("Failed", "Failed")
            assert statuses == ["Starting", "Failed"]
            assert final["FailureReason"].startswith("CapacityError")
            assert not {"TrainingStartTime", "TrainingEndTime", "TrainingTimeInSeconds"} & set(final)
            assert "FinalMetricDataList" not in final
        elif kind == "spot":
            assert ending == ("Completed", "Completed")
            assert final["EnableManagedSpotTraining"] is True
            assert 1 <= statuses.count("Interrupted") <= 3
            assert final["BillableTimeInSeconds"] < final["TrainingTimeInSeconds"]
            in_progress = [s.describe["TrainingJobStatus"] for s in load.steps_of(name)[:-1]]
            assert set(in_progress) == {"InProgress"}
        elif kind == "max_runtime":
            assert ending == ("Stopped", "MaxRuntimeExceeded")
            assert statuses[-2:] == ["Stopping", "MaxRuntimeExceeded"]
            limit = final["StoppingCondition"]["MaxRuntimeInSeconds"]
            stopping = final["SecondaryStatusTransitions"][-2]["StartTime"]
            assert (stopping - final["TrainingStartTime"]).total_seconds() >= limit
        else:
            assert ending == ("Stopped", "Stopped")
            assert statuses[-2:] == ["Stopping", "Stopped"]


def test_the_expected_outcome_is_what_the_final_describe_says(load: Load) -> None:
    for name in load.job_names:
        expected = load.expected[name]
        truth = record_from_describe(load.final_describe(name))
        assert [(t.status, t.start_time) for t in truth.transitions] == list(expected.transitions)
        assert (truth.summary.status, truth.summary.secondary_status) == (
            expected.status,
            expected.secondary_status,
        )
        assert len(truth.final_metrics) == expected.final_metrics
        assert truth.summary.spot_savings_percent == expected.spot_savings_percent
        assert expected.alerts == tuple(t.status for t in truth.transitions if t.status in ALERTING)
    every = {
        alert_id_for(job_key(name), t.status, t.start_time)
        for name in load.job_names
        for t in record_from_describe(load.final_describe(name)).transitions
        if t.status in ALERTING
    }
    assert load.expected_alert_ids == every
    assert Counter(a for e in load.expected.values() for a in e.alerts).keys() == ALERTING


def test_scripted_sagemaker_answers_the_newest_state_whatever_the_order(sample: Load) -> None:
    script = ScriptedSageMaker()
    shuffled = list(sample.steps)
    random.Random(2).shuffle(shuffled)
    for step in shuffled:
        script.advance(step)
    for name in sample.job_names:
        assert script.describe(name) == sample.final_describe(name)


# ---------------------------------------------------------------------------------------- the delivery
def test_every_change_is_delivered_after_it_happened_some_twice_some_late(load: Load) -> None:
    stream = deliveries(load, duplicate_rate=0.05, seed=2)
    stats = stream_stats(stream)
    assert stats.changes == len(load.steps)
    assert 0.03 <= stats.duplicates / stats.changes <= 0.07
    assert stats.resent > 0
    assert stats.redelivered > 0
    assert 0.02 <= stats.late / stats.changes <= 0.08
    assert all(d.at > d.step.describe["LastModifiedTime"] for d in stream)
    assert [d.at for d in stream] == sorted(d.at for d in stream)
    assert len({d.message_id for d in stream}) == len(stream)
    assert stream == deliveries(load, duplicate_rate=0.05, seed=2)


def test_duplicates_carry_a_new_id_when_resent_and_the_same_id_when_redelivered(load: Load) -> None:
    stream = deliveries(load, duplicate_rate=0.2, seed=3)
    firsts = {d.step.index: d for d in stream if d.kind == "first"}
    for delivery in stream:
        event = json.loads(delivery.body)
        assert event["id"] == delivery.event_id
        original = firsts[delivery.step.index]
        if delivery.kind == "resent":
            assert delivery.event_id != original.event_id
            assert event["detail"] == delivery.step.event["detail"]
        elif delivery.kind == "redelivered":
            assert delivery.body == original.body


def test_late_events_arrive_after_a_later_event_of_the_same_job(load: Load) -> None:
    stream = deliveries(load, seed=4)
    newest: dict[str, int] = {}
    for delivery in stream:
        if delivery.late:
            assert delivery.step.index < newest[delivery.step.job_name]
        newest[delivery.step.job_name] = max(newest.get(delivery.step.job_name, -1), delivery.step.index)


def test_delivered_in_sqs_batches_the_load_ends_in_the_final_describes_with_each_alert_once() -> None:
    # Given 40 jobs delivered with duplicates and late events, SageMaker answering its state at each moment
    load = generate(40, seed=9)
    stream = deliveries(load, duplicate_rate=0.1, seed=9)
    world = FakeWorld()
    pending = list(load.steps)
    for start in range(0, len(stream), 10):
        batch = stream[start : start + 10]
        while pending and pending[0].describe["LastModifiedTime"] <= batch[-1].at:
            world.script.advance(pending.pop(0))
        # When each batch goes through ingest
        response = handle_batch({"Records": [d.sqs_record() for d in batch]}, world.deps)
        assert response["batchItemFailures"] == []
    # Then every job is stored as its final describe, and every expected alert was published once
    for name in load.job_names:
        stored = world.histories.by_name[name]
        truth = record_from_describe(load.final_describe(name))
        assert (described(stored.summary), stored.transitions) == (truth.summary, truth.transitions)
        assert stored.summary.tags == load.tags(name)
    published = Counter(alert.alert_id for alert in world.publisher.published)
    assert set(published) == load.expected_alert_ids
    assert set(published.values()) == {1}
