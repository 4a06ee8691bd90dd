"""adapters.secrets: a secret's text from Secrets Manager (moto, and botocore's Stubber for the answers
moto does not give), kept ``max_age`` seconds, and failures that name the secret and never its value."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.parsers import ResponseParserError
from botocore.stub import Stubber
from jobtrail.adapters.secrets import MAX_AGE, SecretsManagerSecrets, SecretUnreadable, secrets_manager
from moto import mock_aws

VALUE = "https://hooks.slack.com/services/T0/B0/SECRETxVALUE"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jobtrail/slack-AbCdEf"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def secretsmanager() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


class CountingClient:
    """The moto client, counting the clients made and the secrets read."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.made = 0
        self.reads = 0

    def make(self) -> Any:
        self.made += 1
        return self

    def get_secret_value(self, **request: Any) -> Any:
        self.reads += 1
        return self.client.get_secret_value(**request)


def test_a_secret_is_read_once_per_max_age_on_one_client(secretsmanager: Any) -> None:
    arn = secretsmanager.create_secret(Name="jobtrail/slack", SecretString=VALUE)["ARN"]
    counting, clock = CountingClient(secretsmanager), Clock()
    secrets = SecretsManagerSecrets(counting.make, clock=clock)
    assert counting.made == 0  # nothing is made or read before the first read

    assert secrets.text(arn) == VALUE
    clock.now += MAX_AGE - 1
    assert secrets.text(arn) == VALUE
    assert (counting.made, counting.reads) == (1, 1)

    # Rotated: the new value applies once the kept one is MAX_AGE old, on the same client
    secretsmanager.put_secret_value(SecretId=arn, SecretString=VALUE + "2")
    clock.now += 1
    assert secrets.text(arn) == VALUE + "2"
    assert (counting.made, counting.reads) == (1, 2)


def test_a_secret_is_found_by_name_and_a_binary_one_is_read_as_utf8(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name="jobtrail/nlp-webhook", SecretString=VALUE)
    secretsmanager.create_secret(Name="jobtrail/binary", SecretBinary=VALUE.encode())
    secrets = SecretsManagerSecrets(lambda: secretsmanager)
    assert secrets.text("jobtrail/nlp-webhook") == VALUE
    assert secrets.text("jobtrail/binary") == VALUE


def test_the_default_reader_uses_the_functions_own_account_and_region(secretsmanager: Any) -> None:
    secretsmanager.create_secret(Name="jobtrail/slack", SecretString=VALUE)
    assert secrets_manager().text("jobtrail/slack") == VALUE


def test_a_missing_secret_is_named_with_the_error_and_a_failure_is_not_kept(secretsmanager: Any) -> None:
    counting = CountingClient(secretsmanager)
    secrets = SecretsManagerSecrets(counting.make)
    with pytest.raises(SecretUnreadable, match=r"secret jobtrail/missing: ResourceNotFoundException: "):
        secrets.text("jobtrail/missing")
    # Created since: the next read asks again and finds it
    secretsmanager.create_secret(Name="jobtrail/missing", SecretString=VALUE)
    assert secrets.text("jobtrail/missing") == VALUE
    assert counting.reads == 2


def test_a_denied_secret_and_one_without_a_value_are_refused_by_name() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    secrets = SecretsManagerSecrets(lambda: client)
    with Stubber(client) as stub:
        stub.add_client_error(
            "get_secret_value",
            service_error_code="AccessDeniedException",
            service_message="not authorized to perform: secretsmanager:GetSecretValue",
            expected_params={"SecretId": ARN},
        )
        stub.add_response("get_secret_value", {"ARN": ARN, "Name": "jobtrail/slack"}, {"SecretId": ARN})
        with pytest.raises(SecretUnreadable) as denied:
            secrets.text(ARN)
        with pytest.raises(SecretUnreadable) as empty:
            secrets.text(ARN)
        stub.assert_no_pending_responses()
    assert str(denied.value) == (
        f"secret {ARN}: AccessDeniedException: not authorized to perform: secretsmanager:GetSecretValue"
    )
    assert str(empty.value) == f"secret {ARN}: it holds no value"


class Unparseable:
    """A client whose answer botocore could not parse: botocore's message quotes the body."""

    def get_secret_value(self, **_: Any) -> Any:
        raise ResponseParserError(
            f'Unable to parse response, invalid JSON received: b\'{{"SecretString": "{VALUE}\''
        )


def test_an_answer_that_cannot_be_parsed_is_named_without_its_body() -> None:
    with pytest.raises(SecretUnreadable) as failure:
        SecretsManagerSecrets(Unparseable).text(ARN)
    assert str(failure.value) == f"secret {ARN}: ResponseParserError"
    assert failure.value.__cause__ is None
    assert failure.value.__context__ is None
    assert VALUE not in str(failure.value)


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        yield listener.getsockname()[1]  # bound, never listening: a connection is refused


def test_an_unreachable_secrets_manager_is_a_one_line_failure(closed_port: int) -> None:
    client = boto3.client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{closed_port}",
        config=Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(
        SecretUnreadable, match=r"^secret jobtrail/slack: EndpointConnectionError: Could not connect"
    ):
        SecretsManagerSecrets(lambda: client).text("jobtrail/slack")
