"""A fake of Slack's Web API on the loopback interface: ``chat.postMessage`` and ``chat.update``.

slack_sdk's ``WebClient(base_url=fake.base_url)`` talks to it as to ``https://slack.com/api/``: it reads
the bearer token, answers as Slack does (``{"ok": true, "channel": "C…", "ts": "1733000000.000100",
"message": {…}}``, or ``{"ok": false, "error": "…"}``), and keeps every call and every message, so tests
and the demo can see the threads as a channel would. Failures are injected per call: a ``429`` with
``Retry-After``, a ``5xx``, or an ``ok: false`` error such as ``channel_not_found``.

Channels are known by name (``#ml-alerts`` or ``ml-alerts``) or by ID; each name gets a stable ID
(``C`` and ten characters). ``chat.update`` takes the ID, which is what ``chat.postMessage`` answered
with (jobtrail always passes it): a name there answers ``channel_not_found``. Nothing here reaches Slack.

    with FakeSlackWebApi(token="xoxb-test") as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        ...
        slack.messages_in("#ml-alerts"), slack.threads()
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

#: The first message's ``ts`` is 1733000000.000100; each next one 100 µs later.
FIRST_SECOND = 1_733_000_000
TEAM_ID = "T0JOBTRAIL"
BOT_USER_ID = "U0JOBTRAIL"
BOT_ID = "B0JOBTRAIL"
APP_ID = "A0JOBTRAIL"
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")


@dataclass(frozen=True)
class ApiCall:
    """One request: the method, its arguments (JSON or form), the bearer token sent, when it arrived
    (the fake's clock), and what was answered."""

    method: str
    arguments: dict[str, Any]
    token: str | None
    at: float
    status: int
    answer: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.answer.get("ok") is True


@dataclass
class Message:
    """A message as the channel shows it now (after any ``chat.update``)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    reply_broadcast: bool = False
    edits: int = 0

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None


@dataclass
class _Injection:
    method: str | None
    channel: str | None
    status: int
    error: str | None
    retry_after: int | None
    times: int
    after: int
    kept: bool = False


@dataclass
class FakeSlackWebApi:
    """Slack's Web API on ``127.0.0.1`` at a random port (``start()``/``stop()``, or a ``with`` block).

    ``token``: the only bearer token accepted (``invalid_auth`` otherwise); ``None`` accepts any ``xox…``.
    ``clock`` stamps each call (``ApiCall.at``): tests hand it a fake time to check spacing exactly.
    """

    token: str | None = None
    clock: Callable[[], float] = time.monotonic
    calls: list[ApiCall] = field(default_factory=list)
    _messages: list[Message] = field(default_factory=list)
    _injections: list[_Injection] = field(default_factory=list)
    _names: dict[str, str] = field(default_factory=dict)
    _issued: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------------------------

    def start(self) -> str:
        """Listen on a random loopback port; returns ``base_url`` (for ``WebClient(base_url=…)``)."""
        if self._server is not None:
            return self.base_url
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                arguments = _arguments(body, self.headers.get("Content-Type") or "")
                method = self.path.rstrip("/").rsplit("/", 1)[-1]
                authorization = self.headers.get("Authorization") or ""
                token = authorization.removeprefix("Bearer ").strip() or None
                status, headers, answer = fake._answer(method, arguments, token)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlackWebApi:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake Slack Web API is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    # -- what tests ask --------------------------------------------------------------------------------

    def inject(
        self,
        method: str | None = None,
        *,
        channel: str | None = None,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
        kept: bool = False,
    ) -> None:
        """Fail ``times`` calls of ``method`` (any if ``None``), in ``channel`` if given, once ``after``
        such calls have succeeded: with ``status`` (``429`` carries ``Retry-After: retry_after``, default
        1), or ``ok: false`` and ``error`` with status 200. With ``kept``, the call is done all the same
        before the failure is answered (the message is in the channel): what a lost answer looks like."""
        if status == 200 and error is None:
            raise ValueError("inject a status other than 200, or an error")
        wanted = None if channel is None else self.channel_id(channel)
        with self._lock:
            self._injections.append(
                _Injection(method, wanted, status, error, retry_after, times, after, kept)
            )

    def channel_id(self, channel: str) -> str:
        """The ID the fake gives ``channel`` (a name, with or without ``#``, or an ID)."""
        if _CHANNEL_ID.match(channel):
            return channel
        name = channel.removeprefix("#")
        return self._names.setdefault(name, "C" + hashlib.sha1(name.encode()).hexdigest()[:10].upper())  # noqa: S324 - an ID, not security

    def messages_in(self, channel: str) -> list[Message]:
        """Every message of ``channel`` (parents and replies), in the order they were posted."""
        wanted = self.channel_id(channel)
        with self._lock:
            return [message for message in self._messages if message.channel == wanted]

    def threads(self) -> dict[str, list[Message]]:
        """The replies, grouped by their parent's ``ts`` (``thread_ts``), each group in posting order."""
        grouped: dict[str, list[Message]] = {}
        with self._lock:
            for message in self._messages:
                if message.thread_ts is not None:
                    grouped.setdefault(message.thread_ts, []).append(message)
        return grouped

    def calls_of(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    # -- answering -------------------------------------------------------------------------------------

    def _answer(
        self, method: str, arguments: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            status, headers, answer = self._respond(method, arguments, token)
            self.calls.append(ApiCall(method, arguments, token, self.clock(), status, answer))
        return status, headers, answer

    def _respond(
        self, method: str, arguments: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if token is None:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if (self.token is not None and token != self.token) or not token.startswith("xox"):
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        channel = str(arguments.get("channel") or "")
        injected = self._take_injection(method, channel)
        if injected is not None:
            status, headers, answer, kept = injected
            if kept and method == "chat.postMessage":
                self._post(arguments, channel)
            elif kept and method == "chat.update":
                self._update(arguments, channel)
            return status, headers, answer
        if method == "chat.postMessage":
            return self._post(arguments, channel)
        if method == "chat.update":
            return self._update(arguments, channel)
        return 200, {}, {"ok": False, "error": "unknown_method"}

    def _take_injection(
        self, method: str, channel: str
    ) -> tuple[int, dict[str, str], dict[str, Any], bool] | None:
        """The failure to answer this call with, and whether the call is done all the same."""
        for injection in self._injections:
            if injection.method not in (None, method):
                continue
            if injection.channel is not None and (
                not channel or self.channel_id(channel) != injection.channel
            ):
                continue
            if injection.after > 0:
                injection.after -= 1
                continue
            injection.times -= 1
            if injection.times <= 0:
                self._injections.remove(injection)
            kept = injection.kept
            if injection.status == 429:
                retry = str(injection.retry_after if injection.retry_after is not None else 1)
                return 429, {"Retry-After": retry}, {"ok": False, "error": "ratelimited"}, kept
            if injection.status != 200:
                answer = {"ok": False, "error": injection.error or "internal_error"}
                return injection.status, {}, answer, kept
            return 200, {}, {"ok": False, "error": injection.error}, kept
        return None

    def _post(self, arguments: dict[str, Any], channel: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        if not channel:
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        text, blocks = str(arguments.get("text") or ""), _blocks(arguments.get("blocks"))
        if not text and not blocks:
            return 200, {}, {"ok": False, "error": "no_text"}
        thread_ts = arguments.get("thread_ts")
        message = Message(
            channel=self.channel_id(channel),
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=str(thread_ts) if thread_ts else None,
            reply_broadcast=bool(arguments.get("reply_broadcast")) and bool(thread_ts),
        )
        self._messages.append(message)
        return 200, {}, {"ok": True, "channel": message.channel, "ts": message.ts, "message": _shown(message)}

    def _update(self, arguments: dict[str, Any], channel: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        if not _CHANNEL_ID.match(channel):
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        ts = str(arguments.get("ts") or "")
        found = next((m for m in self._messages if m.channel == channel and m.ts == ts), None)
        if found is None:
            return 200, {}, {"ok": False, "error": "message_not_found"}
        found.text = str(arguments.get("text") or found.text)
        found.blocks = _blocks(arguments.get("blocks")) or found.blocks
        found.edits += 1
        shown = _shown(found) | {"edited": {"user": BOT_USER_ID, "ts": self._next_ts()}}
        return 200, {}, {"ok": True, "channel": channel, "ts": ts, "text": found.text, "message": shown}

    def _next_ts(self) -> str:
        self._issued += 1
        seconds, steps = divmod(self._issued, 10_000)
        return f"{FIRST_SECOND + seconds}.{steps * 100:06d}"


def _arguments(body: str, content_type: str) -> dict[str, Any]:
    """A request's arguments: slack_sdk sends chat.* as JSON, other clients as a form."""
    if "json" in content_type:
        parsed = json.loads(body or "{}")
        return dict(parsed) if isinstance(parsed, dict) else {}
    return dict(parse_qsl(body))


def _blocks(value: Any) -> list[dict[str, Any]]:
    """Blocks as sent: a JSON array, or its text (form encoding)."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [dict(block) for block in value or () if isinstance(block, Mapping)]


def _shown(message: Message) -> dict[str, Any]:
    """The ``message`` object Slack answers with for a bot's post."""
    shown: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": message.text,
        "ts": message.ts,
        "blocks": message.blocks,
    }
    if message.thread_ts is not None:
        shown["thread_ts"] = message.thread_ts
        shown["parent_user_id"] = BOT_USER_ID
    return shown
