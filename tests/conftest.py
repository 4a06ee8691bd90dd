"""Fixtures shared by every test tier.

- The whole session runs with fake AWS credentials and no profile, so nothing can reach a real account.
- ``dynamodb_local``: one DynamoDB Local per session (per xdist worker); skipped when Java or the jar is
  missing, failed instead when ``JOBTRAIL_REQUIRE_DYNAMODB_LOCAL=1`` (``make test`` and CI set it).
- ``ddb_local_table`` / ``moto_table``: a fresh history table, created from template.yaml, on either engine;
  ``history_table`` runs a test once on each.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
import pytest
from jobtrail_local.dynamodb_local import DynamoDBLocal, DynamoDBLocalUnavailable
from jobtrail_local.table_schema import create_history_table
from moto import mock_aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

REGION = "us-east-1"
REQUIRE_DYNAMODB_LOCAL_ENV = "JOBTRAIL_REQUIRE_DYNAMODB_LOCAL"

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # No ~/.aws files, no instance metadata: the fake keys above are the only credentials boto3 can find.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "jobtrail",
    "POWERTOOLS_SERVICE_NAME": "jobtrail-tests",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def _no_proxy_with_loopback() -> str:
    """NO_PROXY extended with the loopback names: DynamoDB Local must not be reached through a proxy."""
    current = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    hosts = [host.strip() for host in current.split(",") if host.strip()]
    return ",".join(dict.fromkeys([*hosts, "127.0.0.1", "localhost"]))


FAKE_AWS_ENVIRONMENT["NO_PROXY"] = FAKE_AWS_ENVIRONMENT["no_proxy"] = _no_proxy_with_loopback()
# Anything that could point boto3 at real credentials or a real endpoint.
UNSAFE_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SNS",
)


def _make_aws_environment_fake() -> None:
    for name in UNSAFE_AWS_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS_ENVIRONMENT)


# Applied as soon as pytest loads this file, before any test module is imported: modules that build boto3
# clients or Powertools objects at import time must already see the fake environment.
_make_aws_environment_fake()


@pytest.fixture(scope="session", autouse=True)
def fake_aws_environment() -> Iterator[None]:
    """Fake AWS credentials and region for the whole session; no profile or custom endpoint can leak in."""
    with pytest.MonkeyPatch.context() as patch:
        for name in UNSAFE_AWS_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in FAKE_AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield


@dataclass(frozen=True)
class TableTarget:
    """Where a test's history table lives: ``endpoint_url`` None means AWS itself, i.e. moto."""

    name: str
    endpoint_url: str | None
    region: str

    def client(self) -> DynamoDBClient:
        """A low-level DynamoDB client for this table's engine."""
        return boto3.client("dynamodb", region_name=self.region, endpoint_url=self.endpoint_url)


def _unique_table_name() -> str:
    return f"jobtrail-test-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """A DynamoDB Local (in memory) for the whole session, stopped at its end."""
    server = DynamoDBLocal()
    try:
        server.start()
    except DynamoDBLocalUnavailable as error:
        reason = " ".join(str(error).split())
        if os.environ.get(REQUIRE_DYNAMODB_LOCAL_ENV) == "1":
            pytest.fail(f"{REQUIRE_DYNAMODB_LOCAL_ENV}=1 but DynamoDB Local cannot run: {reason}")
        pytest.skip(f"DynamoDB Local unavailable: {reason}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ddb_local_table(dynamodb_local: DynamoDBLocal) -> Iterator[TableTarget]:
    """A new, empty history table in DynamoDB Local, deleted after the test."""
    target = TableTarget(_unique_table_name(), dynamodb_local.endpoint_url, REGION)
    client = target.client()
    create_history_table(client, target.name)
    yield target
    client.delete_table(TableName=target.name)


@pytest.fixture
def moto_table() -> Iterator[TableTarget]:
    """A new history table in moto; the whole test runs inside ``mock_aws``."""
    with mock_aws():
        target = TableTarget(_unique_table_name(), None, REGION)
        create_history_table(target.client(), target.name)
        yield target


_ENGINE_FIXTURES = {"moto": "moto_table", "dynamodb_local": "ddb_local_table"}


@pytest.fixture(
    params=[
        pytest.param("moto", id="moto"),
        pytest.param("dynamodb_local", id="dynamodb_local", marks=pytest.mark.dynamodb_local),
    ]
)
def history_table(request: pytest.FixtureRequest) -> TableTarget:
    """The history table on each engine in turn: the test runs once with moto, once with DynamoDB Local."""
    target: TableTarget = request.getfixturevalue(_ENGINE_FIXTURES[request.param])
    return target


@pytest.fixture(autouse=True)
def no_metrics_left_over() -> Iterator[None]:
    """Each test starts with an empty Powertools metrics buffer. The use cases add metrics outside a
    handler's ``log_metrics``; left to pile up across a worker's tests, they would reach Powertools'
    100-metric flush inside some later test and print EMF on its stdout, in the middle of a CLI's JSON."""
    from jobtrail.observability import metrics  # noqa: PLC0415 - after the fake environment is in place

    metrics.clear_metrics()
    yield
    metrics.clear_metrics()
