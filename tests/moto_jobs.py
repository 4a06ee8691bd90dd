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
    job = sagemaker_backends[DEFAULT_ACCOUNT_ID][REGION].training_jobs[name]
    now = datetime.now(UTC)
    job.training_job_status = "Failed"
    job.secondary_status = "Failed"
    job.failure_reason = reason  # type: ignore[attr-defined]  # moto describes every attribute it holds
    job.secondary_status_transitions = [
        *job.secondary_status_transitions,
        {
            "Status": "Training",
            "StartTime": now,
            "EndTime": now,
            "StatusMessage": "Training image download completed.",
        },
        {"Status": "Failed", "StartTime": now, "EndTime": now, "StatusMessage": "Training job failed"},
    ]
    return JobKey(DEFAULT_ACCOUNT_ID, REGION, "training", name)
