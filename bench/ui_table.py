"""The big history table ``bench/ui_pages.py`` serves with ``jobtrail ui``, filled in a process of its own
(``bench/ui_pages.py`` starts it with this checkout's code on ``PYTHONPATH``, as ``bench/run.py`` starts
``bench/replay.py``).

The jobs are a mixed load of ``jobtrail_local.loadgen`` (``MIXED_KINDS``: training jobs and the tuning jobs
of their tuning children, processing and transform jobs, pipeline executions and their steps' jobs), as
many as asked for: the last transform jobs of the load (each a family of its own) are left out to make the
count exact. Each job is its final Describe answer moved in time: each family (a job alone, a tuning job
with the training jobs it launched, a pipeline execution with its steps' jobs) to one of the ``days``
before now, picked at random (seeded), keeping its time of day, so that the newest jobs ended hours ago
and the oldest were created an hour after the start of a ``days``-day window. Each is priced at the list
prices of ``events/pricing`` and tagged with its events' tags, as ingest stores a job that has ended
(``replay.priced``, ``replay.with_tags``), then written as ingest writes a job it has not seen:
``HistoryStore.apply(plan_changes(None, record, DEFAULT_ALERT_ON))`` (its summary, transitions, metrics
and steps in one item, and its alerts, left pending), from a few threads. That is much faster than
replaying the load's events through the ingest handler, and stores the same final records.

Writes a JSON document: the table, its jobs by kind and status, the seconds the load took to generate and
to write, and a few jobs worth a page (a spot training job interrupted most, the tuning job with the most
training jobs, the newest failed pipeline execution).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.core.alerts import DEFAULT_ALERT_ON
from jobtrail.core.history import plan_changes
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import JobRecord
from jobtrail_local.lifecycle_builder import moved_in_time
from jobtrail_local.lifecycles import record_of
from jobtrail_local.loadgen import MIXED_KINDS, Load, generate
from jobtrail_local.local_stack import use_local_credentials
from jobtrail_local.table_schema import create_history_table
from replay import listed_prices, priced, with_tags

REGION = "us-east-1"
#: Jobs in a mixed load per job planned (its pipelines' steps and its tuners add jobs): a first guess,
#: corrected by the load generated.
JOBS_PER_PLANNED = 1.22
#: Threads writing: DynamoDB Local answers a few writes at once (on the demo's, on disk, 1,008 jobs took
#: 5.1 ms a job from two threads and 4.8 ms from four, where one thread took 10 ms).
WRITERS = 4
#: The oldest family is created this long after the window's start, so the window still holds it when
#: the pages are read.
MARGIN = timedelta(hours=1)


def mixed_load(jobs: int, seed: int) -> tuple[Load, list[JobKey]]:
    """A mixed load holding at least ``jobs`` jobs, and its jobs but the last transform jobs past
    ``jobs``."""
    planned = math.ceil(jobs / JOBS_PER_PLANNED)
    for _ in range(5):
        load = generate(planned, seed, mix=MIXED_KINDS)
        keys = list(load.jobs)
        transforms = [key for key in keys if key.kind == "transform"]
        excess = len(keys) - jobs
        if 0 <= excess <= len(transforms):
            dropped = set(transforms[len(transforms) - excess :])
            return load, [key for key in keys if key not in dropped]
        # Too few jobs, or too many to drop transform jobs alone: plan again at the ratio seen.
        planned = max(
            1, planned + math.floor((jobs - len(keys) + len(transforms) // 2) * planned / len(keys))
        )
    raise RuntimeError(f"no mixed load of {jobs} jobs after 5 tries (seed {seed})")


def families(records: Sequence[JobRecord]) -> dict[JobKey, JobKey]:
    """Each job's family, by key: a tuning job's for the training jobs it launched, a pipeline
    execution's for its steps' jobs, its own otherwise."""
    family = {record.key: record.key for record in records}
    for record in records:
        key = record.key
        if key.kind == "pipeline":
            for step in record.steps:
                if step.job is not None and step.job in family:
                    family[step.job] = key
        elif key.kind == "training" and record.summary.tuning_job_name:
            tuning = JobKey(
                account=key.account, region=key.region, kind="tuning", name=record.summary.tuning_job_name
            )
            family[key] = family.get(tuning, key)
    return family


def spread_over_days(
    load: Load, keys: Sequence[JobKey], days: int, seed: int, now: datetime
) -> list[JobRecord]:
    """The final records of ``keys``, each family moved to one of the ``days`` before ``now`` (see the
    module's docstring)."""
    first = [load.final_record(key) for key in keys]
    created = min(record.summary.creation_time for record in first)
    ended = max(record.summary.end_time or record.summary.last_modified_time or created for record in first)
    if ended - created >= timedelta(days=1) - MARGIN:
        raise RuntimeError(f"the load spans {ended - created}: too long to move its jobs a day apart")
    start = now - timedelta(days=days) + MARGIN - created
    family = families(first)
    rng = random.Random(seed)  # noqa: S311 - a reproducible spread, not a secret
    day = {name: rng.randrange(days) for name in dict.fromkeys(family[key] for key in keys)}
    moved = []
    for key in keys:
        steps = load.steps_of(key)
        delta = start + timedelta(days=day[family[key]])
        moved.append(with_tags(record_of(key.kind, moved_in_time(steps[-1].describe, delta)), steps))
    return moved


def priced_at_list_prices(records: Sequence[JobRecord]) -> list[JobRecord]:
    """``records`` with their costs at ``events/pricing``'s list prices, each price looked up once (the
    stubbed Price List answers one thread at a time)."""
    listed = listed_prices()
    in_region = functools.cache(lambda region: functools.cache(listed(region)))
    return [priced(record, in_region(record.key.region)) for record in records]


def write(records: Sequence[JobRecord], table: str, endpoint_url: str) -> int:
    """``records`` written as ingest writes jobs it has not seen, from ``WRITERS`` threads; the alerts
    written with them."""
    store = HistoryStore(table, region=REGION, host=endpoint_url)

    def one(record: JobRecord) -> int:
        changes = plan_changes(None, record, DEFAULT_ALERT_ON)
        store.apply(changes)
        return len(changes.new_alerts)

    with ThreadPoolExecutor(WRITERS) as pool:
        return sum(pool.map(one, records))


def featured(records: Sequence[JobRecord]) -> dict[str, dict[str, str]]:
    """The jobs whose pages are timed: the spot training job interrupted most, the tuning job with the
    most training jobs, the newest failed pipeline execution."""
    spot = max(
        (r for r in records if r.key.kind == "training" and r.summary.managed_spot),
        key=lambda r: (sum(t.status == "Interrupted" for t in r.transitions), r.summary.creation_time),
    )
    children = Counter(r.summary.tuning_job_name for r in records if r.summary.tuning_job_name)
    tuning = max(
        (r for r in records if r.key.kind == "tuning"),
        key=lambda r: (children[r.key.name], r.summary.creation_time),
    )
    pipeline = max(
        (r for r in records if r.key.kind == "pipeline" and r.summary.status == "Failed"),
        key=lambda r: r.summary.creation_time,
    )
    return {
        "spot": _key(spot.key),
        "tuning": _key(tuning.key) | {"training_jobs": str(children[tuning.key.name])},
        "failed_pipeline": _key(pipeline.key),
    }


def _key(key: JobKey) -> dict[str, str]:
    """``key`` as ``jobs --json`` names a job."""
    return {"kind": key.kind, "job_name": key.name, "account": key.account, "region": key.region}


def fill(table: str, endpoint_url: str, jobs: int, days: int, seed: int) -> dict[str, Any]:
    """Create ``table`` on ``endpoint_url`` and fill it (see the module's docstring); what it holds."""
    use_local_credentials()
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    load, keys = mixed_load(jobs, seed)
    records = priced_at_list_prices(spread_over_days(load, keys, days, seed, now))
    generated = time.perf_counter()
    create_history_table(boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint_url), table)
    alerts = write(records, table, endpoint_url)
    written = time.perf_counter()
    return {
        "table": table,
        "jobs": len(records),
        "days": days,
        "seed": seed,
        "by_kind": dict(Counter(r.key.kind for r in records)),
        "by_status": dict(Counter(r.summary.status for r in records)),
        "alerts": alerts,
        "oldest": min(r.summary.creation_time for r in records).isoformat(),
        "newest": max(r.summary.creation_time for r in records).isoformat(),
        "generate_seconds": generated - started,
        "write_seconds": written - generated,
        "writers": WRITERS,
        "featured": featured(records),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", required=True, help="the DynamoDB Local to create the table on")
    parser.add_argument("--table", required=True)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, required=True, help="where the JSON document goes")
    args = parser.parse_args(argv)
    document = fill(args.table, args.endpoint_url, args.jobs, args.days, args.seed)
    args.output.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
