"""A document people keep in an SSM String parameter (the alert routes, the price settings), read as the
functions read it: through Powertools parameters, which keeps the value ``max_age`` seconds, so an edit
applies without a redeploy and a busy container asks SSM once per ``max_age``. The provider and its client
are made at the first read, not in a cold start. The text is parsed once: a cached read of the same text
gives the same document, or the same refusal, without parsing again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

_Document = TypeVar("_Document")


class DocumentUnreadable(Exception):
    """SSM would not give the parameter (missing, denied, unreachable), or its client could not be made:
    one line, naming the parameter."""


class SsmDocument(Generic[_Document]):
    """The document in SSM parameter ``name``, parsed by ``parse``, which refuses a bad one by raising
    ``invalid``. ``client`` makes the ``ssm`` client, once, when the document is first read."""

    def __init__(
        self,
        client: Callable[[], Any],
        name: str,
        parse: Callable[[str], _Document],
        invalid: type[Exception],
        *,
        max_age: int,
    ) -> None:
        self.name = name
        self._client = client
        self._parse = parse
        self._invalid = invalid
        self._max_age = max_age
        self._provider: SSMProvider | None = None
        self._parsed: tuple[str, _Document | Exception] | None = None

    def load(self) -> _Document:
        """The document (read at most once per ``max_age``); ``DocumentUnreadable`` when it could not be
        read, ``parse``'s ``invalid`` error when it is not valid."""
        text = self._read()
        if self._parsed is None or self._parsed[0] != text:
            try:
                self._parsed = (text, self._parse(text))
            except self._invalid as error:
                self._parsed = (text, error)
        parsed = self._parsed[1]
        if isinstance(parsed, Exception):
            raise parsed.with_traceback(None)
        return parsed

    def _read(self) -> str:
        from aws_lambda_powertools.utilities.parameters import (  # noqa: PLC0415 - at the first read
            GetParameterError,
            SSMProvider,
        )

        try:
            if self._provider is None:
                self._provider = SSMProvider(boto3_client=self._client())
            value = self._provider.get(self.name, max_age=self._max_age, decrypt=False)
        except GetParameterError as error:
            raise DocumentUnreadable(f"SSM parameter {self.name}: {error}") from error
        except Exception as error:  # whatever stops the read (making the client): the callers carry on
            raise DocumentUnreadable(f"SSM parameter {self.name}: {type(error).__name__}: {error}") from error
        return value.decode() if isinstance(value, bytes) else str(value)
