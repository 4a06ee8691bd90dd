"""What a Failed alert quotes of the job's log: which streams, which lines, how much (pure)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobtrail.core.log_tail import (
    DEFAULT_LOG_LINES,
    MAX_EXCERPT_LENGTH,
    MAX_LINE_LENGTH,
    MAX_LOG_LINES,
    MAX_STREAMS,
    LogTail,
    StreamInfo,
    build_log_tail,
    clean_line,
    last_lines,
    log_stream_url,
    parse_log_lines,
    streams_to_read,
)

GROUP = "/aws/sagemaker/TrainingJobs"


def tail_of(read: dict[str, list[str]], lines: int = 20) -> LogTail:
    return build_log_tail(region="eu-west-1", log_group=GROUP, read=read, order=list(read), lines=lines)


def test_the_last_lines_of_the_stream_are_kept_in_order() -> None:
    read = {"job/algo-1-1": [f"line {i}" for i in range(100)]}

    tail = tail_of(read, lines=5)

    [stream] = tail.streams
    assert stream.lines == ("line 95", "line 96", "line 97", "line 98", "line 99")
    assert stream.logs_url == log_stream_url("eu-west-1", GROUP, "job/algo-1-1")
    assert tail.error is None


def test_the_stream_that_holds_the_error_comes_first() -> None:
    read = {
        "job/algo-2-1": ["epoch 3 done", "waiting for peers"],
        "job/algo-1-1": ["epoch 3", "Traceback (most recent call last):", "ValueError: bad shape"],
        "job/algo-3-1": ["epoch 3 done"],
    }

    tail = tail_of(read)

    assert [s.name for s in tail.streams] == ["job/algo-1-1", "job/algo-2-1", "job/algo-3-1"]


@pytest.mark.parametrize(
    "line",
    [
        "Traceback (most recent call last):",
        "torch.OutOfMemoryError: CUDA",
        "RuntimeException",
        "exit code 137",
    ],
)
def test_an_error_is_recognised(line: str) -> None:
    tail = tail_of({"a/1": ["fine"], "b/1": ["fine", line]})

    assert tail.streams[0].name == "b/1"


def test_at_most_three_streams_are_read_the_newest_and_the_one_that_stopped_first() -> None:
    # Given ten hosts' streams: the one that stopped first is where a crashed host's traceback ends
    listed = [StreamInfo(f"job/algo-{i}-1", last_event_ms=1000 + i) for i in range(10)]

    chosen = streams_to_read(listed)

    assert [s.name for s in chosen] == ["job/algo-9-1", "job/algo-8-1", "job/algo-0-1"]
    assert len(chosen) == MAX_STREAMS


@pytest.mark.parametrize("count", [1, 2, 3])
def test_up_to_three_streams_are_all_read_newest_first(count: int) -> None:
    listed = [StreamInfo(f"job/algo-{i}-1", last_event_ms=1000 + i) for i in range(count)]

    assert [s.name for s in streams_to_read(listed)] == [f"job/algo-{i}-1" for i in reversed(range(count))]


def test_a_crashed_hosts_traceback_is_quoted_though_its_peers_logged_after_it() -> None:
    # Given a four-host job whose algo-1 crashed, then its three peers logged that they stop
    peers = {f"job/algo-{i}-1": ["waiting for algo-1", "stopping"] for i in (2, 3, 4)}
    crashed = {"job/algo-1-1": ["step 41", "Traceback (most recent call last):", "RuntimeError: NaN loss"]}
    listed = [StreamInfo("job/algo-1-1", last_event_ms=1000)] + [
        StreamInfo(name, last_event_ms=2000 + i) for i, name in enumerate(peers)
    ]

    chosen = [s.name for s in streams_to_read(listed)]
    tail = build_log_tail(
        region="us-east-1",
        log_group="/aws/sagemaker/TrainingJobs",
        read={**peers, **crashed},
        order=chosen,
        lines=20,
    )

    # Then the crashed host's stream is read and quoted first
    assert "job/algo-1-1" in chosen
    assert tail.streams[0].name == "job/algo-1-1"
    assert tail.streams[0].lines[-1] == "RuntimeError: NaN loss"


def test_streams_beyond_three_are_not_quoted() -> None:
    read = {f"job/algo-{i}-1": ["x"] for i in range(8)}

    assert len(tail_of(read).streams) == MAX_STREAMS


def test_empty_streams_give_an_error_not_an_excerpt() -> None:
    tail = tail_of({"job/algo-1-1": [], "job/algo-2-1": ["", "   "]})

    assert tail.streams == ()
    assert tail.error == "the job's log streams hold no events"
    assert tail.message_fields() == {"log_tail": None, "log_tail_error": tail.error}


def test_zero_lines_turns_the_excerpt_off() -> None:
    assert tail_of({"job/algo-1-1": ["Traceback"]}, lines=0) == LogTail()


def test_a_huge_line_is_cut_and_the_excerpt_is_bounded() -> None:
    read = {f"job/algo-{i}-1": ["x" * 100_000] * 200 for i in range(3)}

    tail = tail_of(read, lines=MAX_LOG_LINES)

    lines = [line for stream in tail.streams for line in stream.lines]
    assert all(len(line) <= MAX_LINE_LENGTH for line in lines)
    assert lines[0].endswith("…")
    assert sum(len(line) + 1 for line in lines) <= MAX_EXCERPT_LENGTH
    assert len(json.dumps(tail.message_fields(), ensure_ascii=False).encode()) < 64 * 1024


def test_unicode_and_control_characters() -> None:
    line = "\x1b[31mÉchec 🚨 日本語\x1b[0m\tdone\r\x00"

    assert clean_line(line) == "Échec 🚨 日本語    done"
    assert clean_line("🚨" * 1000) == "🚨" * (MAX_LINE_LENGTH - 1) + "…"


def test_a_message_of_several_lines_counts_each() -> None:
    assert last_lines(["a\nb\nc", "d"], 3) == ("b", "c", "d")


@given(st.lists(st.lists(st.text(max_size=2000), max_size=30), max_size=6), st.integers(0, 300))
def test_any_log_stays_within_bounds(streams: list[list[str]], lines: int) -> None:
    read = {f"job/{i}": messages for i, messages in enumerate(streams)}

    tail = tail_of(read, lines)

    quoted = [line for stream in tail.streams for line in stream.lines]
    assert len(tail.streams) <= MAX_STREAMS
    assert all(len(stream.lines) <= min(lines, MAX_LOG_LINES) for stream in tail.streams)
    assert all(0 < len(line) <= MAX_LINE_LENGTH for line in quoted)
    assert sum(len(line) + 1 for line in quoted) <= MAX_EXCERPT_LENGTH
    json.dumps(tail.message_fields(), ensure_ascii=False).encode("utf-8")  # no lone surrogate


@pytest.mark.parametrize(
    ("text", "lines"),
    [(None, DEFAULT_LOG_LINES), ("", DEFAULT_LOG_LINES), ("0", 0), ("50", 50), ("999", 200)],
)
def test_alert_log_lines_from_the_environment(text: str | None, lines: int) -> None:
    assert parse_log_lines(text) == lines


def test_a_negative_line_count_is_refused() -> None:
    with pytest.raises(ValueError, match="AlertLogLines"):
        parse_log_lines("-1")
