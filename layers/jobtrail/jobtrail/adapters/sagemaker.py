"""SageMaker, the source of truth: the adapter of the ``TrainingJobs`` and ``TrainingJobCatalog`` ports.

``record_from_describe`` maps a DescribeTrainingJob response (as boto3 returns it: aware datetimes,
Python floats) to a ``JobRecord``; it is pure, so the fixtures in ``events/`` exercise it directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from jobtrail.core.model import JobListing, JobRecord, JobSummary, Metric, Transition

#: The client the adapter expects. DescribeTrainingJob throttles cannot be raised, so botocore's adaptive
#: retry mode adds client-side rate limiting on top of standard retries.
CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=15)


class SageMakerTrainingJobs:
    """The ``TrainingJobs`` and ``TrainingJobCatalog`` ports: DescribeTrainingJob and ListTrainingJobs.

    Throttling and 5xx errors are retried by the client's retry mode (configure it standard or adaptive);
    what still fails propagates so the record is redelivered.
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, job_name: str) -> JobRecord | None:
        try:
            response = self._client.describe_training_job(TrainingJobName=job_name)
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return record_from_describe(response)

    def list_jobs(
        self, *, modified_after: datetime | None = None, created_after: datetime | None = None
    ) -> Iterator[JobListing]:
        arguments: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Ascending"}
        if modified_after is not None:
            arguments["LastModifiedTimeAfter"] = modified_after
        if created_after is not None:
            arguments["CreationTimeAfter"] = created_after
        pages = self._client.get_paginator("list_training_jobs").paginate(
            **arguments, PaginationConfig={"PageSize": 100}
        )
        for page in pages:
            for summary in page.get("TrainingJobSummaries", ()):
                yield JobListing(
                    job_name=summary["TrainingJobName"],
                    creation_time=_utc(summary["CreationTime"]),
                    last_modified_time=_utc(summary.get("LastModifiedTime") or summary["CreationTime"]),
                    status=summary["TrainingJobStatus"],
                )


#: How an unknown job is worded: SageMaker says "Requested resource not found.", moto (which the local
#: demo runs on) "Could not find training job …". Any other ValidationException is a real error.
_NOT_FOUND_PHRASES = ("not found", "could not find")


def is_not_found(error: ClientError) -> bool:
    """Whether DescribeTrainingJob failed because the job does not exist (``ValidationException``)."""
    details = error.response.get("Error", {})
    message = details.get("Message", "").lower()
    return details.get("Code") == "ValidationException" and any(p in message for p in _NOT_FOUND_PHRASES)


def record_from_describe(response: Mapping[str, Any]) -> JobRecord:
    """Map a DescribeTrainingJob response to the domain record (times normalised to UTC)."""
    resources = response.get("ResourceConfig") or {}
    stopping = response.get("StoppingCondition") or {}
    summary = JobSummary(
        job_name=response["TrainingJobName"],
        job_arn=response["TrainingJobArn"],
        status=response["TrainingJobStatus"],
        secondary_status=response.get("SecondaryStatus"),
        failure_reason=response.get("FailureReason"),
        creation_time=_utc(response["CreationTime"]),
        last_modified_time=_utc(response.get("LastModifiedTime") or response["CreationTime"]),
        training_start_time=_utc_or_none(response.get("TrainingStartTime")),
        training_end_time=_utc_or_none(response.get("TrainingEndTime")),
        training_time_seconds=response.get("TrainingTimeInSeconds"),
        billable_time_seconds=response.get("BillableTimeInSeconds"),
        managed_spot=bool(response.get("EnableManagedSpotTraining", False)),
        tuning_job_arn=response.get("TuningJobArn"),
        instance_type=resources.get("InstanceType") or _first_instance_group_type(resources),
        instance_count=resources.get("InstanceCount"),
        max_runtime_seconds=stopping.get("MaxRuntimeInSeconds"),
        max_wait_seconds=stopping.get("MaxWaitTimeInSeconds"),
        # botocore's model requires ModelArtifacts, so unfinished jobs report an empty S3 URI.
        model_artifacts_uri=(response.get("ModelArtifacts") or {}).get("S3ModelArtifacts") or None,
    )
    transitions = tuple(
        Transition(
            status=item["Status"],
            start_time=_utc(item["StartTime"]),
            end_time=_utc_or_none(item.get("EndTime")),
            message=item.get("StatusMessage"),
            position=position,
        )
        for position, item in enumerate(response.get("SecondaryStatusTransitions") or ())
    )
    metrics = tuple(
        Metric(
            name=item["MetricName"],
            value=float(item["Value"]),
            timestamp=_utc_or_none(item.get("Timestamp")),
        )
        for item in response.get("FinalMetricDataList") or ()
    )
    return JobRecord(summary=summary, transitions=transitions, final_metrics=metrics)


def _first_instance_group_type(resources: Mapping[str, Any]) -> str | None:
    """Heterogeneous clusters describe their instances in ``InstanceGroups`` instead."""
    groups = resources.get("InstanceGroups") or ()
    return groups[0].get("InstanceType") if groups else None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)
