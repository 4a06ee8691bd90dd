"""The AWS adapters on one botocore session, for the functions' composition roots.

PynamoDB's connection creates the botocore session; boto3 wraps that same session for every other
client. A second session would load botocore's endpoint and service files again, about 45 ms of a cold
start each (``make bench`` measures it). Nothing here reads the environment: the roots pass in what
they read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3

from jobtrail.adapters import logs, pricing, routes, sagemaker, sns, sqs
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.history_table import PriceCache

if TYPE_CHECKING:
    from jobtrail.adapters.organization import OrganizationAccounts
    from jobtrail.adapters.places import PlacedJobLogs, PlacedSageMaker
    from jobtrail.core.organization import Organization


class AwsAdapters:
    """The history table's store, connected now (once per container), and the other adapters on demand,
    each with the client configuration its module declares."""

    def __init__(self, table_name: str) -> None:
        self.histories = HistoryStore(table_name)
        self._session = boto3.session.Session(botocore_session=self.histories.botocore_session())
        self.histories.connect()

    def jobs(self) -> sagemaker.SageMakerJobs:
        return sagemaker.SageMakerJobs(self._session.client("sagemaker", config=sagemaker.CLIENT_CONFIG))

    def alerts(self, topic_arn: str) -> sns.SnsAlertPublisher:
        return sns.SnsAlertPublisher(self._session.client("sns", config=sns.CLIENT_CONFIG), topic_arn)

    def dead_letters(self, queue_url: str) -> sqs.SqsDeadLetters:
        return sqs.SqsDeadLetters(self._session.client("sqs", config=sqs.CLIENT_CONFIG), queue_url)

    def alert_routes(self, parameter_name: str) -> routes.SsmAlertRoutes | None:
        """The routes document in SSM parameter ``parameter_name`` (``None`` for an empty name: no routes);
        its client is made when an alert first wants a route."""
        if not parameter_name:
            return None
        return routes.SsmAlertRoutes(
            lambda: self._session.client("ssm", config=routes.CLIENT_CONFIG), parameter_name
        )

    def price_list(self, region: str) -> pricing.PriceList:
        """The Price List at the endpoint nearest ``region``; its client made at the first lookup."""
        endpoint = pricing.pricing_region(region)
        return pricing.PriceList(
            OnFirstUse(
                lambda: self._session.client("pricing", region_name=endpoint, config=pricing.CLIENT_CONFIG)
            )
        )

    def price_cache(self) -> PriceCache:
        """The prices kept in the history table, on its connection."""
        return PriceCache(self.histories.table)

    def price_settings(self, parameter_name: str) -> pricing.SsmPriceSettings | None:
        """The price settings in SSM parameter ``parameter_name`` (``None`` for an empty name: none)."""
        if not parameter_name:
            return None
        return pricing.SsmPriceSettings(
            lambda: self._session.client("ssm", config=pricing.CLIENT_CONFIG), parameter_name
        )

    def job_logs(self) -> logs.CloudWatchJobLogs:
        """Made when a ``Failed`` alert first wants a log, not in every cold start (about 10 ms)."""
        return logs.CloudWatchJobLogs(
            OnFirstUse(lambda: self._session.client("logs", config=logs.CLIENT_CONFIG))
        )

    def placed(self, organization: Organization, session_name: str) -> tuple[PlacedSageMaker, PlacedJobLogs]:
        """SageMaker and the jobs' logs at each job's place (organization mode): the home account with the
        function's credentials, a member through its read-only role (STS's client made at the first
        AssumeRole). The home place's SageMaker client is made now, as ``jobs()`` makes it."""
        # Imported in organization mode only: a standalone stack's cold start does not load them.
        from jobtrail.adapters.member_access import (  # noqa: PLC0415
            STS_CLIENT_CONFIG,
            MemberCredentials,
            PlaceClients,
        )
        from jobtrail.adapters.places import PlacedJobLogs, PlacedSageMaker  # noqa: PLC0415

        home = organization.home
        partition = self._session.get_partition_for_region(home.region)
        sts = OnFirstUse(
            lambda: self._session.client("sts", region_name=home.region, config=STS_CLIENT_CONFIG)
        )
        credentials = MemberCredentials(
            sts, lambda account: organization.role_arn(account, partition), session_name
        )
        clients = PlaceClients(self._session, home, credentials)
        clients.client("sagemaker", home, sagemaker.CLIENT_CONFIG)
        return PlacedSageMaker(clients), PlacedJobLogs(clients)

    def members(self, organization: Organization) -> OrganizationAccounts | None:
        """The organization's active accounts when they are the members (``OrganizationId`` alone); its
        client made at the first read."""
        if not organization.lists_accounts:
            return None
        from jobtrail.adapters.organization import CLIENT_CONFIG, OrganizationAccounts  # noqa: PLC0415

        return OrganizationAccounts(
            OnFirstUse(lambda: self._session.client("organizations", config=CLIENT_CONFIG))
        )


class OnFirstUse:
    """A client made the first time one of its attributes is asked for."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)


def standalone_routes(parameter_name: str) -> routes.SsmAlertRoutes:
    """The routes document for a function without ``AwsAdapters`` (the Slack notifier, whose table
    access is PynamoDB's alone): its SSM client on boto3's default session, made when it is first read."""
    return routes.SsmAlertRoutes(lambda: boto3.client("ssm", config=routes.CLIENT_CONFIG), parameter_name)
