"""A table's DynamoDB stream read the way Lambda's event source mapping reads it (the demo, the tests).

DynamoDB Local keeps a stream (``StreamSpecification``) like DynamoDB does. ``TableStream`` reads every
shard from where it last stopped and hands back the records in the shape Lambda gives a handler
(``lambda_runtime.stream_lambda_record``), after the event source mapping's ``FilterCriteria``
(``lambda_runtime.matches_filter``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from jobtrail_local.lambda_runtime import matches_filter, stream_lambda_record

#: The template's event source mapping of the table's stream (Slack app mode's transitions).
TRANSITIONS_MAPPING = "SlackNotifierFunctionTransitions"
#: Pages read per shard in one ``poll`` at most: a bound, not a limit the demo or a test reaches.
MAX_PAGES = 1000


class TableStream:
    """The stream ``stream_arn``: ``poll()`` returns the records written since the last poll."""

    def __init__(self, streams_client: Any, stream_arn: str) -> None:
        self._client = streams_client
        self.arn = stream_arn
        #: Shard id → the iterator to read next (None: the shard is closed and read to its end).
        self._iterators: dict[str, str | None] = {}

    @classmethod
    def enable(
        cls, dynamodb: Any, streams_client: Any, table: str, view_type: str = "NEW_AND_OLD_IMAGES"
    ) -> TableStream:
        """Turn the stream of ``table`` on (as the template does in Slack app mode) and read it from its
        start."""
        description = dynamodb.update_table(
            TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type}
        )["TableDescription"]
        return cls(streams_client, description["LatestStreamArn"])

    def from_start(self) -> TableStream:
        """A second reader of the same stream, from its start (this one's position is not moved)."""
        return TableStream(self._client, self.arn)

    def poll(self, filters: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
        """Every record written since the last poll, oldest first per shard, that passes one of
        ``filters`` (no filters: every record)."""
        records: list[dict[str, Any]] = []
        shards = self._client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._client.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            for _ in range(MAX_PAGES):
                iterator = self._iterators[shard_id]
                if iterator is None:
                    break
                page = self._client.get_records(ShardIterator=iterator)
                self._iterators[shard_id] = page.get("NextShardIterator")
                records.extend(stream_lambda_record(record, self.arn) for record in page["Records"])
                if not page["Records"]:
                    break
        return [r for r in records if not filters or any(matches_filter(f, r) for f in filters)]


@functools.cache
def transition_filters() -> tuple[dict[str, Any], ...]:
    """The ``FilterCriteria`` patterns of the template's ``SlackNotifierFunctionTransitions``: what the
    stream lets through to the Slack notifier."""
    from jobtrail_local.table_schema import load_template  # noqa: PLC0415 - PyYAML: a demo/dev dependency

    mapping = load_template()["Resources"][TRANSITIONS_MAPPING]["Properties"]
    return tuple(json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"])
