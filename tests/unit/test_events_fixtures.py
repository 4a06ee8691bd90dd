"""The fixtures in ``events/`` are realistic, self-consistent and exactly what ``events/generate.py`` builds.

This file checks the training jobs (and what every lifecycle shares: the generator, SQS, SNS, bad input,
the loader); ``test_kind_fixtures.py`` checks processing, transform and tuning jobs and pipeline
executions. Everything here is pure: files are read from the repository, botocore answers through
``Stubber`` or the ``ScriptedSageMaker`` hook, Powertools' parser models check the SNS events, and no socket
is ever connected.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import math
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import SnsModel
from botocore.exceptions import ClientError, ParamValidationError
from botocore.stub import Stubber
from builders import as_epoch_millis
from jobtrail.core.kinds import SPECS
from jobtrail_local import lifecycles
from jobtrail_local.lifecycle_builder import Step, epoch_millis
from jobtrail_local.lifecycles import (
    EVENTS_DIR,
    Lifecycle,
    bad_event_names,
    lifecycle_names,
    load_bad_event,
    load_lifecycle,
    load_sns_event,
    load_sqs_event,
    sns_event_names,
    sqs_batch,
    sqs_event_names,
    sqs_record,
)
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker
from jobtrail_local.sns_events import PublishRecorder, lambda_event, notification

LIFECYCLES = lifecycle_names()
SQS_FILES = sqs_event_names()
BAD_CASES = bad_event_names()
SNS_FILES = sns_event_names()

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
EVENT_TIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ONLY_IN_DESCRIBE = (
    "FinalMetricDataList",
    "TrainingTimeInSeconds",
    "BillableTimeInSeconds",
    "EnableManagedSpotTraining",
)
ENDING_STATUSES = {"Completed", "Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"}
ALERT_STATUSES = {"Failed", "MaxRuntimeExceeded", "Interrupted"}
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobtrail-StateChangeQueue-EXAMPLE"


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture
def sagemaker_client() -> Any:
    return boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """``events/generate.py`` imported from its path (it is a script, not a package module)."""
    path = EVENTS_DIR / "generate.py"
    spec = importlib.util.spec_from_file_location("jobtrail_events_generate", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=LIFECYCLES)
def lifecycle(request: pytest.FixtureRequest) -> Lifecycle:
    return load_lifecycle(request.param)


# ------------------------------------------------------------------------------------------------- helpers
def per_job(lifecycle: Lifecycle) -> Iterator[tuple[str, tuple[Step, ...]]]:
    """Each training job of the lifecycle, with its steps."""
    for job in lifecycle.jobs:
        if job.kind == "training":
            yield job.name, lifecycle.steps_of(job)


def training_steps(lifecycle: Lifecycle) -> tuple[Step, ...]:
    return tuple(step for step in lifecycle.steps if step.kind == "training")


def training_expected(lifecycle: Lifecycle) -> dict[str, Any]:
    """The expected outcome of each training job, by name (a training job's label)."""
    return {label: expected for label, expected in lifecycle.expected.items() if expected.kind == "training"}


def leaves(value: Any) -> Iterator[Any]:
    """Every leaf of a parsed event detail or describe, for checking their types."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


TIME_KEYS = {
    "CreationTime",
    "TrainingStartTime",
    "TrainingEndTime",
    "LastModifiedTime",
    "StartTime",
    "EndTime",
}


def as_strings(value: Any) -> Any:
    """An event detail with its epoch-millisecond times written as strings, as in the AWS docs' sample."""
    if isinstance(value, dict):
        return {key: str(item) if key in TIME_KEYS else as_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_strings(item) for item in value]
    return value


def sqs_files_of(name: str) -> list[str]:
    """``<name>.json``, or ``<name>-1.json``, ``<name>-2.json``… in order."""
    if name in SQS_FILES:
        return [name]
    parts = [file for file in SQS_FILES if re.fullmatch(rf"{re.escape(name)}-\d+", file)]
    return sorted(parts, key=lambda file: int(file.rsplit("-", 1)[1]))


def all_sqs_events() -> list[tuple[str, dict[str, Any]]]:
    good = [(f"sqs/{name}", load_sqs_event(name)) for name in SQS_FILES]
    bad = [(f"bad/{name}", load_bad_event(name)) for name in BAD_CASES]
    return good + bad


def body_of(record: dict[str, Any]) -> Any:
    return json.loads(record["body"])


# ------------------------------------------------------------------------------------------ the describes
TRAINING_ONLY = {
    "completed",
    "failed",
    "failed-capacity",
    "max-runtime",
    "spot-interrupted",
    "stopped",
    "tuning",
}


def test_every_scripted_lifecycle_is_there() -> None:
    # Given the committed fixtures / When their names are listed
    names = set(LIFECYCLES)
    # Then every scripted scenario is present, the training-only ones among them
    assert names == TRAINING_ONLY | {
        "processing-completed",
        "processing-failed",
        "processing-stopped",
        "transform-completed",
        "transform-failed",
        "tuning-completed",
        "tuning-failed",
        "pipeline-succeeded",
        "pipeline-failed",
        "same-name",
    }
    assert set(lifecycle_names(("training",))) == TRAINING_ONLY


def test_every_describe_is_a_valid_describe_training_job_response(
    lifecycle: Lifecycle, sagemaker_client: Any
) -> None:
    # Given a real sagemaker client whose answers Stubber validates against botocore's service model
    with Stubber(sagemaker_client) as stubber:
        for step in training_steps(lifecycle):
            stubber.add_response("describe_training_job", step.describe, {"TrainingJobName": step.job_name})
            # When the client asks for the job
            answer = sagemaker_client.describe_training_job(TrainingJobName=step.job_name)
            # Then the scripted response is accepted and returned unchanged
            assert answer == step.describe
        stubber.assert_no_pending_responses()


def test_describe_times_are_timezone_aware_utc_datetimes(lifecycle: Lifecycle) -> None:
    # Given the loaded describes / When their times are collected
    moments = [
        leaf for step in lifecycle.steps for leaf in leaves(step.describe) if isinstance(leaf, datetime)
    ]
    # Then there are times, and each is an aware datetime in UTC, as boto3 returns them
    assert moments
    assert all(moment.utcoffset() == timedelta(0) for moment in moments)
    for step in training_steps(lifecycle):
        assert isinstance(step.describe["CreationTime"], datetime)
        assert isinstance(step.describe["LastModifiedTime"], datetime)
        assert all(isinstance(t["StartTime"], datetime) for t in step.describe["SecondaryStatusTransitions"])


def test_job_names_are_valid_sagemaker_names(lifecycle: Lifecycle) -> None:
    for step in training_steps(lifecycle):
        # Given a step / Then the job is named the same everywhere, in SageMaker's name pattern
        assert NAME_PATTERN.fullmatch(step.job_name)
        assert step.describe["TrainingJobName"] == step.job_name
        assert step.event["detail"]["TrainingJobName"] == step.job_name
        assert step.describe["TrainingJobArn"].endswith(f":training-job/{step.job_name}")


def test_last_modified_time_strictly_increases_for_each_job(lifecycle: Lifecycle) -> None:
    for _, steps in per_job(lifecycle):
        # Given one training job's steps / When their LastModifiedTimes are lined up
        modified = [step.describe["LastModifiedTime"] for step in steps]
        # Then every change is later than the one before, and it is when the step says it was changed
        assert all(earlier < later for earlier, later in pairwise(modified))
        assert modified == [step.modified for step in steps]


def test_steps_are_in_the_order_sagemaker_produced_them(lifecycle: Lifecycle) -> None:
    # Given all the steps, whichever job (and kind of job) they belong to
    modified = [step.modified for step in lifecycle.steps]
    # Then they are in time order, and their indexes are their positions
    assert modified == sorted(modified)
    assert [step.index for step in lifecycle.steps] == list(range(len(lifecycle.steps)))


def test_transitions_only_grow_or_update_the_open_one(lifecycle: Lifecycle) -> None:
    for _, steps in per_job(lifecycle):
        for before, after in pairwise(steps):
            # Given two consecutive states of a job
            old = before.describe["SecondaryStatusTransitions"]
            new = after.describe["SecondaryStatusTransitions"]
            # Then the history is extended, never rewritten: only the last open transition may change,
            # and only by gaining an EndTime or a new StatusMessage
            assert len(new) >= len(old)
            assert new[: len(old) - 1] == old[:-1]
            last_old, same_slot = old[-1], new[len(old) - 1]
            assert (same_slot["Status"], same_slot["StartTime"]) == (
                last_old["Status"],
                last_old["StartTime"],
            )
            if "EndTime" in last_old:
                assert same_slot == last_old
            assert new != old


def test_closed_transitions_end_when_the_next_one_starts(lifecycle: Lifecycle) -> None:
    for step in training_steps(lifecycle):
        transitions = step.describe["SecondaryStatusTransitions"]
        # Given a state of a job / Then the transitions chain without gaps
        for current, following in pairwise(transitions):
            assert current["EndTime"] == following["StartTime"]
        last = transitions[-1]
        # And the last one is open, unless it ended the job at the instant it started
        if last["Status"] in ENDING_STATUSES:
            assert last["EndTime"] == last["StartTime"]
        else:
            assert "EndTime" not in last
        assert step.describe["SecondaryStatus"] == last["Status"]
        assert step.describe["CreationTime"] == transitions[0]["StartTime"]


def test_fields_appear_only_when_the_service_reports_them(lifecycle: Lifecycle) -> None:
    for _, steps in per_job(lifecycle):
        for step in steps[:-1]:
            # Given a job that has not ended yet
            describe = step.describe
            # Then it has no end time, counters, metrics or model artifacts, and no failure reason
            for key in (
                "TrainingEndTime",
                "FinalMetricDataList",
                "TrainingTimeInSeconds",
                "BillableTimeInSeconds",
            ):
                assert key not in describe
            assert describe["ModelArtifacts"] == {"S3ModelArtifacts": ""}
            assert "FailureReason" not in describe
            assert describe["TrainingJobStatus"] in {"InProgress", "Stopping"}
        final = steps[-1].describe
        # And once it has ended, a reason is given exactly when it failed
        assert ("FailureReason" in final) == (final["TrainingJobStatus"] == "Failed")


def test_expected_transitions_are_those_of_the_final_describe(lifecycle: Lifecycle) -> None:
    for job_name, expected in training_expected(lifecycle).items():
        # Given the final state / When its transitions are reduced to their identity
        final = lifecycle.final_describe(job_name)
        identities = tuple((t["Status"], t["StartTime"]) for t in final["SecondaryStatusTransitions"])
        # Then they are exactly the expected ones
        assert expected.transitions == identities


def test_expected_outcome_agrees_with_the_final_describe(lifecycle: Lifecycle) -> None:
    assert set(lifecycle.expected) == set(lifecycle.job_names)
    for job_name, expected in training_expected(lifecycle).items():
        # Given the hand-written expectation and the generated final state
        final = lifecycle.final_describe(job_name)
        statuses = [t["Status"] for t in final["SecondaryStatusTransitions"]]
        # Then they tell the same story
        assert final["TrainingJobStatus"] == expected.status
        assert final["SecondaryStatus"] == expected.secondary_status
        assert len(final.get("FinalMetricDataList", [])) == expected.final_metrics
        assert final.get("TrainingTimeInSeconds") == expected.training_time_seconds
        assert final.get("BillableTimeInSeconds") == expected.billable_time_seconds
        assert expected.alerts == tuple(status for status in statuses if status in ALERT_STATUSES)
        if expected.failure_reason_startswith is None:
            assert "FailureReason" not in final
        else:
            assert final["FailureReason"].startswith(expected.failure_reason_startswith)


def test_expected_spot_savings_follow_the_documented_formula(lifecycle: Lifecycle) -> None:
    for job_name, expected in training_expected(lifecycle).items():
        final = lifecycle.final_describe(job_name)
        if expected.spot_savings_percent is None:
            # Given an on-demand job / Then there is nothing saved to report
            assert final["EnableManagedSpotTraining"] is False
            continue
        # Given a managed spot job / Then the savings are (1 - billable / training) * 100
        assert final["EnableManagedSpotTraining"] is True
        billable, training = final["BillableTimeInSeconds"], final["TrainingTimeInSeconds"]
        assert expected.spot_savings_percent == pytest.approx((1 - billable / training) * 100)


# ---------------------------------------------------------------------------------------------- the events
def test_every_event_has_the_eventbridge_envelope(lifecycle: Lifecycle) -> None:
    for step in lifecycle.steps:
        event = step.event
        # Given an event of any kind / Then its envelope is the one EventBridge delivers for SageMaker
        assert set(event) == {
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail",
        }
        assert event["version"] == "0"
        assert str(uuid.UUID(event["id"])) == event["id"]
        assert event["detail-type"] in SPECS[step.kind].detail_types
        assert event["source"] == "aws.sagemaker"
        assert event["account"] == "123456789012"
        assert event["region"] == "us-east-1"
        assert EVENT_TIME_PATTERN.fullmatch(event["time"])
        occurred = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        assert occurred == step.modified.replace(microsecond=0)
        if step.kind == "training":
            assert event["detail-type"] == "SageMaker Training Job State Change"
            assert event["resources"] == [step.describe["TrainingJobArn"]]
    # And no two events share an id
    ids = [step.event["id"] for step in lifecycle.steps]
    assert len(ids) == len(set(ids))


def test_event_detail_is_the_describe_with_epoch_millisecond_times(lifecycle: Lifecycle) -> None:
    for step in training_steps(lifecycle):
        # Given an event and the describe taken at the same moment
        detail = dict(step.event["detail"])
        tags = detail.pop("Tags")
        wanted = {key: value for key, value in step.describe.items() if key not in ONLY_IN_DESCRIBE}
        # Then the detail is that describe, its times as epoch milliseconds, plus the tags as a map
        assert detail == as_epoch_millis(wanted)
        assert isinstance(detail["CreationTime"], int)
        assert all(isinstance(t["StartTime"], int) for t in detail["SecondaryStatusTransitions"])
        assert tags
        assert all(isinstance(key, str) and isinstance(value, str) for key, value in tags.items())


def test_event_detail_leaves_out_what_only_describe_returns(lifecycle: Lifecycle) -> None:
    for step in training_steps(lifecycle):
        # Given an event / Then it carries no metrics, time counters or spot flag, and no float anywhere
        assert not set(ONLY_IN_DESCRIBE) & set(step.event["detail"])
        assert not any(isinstance(leaf, float) for leaf in leaves(step.event["detail"]))


# -------------------------------------------------------------------------------------- the scenarios
def test_completed_rewrites_the_open_starting_message_once() -> None:
    # Given the completed lifecycle
    steps = load_lifecycle("completed").steps
    # When consecutive states with the same number of transitions are compared
    rewrites = [
        (before, after)
        for before, after in pairwise(steps)
        if len(before.describe["SecondaryStatusTransitions"])
        == len(after.describe["SecondaryStatusTransitions"])
    ]
    # Then exactly one step changes only the open Starting transition's message
    assert len(rewrites) == 1
    before, after = rewrites[0]
    old, new = (
        before.describe["SecondaryStatusTransitions"][-1],
        after.describe["SecondaryStatusTransitions"][-1],
    )
    assert old["Status"] == new["Status"] == "Starting"
    assert (old["StatusMessage"], new["StatusMessage"]) == (
        "Launching requested ML instances",
        "Preparing the instances for training",
    )


def test_completed_final_metrics_keep_zero_negative_zero_and_tiny_values() -> None:
    # Given the completed job's metrics as boto3 would return them
    lifecycle = load_lifecycle("completed")
    metrics = lifecycle.final_describe(lifecycle.job_names[0])["FinalMetricDataList"]
    values = {metric["MetricName"]: metric["Value"] for metric in metrics}
    # Then they are floats, and 0.0, -0.0 (with its sign) and 3e-07 survive the round trip
    assert len(metrics) == 6
    assert all(isinstance(value, float) for value in values.values())
    assert math.copysign(1.0, values["train:grad_norm_clipped"]) == 1.0
    assert values["train:grad_norm_clipped"] == 0.0
    assert math.copysign(1.0, values["validation:loss_delta"]) == -1.0
    assert values["train:learning_rate"] == 3e-07


def test_failed_reason_keeps_its_newlines_quotes_and_non_ascii_text() -> None:
    # Given the failed job's last state
    lifecycle = load_lifecycle("failed")
    final = lifecycle.final_describe(lifecycle.job_names[0])
    reason = final["FailureReason"]
    # Then the reason is multi-line, quoted, non-ASCII and within SageMaker's 1,024 characters
    assert reason.count("\n") >= 3
    assert '"' in reason
    assert not reason.isascii()
    assert len(reason) <= 1024
    # And the job failed in Training, with its last transition closed at the instant it opened
    assert [t["Status"] for t in final["SecondaryStatusTransitions"]][-2:] == ["Training", "Failed"]
    assert "FinalMetricDataList" in final


def test_failed_capacity_never_started_training() -> None:
    # Given a job that failed for capacity while Starting
    lifecycle = load_lifecycle("failed-capacity")
    final = lifecycle.final_describe(lifecycle.job_names[0])
    # Then no training time was ever recorded
    for key in ("TrainingStartTime", "TrainingEndTime", "TrainingTimeInSeconds", "BillableTimeInSeconds"):
        assert key not in final
    assert [t["Status"] for t in final["SecondaryStatusTransitions"]] == ["Starting", "Failed"]


@pytest.mark.parametrize(
    ("name", "ending", "final_secondary"),
    [
        ("max-runtime", ["Training", "Stopping", "MaxRuntimeExceeded"], "MaxRuntimeExceeded"),
        ("stopped", ["Training", "Stopping", "Stopped"], "Stopped"),
    ],
)
def test_stopped_jobs_pass_through_stopping(name: str, ending: list[str], final_secondary: str) -> None:
    # Given a job SageMaker or its owner stopped
    steps = load_lifecycle(name).steps
    # Then its primary status is Stopping while it stops, then Stopped
    assert [step.describe["TrainingJobStatus"] for step in steps][-2:] == ["Stopping", "Stopped"]
    final = steps[-1].describe
    assert [t["Status"] for t in final["SecondaryStatusTransitions"]][-3:] == ending
    assert final["SecondaryStatus"] == final_secondary


def test_max_runtime_job_ran_into_its_limit() -> None:
    # Given the job stopped for its maximum runtime
    final = load_lifecycle("max-runtime").steps[-1].describe
    # Then the limit is 3600 seconds and Stopping began once that much training time had passed
    limit = final["StoppingCondition"]["MaxRuntimeInSeconds"]
    stopping = next(t for t in final["SecondaryStatusTransitions"] if t["Status"] == "Stopping")
    assert limit == 3600
    assert (stopping["StartTime"] - final["TrainingStartTime"]).total_seconds() >= limit


def test_spot_job_stays_in_progress_while_interrupted_and_resumes() -> None:
    # Given the managed spot job
    lifecycle = load_lifecycle("spot-interrupted")
    final = lifecycle.steps[-1].describe
    statuses = [t["Status"] for t in final["SecondaryStatusTransitions"]]
    # Then it was interrupted twice, each time starting over, and it completed
    assert statuses == [
        *["Starting", "Downloading", "Training", "Interrupted"] * 2,
        *["Starting", "Downloading", "Training", "Uploading", "Completed"],
    ]
    assert all(
        step.describe["TrainingJobStatus"] == "InProgress"
        for step in lifecycle.steps
        if step.describe["SecondaryStatus"] == "Interrupted"
    )
    # And it was configured as a resumable spot job
    assert final["CheckpointConfig"]["S3Uri"].startswith("s3://")
    assert (
        final["StoppingCondition"]["MaxWaitTimeInSeconds"] > final["StoppingCondition"]["MaxRuntimeInSeconds"]
    )
    assert final["BillableTimeInSeconds"] < final["TrainingTimeInSeconds"]


def test_tuning_children_interleave_and_name_their_tuning_job() -> None:
    # Given the tuning lifecycle
    lifecycle = load_lifecycle("tuning")
    order = [step.job_name for step in lifecycle.steps]
    # Then its three jobs' steps are interleaved rather than one job after another
    assert len(lifecycle.job_names) == 3
    assert order != sorted(order, key=lifecycle.job_names.index)
    arns = {step.describe["TuningJobArn"] for step in lifecycle.steps}
    assert arns == {"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/xgb-tune-1120"}
    # And the tuner stopped one of them early while the other two completed
    outcomes = sorted(
        (lifecycle.expected[name].status, lifecycle.expected[name].secondary_status)
        for name in lifecycle.job_names
    )
    assert outcomes == [("Completed", "Completed"), ("Completed", "Completed"), ("Stopped", "Stopped")]


# ------------------------------------------------------------------------------------------- the generator
def test_committed_fixtures_are_exactly_what_the_generator_builds(generator: ModuleType) -> None:
    # Given the generator, run in memory
    built: dict[str, Any] = generator.build_all()
    # When the committed generated files are listed
    committed = {
        f"{folder}/{path.name}"
        for folder in generator.GENERATED_FOLDERS
        for path in (EVENTS_DIR / folder).glob("*.json")
    }
    # Then they are the same files, byte for byte
    assert committed == set(built)
    for relative, document in built.items():
        assert (EVENTS_DIR / relative).read_text(encoding="utf-8") == generator.render(document), relative


def test_generator_output_is_deterministic(generator: ModuleType) -> None:
    # Given two runs of the generator / Then they render the same text
    first = {path: generator.render(doc) for path, doc in generator.build_all().items()}
    second = {path: generator.render(doc) for path, doc in generator.build_all().items()}
    assert first == second


# ------------------------------------------------------------------------------------------------- SQS
def test_sqs_files_replay_each_lifecycle_in_order(lifecycle: Lifecycle) -> None:
    # Given the SQS files made from a lifecycle
    files = sqs_files_of(lifecycle.name)
    records = [record for name in files for record in load_sqs_event(name)["Records"]]
    # Then each batch is at most ten records and together they carry every event, in order
    assert files
    assert all(len(load_sqs_event(name)["Records"]) <= 10 for name in files)
    assert [record["body"] for record in records] == [step.sqs_body for step in lifecycle.steps]
    assert [body_of(record) for record in records] == [step.event for step in lifecycle.steps]
    sent = [int(record["attributes"]["SentTimestamp"]) for record in records]
    assert sent == sorted(sent)


@pytest.mark.parametrize(("where", "event"), all_sqs_events(), ids=[where for where, _ in all_sqs_events()])
def test_every_sqs_record_looks_like_what_lambda_receives(where: str, event: dict[str, Any]) -> None:
    records = event["Records"]
    # Given a Lambda SQS event / Then it has one to ten distinct, well-formed records
    assert set(event) == {"Records"}
    assert 1 <= len(records) <= 10
    assert len({record["messageId"] for record in records}) == len(records)
    for record in records:
        assert str(uuid.UUID(record["messageId"])) == record["messageId"]
        assert record["receiptHandle"].startswith("AQEB")
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode("utf-8")).hexdigest()
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"] == QUEUE_ARN
        assert record["awsRegion"] == "us-east-1"
        assert record["messageAttributes"] == {}
        attributes = record["attributes"]
        assert attributes["ApproximateReceiveCount"] == "1"
        assert attributes["SenderId"] == "AIDAIENQZJOLO23YVJ4VO"
        assert int(attributes["ApproximateFirstReceiveTimestamp"]) >= int(attributes["SentTimestamp"])


def test_string_epoch_event_carries_the_same_instants_as_strings() -> None:
    # Given the variant whose detail times are strings, and the completed job's last event
    (record,) = load_sqs_event("string-epoch")["Records"]
    variant = body_of(record)
    original = load_lifecycle("completed").steps[-1].event
    # Then its times are digit strings naming the same milliseconds, and nothing else differs
    assert variant["detail"]["CreationTime"] == str(original["detail"]["CreationTime"])
    transitions = variant["detail"]["SecondaryStatusTransitions"]
    assert all(isinstance(t["StartTime"], str) and t["StartTime"].isdigit() for t in transitions)

    assert as_strings(original["detail"]) == variant["detail"]
    assert {key: value for key, value in variant.items() if key not in {"id", "detail"}} == {
        key: value for key, value in original.items() if key not in {"id", "detail"}
    }


# ------------------------------------------------------------------------------------------------- SNS
SNS_TIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ALERT_ATTRIBUTES = ("alert_type", "severity", "job_name", "account", "region")
#: SNS noun for a job of another kind than training in a subject (``Failed: processing job <name>``).
SUBJECT_NOUNS = {kind: "" if kind == "training" else f"{spec.noun} " for kind, spec in SPECS.items()}
#: What an SNS record's ``Sns`` holds when SNS invokes Lambda (``…Url``, where SQS subscribers get ``…URL``).
LAMBDA_SNS_KEYS = frozenset(
    {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature"}
    | {"SigningCertUrl", "UnsubscribeUrl", "MessageAttributes"}
)


def sns_files_of(name: str) -> list[str]:
    """``<name>.json``, or ``<name>-1.json``, ``<name>-2.json``… in order (none for a quiet lifecycle)."""
    if name in SNS_FILES:
        return [name]
    parts = [file for file in SNS_FILES if re.fullmatch(rf"{re.escape(name)}-\d+", file)]
    return sorted(parts, key=lambda file: int(file.rsplit("-", 1)[1]))


def alert_document(event: dict[str, Any]) -> Any:
    (record,) = event["Records"]
    return json.loads(record["Sns"]["Message"])


def label_of(document: dict[str, Any]) -> str:
    """The fixtures' label of the job an alert document is about."""
    kind, name = document["kind"], document["job_name"]
    return name if kind == "training" else f"{kind}/{name}"


def test_each_expected_alert_of_a_lifecycle_has_its_sns_event_in_order(lifecycle: Lifecycle) -> None:
    # Given the SNS events made from a lifecycle, and the alerts its hand-written expectations list, each
    # for its job's transition of that status
    documents = [alert_document(load_sns_event(name)) for name in sns_files_of(lifecycle.name)]
    wanted = []
    for label, expected in lifecycle.expected.items():
        alerting = [
            (start, label, status) for status, start in expected.transitions if status in expected.alerts
        ]
        assert tuple(status for _, _, status in alerting) == expected.alerts
        wanted += alerting
    # Then there is one event per expected alert, for that job, transition and kind of alert, in time order
    published = [
        (datetime.fromisoformat(d["transition_start_time"]), label_of(d), d["alert_type"]) for d in documents
    ]
    assert published == sorted(wanted)


def test_every_sns_file_is_named_for_a_lifecycle() -> None:
    named = {name for lifecycle in LIFECYCLES for name in sns_files_of(lifecycle)}
    assert set(SNS_FILES) == named
    assert len(SNS_FILES) == 11


@pytest.mark.parametrize("name", SNS_FILES)
def test_every_sns_event_is_what_sns_invokes_lambda_with(name: str) -> None:
    # Given an SNS event file
    event = load_sns_event(name)
    # Then Powertools' model of the SNS → Lambda event accepts it, and it holds exactly one notification
    SnsModel.model_validate(event)
    assert set(event) == {"Records"}
    (record,) = event["Records"]
    assert set(record) == {"EventSource", "EventVersion", "EventSubscriptionArn", "Sns"}
    assert (record["EventSource"], record["EventVersion"]) == ("aws:sns", "1.0")
    sns = record["Sns"]
    assert set(sns) == LAMBDA_SNS_KEYS
    assert sns["Type"] == "Notification"
    assert str(uuid.UUID(sns["MessageId"])) == sns["MessageId"]
    assert sns["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:jobtrail-AlertTopic-EXAMPLE"
    # And the subscription is the topic's, which is also what the unsubscribe link names
    topic, subscription = record["EventSubscriptionArn"].rsplit(":", 1)
    assert topic == sns["TopicArn"]
    assert str(uuid.UUID(subscription)) == subscription
    assert sns["UnsubscribeUrl"] == (
        "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
        f"&SubscriptionArn={record['EventSubscriptionArn']}"
    )
    assert re.fullmatch(
        r"https://sns\.us-east-1\.amazonaws\.com/SimpleNotificationService-[0-9a-f]{32}\.pem",
        sns["SigningCertUrl"],
    )
    assert sns["SignatureVersion"] == "1"
    assert len(base64.b64decode(sns["Signature"], validate=True)) == 256
    assert SNS_TIME_PATTERN.fullmatch(sns["Timestamp"])


@pytest.mark.parametrize("name", SNS_FILES)
def test_every_sns_event_carries_an_alert_with_its_subject_and_attributes(name: str) -> None:
    # Given an SNS event and the alert document it carries
    sns = load_sns_event(name)["Records"][0]["Sns"]
    document = json.loads(sns["Message"])
    # Then the subject names the alert and the job (a training job by its name alone, as it always did) in
    # SNS's limits (printable ASCII, 100 characters)
    noun = SUBJECT_NOUNS[document["kind"]]
    assert sns["Subject"] == f"{document['alert_type']}: {noun}{document['job_name']}"
    assert sns["Subject"].isascii()
    assert sns["Subject"].isprintable()
    assert len(sns["Subject"]) <= 100
    # And the attributes a filter policy can match are the document's, as String attributes
    assert sns["MessageAttributes"] == {
        **{key: {"Type": "String", "Value": document[key]} for key in ALERT_ATTRIBUTES},
        "job_kind": {"Type": "String", "Value": document["kind"]},
    }
    assert document["severity"] == ("warning" if document["alert_type"] == "Interrupted" else "critical")
    # And it was published after the transition it reports began
    published = datetime.fromisoformat(sns["Timestamp"].replace("Z", "+00:00"))
    assert published > datetime.fromisoformat(document["transition_start_time"])


def test_an_interruption_alert_shows_the_job_still_in_progress() -> None:
    # Given the first alert of the spot job (published when the interruption happened)
    document = alert_document(load_sns_event("spot-interrupted-1"))
    # Then it describes the job as it was then, not as it ended
    assert (document["alert_type"], document["status"], document["secondary_status"]) == (
        "Interrupted",
        "InProgress",
        "Interrupted",
    )
    assert document["training_end_time"] is None


def test_publish_recorder_refuses_a_request_botocore_would_refuse() -> None:
    recorder = PublishRecorder()
    with pytest.raises(ParamValidationError):
        recorder.publish(TopicArn=recorder.topic_arn, Message=7)
    with pytest.raises(ParamValidationError):
        recorder.publish(TopicArn=recorder.topic_arn, Subject="no message")
    assert recorder.requests == []


def test_a_notification_an_sqs_subscriber_received_becomes_the_lambda_event() -> None:
    # Given a notification as SNS delivers it to an SQS queue (URL spelled in capitals), without a subject
    request = {"TopicArn": "arn:aws:sns:us-east-1:123456789012:jobtrail-AlertTopic-EXAMPLE", "Message": "{}"}
    published = datetime(2026, 11, 20, 10, 0, 3, 412000, tzinfo=UTC)
    sent = notification(request, message_id="95df01b4-ee98-5cb9-9903-4c221d41eb5e", published_at=published)
    assert {"SigningCertURL", "UnsubscribeURL"} <= set(sent)
    assert "Subject" not in sent
    # When it is shaped as SNS invokes Lambda
    (record,) = lambda_event(sent)["Records"]
    # Then Lambda's spelling is used, the subject is null and there are no attributes
    sns = record["Sns"]
    assert (sns["SigningCertUrl"], sns["UnsubscribeUrl"]) == (sent["SigningCertURL"], sent["UnsubscribeURL"])
    assert sns["Subject"] is None
    assert sns["MessageAttributes"] == {}
    assert sns["Timestamp"] == "2026-11-20T10:00:03.412Z"
    SnsModel.model_validate({"Records": [record]})


# ------------------------------------------------------------------------------------------ the bad input
def _is_not_json(body: str) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


BAD_CHECKS: dict[str, Callable[[str], bool]] = {
    "not-json": _is_not_json,
    "json-array": lambda body: isinstance(json.loads(body), list),
    "not-eventbridge": lambda body: not {"detail-type", "source", "detail"} & set(json.loads(body)),
    "other-source": lambda body: (
        json.loads(body)["source"] == "aws.ec2"
        and json.loads(body)["detail-type"] == "SageMaker Training Job State Change"
    ),
    "resources-elsewhere": lambda body: (
        json.loads(body)["account"] == "222233334444"
        and all(":123456789012:" in arn for arn in json.loads(body)["resources"])
    ),
    "other-detail-type": lambda body: (
        json.loads(body)["source"] == "aws.sagemaker"
        and json.loads(body)["detail-type"] == "SageMaker Endpoint State Change"
        and json.loads(body)["detail"]["EndpointStatus"] == "IN_SERVICE"
    ),
    "missing-job-name": lambda body: "TrainingJobName" not in json.loads(body)["detail"],
    "job-name-invalid": lambda body: {"_", " "} <= set(json.loads(body)["detail"]["TrainingJobName"]),
    "job-name-too-long": lambda body: (
        len(name := json.loads(body)["detail"]["TrainingJobName"]) == 64
        and re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*", name) is not None
    ),
    "job-name-not-a-string": lambda body: isinstance(json.loads(body)["detail"]["TrainingJobName"], int),
    "detail-not-object": lambda body: not isinstance(json.loads(body)["detail"], dict),
    "tuning-job-name-too-long": lambda body: (
        json.loads(body)["detail-type"] == "SageMaker HyperParameter Tuning Job State Change"
        and len(name := json.loads(body)["detail"]["HyperParameterTuningJobName"]) == 33
        and re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*", name) is not None
    ),
    "processing-job-name-invalid": lambda body: (
        json.loads(body)["detail-type"] == "SageMaker Processing Job State Change"
        and "_" in json.loads(body)["detail"]["ProcessingJobName"]
    ),
    "pipeline-execution-arn-invalid": lambda body: (
        json.loads(body)["detail-type"] == "SageMaker Model Building Pipeline Execution Status Change"
        and json.loads(body)["detail"]["pipelineExecutionArn"].endswith(
            ":pipeline/churn-train-pipeline/execution/"
        )
    ),
    "transform-missing-job-name": lambda body: (
        json.loads(body)["detail-type"] == "SageMaker Transform Job State Change"
        and "TransformJobName" not in json.loads(body)["detail"]
        and "TransformJobArn" in json.loads(body)["detail"]
    ),
}


def test_every_bad_case_has_a_file() -> None:
    # Given the bad-input folder / Then it holds each case, and the mixed batch
    assert set(BAD_CASES) == {*BAD_CHECKS, "mixed-batch"}


@pytest.mark.parametrize("case", sorted(BAD_CHECKS))
def test_each_bad_case_breaks_what_its_name_says(case: str) -> None:
    # Given the case's single record
    (record,) = load_bad_event(case)["Records"]
    # Then its body is broken in exactly the announced way
    assert BAD_CHECKS[case](record["body"])


def test_mixed_batch_holds_seven_good_records_among_three_different_bad_ones() -> None:
    # Given the mixed batch and the completed lifecycle's event bodies
    records = load_bad_event("mixed-batch")["Records"]
    good_bodies = {step.sqs_body for step in load_lifecycle("completed").steps}
    # When its records are sorted into good and bad
    good = [record for record in records if record["body"] in good_bodies]
    bad = [record for record in records if record["body"] not in good_bodies]
    # Then ten records hold seven good ones (one event delivered twice) among three distinct bad cases
    assert len(records) == 10
    assert len(good) == 7
    assert len({record["body"] for record in good}) == 6
    assert len({record["body"] for record in bad}) == 3
    single_cases = {load_bad_event(case)["Records"][0]["body"] for case in BAD_CHECKS}
    assert {record["body"] for record in bad} <= single_cases
    # And the bad ones sit between good ones, not bunched at either end
    positions = [index for index, record in enumerate(records) if record in bad]
    assert records[0] in good
    assert records[-1] in good
    assert positions[-1] - positions[0] > len(positions)


# ------------------------------------------------------------------------------------------ the loader API
def test_sqs_record_wraps_a_body_as_sqs_would() -> None:
    # Given an event body
    step = load_lifecycle("completed").steps[0]
    # When it is wrapped as a record delivered for the second time
    record = sqs_record(step.sqs_body, receive_count=2)
    # Then the record names the body's checksum, counts the delivery and was sent after the event
    assert record["body"] == step.sqs_body
    assert record["md5OfBody"] == hashlib.md5(step.sqs_body.encode("utf-8")).hexdigest()
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert int(record["attributes"]["SentTimestamp"]) >= as_epoch_millis(
        datetime.fromisoformat(step.event["time"].replace("Z", "+00:00"))
    )
    assert record["receiptHandle"] != sqs_record(step.sqs_body, receive_count=1)["receiptHandle"]


def test_epoch_millis_counts_whole_milliseconds_since_1970() -> None:
    # Given instants written out by hand / Then they are the milliseconds since 1970-01-01T00:00:00Z
    assert epoch_millis(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert epoch_millis(datetime(2026, 11, 20, 10, 0, 0, 871000, tzinfo=UTC)) == 1_795_168_800_871
    assert epoch_millis(datetime(2026, 11, 20, 11, 0, 0, 871999, tzinfo=timezone(timedelta(hours=1)))) == (
        1_795_168_800_871
    )
    assert epoch_millis(datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)) == -1
    with pytest.raises(ValueError, match="naive"):
        epoch_millis(datetime(2026, 11, 20, 10, 0))


def test_sqs_batch_gives_equal_bodies_their_own_message_ids() -> None:
    # Given the same event delivered twice, and a body that is not JSON
    body = load_lifecycle("completed").steps[0].sqs_body
    # When they are batched
    batch = sqs_batch([body, body, "not json"])
    # Then there are three records, in order, each its own message
    assert [record["body"] for record in batch["Records"]] == [body, body, "not json"]
    assert len({record["messageId"] for record in batch["Records"]}) == 3


def test_final_describe_is_a_copy_the_caller_may_change() -> None:
    # Given a lifecycle and a copy of a job's final state
    lifecycle = load_lifecycle("stopped")
    job = lifecycle.job_names[0]
    changed = lifecycle.final_describe(job)
    # When the copy is changed
    changed["SecondaryStatusTransitions"].clear()
    # Then the lifecycle is not
    assert lifecycle.final_describe(job)["SecondaryStatusTransitions"]
    with pytest.raises(KeyError):
        lifecycle.final_describe("no-such-job")


def test_job_names_follow_first_appearance() -> None:
    # Given the interleaved tuning lifecycle / Then its jobs are listed as they first appear
    lifecycle = load_lifecycle("tuning")
    first_seen: list[str] = []
    for step in lifecycle.steps:
        if step.job_name not in first_seen:
            first_seen.append(step.job_name)
    assert lifecycle.job_names == tuple(first_seen)


def test_jobs_of_other_kinds_are_labelled_with_their_kind() -> None:
    # Given the lifecycle of a processing job and a training job that share a name
    lifecycle = load_lifecycle("same-name")
    (name,) = {step.job_name for step in lifecycle.steps}
    # Then they are two jobs: the training job labelled by its name, the other by kind and name
    assert lifecycle.job_names == (f"processing/{name}", name)
    assert [job.kind for job in lifecycle.jobs] == ["processing", "training"]
    assert set(lifecycle.expected) == set(lifecycle.job_names)
    assert "ProcessingJobName" in lifecycle.final_describe(f"processing/{name}")
    assert "TrainingJobName" in lifecycle.final_describe(name)
    assert lifecycle.final_describe(lifecycle.jobs[1]) == lifecycle.final_describe(name)
    # And the adapter's own mapping of each one's answer keeps its kind
    assert lifecycle.final_record(f"processing/{name}").key.kind == "processing"
    assert lifecycle.final_record(name).key.kind == "training"


def test_loader_reads_from_the_events_dir_it_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given a copy of one lifecycle in another folder
    (tmp_path / "lifecycles").mkdir()
    shutil.copy(EVENTS_DIR / "lifecycles" / "stopped.json", tmp_path / "lifecycles" / "stopped.json")
    # When the loader is pointed at it
    monkeypatch.setattr(lifecycles, "EVENTS_DIR", tmp_path)
    # Then that folder is what it lists and reads
    assert lifecycle_names() == ("stopped",)
    assert load_lifecycle("stopped").name == "stopped"


# -------------------------------------------------------------------------------------- ScriptedSageMaker
def test_scripted_sagemaker_keeps_the_newest_state_whatever_the_order() -> None:
    # Given the spot lifecycle's steps, fed newest first, then one old step again
    lifecycle = load_lifecycle("spot-interrupted")
    job = lifecycle.job_names[0]
    sagemaker = ScriptedSageMaker()
    for step in reversed(lifecycle.steps):
        sagemaker.advance(step)
    sagemaker.advance(lifecycle.steps[3])
    # When the job is described / Then the answer is its final state
    assert sagemaker.describe(job) == lifecycle.final_describe(job)


def test_scripted_sagemaker_moves_forward_with_each_newer_step() -> None:
    # Given a scripted SageMaker that has seen the first steps of a job
    lifecycle = load_lifecycle("failed")
    job = lifecycle.job_names[0]
    sagemaker = ScriptedSageMaker()
    answers = []
    # When each step arrives in order and the job is described after it
    for step in lifecycle.steps:
        sagemaker.advance(step)
        answers.append(sagemaker.describe(job)["SecondaryStatus"])
    # Then every answer is the state just reached
    assert answers == ["Starting", "Downloading", "Training", "Failed"]


def test_attached_client_answers_describe_training_job_from_the_script(sagemaker_client: Any) -> None:
    # Given a script at the completed job's third step, attached to a real client
    lifecycle = load_lifecycle("completed")
    job = lifecycle.job_names[0]
    sagemaker = ScriptedSageMaker()
    for step in lifecycle.steps[:3]:
        sagemaker.advance(step)
    sagemaker.attach(sagemaker_client)
    # When the client describes the job
    answer = sagemaker_client.describe_training_job(TrainingJobName=job)
    # Then it gets that state as boto3 returns it, with response metadata, and the call is recorded
    metadata = answer.pop("ResponseMetadata")
    assert answer == lifecycle.steps[2].describe
    assert metadata["HTTPStatusCode"] == 200
    assert isinstance(answer["CreationTime"], datetime)
    assert sagemaker.calls == [job]


def test_attached_client_raises_validation_exception_for_an_unknown_job(sagemaker_client: Any) -> None:
    # Given an attached script that knows no job
    sagemaker = ScriptedSageMaker()
    sagemaker.attach(sagemaker_client)
    # When the client describes a job SageMaker never had
    with pytest.raises(ClientError) as raised:
        sagemaker_client.describe_training_job(TrainingJobName="never-created-2026-11-20")
    # Then botocore raises the service's error, and the question is recorded
    error = raised.value
    assert error.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Requested resource not found.",
    }
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.operation_name == "DescribeTrainingJob"
    assert sagemaker.calls == ["never-created-2026-11-20"]


def test_direct_describe_of_an_unknown_job_raises_the_same_error() -> None:
    # Given a script that knows no job / When it is asked directly
    sagemaker = ScriptedSageMaker()
    with pytest.raises(ClientError) as raised:
        sagemaker.describe("never-created-2026-11-20")
    # Then it raises what the client would, and records the question
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == "Requested resource not found."
    assert sagemaker.calls == ["never-created-2026-11-20"]


def test_scripted_describe_returns_copies(sagemaker_client: Any) -> None:
    # Given a scripted job
    step = load_lifecycle("completed").steps[-1]
    sagemaker = ScriptedSageMaker()
    sagemaker.advance(step)
    sagemaker.attach(sagemaker_client)
    # When callers change what they were given
    sagemaker.describe(step.job_name)["FinalMetricDataList"].clear()
    sagemaker_client.describe_training_job(TrainingJobName=step.job_name)[
        "SecondaryStatusTransitions"
    ].clear()
    # Then neither the script nor the step changed
    assert sagemaker.describe(step.job_name) == step.describe
    assert len(step.describe["FinalMetricDataList"]) == 6
