"""Upgrading a table written before jobtrail tracked every kind: ``HistoryMigration`` moves each old
``JOB#<name>`` partition to ``JOB#<account>#<region>#training#<name>``, and the result reads exactly as if
today's ingest had written it; readers skip old items until then; a second run changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from jobtrail.adapters.history_migration import HistoryMigration
from jobtrail.adapters.history_queries import AlertQuery, HistoryQueries, JobQuery
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.history_table import HistoryTable, job_pk
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.usecases.ingest import handle_batch
from jobtrail_cli.entry import main
from jobtrail_local.lifecycle_builder import job_key
from jobtrail_local.lifecycles import load_lifecycle, sqs_batch
from unpacked_layout import unpack_table
from worlds import World

#: What the layout before kinds called today's attributes.
OLD_NAMES = {"start_time": "training_start_time", "end_time": "training_end_time"}
LIFECYCLES = ("failed", "spot-interrupted", "tuning")


def recorded(world: World) -> list[str]:
    """Ingest every lifecycle in today's layout; the job names."""
    names: list[str] = []
    for name in LIFECYCLES:
        lifecycle = load_lifecycle(name)
        for step in lifecycle.steps:
            world.script.advance(step)
            assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
        names.extend(lifecycle.job_names)
    return names


def as_before_kinds(client: Any, table: str) -> None:
    """Rewrite every job item of ``table`` the way the layout before kinds stored it (which was also
    before the packed record)."""
    bound = HistoryTable.bind(table, region=client.meta.region_name, host=client.meta.endpoint_url)
    assert unpack_table(bound, client) > 0
    items = client.scan(TableName=table)["Items"]  # a test's table: a handful of items
    for item in items:
        pk = item["pk"]["S"]
        if not pk.startswith("JOB#"):
            old = {**item, "pk": {"S": pk.replace("backfill/training", "backfill")}}
            if old["pk"] != item["pk"]:
                client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
                client.put_item(TableName=table, Item=old)
            continue
        name = pk.split("#", 4)[4]
        old = {OLD_NAMES.get(key, key): value for key, value in item.items()}
        old["pk"] = {"S": f"JOB#{name}"}
        if item["kind"]["S"] == "summary":
            old["job_index"] = {"S": "JOB"}
            del old["account"], old["region"]
        if item["kind"]["S"] == "alert":
            del old["job_kind"]
        client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
        client.put_item(TableName=table, Item=old)


def test_an_old_table_reads_as_today_after_the_migration(world: World) -> None:
    # Given jobs recorded today, a backfill watermark, and what every job looks like when read back
    names = recorded(world)
    world.store.set_watermark("backfill/training", datetime(2026, 11, 1, tzinfo=UTC))
    table = world.store.table_name
    before = {name: world.queries.get_job(job_key(name)) for name in names}
    alerts_before = world.queries.list_alerts(AlertQuery(limit=100))
    # And the same table as the layout before kinds wrote it
    client = world.store.botocore_session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=_endpoint(world)
    )
    as_before_kinds(client, table)
    # Then readers skip the old items instead of failing
    fresh = HistoryQueries(table, region="us-east-1", host=_endpoint(world))
    assert fresh.list_jobs(JobQuery(status="Failed")) == []
    assert fresh.find_jobs(names[0]) == []
    assert fresh.list_alerts(AlertQuery(limit=100)) == []
    assert HistoryStore(table, region="us-east-1", host=_endpoint(world)).in_progress_jobs() == []
    # When the migration runs
    migration = HistoryMigration(table, region="us-east-1", host=_endpoint(world))
    assert len(migration.legacy_jobs()) == len(names)
    report = migration.migrate()
    # Then every job reads exactly as before, found by name, and the alerts and watermark are where they were
    assert (report.jobs, report.items_kept, report.skipped) == (len(names), 0, [])
    assert report.items_copied == report.items_deleted > len(names)
    assert report.watermarks_moved == 1
    assert {name: fresh.get_job(job_key(name)) for name in names} == before
    assert fresh.find_jobs(names[0]) == [job_key(names[0])]
    assert fresh.list_alerts(AlertQuery(limit=100)) == alerts_before
    assert world.store.get_watermark("backfill/training") == datetime(2026, 11, 1, tzinfo=UTC)
    # And nothing of the old layout is left: a second run finds nothing to do
    assert migration.legacy_jobs() == []
    assert migration.migrate().as_dict()["jobs"] == 0


def test_what_ingest_wrote_since_the_upgrade_wins(world: World) -> None:
    # Given an old-layout job, and the same job written again in today's layout after the upgrade
    lifecycle = load_lifecycle("failed")
    names = recorded(world)
    table = world.store.table_name
    client = world.store.botocore_session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=_endpoint(world)
    )
    as_before_kinds(client, table)
    job = lifecycle.job_names[0]
    world.script.advance(lifecycle.steps[-1])
    assert handle_batch(sqs_batch([lifecycle.steps[-1].sqs_body]), world.deps)["batchItemFailures"] == []
    today = world.queries.get_job(job_key(job))
    assert today is not None
    # When the migration runs
    report = HistoryMigration(table, region="us-east-1", host=_endpoint(world)).migrate()
    # Then the newer items were kept (not overwritten by the old ones) and every job was moved
    assert report.items_kept > 0
    assert report.jobs == len(names)
    after = world.queries.get_job(job_key(job))
    assert after is not None
    assert (after.summary, after.version) == (today.summary, today.version)


def _endpoint(world: World) -> str | None:
    host: str | None = world.store._table.root.Meta.host
    return host


def test_jobtrail_migrate_moves_the_table_and_says_so(world: World, capsys: Any) -> None:
    # Given an old-layout table
    names = recorded(world)
    table = world.store.table_name
    client = world.store.botocore_session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=_endpoint(world)
    )
    as_before_kinds(client, table)
    where = ["--table", table, *(["--endpoint-url", _endpoint(world) or ""] if _endpoint(world) else [])]
    capsys.readouterr()  # what recording printed (Powertools flushes EMF metrics to stdout by the hundred)
    # When `jobtrail migrate --dry-run`, then `jobtrail migrate --json` run
    assert main([*where, "migrate", "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith(f"would move {len(names)} jobs from the layout before kinds")
    assert main([*where, "migrate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # Then every job moved, and `jobtrail show` finds one
    assert report["jobs"] == len(names)
    assert main([*where, "show", names[0], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["job_name"] == names[0]


def test_a_copy_that_keeps_the_old_items_serves_both_layouts_until_the_move(world: World) -> None:
    # Given an old-layout table
    names = recorded(world)
    table = world.store.table_name
    client = world.store.botocore_session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=_endpoint(world)
    )
    as_before_kinds(client, table)
    migration = HistoryMigration(table, region="us-east-1", host=_endpoint(world))
    # When it is copied, keeping the old items (a stack not yet updated still reads them)
    copied = migration.migrate(keep_old=True)
    # Then today's layout reads every job, and the old layout is all still there
    assert (copied.jobs, copied.items_deleted, copied.watermarks_moved) == (len(names), 0, 0)
    fresh = HistoryQueries(table, region="us-east-1", host=_endpoint(world))
    assert all(fresh.get_job(job_key(name)) is not None for name in names)
    assert len(migration.legacy_jobs()) == len(names)
    # And the move after the update deletes them, copying nothing twice
    moved = migration.migrate()
    assert (moved.items_copied, moved.items_deleted) == (0, moved.items_kept)
    assert migration.legacy_jobs() == []


# ---- the packed record: a job's summary holds its whole record ----------------------------------------


def test_a_history_unpacked_by_an_older_version_reads_the_same_and_goes_on_packed(world: World) -> None:
    # Given a spot job recorded up to its middle, then rewritten as the layout before the packed record
    # stored it (a summary with an attribute per field; transitions, metrics and steps as items)
    lifecycle = load_lifecycle("spot-interrupted")
    job = job_key(lifecycle.job_names[0])
    half = len(lifecycle.steps) // 2
    for step in lifecycle.steps[:half]:
        world.script.advance(step)
        assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
    packed = world.store.load(job)
    client = world.store.botocore_session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=_endpoint(world)
    )
    assert unpack_table(world.store._table, client) == 1
    # Then it reads exactly as it did packed
    assert world.store.load(job) == packed
    assert packed is not None
    assert len(packed.transitions) > 1
    # When the rest of its events come
    for step in lifecycle.steps[half:]:
        world.script.advance(step)
        assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
    # Then its history is the final Describe's, packed again, and every alert went out once
    stored = world.store.load(job)
    final = record_from_describe(lifecycle.final_describe(job.name))
    assert stored is not None
    assert stored.transitions == final.transitions
    assert stored.final_metrics == final.final_metrics
    summary = world.store._table.summary.get(job_pk(job), "SUMMARY", consistent_read=True)
    assert summary.record is not None
    assert summary.job_arn is None  # the attributes of the layout before are gone
    alert_ids = [json.loads(n["Message"])["alert_id"] for n in world.notifications()]
    assert alert_ids
    assert len(alert_ids) == len(set(alert_ids)) == len(stored.alerts)


def test_a_listing_of_records_holds_what_each_summary_packs_and_a_summary_alone_before(world: World) -> None:
    # Given a tuning job's three training jobs, recorded as ingest records them
    lifecycle = load_lifecycle("tuning")
    for step in lifecycle.steps:
        world.script.advance(step)
        assert handle_batch(sqs_batch([step.sqs_body]), world.deps)["batchItemFailures"] == []
    children = JobQuery(tuning_job="xgb-tune-1120", kind="training")
    # When they are listed with their records
    listed = world.queries.list_records(children)
    # Then each is the job as read alone (one Query each), in list_jobs' order, final metrics included
    assert [r.summary for r in listed] == world.queries.list_jobs(children)
    for record in listed:
        stored = world.queries.get_job(record.key)
        assert stored is not None
        assert (record.summary, record.transitions, record.final_metrics) == (
            stored.summary,
            stored.transitions,
            stored.final_metrics,
        )
    assert any(r.final_metrics for r in listed)
    # And a table of the layout before the packed record lists the same summaries, without the rest
    client = world.store.botocore_session().create_client(
        "dynamodb", region_name="us-east-1", endpoint_url=_endpoint(world)
    )
    assert unpack_table(world.store._table, client) == len(listed)
    unpacked = world.queries.list_records(children)
    assert [r.summary for r in unpacked] == [r.summary for r in listed]
    assert [(r.transitions, r.final_metrics) for r in unpacked] == [((), ())] * len(listed)
