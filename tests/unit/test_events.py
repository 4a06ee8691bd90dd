"""The envelope parser: which bodies are state changes, and the one-line reason given for the others."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jobtrail.core.events import REASON_MAX_LENGTH, Rejection, StateChange, parse_state_change
from jobtrail.core.kinds import JobKey
from jobtrail_local.lifecycles import bad_event_names, load_bad_event, load_lifecycle

#: Each single-record bad case in events/bad and how its reason must begin (the location, then the problem).
REASONS = {
    "not-json": "body: not JSON",
    "json-array": "body: Expected `object`, got `array`",
    "not-eventbridge": "body: Object missing required field",
    "other-source": "source: Invalid enum value 'aws.ec2', expected 'aws.sagemaker'",
    "other-detail-type": (
        "detail-type: Invalid value 'SageMaker Endpoint State Change', expected a SageMaker job state change"
    ),
    "missing-job-name": "detail: Object missing required field `TrainingJobName`",
    "job-name-invalid": "detail.TrainingJobName: Expected `str` matching regex",
    "job-name-too-long": "detail.TrainingJobName: Expected `str` of length <= 63",
    "job-name-not-a-string": "detail.TrainingJobName: Expected `str`, got `int`",
    "detail-not-object": "detail: Expected `object`, got `str`",
    "processing-job-name-invalid": "detail.ProcessingJobName: Expected `str` matching regex",
    "tuning-job-name-too-long": "detail.HyperParameterTuningJobName: Expected `str` of length <= 32",
    "transform-missing-job-name": "detail: Object missing required field `TransformJobName`",
    "pipeline-execution-arn-invalid": "detail.pipelineExecutionArn: Expected `str` matching regex",
    "resources-elsewhere": (
        "resources: arn:aws:sagemaker:us-east-1:123456789012:training-job/"
        "resnet50-imagenet-2026-11-20-10-00-00-123 is in account 123456789012 region us-east-1, "
        "the envelope says account 222233334444 region us-east-1"
    ),
}


def test_every_single_record_bad_fixture_has_its_reason_here() -> None:
    single = {name for name in bad_event_names() if len(load_bad_event(name)["Records"]) == 1}
    assert single == set(REASONS)


def good_event() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(load_lifecycle("completed").steps[0].sqs_body)
    return body


@pytest.mark.parametrize("case", sorted(REASONS))
def test_each_bad_fixture_is_rejected_with_its_location_and_problem(case: str) -> None:
    # Given the case's record
    (record,) = load_bad_event(case)["Records"]
    # When its body is parsed
    parsed = parse_state_change(record["body"])
    # Then it is rejected with a reason that says where and what
    assert isinstance(parsed, Rejection)
    assert parsed.reason.startswith(REASONS[case]), parsed.reason


def test_a_valid_event_names_its_job_and_what_it_claimed() -> None:
    # Given a state change SageMaker sent
    body = good_event()
    # When it is parsed
    parsed = parse_state_change(json.dumps(body))
    # Then it names the event, the job and the statuses it announced
    assert parsed == StateChange(
        event_id=body["id"],
        job=JobKey(body["account"], body["region"], "training", body["detail"]["TrainingJobName"]),
        status=body["detail"]["TrainingJobStatus"],
        secondary_status=body["detail"]["SecondaryStatus"],
    )


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("time", 1795168800000, "time: Expected `datetime`, got `int`"),
        ("time", "2026-11-20T10:00:03", "time: Expected `datetime` with a timezone component"),
        ("id", 7, "id: Expected `str`, got `int`"),
        ("resources", ["arn", 1], "resources[1]: Expected `str`, got `int`"),
    ],
)
def test_envelope_fields_are_strict(field: str, value: object, reason: str) -> None:
    # Given an otherwise valid event with one envelope field of the wrong kind
    body = good_event() | {field: value}
    # When it is parsed / Then it is rejected, naming the field, and the event id is kept when readable
    parsed = parse_state_change(json.dumps(body))
    assert isinstance(parsed, Rejection)
    assert parsed.reason.startswith(reason), parsed.reason
    assert parsed.event_id == (body["id"] if isinstance(body["id"], str) else None)


@pytest.mark.parametrize("name", ["resnet50\n", "resnet50\r\n", "-resnet50", "resnet50-", "rés"])
def test_job_names_must_match_sagemakers_pattern_to_the_last_character(name: str) -> None:
    # Given an event whose job name breaks SageMaker's pattern, at either end
    body = good_event()
    body["detail"]["TrainingJobName"] = name
    # When it is parsed / Then it is rejected on one line
    parsed = parse_state_change(json.dumps(body))
    assert isinstance(parsed, Rejection)
    assert parsed.reason.startswith("detail.TrainingJobName: ")
    assert "\n" not in parsed.reason


@pytest.mark.parametrize("value", [1795168800000, "1795168800000", 1.5, True, None, {"odd": []}])
def test_detail_times_are_not_read_so_any_value_passes(value: object) -> None:
    # Given events whose detail time is anything: DescribeTrainingJob, not the event, gives the times
    body = good_event()
    body["detail"]["LastModifiedTime"] = value
    # When parsed / Then they are state changes
    assert isinstance(parse_state_change(json.dumps(body)), StateChange)


def test_a_huge_bad_value_gives_a_short_reason() -> None:
    # Given an event whose source is 200,000 characters long
    body = good_event() | {"source": "aws." + "x" * 200_000}
    # When parsed / Then the reason names the field and stays short enough to log and store
    parsed = parse_state_change(json.dumps(body))
    assert isinstance(parsed, Rejection)
    assert parsed.reason.startswith("source: Invalid enum value 'aws.xxx")
    assert len(parsed.reason) == REASON_MAX_LENGTH
    assert parsed.reason.endswith("…")


@pytest.mark.parametrize("odd", ["1e400", '"\\ud800"'])
def test_the_event_id_is_kept_when_only_the_standard_library_can_read_the_body(odd: str) -> None:
    # Given a body the decoder refuses (a number out of range, a lone surrogate) that has an id
    body = json.dumps(good_event() | {"source": "PLACEHOLDER"}).replace('"PLACEHOLDER"', odd)
    # When parsed / Then it is rejected and still names its event
    parsed = parse_state_change(body)
    assert isinstance(parsed, Rejection)
    assert parsed.event_id == good_event()["id"]


def test_fields_jobtrail_does_not_read_are_ignored() -> None:
    # Given an event with a field EventBridge may add one day, and the full describe in its detail
    body = good_event() | {"new-envelope-field": {"x": 1}}
    # When parsed / Then it is still a state change
    assert isinstance(parse_state_change(json.dumps(body)), StateChange)


def test_a_body_nested_beyond_the_decoders_depth_is_rejected_not_raised() -> None:
    # Given a field the envelope does not declare, nested 100,000 levels deep
    body = '{"unknown": ' + "[" * 100_000 + "]" * 100_000 + "}"
    # When parsed / Then it is a rejection with a reason, not an exception
    parsed = parse_state_change(body)
    assert parsed == Rejection(reason="body: JSON nested too deeply", event_id=None)
