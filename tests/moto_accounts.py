"""Many accounts on moto: clients as an account's own users have them (credentials from moto's STS,
which land in the role's account), SageMaker jobs created there, and an STS that refuses some roles.

moto maps an assumed role's keys to the role's account, so a client built from them reads and writes
that account's backends. ``MOTO_ACCOUNT_ID`` would override that mapping: never set it around the code
under test."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError
from jobtrail.core.kinds import JobKey
from jobtrail.core.organization import Place
from jobtrail_local.lifecycles import load_lifecycle
from jobtrail_local.organization import client_in
from moto.core import DEFAULT_ACCOUNT_ID

HOME = DEFAULT_ACCOUNT_ID

__all__ = ["HOME", "RefusingSts", "client_in", "create_training_job"]


def create_training_job(place: Place, name: str, instance_type: str = "ml.m5.large") -> JobKey:
    """A training job in ``place``'s SageMaker (moto reports it Completed); its key."""
    describe = load_lifecycle("completed").steps[0].describe
    client_in("sagemaker", place).create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification=describe["AlgorithmSpecification"],
        RoleArn=describe["RoleArn"],
        OutputDataConfig=describe["OutputDataConfig"],
        ResourceConfig=describe["ResourceConfig"] | {"InstanceType": instance_type},
        StoppingCondition=describe["StoppingCondition"],
    )
    return JobKey(place.account, place.region, "training", name)


class RefusingSts:
    """moto's STS, except that roles in ``refused`` accounts cannot be assumed (moto accepts any role):
    AccessDenied, as IAM answers when the role's trust policy does not name the caller. Counts calls."""

    def __init__(self, refused: set[str]) -> None:
        self._sts = boto3.client("sts", region_name="us-east-1")
        self.refused = refused
        self.calls: list[str] = []

    def assume_role(self, **request: Any) -> Any:
        self.calls.append(request["RoleArn"])
        account = request["RoleArn"].split(":")[4]
        if account in self.refused:
            message = f"User is not authorized to perform: sts:AssumeRole on resource: {request['RoleArn']}"
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": message}}, "AssumeRole")
        return self._sts.assume_role(**request)
