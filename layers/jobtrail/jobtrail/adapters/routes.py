"""The routes document in an SSM parameter: the adapter of the ``AlertRoutes`` port.

People edit the parameter (``aws ssm put-parameter --overwrite``) without redeploying; the functions read it
through Powertools parameters, which keeps it ``MAX_AGE`` seconds, so an edit reaches the alerts within a
minute and a busy minute costs one GetParameter per container. The provider and its client are made when
the first alert wants a route, not in every cold start. What cannot be read or parsed is raised as
``RoutesUnreadable`` or ``RoutesError``, never as anything else: the use case then routes the alert to the
default route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from botocore.config import Config

from jobtrail.core.routing import Routes, RoutesError, RoutesUnreadable, parse_routes

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

#: Seconds a document read is kept before the next alert reads the parameter again.
MAX_AGE: Final = 60
#: The client the adapter expects: an unreachable SSM costs an alert a few seconds, not its Lambda time.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=3)


class SsmAlertRoutes:
    """``AlertRoutes`` on the SSM parameter ``name`` (a String parameter holding the JSON document).

    ``client`` makes the ``ssm`` client, once, when the document is first read. The parsed document is
    kept with the text it came from, so a cached read is not parsed again.
    """

    def __init__(self, client: Callable[[], Any], name: str, *, max_age: int = MAX_AGE) -> None:
        self.name = name
        self._client = client
        self._max_age = max_age
        self._provider: SSMProvider | None = None
        self._parsed: tuple[str, Routes | str] | None = None

    def load(self) -> Routes:
        """The document (read at most once per ``max_age``); ``RoutesUnreadable`` when SSM would not give
        it, ``RoutesError`` naming the bad rule when it is invalid."""
        text = self._read()
        if self._parsed is None or self._parsed[0] != text:
            try:
                self._parsed = (text, parse_routes(text))
            except RoutesError as error:
                self._parsed = (text, str(error))
        parsed = self._parsed[1]
        if isinstance(parsed, str):
            raise RoutesError(parsed)
        return parsed

    def _read(self) -> str:
        from aws_lambda_powertools.utilities.parameters import (  # noqa: PLC0415 - when an alert is due
            GetParameterError,
            SSMProvider,
        )

        try:
            if self._provider is None:
                self._provider = SSMProvider(boto3_client=self._client())
            value = self._provider.get(self.name, max_age=self._max_age, decrypt=False)
        except GetParameterError as error:
            raise RoutesUnreadable(f"SSM parameter {self.name}: {error}") from error
        except Exception as error:  # whatever stops the read (making the client), the alert still goes out
            raise RoutesUnreadable(f"SSM parameter {self.name}: {type(error).__name__}: {error}") from error
        return value.decode() if isinstance(value, bytes) else str(value)
