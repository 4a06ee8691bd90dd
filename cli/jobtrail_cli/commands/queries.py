"""Reading the history table: ``jobs``, ``alerts``, and ``show``, ``history``, ``metrics`` about one job."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from jobtrail_cli.errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring, aws_call

if TYPE_CHECKING:
    from jobtrail.core.model import StoredJob


def jobs(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail jobs``: job summaries newest first, filtered by status, creation time or tuning job."""
    from jobtrail.adapters.history_queries import JobQuery  # noqa: PLC0415 - keep `--help` fast
    from jobtrail.core.views import summary_view  # noqa: PLC0415

    if args.since and args.until and args.since > args.until:
        raise UserError("--since is after --until", EXIT_USAGE)
    store = wiring.queries()
    summaries = aws_call(
        lambda: store.list_jobs(
            JobQuery(
                status=args.status,
                since=args.since,
                until=args.until,
                tuning_job=args.tuning_job,
                limit=args.limit,
            )
        )
    )
    return _answer(
        args,
        lambda: [summary_view(s) for s in summaries],
        "jobs_table",
        summaries,
        table_name=store.table_name,
    )


def alerts(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail alerts [JOB]``: alerts and their delivery state, newest first; exit 1 if no such job."""
    from jobtrail.adapters.history_queries import AlertQuery  # noqa: PLC0415
    from jobtrail.core.views import alert_view  # noqa: PLC0415

    store = wiring.queries()
    found = aws_call(
        lambda: store.list_alerts(AlertQuery(job_name=args.job, since=args.since, limit=args.limit))
    )
    if not found and args.job and aws_call(lambda: store.get_job(args.job)) is None:
        raise UserError(f"no job named {args.job!r} in table {store.table_name}", EXIT_NOT_FOUND)
    return _answer(
        args, lambda: [alert_view(a) for a in found], "alerts_table", found, table_name=store.table_name
    )


def show(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail show JOB``: the job's summary and final metrics."""
    from jobtrail.core.views import job_view  # noqa: PLC0415

    record = _job(args, wiring)
    return _answer(args, lambda: job_view(record), "job_details", record)


def history(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail history JOB``: the job's status transitions, oldest first, as a timeline."""
    from jobtrail.core.views import transition_view  # noqa: PLC0415

    record = _job(args, wiring)
    return _answer(args, lambda: [transition_view(t) for t in record.transitions], "timeline", record)


def metrics(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail metrics JOB``: the job's final metrics."""
    from jobtrail.core.views import metric_view  # noqa: PLC0415

    record = _job(args, wiring)
    return _answer(args, lambda: [metric_view(m) for m in record.final_metrics], "metrics_table", record)


def _job(args: argparse.Namespace, wiring: Wiring) -> StoredJob:
    """The ``JOB`` argument's record; exit 1 if there is no such job."""
    store = wiring.queries()
    record = aws_call(lambda: store.get_job(args.job))
    if record is None:
        raise UserError(f"no job named {args.job!r} in table {store.table_name}", EXIT_NOT_FOUND)
    return record


def _answer(
    args: argparse.Namespace, document: Callable[[], object], screen: str, *shown: object, **options: str
) -> int:
    """``document()`` as JSON with ``--json``, else the table ``render.<screen>(*shown, **options)``."""
    if args.json:
        print_json(document())
    else:
        from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing tables

        getattr(render, screen)(*shown, **options)
    return EXIT_OK
