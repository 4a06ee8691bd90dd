"""Reading the history table: ``jobs``, ``alerts``, and ``show``, ``history``, ``metrics`` about one job."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING

from jobtrail_cli.errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring

if TYPE_CHECKING:
    from jobtrail.adapters.history_queries import HistoryQueries
    from jobtrail.core.kinds import JobKey, Kind
    from jobtrail.core.model import StoredJob

#: How many of the most recent jobs an unknown name is compared with (one bounded Query, never a Scan).
RECENT_JOBS = 500
#: How many candidates an ambiguous prefix lists.
SHOWN_CANDIDATES = 8


def jobs(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail jobs``: job summaries newest first, filtered by status, creation time or tuning job."""
    from jobtrail.adapters.history_queries import JobQuery  # noqa: PLC0415 - keep `--help` fast
    from jobtrail.core.views import summary_view  # noqa: PLC0415

    refuse_filters_that_match_nothing(args)
    store = wiring.queries()
    summaries = wiring.read(
        lambda: store.list_jobs(
            JobQuery(
                status=args.status,
                since=args.since,
                until=args.until,
                tuning_job=args.tuning_job,
                kind=args.kind,
                account=args.account,
                region=args.job_region,
                limit=args.limit,
            )
        )
    )
    return _answer(
        args,
        lambda: [summary_view(s) for s in summaries],
        lambda render: render.jobs_table(
            summaries, where=wiring.where(), filters=job_filters(args), wide=args.wide
        ),
    )


def job_filters(args: argparse.Namespace) -> str:
    """``jobs``' filters as its title says them: ``kind training, status Failed, created since …``."""
    return _joined(
        [
            f"kind {args.kind}" if args.kind else "",
            *_place_filters(args),
            f"status {args.status}" if args.status else "",
            f"tuning job {args.tuning_job}" if args.tuning_job else "",
            _time_filter("created", args.since, args.until),
        ]
    )


def refuse_filters_that_match_nothing(args: argparse.Namespace) -> None:
    """``jobs``' filters (``kind``, ``status``, ``since``, ``until``, ``tuning_job``) that no job can match
    together, in one line (exit 2): ``--since`` after ``--until``, a status of another kind, a tuning job's
    jobs of a kind other than training."""
    if args.since and args.until and args.since > args.until:
        raise UserError("--since is after --until", EXIT_USAGE)
    if args.kind and args.status:
        _refuse_status_of_other_kinds(args.kind, args.status)
    if args.tuning_job and args.kind not in {None, "training"}:
        raise UserError(
            f"a tuning job's jobs are training jobs: leave out --kind {args.kind} with --tuning-job",
            EXIT_USAGE,
        )


def _refuse_status_of_other_kinds(kind: Kind, status: str) -> None:
    """``--kind pipeline --status Completed`` matches nothing, always: say so (exit 2) rather than list
    nothing. A training job's secondary statuses count as its statuses."""
    from jobtrail.core.kinds import SPECS  # noqa: PLC0415
    from jobtrail.core.model import SECONDARY_STATUSES  # noqa: PLC0415

    spec = SPECS[kind]
    if status in spec.statuses or (kind == "training" and status in SECONDARY_STATUSES):
        return
    raise UserError(
        f"{spec.noun}s are never {status}: their statuses are {', '.join(spec.statuses)}", EXIT_USAGE
    )


def alerts(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail alerts [JOB]``: alerts and their delivery state, newest first; exit 1 if no such job
    (a unique prefix of a recent job's name stands for it)."""
    from jobtrail.adapters.history_queries import AlertQuery  # noqa: PLC0415
    from jobtrail.core.views import alert_view  # noqa: PLC0415

    _job_named_once(args)
    job = None if args.job is None else find_job_key(args, wiring)
    store = wiring.queries()
    found = wiring.read(
        lambda: store.list_alerts(
            AlertQuery(
                job=job,
                kind=args.kind,
                account=args.account,
                region=args.job_region,
                since=args.since,
                limit=args.limit,
            )
        )
    )
    filters = [
        f"job {job.name}" if job else (f"kind {args.kind}" if args.kind else ""),
        *([] if job else _place_filters(args)),
        _time_filter("transitions", args.since, None),
    ]
    return _answer(
        args,
        lambda: [alert_view(a) for a in found],
        lambda render: render.alerts_table(
            found, where=wiring.where(), filters=_joined(filters), wide=args.wide
        ),
    )


def _job_named_once(args: argparse.Namespace) -> None:
    """``alerts``' job, from JOB or ``--job`` (not both). A JOB ``test`` anywhere but right after
    ``alerts`` is refused: it reads like the test command; ``--job test`` names a job called test."""
    if args.job is not None and args.job_option is not None:
        raise UserError("name the job once: JOB or --job, not both", EXIT_USAGE)
    if args.job == "test":
        raise UserError(
            "`jobtrail alerts test` sends a test alert (its options go after `test`); the alerts of a job "
            "named test: `jobtrail alerts --job test`",
            EXIT_USAGE,
        )
    if args.job_option is not None:
        args.job = args.job_option


def show(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail show JOB``: the job's summary, with what it cost (a tuning job's and a pipeline
    execution's rolled up from its jobs), a training job's final metrics and a pipeline execution's
    steps."""
    from jobtrail.core.views import job_view  # noqa: PLC0415

    from jobtrail_cli.commands.costs import with_rolled_up_cost  # noqa: PLC0415

    record = with_rolled_up_cost(find_job(args, wiring), wiring)
    return _answer(
        args,
        lambda: job_view(record),
        lambda render: render.job_details(record, where=wiring.where(), command=wiring.again()),
    )


def history(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail history JOB``: the job's status transitions, oldest first, as a timeline; a pipeline
    execution's steps too (on screen: ``--json`` keeps to the transitions, for every kind, and ``show
    --json`` has the steps)."""
    from jobtrail.core.views import transition_view  # noqa: PLC0415

    record = find_job(args, wiring)
    return _answer(
        args,
        lambda: [transition_view(t) for t in record.transitions],
        lambda render: render.timeline(record, where=wiring.where(), wide=args.wide, command=wiring.again()),
    )


def metrics(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail metrics JOB``: the job's final metrics (a tuning job's: its objective, the best value a
    training job of it reached; none for the kinds without metrics)."""
    from jobtrail.core.views import metric_view  # noqa: PLC0415

    record = find_job(args, wiring)
    return _answer(
        args,
        lambda: [metric_view(m) for m in record.final_metrics],
        lambda render: render.metrics_table(record, where=wiring.where(), command=wiring.again()),
    )


def find_job(args: argparse.Namespace, wiring: Wiring) -> StoredJob:
    """The ``JOB`` argument's record (``find_job_key``); exit 1 if none.
    (``show``, ``history``, ``metrics`` and ``watch`` find their job this way.)"""
    key = find_job_key(args, wiring)
    store = wiring.queries()
    record = wiring.read(lambda: store.get_job(key))
    if record is None:  # deleted in between
        raise UserError(f"no {_noun(key.kind)} named {key.name!r} in {wiring.where()}", EXIT_NOT_FOUND)
    return record


def find_job_key(args: argparse.Namespace, wiring: Wiring) -> JobKey:
    """The job the ``JOB`` argument (and ``--kind``) names: the one job of that name (one Query on the
    ``by-name`` index), else the one recent job whose name it starts. Exit 2 when jobs of several kinds
    (or accounts, or regions) have the name, saying what to pass; exit 1 when none has."""
    name, keys = jobs_named(args, wiring)
    if not keys:
        return _unique_recent_job(name, args.kind, wiring.queries(), wiring, args)
    return _one_of(name, keys)


def jobs_named(args: argparse.Namespace, wiring: Wiring) -> tuple[str, list[JobKey]]:
    """The ``JOB`` argument as the table keeps it (a pipeline execution's pipeline name lowercased), and
    the jobs of exactly that name (of ``--kind``, in ``--account`` and ``--job-region`` when given): one
    Query on the ``by-name`` index. A name SageMaker could not have given is one line (exit 2)."""
    name = _valid_job_name(args.job)
    if "/" in name:  # a pipeline execution: its key holds the pipeline's name lowercased, as its ARN does
        pipeline, _, execution = name.partition("/")
        name = f"{pipeline.lower()}/{execution}"
    kind: Kind | None = args.kind
    store = wiring.queries()
    return name, _in_place(args, wiring.read(lambda: store.find_jobs(name, kind=kind)))


def _in_place(args: argparse.Namespace, keys: list[JobKey]) -> list[JobKey]:
    """``keys`` in the ``--account`` and ``--job-region`` asked for (all of them when none is)."""
    account, region = getattr(args, "account", None), getattr(args, "job_region", None)
    return [key for key in keys if account in {None, key.account} and region in {None, key.region}]


def _place_filters(args: argparse.Namespace) -> list[str]:
    """The ``--account`` and ``--job-region`` filters, as a listing's title says them."""
    return [
        f"account {args.account}" if getattr(args, "account", None) else "",
        f"region {args.job_region}" if getattr(args, "job_region", None) else "",
    ]


def _one_of(name: str, keys: list[JobKey]) -> JobKey:
    """The one job called ``name`` among ``keys``; exit 2 saying what to pass when there are several."""
    if len(keys) == 1:
        return keys[0]
    kinds = sorted({key.kind for key in keys})
    if len(kinds) > 1:
        raise UserError(
            f"{len(keys)} jobs are named {name!r}: pass {' or '.join(f'--kind {k}' for k in kinds)}",
            EXIT_USAGE,
        )
    # The table holds jobs of several accounts or regions (organization mode); --region names the
    # table's region, --job-region the job's.
    places = ", ".join(sorted({f"{key.account} {key.region}" for key in keys}))
    accounts = sorted({key.account for key in keys})
    if len(accounts) > 1:
        choice = " or ".join(f"--account {account}" for account in accounts)
    else:
        choice = " or ".join(f"--job-region {region}" for region in sorted({key.region for key in keys}))
    raise UserError(
        f"{len(keys)} {_noun(kinds[0])}s are named {name!r}, in {places}: pass {choice}", EXIT_USAGE
    )


def _noun(kind: Kind | None) -> str:
    """``processing job``, ``pipeline execution``; ``job`` for any kind."""
    from jobtrail.core.kinds import SPECS  # noqa: PLC0415

    return SPECS[kind].noun if kind else "job"


def _valid_job_name(name: str) -> str:
    """``name`` if SageMaker could have given it to a job (a pipeline execution:
    ``<pipeline>/<execution id>``); else one line saying why not."""
    import re  # noqa: PLC0415

    from jobtrail.core.events import JOB_NAME_MAX_LENGTH, JOB_NAME_PATTERN  # noqa: PLC0415

    pipeline, slash, execution = name.partition("/")
    if (
        slash
        and re.match(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}\Z", pipeline)
        and re.match(r"^[a-zA-Z0-9]{0,64}\Z", execution)
    ):
        return name
    if re.match(JOB_NAME_PATTERN, name):
        return name
    rule = (
        f"SageMaker's are 1 to {JOB_NAME_MAX_LENGTH} letters, digits and hyphens, beginning and ending "
        "with a letter or digit; a pipeline execution's is PIPELINE/EXECUTION-ID"
    )
    if slash:
        why = "it is not PIPELINE/EXECUTION-ID"
    elif not name:
        why = "it is empty"
    elif len(name) > JOB_NAME_MAX_LENGTH:
        why = f"it is {len(name)} characters long"
    elif others := sorted({c for c in name if not (c.isascii() and c.isalnum()) and c != "-"}):
        why = f"it holds {' '.join(repr(c) for c in others)}"
    else:
        why = "it starts or ends with a hyphen"
    raise UserError(f"{name!r} is not a job name: {why} ({rule})", EXIT_USAGE)


def _unique_recent_job(
    name: str, kind: Kind | None, store: HistoryQueries, wiring: Wiring, args: argparse.Namespace
) -> JobKey:
    """The one recent job whose name starts with ``name`` (told on stderr); else exit 1 naming the
    candidates, or the recent names close to ``name``. Looks at the ``RECENT_JOBS`` newest jobs only."""
    import difflib  # noqa: PLC0415

    from jobtrail.adapters.history_queries import JobQuery  # noqa: PLC0415

    summaries = wiring.read(
        lambda: store.list_jobs(
            JobQuery(
                kind=kind,
                account=getattr(args, "account", None),
                region=getattr(args, "job_region", None),
                limit=RECENT_JOBS,
            )
        )
    )
    recent = list(dict.fromkeys(s.job_name for s in summaries))
    looked_at = (
        f"its {len(summaries)} {'most recent ' if len(summaries) == RECENT_JOBS else ''}{_noun(kind)}s"
    )
    matching = [s.key for s in summaries if s.job_name.lower().startswith(name.lower())]
    starting = list(dict.fromkeys(key.name for key in matching))
    if len(starting) == 1:
        # One name (of jobs of several kinds, maybe: then the same choice as for the whole name).
        key = _one_of(starting[0], matching)
        print(f"jobtrail: {name} is the start of one {_noun(kind)}'s name: {starting[0]}", file=sys.stderr)
        return key
    unknown = f"no {_noun(kind)} named {name!r} in {wiring.where()}"
    if starting:
        more = f" and {len(starting) - SHOWN_CANDIDATES} more" if len(starting) > SHOWN_CANDIDATES else ""
        raise UserError(
            f"{unknown}; {len(starting)} of {looked_at} start so: "
            f"{', '.join(starting[:SHOWN_CANDIDATES])}{more}",
            EXIT_NOT_FOUND,
        )
    close = difflib.get_close_matches(name, recent, n=3, cutoff=0.75)
    if close:
        raise UserError(
            f"{unknown}; did you mean {' or '.join(close)}? (looked among {looked_at})", EXIT_NOT_FOUND
        )
    raise UserError(f"{unknown}, nor a name close to it among {looked_at}", EXIT_NOT_FOUND)


def _time_filter(what: str, since: datetime | None, until: datetime | None) -> str:
    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    if since and until:
        return f"{what} between {utc(since)} and {utc(until)}"
    if since:
        return f"{what} since {utc(since)}"
    return f"{what} until {utc(until)}" if until else ""


def _joined(filters: list[str]) -> str:
    return ", ".join(f for f in filters if f)


def _answer(
    args: argparse.Namespace, document: Callable[[], object], screen: Callable[[ModuleType], None]
) -> int:
    """``document()`` as JSON with ``--json``, else ``screen(render)``: the table, printed by ``render``
    (imported here, so that rich is loaded only to print tables)."""
    if args.json:
        print_json(document())
    else:
        from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing tables

        screen(render)
    return EXIT_OK
