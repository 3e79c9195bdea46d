"""Zero-downtime rebuild of the catalog index: Postgres snapshot, Kafka catch-up, alias swap.

1. Note the CDC topics' end offsets, *then* open a repeatable-read snapshot of the
   ``sellers`` and ``listings`` tables and index it into a new index at version 0 (so any
   CDC record, whose ``lsn`` is higher, wins over the snapshot).
2. Catch up from the noted offsets to the current end through the same
   :class:`CatalogWriter` as the live agents (``external_gte`` makes replays harmless).
3. Swap the alias in one ``_aliases`` call; searches see the old or the new index, never
   neither. Then catch up once more, because the live agents wrote to the old index until
   the swap; finally drop the old index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from elasticsearch import AsyncElasticsearch

from search.catalog_index import create_catalog_index, swap_alias
from search.catalog_writer import CatalogWriter
from search.changes import RowChange
from search.documents import listing_document, seller_summary
from search.elastic import bulk_write
from search.kafka_catch_up import CdcCatchUp
from search.mapping import sellers_index_name
from souk.settings import Settings

log = logging.getLogger(__name__)
SNAPSHOT_VERSION = 0
BATCH = 1000


@dataclass
class ReindexReport:
    index: str
    old_indices: list[str]
    snapshot_listings: int = 0
    snapshot_sellers: int = 0
    caught_up: int = 0


def plain(value: Any) -> Any:
    """A database value as JSON would carry it (what the CDC records hold)."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot_rows(connection: sa.Connection, table: str) -> Iterator[dict[str, Any]]:
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
        sa.text(f"SELECT * FROM {table}")  # table is one of two fixed names
    )
    for row in result.mappings():
        yield {key: plain(value) for key, value in row.items()}


async def index_snapshot(
    es: AsyncElasticsearch, settings: Settings, index: str, report: ReindexReport
) -> None:
    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                sellers = {row["id"]: row for row in snapshot_rows(connection, "sellers")}
                report.snapshot_sellers = len(sellers)
                store = sellers_index_name(settings)
                await bulk_write(es, [
                    ({"_index": store, "_id": sid, "version": SNAPSHOT_VERSION,
                      "version_type": "external_gte"},
                     {"seller": seller_summary(row), "lsn": SNAPSHOT_VERSION, "deleted": False})
                    for sid, row in sellers.items()])  # fmt: skip
                operations = []
                for row in snapshot_rows(connection, "listings"):
                    seller = sellers.get(row["seller_id"])
                    summary = seller_summary(seller) if seller else None
                    document = listing_document(
                        row, summary, listing_lsn=SNAPSHOT_VERSION, seller_lsn=SNAPSHOT_VERSION
                    )
                    meta = {"_index": index, "_id": row["id"], "version": SNAPSHOT_VERSION,
                            "version_type": "external_gte"}  # fmt: skip
                    operations.append((meta, document))
                    if len(operations) >= BATCH:
                        report.snapshot_listings += (await bulk_write(es, operations)).written
                        operations = []
                report.snapshot_listings += (await bulk_write(es, operations)).written
    finally:
        engine.dispose()


async def apply_catch_up(writer: CatalogWriter, changes: list[RowChange]) -> int:
    listings = [c for c in changes if c.table == "listings"]
    for change in (c for c in changes if c.table == "sellers"):
        await writer.apply_seller_change(change)
    if listings:
        await writer.apply_listing_changes(listings)
    return len(changes)


async def reindex(
    es: AsyncElasticsearch, settings: Settings, *, keep_old: bool = False
) -> ReindexReport:
    index = await create_catalog_index(es, settings, building=True)
    report = ReindexReport(index=index, old_indices=[])
    catch_up = CdcCatchUp(settings)
    await catch_up.start()
    try:
        await catch_up.mark()
        await index_snapshot(es, settings, index, report)
        writer = CatalogWriter(es, catalog=index, sellers=sellers_index_name(settings))
        async for batch in catch_up.until_end():
            report.caught_up += await apply_catch_up(writer, batch)
        await es.indices.put_settings(
            index=index, settings={"refresh_interval": settings.catalog_refresh_interval}
        )
        await es.indices.refresh(index=index)
        report.old_indices = await swap_alias(es, settings.catalog_alias, index)
        async for batch in catch_up.until_end():
            report.caught_up += await apply_catch_up(writer, batch)
    finally:
        await catch_up.stop()
    if not keep_old:
        for old in report.old_indices:
            await es.options(ignore_status=404).indices.delete(index=old)
    log.info("reindexed into %s: %s", index, report)
    return report
