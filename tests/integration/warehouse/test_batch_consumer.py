"""The batch engine: same raw files and dead letters as the Faust agents, offsets committed
after the write so a restart re-reads nothing it already wrote."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from souk.settings import Settings
from souk.topics import DOMAIN_EVENTS, LISTING_VIEWS
from tests.integration.warehouse.kafka_topics import create_topics, delete_topics, isolated, produce
from tests.integration.warehouse.test_stream_sink import dead_letters, raw_rows
from tests.unit.warehouse.fixtures import TOPIC_OF
from tests.unit.warehouse.scenario import first_batch
from warehouse.batch_consumer import run_batch_consumer
from warehouse.layout import WarehouseLayout

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def consume_until(
    settings: Settings, layout: WarehouseLayout, rows: int, seconds: float = 60.0
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(run_batch_consumer(settings, stop=stop))
    for _ in range(int(seconds / 0.3)):
        if raw_rows(layout) >= rows or task.done():
            break
        await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, timeout=30)


def test_batches_reach_parquet_and_poison_the_dead_letters(
    settings: Settings, tmp_path: Path
) -> None:
    mine = isolated(settings, tmp_path)
    layout = WarehouseLayout(mine.warehouse_dir)
    asyncio.run(create_topics(mine))
    try:
        events = first_batch()
        messages = [(TOPIC_OF.get(e["event_type"], DOMAIN_EVENTS), json.dumps(e).encode())
                    for e in events]  # fmt: skip
        asyncio.run(produce(mine, [*messages, (LISTING_VIEWS, b"[1, 2]")]))
        asyncio.run(consume_until(mine, layout, len(events)))
        assert raw_rows(layout) == len(events)
        letters = asyncio.run(dead_letters(mine, 1))
        assert [(d["value"], d["agent"]) for d in letters] == [("[1, 2]", "warehouse-sink-batch")]
        files = sorted(layout.raw_dir.rglob("*.parquet"))
        asyncio.run(consume_until(mine, layout, len(events) + 1, seconds=6))  # nothing new
        assert sorted(layout.raw_dir.rglob("*.parquet")) == files
    finally:
        asyncio.run(delete_topics(mine))
