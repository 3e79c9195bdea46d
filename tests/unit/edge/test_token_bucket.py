"""Token buckets: the burst, the refill, the wait until the next token, the sweep."""

from __future__ import annotations

import pytest

from api.edge.token_bucket import TokenBuckets, retry_after_seconds


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_gets_its_burst_then_waits_for_the_refill() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(capacity=3, period=60.0, clock=clock)  # one token every 20 s
    assert [buckets.take("ip:1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("ip:1") == pytest.approx(20.0)
    clock.now += 5
    assert buckets.take("ip:1") == pytest.approx(15.0)
    clock.now += 15
    assert buckets.take("ip:1") == 0.0
    assert buckets.take("ip:1") == pytest.approx(20.0)


def test_keys_are_independent_and_never_hold_more_than_the_capacity() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(capacity=2, period=1.0, clock=clock)
    assert buckets.take("a") == buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0
    clock.now += 3600  # a long pause refills to the capacity, not beyond
    assert [buckets.take("a") for _ in range(2)] == [0.0, 0.0]
    assert buckets.take("a") > 0


def test_idle_keys_are_swept_once_the_table_is_large() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(capacity=1, period=1.0, clock=clock, sweep_at=10)
    for i in range(9):
        buckets.take(f"old-{i}")
    clock.now += 2  # every old bucket is full again: nothing to remember
    buckets.take("new")
    assert len(buckets) == 1
    assert buckets.take("new") > 0  # the active key kept its state


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.0) == 1
    assert retry_after_seconds(1.2) == 2


def test_a_limit_needs_a_capacity_and_a_period() -> None:
    with pytest.raises(ValueError, match="capacity"):
        TokenBuckets(capacity=0, period=60.0)
