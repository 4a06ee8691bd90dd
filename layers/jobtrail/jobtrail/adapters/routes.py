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
from typing import Any, Final

from botocore.config import Config

from jobtrail.adapters.ssm_document import DocumentUnreadable, SsmDocument
from jobtrail.core.routing import Routes, RoutesError, RoutesUnreadable, parse_routes

#: Seconds a document read is kept before the next alert reads the parameter again.
MAX_AGE: Final = 60
#: The client the adapter expects: an unreachable SSM costs an alert a few seconds, not its Lambda time.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=3)


class SsmAlertRoutes:
    """``AlertRoutes`` on the SSM parameter ``name`` (a String parameter holding the JSON document,
    ``adapters.ssm_document``). ``client`` makes the ``ssm`` client, once, when the document is first
    read."""

    def __init__(self, client: Callable[[], Any], name: str, *, max_age: int = MAX_AGE) -> None:
        self.name = name
        self._document = SsmDocument(client, name, parse_routes, RoutesError, max_age=max_age)

    def load(self) -> Routes:
        """The document (read at most once per ``max_age``); ``RoutesUnreadable`` when SSM would not give
        it, ``RoutesError`` naming the bad rule when it is invalid."""
        try:
            return self._document.load()
        except DocumentUnreadable as error:
            raise RoutesUnreadable(str(error)) from error
