"""Rate limits per place and turns between places (``core.rate_limit.RateLimits``, ``round_robin``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobtrail.core.rate_limit import RateLimits, round_robin


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_each_place_has_its_own_rate() -> None:
    time = FakeTime()
    limits: RateLimits[str] = RateLimits(2.0, clock=time.clock, sleep=time.sleep)

    # Two places, 10 acquisitions each, interleaved: each place's own 2 per second, not 2 per second shared
    for _ in range(10):
        limits.of("a").acquire()
        limits.of("b").acquire()

    assert time.now == pytest.approx(4.0)  # (10 - 2 burst) / 2 per second, the places waiting together
    assert limits.of("a") is limits.of("a")
    assert limits.waited == pytest.approx(4.0)


def test_wait_time_says_when_a_token_is_there() -> None:
    time = FakeTime()
    bucket = RateLimits[str](1.0, clock=time.clock, sleep=time.sleep).of("a")

    assert bucket.wait_time() == 0
    bucket.acquire()
    assert bucket.wait_time() == pytest.approx(1.0)
    time.now += 0.25
    assert bucket.wait_time() == pytest.approx(0.75)


def test_a_busy_place_takes_one_turn_per_round() -> None:
    busy = (f"busy-{n}" for n in range(1000))
    taken = list(round_robin([("busy", busy), ("quiet", ["q1", "q2"]), ("empty", [])]))

    assert taken[:5] == [
        ("busy", "busy-0"),
        ("quiet", "q1"),
        ("busy", "busy-1"),
        ("quiet", "q2"),
        ("busy", "busy-2"),
    ]
    assert len(taken) == 1002


def test_round_robin_reads_each_source_lazily() -> None:
    read: list[int] = []

    def source() -> Iterator[int]:
        for n in range(100):
            read.append(n)
            yield n

    turns = round_robin([("a", source())])
    next(turns)
    next(turns)
    assert read == [0, 1]


@given(st.lists(st.lists(st.integers(), max_size=8), max_size=5))
def test_round_robin_keeps_every_item_in_each_sources_order(sources: list[list[int]]) -> None:
    taken = list(round_robin(list(enumerate(sources))))

    for key, items in enumerate(sources):
        assert [item for k, item in taken if k == key] == items
    # No source gets a second turn in a round while another still has items
    for position in range(1, len(taken)):
        earlier = [k for k, _ in taken[:position]]
        key = taken[position][0]
        assert all(
            earlier.count(key) <= earlier.count(other)
            for other in range(len(sources))
            if len(sources[other]) > earlier.count(other)
        )
