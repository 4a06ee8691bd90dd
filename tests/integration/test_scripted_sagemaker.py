"""The scripted SageMaker answers the same three ways, and the real adapter on it calls the API as budgeted.

The unit tier asks the script directly (``ScriptedSageMaker.jobs()``, no boto3); the real
``SageMakerJobs`` adapter asks it through a boto3 client, attached in-process or over loopback HTTP.
These tests hold the direct answers to what the adapter makes of the others, so the unit tier's fake stays
honest: same records, same ``None`` for unknown jobs, same listings page after page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fakes import FakeWorld
from jobtrail.adapters.sagemaker import CLIENT_CONFIG, SageMakerJobs
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle, sqs_batch
from jobtrail_local.loadgen import generate
from jobtrail_local.scripted_sagemaker import (
    ScriptedJobs,
    ScriptedSageMaker,
    ScriptedSageMakerServer,
)

UNKNOWN_JOB = "never-created-2026-11-20"


class ThreeWays:
    """One script, asked directly, through an attached client, and through a client over HTTP."""

    def __init__(self, script: ScriptedSageMaker, server: ScriptedSageMakerServer) -> None:
        self.script = script
        self.direct = script.jobs()
        attached = boto3.client("sagemaker", region_name="us-east-1", config=CLIENT_CONFIG)
        script.attach(attached)
        self.attached = SageMakerJobs(attached)
        self.http_client = boto3.client(
            "sagemaker", region_name="us-east-1", endpoint_url=server.endpoint_url, config=CLIENT_CONFIG
        )
        self.http = SageMakerJobs(self.http_client)

    @property
    def ports(self) -> tuple[ScriptedJobs | SageMakerJobs, ...]:
        return (self.direct, self.attached, self.http)


@pytest.fixture
def three_ways() -> Iterator[ThreeWays]:
    script = ScriptedSageMaker()
    with ScriptedSageMakerServer(script) as server:
        yield ThreeWays(script, server)


@pytest.mark.parametrize("name", lifecycle_names())
def test_every_way_describes_every_job_alike_at_every_step(three_ways: ThreeWays, name: str) -> None:
    # Given a lifecycle played step by step
    lifecycle = load_lifecycle(name)
    for step in lifecycle.steps:
        three_ways.script.advance(step)
        # When each job (and one SageMaker never had) is described each way
        for job in (*lifecycle.job_names, UNKNOWN_JOB):
            direct, attached, http = (port.describe(job) for port in three_ways.ports)
            # Then the direct answer is what the real adapter makes of the client's, None when unknown
            assert direct == attached == http
            assert (direct is None) is (job not in {s.job_name for s in lifecycle.steps[: step.index + 1]})


def test_every_way_lists_the_same_jobs_page_after_page(three_ways: ThreeWays) -> None:
    # Given more jobs than one page of ListTrainingJobs holds (the adapter asks for 100)
    load = generate(130, seed=5)
    for step in load.steps:
        three_ways.script.advance(step)
    states = [load.final_describe(name) for name in load.job_names]
    # Bounds in whole seconds: botocore sends no finer ones
    modified = sorted(s["LastModifiedTime"] for s in states)[len(states) // 2].replace(microsecond=0)
    created = sorted(s["CreationTime"] for s in states)[len(states) // 3].replace(microsecond=0)
    for arguments, expected in (
        ({}, states),
        ({"modified_after": modified}, [s for s in states if s["LastModifiedTime"] > modified]),
        ({"created_after": created}, [s for s in states if s["CreationTime"] > created]),
    ):
        # When the catalog is listed each way
        pages_before = three_ways.script.list_calls
        direct, attached, http = (list(port.list_jobs(**arguments)) for port in three_ways.ports)
        # Then each way lists the expected jobs, oldest creation first, over the same pages
        assert direct == attached == http
        by_creation = sorted(expected, key=lambda s: s["CreationTime"])
        assert [j.job_name for j in direct] == [s["TrainingJobName"] for s in by_creation]
        assert three_ways.script.list_calls - pages_before == 3 * -(-len(expected) // 100)


def test_every_question_is_recorded_whichever_way_it_is_asked(three_ways: ThreeWays) -> None:
    # Given a scripted job
    step = load_lifecycle("completed").steps[-1]
    three_ways.script.advance(step)
    # When it, and a job SageMaker never had, are described each way
    for port in three_ways.ports:
        port.describe(step.job_name)
        port.describe(UNKNOWN_JOB)
    # Then every question is in calls, in order
    assert three_ways.script.calls == [step.job_name, UNKNOWN_JOB] * 3


def test_the_http_endpoint_rejects_what_sagemaker_would_not_answer_here(three_ways: ThreeWays) -> None:
    # When a client asks the endpoint for an operation the script does not speak
    with pytest.raises(ClientError) as raised:
        three_ways.http_client.describe_processing_job(ProcessingJobName="resnet50")
    # Then botocore raises the error the endpoint answered, as it would the service's
    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_attached_client_raises_what_the_service_raises_for_an_unknown_job() -> None:
    # Given an attached client on a script that knows no job
    script = ScriptedSageMaker()
    client: Any = boto3.client("sagemaker", region_name="us-east-1")
    script.attach(client)
    # When it describes a job / Then botocore raises SageMaker's ValidationException
    with pytest.raises(ClientError) as raised:
        client.describe_training_job(TrainingJobName=UNKNOWN_JOB)
    assert raised.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Requested resource not found.",
    }


# --------------------------------------------------------------------------- ingest through the adapter
@pytest.mark.parametrize("name", lifecycle_names())
def test_a_batch_makes_one_describe_training_job_call_per_job_however_many_events_it_holds(
    name: str,
) -> None:
    # Given all of a lifecycle's changes have happened, its events arriving in batches of ten, and ingest
    # reading SageMaker through the real adapter and a boto3 client
    lifecycle = load_lifecycle(name)
    world = FakeWorld(through_boto3=True)
    for step in lifecycle.steps:
        world.script.advance(step)
    bodies = [step.sqs_body for step in lifecycle.steps]
    for start in range(0, len(bodies), 10):
        jobs_in_batch = {s.job_name for s in lifecycle.steps[start : start + 10]}
        before = len(world.script.calls)
        # When a batch is handled
        with count_aws_calls() as calls:
            response = handle_batch(sqs_batch(bodies[start : start + 10]), world.deps)
        # Then DescribeTrainingJob was called once per distinct job in it, never once per record
        assert response["batchItemFailures"] == []
        assert sorted(world.script.calls[before:]) == sorted(jobs_in_batch)
        assert calls["sagemaker.DescribeTrainingJob"] == len(jobs_in_batch)
