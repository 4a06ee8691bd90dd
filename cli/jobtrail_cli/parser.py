"""The ``jobtrail`` command line as argparse sees it: options, subcommands, help texts, argument types.

Each subcommand names the function that runs it (``run``); ``jobtrail_cli.entry`` calls it with the parsed
arguments and the run's ``Wiring``. Building the parser imports no AWS SDK and no rich: `--help` stays fast.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar, overload

from jobtrail import __version__
from jobtrail.core.kinds import Kind
from jobtrail.core.times import parse_moment

from jobtrail_cli.commands import (
    alert_check,
    backfill,
    completion,
    costs,
    demo,
    dlq,
    migrate,
    queries,
    routes,
    ui,
)
from jobtrail_cli.commands import status as deployment_status
from jobtrail_cli.commands import watch as watch_command
from jobtrail_cli.wiring import Wiring

_N = TypeVar("_N")

#: A subcommand: given the parsed arguments and the run's wiring, does its work; returns the exit status.
Command = Callable[[argparse.Namespace, Wiring], int]


def build_parser() -> argparse.ArgumentParser:
    """The ``jobtrail`` parser; each subcommand's ``run`` default is its ``Command``."""
    parser = argparse.ArgumentParser(
        prog="jobtrail",
        description="The status history of your SageMaker jobs: training, processing, transform and "
        "hyperparameter tuning jobs, and pipeline executions.",
    )
    parser.add_argument("--version", action="version", version=f"jobtrail {__version__}")
    _add_where_options(parser, suppress=False)

    output = _CommandParser(add_help=False)
    output.add_argument("--json", action="store_true", help="print JSON on stdout instead of tables")
    tables = _CommandParser(add_help=False, parents=[output])
    tables.add_argument(
        "--wide",
        action="store_true",
        help="every column, wider than the terminal if need be (default: columns that fit are shown)",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)

    _add_demo_command(subcommands, output)

    jobs = subcommands.add_parser("jobs", parents=[tables], help="list jobs, newest first")
    _add_kind_option(jobs, "only jobs of this kind (default: every kind)")
    _add_place_options(jobs)
    jobs.add_argument(
        "--status",
        type=status,
        help="current status (Failed, Completed, Executing, Succeeded, …) or a training job's secondary "
        "status (MaxRuntimeExceeded, …), any case; past ones, such as a spot job's Interrupted, are in "
        "`jobtrail alerts` and `history`",
    )
    jobs.add_argument("--since", type=moment, help="created at or after: 24h, 7d, 30m or an ISO time")
    jobs.add_argument(
        "--until", type=until, help="created at or before: same forms as --since; a date means its end"
    )
    jobs.add_argument(
        "--tuning-job",
        type=tuning_job,
        help="only the children of this hyperparameter tuning job (name or ARN)",
    )
    jobs.add_argument("--limit", type=positive_int, default=50, help="at most this many jobs (default 50)")
    jobs.set_defaults(run=queries.jobs)

    alerts, alerts_test = _add_alerts(subcommands, tables, output)
    cost_command = _add_cost(subcommands, tables)
    cost_check = _add_cost_check(subcommands, output)

    backfill_command = _add_backfill(subcommands, output)

    dlq_command = subcommands.add_parser(
        "dlq", help="the dead-letter queue: what sits there, and moving it back"
    )
    actions = dlq_command.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)
    dlq_list = actions.add_parser(
        "list", parents=[output], help="messages in the dead-letter queue, with the reason each is there"
    )
    dlq_list.add_argument("--dlq-url", help="dead-letter queue URL (default: the stack's output)")
    dlq_list.add_argument("--limit", type=positive_int, default=50, help="at most this many (default 50)")
    dlq_list.set_defaults(run=dlq.list_dead_letters)
    redrive = actions.add_parser(
        "redrive", parents=[output], help="move the messages back to StateChangeQueue (after a fix)"
    )
    redrive.add_argument("--dlq-url", help="dead-letter queue URL (default: the stack's output)")
    redrive.add_argument("--queue-url", help="where to move them (default: the stack's StateChangeQueue)")
    redrive.add_argument("--per-second", type=positive_int, help="move at most this many per second")
    redrive.set_defaults(run=dlq.redrive)

    _add_completion_command(subcommands)
    migrate_command = _add_migrate(subcommands, output)
    routes_commands = _add_routes(subcommands, output)
    ui_command = _add_ui(subcommands)

    one_job_commands = []
    for name, run, text, kind in (
        (
            "show",
            queries.show,
            "a job's summary: a training job's final metrics, a tuning job's best training job, a pipeline "
            "execution's failed step",
            output,
        ),
        (
            "history",
            queries.history,
            "a job's status transitions as a timeline (a pipeline execution's steps too)",
            tables,
        ),
        ("metrics", queries.metrics, "a job's final metrics (a tuning job's objective)", output),
    ):
        one_job = subcommands.add_parser(name, parents=[kind], help=text)
        _completes_job_names(
            one_job.add_argument(
                "job",
                metavar="JOB",
                help="job name (a pipeline execution: PIPELINE/EXECUTION-ID), or the start of one (a "
                "unique prefix)",
            )
        )
        _add_kind_option(one_job, "the job's kind, when jobs of several kinds have this name")
        _add_place_options(one_job)
        one_job.set_defaults(run=run)
        one_job_commands.append(one_job)

    # The same options after the subcommand (`jobtrail jobs --local`), listed after its own: copies whose
    # default is SUPPRESS, so a subcommand given none of them leaves the values parsed before it alone.
    named = (
        jobs,
        alerts,
        alerts_test,
        cost_command,
        cost_check,
        backfill_command,
        dlq_command,
        dlq_list,
        redrive,
        migrate_command,
        ui_command,
    )
    for command in (
        *named,
        *one_job_commands,
        *routes_commands,
        *_add_watch_and_status(subcommands, output),  # (here: build_parser is long enough)
    ):
        _add_where_options(command, suppress=True)
    return parser


def _add_ui(subcommands: argparse._SubParsersAction[_CommandParser]) -> _CommandParser:
    """``ui``: the history as pages in the browser, served on 127.0.0.1 until Ctrl-C."""
    command = subcommands.add_parser(
        "ui",
        help="the history as pages in your browser: jobs, timelines, tuning and pipeline charts, overview",
        description="Serve the history table as web pages on 127.0.0.1 (this machine only), read with your "
        "credentials as the other commands read it, never written: the jobs with the filters of `jobtrail "
        "jobs`, each job's timeline, metrics, alerts, a tuning job's training jobs by objective, a pipeline "
        "execution's steps, and an overview of jobs, failures and spend per day. Each page has a JSON twin "
        "(the same path with .json). Prints the URL to open, with a token that the pages require; Ctrl-C "
        "stops it.",
    )
    command.add_argument(
        "--port", type=port, default=0, help="the port to serve on (default 0: a free port, chosen each run)"
    )
    command.add_argument("--open", action="store_true", help="open the first page in your browser")
    # The overview's spend per team: as `cost --by team` names teams (--stack's routes, else team tags).
    command.set_defaults(run=ui.ui, routes=None, parameter=None)
    return command


#: ``jobtrail cost check``: one command word for argparse (``route_alerts_test`` joins the two).
COST_CHECK = "cost check"


def _add_cost_check(
    subcommands: argparse._SubParsersAction[_CommandParser], output: _CommandParser
) -> _CommandParser:
    """``cost check [FILE]``: whether a price settings document is valid, before or after it is put."""
    command = subcommands.add_parser(
        COST_CHECK,
        parents=[output],
        help="validate a price settings document (negotiated prices, a discount); one line saying what is "
        "wrong if it is not",
    )
    command.add_argument(
        "settings",
        metavar="FILE",
        nargs="?",
        help="the price settings document (JSON; - reads stdin); default: the deployed one",
    )
    command.add_argument(
        "--parameter",
        metavar="NAME",
        help="the SSM parameter holding it (default: the --stack stack's PriceSettingsParameterName)",
    )
    command.set_defaults(run=costs.check)
    return command


def _add_cost(
    subcommands: argparse._SubParsersAction[_CommandParser], tables: _CommandParser
) -> _CommandParser:
    """``cost``: what the jobs created in a window cost, totalled per group."""
    from jobtrail_cli.cost_report import GROUPINGS  # noqa: PLC0415

    command = subcommands.add_parser(
        "cost",
        parents=[tables],
        help="what the jobs created in a window cost, per group: spend, failed and stopped, spot savings",
        description="Totals of what the training, processing and transform jobs created in the window "
        "cost (tuning jobs and pipeline executions bill through their jobs): spend, of it what failed and "
        "stopped or interrupted jobs cost, what managed spot saved, jobs counted and those whose cost is "
        "not known yet. Read by Query on the table's indexes.",
    )
    # --since, --until and --by are read by the command (costs.options): a bad value is one line, without
    # argparse's usage before it.
    command.add_argument(
        "--since",
        help=f"created at or after: 24h, 7d, 30m or an ISO time (default {costs.DEFAULT_SINCE})",
    )
    command.add_argument("--until", help="created at or before: same forms as --since; a date means its end")
    command.add_argument(
        "--by",
        default="kind",
        metavar="GROUP",
        help=f"total per {', '.join(GROUPINGS)} (default kind); team: as the alert routes route each job "
        "(--routes, --parameter or the --stack stack's document), else its team tag",
    )
    source = command.add_mutually_exclusive_group()
    source.add_argument(
        "--routes",
        metavar="FILE",
        help="--by team: the routes document to route jobs by (JSON; - reads stdin)",
    )
    source.add_argument(
        "--parameter",
        metavar="NAME",
        help="--by team: the SSM parameter holding the routes document (default: the --stack stack's)",
    )
    command.set_defaults(run=costs.cost)
    return command


def grouping(text: str) -> str:
    """``--by``: one of ``cost_report.GROUPINGS``, any case (``instance_type`` for ``instance-type``)."""
    from jobtrail_cli.cost_report import GROUPINGS  # noqa: PLC0415

    wanted = text.strip().lower().replace("_", "-")
    if wanted not in GROUPINGS:
        raise argparse.ArgumentTypeError(f"cannot total by {text!r}: by {', '.join(GROUPINGS)}")
    return wanted


def _add_alerts(
    subcommands: argparse._SubParsersAction[_CommandParser], tables: _CommandParser, output: _CommandParser
) -> tuple[_CommandParser, _CommandParser]:
    """``alerts [JOB]`` (the alerts in the table) and ``alerts test`` (a test alert through the topic)."""
    alerts = subcommands.add_parser(
        "alerts",
        parents=[tables],
        help="alerts and their delivery state, newest first",
        description="Alerts and their delivery state, newest first. `jobtrail alerts test` sends a test "
        "alert instead (see `jobtrail alerts test --help`); the alerts of a job named test: "
        "`jobtrail alerts --job test`.",
    )
    alerts.add_argument(
        "job",
        metavar="JOB",
        nargs="?",
        help="only this job's alerts (a unique prefix will do)",
    ).completer = _job_names_or_test  # type: ignore[attr-defined]  # argcomplete reads it
    _completes_job_names(
        alerts.add_argument(
            "--job",
            dest="job_option",
            metavar="JOB",
            help="the same as JOB, whatever its name: a job named test is `--job test`",
        )
    )
    _add_kind_option(alerts, "only alerts of jobs of this kind; with JOB, the kind of that job")
    _add_place_options(alerts)
    alerts.add_argument("--since", type=moment, help="transitions at or after: 24h, 7d, 30m or an ISO time")
    alerts.add_argument(
        "--limit", type=positive_int, default=50, help="at most this many alerts (default 50)"
    )
    alerts.set_defaults(run=queries.alerts)
    return alerts, _add_alerts_test(subcommands, output)


#: ``jobtrail alerts test``: one command word for argparse (``route_alerts_test`` joins the two).
ALERTS_TEST = "alerts test"


def _add_alerts_test(
    subcommands: argparse._SubParsersAction[_CommandParser], output: _CommandParser
) -> _CommandParser:
    """``alerts test``: a test alert through the deployed AlertTopic, and where it went."""
    command = subcommands.add_parser(
        ALERTS_TEST,
        parents=[output],
        help="send a test alert through the deployed AlertTopic (to Slack and e-mail) and show where it went",
        description='Publish a clearly marked test alert (type Test, severity info, "test": true) to the '
        "AlertTopic, so that it reaches Slack and e-mail like any alert, then show its SNS message id and "
        "the topic's subscriptions: who receives it, who has not confirmed yet, whose filter policy drops "
        "it. It is not stored in the history table. SNS accepts it only from the stack's functions and the "
        "AlertPublisherRoleArn role: run this as that role.",
    )
    command.add_argument(
        "--topic-arn", help="the AlertTopic to test (default: the stack's AlertTopicArn output)"
    )
    command.add_argument(
        "--team",
        type=team,
        help="route it to this team: its team field and message attribute, as subscribers' filter "
        "policies see them",
    )
    command.add_argument(
        "--account",
        type=account_id,
        metavar="ID",
        help="send it as from this AWS account: its account field and message attribute, for filter "
        "policies on a member account (organization mode; default: the topic's account)",
    )
    command.add_argument(
        "--job-region",
        type=region_name,
        metavar="REGION",
        help="send it as from this region: its region field and message attribute (default: the topic's "
        "region; --region is the table's region)",
    )
    command.set_defaults(run=alert_check.send_test_alert)
    return command


def route_alerts_test(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """``alerts test …`` as the command ``alerts test``: argparse cannot tell a subcommand of ``alerts``
    from its optional JOB, so ``test`` right after ``alerts`` is the test command (a job named test is
    ``alerts --job test``); ``cost check …`` likewise (``cost`` takes options only). The options before
    the command are skipped with their values."""
    with_value = {
        option for action in parser._actions if action.nargs != 0 for option in action.option_strings
    }
    words = list(argv)
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            break
        if word.startswith("-"):
            takes_value = "=" not in word and any(
                option == word or (word.startswith("--") and option.startswith(word)) for option in with_value
            )
            index += 2 if takes_value else 1
            continue
        if word == "alerts" and words[index + 1 : index + 2] == ["test"]:
            return [*words[:index], ALERTS_TEST, *words[index + 2 :]]
        if word == "cost" and words[index + 1 : index + 2] == ["check"]:
            return [*words[:index], COST_CHECK, *words[index + 2 :]]
        break
    return words


def _job_names_or_test(prefix: str, parsed_args: argparse.Namespace, **more: object) -> list[str]:
    """``alerts``' JOB: ``test`` (the test command) and the recent jobs' names."""
    test = ["test"] if "test".startswith(prefix) else []
    return test + completion.job_names(prefix, parsed_args, **more)


def _add_migrate(
    subcommands: argparse._SubParsersAction[_CommandParser], output: _CommandParser
) -> _CommandParser:
    """``migrate``: a table from before kinds, moved to today's layout."""
    migrate_command = subcommands.add_parser(
        "migrate",
        parents=[output],
        help="move a table written before jobtrail tracked every kind of job to today's layout (once, after "
        "upgrading; safe to repeat)",
    )
    migrate_command.add_argument(
        "--dry-run", action="store_true", help="only count the jobs still in the old layout"
    )
    migrate_command.add_argument(
        "--keep-old",
        action="store_true",
        help="copy, and leave the old items: before updating a stack that still reads them",
    )
    migrate_command.set_defaults(run=migrate.migrate)
    return migrate_command


def _add_routes(
    subcommands: argparse._SubParsersAction[_CommandParser], output: _CommandParser
) -> tuple[_CommandParser, ...]:
    """``routes test`` (which route a job's alerts take, and why) and ``routes check`` (a document is
    valid): the routes document from ``--routes FILE``, ``--parameter NAME`` or the ``--stack`` stack."""
    routes_command = subcommands.add_parser(
        "routes", help="the teams alerts are routed to: try the routes document on a job, or check it"
    )
    actions = routes_command.add_subparsers(dest="routes_command", metavar="ACTION", required=True)
    test = actions.add_parser(
        "test", parents=[output], help="which route a job's alerts take and why: team, Slack channel, webhook"
    )
    _completes_job_names(
        test.add_argument(
            "job",
            metavar="NAME",
            help="job name (a pipeline execution: PIPELINE/EXECUTION-ID), or a unique prefix",
        )
    )
    _add_kind_option(test, "the job's kind, when jobs of several kinds have this name")
    _add_place_options(test)
    source = test.add_mutually_exclusive_group()
    source.add_argument(
        "--routes",
        metavar="FILE",
        help="try this routes document (JSON; - reads stdin) instead of the deployed one",
    )
    source.add_argument(
        "--parameter",
        metavar="NAME",
        help="the SSM parameter holding the routes document (default: the --stack stack's "
        "AlertRoutesParameterName)",
    )
    test.add_argument(
        "--read-tags",
        action="store_true",
        help="when the job's tags are not stored yet, read them from SageMaker (ListTags), as its next sync "
        "will",
    )
    test.set_defaults(run=routes.test)
    check = actions.add_parser(
        "check",
        parents=[output],
        help="validate a routes document; one line naming the bad rule if it is not",
    )
    check.add_argument(
        "routes",
        metavar="FILE",
        nargs="?",
        help="the routes document (JSON; - reads stdin); default: the deployed one",
    )
    check.add_argument(
        "--parameter",
        metavar="NAME",
        help="the SSM parameter holding it (default: the --stack stack's AlertRoutesParameterName)",
    )
    check.set_defaults(run=routes.check)
    return routes_command, test, check


def _add_backfill(
    subcommands: argparse._SubParsersAction[_CommandParser], output: _CommandParser
) -> _CommandParser:
    """``backfill``: the history of jobs created before jobtrail was deployed."""
    backfill_command = subcommands.add_parser(
        "backfill", parents=[output], help="record the history of jobs created before jobtrail was deployed"
    )
    backfill_command.add_argument(
        "--since", type=moment, required=True, help="jobs created since: 30d, 24h or an ISO time"
    )
    backfill_command.add_argument(
        "--alerts", action="store_true", help="also alert on what it finds (default: silent)"
    )
    backfill_command.add_argument(
        "--kind",
        type=kinds,
        default=None,
        help="the kinds to backfill, comma-separated (default: the kinds the stack tracks with --stack, "
        "else every kind: training,processing,transform,tuning,pipeline)",
    )
    backfill_command.add_argument(
        "--rate", type=float, default=2.0, help="Describe calls per second at most (default 2)"
    )
    backfill_command.add_argument(
        "--topic-arn", help="AlertTopic for --alerts (default: the stack's AlertTopicArn)"
    )
    backfill_command.add_argument(
        "--log-lines",
        type=log_lines,
        metavar="N",
        help="a Failed alert it creates quotes the last N lines of the job's log, 0 for none (default: the "
        "stack's AlertLogLines with --stack, else 20)",
    )
    backfill_command.add_argument(
        "--account",
        type=account_id,
        metavar="ID",
        help="organization mode: backfill this member account, through its reader role (your role must be "
        "one of the member stacks' OperatorRoleArns; needs --stack)",
    )
    backfill_command.add_argument(
        "--job-region",
        type=region_name,
        metavar="REGION",
        help="organization mode: the region of the jobs to backfill (default: the table's region)",
    )
    backfill_command.set_defaults(run=backfill.backfill)
    return backfill_command


def _add_watch_and_status(
    subcommands: argparse._SubParsersAction[_CommandParser], output: _CommandParser
) -> tuple[_CommandParser, _CommandParser]:
    """``watch`` (following the history live) and ``status`` (the deployment's health)."""
    watch = subcommands.add_parser(
        "watch", parents=[output], help="follow a job's transitions, or the newest jobs, live (Ctrl-C stops)"
    )
    _completes_job_names(
        watch.add_argument(
            "job",
            metavar="JOB",
            nargs="?",
            help="this job's timeline until the job ends (a unique prefix will do); without it, the newest "
            "jobs",
        )
    )
    _add_kind_option(
        watch,
        "with JOB, the job's kind, when jobs of several kinds have this name; without, only jobs of "
        "this kind",
    )
    _add_place_options(watch)
    watch.add_argument(
        "--interval",
        type=watch_command.interval,
        default=watch_command.DEFAULT_INTERVAL,
        help=f"seconds between polls (default {watch_command.DEFAULT_INTERVAL:g}, at least "
        f"{watch_command.MIN_INTERVAL:g}); each poll is one Query (without JOB, one per kind)",
    )
    watch.add_argument(
        "--limit",
        type=positive_int,
        default=watch_command.DEFAULT_LIMIT,
        help=f"without JOB: how many of the newest jobs (default {watch_command.DEFAULT_LIMIT})",
    )
    watch.set_defaults(run=watch_command.watch)
    status_command = subcommands.add_parser(
        "status",
        parents=[output],
        help="is the deployment healthy: rules, queues, alarms, reconciliation, last job recorded "
        "(needs --stack)",
    )
    status_command.set_defaults(run=deployment_status.status)
    return watch, status_command


class _CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: an argument it does not know is refused with the subcommand's usage (plain
    argparse hands it up to the top level, whose usage says nothing about the subcommand's options)."""

    @overload
    def parse_known_args(
        self, args: Iterable[str] | None = None, namespace: None = None
    ) -> tuple[argparse.Namespace, list[str]]: ...
    @overload
    def parse_known_args(self, args: Iterable[str] | None, namespace: _N) -> tuple[_N, list[str]]: ...
    @overload
    def parse_known_args(self, *, namespace: _N) -> tuple[_N, list[str]]: ...
    def parse_known_args(
        self, args: Iterable[str] | None = None, namespace: object = None
    ) -> tuple[object, list[str]]:
        parsed, unknown = super().parse_known_args(args, namespace)
        if unknown:
            self.error(f"unrecognized arguments: {' '.join(unknown)}")
        return parsed, unknown


def _add_completion_command(subcommands: argparse._SubParsersAction[_CommandParser]) -> None:
    """``jobtrail completion SHELL``: prints the shell's completion script."""
    completion_command = subcommands.add_parser(
        "completion",
        help="the script that makes your shell complete jobtrail commands, options and job names",
        description="Print the script that makes SHELL complete jobtrail's commands, options and job "
        "names (the most recent jobs of the table the command line names). Load it in your shell's "
        'start-up file: bash, `eval "$(jobtrail completion bash)"` in ~/.bashrc; zsh, the same line in '
        "~/.zshrc after compinit; fish, `jobtrail completion fish | source` in "
        "~/.config/fish/config.fish.",
    )
    completion_command.add_argument(
        "shell", metavar="SHELL", choices=completion.SHELLS, help="bash, zsh or fish"
    )
    completion_command.set_defaults(run=completion.completion)


def _completes_job_names(action: argparse.Action) -> None:
    """Shell completion offers recent jobs' names for this argument (``completion.job_names``)."""
    action.completer = completion.job_names  # type: ignore[attr-defined]  # argcomplete reads it


def _add_where_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The "where the history table is" options, and how times are shown; ``suppress``: no defaults (for
    the subcommands' copies)."""
    nothing: Any = argparse.SUPPRESS if suppress else None
    where = parser.add_argument_group(
        "where the history table is (before or after the command)",
        "--local takes none of --stack, --region, --profile, --endpoint-url; --table and --stack exclude "
        "each other",
    )
    where.add_argument("--table", help="history table name (default: $JOBTRAIL_TABLE)", default=nothing)
    where.add_argument(
        "--stack", help="find the table in this CloudFormation stack's outputs", default=nothing
    )
    where.add_argument("--region", help="AWS region (default: your AWS configuration)", default=nothing)
    where.add_argument("--profile", help="AWS profile to use", default=nothing)
    where.add_argument(
        "--endpoint-url",
        type=url,
        help="DynamoDB endpoint, e.g. DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB works too)",
        default=nothing,
    )
    where.add_argument(
        "--local",
        action="store_true",
        help="the demo's local history: $JOBTRAIL_HOME, else this checkout's .jobtrail/, else "
        "~/.local/share/jobtrail (reuses the DynamoDB Local the demo left running, or starts one)",
        default=argparse.SUPPRESS if suppress else False,
    )
    shown = parser.add_argument_group("how times are shown (before or after the command)")
    shown.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone of the times in tables: local, UTC or an IANA name such as Europe/Paris "
        "(default: $JOBTRAIL_TZ, else UTC); --json stays UTC",
        default=nothing,
    )


#: Options whose value may be a duration with a minus sign (``--since -5d``, meaning 5 days ago).
_TIME_OPTIONS = frozenset({"--since", "--until"})
_MINUS_DURATION = re.compile(r"-\d+[smhdw]")


def attach_minus_durations(argv: Sequence[str]) -> list[str]:
    """``--since -5d`` as ``--since=-5d``: argparse takes a value starting with ``-`` for an option."""
    joined: list[str] = []
    for word in argv:
        if joined and joined[-1] in _TIME_OPTIONS and _MINUS_DURATION.fullmatch(word):
            joined[-1] = f"{joined[-1]}={word}"
        else:
            joined.append(word)
    return joined


# -- argument types: each turns the text typed into a value, or says in one line why it cannot -----------


def moment(text: str) -> datetime:
    """``--since``: ``24h``, ``7d``, ``30m`` ago (``-7d`` too), or an ISO time."""
    if _MINUS_DURATION.fullmatch(text.strip()):
        text = text.strip()[1:]
    try:
        return parse_moment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def until(text: str) -> datetime:
    """Like ``--since``, but a date alone (``2026-11-23``) means the end of that day, not its start."""
    from datetime import date, timedelta  # noqa: PLC0415

    end = moment(text)
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return end
    return end + timedelta(days=1) - timedelta(microseconds=1)


def url(text: str) -> str:
    """An http(s) URL with a host (``--endpoint-url``)."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {text!r} (e.g. http://127.0.0.1:8000)")
    return text


def team(text: str) -> str:
    """``--team``: a team's name, as a message attribute carries it (printable, at most 100 characters)."""
    name = text.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise argparse.ArgumentTypeError(f"a team's name: printable, 1 to 100 characters, not {text!r}")
    return name


def log_lines(text: str) -> int:
    """``--log-lines``: 0 to 200 (AlertLogLines' range)."""
    from jobtrail.core.log_tail import MAX_LOG_LINES  # noqa: PLC0415

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of lines: {text!r}") from None
    if not 0 <= value <= MAX_LOG_LINES:
        raise argparse.ArgumentTypeError(f"from 0 to {MAX_LOG_LINES}, not {value}")
    return value


def _add_kind_option(parser: argparse.ArgumentParser, text: str) -> None:
    from jobtrail.core.kinds import KINDS  # noqa: PLC0415

    option = parser.add_argument("--kind", type=kind, metavar="KIND", help=f"{text}: {', '.join(KINDS)}")
    option.completer = completion.kind_names  # type: ignore[attr-defined]  # argcomplete reads it


def _add_demo_command(subcommands: Any, output: argparse.ArgumentParser) -> None:
    """``jobtrail demo``: run it (in one account, or in organization mode), or stop or wipe what it left."""
    demo_command = subcommands.add_parser(
        "demo", parents=[output], help="run jobtrail end to end on this machine (no AWS account needed)"
    )
    demo_actions = demo_command.add_mutually_exclusive_group()
    demo_actions.add_argument(
        "--stop",
        action="store_true",
        help="stop the DynamoDB Local the demo leaves running (for fast `--local` queries), keep the data",
    )
    demo_actions.add_argument(
        "--reset", action="store_true", help="stop DynamoDB Local and delete the demo data"
    )
    demo_actions.add_argument(
        "--accounts",
        type=int,
        choices=range(1, 4),
        default=1,
        metavar="N",
        help="organization mode: the jobs spread over the home account and N-1 member accounts, in two "
        "regions (1 to 3; default 1: one account, one region)",
    )
    demo_command.set_defaults(run=demo.demo)


def _add_place_options(parser: argparse.ArgumentParser) -> None:
    """Which account and region a job is in (organization mode): ``--region`` stays the table's region."""
    parser.add_argument(
        "--account", type=account_id, metavar="ID", help="only jobs in this AWS account (organization mode)"
    )
    parser.add_argument(
        "--job-region",
        type=region_name,
        metavar="REGION",
        help="only jobs in this AWS region (organization mode; --region is the table's region)",
    )


def account_id(text: str) -> str:
    """A 12-digit AWS account id."""
    if not re.fullmatch(r"[0-9]{12}", text.strip()):
        raise argparse.ArgumentTypeError(f"an AWS account id is 12 digits, not {text!r}")
    return text.strip()


def region_name(text: str) -> str:
    """An AWS region name, such as eu-west-1."""
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}", text.strip()):
        raise argparse.ArgumentTypeError(f"not an AWS region name (such as eu-west-1): {text!r}")
    return text.strip()


def kind(text: str) -> Kind:
    """One job kind, any case."""
    if "," in text:
        raise argparse.ArgumentTypeError(f"one kind only, not {text!r}")
    return kinds(text)[0]


def kinds(text: str) -> tuple[Kind, ...]:
    """Job kinds, comma-separated, any case (``training,pipeline``)."""
    from jobtrail.core.kinds import parse_kinds  # noqa: PLC0415

    if not any(part.strip() for part in text.split(",")):
        raise argparse.ArgumentTypeError("no kind given")
    try:
        return parse_kinds(text.lower())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def status(text: str) -> str:
    """A status of any kind or a training job's SecondaryStatus, any case, as SageMaker spells it."""
    from jobtrail.core.kinds import SPECS  # noqa: PLC0415
    from jobtrail.core.model import SECONDARY_STATUSES  # noqa: PLC0415

    every_kind = [name for spec in SPECS.values() for name in spec.statuses]
    known = {name.lower(): name for name in (*every_kind, *SECONDARY_STATUSES)}
    try:
        return known[text.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"unknown status {text!r}; one of: {', '.join(sorted(set(known.values())))}"
        ) from None


def tuning_job(text: str) -> str:
    """A tuning job's name, also when given as its ARN (``…:hyper-parameter-tuning-job/NAME``)."""
    return text.rsplit("hyper-parameter-tuning-job/", 1)[-1] if text.startswith("arn:") else text


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free one)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {value}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (``--limit``, ``--per-second``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
