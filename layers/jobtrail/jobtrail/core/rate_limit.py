"""Token buckets: at most so many acquisitions per second on average, sleeping for the rest.

Pure apart from the clock and the sleep it is handed (the real ones by default), so tests drive it with
a fake time. Reconciliation spaces its SageMaker Describe calls with one per place (``RateLimits``:
SageMaker throttles per account and region) and takes the places in turn (``round_robin``), so one busy
account cannot starve the others; the Slack Web API adapter keeps one per channel (Slack's 1 message
per second).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import partial
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


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

    def wait_time(self) -> float:
        """Seconds until a token is there (0 when one is)."""
        self._refill()
        return max(0.0, (1 - self._tokens) / self.rate)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now


class RateLimits(Generic[K]):
    """One ``TokenBucket`` per key (a place), each at ``rate``, made when the key is first asked for."""

    def __init__(self, rate: float, **timing: Any) -> None:
        """``timing``: the buckets' ``clock`` and ``sleep`` (``TokenBucket``'s; the real ones by default)."""
        self._make = partial(TokenBucket, rate, **timing)
        self._make()  # a rate that is not positive fails here, not at the first place
        self.rate = rate
        self._buckets: dict[K, TokenBucket] = {}

    def of(self, key: K) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = self._make()
        return bucket

    @property
    def waited(self) -> float:
        """Seconds slept, all keys together."""
        return sum(bucket.waited for bucket in self._buckets.values())


def round_robin(sources: Iterable[tuple[K, Iterable[T]]]) -> Iterator[tuple[K, T]]:
    """The items of each source in turn, one per source per round (a source that runs out drops out):
    a source with a thousand items cannot hold back the others' first ones. Lazy: a source is read one
    item at a time, when its turn comes."""
    turns: list[tuple[K, Iterator[T]]] = [(key, iter(items)) for key, items in sources]
    while turns:
        still: list[tuple[K, Iterator[T]]] = []
        for key, items in turns:
            for item in items:
                yield key, item
                still.append((key, items))
                break
        turns = still
