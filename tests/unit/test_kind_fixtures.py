"""The processing, transform, tuning and pipeline fixtures in ``events/``: what SageMaker sends and answers.

Every Describe answer (of every kind, training included) is checked against botocore's model twice: through
``Stubber`` (types, required and unknown members) and through ``sagemaker_model.problems`` (enum values,
lengths, patterns, which Stubber does not check); each event against what that kind's event carries. Then
each scenario is held to its story. Pure: files, botocore's model and ``Stubber``, no socket.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from jobtrail.core.kinds import SPECS, key_from_arn
from jobtrail_local import job_lifecycles, sagemaker_model
from jobtrail_local.lifecycle_builder import Step, epoch_millis, job_arn, with_times
from jobtrail_local.lifecycles import (
    DESCRIBE_OPERATIONS,
    Lifecycle,
    answer_problems,
    lifecycle_names,
    load_lifecycle,
    parse_describe,
)
from jobtrail_local.pipeline_lifecycles import METADATA_MEMBER

LIFECYCLES = lifecycle_names()
KIND_LIFECYCLES = tuple(name for name in LIFECYCLES if load_lifecycle(name).job_kinds != {"training"})
ISO_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
#: Each job kind's Describe members: name, ARN, status, and what dates its start and end.
MEMBERS = {
    kind: (facts.name_member, facts.arn_member, facts.status_member, facts.start_member, facts.end_member)
    for kind, facts in job_lifecycles.KINDS.items()
}
#: An unfinished training job's model path is "": DescribeTrainingJob's model requires ModelArtifacts, and
#: SageMaker fills the path in once it uploaded a model (events/README.md). The only exception allowed.
EMPTY_MODEL_PATH = "$.ModelArtifacts.S3ModelArtifacts: '' does not match S3Uri's pattern"


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture(params=LIFECYCLES)
def lifecycle(request: pytest.FixtureRequest) -> Lifecycle:
    return load_lifecycle(request.param)


@pytest.fixture(params=KIND_LIFECYCLES)
def kind_lifecycle(request: pytest.FixtureRequest) -> Lifecycle:
    return load_lifecycle(request.param)


def steps_of_kind(lifecycle: Lifecycle, *kinds: str) -> Iterator[Step]:
    return (step for step in lifecycle.steps if step.kind in kinds)


def jobs_of_kind(lifecycle: Lifecycle, *kinds: str) -> Iterator[tuple[str, tuple[Step, ...]]]:
    for label in lifecycle.job_names:
        steps = lifecycle.steps_of(label)
        if steps[0].kind in kinds:
            yield label, steps


# ------------------------------------------------------------------------------- botocore's model, strictly
def test_every_describe_passes_botocores_strict_model_check(lifecycle: Lifecycle) -> None:
    for step in lifecycle.steps:
        # Given a Describe answer of any kind (a pipeline's: the execution and its steps' listing)
        # When the model checks every member, enum, length and pattern
        found = answer_problems(step.kind, step.describe)
        # Then nothing is wrong (bar the one documented model quirk of unfinished training jobs)
        assert [p for p in found if not p.startswith(EMPTY_MODEL_PATH)] == [], (lifecycle.name, step.index)


def test_every_describe_is_what_the_stubbed_client_returns(kind_lifecycle: Lifecycle, client: Any) -> None:
    # Given a real client whose answers Stubber validates against botocore's model
    with Stubber(client) as stubber:
        for step in steps_of_kind(kind_lifecycle, "processing", "transform", "tuning"):
            name_member = MEMBERS[step.kind][0]  # type: ignore[index]
            method = sagemaker_model.service_model().operation_model(DESCRIBE_OPERATIONS[step.kind])
            operation = re.sub(r"(?<!^)(?=[A-Z])", "_", method.name).lower()
            stubber.add_response(operation, step.describe, {name_member: step.job_name})
            # When the client asks for the job / Then the scripted answer comes back unchanged
            assert getattr(client, operation)(**{name_member: step.job_name}) == step.describe
        for step in steps_of_kind(kind_lifecycle, "pipeline"):
            arn = job_arn(step.job_name, "pipeline")
            stubber.add_response(
                "describe_pipeline_execution", step.describe["execution"], {"PipelineExecutionArn": arn}
            )
            listing = {"PipelineExecutionSteps": step.describe["steps"]}
            stubber.add_response("list_pipeline_execution_steps", listing, {"PipelineExecutionArn": arn})
            assert client.describe_pipeline_execution(PipelineExecutionArn=arn) == step.describe["execution"]
            assert client.list_pipeline_execution_steps(PipelineExecutionArn=arn) == listing
        stubber.assert_no_pending_responses()


def test_the_strict_check_catches_what_stubber_lets_through(client: Any) -> None:
    # Given a valid tuning job answer, and copies with a status, a name and a reason SageMaker never returns
    good = load_lifecycle("tuning-failed").final_describe("tuning/fraud-xgb-hpo-1127")
    shape = sagemaker_model.output_shape("DescribeHyperParameterTuningJob")
    bad = [
        {**good, "HyperParameterTuningJobStatus": "Succeeded"},
        {**good, "HyperParameterTuningJobName": "x" * 33},
        {**good, "FailureReason": "x" * 1025},
        {**good, "Tags": {"team": "risk"}},
    ]
    assert sagemaker_model.problems(good, shape) == []
    for answer in bad:
        # Then the strict check names each problem, although Stubber accepts the first three
        assert sagemaker_model.problems(answer, shape)
    with Stubber(client) as stubber:
        for answer in bad[:3]:
            stubber.add_response("describe_hyper_parameter_tuning_job", answer)
            client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="fraud-xgb-hpo-1127")


def test_every_describe_lists_its_members_in_the_models_order(kind_lifecycle: Lifecycle) -> None:
    for step in steps_of_kind(kind_lifecycle, "processing", "transform", "tuning", "pipeline"):
        # Given an answer as the AWS CLI prints it / Then every structure in it is in the model's order
        if step.kind == "pipeline":
            shape = sagemaker_model.output_shape("DescribePipelineExecution")
            pairs = [(step.describe["execution"], shape)] + [
                (item, sagemaker_model.structure("PipelineExecutionStep")) for item in step.describe["steps"]
            ]
        else:
            pairs = [(step.describe, sagemaker_model.output_shape(DESCRIBE_OPERATIONS[step.kind]))]
        for answer, answer_shape in pairs:
            assert repr(answer) == repr(sagemaker_model.in_model_order(answer, answer_shape))


def test_the_loader_gives_back_exactly_the_answers_the_file_holds(kind_lifecycle: Lifecycle) -> None:
    for step in kind_lifecycle.steps:
        # Given an answer as the file prints it (ISO times) / When it is read back / Then it is unchanged
        printed = with_times(step.describe, datetime.isoformat)
        assert parse_describe(printed, step.kind) == step.describe


# ------------------------------------------------------------------------------------------ the job kinds
def test_job_kinds_are_named_alike_everywhere_within_their_limits(kind_lifecycle: Lifecycle) -> None:
    for step in steps_of_kind(kind_lifecycle, "processing", "transform", "tuning"):
        name_member, arn_member, *_ = MEMBERS[step.kind]  # type: ignore[index]
        limit = SPECS[step.kind].max_name_length
        # Given a step of a job kind / Then its name is SageMaker's, the same in the answer, event and ARN
        assert re.fullmatch(rf"[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,{limit - 1}}}", step.job_name)
        assert step.describe[name_member] == step.event["detail"][name_member] == step.job_name
        assert (
            step.describe[arn_member] == step.event["detail"][arn_member] == job_arn(step.job_name, step.kind)
        )
        assert step.event["resources"] == [step.describe[arn_member]]
        assert key_from_arn(step.describe[arn_member]) == step.key


def test_job_kind_events_carry_the_answer_as_their_kind_sends_it(kind_lifecycle: Lifecycle) -> None:
    for step in steps_of_kind(kind_lifecycle, "processing", "transform", "tuning"):
        facts = job_lifecycles.KINDS[step.kind]  # type: ignore[index]
        detail = dict(step.event["detail"])
        tags = detail.pop("Tags")
        # Given an event / Then its detail is the answer's members its kind's event carries, with times as
        # epoch milliseconds (integers), the tags as a map, a best training job by name alone
        wanted = {k: v for k, v in step.describe.items() if k in facts.event_members}
        if "BestTrainingJob" in wanted:
            wanted["BestTrainingJob"] = {"TrainingJobName": wanted["BestTrainingJob"]["TrainingJobName"]}
        assert detail == with_times(wanted, epoch_millis)
        assert list(detail) == list(wanted)
        assert isinstance(detail["CreationTime"], int)
        assert tags
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())
        assert event_detail_type(step) == facts.detail_type


def event_detail_type(step: Step) -> str:
    detail_type: str = step.event["detail-type"]
    return detail_type


def test_job_kinds_move_as_sagemaker_moves_them(kind_lifecycle: Lifecycle) -> None:
    for label, steps in jobs_of_kind(kind_lifecycle, "processing", "transform", "tuning"):
        _, _, status_member, start_member, end_member = MEMBERS[steps[0].kind]  # type: ignore[index]
        statuses = [step.describe[status_member] for step in steps]
        # Given one job's answers / Then it is created InProgress, may stop, and ends in its last answer
        assert statuses[0] == "InProgress"
        assert statuses[-1] in {"Completed", "Failed", "Stopped"}
        assert set(statuses[:-1]) <= {"InProgress", "Stopping"}
        assert statuses == sorted(statuses, key=SPECS[steps[0].kind].rank)
        # And its times only appear, never change: the end time only in the last answer
        for before, after in pairwise(step.describe for step in steps):
            assert after["CreationTime"] == before["CreationTime"]
            if start_member and start_member in before:
                assert after[start_member] == before[start_member]
        assert all(end_member not in step.describe for step in steps[:-1]), label
        final = steps[-1].describe
        assert final[end_member] >= final.get(start_member or "CreationTime", final["CreationTime"])
        # And a reason is given exactly when it failed
        assert all("FailureReason" not in step.describe for step in steps[:-1])
        assert ("FailureReason" in final) == (final[status_member] == "Failed")
        # And SageMaker recorded each change later than the one before
        assert all(a.modified < b.modified for a, b in pairwise(steps))
        if steps[0].kind != "transform":
            assert [step.describe["LastModifiedTime"] for step in steps] == [step.modified for step in steps]


def test_transform_answers_have_no_last_modified_time() -> None:
    # Given the transform jobs' answers / Then none has LastModifiedTime: DescribeTransformJob has no such
    # member (ListTransformJobs' summary does)
    shape = sagemaker_model.output_shape("DescribeTransformJob")
    assert "LastModifiedTime" not in shape.members
    assert "LastModifiedTime" in sagemaker_model.structure("TransformJobSummary").members
    for name in ("transform-completed", "transform-failed"):
        assert all("LastModifiedTime" not in step.describe for step in load_lifecycle(name).steps)


def test_expected_outcome_of_each_job_kind_agrees_with_its_final_answer(kind_lifecycle: Lifecycle) -> None:
    assert set(kind_lifecycle.expected) == set(kind_lifecycle.job_names)
    for label, steps in jobs_of_kind(kind_lifecycle, "processing", "transform", "tuning", "pipeline"):
        expected = kind_lifecycle.expected[label]
        final = steps[-1].describe["execution"] if expected.kind == "pipeline" else steps[-1].describe
        status_member = (
            "PipelineExecutionStatus" if expected.kind == "pipeline" else MEMBERS[expected.kind][2]
        )  # type: ignore[index]
        # Given a job's hand-written expectation and its final answer / Then they tell the same story
        assert expected.kind == steps[0].kind
        assert final[status_member] == expected.status
        if expected.failure_reason_startswith is None:
            assert "FailureReason" not in final
        else:
            assert final["FailureReason"].startswith(expected.failure_reason_startswith)
        assert expected.alerts == (("Failed",) if expected.status == "Failed" else ())
        if expected.exit_message_startswith is None:
            assert "ExitMessage" not in final
        else:
            assert final["ExitMessage"].startswith(expected.exit_message_startswith)
        best = final.get("BestTrainingJob") or {}
        assert best.get("TrainingJobName") == expected.best_training_job
        value = (best.get("FinalHyperParameterTuningJobObjectiveMetric") or {}).get("Value")
        assert value == expected.best_objective_value
        assert expected.final_metrics == (0 if value is None else 1)
        if expected.kind == "pipeline":
            failed = [s["StepName"] for s in steps[-1].describe["steps"] if s["StepStatus"] == "Failed"]
            assert failed == ([expected.failed_step] if expected.failed_step else [])
        else:
            assert expected.failed_step is None


def test_expected_transitions_follow_the_answers(kind_lifecycle: Lifecycle) -> None:
    for label, steps in jobs_of_kind(kind_lifecycle, "processing", "transform", "tuning", "pipeline"):
        expected = kind_lifecycle.expected[label]
        answers = [s.describe["execution"] if expected.kind == "pipeline" else s.describe for s in steps]
        status_member = (
            "PipelineExecutionStatus" if expected.kind == "pipeline" else MEMBERS[expected.kind][2]
        )  # type: ignore[index]
        # Given a job's answers in order / Then there is one transition per status seen, in the order seen
        seen = list(dict.fromkeys(answer[status_member] for answer in answers))
        assert [status for status, _ in expected.transitions] == seen
        # And the first starts at creation, the last (an ending) at the end time where the kind has one
        assert expected.transitions[0][1] == answers[0]["CreationTime"]
        end_member = None if expected.kind == "pipeline" else MEMBERS[expected.kind][4]  # type: ignore[index]
        assert expected.transitions[-1][1] == (
            answers[-1][end_member] if end_member else answers[-1]["LastModifiedTime"]
        )
        # And Stopping starts when the first answer showing it was last modified
        stopping = [a for a in answers if a[status_member] == "Stopping"]
        if stopping:
            assert dict(expected.transitions)["Stopping"] == stopping[0]["LastModifiedTime"]


# ------------------------------------------------------------------------------------------------- tuning
def test_the_tuning_job_and_its_training_jobs_agree() -> None:
    # Given the completed tuning job and the training jobs it ran, all in one lifecycle
    lifecycle = load_lifecycle("tuning-completed")
    (tuning,) = (job for job in lifecycle.jobs if job.kind == "tuning")
    children = [job for job in lifecycle.jobs if job.kind == "training"]
    final = lifecycle.final_describe(tuning)
    # Then every child names it, and their count is its limit
    assert (
        len(children)
        == final["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"]
        == 3
    )
    for child in children:
        assert lifecycle.final_describe(child)["TuningJobArn"] == final["HyperParameterTuningJobArn"]
        assert child.name.startswith(f"{tuning.name}-")
    # And its final counters are its children's final statuses
    statuses = Counter(lifecycle.final_describe(child)["TrainingJobStatus"] for child in children)
    counters = final["TrainingJobStatusCounters"]
    assert counters["Completed"] == statuses["Completed"] == 3
    assert sum(counters.values()) == len(children)
    assert final["ObjectiveStatusCounters"]["Succeeded"] == 3
    # And its best training job is the child with the highest objective, as that child reported it
    objective = final["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    assert objective == {"Type": "Maximize", "MetricName": "validation:auc"}
    values = {
        child.name: next(
            m["Value"]
            for m in lifecycle.final_describe(child)["FinalMetricDataList"]
            if m["MetricName"] == "validation:auc"
        )
        for child in children
    }
    best = final["BestTrainingJob"]
    assert best["TrainingJobName"] == max(values, key=values.__getitem__)
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == max(values.values())
    winner = lifecycle.final_describe(best["TrainingJobName"])
    assert best["TrainingEndTime"] == winner["TrainingEndTime"]
    assert best["TunedHyperParameters"] == {
        k: winner["HyperParameters"][k] for k in best["TunedHyperParameters"]
    }


def test_tuning_counters_grow_as_its_training_jobs_end() -> None:
    for name in ("tuning-completed", "tuning-failed"):
        lifecycle = load_lifecycle(name)
        answers = [step.describe for step in steps_of_kind(lifecycle, "tuning")]
        # Given a tuning job's answers / Then its counters only move on: ended training jobs never return
        ended = [
            sum(a["TrainingJobStatusCounters"][k] for k in ("Completed", "NonRetryableError"))
            for a in answers
        ]
        assert ended == sorted(ended)
        assert answers[0]["TrainingJobStatusCounters"] == dict(job_lifecycles.NO_TRAINING_JOBS)
        assert all(a["HyperParameterTuningJobStatus"] == "InProgress" for a in answers[:-1])


def test_a_failed_tuning_job_has_no_best_training_job() -> None:
    final = load_lifecycle("tuning-failed").final_describe("tuning/fraud-xgb-hpo-1127")
    assert "BestTrainingJob" not in final
    assert final["TrainingJobStatusCounters"]["NonRetryableError"] == 5
    assert final["FailureReason"].startswith("No training job succeeded after 5 attempts.")


# -------------------------------------------------------------------------------------------------- pipelines
def pipeline_steps(lifecycle: Lifecycle) -> list[Step]:
    return list(steps_of_kind(lifecycle, "pipeline"))


@pytest.mark.parametrize("name", ["pipeline-succeeded", "pipeline-failed"])
def test_pipeline_events_are_camel_case_with_iso_times(name: str) -> None:
    lifecycle = load_lifecycle(name)
    for step in pipeline_steps(lifecycle):
        execution = step.describe["execution"]
        detail = step.event["detail"]
        # Given a pipeline event / Then it names the pipeline and the execution as both its resources
        assert step.event["resources"] == [execution["PipelineArn"], execution["PipelineExecutionArn"]]
        assert detail["pipelineArn"] == execution["PipelineArn"]
        assert detail["pipelineExecutionArn"] == execution["PipelineExecutionArn"]
        times = [v for k, v in detail.items() if k.endswith("Time")]
        assert times
        assert all(ISO_SECONDS.fullmatch(t) for t in times)
        assert all(key[0].islower() for key in detail)
        if step.event["detail-type"].endswith("Execution Status Change"):
            # An execution event carries the execution's status, start and (once ended) end
            assert detail["currentPipelineExecutionStatus"] == execution["PipelineExecutionStatus"]
            assert detail["executionStartTime"] == execution["CreationTime"].strftime("%Y-%m-%dT%H:%M:%SZ")
            ended = execution["PipelineExecutionStatus"] in SPECS["pipeline"].terminal
            assert ("executionEndTime" in detail) == ended
            assert "failureReason" not in detail
        else:
            # A step event carries the step as ListPipelineExecutionSteps shows it, its metadata lowerCamel
            listed = next(s for s in step.describe["steps"] if s["StepName"] == detail["stepName"])
            assert detail["currentStepStatus"] == listed["StepStatus"]
            assert ("failureReason" in detail) == (listed["StepStatus"] == "Failed")
            assert detail.get("failureReason") == listed.get("FailureReason")
            assert ("stepEndTime" in detail) == ("EndTime" in listed)
            metadata = {k[0].upper() + k[1:]: {"Arn": v["arn"]} for k, v in detail["metadata"].items()}
            assert metadata == listed["Metadata"]
            assert all(member == METADATA_MEMBER[detail["stepType"]] for member in metadata)


@pytest.mark.parametrize("name", ["pipeline-succeeded", "pipeline-failed"])
def test_pipeline_statuses_chain_from_one_event_to_the_next(name: str) -> None:
    # Given the execution's events and each step's events, in order
    details = [step.event["detail"] for step in pipeline_steps(load_lifecycle(name))]
    executions = [d for d in details if "currentPipelineExecutionStatus" in d]
    # Then each names as previous status the one the event before it named as current
    assert "previousPipelineExecutionStatus" not in executions[0]
    for before, after in pairwise(executions):
        assert after["previousPipelineExecutionStatus"] == before["currentPipelineExecutionStatus"]
    by_step: dict[str, list[dict[str, Any]]] = {}
    for detail in details:
        if "stepName" in detail:
            by_step.setdefault(detail["stepName"], []).append(detail)
    for events in by_step.values():
        assert events[0]["currentStepStatus"] == "Starting"
        assert "previousStepStatus" not in events[0]
        for before, after in pairwise(events):
            assert after["previousStepStatus"] == before["currentStepStatus"]


@pytest.mark.parametrize("name", ["pipeline-succeeded", "pipeline-failed"])
def test_each_pipeline_step_names_a_job_whose_lifecycle_is_in_the_same_file(name: str) -> None:
    lifecycle = load_lifecycle(name)
    final = pipeline_steps(lifecycle)[-1].describe
    ran = []
    for listed in final["steps"]:
        for member, value in listed["Metadata"].items():
            key = key_from_arn(value["Arn"])
            if member == "Model":
                assert key is None  # a model is not a job jobtrail tracks
                continue
            # Given a step that ran a job / Then the job's own lifecycle is here, created after the step began
            assert key is not None
            assert key in lifecycle.jobs
            assert key.name.startswith(
                f"pipelines-{final['execution']['PipelineExecutionArn'].rsplit('/', 1)[1]}-"
            )
            created = lifecycle.steps_of(key)[0].describe["CreationTime"]
            assert listed["StartTime"] < created
            ran.append(key.kind)
    assert ran == (["processing", "training"] if name == "pipeline-succeeded" else ["processing"])


def test_the_failed_pipeline_failed_in_its_processing_step() -> None:
    lifecycle = load_lifecycle("pipeline-failed")
    final = pipeline_steps(lifecycle)[-1].describe
    (listed,) = final["steps"]
    job = key_from_arn(listed["Metadata"]["ProcessingJob"]["Arn"])
    assert job is not None
    # Then the step failed for the reason its job failed, and the execution for its step
    assert listed["StepStatus"] == "Failed"
    assert listed["FailureReason"] == lifecycle.final_describe(job)["FailureReason"]
    assert lifecycle.final_describe(job)["ProcessingJobStatus"] == "Failed"
    assert final["execution"]["PipelineExecutionStatus"] == "Failed"
    assert final["execution"]["FailureReason"] == "Step failure: One or multiple steps failed."


# -------------------------------------------------------------------------------------------------- same name
def test_same_name_holds_two_jobs_of_different_kinds() -> None:
    lifecycle = load_lifecycle("same-name")
    # Given the lifecycle's jobs / Then they share one name and differ in kind, and in how they ended
    assert len({job.name for job in lifecycle.jobs}) == 1
    assert sorted(job.kind for job in lifecycle.jobs) == ["processing", "training"]
    outcomes = {label: expected.status for label, expected in lifecycle.expected.items()}
    assert sorted(outcomes.values()) == ["Completed", "Failed"]
    # And their events interleave, so a consumer that keys by name alone mixes them up
    order = [step.kind for step in lifecycle.steps]
    assert order != sorted(order, key=order.index)
    assert len({step.event["id"] for step in lifecycle.steps}) == len(lifecycle.steps)


def test_every_job_name_is_in_one_lifecycle_only() -> None:
    # Given every lifecycle's jobs / Then no job is in two files: the tests load them all into one world
    owners = Counter(job for name in LIFECYCLES for job in load_lifecycle(name).jobs)
    assert [job for job, count in owners.items() if count > 1] == []
    assert all(str(uuid.UUID(step.event["id"])) for name in LIFECYCLES for step in load_lifecycle(name).steps)
