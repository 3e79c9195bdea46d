"""The batch engine: same raw files and dead letters as the Faust agents, offsets committed
after the write so a restart re-reads nothing it already wrote."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from benchmarks.sink_throughput import make_messages
from souk.settings import Settings
from souk.topics import DOMAIN_EVENTS, LISTING_VIEWS
from tests.integration.warehouse.kafka_topics import create_topics, delete_topics, isolated, produce
from tests.integration.warehouse.test_stream_sink import dead_letters, raw_rows
from tests.unit.warehouse.fixtures import TOPIC_OF
from tests.unit.warehouse.scenario import first_batch
from warehouse.batch_consumer import run_batch_consumer
from warehouse.layout import WarehouseLayout
from warehouse.raw_tables import WAREHOUSE_TOPICS

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


def written_offsets(layout: WarehouseLayout) -> dict[tuple[str, int], int]:
    """One past the highest offset on disk per topic partition."""
    import polars as pl

    rows = pl.concat(
        [
            pl.read_parquet(f, columns=["source_topic", "source_partition", "source_offset"])
            for f in layout.raw_dir.rglob("*.parquet")
        ]
    )
    top = rows.group_by("source_topic", "source_partition").agg(pl.col("source_offset").max())
    return {(t, p): o + 1 for t, p, o in top.iter_rows()}


async def committed_offsets(settings: Settings) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"{settings.streams_app_id}-warehouse-batch", enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        found = {}
        for topic in WAREHOUSE_TOPICS:
            tp = TopicPartition(settings.streams_topic_prefix + topic, 0)
            offset = await consumer.committed(tp)
            if offset is not None:
                found[(tp.topic, 0)] = offset
        return found
    finally:
        await consumer.stop()


def test_a_stop_mid_stream_commits_exactly_what_was_written(
    settings: Settings, tmp_path: Path
) -> None:
    """The next batch is fetched while one is written: its offsets must not be committed
    with the written one's, or a stop there would lose it."""
    mine = isolated(settings, tmp_path).model_copy(update={"warehouse_sink_batch_size": 50})
    layout = WarehouseLayout(mine.warehouse_dir)
    asyncio.run(create_topics(mine, partitions=1))
    try:
        messages = make_messages(4_000)
        asyncio.run(produce(mine, messages))
        asyncio.run(consume_until(mine, layout, 300))  # stopped with most of the stream left
        written = raw_rows(layout)
        assert 300 <= written < len(messages)
        assert asyncio.run(committed_offsets(mine)) == written_offsets(layout)
        asyncio.run(consume_until(mine, layout, len(messages)))  # a restart takes the rest
        assert raw_rows(layout) == len(messages)  # each event once: nothing lost or repeated
    finally:
        asyncio.run(delete_topics(mine))
