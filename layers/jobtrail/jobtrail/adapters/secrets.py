"""Secrets Manager: a secret's text, read when it is first needed and kept ``max_age`` seconds, so a
rotated secret applies without a redeploy and a busy container asks once per ``max_age``.

This is one ``GetSecretValue`` and a clock. Powertools' parameters utility did it before, but importing
it loads its AppConfig, DynamoDB and SSM providers too: 53 modules and about 54 M instructions, 5 % of the
Slack notifier's cold start, which is the one function that reads secrets (``make bench``).

The value is never logged and never in an error: errors name the secret (an ARN or a name, not secret) and
Secrets Manager's error code. botocore logs response bodies at DEBUG: ``adapters.slack`` keeps its parser
at INFO in the process that reads secrets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

#: Seconds a secret's text is kept before the next read asks Secrets Manager again.
MAX_AGE: Final = 300
#: The client the adapter expects: a slow Secrets Manager costs an alert seconds, not its Lambda time.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


class SecretUnreadable(Exception):
    """Secrets Manager would not give the secret (missing, denied, unreachable, no text): one line naming
    the secret and why, never a value."""


class SecretsManagerSecrets:
    """The secrets of one account and region. ``client`` makes the ``secretsmanager`` client, once, at
    the first read; ``clock`` is monotonic seconds."""

    def __init__(
        self,
        client: Callable[[], Any],
        *,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make_client = client
        self._client: Any = None
        self._max_age = max_age
        self._clock = clock
        self._kept: dict[str, tuple[str, float]] = {}

    def text(self, secret_id: str) -> str:
        """The text of ``secret_id`` (an ARN or a name): ``SecretString``, or ``SecretBinary`` as UTF-8.
        Read at most once per ``max_age``; ``SecretUnreadable`` when it cannot be."""
        now = self._clock()
        kept = self._kept.get(secret_id)
        if kept is not None and now - kept[1] < self._max_age:
            return kept[0]
        text = self._read(secret_id)
        self._kept[secret_id] = (text, now)
        return text

    def _read(self, secret_id: str) -> str:
        try:
            if self._client is None:
                self._client = self._make_client()
            answer = self._client.get_secret_value(SecretId=secret_id)
        except ClientError as error:
            failure = error.response.get("Error", {})
            why = f"{failure.get('Code', 'error')}: {failure.get('Message', '')}".rstrip(": ")
        except BotoCoreError as error:  # no credentials, no endpoint, a connection that failed
            why = f"{type(error).__name__}: {error}"
        except Exception as error:  # noqa: BLE001 - a body botocore could not parse: its message may quote
            why = type(error).__name__  # the value, so the error is named only
        else:
            if "SecretString" in answer:
                return str(answer["SecretString"])
            if "SecretBinary" in answer:
                return bytes(answer["SecretBinary"]).decode("utf-8", "replace")
            why = "it holds no value"
        raise SecretUnreadable(f"secret {secret_id}: {why}")


def secrets_manager() -> SecretsManagerSecrets:
    """The secrets of the function's own account and region, on boto3's default session, its client made
    at the first read. The Slack notifier's, which has no ``adapters.aws`` (its webhook mode loads no
    PynamoDB, so no shared botocore session): boto3 is imported when a post first needs a secret."""

    def client() -> Any:
        import boto3  # noqa: PLC0415

        return boto3.client("secretsmanager", config=CLIENT_CONFIG)

    return SecretsManagerSecrets(client)
