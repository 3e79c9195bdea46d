"""Poison records in the middle of a flowing stream, on both of the worker's sides at once.

The existing tests send a few records with the poison at the end
(``tests/integration/streams/test_catalog_indexer.py``,
``tests/integration/warehouse/test_stream_sink.py``). Here the poison sits between good
records of the same partitions and micro-batches while rounds keep coming, and includes a
record that only Elasticsearch can refuse (a year outside the mapping's ``short``): every
poison record reaches the one dead-letter topic with its reason and its Kafka coordinates
(once per agent that reads its topic), nothing good does, and every good record around it
is indexed or warehoused.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from aiokafka import AIOKafkaProducer
from elasticsearch import NotFoundError

from search.synthetic import SyntheticMarket
from souk.settings import Settings
from souk.topics import DEAD_LETTER, DOMAIN_EVENTS, LISTING_VIEWS, cdc_topic
from tests.integration.faults.conftest import Child, eventually, indexed_versions, read_topic
from tests.integration.search.helpers import cdc_record
from warehouse.layout import WarehouseLayout

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.anyio,
    pytest.mark.timeout(900),
]

ROUNDS = 12
LISTINGS_PER_ROUND = 20
VIEWS_PER_ROUND = 40
PAUSE_S = 0.3  # between rounds: the poison lands in the middle of many micro-batches


class Flow:
    """Rounds of good listing changes and listing views with poison records in between."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._market = SyntheticMarket(seed=53, sellers=1)
        self.seller = self._market.seller_rows[0]
        self.newest: dict[str, int] = {}  # good listing -> its newest lsn
        self.views: set[str] = set()  # good view event ids
        self.poison: dict[tuple[str, int, int], str] = {}  # (topic, partition, offset) -> what
        self._pending: list[tuple[asyncio.Future[Any], str | None]] = []
        self._lsn = 10_000
        self._cars = 0

    def _topic(self, name: str) -> str:
        return self._settings.streams_topic_prefix + name

    async def _send(
        self, producer: AIOKafkaProducer, topic: str, value: bytes, key: str, poison: str | None
    ) -> None:
        delivery = await producer.send(self._topic(topic), value, key=key.encode())
        self._pending.append((delivery, poison))

    def _car(self, **changes: Any) -> dict[str, Any]:
        self._cars += 1
        return self._market.car(self.seller, self._cars) | {"status": "active"} | changes

    async def _listing(self, producer: AIOKafkaProducer, car: dict[str, Any]) -> None:
        self._lsn += 10
        record = cdc_record("listings", car, lsn=self._lsn)
        await self._send(producer, cdc_topic("listings"), json.dumps(record).encode(),
                         car["id"], None)  # fmt: skip
        self.newest[car["id"]] = self._lsn

    async def _view(self, producer: AIOKafkaProducer, payload: dict[str, Any]) -> str:
        event_id, session = str(uuid.uuid4()), f"s-{uuid.uuid4().hex[:6]}"
        event = {"event_id": event_id, "event_type": "ListingViewed",
                 "occurred_at": datetime.now(UTC).isoformat(), "user_id": None,
                 "session_id": session, "payload": payload}  # fmt: skip
        poison = None if payload.get("listing_id") else "view"
        value = json.dumps(event).encode()
        await self._send(producer, LISTING_VIEWS, value, session, poison)
        return event_id

    async def round(self, producer: AIOKafkaProducer, n: int) -> None:
        cars = [self._car() for _ in range(LISTINGS_PER_ROUND)]
        for i, car in enumerate(cars):
            await self._listing(producer, car)
            if i == LISTINGS_PER_ROUND // 2 and n == 3:
                await self._send(producer, cdc_topic("listings"), b"{not json", car["id"], "json")
            if i == LISTINGS_PER_ROUND // 2 and n == 5:  # only Elasticsearch can refuse it
                refused = self._car(year=40_000)
                record = cdc_record("listings", refused, lsn=self._lsn + 1)
                await self._send(producer, cdc_topic("listings"), json.dumps(record).encode(),
                                 refused["id"], "year")  # fmt: skip
        for i in range(VIEWS_PER_ROUND):
            car = cars[i % len(cars)]
            good = {"listing_id": car["id"], "seller_id": self.seller["id"]}
            self.views.add(await self._view(producer, good))
            if i == VIEWS_PER_ROUND // 2 and n == 7:
                await self._view(producer, {"seller_id": self.seller["id"]})
            if i == VIEWS_PER_ROUND // 2 and n == 9:
                await self._send(producer, DOMAIN_EVENTS, b"[1, 2]", "agg", "array")

    async def run(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._settings.kafka_bootstrap, acks="all", linger_ms=5
        )
        await producer.start()
        try:
            for n in range(ROUNDS):
                await self.round(producer, n)
                await asyncio.sleep(PAUSE_S)
            await producer.flush()
            for delivery, poison in self._pending:
                metadata = await delivery
                if poison is not None:
                    self.poison[(metadata.topic, metadata.partition, metadata.offset)] = poison
        finally:
            await producer.stop()


def raw_views(settings: Settings) -> set[str]:
    files = [p for p in (WarehouseLayout(settings.warehouse_dir).raw_dir / "listing_views")
             .rglob("*.parquet") if not p.name.startswith(".")]  # fmt: skip
    return set(pl.scan_parquet(files).select("event_id").collect()["event_id"]) if files else set()


async def test_poison_is_dead_lettered_while_the_stream_flows(
    pipeline: Settings, worker: Child
) -> None:
    settings = pipeline
    flow = Flow(settings)
    worker.start()
    await flow.run()
    reasons = {"json": "not JSON", "year": "year", "view": "listing_id", "array": ""}
    assert sorted(flow.poison.values()) == sorted(reasons)

    async def good_indexed() -> bool:
        assert worker.running(), worker.log()
        try:
            return await indexed_versions(settings) == flow.newest
        except NotFoundError:  # the worker has not created the index yet
            return False

    async def good_warehoused() -> bool:
        return raw_views(settings) == flow.views

    await eventually(good_indexed, within=120, every=1.0, what="every good listing indexed")
    await eventually(good_warehoused, within=60, every=1.0, what="every good view warehoused")

    def letter_key(letter: dict[str, Any]) -> tuple[tuple[str, int, int], str]:
        # the catalog agent, or the warehouse sink (whichever engine: agent or batch)
        agent = str(letter["agent"])
        agent = "warehouse-sink" if agent.startswith("warehouse-sink") else agent
        return (letter["source_topic"], letter["partition"], letter["offset"]), agent

    def agent_of(poison: str) -> str:
        return "catalog-listings" if poison in {"json", "year"} else "warehouse-sink"

    def keys(records: list[Any]) -> set[tuple[tuple[str, int, int], str]]:
        return {letter_key(json.loads(r.value)) for r in records}

    wanted = {(coordinates, agent_of(p)) for coordinates, p in flow.poison.items()}
    records = await read_topic(settings, DEAD_LETTER, lambda rs: wanted <= keys(rs), 60)
    letters = [json.loads(r.value) for r in records]
    found = {letter_key(letter): letter for letter in letters}
    assert wanted <= set(found), letters
    # only poison is dead-lettered (by every agent that reads its topic)
    assert {coordinates for coordinates, _ in found} == set(flow.poison), letters
    for coordinates, poison in flow.poison.items():
        letter = found[(coordinates, agent_of(poison))]
        assert reasons[poison] in letter["reason"], letter
