"""The AWS Price List Query API on loopback, answering ``GetProducts`` from ``events/pricing`` (the bench).

Speaks the API's JSON protocol (``X-Amz-Target: AWSPriceListService.GetProducts``), so a ``pricing`` client
built from ``AWS_ENDPOINT_URL_PRICING`` runs unchanged, botocore's parsing included. A request the files do
not hold gets what the Price List answers for a product it does not list: an empty ``PriceList``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from jobtrail_local.price_list import exchanges

#: The price list fixtures the bench answers from.
PRICING_EVENTS = Path(__file__).resolve().parents[2] / "events" / "pricing"

_TARGET = "AWSPriceListService.GetProducts"
_EMPTY = {"FormatVersion": "aws_v1", "PriceList": []}


def _key(request: Mapping[str, Any]) -> str:
    return json.dumps(request, sort_keys=True)


class PriceListServer:
    """Serves the exchanges of ``files`` on ``http://127.0.0.1:<free port>`` from a daemon thread (a
    context manager); ``calls`` counts the GetProducts requests it answered."""

    def __init__(self, files: Iterable[Mapping[str, Any]]) -> None:
        answers = {
            _key(exchange["request"]): exchange["response"] for file in files for exchange in exchanges(file)
        }
        self.calls = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("X-Amz-Target") != _TARGET:
                    self._answer(400, {"__type": "UnknownOperationException", "message": "not GetProducts"})
                    return
                server.calls += 1
                self._answer(200, answers.get(_key(json.loads(body or b"{}")), _EMPTY))

            def _answer(self, status: int, document: Mapping[str, Any]) -> None:
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:  # quiet: the bench prints its own progress
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="price-list", daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def pricing_files(folder: Path = PRICING_EVENTS) -> list[dict[str, Any]]:
    """Every ``events/pricing/*.json`` file, parsed."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
