"""The ``jobtrail`` command line: query the history table.

User errors (bad arguments, unknown job, missing table, no credentials, unreachable endpoint) end with
a one-line message on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from jobtrail import __version__
from jobtrail.core.times import parse_moment

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3
#: What a shell reports for a process ended by SIGPIPE (128 + 13).
EXIT_SIGPIPE = 141

#: Where ``--stack`` finds the table name among the stack's outputs.
TABLE_OUTPUT_KEY = "HistoryTableName"


class UserError(Exception):
    """Something the user can fix; printed as one line."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        command: Callable[[argparse.Namespace], int] = args.run
        with ExitStack() as cleanup:
            args.cleanup = cleanup
            return command(args)
    except UserError as error:
        print(f"jobtrail: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("jobtrail: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped reading (`jobtrail jobs --json | head`): quiet, like any Unix tool. Python
        # flushes stdout again at exit, so point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_SIGPIPE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobtrail", description="The status history of your SageMaker training jobs."
    )
    parser.add_argument("--version", action="version", version=f"jobtrail {__version__}")
    where = parser.add_argument_group("where the history table is")
    where.add_argument("--table", help="history table name (default: $JOBTRAIL_TABLE)")
    where.add_argument("--stack", help="find the table in this CloudFormation stack's outputs")
    where.add_argument("--region", help="AWS region (default: your AWS configuration)")
    where.add_argument("--profile", help="AWS profile to use")
    where.add_argument(
        "--endpoint-url",
        type=_url,
        help="DynamoDB endpoint, e.g. DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB works too)",
    )
    where.add_argument(
        "--local",
        action="store_true",
        help="the demo's history in .jobtrail/ (starts or reuses DynamoDB Local; no AWS account needed)",
    )

    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", help="print JSON on stdout instead of tables")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", parents=[output], help="run jobtrail end to end on this machine (no AWS account needed)"
    )
    demo.add_argument("--reset", action="store_true", help="delete the demo data in .jobtrail/ and stop")
    demo.set_defaults(run=_demo)

    jobs = commands.add_parser("jobs", parents=[output], help="list jobs, newest first")
    jobs.add_argument(
        "--status",
        type=_status,
        help="current TrainingJobStatus (Failed, Completed, …) or secondary status (MaxRuntimeExceeded, …), "
        "any case; past ones, such as a spot job's Interrupted, are in `jobtrail alerts` and `history`",
    )
    jobs.add_argument("--since", type=_moment, help="created at or after: 24h, 7d, 30m or an ISO time")
    jobs.add_argument(
        "--until", type=_until, help="created at or before: same forms as --since; a date means its end"
    )
    jobs.add_argument(
        "--tuning-job",
        type=_tuning_job,
        help="only the children of this hyperparameter tuning job (name or ARN)",
    )
    jobs.add_argument("--limit", type=_positive_int, default=50, help="at most this many jobs (default 50)")
    jobs.set_defaults(run=_jobs)

    alerts = commands.add_parser(
        "alerts", parents=[output], help="alerts and their delivery state, newest first"
    )
    alerts.add_argument("job", metavar="JOB", nargs="?", help="only this job's alerts")
    alerts.add_argument("--since", type=_moment, help="transitions at or after: 24h, 7d, 30m or an ISO time")
    alerts.add_argument(
        "--limit", type=_positive_int, default=50, help="at most this many alerts (default 50)"
    )
    alerts.set_defaults(run=_alerts)

    from jobtrail.core import views  # noqa: PLC0415 - stdlib-only module, cheap

    backfill = commands.add_parser(
        "backfill", parents=[output], help="record the history of jobs created before jobtrail was deployed"
    )
    backfill.add_argument(
        "--since", type=_moment, required=True, help="jobs created since: 30d, 24h or an ISO time"
    )
    backfill.add_argument(
        "--alerts", action="store_true", help="also alert on what it finds (default: silent)"
    )
    backfill.add_argument(
        "--rate", type=float, default=2.0, help="DescribeTrainingJob calls per second at most (default 2)"
    )
    backfill.add_argument("--topic-arn", help="AlertTopic for --alerts (default: the stack's AlertTopicArn)")
    backfill.set_defaults(run=_backfill)

    dlq = commands.add_parser("dlq", help="the dead-letter queue: what sits there, and moving it back")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)
    for action_name, action_run, action_help in (
        ("list", _dlq_list, "messages in the dead-letter queue, with the reason each is there"),
        ("redrive", _dlq_redrive, "move the messages back to StateChangeQueue (after a fix)"),
    ):
        action = dlq_commands.add_parser(action_name, parents=[output], help=action_help)
        action.add_argument("--dlq-url", help="dead-letter queue URL (default: the stack's output)")
        if action_name == "list":
            action.add_argument(
                "--limit", type=_positive_int, default=50, help="at most this many (default 50)"
            )
        else:
            action.add_argument(
                "--queue-url", help="where to move them (default: the stack's StateChangeQueue)"
            )
            action.add_argument("--per-second", type=_positive_int, help="move at most this many per second")
        action.set_defaults(run=action_run)

    for name, run, text in (
        ("show", _job_command(views.job_view, "job_details"), "a job's summary and final metrics"),
        (
            "history",
            _job_command(lambda r: [views.transition_view(t) for t in r.transitions], "timeline"),
            "a job's status transitions as a timeline",
        ),
        (
            "metrics",
            _job_command(lambda r: [views.metric_view(m) for m in r.final_metrics], "metrics_table"),
            "a job's final metrics",
        ),
    ):
        command = commands.add_parser(name, parents=[output], help=text)
        command.add_argument("job", metavar="JOB", help="training job name")
        command.set_defaults(run=run)
    return parser


def _moment(text: str) -> Any:
    try:
        return parse_moment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _until(text: str) -> Any:
    """Like ``--since``, but a date alone (``2026-11-23``) means the end of that day, not its start."""
    from datetime import date, timedelta  # noqa: PLC0415

    moment = _moment(text)
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return moment
    return moment + timedelta(days=1) - timedelta(microseconds=1)


def _url(text: str) -> str:
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {text!r} (e.g. http://127.0.0.1:8000)")
    return text


def _status(text: str) -> str:
    """A TrainingJobStatus or SecondaryStatus, any case, as SageMaker spells it."""
    from jobtrail.core.model import SECONDARY_STATUSES, TRAINING_JOB_STATUSES  # noqa: PLC0415

    known = {status.lower(): status for status in (*TRAINING_JOB_STATUSES, *SECONDARY_STATUSES)}
    try:
        return known[text.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"unknown status {text!r}; one of: {', '.join(sorted(set(known.values())))}"
        ) from None


def _tuning_job(text: str) -> str:
    """A tuning job's name, also when given as its ARN (``…:hyper-parameter-tuning-job/NAME``)."""
    return text.rsplit("hyper-parameter-tuning-job/", 1)[-1] if text.startswith("arn:") else text


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# -- commands ----------------------------------------------------------------------------------------


def _jobs(args: argparse.Namespace) -> int:
    from jobtrail.adapters.history_store import JobQuery  # noqa: PLC0415 - keep `--help` fast
    from jobtrail.core.views import summary_view  # noqa: PLC0415

    if args.since and args.until and args.since > args.until:
        raise UserError("--since is after --until", EXIT_USAGE)
    store = _store(args)
    summaries = _aws(
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
    if args.json:
        _print_json([summary_view(s) for s in summaries])
    else:
        from jobtrail_cli import render  # noqa: PLC0415

        render.jobs_table(summaries, table_name=store.table_name)
    return EXIT_OK


def _alerts(args: argparse.Namespace) -> int:
    from jobtrail.adapters.history_store import AlertQuery  # noqa: PLC0415
    from jobtrail.core.views import alert_view  # noqa: PLC0415

    store = _store(args)
    found = _aws(lambda: store.list_alerts(AlertQuery(job_name=args.job, since=args.since, limit=args.limit)))
    if not found and args.job and _aws(lambda: store.get_job(args.job)) is None:
        raise UserError(f"no job named {args.job!r} in table {store.table_name}", EXIT_NOT_FOUND)
    if args.json:
        _print_json([alert_view(a) for a in found])
    else:
        from jobtrail_cli import render  # noqa: PLC0415

        render.alerts_table(found, table_name=store.table_name)
    return EXIT_OK


def _job_command(view: Callable[[Any], Any], screen: str) -> Callable[[argparse.Namespace], int]:
    """A command about one job: ``view(record)`` as JSON with ``--json``, else ``render.<screen>(record)``."""

    def run(args: argparse.Namespace) -> int:
        record = _job(args)
        if args.json:
            _print_json(view(record))
        else:
            from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing tables

            getattr(render, screen)(record)
        return EXIT_OK

    return run


# -- plumbing ----------------------------------------------------------------------------------------


def _job(args: argparse.Namespace) -> Any:
    store = _store(args)
    record = _aws(lambda: store.get_job(args.job))
    if record is None:
        raise UserError(f"no job named {args.job!r} in table {store.table_name}", EXIT_NOT_FOUND)
    return record


def _store(args: argparse.Namespace) -> Any:
    from jobtrail.adapters.history_store import HistoryStore  # noqa: PLC0415

    if args.local:
        return _local_store(args)
    if args.profile:
        # PynamoDB builds its own botocore session; the profile reaches it through the environment.
        os.environ["AWS_PROFILE"] = args.profile
    table = args.table or os.environ.get("JOBTRAIL_TABLE") or (args.stack and _table_from_stack(args))
    if not table:
        raise UserError("which table? pass --table NAME or --stack STACK, or set JOBTRAIL_TABLE", EXIT_USAGE)
    return HistoryStore(table, region=_region(args), host=args.endpoint_url)


def _region(args: argparse.Namespace) -> str:
    """--region, else the AWS configuration's (profile included); one line when there is none."""
    region = args.region or _session(args).region_name
    if not region:
        raise UserError("which region? pass --region REGION or set one in your AWS configuration", EXIT_USAGE)
    return str(region)


def _local_store(args: argparse.Namespace) -> Any:
    """The demo's table in DynamoDB Local on .jobtrail/, reusing a running instance or starting one."""
    from jobtrail.adapters.history_store import HistoryStore  # noqa: PLC0415
    from jobtrail_local import local_stack  # noqa: PLC0415

    directory = local_stack.home()
    if not (directory / "dynamodb").is_dir():
        raise UserError(f"no local data in {directory}: run `make demo` (or `jobtrail demo`) first")
    local_stack.use_local_credentials()
    try:
        local = args.cleanup.enter_context(local_stack.LocalDynamoDB(directory))
    except local_stack.DynamoDBLocalUnavailable as error:
        raise UserError(" ".join(str(error).split())) from None
    return HistoryStore(
        args.table or local_stack.DEMO_TABLE, region=local_stack.REGION, host=local.endpoint_url
    )


def _demo(args: argparse.Namespace) -> int:
    from jobtrail_local import demo, local_stack  # noqa: PLC0415

    directory = local_stack.home()
    if args.reset:
        try:
            removed = local_stack.reset(directory)
        except RuntimeError as error:
            raise UserError(str(error)) from None
        print(f"{'Deleted' if removed else 'Nothing to delete in'} {directory}")
        return EXIT_OK
    from jobtrail_cli import render  # noqa: PLC0415

    try:
        if args.json:
            result = demo.run(directory)
        else:
            with render.replay_progress() as advance:
                result = demo.run(directory, progress=advance)
    except demo.DemoError as error:
        raise UserError(str(error)) from None
    except ModuleNotFoundError as error:
        raise UserError(
            f"jobtrail demo needs {error.name}: pip install 'jobtrail[demo]' (make install does)"
        ) from None
    program = _program_name()
    if args.json:
        _print_json(demo.summary_document(result, directory, program))
    else:
        render.demo_report(result, directory, demo.query_commands(result.spot_job, program), program)
    return EXIT_OK


def _program_name() -> str:
    """How to run this CLI again from here: ``jobtrail`` if that is on PATH, else the path it was run by."""
    launched = Path(sys.argv[0])
    if launched.name != "jobtrail":
        return f"{sys.executable} -m jobtrail"
    on_path = shutil.which("jobtrail")
    if on_path and Path(on_path).resolve() == launched.resolve():
        return "jobtrail"
    return os.path.relpath(launched)


def _table_from_stack(args: argparse.Namespace) -> str:
    return _stack_output(args, TABLE_OUTPUT_KEY)


def _stack_output(args: argparse.Namespace, key: str, option: str | None = None) -> str:
    """An output of the ``--stack`` stack (one DescribeStacks per run); ``option`` gives it directly."""
    if not args.stack:
        instead = f"{option} (the stack's {key} output)" if option else f"the value of its {key} output"
        raise UserError(f"pass --stack STACK, or {instead}", EXIT_USAGE)
    if getattr(args, "stack_outputs", None) is None:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            stacks = _client(args, "cloudformation").describe_stacks(StackName=args.stack)["Stacks"]
        except ClientError as error:
            raise UserError(
                f"stack {args.stack!r}: {error.response['Error'].get('Message', error)}"
            ) from None
        except BotoCoreError as error:
            raise UserError(f"stack {args.stack!r}: {error}") from None
        outputs = stacks[0].get("Outputs", []) if stacks else []
        parameters = stacks[0].get("Parameters", []) if stacks else []
        args.stack_outputs = {o["OutputKey"]: o["OutputValue"] for o in outputs}
        args.stack_parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in parameters}
    value = args.stack_outputs.get(key)
    if value is None:
        raise UserError(f"stack {args.stack!r} has no {key} output: is it a jobtrail stack?")
    return str(value)


def _session(args: argparse.Namespace) -> Any:
    """The run's boto3 session for --region/--profile (credentials as the AWS CLI finds them)."""
    if getattr(args, "boto3_session", None) is None:
        import boto3  # noqa: PLC0415
        from botocore.exceptions import BotoCoreError  # noqa: PLC0415

        try:
            args.boto3_session = boto3.session.Session(region_name=args.region, profile_name=args.profile)
        except BotoCoreError as error:
            raise UserError(str(error)) from None
    return args.boto3_session


def _aws(call: Callable[[], Any]) -> Any:
    """Run an AWS call or a store query, turning what the user can fix into one line."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415
    from jobtrail.adapters.history_store import StoreError  # noqa: PLC0415

    try:
        return call()
    except StoreError as error:
        raise UserError(str(error)) from None
    except ClientError as error:
        details = error.response.get("Error", {})
        raise UserError(f"{details.get('Code')}: {details.get('Message')}") from None
    except BotoCoreError as error:
        raise UserError(str(error)) from None


def _backfill(args: argparse.Namespace) -> int:
    from jobtrail.adapters import sagemaker, sns  # noqa: PLC0415
    from jobtrail.usecases import reconcile  # noqa: PLC0415
    from jobtrail.usecases.ingest import SyncDeps  # noqa: PLC0415

    if args.rate <= 0:
        raise UserError("--rate must be positive", EXIT_USAGE)
    _not_local(args, "backfill reads SageMaker in your account")
    store = _store(args)
    jobs = sagemaker.SageMakerTrainingJobs(_client(args, "sagemaker", config=sagemaker.CLIENT_CONFIG))
    alerts = None  # silent: due alerts go to the outbox for the deployed functions to publish
    if args.alerts:
        alerts = sns.SnsAlertPublisher(
            _client(args, "sns", config=sns.CLIENT_CONFIG),
            args.topic_arn or _stack_output(args, "AlertTopicArn", "--topic-arn"),
        )
    sync = SyncDeps(training_jobs=jobs, histories=store, alerts=alerts, alert_on=_alert_on(args))
    deps = reconcile.ReconcileDeps(
        sync=sync, catalog=jobs, histories=store, bucket=reconcile.TokenBucket(args.rate)
    )
    if not args.alerts:
        deps = reconcile.silent(deps, sync.clock())
    if args.json:
        report = _aws(lambda: reconcile.backfill(deps, args.since))
    else:
        from jobtrail_cli import render  # noqa: PLC0415

        with render.counting_progress("Backfilling training jobs") as tick:
            report = _aws(lambda: reconcile.backfill(deps, args.since, on_job=lambda _: tick()))
    if args.json:
        _print_json(report.as_dict())
    else:
        print(
            f"{report.listed} jobs listed, {report.synced} described, {report.up_to_date} up to date, "
            f"{report.alerts_sent} alerts sent; resume point {report.watermark or '-'}"
        )
        if report.alerts_left_pending:
            print(
                f"{report.alerts_left_pending} alerts on live transitions left pending: the stack's "
                "ReconcileFunction publishes them within one period"
            )
    if report.failures:
        for failure in report.failures:
            print(f"jobtrail: {failure}", file=sys.stderr)
        print("jobtrail: run the same command again to resume where it stopped", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _alert_on(args: argparse.Namespace) -> frozenset[str]:
    """The stack's AlertOn parameter when --stack is given, else the default set."""
    from jobtrail.core.alerts import DEFAULT_ALERT_ON, parse_alert_on  # noqa: PLC0415

    if not args.stack:
        return DEFAULT_ALERT_ON
    _stack_output(args, TABLE_OUTPUT_KEY)  # loads the stack description once
    return parse_alert_on(args.stack_parameters.get("AlertOn"))


def _dead_letter_queue(args: argparse.Namespace) -> Any:
    from jobtrail_cli.dead_letters import DeadLetterQueue  # noqa: PLC0415

    _not_local(args, "the demo's queues exist only while it runs; the dead-letter queue is in your account")
    url = args.dlq_url or _stack_output(args, "StateChangeDeadLetterQueueUrl", "--dlq-url")
    return DeadLetterQueue(_client(args, "sqs"), url)


def _not_local(args: argparse.Namespace, why: str) -> None:
    if args.local:
        raise UserError(f"`{args.command}` does not work with --local: {why}", EXIT_USAGE)


def _client(args: argparse.Namespace, service: str, **options: Any) -> Any:
    """A boto3 client for --region/--profile; a missing region is a one-line error, not a traceback."""
    session = _session(args)
    region = _region(args)
    return _aws(lambda: session.client(service, region_name=region, **options))


def _dlq_list(args: argparse.Namespace) -> int:
    queue = _dead_letter_queue(args)
    letters = _aws(lambda: queue.peek(args.limit))
    if args.json:
        from jobtrail.core.times import iso  # noqa: PLC0415

        _print_json(
            [
                {
                    "message_id": d.message_id,
                    "event_id": d.event_id,
                    "job_name": d.job_name,
                    "reason": d.reason,
                    "receive_count": d.receive_count,
                    "sent_at": iso(d.sent_at),
                }
                for d in letters
            ]
        )
    else:
        from jobtrail_cli import render  # noqa: PLC0415

        render.dead_letters_table(letters)
    return EXIT_OK


def _dlq_redrive(args: argparse.Namespace) -> int:
    queue = _dead_letter_queue(args)
    destination = None
    if args.queue_url or args.stack:
        url = args.queue_url or _stack_output(args, "StateChangeQueueUrl", "--queue-url")
        sqs = _client(args, "sqs")
        destination = _aws(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]))[
            "Attributes"
        ]["QueueArn"]
    handle = _aws(lambda: queue.redrive(destination_arn=destination, per_second=args.per_second))
    if args.json:
        _print_json({"task_handle": handle, "destination_arn": destination})
    else:
        print(
            f"Moving the dead letters back (task {handle}). Rejected events are rejected again unless fixed."
        )
    return EXIT_OK


def _print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")
