"""``jobtrail backfill``: record the history of the jobs SageMaker created before jobtrail was deployed."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from jobtrail_cli.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring

if TYPE_CHECKING:
    from jobtrail.usecases.reconcile import PassReport, ReconcileDeps


def backfill(args: argparse.Namespace, wiring: Wiring) -> int:
    """Sync every job created since ``--since`` (resuming a run that stopped), silently unless ``--alerts``;
    exit 3 when a job failed, after saying to run the same command again."""
    from jobtrail.usecases import reconcile  # noqa: PLC0415 - keep `--help` fast

    if args.rate <= 0:
        raise UserError("--rate must be positive", EXIT_USAGE)
    wiring.refuse_local(args.command, "backfill reads SageMaker in your account")
    deps = _deps(args, wiring)
    if args.json:
        with wiring.function_logs_to_stderr():
            report = wiring.read(lambda: reconcile.backfill(deps, args.since))
    else:
        from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing

        with wiring.function_logs_to_stderr(), render.counting_progress("Backfilling jobs") as tick:
            report = wiring.read(lambda: reconcile.backfill(deps, args.since, on_job=lambda _: tick()))
    if args.json:
        print_json(report.as_dict())
    else:
        _print_summary(report)
    if report.failures:
        for failure in report.failures:
            print(f"jobtrail: {failure}", file=sys.stderr)
        print("jobtrail: run the same command again to resume where it stopped", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _deps(args: argparse.Namespace, wiring: Wiring) -> ReconcileDeps:
    """The reconcile use case over this account's SageMaker and the history table; with ``--alerts`` it
    publishes to the AlertTopic, else due alerts go to the outbox for the deployed functions to publish.
    Either way a ``Failed`` alert it creates quotes the end of the job's log, as the deployed functions'
    do (``--log-lines``, else the stack's AlertLogLines).
    Each new job's tags are read (ListTags) and stored as the functions do; alerts are routed by the
    stack's routes document (``AlertRoutesParameterName``) with ``--stack``, else carry no team."""
    from jobtrail.adapters import sagemaker, sns  # noqa: PLC0415
    from jobtrail.core.rate_limit import TokenBucket  # noqa: PLC0415
    from jobtrail.usecases import reconcile  # noqa: PLC0415
    from jobtrail.usecases.sync import SyncDeps  # noqa: PLC0415

    store = wiring.store()
    jobs = sagemaker.SageMakerJobs(wiring.sagemaker())
    alerts = None
    if args.alerts:
        alerts = sns.SnsAlertPublisher(
            wiring.sns(), args.topic_arn or wiring.stack_output("AlertTopicArn", "--topic-arn")
        )
    log_lines = wiring.alert_log_lines() if args.log_lines is None else args.log_lines
    routes_parameter = wiring.stack_parameter("AlertRoutesParameterName") if args.stack else None
    sync = SyncDeps(
        jobs=jobs,
        histories=store,
        alerts=alerts,
        alert_on=wiring.alert_on(),
        logs=wiring.job_logs() if log_lines > 0 else None,
        log_lines=log_lines,
        tags=jobs,
        routes=wiring.alert_routes(routes_parameter) if routes_parameter else None,
    )
    deps = reconcile.ReconcileDeps(
        sync=sync,
        catalog=jobs,
        histories=store,
        bucket=TokenBucket(args.rate),
        kinds=args.kind or wiring.tracked_kinds(),
    )
    return deps if args.alerts else reconcile.silent(deps, sync.clock())


def _print_summary(report: PassReport) -> None:
    print(
        f"{report.listed} jobs listed, {report.synced} described, {report.up_to_date} up to date, "
        f"{report.alerts_sent} alerts sent; resume point {report.watermark or '-'}"
    )
    if report.alerts_left_pending:
        print(
            f"{report.alerts_left_pending} alerts on live transitions left pending: the stack's "
            "ReconcileFunction publishes them within one period"
        )
