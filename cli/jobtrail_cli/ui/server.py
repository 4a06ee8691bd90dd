"""Serving ``jobtrail ui``: werkzeug's threaded server on 127.0.0.1 only, a new token per run, and a
request log that never holds the token.

The socket is bound here (a port in use is one line, not werkzeug's exit), then handed to werkzeug, which
serves each request in a thread of its own until ``shutdown`` (or Ctrl-C in ``serve_forever``).
"""

from __future__ import annotations

import html
import os
import secrets
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from jobtrail_cli.errors import EXIT_FAILURE, UserError
from jobtrail_cli.ui.app import TOKEN_PARAMETER, create_app

if TYPE_CHECKING:
    from flask import Flask

    from jobtrail_cli.ui.pages import Pages

#: The one address served: this machine, for its user.
HOST: Final = "127.0.0.1"


def new_token() -> str:
    """A token no other local user or site can guess (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


class UiServer:
    """``pages`` served on ``HOST:port`` (0: a free port) to requests carrying ``token``."""

    def __init__(self, pages: Pages, *, port: int = 0, token: str | None = None) -> None:
        self.token = token or new_token()
        listening = _listen(port)
        try:
            self.port: int = listening.getsockname()[1]
            self.app: Flask = create_app(pages, token=self.token, port=self.port)
            self._server: BaseWSGIServer = make_server(
                HOST,
                self.port,
                self.app,
                threaded=True,
                request_handler=_handler_hiding(self.token),
                fd=listening.fileno(),
            )
        finally:
            listening.close()  # werkzeug holds a socket of its own on the same port
        self._done = threading.Event()

    @property
    def url(self) -> str:
        """The first page, with the token: what the user opens (and the one place the token is shown)."""
        return f"{self.base_url}/jobs?{TOKEN_PARAMETER}={self.token}"

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def serve_forever(self) -> None:
        """Answer requests until ``shutdown`` (another thread) or Ctrl-C; the socket is then closed."""
        try:
            self._server.serve_forever()
        finally:
            self._done.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (from another thread) and wait until it has closed the socket."""
        self._server.shutdown()
        self._done.wait(timeout=10)


@contextmanager
def opening_page(url: str) -> Iterator[str]:
    """A ``file://`` URL to open ``url`` by (``--open``), removed when the block ends: a page readable
    by this user only that sends the browser on to ``url``, as Jupyter opens its pages, so that the token
    never stands in the browser's command line, which other local users can read (``ps``)."""
    descriptor, name = tempfile.mkstemp(prefix="jobtrail-ui-", suffix=".html")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as page:
            page.write(
                '<!doctype html><meta charset="utf-8">'
                f'<meta http-equiv="refresh" content="0; url={html.escape(url, quote=True)}">'
                f'<title>jobtrail ui</title><a href="{html.escape(url, quote=True)}">jobtrail ui</a>\n'
            )
        yield Path(name).as_uri()
    finally:
        Path(name).unlink(missing_ok=True)


def _listen(port: int) -> socket.socket:
    """A socket listening on ``HOST:port``; a port that cannot be had is one line."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listening.bind((HOST, port))
        listening.listen(128)
    except OSError as error:
        listening.close()
        raise UserError(
            f"cannot serve on {HOST}:{port}: {error.strerror or error} (--port 0 picks a free port)",
            EXIT_FAILURE,
        ) from None
    return listening


def _handler_hiding(token: str) -> type[WSGIRequestHandler]:
    """werkzeug's request handler, logging each request as ``GET /jobs 200`` (the path without its query,
    which may hold the token) and masking the token in anything else it logs."""

    class Handler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            path = urlsplit(getattr(self, "path", None) or "-").path  # none when the request was unreadable
            self.log("info", "%s %s %s", self.command or "-", path, code)

        def log(self, type: str, message: str, *args: Any) -> None:
            said = (message % args) if args else message
            super().log(type, "%s", said.replace(token, "<token>"))

    return Handler
