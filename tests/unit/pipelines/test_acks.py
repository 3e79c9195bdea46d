"""The confirmed LSN advances only over transactions whose every record Kafka acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from pipelines.relay.acks import AckTracker


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


def sent(loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
    return loop.create_future()


def settle(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))  # run the done-callbacks


def test_confirms_in_commit_order_only_after_every_ack(loop: asyncio.AbstractEventLoop) -> None:
    tracker = AckTracker(confirmed_lsn=10)
    first, second = tracker.begin(100), tracker.begin(200)
    a, b, c = sent(loop), sent(loop), sent(loop)
    first.track(a)
    first.track(b)
    tracker.end(first)
    second.track(c)
    tracker.end(second)
    assert tracker.in_flight == 3

    c.set_result(None)  # the later transaction is acknowledged first
    settle(loop)
    assert tracker.confirmable_lsn == 10
    a.set_result(None)
    settle(loop)
    assert tracker.confirmable_lsn == 10  # b still in flight
    b.set_result(None)
    settle(loop)
    assert tracker.confirmable_lsn == 200
    assert (tracker.in_flight, tracker.acked, tracker.unconfirmed) == (0, 3, 0)


def test_a_transaction_still_being_read_holds_the_line(loop: asyncio.AbstractEventLoop) -> None:
    tracker = AckTracker()
    txn = tracker.begin(100, commit_time=1_700_000_000.0)
    delivery = sent(loop)
    txn.track(delivery)
    delivery.set_result(None)
    settle(loop)
    assert tracker.confirmable_lsn == 0  # its commit has not been read yet
    assert tracker.oldest_commit_time == 1_700_000_000.0
    tracker.end(txn)
    assert tracker.confirmable_lsn == 100
    assert tracker.oldest_commit_time is None


def test_transactions_without_records_confirm_at_once() -> None:
    tracker = AckTracker()
    tracker.end(tracker.begin(100))
    tracker.end(tracker.begin(150))
    assert tracker.confirmable_lsn == 150


def test_a_failed_send_stops_the_advance_for_good(loop: asyncio.AbstractEventLoop) -> None:
    tracker = AckTracker()
    first, second = tracker.begin(100), tracker.begin(200)
    bad, good = sent(loop), sent(loop)
    first.track(bad)
    tracker.end(first)
    second.track(good)
    tracker.end(second)
    bad.set_exception(RuntimeError("broker said no"))
    good.set_result(None)
    settle(loop)
    assert isinstance(tracker.error, RuntimeError)
    assert tracker.confirmable_lsn == 0
    tracker.end(tracker.begin(300))
    assert tracker.confirmable_lsn == 0
