"""A table's DynamoDB stream read the way Lambda's event source mapping reads it, for the demo.

DynamoDB Local keeps a stream (``StreamSpecification``) like DynamoDB does. ``TableStream`` reads every
shard from where it last stopped and hands back the records in the shape Lambda gives a handler
(``eventSourceARN`` added, ``ApproximateCreationDateTime`` in epoch seconds), after the event source
mapping's ``FilterCriteria`` (``matches``: the subset of EventBridge patterns Lambda filters use).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

#: Pages read per shard in one ``poll`` at most: a bound, not a limit the demo reaches.
MAX_PAGES = 1000


class TableStream:
    """The stream of ``table``: ``poll()`` returns the records written since the last poll."""

    def __init__(self, streams_client: Any, stream_arn: str) -> None:
        self._client = streams_client
        self._arn = stream_arn
        #: Shard id → the iterator to read next (None: the shard is closed and read to its end).
        self._iterators: dict[str, str | None] = {}

    def poll(self, filters: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
        """Every record written since the last poll, oldest first per shard, that passes one of
        ``filters`` (no filters: every record)."""
        records: list[dict[str, Any]] = []
        shards = self._client.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._client.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            for _ in range(MAX_PAGES):
                iterator = self._iterators[shard_id]
                if iterator is None:
                    break
                page = self._client.get_records(ShardIterator=iterator)
                self._iterators[shard_id] = page.get("NextShardIterator")
                records.extend(self._as_lambda_record(record) for record in page["Records"])
                if not page["Records"]:
                    break
        return [record for record in records if not filters or any(matches(f, record) for f in filters)]

    def _as_lambda_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        body = dict(record["dynamodb"])
        created = body.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            body["ApproximateCreationDateTime"] = created.timestamp()
        return {**record, "dynamodb": body, "eventSourceARN": self._arn}


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether ``event`` passes the filter ``pattern`` (an EventBridge pattern as Lambda's
    ``FilterCriteria`` take it: nested keys, lists of values or of ``prefix``/``anything-but``/``exists``
    matchers)."""
    for key, wanted in pattern.items():
        value = event.get(key) if isinstance(event, Mapping) else None
        if isinstance(wanted, Mapping):
            if not isinstance(value, Mapping) or not matches(wanted, value):
                return False
        elif not any(_value_matches(matcher, key in event, value) for matcher in wanted):
            return False
    return True


def _value_matches(matcher: Any, present: bool, value: Any) -> bool:
    if not isinstance(matcher, Mapping):
        return present and value == matcher
    if "exists" in matcher:
        return present is bool(matcher["exists"])
    if "prefix" in matcher:
        return isinstance(value, str) and value.startswith(matcher["prefix"])
    if "anything-but" in matcher:
        excluded = matcher["anything-but"]
        return present and value not in (excluded if isinstance(excluded, list) else [excluded])
    raise ValueError(f"filter matcher {dict(matcher)} is not supported here")
