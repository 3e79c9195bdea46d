"""Writes listing and seller changes into the catalog index, order-safely.

Versioning: every catalog document is indexed with ``version_type=external_gte`` and the
version of the listing change it shows (its CDC ``lsn``), so a change that is older than
what the index holds is refused (409) and a duplicate is harmless. Deleted, sold, archived
and draft listings stay in the index as documents with a status (deleted ones as versioned
tombstones) and are filtered out at query time: a real delete would forget its version once
``index.gc_deletes`` passes, and a redelivered older change could then bring it back.

Sellers: the latest seller rows live in a sellers' store index (versioned the same way).
A listing is denormalised with the seller it finds there; a seller change rewrites that
seller's listings at their own versions (``external_gte`` accepts the equal version). A
listing write re-reads its seller afterwards and rewrites if the seller moved on in the
meantime, and the seller side refreshes before it searches, so the two can't both miss.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import AsyncElasticsearch

from search.changes import RowChange, newest_per_key
from search.documents import listing_document, seller_summary, tombstone_document
from search.elastic import bulk_write

log = logging.getLogger(__name__)
PAGE = 500


@dataclass
class WriteReport:
    written: int = 0
    stale: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # row key -> reason
    deleted: int = 0  # of ``written``: tombstones (deleted listings and sellers)

    def merge(self, other: WriteReport) -> None:
        self.written += other.written
        self.deleted += other.deleted
        self.stale += other.stale
        self.failures |= other.failures


@dataclass(frozen=True)
class StoredSeller:
    summary: dict[str, Any] | None
    lsn: int


class CatalogWriter:
    def __init__(self, es: AsyncElasticsearch, *, catalog: str, sellers: str) -> None:
        self.es = es
        self.catalog = catalog
        self.sellers = sellers

    async def stored_sellers(self, ids: set[str]) -> dict[str, StoredSeller]:
        if not ids:
            return {}
        response = await self.es.mget(index=self.sellers, ids=sorted(ids))
        found: dict[str, StoredSeller] = {}
        for doc in response["docs"]:
            if doc.get("found"):
                source = doc["_source"]
                found[doc["_id"]] = StoredSeller(source.get("seller"), int(source["lsn"]))
        return found

    def _listing_operation(
        self, change: RowChange, sellers: dict[str, StoredSeller]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        meta = {"_index": self.catalog, "_id": change.key, "version": change.lsn,
                "version_type": "external_gte"}  # fmt: skip
        if change.row is None:
            owner = (change.before or {}).get("seller_id")
            return meta, tombstone_document(
                change.key, owner and str(owner), listing_lsn=change.lsn
            )
        stored = sellers.get(str(change.row["seller_id"]))
        document = listing_document(
            change.row,
            stored.summary if stored else None,
            listing_lsn=change.lsn,
            seller_lsn=stored.lsn if stored else None,
        )
        return meta, document

    async def _write_listings(
        self, changes: list[RowChange], sellers: dict[str, StoredSeller]
    ) -> WriteReport:
        report = WriteReport()
        operations: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for change in changes:
            try:
                operations.append(self._listing_operation(change, sellers))
            except (KeyError, TypeError, ValueError) as exc:
                report.failures[change.key] = f"cannot build catalog document: {exc!r}"
        outcome = await bulk_write(self.es, operations)
        report.written += outcome.written
        report.deleted += outcome.deleted
        report.stale += outcome.conflicts
        report.failures |= outcome.failures
        return report

    async def apply_listing_changes(self, changes: list[RowChange]) -> WriteReport:
        """Index a micro-batch of listing changes; returns what was written, stale, refused."""
        batch = newest_per_key(changes)
        owners = {str(c.row["seller_id"]) for c in batch if c.row and c.row.get("seller_id")}
        before = await self.stored_sellers(owners)
        report = await self._write_listings(batch, before)
        now = await self.seller_versions(owners)
        changed = {
            sid for sid in owners if now.get(sid) != (before[sid].lsn if sid in before else None)
        }
        moved = [
            c for c in batch
            if c.row and c.key not in report.failures and str(c.row["seller_id"]) in changed
        ]  # fmt: skip
        if moved:
            report.merge(await self._write_listings(moved, await self.stored_sellers(changed)))
        return report

    async def seller_versions(self, ids: set[str]) -> dict[str, int]:
        """The sellers' store versions only (a cheap real-time re-check)."""
        if not ids:
            return {}
        response = await self.es.mget(index=self.sellers, ids=sorted(ids), source=False)
        return {doc["_id"]: int(doc["_version"]) for doc in response["docs"] if doc.get("found")}

    async def apply_seller_change(self, change: RowChange) -> WriteReport:
        return await self.apply_seller_changes([change])

    async def apply_seller_changes(self, changes: list[RowChange]) -> WriteReport:
        """Store seller changes and re-denormalise their listings (one refresh per batch)."""
        batch = {c.key: c for c in newest_per_key(changes)}
        operations = []
        for change in batch.values():
            summary = seller_summary(change.row) if change.row else None
            operations.append((
                {"_index": self.sellers, "_id": change.key, "version": change.lsn,
                 "version_type": "external_gte"},
                {"seller": summary, "lsn": change.lsn, "deleted": summary is None}))  # fmt: skip
        outcome = await bulk_write(self.es, operations)
        report = WriteReport(
            written=outcome.written, stale=outcome.conflicts, failures=outcome.failures,
            deleted=outcome.deleted,
        )  # fmt: skip
        stored = await self.stored_sellers(set(batch) - set(outcome.failures))
        fresh = {sid: s for sid, s in stored.items() if s.lsn == batch[sid].lsn}
        if not fresh:
            return report
        await self.es.indices.refresh(index=self.catalog)
        async for page in self._listings_of(sorted(fresh)):
            rewrites = []
            for hit in page:
                source = hit["_source"]
                if source.get("deleted"):
                    continue
                seller = fresh[source["seller_id"]]
                if (source.get("seller_lsn") or -1) > seller.lsn:
                    continue
                meta = {"_index": self.catalog, "_id": hit["_id"], "version": hit["_version"],
                        "version_type": "external_gte"}  # fmt: skip
                document = listing_document(
                    source["listing"], seller.summary, listing_lsn=hit["_version"],
                    seller_lsn=seller.lsn)  # fmt: skip
                rewrites.append((meta, document))
            outcome = await bulk_write(self.es, rewrites)
            report.written += outcome.written
            report.stale += outcome.conflicts
        return report

    async def _listings_of(self, seller_ids: list[str]) -> Any:
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": {"terms": {"seller_id": seller_ids}},
                "sort": [{"listing_id": "asc"}],
                "size": PAGE,
                "version": True,
                "_source": ["listing", "deleted", "seller_lsn", "seller_id"],
            }
            if after:
                body["search_after"] = after
            response = await self.es.search(index=self.catalog, body=body)
            hits = response["hits"]["hits"]
            if not hits:
                return
            yield hits
            after = hits[-1]["sort"]
