"""Rebuilding the catalog from Postgres (+ Kafka catch-up) while searches keep running."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
import pytest

from search.catalog_index import drop_catalog, ensure_catalog, indices_behind
from search.catalog_search import CatalogSearch
from search.elastic import async_client
from search.kafka_catch_up import CdcCatchUp
from search.query.request import SearchRequest
from search.reindex import reindex
from search.relevance.evaluate import index_rows
from search.synthetic import SyntheticMarket
from souk.settings import Settings
from tests.integration.search.helpers import (
    cdc_record,
    create_topics,
    delete_topics,
    isolated,
    produce,
)

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

# The columns of the contract (core owns the real migration; this is just enough of it).
TABLES = """
CREATE TABLE sellers (id uuid PRIMARY KEY, user_id uuid, seller_type text, display_name text,
  governorate text, city text, verified boolean, rating numeric(2,1), version int,
  created_at timestamptz, updated_at timestamptz);
CREATE TABLE listings (id uuid PRIMARY KEY, seller_id uuid, category text, status text,
  title_ar text, title_en text, description_ar text, description_en text, make text, model text,
  trim text, year int, body_type text, fuel text, transmission text, colour text,
  mileage_km int, condition text, price_egp bigint, negotiable boolean,
  installments_available boolean, governorate text, city text, latitude double precision,
  longitude double precision, photos jsonb, part_number text, compatible jsonb,
  service_type text, version int, created_at timestamptz, updated_at timestamptz,
  published_at timestamptz);
"""


def insert_rows(settings: Settings, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    placeholders = ", ".join(f"%({c})s" for c in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    jsonb = {"photos", "compatible"}
    with psycopg.connect(settings.postgres_dsn) as conn:
        conn.cursor().executemany(
            sql, [{k: json.dumps(v) if k in jsonb and v is not None else v for k, v in r.items()}
                  for r in rows])  # fmt: skip


@pytest.fixture
def market_database(fresh_database: Settings) -> tuple[Settings, list[dict[str, Any]]]:
    settings = isolated(fresh_database)
    with psycopg.connect(settings.postgres_dsn) as conn:
        conn.execute(TABLES)
    market = SyntheticMarket(seed=5, sellers=10)
    listings = list(market.listings(300))
    insert_rows(settings, "sellers", market.seller_rows)
    insert_rows(settings, "listings", listings)
    return settings, listings


async def test_reindex_under_concurrent_searches_fails_none(
    market_database: tuple[Settings, list[dict[str, Any]]],
) -> None:
    settings, listings = market_database
    es = async_client(settings, timeout=60.0)
    try:
        old = await ensure_catalog(es, settings)
        await index_rows(es, settings.catalog_alias, [], listings[:20])  # a stale, small index
        catalog = CatalogSearch(es, alias=settings.catalog_alias)
        outcomes: list[int] = []
        done = asyncio.Event()

        async def keep_searching() -> None:
            while not done.is_set():
                result = await catalog.search(SearchRequest(q="toyota", size=5))
                outcomes.append(result.total)

        searchers = [asyncio.create_task(keep_searching()) for _ in range(4)]
        report = await reindex(es, settings)
        await asyncio.sleep(0.3)
        done.set()
        await asyncio.gather(*searchers)  # any failed search raises here
        assert len(outcomes) > 10
        assert report.snapshot_listings == len(listings)
        assert await indices_behind(es, settings.catalog_alias) == [report.index]
        assert report.old_indices == [old]
        assert not await es.indices.exists(index=old)
        after = await catalog.search(SearchRequest(size=1))
        assert after.total == sum(1 for r in listings if r["status"] == "active")
        hit = (await catalog.search(SearchRequest(q="toyota", size=1))).hits[0]
        assert hit.seller
        assert hit.seller["display_name"]
    finally:
        await drop_catalog(es, settings)
        await es.close()


async def test_catch_up_reads_from_the_mark_to_the_end(settings: Settings) -> None:
    mine = isolated(settings)
    await create_topics(mine)
    market = SyntheticMarket(seed=9, sellers=1)
    before, after = market.car(market.seller_rows[0], 0), market.car(market.seller_rows[0], 1)
    try:
        await produce(mine, "listings", [cdc_record("listings", before, lsn=1)])
        catch_up = CdcCatchUp(mine)
        await catch_up.start()
        try:
            await catch_up.mark()
            await produce(mine, "listings", [cdc_record("listings", after, lsn=2)])
            seen = [change async for batch in catch_up.until_end() for change in batch]
        finally:
            await catch_up.stop()
        assert [c.key for c in seen] == [after["id"]]
    finally:
        await delete_topics(mine)
