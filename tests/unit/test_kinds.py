"""The kinds: their statuses are SageMaker's, their identities come out of ARNs, ``TrackedKinds`` parses."""

from __future__ import annotations

import botocore.session
import pytest
from jobtrail.core.kinds import KIND_OF_DETAIL_TYPE, KINDS, SPECS, JobKey, key_from_arn, parse_kinds

STATUS_SHAPES = {
    "training": "TrainingJobStatus",
    "processing": "ProcessingJobStatus",
    "transform": "TransformJobStatus",
    "tuning": "HyperParameterTuningJobStatus",
    "pipeline": "PipelineExecutionStatus",
}
NAME_SHAPES = {
    "training": "TrainingJobName",
    "processing": "ProcessingJobName",
    "transform": "TransformJobName",
    "tuning": "HyperParameterTuningJobName",
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_knows_every_status_the_installed_botocore_knows(kind: str) -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    spec = SPECS[kind]  # type: ignore[index]
    assert set(spec.statuses) >= set(model.shape_for(STATUS_SHAPES[kind]).enum)  # newer botocores too
    assert spec.running in spec.statuses
    assert spec.terminal <= set(spec.statuses)


@pytest.mark.parametrize("kind", sorted(NAME_SHAPES))
def test_name_limits_are_the_models(kind: str) -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    assert SPECS[kind].max_name_length == model.shape_for(NAME_SHAPES[kind]).metadata["max"]  # type: ignore[index]


def test_every_detail_type_belongs_to_one_kind() -> None:
    assert set(KIND_OF_DETAIL_TYPE.values()) == set(KINDS)
    assert len(KIND_OF_DETAIL_TYPE) == 6


@pytest.mark.parametrize(
    ("arn", "key"),
    [
        (
            "arn:aws:sagemaker:us-east-1:123456789012:training-job/bert-1",
            JobKey("123456789012", "us-east-1", "training", "bert-1"),
        ),
        (
            "arn:aws:sagemaker:eu-west-1:210987654321:processing-job/prep-1",
            JobKey("210987654321", "eu-west-1", "processing", "prep-1"),
        ),
        (
            "arn:aws:sagemaker:us-east-1:123456789012:transform-job/score-1",
            JobKey("123456789012", "us-east-1", "transform", "score-1"),
        ),
        (
            "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/xgb-tune",
            JobKey("123456789012", "us-east-1", "tuning", "xgb-tune"),
        ),
        (
            "arn:aws-cn:sagemaker:cn-north-1:123456789012:pipeline/SimpleXGBoostPipeline/execution/4r83jejmhorv",
            JobKey("123456789012", "cn-north-1", "pipeline", "simplexgboostpipeline/4r83jejmhorv"),
        ),
    ],
)
def test_an_arn_names_its_job(arn: str, key: JobKey) -> None:
    assert key_from_arn(arn) == key


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint",
        "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p",
        "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/",
        "arn:aws:sagemaker:us-east-1:12345:training-job/x",
        "arn:aws:s3:::bucket/key",
        "not an arn",
    ],
)
def test_what_is_not_a_tracked_jobs_arn_names_nothing(arn: str) -> None:
    assert key_from_arn(arn) is None


def test_tracked_kinds_parse_in_their_order_and_an_unknown_one_is_named() -> None:
    assert parse_kinds(None) == KINDS
    assert parse_kinds("") == KINDS
    assert parse_kinds(" pipeline, training ") == ("training", "pipeline")
    with pytest.raises(ValueError, match="unknown job kind trainig"):
        parse_kinds("trainig,pipeline")


def test_status_ranks_order_a_life() -> None:
    spec = SPECS["processing"]
    assert spec.rank("InProgress") < spec.rank("Stopping") < spec.rank("Stopped")
    assert spec.rank("SomethingNew") > spec.rank("Completed")
