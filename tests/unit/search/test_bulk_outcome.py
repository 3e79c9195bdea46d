"""Bulk writes count written, tombstoned (deleted) and stale items from Elasticsearch's answer."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock, patch

import orjson
import pytest

from search.catalog_writer import WriteReport
from search.elastic import ElasticsearchBusyError, bulk_write
from streams.catalog_indexer import with_retries

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeElasticsearch:
    """Answers a bulk request with the given statuses, one per operation, in order."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses

    async def bulk(self, *, operations: list[bytes], **_: Any) -> dict[str, Any]:
        ids = [orjson.loads(line)["index"]["_id"] for line in operations[::2]]
        items = []
        for doc_id, status in zip(ids, self.statuses, strict=True):
            result: dict[str, Any] = {"_id": doc_id, "status": status}
            if status >= 300:
                result["error"] = {"type": "version_conflict_engine_exception", "reason": "old"}
            items.append({"index": result})
        return {"items": items}


async def test_deleted_counts_only_written_tombstones() -> None:
    operations = [
        ({"_id": "a"}, {"listing_id": "a"}),
        ({"_id": "b"}, {"listing_id": "b", "deleted": True}),
        ({"_id": "c"}, {"listing_id": "c", "deleted": True}),  # stale: not counted as deleted
        ({"_id": "d"}, {"seller": None, "deleted": True}),
    ]
    es = FakeElasticsearch([201, 200, 409, 201])
    outcome = await bulk_write(es, operations)  # type: ignore[arg-type]
    assert (outcome.written, outcome.deleted, outcome.conflicts) == (3, 2, 1)
    assert outcome.failures == {}


async def test_items_refused_for_overload_raise_instead_of_failing() -> None:
    """429/503 items are Elasticsearch's state, not the record's: the batch must be retried."""
    operations = [({"_id": "a"}, {"listing_id": "a"}), ({"_id": "b"}, {"listing_id": "b"})]
    with pytest.raises(ElasticsearchBusyError, match="1 of 2 bulk items refused"):
        await bulk_write(FakeElasticsearch([201, 429]), operations)  # type: ignore[arg-type]


async def test_a_mapping_refusal_stays_a_failure_of_that_record() -> None:
    operations = [({"_id": "a"}, {"listing_id": "a"}), ({"_id": "b"}, {"listing_id": "b"})]
    outcome = await bulk_write(FakeElasticsearch([201, 400]), operations)  # type: ignore[arg-type]
    assert outcome.written == 1
    assert set(outcome.failures) == {"b"}


async def test_indexer_retries_a_busy_batch_until_it_is_taken() -> None:
    attempts: list[int] = []

    async def write() -> WriteReport:
        attempts.append(1)
        if len(attempts) < 3:
            raise ElasticsearchBusyError("1 of 1 bulk items refused for now (429)")
        return WriteReport()

    with patch("streams.catalog_indexer.asyncio.sleep", new=AsyncMock()):
        report = await with_retries(write, "indexing listings")
    assert len(attempts) == 3
    assert report == WriteReport()
