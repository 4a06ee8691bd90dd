"""Moving a history table written before jobtrail tracked every kind of job to today's layout.

Until then a training job's partition was ``JOB#<name>``; now a job's partition names its whole identity,
``JOB#<account>#<region>#<kind>#<name>`` (``history_table``). The old summaries are still found without a
Scan: their ``job_index`` is ``JOB`` on the ``by-creation-time`` index. For each, every item of its
partition is copied to the new one — the summary with its kind, account and region (from its ARN) and its
times under their new names, alerts with their kind — each put only if the new partition does not hold
that item yet (ingest may have written a newer state since the upgrade: it wins), and then the old items
are deleted. A run that stops anywhere can simply be run again. The backfill watermarks move to their
per-kind names.

Used by ``jobtrail migrate``; not shipped in the Lambda layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from jobtrail.adapters.history_table import (
    SUMMARY_SK,
    WATERMARK_PREFIX,
    WATERMARK_SK,
    HistoryTable,
    StoreError,
    job_pk,
)
from jobtrail.core.kinds import JobKey, key_from_arn

#: The ``job_index`` every summary had before kinds: all jobs were training jobs.
LEGACY_JOB_INDEX = "JOB"
#: Summary attributes renamed since (the kind's own start and end times).
_RENAMED = {"training_start_time": "start_time", "training_end_time": "end_time"}
#: Backfill progress is kept per kind now.
_WATERMARKS = {"backfill": "backfill/training", "backfill-since": "backfill-since/training"}
_BATCH = 25

Item = dict[str, Any]


@dataclass
class MigrationReport:
    """What a migration run did (``--json`` prints it)."""

    jobs: int = 0
    items_copied: int = 0
    items_kept: int = 0  # the new layout already held them (written since the upgrade)
    items_deleted: int = 0
    watermarks_moved: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "jobs": self.jobs,
            "items_copied": self.items_copied,
            "items_kept": self.items_kept,
            "items_deleted": self.items_deleted,
            "watermarks_moved": self.watermarks_moved,
            "skipped": list(self.skipped),
        }


class HistoryMigration:
    """The old-layout jobs of one table, and moving them (raw DynamoDB calls on the table's client)."""

    def __init__(self, table_name: str, *, region: str | None = None, host: str | None = None) -> None:
        self.table_name = table_name
        self._table = HistoryTable.bind(table_name, region=region, host=host)

    def legacy_jobs(self) -> list[str]:
        """The partition keys of the jobs still in the old layout (Queries on ``by-creation-time``)."""
        return [item["pk"]["S"] for item in self._pages(self._legacy_summaries_request())]

    def migrate(
        self, *, dry_run: bool = False, keep_old: bool = False, on_job: Callable[[str], None] | None = None
    ) -> MigrationReport:
        """Move every old-layout job (``dry_run``: only count them and their items; ``keep_old``: copy
        them and leave the old items, which a stack not yet updated still reads and writes)."""
        report = MigrationReport()
        for old_pk in self.legacy_jobs():
            items = list(self._pages(self._partition_request(old_pk)))
            summary = next((item for item in items if item["sk"]["S"] == SUMMARY_SK), None)
            key = key_from_arn(summary["job_arn"]["S"]) if summary and "job_arn" in summary else None
            if summary is None or key is None or key.kind != "training":
                report.skipped.append(f"{old_pk}: no summary with a training job's ARN")
                continue
            job = JobKey(key.account, key.region, "training", summary["job_name"]["S"])
            report.jobs += 1
            if not dry_run:
                for item in items:
                    if self._put_if_absent(_moved(item, job)):
                        report.items_copied += 1
                    else:
                        report.items_kept += 1
                if not keep_old:
                    report.items_deleted += self._delete(items)
            if on_job:
                on_job(old_pk)
        report.watermarks_moved = 0 if dry_run or keep_old else self._move_watermarks()
        return report

    # -- DynamoDB ---------------------------------------------------------------------------------------

    def _legacy_summaries_request(self) -> dict[str, Any]:
        return {
            "TableName": self.table_name,
            "IndexName": "by-creation-time",
            "KeyConditionExpression": "job_index = :legacy",
            "ExpressionAttributeValues": {":legacy": {"S": LEGACY_JOB_INDEX}},
        }

    def _partition_request(self, pk: str) -> dict[str, Any]:
        return {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }

    def _pages(self, request: dict[str, Any]) -> Iterator[Item]:
        client = self._client()
        while True:
            page = _call(partial(client.query, **request))
            yield from page.get("Items", ())
            if "LastEvaluatedKey" not in page:
                return
            request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def _put_if_absent(self, item: Item) -> bool:
        client = self._client()
        try:
            client.put_item(
                TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise _store_error(error) from error
        except BotoCoreError as error:
            raise _store_error(error) from error
        return True

    def _delete(self, items: list[Item]) -> int:
        client = self._client()
        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in items]
        for start in range(0, len(keys), _BATCH):
            pending: list[dict[str, Any]] = [
                {"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH]
            ]
            for _ in range(10):  # unprocessed items are retried, a bounded number of times
                answer = _call(partial(client.batch_write_item, RequestItems={self.table_name: pending}))
                pending = answer.get("UnprocessedItems", {}).get(self.table_name, [])
                if not pending:
                    break
            else:
                raise StoreError(f"{len(pending)} old items could not be deleted; run the migration again")
        return len(keys)

    def _move_watermarks(self) -> int:
        client = self._client()
        moved = 0
        for old, new in _WATERMARKS.items():
            old_key = {"pk": {"S": f"{WATERMARK_PREFIX}{old}"}, "sk": {"S": WATERMARK_SK}}
            found = _call(
                partial(client.get_item, TableName=self.table_name, Key=old_key, ConsistentRead=True)
            )
            if "Item" not in found:
                continue
            self._put_if_absent({**found["Item"], "pk": {"S": f"{WATERMARK_PREFIX}{new}"}})
            _call(partial(client.delete_item, TableName=self.table_name, Key=old_key))
            moved += 1
        return moved

    def _client(self) -> Any:
        return self._table.connection.client


def _moved(item: Mapping[str, Any], job: JobKey) -> Item:
    """An old-layout item as today's layout stores it under ``job``'s partition."""
    moved: Item = {_RENAMED.get(name, name): value for name, value in item.items()}
    moved["pk"] = {"S": job_pk(job)}
    kind = item.get("kind", {}).get("S")
    if kind == "summary":
        moved["job_index"] = {"S": job.kind}
        moved["account"] = {"S": job.account}
        moved["region"] = {"S": job.region}
    elif kind == "alert":
        moved["job_kind"] = {"S": job.kind}
    return moved


def _call(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except (ClientError, BotoCoreError) as error:
        raise _store_error(error) from error


def _store_error(error: ClientError | BotoCoreError) -> StoreError:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return StoreError(f"{details.get('Code')}: {details.get('Message')}")
    return StoreError(str(error))
