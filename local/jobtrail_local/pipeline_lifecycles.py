"""The one builder of pipeline execution lifecycles: changes in, Describe answers and events out.

A pipeline execution is identified by its pipeline and its execution id (jobtrail names it
``<pipeline>/<execution id>``). Its truth takes two calls: DescribePipelineExecution (the execution's
status, times and failure reason) and ListPipelineExecutionSteps (each step's status, times, failure
reason and the job it ran in ``Metadata``). A step's "describe" here holds both, as boto3 returns them::

    {"execution": <DescribePipelineExecution response>, "steps": [<PipelineExecutionStep>, ...]}

with the steps oldest start first (ListPipelineExecutionSteps with ``SortOrder="Ascending"``).

The execution's changes, oldest first: it is ``execute``d (Executing), its steps change (``step_status``:
Starting, Executing, Succeeded, Failed…) and it ``conclude``s (Succeeded, Failed, Stopped; Stopping
before Stopped). SageMaker sends a "… Pipeline Execution Status Change" event for each change of the
execution and a "… Pipeline Execution Step Status Change" event for each change of a step: camelCase
details with ISO 8601 times, unlike the job kinds' (see events/README.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from jobtrail.core.kinds import SPECS

from jobtrail_local import sagemaker_model
from jobtrail_local.lifecycle_builder import (
    ACCOUNT,
    Step,
    check_change_time,
    copy_json,
    envelope,
    event_time,
    job_arn,
    pipeline_arn,
)

EXECUTION_DETAIL_TYPE, STEP_DETAIL_TYPE = SPECS["pipeline"].detail_types
#: The step types whose step runs (or creates) something, and the ``Metadata`` member naming it.
METADATA_MEMBER: Final = {
    "Processing": "ProcessingJob",
    "Training": "TrainingJob",
    "Transform": "TransformJob",
    "Tuning": "TuningJob",
    "Model": "Model",
    "RegisterModel": "RegisterModel",
}
#: What DescribePipelineExecution says of an execution whose step failed (AWS CLI output, events/README.md).
STEP_FAILURE = "Step failure: One or multiple steps failed."
#: Who started the executions: a CI role (DescribePipelineExecution's CreatedBy/LastModifiedBy).
STARTED_BY: Final = {
    "IamIdentity": {
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/jobtrail-ci/github-actions",
        "PrincipalId": "AROAEXAMPLEJOBTRAIL01:github-actions",
    }
}
_EXECUTION_STATUSES: Final = frozenset(SPECS["pipeline"].statuses)
_ENDINGS: Final = SPECS["pipeline"].terminal
_STEP_STATUSES: Final = frozenset({"Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded"})
_STEP_ENDINGS: Final = frozenset({"Stopped", "Failed", "Succeeded"})


@dataclass(frozen=True)
class Execution:
    """What stays the same during a pipeline execution."""

    pipeline: str
    execution_id: str
    display_name: str
    description: str | None = None

    @property
    def name(self) -> str:
        """jobtrail's name for it: ``<pipeline>/<execution id>``."""
        return f"{self.pipeline}/{self.execution_id}"

    @property
    def arn(self) -> str:
        return job_arn(self.name, "pipeline")


@dataclass(frozen=True, slots=True)
class Change:
    """At ``at``, the execution's ``status`` changed, or the step ``step`` (of ``step_type``) reached
    ``step_status``; ``job_arn`` names what the step runs (a job, or the model it creates)."""

    at: datetime
    status: str | None = None
    failure_reason: str | None = None
    step: str | None = None
    step_type: str | None = None
    step_status: str | None = None
    job_arn: str | None = None


def execute(at: datetime) -> Change:
    """The execution starts: Executing, at its CreationTime."""
    return Change(at, "Executing")


def conclude(at: datetime, status: str, failure_reason: str | None = None) -> Change:
    """The execution's status changes to ``status`` (Stopping, or how it ended: Succeeded, Failed, Stopped);
    ``failure_reason`` is a failed execution's FailureReason."""
    if status not in _EXECUTION_STATUSES - {"Executing"}:
        raise ValueError(f"{status} is not a status an execution changes to")
    return Change(at, status, failure_reason=failure_reason)


def step_status(
    at: datetime,
    name: str,
    step_type: str,
    status: str,
    *,
    job_arn: str | None = None,
    failure_reason: str | None = None,
) -> Change:
    """The step ``name`` reaches ``status``; ``job_arn`` is what it runs, once SageMaker created it."""
    if status not in _STEP_STATUSES:
        raise ValueError(f"{status} is not a step status")
    if job_arn is not None and step_type not in METADATA_MEMBER:
        raise ValueError(f"a {step_type} step names no job")
    return Change(
        at, step=name, step_type=step_type, step_status=status, job_arn=job_arn, failure_reason=failure_reason
    )


def execution_steps(
    execution: Execution,
    changes: Sequence[Change],
    *,
    modified_lag: timedelta,
    event_id: Callable[[int], str],
) -> tuple[Step, ...]:
    """One lifecycle step per change of ``execution``, each with the event SageMaker sent for it and the
    execution and its steps as SageMaker reports them right after.

    The execution's LastModifiedTime moves with its own status changes only (``modified_lag`` after them);
    a step's change shows in its step. Raises ``ValueError`` for what SageMaker would never do: a first
    change other than ``execute``, a change not after the previous one or after the end, a step changing
    after it ended; and for answers botocore's model rejects.
    """
    state = _ExecutionState()
    lifecycle: list[Step] = []
    for index, change in enumerate(changes):
        modified = change.at + modified_lag
        _apply(execution, state, change, modified)
        describe = {"execution": _execution(execution, state), "steps": _steps(state)}
        _check(describe, f"{execution.name} step {index}")
        if change.step is None:
            detail = _execution_detail(execution, state)
            detail_type = EXECUTION_DETAIL_TYPE
        else:
            detail = _step_detail(execution, state.steps[change.step])
            detail_type = STEP_DETAIL_TYPE
        event = envelope(
            detail_type, event_id(index), modified, [pipeline_arn(execution.pipeline), execution.arn], detail
        )
        lifecycle.append(
            Step(
                index=index,
                job_name=execution.name,
                event=event,
                describe=describe,
                kind="pipeline",
                modified=modified,
            )
        )
    return tuple(lifecycle)


def pipeline_job_name(execution: Execution, step_name: str, suffix: str) -> str:
    """The name SageMaker gives a job a pipeline step runs: ``pipelines-<execution id>-<step>-<suffix>``
    (``suffix`` is SageMaker's 10 random characters)."""
    return f"pipelines-{execution.execution_id}-{step_name}-{suffix}"


# --- internals ---------------------------------------------------------------------------------------------
@dataclass
class _StepState:
    name: str
    step_type: str
    status: str
    previous: str | None
    started: datetime
    ended: datetime | None = None
    failure_reason: str | None = None
    job_arn: str | None = None


@dataclass
class _ExecutionState:
    status: str | None = None
    previous: str | None = None
    created: datetime | None = None
    ended: datetime | None = None
    modified: datetime | None = None
    last_change: datetime | None = None
    failure_reason: str | None = None
    steps: dict[str, _StepState] = field(default_factory=dict)


def _apply(execution: Execution, state: _ExecutionState, change: Change, modified: datetime) -> None:
    moment = change.at
    name = execution.name
    check_change_time(name, moment, state.last_change)
    if state.status in _ENDINGS:
        raise ValueError(f"{name}: the execution already ended")
    if state.created is None and change.status != "Executing":
        raise ValueError(f"{name}: an execution starts Executing")
    state.last_change = moment
    if change.step is None:
        if change.status == "Executing":
            state.created = moment
        state.previous, state.status = state.status, change.status
        state.modified = modified
        state.failure_reason = change.failure_reason or state.failure_reason
        if change.status in _ENDINGS:
            state.ended = moment
        return
    current = state.steps.get(change.step)
    if current is not None and current.ended is not None:
        raise ValueError(f"{name}: step {change.step} already ended")
    if change.step_type is None or change.step_status is None:
        raise ValueError(f"{name}: a step change names the step's type and status")
    if current is None:
        current = _StepState(change.step, change.step_type, change.step_status, None, moment)
        state.steps[change.step] = current
    else:
        current.previous, current.status = current.status, change.step_status
    current.job_arn = change.job_arn or current.job_arn
    current.failure_reason = change.failure_reason or current.failure_reason
    if change.step_status in _STEP_ENDINGS:
        current.ended = moment


def _execution(execution: Execution, state: _ExecutionState) -> dict[str, Any]:
    response: dict[str, Any] = {
        "PipelineArn": pipeline_arn(execution.pipeline),
        "PipelineExecutionArn": execution.arn,
        "PipelineExecutionDisplayName": execution.display_name,
        "PipelineExecutionStatus": state.status,
        "PipelineExecutionDescription": execution.description,
        "PipelineExperimentConfig": {
            "ExperimentName": execution.pipeline,
            "TrialName": execution.execution_id,
        },
        "FailureReason": state.failure_reason,
        "CreationTime": state.created,
        "LastModifiedTime": state.modified,
        "CreatedBy": copy_json(STARTED_BY),
        "LastModifiedBy": copy_json(STARTED_BY),
    }
    return {key: value for key, value in response.items() if value is not None}


def _steps(state: _ExecutionState) -> list[dict[str, Any]]:
    shape = sagemaker_model.structure("PipelineExecutionStep")
    steps: list[dict[str, Any]] = []
    for current in sorted(state.steps.values(), key=lambda s: (s.started, s.name)):
        metadata = {}
        if current.job_arn is not None:
            metadata = {METADATA_MEMBER[current.step_type]: {"Arn": current.job_arn}}
        item = {
            "StepName": current.name,
            "StartTime": current.started,
            "EndTime": current.ended,
            "StepStatus": current.status,
            "FailureReason": current.failure_reason,
            "Metadata": metadata,
            "AttemptCount": 1,
        }
        present = {key: value for key, value in item.items() if value is not None}
        steps.append(sagemaker_model.in_model_order(present, shape))
    return steps


def _check(describe: Mapping[str, Any], what: str) -> None:
    shape = sagemaker_model.output_shape("DescribePipelineExecution")
    sagemaker_model.check(describe["execution"], shape, f"{what}: the execution")
    listing = {"PipelineExecutionSteps": describe["steps"]}
    sagemaker_model.check(
        listing, sagemaker_model.output_shape("ListPipelineExecutionSteps"), f"{what}: its steps"
    )
    if list(describe["execution"]) != list(sagemaker_model.in_model_order(describe["execution"], shape)):
        raise ValueError(f"{what}: the execution's members are not in the model's order")


def _execution_detail(execution: Execution, state: _ExecutionState) -> dict[str, Any]:
    """The "… Pipeline Execution Status Change" detail (the keys in the order of AWS's sample)."""
    assert state.created is not None
    detail: dict[str, Any] = {
        "pipelineExecutionDisplayName": execution.display_name,
        "currentPipelineExecutionStatus": state.status,
        "previousPipelineExecutionStatus": state.previous,
        "executionStartTime": event_time(state.created),
        "executionEndTime": None if state.ended is None else event_time(state.ended),
        "pipelineExecutionDescription": execution.description,
        "pipelineArn": pipeline_arn(execution.pipeline),
        "pipelineExecutionArn": execution.arn,
    }
    return {key: value for key, value in detail.items() if value is not None}


def _step_detail(execution: Execution, current: _StepState) -> dict[str, Any]:
    """The "… Pipeline Execution Step Status Change" detail: camelCase, the metadata member lowerCamel with
    a lowercase ``arn`` (the keys in the order of AWS's sample)."""
    metadata = {}
    if current.job_arn is not None:
        member = METADATA_MEMBER[current.step_type]
        metadata = {member[0].lower() + member[1:]: {"arn": current.job_arn}}
    detail: dict[str, Any] = {
        "metadata": metadata,
        "stepStartTime": event_time(current.started),
        "stepEndTime": None if current.ended is None else event_time(current.ended),
        "stepName": current.name,
        "stepType": current.step_type,
        "previousStepStatus": current.previous,
        "currentStepStatus": current.status,
        "failureReason": current.failure_reason if current.status == "Failed" else None,
        "pipelineArn": pipeline_arn(execution.pipeline),
        "pipelineExecutionArn": execution.arn,
    }
    return {key: value for key, value in detail.items() if value is not None}
