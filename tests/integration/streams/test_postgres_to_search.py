"""End to end: a PostgreSQL commit -> relay (wal2json) -> Kafka -> Faust agent -> /search."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from api.behaviour import InMemoryBehaviourEvents
from api.search_wiring import mount_search
from pipelines.topics import ensure_topics
from search.catalog_index import drop_catalog
from search.elastic import async_client
from search.synthetic import SyntheticMarket
from souk.settings import Settings
from tests.integration.search.helpers import (
    delete_topics,
    eventually,
    relay_subprocess,
    stream_worker,
)
from tests.integration.search.test_reindex import insert_rows

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.anyio]


@pytest.fixture
async def api(pipeline_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    mount_search(app, pipeline_settings, behaviour=InMemoryBehaviourEvents())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_a_committed_listing_becomes_searchable(
    pipeline_settings: Settings, api: httpx.AsyncClient
) -> None:
    settings = pipeline_settings
    await ensure_topics(settings, prefix=settings.relay_topic_prefix)
    market = SyntheticMarket(seed=77, sellers=1)
    seller = market.seller_rows[0]
    car = market.car(seller, 0) | {"title_en": "Hyundai Elantra okapiblue", "make": "Hyundai",
                                   "model": "Elantra"}  # fmt: skip
    try:
        with relay_subprocess(settings) as relay_process, stream_worker(settings):
            insert_rows(settings, "sellers", [seller])
            insert_rows(settings, "listings", [car])

            async def searchable() -> Any:
                response = await api.get("/search", params={"q": "هيونداي okapiblue"})
                hits = response.json()["hits"] if response.status_code == 200 else []
                return hits and hits[0]["seller"] and hits[0]  # the seller joins eventually

            hit = await eventually(searchable, within=90)
            assert hit["id"] == car["id"]
            assert hit["seller"]["display_name"] == seller["display_name"]
            with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
                conn.execute("UPDATE listings SET status = 'sold' WHERE id = %s", (car["id"],))

            async def gone() -> bool:
                response = await api.get("/search", params={"q": "okapiblue"})
                return response.status_code == 200 and not response.json()["hits"]

            await eventually(gone, within=60)
            assert relay_process.poll() is None
    finally:
        await delete_topics(settings)
        es = async_client(settings)
        await drop_catalog(es, settings)
        await es.close()
