"""The demo's stream reader against DynamoDB Local's stream: Lambda's record shape, every write once,
and the event source mapping's filters."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from jobtrail_local.lambda_runtime import matches_filter
from jobtrail_local.table_stream import TableStream

pytestmark = pytest.mark.dynamodb_local

INSERTS_OF_TRANSITIONS = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"sk": {"S": [{"prefix": "T#"}]}}}}


def _stream(ddb_local_table: Any) -> tuple[Any, TableStream]:
    client = ddb_local_table.client()
    streams = boto3.client(
        "dynamodbstreams", region_name=ddb_local_table.region, endpoint_url=ddb_local_table.endpoint_url
    )
    return client, TableStream.enable(client, streams, ddb_local_table.name, "NEW_IMAGE")


def _put(client: Any, table: str, pk: str, sk: str) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": sk}})


def test_each_write_is_read_once_in_lambdas_shape(ddb_local_table: Any) -> None:
    client, stream = _stream(ddb_local_table)
    _put(client, ddb_local_table.name, "JOB#a", "T#1")
    _put(client, ddb_local_table.name, "JOB#a", "T#2")
    first = stream.poll()
    _put(client, ddb_local_table.name, "JOB#b", "T#1")
    second = stream.poll()

    assert [r["dynamodb"]["Keys"]["sk"]["S"] for r in first] == ["T#1", "T#2"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in second] == ["JOB#b"]
    assert stream.poll() == []
    record = first[0]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:")
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert record["dynamodb"]["NewImage"] == {"pk": {"S": "JOB#a"}, "sk": {"S": "T#1"}}


def test_filters_keep_what_the_event_source_mapping_would_pass(ddb_local_table: Any) -> None:
    client, stream = _stream(ddb_local_table)
    _put(client, ddb_local_table.name, "JOB#a", "T#1")
    _put(client, ddb_local_table.name, "JOB#a", "SUMMARY")
    _put(client, ddb_local_table.name, "JOB#a", "T#1")  # a MODIFY of the same item

    kept = stream.poll([INSERTS_OF_TRANSITIONS])

    assert [(r["eventName"], r["dynamodb"]["Keys"]["sk"]["S"]) for r in kept] == [("INSERT", "T#1")]


def test_a_second_reader_starts_from_the_beginning(ddb_local_table: Any) -> None:
    client, stream = _stream(ddb_local_table)
    _put(client, ddb_local_table.name, "JOB#a", "T#1")
    assert len(stream.poll()) == 1

    assert [r["dynamodb"]["Keys"]["sk"]["S"] for r in stream.from_start().poll()] == ["T#1"]
    assert stream.poll() == []


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"a": ["x"]}, {"a": "x"}, True),
        ({"a": ["x"]}, {"a": "y"}, False),
        ({"a": ["x"]}, {}, False),
        ({"a": [{"prefix": "T#"}]}, {"a": "T#1"}, True),
        ({"a": [{"prefix": "T#"}]}, {"a": "S#1"}, False),
        ({"a": {"b": ["x"]}}, {"a": {"b": "x"}}, True),
        ({"a": {"b": ["x"]}}, {"a": "b"}, False),
    ],
)
def test_pattern_matching(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert matches_filter(pattern, event) is expected


def test_an_unsupported_matcher_is_an_error_not_a_silent_pass() -> None:
    with pytest.raises(ValueError, match="numeric"):
        matches_filter({"a": [{"numeric": [">", 1]}]}, {"a": 2})
