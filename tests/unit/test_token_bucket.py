"""The token bucket that keeps reconciliation under SageMaker's throttles."""

from __future__ import annotations

import pytest
from jobtrail.core.rate_limit import TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(("rate", "calls"), [(2.0, 20), (0.5, 5), (10.0, 100)])
def test_n_acquisitions_take_at_least_the_time_the_rate_allows(rate: float, calls: int) -> None:
    time = FakeTime()
    bucket = TokenBucket(rate, clock=time.clock, sleep=time.sleep)
    for _ in range(calls):
        bucket.acquire()
    burst = max(rate, 1.0)
    assert time.now == pytest.approx((calls - burst) / rate)
    assert bucket.waited == pytest.approx(time.now)


def test_idle_time_refills_up_to_the_capacity_only() -> None:
    time = FakeTime()
    bucket = TokenBucket(1.0, capacity=3, clock=time.clock, sleep=time.sleep)
    time.now = 100.0  # a long idle period earns at most 3 tokens
    for _ in range(3):
        bucket.acquire()
    assert time.sleeps == []
    bucket.acquire()
    assert time.sleeps == [pytest.approx(1.0)]


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)
