"""Token buckets per key (a client IP, a user), in memory, with an injectable clock.

Each key holds up to ``capacity`` tokens and regains ``capacity`` of them per ``period``
seconds, continuously; a request takes one. Full buckets carry no information, so they are
swept once the table grows: memory stays proportional to the keys active in one period.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
SWEEP_AT = 10_000  # keys held before full (idle) buckets are swept


class TokenBuckets:
    def __init__(
        self,
        *,
        capacity: int,
        period: float,
        clock: Clock = time.monotonic,
        sweep_at: int = SWEEP_AT,
    ) -> None:
        if capacity < 1 or period <= 0:
            raise ValueError("a rate limit needs a capacity of at least 1 and a positive period")
        self.capacity = capacity
        self.rate = capacity / period  # tokens regained per second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated at)
        self._lock = threading.Lock()
        self._min_sweep_at = self._sweep_at = sweep_at

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds until one is back."""
        with self._lock:
            now = self._clock()
            tokens = self._tokens(key, now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._sweep(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)

    def _tokens(self, key: str, now: float) -> float:
        held = self._buckets.get(key)
        if held is None:
            return float(self.capacity)
        tokens, updated = held
        return min(float(self.capacity), tokens + max(0.0, now - updated) * self.rate)

    def _sweep(self, now: float) -> None:
        if len(self._buckets) < self._sweep_at:
            return
        full = [k for k in self._buckets if self._tokens(k, now) >= self.capacity]
        for key in full:
            del self._buckets[key]
        # Every key active: wait for the table to double before scanning it again.
        self._sweep_at = max(self._min_sweep_at, 2 * len(self._buckets))


def retry_after_seconds(wait: float) -> int:
    """``Retry-After`` is whole seconds; round up so a client retrying on time succeeds."""
    return max(1, math.ceil(wait))
