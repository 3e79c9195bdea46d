"""CDC records produced to Kafka reach /search through the Faust worker (a subprocess),
with either catalog indexing engine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from elasticsearch import AsyncElasticsearch
from fastapi import FastAPI

from api.behaviour import InMemoryBehaviourEvents
from api.search_wiring import mount_search
from search.catalog_index import drop_catalog
from search.elastic import async_client
from search.synthetic import SyntheticMarket
from souk.settings import Settings, SinkEngine
from souk.topics import DEAD_LETTER
from tests.integration.search.helpers import (
    cdc_record,
    create_topics,
    delete_topics,
    eventually,
    isolated,
    produce,
    stream_worker,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.anyio]


@pytest.fixture(scope="module", params=list(SinkEngine), ids=lambda e: f"{e.value}-engine")
def worker_settings(settings: Settings, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """A worker indexing with each engine: the batch consumer (the default) and the agents."""
    mine = isolated(settings)
    asyncio.run(create_topics(mine))
    engine = {"SOUK_CATALOG_INDEX_ENGINE": request.param.value}
    with stream_worker(mine, extra_env=engine) as worker:
        yield mine
        assert worker.poll() is None, (worker.stderr.read() if worker.stderr else b"").decode()
    asyncio.run(delete_topics(mine))

    async def drop() -> None:
        es = async_client(mine)
        await drop_catalog(es, mine)
        await es.close()

    asyncio.run(drop())


@pytest.fixture
async def api(worker_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    mount_search(app, worker_settings, behaviour=InMemoryBehaviourEvents())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def es(worker_settings: Settings) -> AsyncIterator[AsyncElasticsearch]:
    client = async_client(worker_settings)
    yield client
    await client.close()


def market_rows(seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    market = SyntheticMarket(seed=seed, sellers=1)
    seller = market.seller_rows[0]
    return seller, [market.car(seller, n) for n in range(3)]


async def ids_for(api: httpx.AsyncClient, q: str) -> list[str]:
    response = await api.get("/search", params={"q": q, "size": 50})
    if response.status_code == 503:  # the worker has not created the index yet
        return []
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


async def test_cdc_record_to_search_hit(
    worker_settings: Settings, api: httpx.AsyncClient, es: AsyncElasticsearch
) -> None:
    seller, cars = market_rows(101)
    car = cars[0] | {"make": "Toyota", "model": "Corolla", "title_en": "Toyota Corolla zebraline",
                     "title_ar": "تويوتا كورولا"}  # fmt: skip
    await produce(worker_settings, "sellers", [cdc_record("sellers", seller, lsn=10, op="c")])
    await produce(worker_settings, "listings", [cdc_record("listings", car, lsn=20, op="c")])

    async def found() -> Any:
        response = await api.get("/search", params={"q": "كرولا zebraline"})
        hits = response.json()["hits"] if response.status_code == 200 else []
        # the two agents run side by side: the seller may join the listing a moment later
        return hits and hits[0]["seller"] and hits[0]

    hit = await eventually(found, within=120)
    assert hit["id"] == car["id"]
    assert hit["seller"]["display_name"] == seller["display_name"]
    # a seller change re-denormalises the seller's listings
    renamed = seller | {"display_name": "Renamed Motors"}
    await produce(worker_settings, "sellers", [cdc_record("sellers", renamed, lsn=30)])

    async def renamed_seen() -> bool:
        response = await api.get(f"/listings/{car['id']}")
        return bool(response.json()["seller"]["display_name"] == "Renamed Motors")

    await eventually(renamed_seen)


async def test_out_of_order_and_duplicate_changes_leave_the_newest(
    worker_settings: Settings, api: httpx.AsyncClient, es: AsyncElasticsearch
) -> None:
    _seller, cars = market_rows(202)
    car = cars[0]
    versions = [(car | {"price_egp": 100_000 * lsn, "title_en": f"quokka v{lsn}"}, lsn)
                for lsn in (100, 200, 300)]  # fmt: skip
    newest, older, oldest = versions[2], versions[1], versions[0]
    records = [cdc_record("listings", row, lsn=lsn) for row, lsn in (newest, oldest, older, newest)]
    await produce(worker_settings, "listings", records)
    # then a stale delete and a stale "sold" arrive late: both older than what is indexed
    stale_sold = cdc_record("listings", car | {"status": "sold"}, lsn=250)
    stale_delete = cdc_record("listings", None, lsn=150, op="d", before=car)
    await produce(worker_settings, "listings", [stale_sold, stale_delete])
    # a later, real sale wins and hides it from search, a still later stale one does not revive
    sold = cdc_record("listings", newest[0] | {"status": "sold"}, lsn=400)

    async def newest_indexed() -> bool:
        doc = await es.options(ignore_status=404).get(
            index=worker_settings.catalog_alias, id=car["id"]
        )
        return bool(doc.get("found")) and doc["_version"] == 300

    await eventually(newest_indexed, within=120)
    await asyncio.sleep(1.5)  # let the stale records be processed too
    detail = (await api.get(f"/listings/{car['id']}")).json()
    assert detail["price_egp"] == 30_000_000
    assert detail["status"] == "active"
    await produce(worker_settings, "listings", [sold, cdc_record("listings", newest[0], lsn=300)])

    async def sold_hidden() -> bool:
        await es.indices.refresh(index=worker_settings.catalog_alias)
        return car["id"] not in await ids_for(api, "quokka")

    await eventually(sold_hidden)
    assert (await api.get(f"/listings/{car['id']}")).json()["status"] == "sold"


async def test_malformed_record_is_dead_lettered_and_the_stream_goes_on(
    worker_settings: Settings, api: httpx.AsyncClient, es: AsyncElasticsearch
) -> None:
    _seller, cars = market_rows(303)
    good = cars[1] | {"title_en": "wombatmobile"}
    bad_status = cdc_record("listings", cars[2] | {"status": "flying"}, lsn=5)
    await produce(
        worker_settings, "listings", [b"{not json", bad_status, cdc_record("listings", good, lsn=7)]
    )

    async def good_found() -> bool:
        return good["id"] in await ids_for(api, "wombatmobile")

    await eventually(good_found, within=120)
    consumer = AIOKafkaConsumer(
        worker_settings.streams_topic_prefix + DEAD_LETTER,
        bootstrap_servers=worker_settings.kafka_bootstrap, auto_offset_reset="earliest",
        group_id=None,
    )  # fmt: skip
    await consumer.start()
    try:
        records = await consumer.getmany(timeout_ms=5000, max_records=10)
        letters = [json.loads(r.value) for batch in records.values() for r in batch]
    finally:
        await consumer.stop()
    reasons = {letter["reason"] for letter in letters}
    assert any("not JSON" in reason for reason in reasons), reasons
    assert any("flying" in reason for reason in reasons), reasons
    letter = letters[0]
    assert set(letter) == {"source_topic", "partition", "offset", "key", "value", "reason",
                           "agent", "failed_at"}  # fmt: skip
    assert letter["agent"] == "catalog-listings"
