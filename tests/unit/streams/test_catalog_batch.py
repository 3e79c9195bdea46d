"""The catalog batch engine: a fetch split into listing micro-batches by key, written at most
``parts`` at once across fetches, committed in fetch order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from streams.catalog_batch import ListingWrites, listing_batches
from streams.hosted_consumer import Fetched

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def record(key: str, offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("souk.cdc.listings", 0, offset, 0, 0, key.encode(), b"{}", None, 2, 2,
                          [])  # fmt: skip


def test_a_listings_changes_stay_in_one_batch_in_fetch_order() -> None:
    records = [record(f"L{n % 13}", n) for n in range(200)]
    batches = listing_batches(records, 4)
    assert 1 < len(batches) <= 4
    assert sorted(r.offset for b in batches for r in b) == list(range(200))  # none lost or doubled
    owner = {r.key: n for n, b in enumerate(batches) for r in b}
    assert all(owner[r.key] == n for n, b in enumerate(batches) for r in b)
    for batch in batches:
        assert [r.offset for r in batch] == sorted(r.offset for r in batch)


def test_one_part_is_the_whole_fetch_and_none_gives_nothing() -> None:
    records = [record(f"L{n}", n) for n in range(5)]
    assert listing_batches(records, 1) == [records]
    assert listing_batches(records, 0) == [records]
    assert listing_batches([], 4) == []


class SlowIndexing:
    """Writes that finish when the test says, counting how many run at once."""

    def __init__(self) -> None:
        self.release: dict[int, asyncio.Event] = {}
        self.running = self.most = 0

    async def index(self, table: str, batch: list[Any]) -> None:
        assert table == "listings"
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.release.setdefault(batch[0].offset, asyncio.Event()).wait()
        finally:
            self.running -= 1


def fetch(*offsets: int) -> Fetched:
    return {TopicPartition("souk.cdc.listings", 0): [record(f"L{n}", n) for n in offsets]}


async def test_fetches_commit_in_order_once_written_with_at_most_parts_writes() -> None:
    indexing = SlowIndexing()
    writes = ListingWrites(indexing, parts=2)  # type: ignore[arg-type]
    first, second = fetch(1, 2), fetch(3)
    await writes.start(first, [[r] for r in first[TopicPartition("souk.cdc.listings", 0)]])
    started = asyncio.create_task(writes.start(second, [[record("L3", 3)]]))
    await asyncio.sleep(0.01)
    assert not started.done()  # both places taken by the first fetch
    indexing.release.setdefault(2, asyncio.Event()).set()
    await asyncio.wait_for(started, 1)  # a place freed: the second fetch starts at once
    indexing.release.setdefault(3, asyncio.Event()).set()
    await asyncio.sleep(0.01)
    assert writes.finished() == []  # the second is written, but the first is not yet
    indexing.release.setdefault(1, asyncio.Event()).set()
    await asyncio.sleep(0.01)
    assert writes.finished() == [first, second]
    assert indexing.most == 2


async def test_stopping_drains_the_writes_started() -> None:
    indexing = SlowIndexing()
    writes = ListingWrites(indexing, parts=4)  # type: ignore[arg-type]
    only = fetch(7)
    await writes.start(only, [[record("L7", 7)]])
    asyncio.get_running_loop().call_later(0.02, indexing.release.setdefault(7, asyncio.Event()).set)
    assert await asyncio.wait_for(writes.drain(), 1) == [only]
