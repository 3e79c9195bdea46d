"""Bulk writes count written, tombstoned (deleted) and stale items from Elasticsearch's answer."""

from __future__ import annotations

from typing import Any

import pytest

from search.elastic import bulk_write

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeElasticsearch:
    """Answers a bulk request with the given statuses, one per operation, in order."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses

    async def bulk(self, *, operations: list[dict[str, Any]]) -> dict[str, Any]:
        ids = [line["index"]["_id"] for line in operations[::2]]
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
