"""A token bucket: at most so many acquisitions per second on average, sleeping for the rest.

Pure apart from the clock and the sleep it is handed (the real ones by default), so tests drive it with
a fake time. Reconciliation spaces its SageMaker Describe calls with one; the Slack Web API adapter keeps
one per channel (Slack's 1 message per second).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts up to ``capacity``."""

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self.waited = 0.0

    def acquire(self) -> None:
        """Take one token, sleeping until one is there."""
        self._refill()
        if self._tokens < 1:
            pause = (1 - self._tokens) / self.rate
            self._sleep(pause)
            self.waited += pause
            self._refill()
        self._tokens -= 1

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
