"""The last lines of a failed job's log, as a ``Failed`` alert carries them: pure choices, no AWS.

The logs adapter lists a job's streams (``<job>/…``) and reads the end of a few of them; this module
decides which streams to read, which lines to keep and how much of them: at most ``MAX_STREAMS``
streams, the one whose last lines hold an error first, the last ``lines`` lines of each, every line cut
to ``MAX_LINE_LENGTH`` characters and the whole excerpt to ``MAX_EXCERPT_LENGTH``, so that the SNS
message (256 KB) and the Slack section (3,000 characters) stay within their limits whatever the job
printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import msgspec

#: ``AlertLogLines``'s default: how many of the last lines of a stream an alert carries (0: none).
DEFAULT_LOG_LINES = 20
#: The template's ``MaxValue`` for ``AlertLogLines``; a larger value is read as this one.
MAX_LOG_LINES = 200
#: Streams read and shown per alert (a distributed job has one per host and restart).
MAX_STREAMS = 3
#: A line longer than this (a progress bar, a dumped tensor) is cut, with an ellipsis.
MAX_LINE_LENGTH = 500
#: Characters of log lines in one alert, all streams together: far below SNS's 256 KB.
MAX_EXCERPT_LENGTH = 12_000
ELLIPSIS = "…"

#: What marks the last lines of a stream as the ones that failed.
_ERROR = re.compile(
    r"Traceback|\w*(?:Error|Exception)\b|exit(?:ed with)? (?:code|status)|\bKilled\b|out of memory"
    r"|\bFATAL\b|\bCRITICAL\b|segmentation fault",
    re.IGNORECASE,
)


class StreamInfo(msgspec.Struct, frozen=True):
    """A log stream as DescribeLogStreams lists it."""

    name: str
    last_event_ms: int | None = None


class StreamTail(msgspec.Struct, frozen=True):
    """The last lines of one stream, and its page in the CloudWatch console."""

    name: str
    lines: tuple[str, ...]
    logs_url: str

    def as_dict(self) -> dict[str, Any]:
        return {"log_stream": self.name, "lines": list(self.lines), "logs_url": self.logs_url}

    @property
    def holds_error(self) -> bool:
        return any(_ERROR.search(line) for line in self.lines)


class LogTail(msgspec.Struct, frozen=True):
    """What an alert says of the job's log: the streams' last lines (the failing one first), or why
    there are none (``error``, one line)."""

    streams: tuple[StreamTail, ...] = ()
    error: str | None = None
    #: The log could not be read (throttled, denied, timed out), as opposed to there being none to read.
    read_failed: bool = False

    @classmethod
    def failed(cls, reason: str) -> LogTail:
        """No excerpt because reading the log failed."""
        return cls(error=one_line(reason, MAX_LINE_LENGTH), read_failed=True)

    @classmethod
    def absent(cls, reason: str) -> LogTail:
        """No excerpt because the job has no log to quote (no group, streams or events yet)."""
        return cls(error=one_line(reason, MAX_LINE_LENGTH))

    def message_fields(self) -> dict[str, Any]:
        """The alert document's ``log_tail`` and ``log_tail_error``."""
        return {
            "log_tail": [stream.as_dict() for stream in self.streams] or None,
            "log_tail_error": self.error,
        }


#: The fields of an alert that carries no log tail (not Failed, a kind without logs, or turned off).
NO_LOG_TAIL: dict[str, Any] = {"log_tail": None, "log_tail_error": None}


def parse_log_lines(text: str | None) -> int:
    """``AlertLogLines`` as the environment gives it: empty means the default, 0 turns the tail off,
    a value above ``MAX_LOG_LINES`` is capped; anything else is refused loudly."""
    if text is None or not text.strip():
        return DEFAULT_LOG_LINES
    value = int(text)
    if value < 0:
        raise ValueError(f"AlertLogLines must be 0 or more, not {value}")
    return min(value, MAX_LOG_LINES)


def streams_to_read(streams: Iterable[StreamInfo], limit: int = MAX_STREAMS) -> list[StreamInfo]:
    """The streams worth reading, at most ``limit``, newest first (by their last event, then by name: a
    stream's name ends with the epoch its container started): those that logged last, but with more
    streams than that, the one that stopped first takes the last place. In a distributed job the host
    that failed stops at its traceback while its peers go on logging (waiting, reporting the failure),
    so the error is often in the stream that ended first, not in the newest ones."""
    ordered = sorted(streams, key=lambda s: (s.last_event_ms or 0, s.name), reverse=True)
    if len(ordered) <= limit or limit < 2:
        return ordered[:limit]
    return [*ordered[: limit - 1], ordered[-1]]


def build_log_tail(
    *, region: str, log_group: str, read: Mapping[str, Sequence[str]], order: Sequence[str], lines: int
) -> LogTail:
    """The tail of the streams ``read`` (name → their messages, oldest first), ``order``ed newest first.

    Each stream keeps its last ``lines`` lines (a message of several lines counts each); streams with no
    lines are dropped; the one whose lines hold an error comes first; the whole is cut to
    ``MAX_EXCERPT_LENGTH`` characters, the first stream served first.
    """
    lines = min(max(lines, 0), MAX_LOG_LINES)
    if lines == 0:
        return LogTail()
    tails = []
    for name in order[:MAX_STREAMS]:
        kept = last_lines(read.get(name, ()), lines)
        if kept:
            tails.append(StreamTail(name, kept, log_stream_url(region, log_group, name)))
    if not tails:
        return LogTail.absent("the job's log streams hold no events")
    tails.sort(key=lambda tail: not tail.holds_error)  # stable: newest first among equals
    return LogTail(streams=_bounded(tails, MAX_EXCERPT_LENGTH))


def last_lines(messages: Iterable[str], count: int) -> tuple[str, ...]:
    """The last ``count`` non-blank lines of ``messages``, each cleaned of control characters and cut."""
    split = [line for message in messages for line in message.splitlines()]
    cleaned = [clean_line(line) for line in split]
    kept = [line for line in cleaned if line.strip()]
    return tuple(kept[-count:]) if count > 0 else ()


def clean_line(line: str) -> str:
    """One line without terminal escapes or control characters (tabs become spaces), cut to
    ``MAX_LINE_LENGTH`` characters."""
    text = _ANSI_ESCAPE.sub("", line).replace("\t", "    ")
    text = "".join(char for char in text if char.isprintable())
    return _cut(text.rstrip(), MAX_LINE_LENGTH)


def one_line(text: str, limit: int) -> str:
    return _cut(" ".join(text.split()), limit)


def _bounded(tails: list[StreamTail], budget: int) -> tuple[StreamTail, ...]:
    """The streams' lines within ``budget`` characters: each stream keeps its *last* lines that fit."""
    kept: list[StreamTail] = []
    for tail in tails:
        lines: list[str] = []
        for line in reversed(tail.lines):
            if len(line) + 1 > budget:
                break
            lines.insert(0, line)
            budget -= len(line) + 1
        if lines:
            kept.append(StreamTail(tail.name, tuple(lines), tail.logs_url))
    return tuple(kept)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def log_stream_url(region: str, log_group: str, stream: str) -> str:
    """The stream's events in the CloudWatch console."""
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logsV2:log-groups/log-group/{console_escape(log_group)}/log-events/{console_escape(stream)}"
    )


def console_escape(text: str) -> str:
    """The CloudWatch console's fragment encoding: URL-encode, then ``%`` becomes ``$25``."""
    return quote(text, safe="").replace("%", "$25")
