"""Where ingest's DynamoDB write units go: the mixed load replayed on DynamoDB Local (``bench/replay.py``'s
replay, in this process), each write told by the item it wrote (``SUMMARY``, ``TRANSITION#``, ``ALERT#``…)
and the table or index that charged it, per event of the load.

DynamoDB reports a transaction's capacity for the whole transaction. To tell its items apart, each
transaction is sent here as one transaction per item, in order: the replay is serial and its conditions
hold item by item as they hold together, so the table ends the same and every item is charged exactly
what it is charged inside the transaction (a transactional write costs two units per KB, on the table and
on each index it touches). The total printed last is what ``make bench`` reports.

    PYTHONPATH=layers/jobtrail:cli:local:bench .venv/bin/python bench/write_units.py [--jobs 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.client import BaseClient
from jobtrail_local.local_stack import use_local_credentials
from replay import replay

#: The operations that write, and the member of each that holds the item's keys.
_WRITES = {"PutItem": "Item", "UpdateItem": "Key", "DeleteItem": "Key"}


def item_type(keys: dict[str, Any]) -> str:
    """``SUMMARY``, ``TRANSITION``, ``ALERT``…: an item's sort key up to its first ``#``."""
    return str(keys.get("sk", {}).get("S", "?")).split("#", 1)[0]


@contextmanager
def units_by_item(units: Counter[tuple[str, str, str]]) -> Iterator[None]:
    """Inside the block, every DynamoDB write's consumed capacity is added to ``units`` under
    (operation, item type, table or index); transactions are sent one item at a time (see above)."""
    original: Callable[..., Any] = BaseClient._make_api_call  # type: ignore[attr-defined]

    def charge(operation: str, kind: str, consumed: dict[str, Any]) -> None:
        indexes = consumed.get("GlobalSecondaryIndexes") or {}
        on_indexes = sum(float(index.get("CapacityUnits") or 0) for index in indexes.values())
        units[(operation, kind, "table")] += float(consumed.get("CapacityUnits") or 0) - on_indexes
        for name, index in indexes.items():
            units[(operation, kind, name)] += float(index.get("CapacityUnits") or 0)

    def measuring(client: BaseClient, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return original(client, operation, params)
        if operation in _WRITES:
            response = original(client, operation, {**params, "ReturnConsumedCapacity": "INDEXES"})
            charge(operation, item_type(params[_WRITES[operation]]), response["ConsumedCapacity"])
            return response
        if operation != "TransactWriteItems":
            return original(client, operation, params)
        total: dict[str, Any] = {"TableName": "", "CapacityUnits": 0.0, "GlobalSecondaryIndexes": {}}
        for entry in params["TransactItems"]:
            (action, request), *_ = entry.items()
            single = {**params, "TransactItems": [entry], "ReturnConsumedCapacity": "INDEXES"}
            consumed = original(client, operation, single)["ConsumedCapacity"][0]
            kind = item_type(request.get("Item") or request.get("Key") or {})
            charge(f"Transact{action}", kind, consumed)
            total["TableName"] = consumed["TableName"]
            total["CapacityUnits"] += float(consumed.get("CapacityUnits") or 0)
            for name, index in (consumed.get("GlobalSecondaryIndexes") or {}).items():
                held = total["GlobalSecondaryIndexes"].setdefault(name, {"CapacityUnits": 0.0})
                held["CapacityUnits"] += float(index.get("CapacityUnits") or 0)
        return {"ConsumedCapacity": [total]}

    BaseClient._make_api_call = measuring  # type: ignore[attr-defined]
    try:
        yield
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--training", action="store_true", help="the training-only load, not the mixed one")
    args = parser.parse_args(argv)
    use_local_credentials()
    os.environ.update(
        POWERTOOLS_SERVICE_NAME="jobtrail-ingest",
        POWERTOOLS_METRICS_NAMESPACE="jobtrail",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    units: Counter[tuple[str, str, str]] = Counter()
    with tempfile.TemporaryDirectory() as work, units_by_item(units):
        result = replay(
            "dynamodb-local", args.jobs, args.seed, 50, Path(work) / "replay.log", mixed=not args.training
        )
    events = sum(batch["events"] for batch in result["batches"])
    reported = sum(batch["write_units"] for batch in result["batches"])
    # replay.py compares tags too, which the scripted answers do not hold: only other differences count
    wrong = [m for m in result["mismatched_jobs"] if not m.endswith(": summary.tags differ")]
    print(f"{events} events, {len(wrong)} jobs wrong, alerts each once: {result['alerts_each_once']}")
    print(f"{'operation':<22} {'item':<12} {'charged to':<18} {'WRU/event':>9}")
    for (operation, kind, where), value in sorted(units.items(), key=lambda entry: -entry[1]):
        print(f"{operation:<22} {kind:<12} {where:<18} {value / events:>9.3f}")
    by_where: Counter[str] = Counter()
    for (_, _, where), value in units.items():
        by_where[where] += value
    print("by table/index: " + ", ".join(f"{w} {v / events:.3f}" for w, v in by_where.most_common()))
    total = sum(units.values()) / events
    print(f"total {total:.3f} WRU/event (the replay's own count: {reported / events:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
