"""Stop Elasticsearch while listing changes flow to the worker; start it again.

Meanwhile the search API answers 503 with a message that says the search engine is
unreachable (never a 500), the worker stays up and dead-letters nothing (an unreachable
index is not the record's fault); once Elasticsearch is back the backlog drains and every
listing is indexed at its newest version.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from elasticsearch import NotFoundError
from fastapi import FastAPI

from api.behaviour import InMemoryBehaviourEvents
from api.search_wiring import mount_search
from search.synthetic import SyntheticMarket
from souk.settings import Settings
from souk.topics import DEAD_LETTER
from tests.integration.faults.conftest import Child, Outages, eventually, indexed_versions
from tests.integration.search.helpers import cdc_record, produce

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.anyio,
    pytest.mark.timeout(900),
]

LISTINGS = 200
PER_SEND = 25


@pytest.fixture
async def api(pipeline: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    patient = pipeline.model_copy(update={"search_request_timeout_s": 30.0})  # a loaded machine
    mount_search(app, patient, behaviour=InMemoryBehaviourEvents())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


class ListingChanges:
    """Sends price changes of a fixed set of listings until stopped; remembers the newest
    LSN of every listing."""

    def __init__(self, settings: Settings, cars: list[dict[str, Any]]) -> None:
        self._settings, self._cars = settings, cars
        self.newest: dict[str, int] = {}
        self.sent = 0
        self._lsn = 1_000
        self.halt = asyncio.Event()

    async def send_round(self) -> None:
        records = []
        for _ in range(PER_SEND):
            car = self._cars[self.sent % len(self._cars)]
            self._lsn += 10
            row = car | {"price_egp": car["price_egp"] - self._lsn}
            records.append(cdc_record("listings", row, lsn=self._lsn))
            self.newest[car["id"]] = self._lsn
            self.sent += 1
        await produce(self._settings, "listings", records)

    async def flow(self) -> None:
        while not self.halt.is_set():
            await self.send_round()
            await asyncio.sleep(0.2)


async def dead_letter_count(settings: Settings) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None)
    await consumer.start()
    try:
        partition = TopicPartition(settings.streams_topic_prefix + DEAD_LETTER, 0)
        return int((await consumer.end_offsets([partition]))[partition])
    finally:
        await consumer.stop()


async def test_search_is_503_while_elasticsearch_is_down_and_nothing_is_lost(
    pipeline: Settings, worker: Child, outages: Outages, api: httpx.AsyncClient
) -> None:
    settings = pipeline
    market = SyntheticMarket(seed=41, sellers=1)
    seller = market.seller_rows[0]
    cars = [market.car(seller, n) | {"status": "active"} for n in range(LISTINGS)]
    await produce(settings, "sellers", [cdc_record("sellers", seller, lsn=500, op="c")])
    changes = ListingChanges(settings, cars)
    worker.start()
    for _ in range(LISTINGS // PER_SEND):
        await changes.send_round()

    async def indexed() -> bool:
        assert worker.running(), worker.log()
        try:
            return len(await indexed_versions(settings)) == LISTINGS
        except NotFoundError:  # the worker has not created the index yet
            return False

    await eventually(indexed, within=180, every=1.0, what="the first listings indexed")
    response = await api.get("/search", params={"size": 1})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == LISTINGS, response.text
    flowing = asyncio.create_task(changes.flow())
    try:
        stopped_at = time.monotonic()
        await asyncio.to_thread(outages.stop, "elasticsearch")
        sent_at_stop = changes.sent
        response = await api.get("/search", params={"q": "toyota"})
        assert response.status_code == 503, response.text
        assert response.json()["detail"].startswith(
            "search is unavailable: the catalog search engine is unreachable"
        ), response.text
        detail = await api.get(f"/listings/{cars[0]['id']}")
        assert detail.status_code == 503, detail.text
        await asyncio.sleep(2.0)  # changes keep coming while the index is away
        assert worker.running(), f"the worker died without Elasticsearch:\n{worker.log()}"
        await asyncio.to_thread(outages.start, "elasticsearch")
        down_seconds = time.monotonic() - stopped_at
        sent_in_outage = changes.sent - sent_at_stop
        await asyncio.sleep(1.0)
    finally:
        changes.halt.set()
        await flowing
    assert sent_in_outage > 0

    async def drained() -> bool:
        assert worker.running(), worker.log()
        return await indexed_versions(settings) == changes.newest

    await eventually(drained, within=120, every=1.0, what="the backlog indexed")
    response = await api.get("/search", params={"size": 1})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == LISTINGS
    assert await dead_letter_count(settings) == 0
    assert "Elasticsearch unavailable" in worker.log(400)
    print(  # noqa: T201
        f"Elasticsearch down {down_seconds:.0f}s; {sent_in_outage} changes sent meanwhile; "
        f"{changes.sent} changes of {LISTINGS} listings indexed at their newest version"
    )
