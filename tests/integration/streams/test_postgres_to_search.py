"""End to end: a PostgreSQL commit -> relay (wal2json) -> Kafka -> Faust agent -> /search."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
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
from souk.settings import PROJECT_ROOT, Settings
from tests.integration.search.helpers import delete_topics, eventually, isolated, stream_worker
from tests.integration.search.test_reindex import TABLES, insert_rows

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.anyio]
OUTBOX = """CREATE TABLE outbox (event_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_type text NOT NULL, aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  version int NOT NULL, occurred_at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL)"""


@pytest.fixture
def pipeline_settings(fresh_database: Settings) -> Settings:
    mine = isolated(fresh_database)
    mine = mine.model_copy(update={"relay_topic_prefix": mine.streams_topic_prefix,
                                   "relay_slot": f"search_e2e_{secrets.token_hex(4)}"})  # fmt: skip
    with psycopg.connect(mine.postgres_dsn, autocommit=True) as conn:
        conn.execute(TABLES)
        conn.execute(OUTBOX)
    return mine


@contextmanager
def relay(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    env = os.environ | {
        "SOUK_POSTGRES_DB": settings.postgres_db,
        "SOUK_RELAY_SLOT": settings.relay_slot,
        "SOUK_RELAY_TOPIC_PREFIX": settings.relay_topic_prefix,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--no-create-topics"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
        with relay(settings) as relay_process, stream_worker(settings):
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
