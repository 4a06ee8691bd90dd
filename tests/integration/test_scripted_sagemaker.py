"""The scripted SageMaker answers the same three ways, and the real adapter on it calls the API as budgeted.

The unit tier asks the script directly (``ScriptedSageMaker.jobs()``: the adapter over an in-process
client, no boto3 client); the real ``SageMakerJobs`` adapter asks it through a boto3 client, attached
in-process or over loopback HTTP. These tests hold the direct answers to what the adapter makes of the
others, for every kind, so the unit tier's fake stays honest: same records, same ``None`` for unknown jobs,
same listings page after page, same errors as SageMaker's.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fakes import FakeWorld
from jobtrail.adapters.sagemaker import CLIENT_CONFIG, SageMakerJobs, execution_arn
from jobtrail.core.kinds import KINDS, JobKey, Kind
from jobtrail.core.organization import Place
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycle_builder import at_place, job_key
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle, sqs_batch
from jobtrail_local.loadgen import MIXED_KINDS, generate
from jobtrail_local.organization import MEMBERS, account_of_access_key, client_in
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker, ScriptedSageMakerServer
from moto import mock_aws

UNKNOWN_JOB = "never-created-2026-11-20"
#: A job SageMaker never had, of each kind.
UNKNOWN = {
    kind: job_key("never-created/0000never000" if kind == "pipeline" else UNKNOWN_JOB, kind) for kind in KINDS
}
#: The operation that describes each kind.
DESCRIBE = {
    "training": "DescribeTrainingJob",
    "processing": "DescribeProcessingJob",
    "transform": "DescribeTransformJob",
    "tuning": "DescribeHyperParameterTuningJob",
    "pipeline": "DescribePipelineExecution",
}


class ThreeWays:
    """One script, asked directly, through an attached client, and through a client over HTTP."""

    def __init__(self, script: ScriptedSageMaker, server: ScriptedSageMakerServer) -> None:
        self.script = script
        self.direct = script.jobs()
        self.attached_client = boto3.client("sagemaker", region_name="us-east-1", config=CLIENT_CONFIG)
        script.attach(self.attached_client)
        self.attached = SageMakerJobs(self.attached_client)
        self.http_client = boto3.client(
            "sagemaker", region_name="us-east-1", endpoint_url=server.endpoint_url, config=CLIENT_CONFIG
        )
        self.http = SageMakerJobs(self.http_client)

    @property
    def ports(self) -> tuple[SageMakerJobs, ...]:
        return (self.direct, self.attached, self.http)

    @property
    def clients(self) -> tuple[Any, ...]:
        return (self.attached_client, self.http_client)


@pytest.fixture
def three_ways() -> Iterator[ThreeWays]:
    script = ScriptedSageMaker()
    with ScriptedSageMakerServer(script) as server:
        yield ThreeWays(script, server)


@pytest.fixture(scope="module")
def mixed_load() -> Any:
    """More jobs of every kind than one page of a List API holds (the adapter asks for 100)."""
    return generate(1000, seed=5, mix=MIXED_KINDS)


# ------------------------------------------------------------------------------------------------ describe
@pytest.mark.parametrize("name", lifecycle_names())
def test_every_way_describes_every_job_alike_at_every_step(three_ways: ThreeWays, name: str) -> None:
    # Given a lifecycle played step by step
    lifecycle = load_lifecycle(name)
    for step in lifecycle.steps:
        three_ways.script.advance(step)
        # When each job (and one SageMaker never had, of each kind) is described each way
        for job in (*lifecycle.jobs, *UNKNOWN.values()):
            direct, attached, http = (port.describe(job) for port in three_ways.ports)
            # Then the direct answer is what the real adapter makes of the client's, None when unknown
            assert direct == attached == http
            assert (direct is None) is (job not in {s.key for s in lifecycle.steps[: step.index + 1]})
            if direct is not None:
                assert direct.key == job


def test_the_newest_state_wins_per_job_not_per_name() -> None:
    # Given the processing and training jobs that share a name, their steps fed newest first
    lifecycle = load_lifecycle("same-name")
    script = ScriptedSageMaker()
    for step in reversed(lifecycle.steps):
        script.advance(step)
    # When each is described / Then each is its own final state: neither replaced the other
    for job in lifecycle.jobs:
        record = script.jobs().describe(job)
        assert record is not None
        assert record == lifecycle.final_record(job)
    assert {script.jobs().describe(job).summary.status for job in lifecycle.jobs} == {"Completed", "Failed"}  # type: ignore[union-attr]


def test_every_question_is_recorded_whichever_way_it_is_asked(three_ways: ThreeWays) -> None:
    # Given a scripted training job and a scripted pipeline execution
    training = load_lifecycle("completed").steps[-1]
    pipeline = next(s for s in reversed(load_lifecycle("pipeline-failed").steps) if s.kind == "pipeline")
    three_ways.script.advance(training)
    three_ways.script.advance(pipeline)
    # When they, and a job SageMaker never had, are described each way
    for port in three_ways.ports:
        port.describe(training.key)
        port.describe(UNKNOWN["training"])
        port.describe(pipeline.key)
    # Then every Describe is in calls (by name) and describes (by key), in order
    assert three_ways.script.calls == [training.job_name, UNKNOWN_JOB, pipeline.job_name] * 3
    assert three_ways.script.describes == [training.key, UNKNOWN["training"], pipeline.key] * 3
    # And each pipeline Describe listed its steps once: one page of at most 100 steps
    assert three_ways.script.step_lists == [pipeline.key] * 3
    operations = three_ways.script.operations
    assert (operations["DescribePipelineExecution"], operations["ListPipelineExecutionSteps"]) == (3, 3)


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("training", "ValidationException", "Requested resource not found."),
        ("processing", "ValidationException", f"Could not find requested job with name {UNKNOWN_JOB}"),
        ("transform", "ValidationException", f"Could not find requested job with name {UNKNOWN_JOB}"),
        (
            "tuning",
            "ResourceNotFound",
            f"Amazon SageMaker can't find a tuning job called {UNKNOWN_JOB}. Type another name.",
        ),
    ],
)
def test_each_way_raises_what_the_service_raises_for_an_unknown_job(
    three_ways: ThreeWays, kind: Kind, code: str, message: str
) -> None:
    # Given a script that knows no job
    operation = DESCRIBE[kind]
    method = {
        "training": ("describe_training_job", "TrainingJobName"),
        "processing": ("describe_processing_job", "ProcessingJobName"),
        "transform": ("describe_transform_job", "TransformJobName"),
        "tuning": ("describe_hyper_parameter_tuning_job", "HyperParameterTuningJobName"),
    }[kind]
    for client in three_ways.clients:
        # When a client describes a job of that kind SageMaker never had
        with pytest.raises(ClientError) as raised:
            getattr(client, method[0])(**{method[1]: UNKNOWN_JOB})
        # Then botocore raises SageMaker's error for that kind, with an HTTP 400
        assert raised.value.response["Error"] == {"Code": code, "Message": message}
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert raised.value.operation_name == operation
    # And the direct port, like the adapter, takes it for an unknown job
    assert three_ways.direct.describe(UNKNOWN[kind]) is None


def test_an_unknown_pipeline_execution_is_resource_not_found(three_ways: ThreeWays) -> None:
    arn = execution_arn(UNKNOWN["pipeline"])
    for client in three_ways.clients:
        for call in (client.describe_pipeline_execution, client.list_pipeline_execution_steps):
            with pytest.raises(ClientError) as raised:
                call(PipelineExecutionArn=arn)
            assert raised.value.response["Error"]["Code"] == "ResourceNotFound"
            assert raised.value.response["Error"]["Message"].endswith("does not exist.")
        with pytest.raises(ClientError) as raised:
            client.list_pipeline_executions(PipelineName="never-created")
        assert raised.value.response["Error"]["Code"] == "ResourceNotFound"


def test_the_http_endpoint_rejects_what_sagemaker_would_not_answer_here(three_ways: ThreeWays) -> None:
    # When a client asks the endpoint for an operation the script does not speak
    with pytest.raises(ClientError) as raised:
        three_ways.http_client.describe_endpoint(EndpointName="churn-xgb-endpoint")
    # Then botocore raises the error the endpoint answered, as it would the service's
    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# ------------------------------------------------------------------------------------------- pipeline steps
def test_pipeline_steps_come_in_the_asked_order_page_by_page(three_ways: ThreeWays) -> None:
    # Given a finished execution of three steps
    final = next(s for s in reversed(load_lifecycle("pipeline-succeeded").steps) if s.kind == "pipeline")
    three_ways.script.advance(final)
    arn = execution_arn(final.key)
    oldest_first = [s["StepName"] for s in final.describe["steps"]]
    assert oldest_first == ["Preprocess", "Train", "CreateModel"]

    def names(client: Any, **request: Any) -> list[str]:
        pages = client.get_paginator("list_pipeline_execution_steps").paginate(
            PipelineExecutionArn=arn, **request
        )
        return [s["StepName"] for page in pages for s in page["PipelineExecutionSteps"]]

    for client in three_ways.clients:
        # When its steps are listed oldest first, newest first, and by default
        # Then the order is the asked one (newest first unless told), whatever the page size
        assert names(client, SortOrder="Ascending", PaginationConfig={"PageSize": 1}) == oldest_first
        assert names(client, SortOrder="Descending") == oldest_first[::-1]
        assert names(client) == oldest_first[::-1]
        answered = client.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending")
        assert answered["PipelineExecutionSteps"] == final.describe["steps"]


# ------------------------------------------------------------------------------------------------ listing
@pytest.mark.parametrize("kind", KINDS)
def test_every_way_lists_the_same_jobs_page_after_page(
    three_ways: ThreeWays, mixed_load: Any, kind: Kind
) -> None:
    # Given more jobs of the kind than one page of its List API holds (the adapter asks for 100)
    for step in mixed_load.steps:
        three_ways.script.advance(step)
    jobs = [job for job in mixed_load.jobs if job.kind == kind]
    finals = {job: mixed_load.final_record(job).summary for job in jobs}
    assert len(jobs) > 100 or kind == "tuning"
    created = sorted(s.creation_time for s in finals.values())[len(finals) // 3].replace(microsecond=0)
    for arguments in ({}, {"created_after": created}):
        # When the catalog is listed each way
        pages_before = three_ways.script.list_calls
        direct, attached, http = (list(port.list_jobs(kind, **arguments)) for port in three_ways.ports)
        # Then each way lists the same jobs, oldest creation first, over the same pages
        assert direct == attached == http
        wanted = [
            job for job in jobs if "created_after" not in arguments or finals[job].creation_time > created
        ]
        if kind == "pipeline":
            # Executions are listed by their start, per pipeline (one page each here), after the pipelines
            assert sorted(listing.key for listing in direct) == sorted(wanted)
            continue
        assert [listing.key for listing in direct] == sorted(
            wanted, key=lambda job: finals[job].creation_time
        )
        assert [listing.status for listing in direct] == [finals[listing.key].status for listing in direct]
        assert three_ways.script.list_calls - pages_before == 3 * -(-len(wanted) // 100)


def test_the_last_modified_filter_keeps_jobs_changed_after_it(three_ways: ThreeWays, mixed_load: Any) -> None:
    for step in mixed_load.steps:
        three_ways.script.advance(step)
    for kind in ("training", "processing", "transform", "tuning"):
        # Given a bound in whole seconds (botocore sends no finer ones)
        modified = {job: mixed_load.steps_of(job)[-1].modified for job in mixed_load.jobs if job.kind == kind}
        bound = sorted(modified.values())[len(modified) // 2].replace(microsecond=0)
        # When each way lists the jobs modified after it
        direct, attached, http = (list(p.list_jobs(kind, modified_after=bound)) for p in three_ways.ports)
        # Then they are those SageMaker last changed after it (a transform job's LastModifiedTime, which
        # DescribeTransformJob does not show, included)
        assert direct == attached == http
        assert {listing.key for listing in direct} == {job for job, at in modified.items() if at > bound}


def test_list_filters_and_defaults_are_the_services(three_ways: ThreeWays, mixed_load: Any) -> None:
    for step in mixed_load.steps:
        three_ways.script.advance(step)
    processing = {j.name: mixed_load.final_describe(j) for j in mixed_load.jobs if j.kind == "processing"}
    for client in three_ways.clients:
        # ListProcessingJobs: oldest first by default, NameContains and StatusEquals filter
        page = client.list_processing_jobs(MaxResults=100)["ProcessingJobSummaries"]
        assert [s["CreationTime"] for s in page] == sorted(s["CreationTime"] for s in page)
        failed = client.list_processing_jobs(StatusEquals="Failed", MaxResults=100)["ProcessingJobSummaries"]
        assert failed
        assert {s["ProcessingJobName"] for s in failed} == {
            name for name, d in processing.items() if d["ProcessingJobStatus"] == "Failed"
        }
        assert all(s.get("FailureReason") for s in failed)
        some = next(iter(processing))
        named = client.list_processing_jobs(NameContains=some)["ProcessingJobSummaries"]
        assert [s["ProcessingJobName"] for s in named] == [some]
        # ListTransformJobs: newest first by default; each summary has the LastModifiedTime Describe lacks
        transforms = client.list_transform_jobs(MaxResults=100)["TransformJobSummaries"]
        assert [s["CreationTime"] for s in transforms] == sorted(
            (s["CreationTime"] for s in transforms), reverse=True
        )
        assert all("LastModifiedTime" in s for s in transforms)
        # ListHyperParameterTuningJobs: by name by default, with strategy and counters
        tunings = client.list_hyper_parameter_tuning_jobs(MaxResults=100)["HyperParameterTuningJobSummaries"]
        names = [s["HyperParameterTuningJobName"] for s in tunings]
        assert names == sorted(names)
        assert all(s["Strategy"] == "Bayesian" and "TrainingJobStatusCounters" in s for s in tunings)
        # ListPipelines and ListPipelineExecutions: the pipelines that ran, their executions since a time
        pipelines = client.list_pipelines(SortBy="Name", SortOrder="Ascending")["PipelineSummaries"]
        assert pipelines
        name = pipelines[0]["PipelineName"]
        executions = [j for j in mixed_load.jobs if j.kind == "pipeline" and j.name.startswith(f"{name}/")]
        listed = client.list_pipeline_executions(PipelineName=name, MaxResults=100)[
            "PipelineExecutionSummaries"
        ]
        assert len(listed) == len(executions)
        assert pipelines[0]["LastExecutionTime"] == max(s["StartTime"] for s in listed)
        later = client.list_pipeline_executions(
            PipelineName=pipelines[0]["PipelineArn"], CreatedAfter=datetime(2100, 1, 1, tzinfo=UTC)
        )
        assert later["PipelineExecutionSummaries"] == []


# --------------------------------------------------------------------------- ingest through the adapter
@pytest.mark.parametrize("name", lifecycle_names())
def test_a_batch_makes_one_describe_call_per_job_however_many_events_it_holds(name: str) -> None:
    # Given all of a lifecycle's changes have happened, its events arriving in batches of ten, and ingest
    # reading SageMaker through the real adapter and a boto3 client
    lifecycle = load_lifecycle(name)
    world = FakeWorld(through_boto3=True)
    for step in lifecycle.steps:
        world.script.advance(step)
    bodies = [step.sqs_body for step in lifecycle.steps]
    for start in range(0, len(bodies), 10):
        jobs_in_batch = {s.key for s in lifecycle.steps[start : start + 10]}
        before = len(world.script.describes)
        steps_before = len(world.script.step_lists)
        # When a batch is handled
        with count_aws_calls() as calls:
            response = handle_batch(sqs_batch(bodies[start : start + 10]), world.deps)
        # Then each job's Describe was called once per distinct job in it, never once per record, and each
        # pipeline execution's steps were listed once
        assert response["batchItemFailures"] == []
        assert sorted(world.script.describes[before:]) == sorted(jobs_in_batch)
        pipelines = sorted(job for job in jobs_in_batch if job.kind == "pipeline")
        assert sorted(world.script.step_lists[steps_before:]) == pipelines
        per_kind = Counter(job.kind for job in jobs_in_batch)
        for kind, operation in DESCRIBE.items():
            assert calls[f"sagemaker.{operation}"] == per_kind[kind]
        assert calls["sagemaker.ListPipelineExecutionSteps"] == len(pipelines)


# ------------------------------------------------------------------------------- many accounts and regions
HOME_HERE = Place("123456789012", "us-east-1")
MEMBER_THERE = Place(MEMBERS[0], "eu-west-1")


def moved(job: JobKey, place: Place) -> JobKey:
    return JobKey(place.account, place.region, job.kind, job.name)


def test_the_server_answers_each_request_in_the_account_and_region_it_was_signed_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a training job named alike at home (us-east-1) and in a member account (eu-west-1), and a
    # pipeline execution in the member account only
    training, pipeline = load_lifecycle("completed"), load_lifecycle("pipeline-failed")
    script = ScriptedSageMaker()
    for step in training.steps:
        script.advance(step)
        script.advance(at_place(step, MEMBER_THERE.account, MEMBER_THERE.region))
    for step in pipeline.steps:
        script.advance(at_place(step, MEMBER_THERE.account, MEMBER_THERE.region))
    [here] = training.jobs
    there = moved(here, MEMBER_THERE)
    execution = next(job for job in pipeline.jobs if job.kind == "pipeline")
    with mock_aws(), ScriptedSageMakerServer(script, account_of=account_of_access_key) as server:
        # (clients with each account's own credentials from moto's STS, at the loopback server)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.endpoint_url)
        at_home, in_member = (SageMakerJobs(client_in("sagemaker", p)) for p in (HOME_HERE, MEMBER_THERE))
        member_elsewhere = SageMakerJobs(client_in("sagemaker", Place(MEMBER_THERE.account, "us-east-1")))
        # When each asks for the job of that name, and for the member's pipeline execution
        home_record, member_record = at_home.describe(here), in_member.describe(there)
        execution_there = in_member.describe(moved(execution, MEMBER_THERE))
        # Then each account sees its own job, and nobody another account's or region's
        assert home_record == training.final_record(here)
        assert member_record is not None
        assert member_record.summary.job_arn == (
            f"arn:aws:sagemaker:eu-west-1:{MEMBER_THERE.account}:training-job/{here.name}"
        )
        assert member_record.summary.status == home_record.summary.status
        assert execution_there is not None
        assert execution_there.key == moved(execution, MEMBER_THERE)
        processing = next(job for job in pipeline.jobs if job.kind == "processing")
        assert in_member.describe(moved(processing, MEMBER_THERE)) is not None
        assert at_home.describe(processing) is None  # (a Describe names a job: the client's place asks)
        assert member_elsewhere.describe(there) is None
        assert at_home.describe(execution) is None
        # And a listing holds that place's jobs only
        assert [job.key for job in in_member.list_jobs("training")] == [there]
        assert [job.key for job in at_home.list_jobs("training")] == [here]
    # Every Describe is recorded with the place it was asked in: at home the job, the processing job, the
    # execution; in the member's region the same three; in its other region the job
    assert Counter(Place(key.account, key.region) for key in script.describes) == Counter(
        {HOME_HERE: 3, MEMBER_THERE: 3, Place(MEMBER_THERE.account, "us-east-1"): 1}
    )


def test_the_server_refuses_a_request_that_is_not_signed() -> None:
    with ScriptedSageMakerServer(ScriptedSageMaker(), account_of=account_of_access_key) as server:
        request = urllib.request.Request(
            server.endpoint_url,
            data=b"{}",
            headers={"X-Amz-Target": "SageMaker.ListTrainingJobs"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    assert b"MissingAuthenticationTokenException" in refused.value.read()
