"""Training jobs in moto's SageMaker in the states moto does not make itself (it creates every job
Completed): their state set through moto's backend objects, as FACTS.md suggests."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from jobtrail.core.kinds import JobKey
from jobtrail_local.lifecycles import load_lifecycle
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.models import sagemaker_backends

REGION = "us-east-1"
REASON = "AlgorithmError: ExecuteUserScriptError: CUDA out of memory"


def create_failed_training_job(name: str, *, reason: str = REASON) -> JobKey:
    """A training job that failed while Training (inside ``mock_aws``); its key."""
    describe = load_lifecycle("completed").steps[0].describe
    boto3.client("sagemaker", region_name=REGION).create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification=describe["AlgorithmSpecification"],
        RoleArn=describe["RoleArn"],
        OutputDataConfig=describe["OutputDataConfig"],
        ResourceConfig=describe["ResourceConfig"],
        StoppingCondition=describe["StoppingCondition"],
    )
    return fail_training_job(JobKey(DEFAULT_ACCOUNT_ID, REGION, "training", name), reason=reason)


def fail_training_job(job: JobKey, *, reason: str = REASON) -> JobKey:
    """``job`` (a training job moto holds, in any account and region) failed while Training; its key."""
    held = sagemaker_backends[job.account][job.region].training_jobs[job.name]
    now = datetime.now(UTC)
    held.training_job_status = "Failed"
    held.secondary_status = "Failed"
    held.failure_reason = reason  # type: ignore[attr-defined]  # moto describes every attribute it holds
    held.secondary_status_transitions = [
        *held.secondary_status_transitions,
        {
            "Status": "Training",
            "StartTime": now,
            "EndTime": now,
            "StatusMessage": "Training image download completed.",
        },
        {"Status": "Failed", "StartTime": now, "EndTime": now, "StatusMessage": "Training job failed"},
    ]
    return job
