"""Events on the real Kafka reach the raw layer through the Faust worker (with either sink
engine); poison messages reach the dead-letter topic with their reason; the marts built from
them are right."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from souk.settings import Settings, SinkEngine
from souk.topics import DEAD_LETTER, DOMAIN_EVENTS, LISTING_VIEWS
from tests.integration.warehouse.kafka_topics import (
    create_topics,
    delete_topics,
    isolated,
    produce,
    sink_worker,
)
from tests.unit.warehouse.fixtures import TOPIC_OF
from tests.unit.warehouse.scenario import DAY1, DAY2, first_batch, second_batch
from warehouse.build import build_days
from warehouse.layout import WarehouseLayout
from warehouse.marts_reader import MartsReader
from warehouse.serving import publish

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def raw_rows(layout: WarehouseLayout) -> int:
    import polars as pl

    files = list(layout.raw_dir.rglob("*.parquet"))
    return sum(pl.scan_parquet(f).select(pl.len()).collect().item() for f in files)


async def dead_letters(settings: Settings, expected: int) -> list[dict[str, object]]:
    consumer = AIOKafkaConsumer(
        settings.streams_topic_prefix + DEAD_LETTER, bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest", group_id=None,
    )  # fmt: skip
    await consumer.start()
    found: list[dict[str, object]] = []
    try:
        deadline = time.monotonic() + 60
        while len(found) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            found += [json.loads(m.value) for ms in batch.values() for m in ms if m.value]
    finally:
        await consumer.stop()
    return found


@pytest.mark.parametrize("engine", list(SinkEngine))
def test_events_flow_from_kafka_to_the_marts(
    settings: Settings, tmp_path: Path, engine: SinkEngine
) -> None:
    mine = isolated(settings, tmp_path).model_copy(update={"warehouse_sink_engine": engine})
    layout = WarehouseLayout(mine.warehouse_dir)
    asyncio.run(create_topics(mine))
    try:
        with sink_worker(mine) as worker:
            events = [*first_batch(), *second_batch()]
            messages = [(TOPIC_OF.get(e["event_type"], DOMAIN_EVENTS), json.dumps(e).encode())
                        for e in events]  # fmt: skip
            poison = [(LISTING_VIEWS, b"{not json"), (DOMAIN_EVENTS, b'{"event_id": "x"}')]
            asyncio.run(produce(mine, messages + poison))
            deadline = time.monotonic() + 90
            while raw_rows(layout) < len(events) and time.monotonic() < deadline:
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else b""
                time.sleep(0.5)
            assert raw_rows(layout) == len(events)
            letters = asyncio.run(dead_letters(mine, len(poison)))
        assert sorted(str(d["reason"]).split(":")[0] for d in letters) == [
            "missing event_type", "not a valid event record"]  # fmt: skip
        letter = next(d for d in letters if d["value"] == "{not json")
        assert letter["source_topic"] == mine.streams_topic_prefix + LISTING_VIEWS
        assert {"partition", "offset", "key", "agent", "failed_at"} <= set(letter)
        build_days(layout, DAY1, DAY2)
        publish(layout)
        totals = MartsReader(layout).seller_kpi_totals(seller_id="S1", start=DAY1, end=DAY2)
        assert (totals["impressions"], totals["listing_views"], totals["leads"]) == (5, 4, 1)
    finally:
        asyncio.run(delete_topics(mine))
