"""The SageMaker adapter, every kind, through a real boto3 client and botocore's ``Stubber``: the exact
requests it sends (checked against ``expected_params`` and the service model), how it reads the answers
and SageMaker's ways of saying "no such job"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from jobtrail.adapters.sagemaker import PIPELINE_EXECUTION_WINDOW, SageMakerJobs, execution_arn
from jobtrail.core.kinds import JobKey

ACCOUNT, REGION = "123456789012", "us-east-1"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PIPELINE = "churn-pipeline"
EXECUTION = JobKey(ACCOUNT, REGION, "pipeline", f"{PIPELINE}/4r83jejmhorv")
EXECUTION_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{PIPELINE}/execution/4r83jejmhorv"


@pytest.fixture
def stubbed() -> Iterator[tuple[SageMakerJobs, Stubber]]:
    client = boto3.client("sagemaker", region_name=REGION)
    with Stubber(client) as stubber:
        yield SageMakerJobs(client), stubber
        stubber.assert_no_pending_responses()


def test_a_pipeline_execution_is_its_describe_and_every_page_of_its_steps(
    stubbed: tuple[SageMakerJobs, Stubber],
) -> None:
    jobs, stubber = stubbed
    # Given an execution whose steps come in two pages
    stubber.add_response(
        "describe_pipeline_execution",
        {
            "PipelineExecutionArn": EXECUTION_ARN,
            "PipelineExecutionStatus": "Failed",
            "FailureReason": "Step failure: One or multiple steps failed.",
            "CreationTime": T0,
            "LastModifiedTime": T0 + timedelta(minutes=9),
        },
        {"PipelineExecutionArn": EXECUTION_ARN},
    )
    processing_arn = (
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/pipelines-4r83jejmhorv-prep-k3jd9slx0q"
    )
    stubber.add_response(
        "list_pipeline_execution_steps",
        {
            "PipelineExecutionSteps": [
                {
                    "StepName": "Train",
                    "StartTime": T0 + timedelta(minutes=5),
                    "EndTime": T0 + timedelta(minutes=9),
                    "StepStatus": "Failed",
                    "FailureReason": "ClientError: AlgorithmError: ExecuteUserScriptError",
                    "Metadata": {
                        "TrainingJob": {"Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/t1"}
                    },
                    "AttemptCount": 1,
                }
            ],
            "NextToken": "page-2",
        },
        {"PipelineExecutionArn": EXECUTION_ARN, "SortOrder": "Ascending", "MaxResults": 100},
    )
    stubber.add_response(
        "list_pipeline_execution_steps",
        {
            "PipelineExecutionSteps": [
                {
                    "StepName": "Preprocess",
                    "StartTime": T0,
                    "EndTime": T0 + timedelta(minutes=4),
                    "StepStatus": "Succeeded",
                    "Metadata": {"ProcessingJob": {"Arn": processing_arn}},
                }
            ]
        },
        {
            "PipelineExecutionArn": EXECUTION_ARN,
            "SortOrder": "Ascending",
            "MaxResults": 100,
            "NextToken": "page-2",
        },
    )
    # When it is described
    record = jobs.describe(EXECUTION)
    # Then it is one record: its status, the failed step named, the steps in start order, each with its job
    assert record is not None
    assert record.key == EXECUTION
    assert (record.summary.status, record.summary.failed_step) == ("Failed", "Train")
    assert [(s.name, s.step_type, s.status) for s in record.steps] == [
        ("Preprocess", "Processing", "Succeeded"),
        ("Train", "Training", "Failed"),
    ]
    assert record.steps[0].job == JobKey(
        ACCOUNT, REGION, "processing", "pipelines-4r83jejmhorv-prep-k3jd9slx0q"
    )
    assert record.steps[1].job == JobKey(ACCOUNT, REGION, "training", "t1")
    assert [t.status for t in record.transitions] == ["Executing", "Failed"]


@pytest.mark.parametrize(
    ("key", "operation", "params", "code", "message"),
    [
        (
            JobKey(ACCOUNT, REGION, "training", "gone"),
            "describe_training_job",
            {"TrainingJobName": "gone"},
            "ValidationException",
            "Requested resource not found.",
        ),
        (
            JobKey(ACCOUNT, REGION, "processing", "gone"),
            "describe_processing_job",
            {"ProcessingJobName": "gone"},
            "ValidationException",
            "Could not find requested job with name gone",
        ),
        (
            JobKey(ACCOUNT, REGION, "transform", "gone"),
            "describe_transform_job",
            {"TransformJobName": "gone"},
            "ValidationException",
            "Could not find requested job with name gone",
        ),
        (
            JobKey(ACCOUNT, REGION, "tuning", "gone"),
            "describe_hyper_parameter_tuning_job",
            {"HyperParameterTuningJobName": "gone"},
            "ResourceNotFound",
            "Amazon SageMaker can't find a tuning job with name gone",
        ),
        (
            EXECUTION,
            "describe_pipeline_execution",
            {"PipelineExecutionArn": EXECUTION_ARN},
            "ResourceNotFound",
            "Pipeline execution does not exist",
        ),
    ],
)
def test_every_way_sagemaker_says_no_such_job_is_none(
    stubbed: tuple[SageMakerJobs, Stubber],
    key: JobKey,
    operation: str,
    params: dict[str, Any],
    code: str,
    message: str,
) -> None:
    jobs, stubber = stubbed
    stubber.add_client_error(operation, code, message, expected_params=params)
    assert jobs.describe(key) is None


def test_other_errors_propagate(stubbed: tuple[SageMakerJobs, Stubber]) -> None:
    jobs, stubber = stubbed
    stubber.add_client_error("describe_processing_job", "ValidationException", "1 validation error detected")
    with pytest.raises(Exception, match="1 validation error detected"):
        jobs.describe(JobKey(ACCOUNT, REGION, "processing", "p"))


@pytest.mark.parametrize(
    ("kind", "operation", "summaries", "summary"),
    [
        (
            "processing",
            "list_processing_jobs",
            "ProcessingJobSummaries",
            {
                "ProcessingJobName": "p1",
                "ProcessingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/p1",
                "CreationTime": T0,
                "LastModifiedTime": T0 + timedelta(minutes=3),
                "ProcessingJobStatus": "Completed",
            },
        ),
        (
            "transform",
            "list_transform_jobs",
            "TransformJobSummaries",
            {
                "TransformJobName": "t1",
                "TransformJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/t1",
                "CreationTime": T0,
                "LastModifiedTime": T0 + timedelta(minutes=3),
                "TransformJobStatus": "Completed",
            },
        ),
        (
            "tuning",
            "list_hyper_parameter_tuning_jobs",
            "HyperParameterTuningJobSummaries",
            {
                "HyperParameterTuningJobName": "h1",
                "HyperParameterTuningJobArn": (
                    f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/h1"
                ),
                "HyperParameterTuningJobStatus": "Completed",
                "Strategy": "Bayesian",
                "CreationTime": T0,
                "LastModifiedTime": T0 + timedelta(minutes=3),
                "TrainingJobStatusCounters": {},
                "ObjectiveStatusCounters": {},
            },
        ),
    ],
)
def test_each_kind_lists_what_changed_since_oldest_first(
    stubbed: tuple[SageMakerJobs, Stubber], kind: Any, operation: str, summaries: str, summary: dict[str, Any]
) -> None:
    jobs, stubber = stubbed
    since = T0 - timedelta(hours=1)
    stubber.add_response(
        operation,
        {summaries: [summary]},
        {
            "SortBy": "CreationTime",
            "SortOrder": "Ascending",
            "LastModifiedTimeAfter": since,
            "MaxResults": 100,
        },
    )
    [listing] = jobs.list_jobs(kind, modified_after=since)
    assert listing.key.kind == kind
    # (DescribeTransformJob has no LastModifiedTime: a transform job is listed dated as it is described,
    # by its latest time, else reconciliation would find it behind on every pass)
    assert listing.last_modified_time == (T0 if kind == "transform" else T0 + timedelta(minutes=3))
    assert listing.status == "Completed"


def test_pipeline_executions_are_listed_per_recently_run_pipeline_over_a_window(
    stubbed: tuple[SageMakerJobs, Stubber],
) -> None:
    jobs, stubber = stubbed
    since = T0
    window_start = since - PIPELINE_EXECUTION_WINDOW
    # Given two pipelines, one last run before the window (skipped) and one inside it
    stubber.add_response(
        "list_pipelines",
        {
            "PipelineSummaries": [
                {"PipelineName": "stale-pipeline", "LastExecutionTime": window_start - timedelta(days=1)},
                {"PipelineName": PIPELINE, "LastExecutionTime": since - timedelta(days=2)},
                {"PipelineName": "never-run"},
            ]
        },
        {"SortBy": "CreationTime", "SortOrder": "Ascending", "MaxResults": 100},
    )
    stubber.add_response(
        "list_pipeline_executions",
        {
            "PipelineExecutionSummaries": [
                {
                    "PipelineExecutionArn": EXECUTION_ARN,
                    "StartTime": since - timedelta(days=3),
                    "PipelineExecutionStatus": "Executing",
                }
            ]
        },
        {
            "PipelineName": PIPELINE,
            "SortOrder": "Ascending",
            "SortBy": "CreationTime",
            "CreatedAfter": window_start,
            "MaxResults": 100,
        },
    )
    # When reconciliation lists what changed since `since`
    [listing] = jobs.list_jobs("pipeline", modified_after=since)
    # Then the execution started before `since` (inside the window) is listed, with its status
    assert listing.key == EXECUTION
    assert listing.status == "Executing"


def test_an_execution_arn_is_rebuilt_from_its_key() -> None:
    assert execution_arn(EXECUTION) == EXECUTION_ARN
    assert execution_arn(EXECUTION, "aws-cn").startswith("arn:aws-cn:sagemaker:")


def test_a_listed_job_is_named_by_its_name_not_its_arn(stubbed: tuple[SageMakerJobs, Stubber]) -> None:
    # ListHyperParameterTuningJobs has returned ARNs with the name lowercased (boto3#4606)
    jobs, stubber = stubbed
    stubber.add_response(
        "list_hyper_parameter_tuning_jobs",
        {
            "HyperParameterTuningJobSummaries": [
                {
                    "HyperParameterTuningJobName": "ChurnHPO",
                    "HyperParameterTuningJobArn": (
                        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/churnhpo"
                    ),
                    "HyperParameterTuningJobStatus": "Completed",
                    "Strategy": "Bayesian",
                    "CreationTime": T0,
                    "TrainingJobStatusCounters": {},
                    "ObjectiveStatusCounters": {},
                }
            ]
        },
    )
    [listing] = jobs.list_jobs("tuning", modified_after=T0)
    assert listing.key == JobKey(ACCOUNT, REGION, "tuning", "ChurnHPO")
