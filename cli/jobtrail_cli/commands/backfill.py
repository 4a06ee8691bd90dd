"""``jobtrail backfill``: record the history of the jobs SageMaker created before jobtrail was deployed."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from jobtrail_cli.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring

if TYPE_CHECKING:
    from collections.abc import Callable

    from jobtrail.core.organization import Place
    from jobtrail.usecases.reconcile import PassReport, ReconcileDeps


def backfill(args: argparse.Namespace, wiring: Wiring) -> int:
    """Sync every job created since ``--since`` (resuming a run that stopped), silently unless ``--alerts``;
    exit 3 when a job failed, after saying to run the same command again."""
    from jobtrail.usecases import reconcile  # noqa: PLC0415 - keep `--help` fast

    if args.rate <= 0:
        raise UserError("--rate must be positive", EXIT_USAGE)
    wiring.refuse_local(args.command, "backfill reads SageMaker in your account")
    reports = [_backfill_place(args, wiring, place) for place in _places(args, wiring)]
    report = reconcile.combined(reports)
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


def _backfill_place(args: argparse.Namespace, wiring: Wiring, place: Place | None) -> PassReport:
    """One place's backfill (``None``: your own account in the table's region), with a progress bar
    unless ``--json``."""
    from jobtrail.usecases import reconcile  # noqa: PLC0415

    deps = _deps(args, wiring, place)
    if args.json:
        with wiring.function_logs_to_stderr():
            return _run(wiring, lambda: reconcile.backfill(deps, args.since, place=place), place)
    from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing

    where = "" if place is None else f" in {place}"
    with wiring.function_logs_to_stderr(), render.counting_progress(f"Backfilling jobs{where}") as tick:
        return _run(
            wiring, lambda: reconcile.backfill(deps, args.since, on_job=lambda _: tick(), place=place), place
        )


def _places(args: argparse.Namespace, wiring: Wiring) -> list[Place | None]:
    """Where to backfill: the place ``--account``/``--job-region`` name; without them, every place of an
    organization-mode ``--stack`` (home first); else your own account in the table's region (``None``)."""
    if args.account is not None or args.job_region is not None:
        return [_place(args, wiring)]
    organization = wiring.stack_organization() if args.stack else None
    if organization is None:
        return [None]
    members = wiring.organization_accounts() if organization.lists_accounts else frozenset()
    return list(organization.places(members))


def _place(args: argparse.Namespace, wiring: Wiring) -> Place:
    """The member place ``--account``/``--job-region`` name (organization mode; ``--stack`` needed)."""
    from jobtrail.core.organization import Place  # noqa: PLC0415

    if not args.stack:
        raise UserError(
            "--account and --job-region need --stack STACK (its organization settings)", EXIT_USAGE
        )
    organization = wiring.stack_organization()
    if organization is None:
        raise UserError(
            f"stack {args.stack!r} is not in organization mode: pass no --account or --job-region"
        )
    place = Place(args.account or organization.home.account, args.job_region or organization.home.region)
    members = wiring.organization_accounts() if organization.lists_accounts else None
    refusal = organization.refusal(place, members)
    if refusal is not None:
        raise UserError(f"stack {args.stack!r} does not keep that place: {refusal}", EXIT_USAGE)
    return place


def _run(wiring: Wiring, backfill: Callable[[], PassReport], place: Place | None) -> PassReport:
    """The backfill of one place; a member role that cannot be assumed is that place's failure, in one
    line (the other places go on)."""
    from jobtrail.adapters.member_access import MemberAccessFailed  # noqa: PLC0415
    from jobtrail.usecases.reconcile import PassReport  # noqa: PLC0415

    try:
        return wiring.read(backfill)
    except MemberAccessFailed as error:
        failed = PassReport()
        failed.failures.append(
            f"cannot read {place}: {error} (is your role in the member stacks' OperatorRoleArns?)"
        )
        return failed


def _deps(args: argparse.Namespace, wiring: Wiring, place: Place | None = None) -> ReconcileDeps:
    """The reconcile use case over this account's SageMaker and the history table; with ``--alerts`` it
    publishes to the AlertTopic, else due alerts go to the outbox for the deployed functions to publish.
    Either way a ``Failed`` alert it creates quotes the end of the job's log, as the deployed functions'
    do (``--log-lines``, else the stack's AlertLogLines).
    Each new job's tags are read (ListTags) and stored as the functions do; alerts are routed by the
    stack's routes document (``AlertRoutesParameterName``) with ``--stack``, else carry no team, and their
    links open the job's account through the stack's access portal (``ConsolePortalUrl``) as the
    functions' do."""
    from jobtrail.adapters import sagemaker, sns  # noqa: PLC0415
    from jobtrail.core.rate_limit import TokenBucket  # noqa: PLC0415
    from jobtrail.usecases import reconcile  # noqa: PLC0415
    from jobtrail.usecases.sync import SyncDeps  # noqa: PLC0415

    store = wiring.store()
    jobs, member_logs = (
        wiring.member_reach(place)
        if place is not None
        else (sagemaker.SageMakerJobs(wiring.sagemaker()), None)
    )
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
        logs=(member_logs or wiring.job_logs()) if log_lines > 0 else None,
        log_lines=log_lines,
        tags=jobs,
        routes=wiring.alert_routes(routes_parameter) if routes_parameter else None,
        links=wiring.console_links(),
    )
    deps = reconcile.ReconcileDeps(
        sync=sync,
        catalog=jobs,
        histories=store,
        bucket=TokenBucket(args.rate),
        kinds=args.kind or wiring.tracked_kinds(),
        organization=wiring.stack_organization() if place is not None else None,
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
