"""The history table's shape, read from ``template.yaml``'s own ``HistoryTable`` resource.

Tests and ``jobtrail demo`` create their tables from here, so they cannot drift from the infrastructure.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import yaml

RESOURCE_ID = "HistoryTable"
#: The repository's template.yaml, two levels above this package (local/jobtrail_local/).
TEMPLATE_PATH: Path = Path(__file__).resolve().parents[2] / "template.yaml"

_SCHEMA_KEYS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")


class CloudFormationLoader(yaml.SafeLoader):
    """A SafeLoader that reads CloudFormation short-form tags (``!Ref X``, ``!Sub ...``) as plain values."""


def _plain_value(loader: yaml.SafeLoader, _tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node.tag}", node.start_mark)


CloudFormationLoader.add_multi_constructor("!", _plain_value)


def load_template(template_path: Path | None = None) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template (default: TEMPLATE_PATH), short-form tags included."""
    path = template_path if template_path is not None else TEMPLATE_PATH
    with path.open(encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict):
        raise TypeError(f"{path} is not a CloudFormation template (top level is not a mapping)")
    return template


def history_table_properties(template_path: Path | None = None) -> dict[str, Any]:
    """The ``Properties`` of the template's ``HistoryTable`` resource (a deep copy, safe to modify)."""
    template = load_template(template_path)
    resource = template.get("Resources", {}).get(RESOURCE_ID)
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::DynamoDB::Table":
        raise ValueError(f"{RESOURCE_ID} is not an AWS::DynamoDB::Table in {template_path or TEMPLATE_PATH}")
    properties = resource.get("Properties")
    if not isinstance(properties, dict):
        raise TypeError(f"{RESOURCE_ID} has no Properties mapping in {template_path or TEMPLATE_PATH}")
    return copy.deepcopy(properties)


def create_table_kwargs(table_name: str, template_path: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for DynamoDB ``create_table``: the template's keys and indexes, on-demand billing."""
    properties = history_table_properties(template_path)
    missing = [key for key in _SCHEMA_KEYS if key not in properties]
    if missing:
        raise ValueError(f"{RESOURCE_ID} lacks {', '.join(missing)}")
    if properties.get("BillingMode") != "PAY_PER_REQUEST":
        billing = properties.get("BillingMode")
        raise ValueError(f"{RESOURCE_ID} must use BillingMode PAY_PER_REQUEST, not {billing}")
    return {
        "TableName": table_name,
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "GlobalSecondaryIndexes": properties["GlobalSecondaryIndexes"],
        "BillingMode": "PAY_PER_REQUEST",
    }


def create_history_table(
    client: Any, table_name: str, template_path: Path | None = None, timeout: float = 60.0
) -> None:
    """Create the history table with a boto3 DynamoDB ``client`` and wait until it is ACTIVE.

    Raises TimeoutError when the table is not ACTIVE within ``timeout`` seconds.
    """
    client.create_table(**create_table_kwargs(table_name, template_path))
    deadline = time.monotonic() + timeout
    while True:
        status = client.describe_table(TableName=table_name)["Table"]["TableStatus"]
        if status == "ACTIVE":
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"table {table_name} is still {status} after {timeout:g}s")
        time.sleep(0.2)
