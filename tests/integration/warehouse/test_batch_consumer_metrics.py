"""The batch engine counts what it sinks (per raw table) and what it dead-letters."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from souk.settings import Settings
from souk.topics import DOMAIN_EVENTS, LISTING_VIEWS
from streams.worker_metrics import batch_metrics
from tests.integration.warehouse.kafka_topics import create_topics, delete_topics, isolated, produce
from tests.metrics_samples import SampleKey, samples, value
from tests.unit.warehouse.fixtures import TOPIC_OF
from tests.unit.warehouse.scenario import first_batch
from warehouse.batch_consumer import run_batch_consumer
from warehouse.raw_tables import BY_EVENT_TYPE

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SUNK, DEAD = "souk_warehouse_events_sunk_total", "souk_dead_lettered_records_total"
AGENT = "warehouse-sink-batch"


def sunk_total(found: dict[SampleKey, float]) -> float:
    return sum(v for (name, _), v in found.items() if name == SUNK)


async def consume_until_counted(settings: Settings, events: float, letters: float) -> None:
    """Run the batch engine until its counters reach ``events`` sunk and ``letters`` letters."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_batch_consumer(settings, stop=stop))
    try:
        for _ in range(200):
            found = samples(batch_metrics().exposition())
            counted = sunk_total(found) >= events and value(found, DEAD, agent=AGENT) >= letters
            if counted or task.done():
                break
            await asyncio.sleep(0.3)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def test_batch_engine_counts_sunk_events_by_table_and_dead_letters(
    settings: Settings, tmp_path: Path
) -> None:
    mine = isolated(settings, tmp_path)
    asyncio.run(create_topics(mine))
    try:
        events = first_batch()
        messages = [(TOPIC_OF.get(e["event_type"], DOMAIN_EVENTS), json.dumps(e).encode())
                    for e in events]  # fmt: skip
        asyncio.run(produce(mine, [*messages, (LISTING_VIEWS, b"[1, 2]")]))
        before = samples(batch_metrics().exposition())
        dead_before = value(before, DEAD, agent=AGENT)
        asyncio.run(consume_until_counted(mine, sunk_total(before) + len(events), dead_before + 1))
        after = samples(batch_metrics().exposition())
        expected = Counter(BY_EVENT_TYPE[e["event_type"]].name for e in events)
        for table, count in expected.items():
            assert value(after, SUNK, table=table) - value(before, SUNK, table=table) == count
        assert value(after, DEAD, agent=AGENT) - dead_before == 1
    finally:
        asyncio.run(delete_topics(mine))
