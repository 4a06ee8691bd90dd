"""The one counter of AWS calls: every botocore API call made in a block, and what DynamoDB says it cost.

Tests count calls to check budgets ("one Describe, one Query, one transaction per job"); ``make bench``
counts them and adds up DynamoDB's consumed capacity. Both go through ``count_aws_calls``, the one place
that patches ``BaseClient._make_api_call``, so PynamoDB's calls, the handler's own clients and an attached
scripted SageMaker's answers are all seen. Blocks may nest; each sees every call made inside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient

#: DynamoDB operations that accept ``ReturnConsumedCapacity``.
CAPACITY_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


@dataclass
class ConsumedCapacity:
    """DynamoDB capacity units, as the responses to ``ReturnConsumedCapacity=INDEXES`` report them."""

    read_units: float = 0.0
    write_units: float = 0.0
    #: The part of ``write_units`` spent on the global secondary indexes.
    index_write_units: float = 0.0
    #: Responses that reported their capacity, and those that did not (an engine that ignores the ask).
    responses: int = 0
    missing: int = 0

    def add(self, operation: str, consumed: Any) -> None:
        """Add one response's ``ConsumedCapacity`` (an entry, a list of them, or ``None``)."""
        entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        if not entries:
            self.missing += 1
            return
        self.responses += 1
        units = sum(float(entry.get("CapacityUnits") or 0) for entry in entries)
        if operation in _READS:
            self.read_units += units
            return
        self.write_units += units
        for entry in entries:
            for index in (entry.get("GlobalSecondaryIndexes") or {}).values():
                self.index_write_units += float(index.get("CapacityUnits") or 0)


@contextmanager
def count_aws_calls(*, capacity: ConsumedCapacity | None = None) -> Iterator[Counter[str]]:
    """Count every botocore API call made inside the block, as ``"service.Operation"``.

    With ``capacity``, DynamoDB operations that can report their consumed capacity are asked to
    (``ReturnConsumedCapacity=INDEXES``: the total and each index's share) and what they report is added
    to it.
    """
    calls: Counter[str] = Counter()
    original: Callable[..., Any] = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(client: BaseClient, operation: str, params: Any) -> Any:
        service = client.meta.service_model.service_name
        calls[f"{service}.{operation}"] += 1
        metered = capacity is not None and service == "dynamodb" and operation in CAPACITY_OPERATIONS
        if metered:
            params = {**params, "ReturnConsumedCapacity": "INDEXES"}
        response = original(client, operation, params)
        if metered and capacity is not None:
            capacity.add(operation, response.get("ConsumedCapacity"))
        return response

    BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]
