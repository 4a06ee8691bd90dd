"""SageMaker, the source of truth: the adapter of the ``Jobs``, ``JobCatalog`` and ``JobTags`` ports, for
every kind.

One Describe per job (DescribeTrainingJob, DescribeProcessingJob, DescribeTransformJob,
DescribeHyperParameterTuningJob; a pipeline execution: DescribePipelineExecution plus
ListPipelineExecutionSteps), each kind's List API for reconciliation and backfill, and ListTags for the
tags that route a job's alerts.

The ``*_record`` functions map a response (as boto3 returns it: aware datetimes, Python floats) to a
``JobRecord``; they are pure, so the fixtures in ``events/`` exercise them directly. Training jobs list
their transitions; for the other kinds each answer carries the transitions its own fields date, and
``core.history`` merges them (see there).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from botocore.config import Config
from botocore.exceptions import ClientError

from jobtrail.core.kinds import SPECS, JobKey, Kind, key_from_arn
from jobtrail.core.model import (
    OBJECTIVE_COUNTERS,
    TRAINING_JOB_COUNTERS,
    InstanceGroup,
    JobListing,
    JobRecord,
    JobSummary,
    Metric,
    PipelineStep,
    Transition,
    TuningFacts,
    ordered_counts,
)
from jobtrail.core.routing import MAX_TAGS

#: The client the adapter expects. Describe throttles cannot be raised, so botocore's adaptive retry mode
#: adds client-side rate limiting on top of standard retries.
CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=15)
#: The List APIs' largest page.
PAGE_SIZE: Final = 100
#: ListTags' page (its smallest and, as SageMaker allows 50 tags per resource, enough for one call).
TAG_PAGE_SIZE: Final = 50
#: Pipeline executions have no LastModifiedTime filter: reconciliation lists those created this long
#: before its window (and their pipelines' executions since then), so a long execution that ends inside
#: the window is still seen.
PIPELINE_EXECUTION_WINDOW: Final = timedelta(days=7)

#: Each kind's List API: operation, summaries key, name, ARN, status and end-time members. The name comes
#: from its own member, account and region from the ARN (ARNs have carried names lowercased).
_LISTINGS: Final[dict[Kind, tuple[str, str, str, str, str, str]]] = {
    "training": (
        "list_training_jobs",
        "TrainingJobSummaries",
        "TrainingJobName",
        "TrainingJobArn",
        "TrainingJobStatus",
        "TrainingEndTime",
    ),
    "processing": (
        "list_processing_jobs",
        "ProcessingJobSummaries",
        "ProcessingJobName",
        "ProcessingJobArn",
        "ProcessingJobStatus",
        "ProcessingEndTime",
    ),
    "transform": (
        "list_transform_jobs",
        "TransformJobSummaries",
        "TransformJobName",
        "TransformJobArn",
        "TransformJobStatus",
        "TransformEndTime",
    ),
    "tuning": (
        "list_hyper_parameter_tuning_jobs",
        "HyperParameterTuningJobSummaries",
        "HyperParameterTuningJobName",
        "HyperParameterTuningJobArn",
        "HyperParameterTuningJobStatus",
        "HyperParameterTuningEndTime",
    ),
}


class SageMakerJobs:
    """The ``Jobs``, ``JobCatalog`` and ``JobTags`` ports: each kind's Describe and List APIs, ListTags.

    Throttling and 5xx errors are retried by the client's retry mode (configure it standard or adaptive);
    what still fails propagates so the record is redelivered.
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, key: JobKey) -> JobRecord | None:
        """The job as SageMaker reports it now (one call; two for a pipeline execution, more only for
        an execution of over 100 steps), or ``None`` if SageMaker does not know it."""
        client = self._client
        try:
            match key.kind:
                case "training":
                    return record_from_describe(client.describe_training_job(TrainingJobName=key.name))
                case "processing":
                    return processing_record(client.describe_processing_job(ProcessingJobName=key.name))
                case "transform":
                    return transform_record(client.describe_transform_job(TransformJobName=key.name))
                case "tuning":
                    return tuning_record(
                        client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=key.name)
                    )
                case "pipeline":
                    arn = execution_arn(key, client.meta.partition)
                    execution = client.describe_pipeline_execution(PipelineExecutionArn=arn)
                    pages = client.get_paginator("list_pipeline_execution_steps").paginate(
                        PipelineExecutionArn=arn,
                        SortOrder="Ascending",
                        PaginationConfig={"PageSize": PAGE_SIZE},
                    )
                    steps = [step for page in pages for step in page.get("PipelineExecutionSteps", ())]
                    return pipeline_record(execution, steps)
        except ClientError as error:
            if is_not_found(error):
                return None
            raise

    def tags(self, job: JobSummary) -> dict[str, str]:
        """The job's tags (ListTags on the ARN its Describe gave; one call for up to 50 tags, more pages
        only up to ``MAX_TAGS``). A pipeline execution's are its pipeline's: StartPipelineExecution takes
        no tags, and ListTags takes a pipeline's ARN but not an execution's."""
        request: dict[str, Any] = {"ResourceArn": tagged_arn(job), "MaxResults": TAG_PAGE_SIZE}
        found: dict[str, str] = {}
        while True:
            page = self._client.list_tags(**request)
            found.update((tag["Key"], tag.get("Value", "")) for tag in page.get("Tags", ()))
            if not page.get("NextToken") or len(found) >= MAX_TAGS:
                return found
            request["NextToken"] = page["NextToken"]

    def list_jobs(
        self, kind: Kind, *, modified_after: datetime | None = None, created_after: datetime | None = None
    ) -> Iterator[JobListing]:
        """Jobs of ``kind`` modified (or created) after the given times, oldest creation first."""
        if kind == "pipeline":
            yield from self._list_executions(modified_after=modified_after, created_after=created_after)
            return
        operation, summaries, name_member, arn_member, status_member, end_member = _LISTINGS[kind]
        arguments: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Ascending"}
        if modified_after is not None:
            arguments["LastModifiedTimeAfter"] = modified_after
        if created_after is not None:
            arguments["CreationTimeAfter"] = created_after
        pages = self._client.get_paginator(operation).paginate(
            **arguments, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        for page in pages:
            for summary in page.get(summaries, ()):
                in_arn = key_from_arn(summary[arn_member])
                if in_arn is None:
                    continue
                key = JobKey(in_arn.account, in_arn.region, kind, summary[name_member])
                created = _utc(summary["CreationTime"])
                # DescribeTransformJob has no LastModifiedTime: its listing is dated as its Describe is
                # (``transform_record``), or reconciliation would find every transform job behind.
                listed = None if kind == "transform" else summary.get("LastModifiedTime")
                modified = listed or summary.get(end_member) or created
                yield JobListing(
                    key=key,
                    creation_time=created,
                    last_modified_time=_utc(modified),
                    status=summary[status_member],
                )

    def _list_executions(
        self, *, modified_after: datetime | None, created_after: datetime | None
    ) -> Iterator[JobListing]:
        """Pipeline executions: ListPipelines, then each recently run pipeline's ListPipelineExecutions.

        Neither has a LastModifiedTime filter, so for ``modified_after`` the executions created since
        ``PIPELINE_EXECUTION_WINDOW`` before it are listed; an execution's listing carries its start time
        as its modification time, and reconciliation compares statuses too.
        """
        since = created_after
        if modified_after is not None:
            since = modified_after - PIPELINE_EXECUTION_WINDOW
        listings: list[JobListing] = []
        for page in self._client.get_paginator("list_pipelines").paginate(
            SortBy="CreationTime", SortOrder="Ascending", PaginationConfig={"PageSize": PAGE_SIZE}
        ):
            for pipeline in page.get("PipelineSummaries", ()):
                last_run = pipeline.get("LastExecutionTime")
                name = pipeline.get("PipelineName")
                if name is None or last_run is None or (since is not None and _utc(last_run) < since):
                    continue
                arguments: dict[str, Any] = {"PipelineName": name, "SortOrder": "Ascending"}
                if since is not None:
                    arguments["CreatedAfter"] = since
                for executions in self._client.get_paginator("list_pipeline_executions").paginate(
                    **arguments, SortBy="CreationTime", PaginationConfig={"PageSize": PAGE_SIZE}
                ):
                    for execution in executions.get("PipelineExecutionSummaries", ()):
                        # Every member is optional in the model: an execution it cannot name, date or
                        # place is left to its events rather than failing the pass for every kind.
                        key = key_from_arn(execution.get("PipelineExecutionArn") or "")
                        started = execution.get("StartTime")
                        status = execution.get("PipelineExecutionStatus")
                        if key is None or started is None or status is None:
                            continue
                        listings.append(
                            JobListing(
                                key=key,
                                creation_time=_utc(started),
                                last_modified_time=_utc(started),
                                status=status,
                            )
                        )
        yield from sorted(listings, key=lambda listing: (listing.creation_time, listing.key))


def execution_arn(key: JobKey, partition: str = "aws") -> str:
    """A pipeline execution's ARN from its key (``<pipeline>/<execution id>``)."""
    pipeline, _, execution = key.name.partition("/")
    return f"arn:{partition}:sagemaker:{key.region}:{key.account}:pipeline/{pipeline}/execution/{execution}"


def tagged_arn(job: JobSummary) -> str:
    """The ARN whose tags are the job's: its own, a pipeline execution's pipeline's."""
    if job.kind == "pipeline":
        return job.job_arn.partition("/execution/")[0]
    return job.job_arn


#: How an unknown job is worded: SageMaker answers DescribeTrainingJob with "Requested resource not
#: found.", DescribeProcessingJob and DescribeTransformJob with "Could not find requested job with name …"
#: (ValidationExceptions), the tuning and pipeline Describes with ResourceNotFound; moto says "Could not
#: find training job …". Any other ValidationException is a real error.
_NOT_FOUND_PHRASES = ("not found", "could not find")


def is_not_found(error: ClientError) -> bool:
    """Whether a Describe failed because the job does not exist."""
    details = error.response.get("Error", {})
    code = details.get("Code")
    if code == "ResourceNotFound":
        return True
    message = details.get("Message", "").lower()
    return code == "ValidationException" and any(p in message for p in _NOT_FOUND_PHRASES)


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
        start_time=_utc_or_none(response.get("TrainingStartTime")),
        end_time=_utc_or_none(response.get("TrainingEndTime")),
        training_time_seconds=response.get("TrainingTimeInSeconds"),
        billable_time_seconds=response.get("BillableTimeInSeconds"),
        managed_spot=bool(response.get("EnableManagedSpotTraining", False)),
        tuning_job_arn=response.get("TuningJobArn"),
        instance_type=resources.get("InstanceType") or _first_instance_group_type(resources),
        instance_count=resources.get("InstanceCount"),
        instance_groups=_instance_groups(resources),
        warm_pool_seconds=(response.get("WarmPoolStatus") or {}).get("ResourceRetainedBillableTimeInSeconds"),
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


def processing_record(response: Mapping[str, Any]) -> JobRecord:
    """Map a DescribeProcessingJob response."""
    cluster = (response.get("ProcessingResources") or {}).get("ClusterConfig") or {}
    created = _utc(response["CreationTime"])
    modified = _utc(response.get("LastModifiedTime") or created)
    ended = _utc_or_none(response.get("ProcessingEndTime"))
    summary = JobSummary(
        kind="processing",
        job_name=response["ProcessingJobName"],
        job_arn=response["ProcessingJobArn"],
        status=response["ProcessingJobStatus"],
        secondary_status=None,
        failure_reason=response.get("FailureReason"),
        exit_message=response.get("ExitMessage"),
        creation_time=created,
        last_modified_time=modified,
        start_time=_utc_or_none(response.get("ProcessingStartTime")),
        end_time=ended,
        instance_type=cluster.get("InstanceType"),
        instance_count=cluster.get("InstanceCount"),
        max_runtime_seconds=(response.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds"),
    )
    message = summary.failure_reason or summary.exit_message
    return JobRecord(summary=summary, transitions=seen_statuses(summary, ended, message))


def transform_record(response: Mapping[str, Any]) -> JobRecord:
    """Map a DescribeTransformJob response. It has no LastModifiedTime: its latest time stands in."""
    resources = response.get("TransformResources") or {}
    created = _utc(response["CreationTime"])
    started = _utc_or_none(response.get("TransformStartTime"))
    ended = _utc_or_none(response.get("TransformEndTime"))
    summary = JobSummary(
        kind="transform",
        job_name=response["TransformJobName"],
        job_arn=response["TransformJobArn"],
        status=response["TransformJobStatus"],
        secondary_status=None,
        failure_reason=response.get("FailureReason"),
        model_name=response.get("ModelName"),
        creation_time=created,
        last_modified_time=max(t for t in (created, started, ended) if t is not None),
        start_time=started,
        end_time=ended,
        instance_type=resources.get("InstanceType"),
        instance_count=resources.get("InstanceCount"),
    )
    return JobRecord(summary=summary, transitions=seen_statuses(summary, ended, summary.failure_reason))


def tuning_record(response: Mapping[str, Any]) -> JobRecord:
    """Map a DescribeHyperParameterTuningJob response: counters, objective, best training job; the best
    objective value is its final metric."""
    objective = (response.get("HyperParameterTuningJobConfig") or {}).get(
        "HyperParameterTuningJobObjective"
    ) or {}
    best = response.get("BestTrainingJob") or {}
    best_metric = best.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
    created = _utc(response["CreationTime"])
    ended = _utc_or_none(response.get("HyperParameterTuningEndTime"))
    best_value = best_metric.get("Value")
    summary = JobSummary(
        kind="tuning",
        job_name=response["HyperParameterTuningJobName"],
        job_arn=response["HyperParameterTuningJobArn"],
        status=response["HyperParameterTuningJobStatus"],
        secondary_status=None,
        failure_reason=response.get("FailureReason"),
        creation_time=created,
        last_modified_time=_utc(response.get("LastModifiedTime") or ended or created),
        end_time=ended,
        tuning=TuningFacts(
            training_job_counts=_counts(response.get("TrainingJobStatusCounters"), TRAINING_JOB_COUNTERS),
            objective_counts=_counts(response.get("ObjectiveStatusCounters"), OBJECTIVE_COUNTERS),
            objective_metric=objective.get("MetricName"),
            objective_type=objective.get("Type"),
            best_training_job=best.get("TrainingJobName"),
            best_objective_value=None if best_value is None else float(best_value),
        ),
    )
    metrics: tuple[Metric, ...] = ()
    if best_value is not None:
        metrics = (
            Metric(
                name=best_metric.get("MetricName") or objective.get("MetricName") or "objective",
                value=float(best_value),
            ),
        )
    return JobRecord(
        summary=summary,
        transitions=seen_statuses(summary, ended, summary.failure_reason),
        final_metrics=metrics,
    )


def pipeline_record(execution: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]) -> JobRecord:
    """Map a DescribePipelineExecution response and its ListPipelineExecutionSteps steps."""
    key = key_from_arn(execution["PipelineExecutionArn"])
    if key is None or key.kind != "pipeline":
        raise ValueError(f"not a pipeline execution ARN: {execution['PipelineExecutionArn']}")
    mapped = tuple(
        sorted(
            (_step(step) for step in steps if step.get("StepName")),
            key=lambda s: (s.start_time is None, s.start_time or _EPOCH, s.name),
        )
    )
    failed = next((step for step in mapped if step.status == "Failed"), None)
    created = _utc(execution["CreationTime"])
    summary = JobSummary(
        kind="pipeline",
        job_name=key.name,
        job_arn=execution["PipelineExecutionArn"],
        status=execution["PipelineExecutionStatus"],
        secondary_status=None,
        failure_reason=execution.get("FailureReason") or (failed.failure_reason if failed else None),
        failed_step=failed.name if failed else None,
        creation_time=created,
        last_modified_time=_utc(execution.get("LastModifiedTime") or created),
    )
    return JobRecord(
        summary=summary, transitions=seen_statuses(summary, None, summary.failure_reason), steps=mapped
    )


def seen_statuses(summary: JobSummary, ended: datetime | None, message: str | None) -> tuple[Transition, ...]:
    """The transitions one answer of a kind without SecondaryStatusTransitions dates: the running
    status from ``CreationTime``, then the current status (if another) from its end time if it has
    ended and the kind reports one, otherwise from ``LastModifiedTime``. ``core.history`` closes them."""
    spec = SPECS[summary.kind]
    running = Transition(status=spec.running, start_time=summary.creation_time)
    if summary.status == spec.running:
        return (running,)
    final = summary.status in spec.terminal
    start = (ended if final else None) or summary.last_modified_time
    current = Transition(
        status=summary.status,
        start_time=max(start, summary.creation_time),
        message=message if final else None,
        position=1,
    )
    return (running, current)


#: The PipelineExecutionStepMetadata member that names the step's job, and the step type it stands for.
_STEP_TYPES: Final = {
    "TrainingJob": "Training",
    "ProcessingJob": "Processing",
    "TransformJob": "Transform",
    "TuningJob": "Tuning",
    "AutoMLJob": "AutoML",
}
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _step(step: Mapping[str, Any]) -> PipelineStep:
    metadata = step.get("Metadata") or {}
    kind_member = next(iter(metadata), None)
    job = None
    for member in metadata:
        arn = (metadata.get(member) or {}).get("Arn") if member in _STEP_TYPES else None
        if isinstance(arn, str):
            job = key_from_arn(arn)
            if job is not None:
                break
    return PipelineStep(
        name=step["StepName"],
        display_name=step.get("StepDisplayName"),
        status=step.get("StepStatus") or "Unknown",
        start_time=_utc_or_none(step.get("StartTime")),
        end_time=_utc_or_none(step.get("EndTime")),
        step_type=None if kind_member is None else _STEP_TYPES.get(kind_member, kind_member),
        failure_reason=step.get("FailureReason"),
        job=job,
        attempts=step.get("AttemptCount"),
    )


def _counts(counters: Mapping[str, int] | None, order: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return ordered_counts(((name, int(value)) for name, value in (counters or {}).items()), order)


def _first_instance_group_type(resources: Mapping[str, Any]) -> str | None:
    """Heterogeneous clusters describe their instances in ``InstanceGroups`` instead."""
    groups = resources.get("InstanceGroups") or ()
    return groups[0].get("InstanceType") if groups else None


def _instance_groups(resources: Mapping[str, Any]) -> tuple[InstanceGroup, ...]:
    """A heterogeneous cluster's groups, each by its type and count (what its cost is computed from)."""
    return tuple(
        InstanceGroup(instance_type=group["InstanceType"], count=int(group["InstanceCount"]))
        for group in resources.get("InstanceGroups") or ()
        if group.get("InstanceType") and group.get("InstanceCount") is not None
    )


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)
