"""``jobtrail cost``: what the jobs created in a window cost, per group; and the cost of a tuning job or a
pipeline execution, rolled up from its jobs when it is read (``show``).

Everything is read by Query on the indexes (``HistoryQueries.list_jobs``: ``by-creation-time``, one Query
per kind; a tuning job's jobs on ``by-tuning-job``) and one Query per pipeline execution for its steps;
never a Scan. The costs are those the functions stored with each summary.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from msgspec.structs import replace

from jobtrail_cli.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from jobtrail.adapters.history_queries import HistoryQueries
    from jobtrail.core.kinds import JobKey
    from jobtrail.core.model import JobCost, JobRecord, JobSummary, StoredJob
    from jobtrail.core.price_settings import PriceSettings
    from jobtrail.core.routing import Routes

    from jobtrail_cli.cost_report import CostReport, Grouping

#: The window when ``--since`` is not given.
DEFAULT_SINCE: Final = "30d"
#: The most jobs one ``cost`` reads (and a tuning job's roll-up): past it, it says so and counts these.
MAX_JOBS: Final = 20_000
#: The stack parameter that names the deployed price settings.
SETTINGS_PARAMETER: Final = "PriceSettingsParameterName"
#: Why a job in the table has no cost stored.
NOT_PRICED: Final = "not priced yet"


def cost(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail cost``: totals per group (``--by``) of the jobs created in the window: spend, spend on
    failed and on stopped or interrupted jobs, spot savings, jobs counted, jobs whose cost is unknown."""
    from jobtrail.adapters.history_queries import JobQuery  # noqa: PLC0415 - keep `--help` fast

    from jobtrail_cli.cost_report import cost_report, grouped_by  # noqa: PLC0415

    since, until, by = options(args)
    if (args.routes or args.parameter) and by != "team":
        raise UserError("--routes and --parameter say how --by team groups jobs: add --by team", EXIT_USAGE)
    team_of = team_namer(args, wiring) if by == "team" else None
    store = wiring.queries()
    summaries = wiring.read(lambda: store.list_jobs(JobQuery(since=since, until=until, limit=MAX_JOBS)))
    if len(summaries) == MAX_JOBS:
        print(
            f"jobtrail: counted the {MAX_JOBS} newest jobs of the window only; a shorter --since counts all",
            file=sys.stderr,
        )
    name_of: Callable[[JobSummary], str | None] | None = None
    if by == "team":
        name_of = team_of
    elif by == "pipeline":
        name_of = _pipeline_of(summaries, store, wiring)
    elif by == "day":
        name_of = day_created
    report = cost_report(by, summaries, grouped_by(by, name_of))
    said = window(since, until)
    if args.json:
        print_json(report_view(report, since, until))
        return EXIT_OK
    from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing tables

    render.cost_table(report, where=wiring.where(), window=said, wide=args.wide)
    return EXIT_OK


def day_created(summary: JobSummary) -> str:
    """The day the job was created, in the zone times are shown in (``--tz``): ``2026-11-25``."""
    from jobtrail_cli.timezone import displayed  # noqa: PLC0415

    return displayed().local(summary.creation_time).date().isoformat()


def report_view(report: CostReport, since: datetime, until: datetime | None) -> dict[str, Any]:
    """``cost --json``: the window, the groups' totals and the total, the jobs that bill through theirs."""
    from jobtrail_cli.cost_report import totals_view  # noqa: PLC0415

    return {
        "by": report.by,
        "since": since.astimezone(UTC).isoformat(),
        "until": None if until is None else until.astimezone(UTC).isoformat(),
        "groups": [totals_view(group) for group in report.groups],
        "total": totals_view(report.total),
        "rolled_up_jobs": report.rolled_up_jobs,
        "price_bases": report.bases,
    }


def options(args: argparse.Namespace) -> tuple[datetime, datetime | None, Grouping]:
    """``--since`` (default ``DEFAULT_SINCE``), ``--until`` and ``--by`` as the parser reads such options;
    a bad one is one line naming it (exit 2)."""
    from jobtrail_cli import parser  # noqa: PLC0415 - the parser imports this module

    def read(option: str, convert: Callable[[str], Any], text: str) -> Any:
        try:
            return convert(text)
        except argparse.ArgumentTypeError as error:
            raise UserError(f"{option}: {error}", EXIT_USAGE) from None

    since: datetime = read("--since", parser.moment, args.since or DEFAULT_SINCE)
    until: datetime | None = None if args.until is None else read("--until", parser.until, args.until)
    if until is not None and since > until:
        raise UserError("--since is after --until", EXIT_USAGE)
    by: Grouping = read("--by", parser.grouping, args.by)
    return since, until, by


def window(since: datetime, until: datetime | None) -> str:
    """The window as ``cost``'s title says it: ``created since 2026-11-20 00:00 UTC``."""

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

    return f"created {utc(since)} to {utc(until)}" if until else f"created since {utc(since)}"


def team_namer(args: argparse.Namespace, wiring: Wiring) -> Callable[[JobSummary], str | None] | None:
    """How ``--by team`` names a job's team: as the routes document (``_routes``) routes its alerts;
    ``None`` when there is none (then each job's ``team`` tag names it)."""
    routes = _routes(args, wiring)
    return None if routes is None else _team_by_routes(routes)


def _routes(args: argparse.Namespace, wiring: Wiring) -> Routes | None:
    """The routes document ``--by team`` routes jobs by: ``--routes FILE``, ``--parameter NAME``, or the
    ``--stack`` stack's (not with ``--local``); ``None`` when there is none (then the ``team`` tag)."""
    from jobtrail_cli.commands.routes import routes_document  # noqa: PLC0415

    if not (args.routes or args.parameter or (args.stack and not args.local)):
        return None
    return routes_document(args, wiring, "cost --by team").routes


def _team_by_routes(routes: Routes) -> Callable[[JobSummary], str | None]:
    """A job's team as its alerts are routed (``core.routing``), by the tags stored with it."""
    from jobtrail.core.routing import route_for  # noqa: PLC0415

    return lambda summary: route_for(routes, summary.key, summary.tags).team


def _pipeline_of(
    summaries: list[JobSummary], store: HistoryQueries, wiring: Wiring
) -> Callable[[JobSummary], str | None]:
    """The pipeline whose execution (among ``summaries``) ran each job, through its steps (one Query per
    execution), a tuning step's training jobs too; ``None`` for a job no execution of the window ran."""
    from jobtrail.core.kinds import key_from_arn  # noqa: PLC0415

    ran: dict[tuple[str, str, str, str], str] = {}
    for execution in (s for s in summaries if s.kind == "pipeline"):
        record = wiring.read(partial(store.get_job, execution.key))
        pipeline = execution.job_name.partition("/")[0]
        for step in record.steps if record else ():
            if step.job is not None:
                ran[_same(step.job)] = pipeline

    def pipeline_of(summary: JobSummary) -> str | None:
        found = ran.get(_same(summary.key))
        tuning = key_from_arn(summary.tuning_job_arn) if summary.tuning_job_arn else None
        return found if found or tuning is None else ran.get(_same(tuning))

    return pipeline_of


def _same(key: JobKey) -> tuple[str, str, str, str]:
    """A job's key as an ARN may spell it (a step's job's ARN and its Describe's may differ in case)."""
    return (key.account, key.region, key.kind, key.name.lower())


def with_rolled_up_cost(record: StoredJob, wiring: Wiring) -> StoredJob:
    """``record`` with a tuning job's or pipeline execution's cost filled in from its jobs' (one Query
    on ``by-tuning-job``; one Query per step's job), as it is when read; other kinds as stored."""
    from jobtrail.core.cost import ROLLED_UP_KINDS  # noqa: PLC0415

    summary = record.summary
    if summary.kind not in ROLLED_UP_KINDS:
        return record
    rolled = _rolled_up(record, wiring.queries(), wiring)
    return replace(record, summary=replace(summary, cost=rolled))


def _rolled_up(record: JobRecord, store: HistoryQueries, wiring: Wiring) -> JobCost:
    from jobtrail.adapters.history_queries import JobQuery  # noqa: PLC0415
    from jobtrail.core.cost import rolled_up, unknown  # noqa: PLC0415

    summary = record.summary
    if summary.kind == "tuning":
        children = wiring.read(
            lambda: store.list_jobs(JobQuery(tuning_job=summary.job_name, kind="training", limit=MAX_JOBS))
        )
        return tuning_cost(children)
    costs: list[JobCost] = []
    for step in record.steps:
        if step.job is None:
            continue
        found = wiring.read(partial(store.get_job, step.job))
        if found is None:
            costs.append(unknown(f"step {step.name}'s job is not in the table"))
        elif found.summary.kind == "tuning":
            costs.append(_rolled_up(found, store, wiring))
        else:
            costs.append(_stored_cost(found.summary))
    return rolled_up(costs, "steps' jobs")


def tuning_cost(children: Iterable[JobSummary]) -> JobCost:
    """A tuning job's cost: its training jobs' (``children``), rolled up."""
    from jobtrail.core.cost import rolled_up  # noqa: PLC0415

    return rolled_up((_stored_cost(child) for child in children), "training jobs")


def _stored_cost(summary: JobSummary) -> JobCost:
    from jobtrail.core.cost import unknown  # noqa: PLC0415

    return summary.cost if summary.cost is not None else unknown(NOT_PRICED)


def check(args: argparse.Namespace, wiring: Wiring) -> int:
    """``cost check [FILE]``: the price settings document is valid (exit 0, what it sets), or one line
    saying what is wrong and in which entry (exit 2); unreadable: exit 3."""
    from jobtrail.core.price_settings import PriceSettingsError, parse_price_settings  # noqa: PLC0415

    if args.settings and args.parameter:
        raise UserError("pass FILE or --parameter, not both", EXIT_USAGE)
    source, found = _settings(args, wiring)
    try:
        settings = parse_price_settings(found) if isinstance(found, str) else found
    except PriceSettingsError as error:
        raise UserError(f"{source}: {error}", EXIT_USAGE) from None
    text = (
        f"{source}: list prices as the AWS Price List gives them"
        if settings is None
        else f"{source}: valid; {_described(settings)}"
    )
    if args.json:
        print_json(
            {
                "valid": True,
                "settings": source,
                "discount_percent": 0 if settings is None else float(settings.discount_percent),
                "prices": []
                if settings is None
                else [
                    {
                        "instance_type": entry.instance_type,
                        "usage": entry.usage,
                        "region": entry.region,
                        "usd_per_hour": float(entry.usd_per_hour),
                    }
                    for entry in settings.overrides
                ],
            }
        )
    else:
        print(text)
    return EXIT_OK


def _settings(args: argparse.Namespace, wiring: Wiring) -> tuple[str, str | PriceSettings | None]:
    """Where the document is, in words, and its text (a file's) or the settings (a parameter's, as the
    functions read it); ``None`` when the stack has none."""
    from jobtrail.core.price_settings import PriceSettingsError, PriceSettingsUnreadable  # noqa: PLC0415

    if args.settings:
        from jobtrail_cli.commands.routes import read_document  # noqa: PLC0415

        return f"price settings {args.settings}", read_document(args.settings, "price settings")
    wiring.refuse_local("cost check without FILE", "the demo has no SSM parameter: pass FILE")
    name = args.parameter
    source = f"SSM parameter {name}"
    if not name:
        name = wiring.jobtrail_stack_parameter(
            SETTINGS_PARAMETER, "which price settings? pass FILE or --parameter NAME"
        )
        if not name:
            return f"stack {wiring.stack_name()} has no price settings ({SETTINGS_PARAMETER})", None
        source = f"stack {wiring.stack_name()}'s {SETTINGS_PARAMETER} {name}"
    try:
        return source, wiring.price_settings(name).load()
    except PriceSettingsUnreadable as error:
        text = " ".join(str(error).split())
        if "ParameterNotFound" in text:
            text = f"SSM parameter {name} does not exist (are the name and the region right?)"
        raise UserError(text, EXIT_FAILURE) from None
    except PriceSettingsError as error:
        raise UserError(f"{error} (until it is fixed, new costs stay unknown)", EXIT_USAGE) from None


def _described(settings: PriceSettings) -> str:
    """``discount 12.5 %; 2 prices set: ml.p4d.24xlarge $24.10/h, ml.g5.2xlarge Training in eu-west-1
    $1.40/h``."""
    discount = (
        f"discount {settings.discount_percent.normalize():f} %"
        if settings.discount_percent
        else "no discount"
    )
    if not settings.overrides:
        return f"{discount}; no prices set"
    prices = ", ".join(
        " ".join(
            part
            for part in (entry.instance_type, entry.usage, f"in {entry.region}" if entry.region else None)
            if part
        )
        + f" ${entry.usd_per_hour:f}/h"
        for entry in settings.overrides
    )
    count = len(settings.overrides)
    return f"{discount}; {count} price{'' if count == 1 else 's'} set: {prices}"
