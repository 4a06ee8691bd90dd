"""A stack in moto's CloudFormation with the outputs and parameters the CLI reads from a jobtrail stack
(``--stack``): HistoryTableName, AlertTopicArn (a real topic), AlertLogLines."""

from __future__ import annotations

import json
from typing import Any

import boto3

REGION = "us-east-1"
STACK = "jobtrail-alerts"


def stack_template(*, with_topic: bool = True) -> str:
    outputs: dict[str, Any] = {"HistoryTableName": {"Value": {"Ref": "TableName"}}}
    resources: dict[str, Any] = {"Queue": {"Type": "AWS::SQS::Queue"}}
    if with_topic:
        resources["AlertTopic"] = {"Type": "AWS::SNS::Topic"}
        outputs["AlertTopicArn"] = {"Value": {"Ref": "AlertTopic"}}
    return json.dumps(
        {
            "Parameters": {
                "TableName": {"Type": "String"},
                "AlertLogLines": {"Type": "Number", "Default": 20},
            },
            "Resources": resources,
            "Outputs": outputs,
        }
    )


def create_stack(
    table: str, *, name: str = STACK, with_topic: bool = True, log_lines: int = 20
) -> dict[str, str]:
    """A stack with jobtrail's outputs (moto's CloudFormation); its outputs."""
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=stack_template(with_topic=with_topic),
        Parameters=[
            {"ParameterKey": "TableName", "ParameterValue": table},
            {"ParameterKey": "AlertLogLines", "ParameterValue": str(log_lines)},
        ],
    )
    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def create_stack_with_parameters(table: str, name: str, **parameters: str) -> None:
    """A stack with jobtrail's HistoryTableName output and these String parameters (moto's
    CloudFormation): ``AlertRoutesParameterName``, ``PriceSettingsParameterName``…"""
    template = {
        "Parameters": {
            "TableName": {"Type": "String"},
            **{key: {"Type": "String", "Default": ""} for key in parameters},
        },
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"HistoryTableName": {"Value": {"Ref": "TableName"}}},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": "TableName", "ParameterValue": table},
            *({"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()),
        ],
    )
