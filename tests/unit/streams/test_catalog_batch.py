"""The catalog batch engine splits a fetch into listing micro-batches by key."""

from __future__ import annotations

from aiokafka import ConsumerRecord

from streams.catalog_batch import listing_batches


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
