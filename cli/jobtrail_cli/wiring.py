"""The CLI's composition root: the "where the history table is" options made into a boto3 session, clients,
the ``--stack`` stack's outputs and parameters, and the history store.

The only module of the CLI that reads the environment or makes sessions, clients or stores (checked by
``tests/unit/test_architecture.py``). Nothing is made before a command asks for it, so a command that
needs no AWS touches none and ``--help`` imports no AWS SDK; the session and the stack's description are
then made once per run.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from jobtrail_cli.errors import EXIT_USAGE, UserError
from jobtrail_cli.timezone import UTC_ZONE, DisplayZone, parse_zone

if TYPE_CHECKING:
    from boto3.session import Session
    from jobtrail.adapters.history_migration import HistoryMigration
    from jobtrail.adapters.history_queries import HistoryQueries
    from jobtrail.adapters.history_store import HistoryStore
    from jobtrail.adapters.logs import CloudWatchJobLogs
    from jobtrail.adapters.pricing import SsmPriceSettings
    from jobtrail.adapters.routes import SsmAlertRoutes
    from jobtrail.core.alerts import ConsoleLinks
    from jobtrail.core.kinds import Kind
    from jobtrail.core.organization import Organization, Place
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

#: The variable ``--tz`` falls back on.
TZ_VARIABLE = "JOBTRAIL_TZ"
#: Where ``--stack`` finds the table name among the stack's outputs.
TABLE_OUTPUT_KEY = "HistoryTableName"

Result = TypeVar("Result")


#: DynamoDB's error code for a table that does not exist.
MISSING_TABLE_CODE = "ResourceNotFoundException"


def aws_call(call: Callable[[], Result], *, missing_table: str | None = None) -> Result:
    """Run an AWS call or a store query, turning what the user can fix into one line; ``missing_table``
    is that line when the error is DynamoDB's ResourceNotFoundException."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - keep `--help` fast
    from jobtrail.adapters.history_table import StoreError  # noqa: PLC0415

    try:
        return call()
    except StoreError as error:
        # The store's error keeps PynamoDB's as its cause, with DynamoDB's code.
        code = getattr(error.__cause__, "cause_response_code", None)
        raise UserError(
            missing_table if missing_table and code == MISSING_TABLE_CODE else str(error)
        ) from None
    except ClientError as error:
        details = error.response.get("Error", {})
        if missing_table and details.get("Code") == MISSING_TABLE_CODE:
            raise UserError(missing_table) from None
        raise UserError(f"{details.get('Code')}: {details.get('Message')}") from None
    except BotoCoreError as error:
        raise UserError(str(error)) from None


def shell_asks_for_completions() -> bool:
    """A shell runs ``jobtrail`` for completions (argcomplete's ``_ARGCOMPLETE`` variable is set)."""
    return "_ARGCOMPLETE" in os.environ


class _Table(NamedTuple):
    """Where the history table is, and how to say so to a person."""

    name: str
    region: str
    host: str | None
    #: ``in DynamoDB Local on /…/.jobtrail``, ``at http://…``, ``in eu-west-1``.
    place: str
    #: What named it: ``--table``, ``stack S``, ``$JOBTRAIL_TABLE`` or ``--local``.
    named_by: str


class _Stack(NamedTuple):
    """The ``--stack`` stack's outputs and parameters, from one DescribeStacks, and its ARN."""

    outputs: dict[str, str]
    parameters: dict[str, str | None]
    stack_id: str = ""


class Wiring:
    """What a run talks to, made from the options when a command first asks for it."""

    def __init__(self, args: argparse.Namespace, cleanup: ExitStack) -> None:
        """``args``: the parsed options (``--table``, ``--stack``, ``--region``…); ``cleanup`` closes
        what the run starts (DynamoDB Local for ``--local``) when the command is done."""
        self._table: str | None = args.table
        self._stack_name: str | None = args.stack
        self._region_option: str | None = args.region
        self._profile: str | None = args.profile
        self._endpoint_url: str | None = args.endpoint_url
        self._local: bool = args.local
        self._tz: str | None = getattr(args, "tz", None)
        self._cleanup = cleanup
        self._session: Session | None = None
        self._stack: _Stack | None = None
        self._table_found: _Table | None = None
        self._queries: HistoryQueries | None = None

    # -- how times are shown

    def display_zone(self) -> DisplayZone:
        """The zone tables show times in: ``--tz``, else ``$JOBTRAIL_TZ``, else UTC; an unknown zone is a
        one-line usage error naming where it came from."""
        given, source = (
            (self._tz, "--tz") if self._tz is not None else (os.environ.get(TZ_VARIABLE), TZ_VARIABLE)
        )
        if given is None or (source == TZ_VARIABLE and not given.strip()):
            return UTC_ZONE  # an empty variable is an unset one; an empty --tz is a mistake
        try:
            return parse_zone(given)
        except ValueError as error:
            raise UserError(f"{source}: {error}", EXIT_USAGE) from None

    # -- the history table

    def queries(self) -> HistoryQueries:
        """The history table's listings (what the query commands read): the demo's table with
        ``--local``, else ``--table``, the ``--stack`` stack's or ``$JOBTRAIL_TABLE``; a missing table,
        region or conflicting options are a one-line error. Made once per run: each one binds the models
        and opens a connection of its own."""
        from jobtrail.adapters.history_queries import HistoryQueries  # noqa: PLC0415

        if self._queries is None:
            table = self._where_the_table_is()
            self._queries = HistoryQueries(table.name, region=table.region, host=table.host)
        return self._queries

    def store(self) -> HistoryStore:
        """The history table as ingest writes it (what backfill needs), found as ``queries`` finds it."""
        from jobtrail.adapters.history_store import HistoryStore  # noqa: PLC0415

        table = self._where_the_table_is()
        return HistoryStore(table.name, region=table.region, host=table.host)

    def migration(self) -> HistoryMigration:
        """The history table, found as ``queries`` finds it, for moving it to today's layout."""
        from jobtrail.adapters.history_migration import HistoryMigration  # noqa: PLC0415

        table = self._where_the_table_is()
        return HistoryMigration(table.name, region=table.region, host=table.host)

    def again(self) -> str:
        """How to run this CLI again on the same table, for the commands a table suggests: the program,
        then the options that chose the table (``--local``, ``--table``, ``--stack``, ``--region``…)."""
        import shlex  # noqa: PLC0415

        from jobtrail_cli.output import program_name  # noqa: PLC0415

        parts = [program_name(), *(["--local"] if self._local else [])]
        for option, value in (
            ("--table", self._table),
            ("--stack", self._stack_name),
            ("--region", self._region_option),
            ("--profile", self._profile),
            ("--endpoint-url", self._endpoint_url),
        ):
            if value:
                parts += [option, shlex.quote(value)]
        return " ".join(parts)

    def where(self) -> str:
        """Where the commands read, for people: ``table NAME in eu-west-1``, ``… in DynamoDB Local (data
        in DIR)`` or ``… at ENDPOINT``."""
        table = self._where_the_table_is()
        return f"table {table.name} {table.place}"

    def read(self, call: Callable[[], Result]) -> Result:
        """``aws_call`` for work on the history table (a query, a backfill): a table that does not exist
        is named, with where it was looked for, in one line."""
        table = self._where_the_table_is()
        if self._local:
            hint = (
                f"the demo's table is {table.name}"
                if table.name == self._demo_table()
                else f"the demo's table is {self._demo_table()}: leave out --table"
            )
        else:
            hint = f"named by {table.named_by}: is that the name, and the region or endpoint right?"
        return aws_call(call, missing_table=f"table {table.name} does not exist {table.place} ({hint})")

    def _where_the_table_is(self) -> _Table:
        if self._table_found is None:
            self._refuse_conflicts()
            self._table_found = self._table_in_dynamodb_local() if self._local else self._table_in_aws()
        return self._table_found

    def _refuse_conflicts(self) -> None:
        """Options that name the table twice, or an AWS setting with --local, are refused (not ignored)."""
        if self._local:
            given = [
                option
                for option, value in (
                    ("--stack", self._stack_name),
                    ("--region", self._region_option),
                    ("--profile", self._profile),
                    ("--endpoint-url", self._endpoint_url),
                )
                if value
            ]
            if given:
                raise UserError(
                    f"--local reads the demo's DynamoDB Local, not AWS: leave out {' and '.join(given)}",
                    EXIT_USAGE,
                )
        elif self._table and self._stack_name:
            raise UserError(
                "--table and --stack both name the table: pass one (--stack reads its HistoryTableName "
                "output)",
                EXIT_USAGE,
            )

    def _table_in_aws(self) -> _Table:
        if self._profile:
            # PynamoDB builds its own botocore session; the profile reaches it through the environment.
            os.environ["AWS_PROFILE"] = self._profile
        # An option beats the environment: --stack wins over $JOBTRAIL_TABLE.
        if self._table:
            table, named_by = self._table, "--table"
        elif self._stack_name:
            table = self.stack_output(TABLE_OUTPUT_KEY)
            named_by = f"stack {self._stack_name}'s {TABLE_OUTPUT_KEY} output"
        elif os.environ.get("JOBTRAIL_TABLE"):
            table, named_by = os.environ["JOBTRAIL_TABLE"], "$JOBTRAIL_TABLE"
        else:
            raise UserError(
                "which table? pass --table NAME or --stack STACK, or set JOBTRAIL_TABLE", EXIT_USAGE
            )
        region = self._region()
        endpoint = self._endpoint_url or os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
        place = f"at {endpoint}" if endpoint else f"in {region}"
        return _Table(table, region, self._endpoint_url, place, named_by)

    def _table_in_dynamodb_local(self) -> _Table:
        """The demo's table in DynamoDB Local on the local home (``local_stack.where``), reusing the engine
        the demo left running or starting one for this command."""
        from jobtrail_local import local_stack  # noqa: PLC0415

        directory = local_stack.home()
        if not (directory / "dynamodb").is_dir():
            raise UserError(f"no local data in {directory}: run `make demo` (or `jobtrail demo`) first")
        local_stack.use_local_credentials()
        try:
            local = self._cleanup.enter_context(local_stack.LocalDynamoDB(directory))
        except local_stack.DynamoDBLocalUnavailable as error:
            raise UserError(" ".join(str(error).split())) from None
        return _Table(
            self._table or local_stack.DEMO_TABLE,
            local_stack.REGION,
            local.endpoint_url,
            f"in DynamoDB Local on {directory}",
            "--table" if self._table else "--local",
        )

    @staticmethod
    def _demo_table() -> str:
        from jobtrail_local.local_stack import DEMO_TABLE  # noqa: PLC0415

        return DEMO_TABLE

    @staticmethod
    @contextmanager
    def function_logs_to_stderr() -> Iterator[None]:
        """Within the block, the log lines the use cases write as the functions do (Powertools' JSON, on
        stdout for CloudWatch) go to stderr, warnings and errors only: a backfill that warns (a job's tags
        not read) keeps ``--json`` on stdout clean, and one that goes well says nothing but its result."""
        import logging  # noqa: PLC0415
        import sys  # noqa: PLC0415

        from jobtrail.observability import logger  # noqa: PLC0415

        class CurrentStderr:
            """Whatever ``sys.stderr`` is when a line is written (tests swap it)."""

            def write(self, text: str) -> int:
                return sys.stderr.write(text)

            def flush(self) -> None:
                sys.stderr.flush()

        handler = logger.registered_handler
        if not isinstance(handler, logging.StreamHandler):
            yield
            return
        before = handler.setStream(CurrentStderr())
        level = logger.log_level
        logger.setLevel(logging.WARNING)
        try:
            yield
        finally:
            logger.setLevel(level)
            handler.setStream(before)

    def refuse_local(self, command: str, why: str) -> None:
        """Stop here, in one line, when ``--local`` is given to a command that needs an AWS account."""
        if self._local:
            raise UserError(f"`{command}` does not work with --local: {why}", EXIT_USAGE)

    # -- AWS clients, for --region/--profile; a missing region is a one-line error, not a traceback

    def sagemaker(self) -> SageMakerClient:
        """SageMaker, with the retries its adapter is made for."""
        from jobtrail.adapters.sagemaker import CLIENT_CONFIG  # noqa: PLC0415

        session, region = self._session_and_region()
        return aws_call(lambda: session.client("sagemaker", region_name=region, config=CLIENT_CONFIG))

    def sns(self, region: str | None = None) -> SNSClient:
        """SNS, with the retries its adapter is made for; in ``region`` (a topic's) if given."""
        from jobtrail.adapters.sns import CLIENT_CONFIG  # noqa: PLC0415

        session = self._boto3_session()
        where = region or self._region()
        return aws_call(lambda: session.client("sns", region_name=where, config=CLIENT_CONFIG))

    def sts(self, region: str | None = None) -> Any:  # no type stubs for STS are declared
        """STS, to say who the caller is; in ``region`` if given."""
        session = self._boto3_session()
        where = region or self._region()
        return aws_call(lambda: session.client("sts", region_name=where))

    def job_logs(self) -> CloudWatchJobLogs:
        """The end of a job's CloudWatch log, for the ``Failed`` alerts a backfill creates; the Logs client
        is made when the first such alert wants it, not before."""
        from jobtrail.adapters import logs  # noqa: PLC0415
        from jobtrail.adapters.aws import OnFirstUse  # noqa: PLC0415

        session, region = self._session_and_region()
        return logs.CloudWatchJobLogs(
            OnFirstUse(lambda: session.client("logs", region_name=region, config=logs.CLIENT_CONFIG))
        )

    def sqs(self) -> SQSClient:
        """SQS, for the dead-letter queue."""
        session, region = self._session_and_region()
        return aws_call(lambda: session.client("sqs", region_name=region))

    def alert_routes(self, parameter_name: str) -> SsmAlertRoutes:
        """The routes document in SSM parameter ``parameter_name``, read as the functions read it."""
        from jobtrail.adapters.routes import CLIENT_CONFIG, SsmAlertRoutes  # noqa: PLC0415

        session, region = self._session_and_region()
        return SsmAlertRoutes(
            lambda: aws_call(lambda: session.client("ssm", region_name=region, config=CLIENT_CONFIG)),
            parameter_name,
        )

    def price_settings(self, parameter_name: str) -> SsmPriceSettings:
        """The price settings document in SSM parameter ``parameter_name``, read as the functions read it."""
        from jobtrail.adapters.pricing import CLIENT_CONFIG, SsmPriceSettings  # noqa: PLC0415

        session, region = self._session_and_region()
        return SsmPriceSettings(
            lambda: aws_call(lambda: session.client("ssm", region_name=region, config=CLIENT_CONFIG)),
            parameter_name,
        )

    def _session_and_region(self) -> tuple[Session, str]:
        return self._boto3_session(), self._region()

    def _boto3_session(self) -> Session:
        """The run's boto3 session for --region/--profile (credentials as the AWS CLI finds them)."""
        if self._session is None:
            import boto3  # noqa: PLC0415
            from botocore.exceptions import BotoCoreError  # noqa: PLC0415

            try:
                self._session = boto3.session.Session(
                    region_name=self._region_option, profile_name=self._profile
                )
            except BotoCoreError as error:
                raise UserError(str(error)) from None
        return self._session

    def _region(self) -> str:
        """--region, else the AWS configuration's (profile included); one line when there is none."""
        region = self._region_option or self._boto3_session().region_name
        if not region:
            raise UserError(
                "which region? pass --region REGION or set one in your AWS configuration", EXIT_USAGE
            )
        return str(region)

    # -- the --stack stack

    def stack_output(self, key: str, option: str | None = None) -> str:
        """An output of the ``--stack`` stack (one DescribeStacks per run); ``option`` gives it directly."""
        if not self._stack_name:
            instead = f"{option} (the stack's {key} output)" if option else f"the value of its {key} output"
            raise UserError(f"pass --stack STACK, or {instead}", EXIT_USAGE)
        value = self._described_stack(self._stack_name).outputs.get(key)
        if value is None:
            raise UserError(f"stack {self._stack_name!r} has no {key} output: is it a jobtrail stack?")
        return value

    def alert_on(self) -> frozenset[str]:
        """The statuses to alert on: the stack's AlertOn parameter with --stack, else the default set."""
        from jobtrail.core.alerts import DEFAULT_ALERT_ON, parse_alert_on  # noqa: PLC0415

        if not self._stack_name:
            return DEFAULT_ALERT_ON
        self.stack_output(TABLE_OUTPUT_KEY)  # a jobtrail stack, or one line saying it is not
        return parse_alert_on(self._described_stack(self._stack_name).parameters.get("AlertOn"))

    def alert_log_lines(self) -> int:
        """How many lines of a job's log a ``Failed`` alert quotes: the stack's AlertLogLines parameter
        with --stack, else the default (20)."""
        from jobtrail.core.log_tail import DEFAULT_LOG_LINES, parse_log_lines  # noqa: PLC0415

        if not self._stack_name:
            return DEFAULT_LOG_LINES
        self.stack_output(TABLE_OUTPUT_KEY)  # a jobtrail stack, or one line saying it is not
        try:
            return parse_log_lines(self._described_stack(self._stack_name).parameters.get("AlertLogLines"))
        except ValueError as error:
            raise UserError(f"stack {self._stack_name!r}: AlertLogLines: {error}") from None

    def console_links(self) -> ConsoleLinks | None:
        """How alerts' links open the job's account: the stack's ConsolePortalUrl and ConsoleRoleName with
        --stack (``None`` when it has no portal, or was deployed before these parameters), else none, as
        the deployed functions make them (a backfill's alerts are published as they are stored)."""
        from jobtrail.core.alerts import console_links_from_settings  # noqa: PLC0415

        if not self._stack_name:
            return None
        self.stack_output(TABLE_OUTPUT_KEY)  # a jobtrail stack, or one line saying it is not
        parameters = self._described_stack(self._stack_name).parameters
        try:
            return console_links_from_settings(
                parameters.get("ConsolePortalUrl") or "", parameters.get("ConsoleRoleName") or ""
            )
        except ValueError as error:
            raise UserError(f"stack {self._stack_name!r}: {error}") from None

    def tracked_kinds(self) -> tuple[Kind, ...]:
        """The kinds the stack tracks: its TrackedKinds parameter with --stack, else every kind."""
        from jobtrail.core.kinds import KINDS, parse_kinds  # noqa: PLC0415

        if not self._stack_name:
            return KINDS
        self.stack_output(TABLE_OUTPUT_KEY)  # a jobtrail stack, or one line saying it is not
        try:
            return parse_kinds(self._described_stack(self._stack_name).parameters.get("TrackedKinds"))
        except ValueError as error:
            raise UserError(f"stack {self._stack_name!r}: TrackedKinds: {error}") from None

    def _described_stack(self, name: str) -> _Stack:
        if self._stack is None:
            from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

            session, region = self._session_and_region()
            cloudformation = aws_call(lambda: session.client("cloudformation", region_name=region))
            try:
                stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
            except ClientError as error:
                raise UserError(f"stack {name!r}: {error.response['Error'].get('Message', error)}") from None
            except BotoCoreError as error:
                raise UserError(f"stack {name!r}: {error}") from None
            outputs = stacks[0].get("Outputs", []) if stacks else []
            parameters = stacks[0].get("Parameters", []) if stacks else []
            self._stack = _Stack(
                outputs={o["OutputKey"]: o["OutputValue"] for o in outputs},
                parameters={p["ParameterKey"]: p.get("ParameterValue") for p in parameters},
                stack_id=stacks[0].get("StackId", "") if stacks else "",
            )
        return self._stack

    def stack_organization(self) -> Organization | None:
        """The ``--stack`` stack's organization settings (its account and region, from its ARN, and its
        organization parameters); ``None`` when organization mode is off."""
        from jobtrail.core.organization import OrganizationSettingsError, organization_from_settings  # noqa: PLC0415

        stack = self._described_stack(self.stack_name())
        parts = stack.stack_id.split(":")
        if len(parts) < 6:
            return None
        try:
            organization = organization_from_settings(
                parts[4],
                parts[3],
                organization_id=stack.parameters.get("OrganizationId") or "",
                member_accounts=stack.parameters.get("MemberAccountIds") or "",
                member_regions=stack.parameters.get("MemberRegions") or "",
                role_name=stack.parameters.get("MemberRoleName") or "",
            )
        except OrganizationSettingsError as error:
            raise UserError(f"stack {self.stack_name()!r}: {error}") from None
        return organization if organization.enabled else None

    def member_reach(self, place: Place) -> tuple[Any, Any]:
        """SageMaker and the jobs' logs in ``place`` (organization mode): your credentials in your own
        account, the member's reader role (``MemberRoleName``) in another; (jobs, logs) adapters."""
        from jobtrail.adapters.member_access import MemberCredentials, PlaceClients  # noqa: PLC0415
        from jobtrail.adapters.places import PlacedJobLogs, PlacedSageMaker  # noqa: PLC0415
        from jobtrail.core.organization import Place  # noqa: PLC0415

        organization = self.stack_organization()
        if organization is None:
            raise UserError(
                f"stack {self.stack_name()!r} is not in organization mode: it keeps no other account"
            )
        session, region = self._session_and_region()
        sts = aws_call(lambda: session.client("sts", region_name=region))
        caller = aws_call(sts.get_caller_identity)["Account"]
        if place.account != caller and organization.role_arn(place.account) is None:
            raise UserError(
                f"account {place.account} (the stack's own) has no reader role: run this with credentials of "
                f"that account (yours are {caller}'s)"
            )
        partition = session.get_partition_for_region(region)
        credentials = MemberCredentials(
            sts, lambda account: organization.role_arn(account, partition), "jobtrail-backfill"
        )
        clients = PlaceClients(session, Place(caller, region), credentials)
        jobs = PlacedSageMaker(clients)
        return jobs.at(place), PlacedJobLogs(clients)

    def organization_accounts(self) -> frozenset[str]:
        """The organization's active accounts, read with your credentials (organizations:ListAccounts)."""
        from jobtrail.adapters.organization import OrganizationAccounts  # noqa: PLC0415

        session, region = self._session_and_region()
        client = aws_call(lambda: session.client("organizations", region_name=region))
        return aws_call(lambda: OrganizationAccounts(client).accounts())

    # -- `jobtrail status`: the --stack stack's resources and the clients that describe them

    def stack_name(self) -> str:
        """The ``--stack`` stack's name; one line asking for it when there is none."""
        if not self._stack_name:
            raise UserError("which deployment? pass --stack STACK (the jobtrail stack's name)", EXIT_USAGE)
        return self._stack_name

    def jobtrail_stack_parameter(self, key: str, instead: str) -> str:
        """A parameter of the ``--stack`` jobtrail stack (``""`` when empty); without ``--stack``, one line
        asking for it or for what to pass ``instead``."""
        if not self._stack_name:
            raise UserError(f"{instead}, or --stack STACK", EXIT_USAGE)
        self.stack_output(TABLE_OUTPUT_KEY)  # a jobtrail stack, or one line saying it is not
        return self._described_stack(self._stack_name).parameters.get(key) or ""

    def stack_parameter(self, key: str) -> str | None:
        """A parameter of the ``--stack`` stack (the same DescribeStacks as its outputs)."""
        return self._described_stack(self.stack_name()).parameters.get(key)

    def stack_resources(self) -> list[StackResource]:
        """The ``--stack`` stack's resources (one DescribeStackResources: up to 100, and jobtrail has
        fewer), each with its type and physical id (a queue's URL, an alarm's or rule's name)."""
        name = self.stack_name()
        session, region = self._session_and_region()
        cloudformation = aws_call(lambda: session.client("cloudformation", region_name=region))
        described = aws_call(lambda: cloudformation.describe_stack_resources(StackName=name))
        return [
            StackResource(r["LogicalResourceId"], r["ResourceType"], r.get("PhysicalResourceId") or "")
            for r in described["StackResources"]
        ]

    def events(self) -> Any:  # no type stubs for EventBridge are installed
        """EventBridge, to describe the stack's rules."""
        session, region = self._session_and_region()
        return aws_call(lambda: session.client("events", region_name=region))

    def cloudwatch(self) -> Any:  # no type stubs for CloudWatch are installed
        """CloudWatch, to describe the stack's alarms."""
        session, region = self._session_and_region()
        return aws_call(lambda: session.client("cloudwatch", region_name=region))


class StackResource(NamedTuple):
    """One resource of a stack, as DescribeStackResources gives it."""

    logical_id: str
    type: str
    physical_id: str
