"""A history table in DynamoDB Local holding chosen lifecycles of events/, recorded through ingest: for
tests of the CLI that read one table in many ways."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import boto3
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from jobtrail_local.table_schema import create_history_table
from worlds import world_on

REGION = "us-east-1"


@contextmanager
def recorded_table(dynamodb_local: DynamoDBLocal, *lifecycles: str) -> Iterator[list[str]]:
    """A new table holding ``lifecycles``' jobs (and their alerts); yields the CLI options that name it
    (``--table NAME --endpoint-url URL``). Deleted afterwards."""
    table = SimpleNamespace(
        name=f"jobtrail-cli-{uuid.uuid4().hex[:8]}", endpoint_url=dynamodb_local.endpoint_url, region=REGION
    )
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=table.endpoint_url)
    create_history_table(client, table.name)
    with world_on(table) as world:
        for lifecycle in map(load_lifecycle, lifecycles):
            for step in lifecycle.steps:
                world.script.advance(step)
                assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
    try:
        yield ["--table", table.name, "--endpoint-url", table.endpoint_url]
    finally:
        client.delete_table(TableName=table.name)
