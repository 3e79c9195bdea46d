"""Warehouse sink throughput: Kafka -> raw Parquet through the Faust worker, beside its ceilings.

    python -m benchmarks.sink_throughput --events 1000000

1. produces ``--events`` behavioural and domain events (55% views, 25% searches showing 20
   listings, 12% clicks, 8% domain events) to isolated topics;
2. bare aiokafka + decode: a bare consumer reads them in batches and hands each batch to the
   same ``WarehouseSink`` (decode + Parquet) - the sink minus Faust;
3. the ceiling: a bare aiokafka consumer writes each batch's values straight to Parquet;
4. the Faust worker (``warehouse.cli sink``, a subprocess) with its default sink engine
   (``warehouse_sink_engine``: the batch engine as a worker service), then with the Faust
   agents (``--engine agent``); each rate is timed from its first raw file to the last event
   on disk;
5. from memory (no Kafka): decode + write, decode alone, the raw values written straight to
   Parquet (the ceiling's write), decoded rows written to Parquet and to DuckDB.
Targets: the worker's sink >= 50,000 events/s and >= 70% of the ceiling.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from souk.settings import PROJECT_ROOT, Settings, load_settings
from souk.topics import DEAD_LETTER, DOMAIN_EVENTS, LISTING_VIEWS, RESULT_CLICKS, SEARCHES
from warehouse.decoding import IncomingRecord, decode_batch
from warehouse.layout import WarehouseLayout
from warehouse.raw_tables import WAREHOUSE_TOPICS
from warehouse.sink import WarehouseSink


class SinkResult(BenchmarkResult):
    """The worker's sink (default engine, then Faust agents) beside the bare-consumer ceiling."""

    events: int
    batch: int
    partitions: int
    produced_per_s: float
    bound: dict[str, float]
    engine: str  # the worker's default warehouse_sink_engine
    worker_default: float
    agents: float
    bare_decode: float
    ceiling: float

    def figures(self) -> list[Figure]:
        return [
            *(Figure(f"memory: {name}", value, "events/s") for name, value in self.bound.items()),
            Figure("bare aiokafka + WarehouseSink (decode + write)", self.bare_decode, "events/s"),
            Figure("ceiling: bare aiokafka → Parquet (no decode)", self.ceiling, "events/s"),
            Figure(
                f"sink, Faust worker default ({self.engine})",
                self.worker_default,
                "events/s",
                Target(">=", 50_000),
            ),
            Figure(
                "worker default / ceiling",
                self.worker_default / self.ceiling,
                "",
                Target(">=", 0.70),
            ),
            Figure("sink, Faust agents (take_events)", self.agents, "events/s"),
            Figure("Faust agents / ceiling", self.agents / self.ceiling, ""),
        ]

    def charts(self) -> list[Chart]:
        names = ["ceiling: aiokafka → Parquet", "bare aiokafka + sink",
                 f"worker sink ({self.engine})", "Faust agents sink"]  # fmt: skip
        values = [self.ceiling, self.bare_decode, self.worker_default, self.agents]
        return [
            Chart("sink-throughput", f"Warehouse sink, {self.events:,} events: throughput vs "
                  "the ceiling", "bars", "events/s", categories=names + list(self.bound),
                  series={"events/s": values + list(self.bound.values())}, line=50_000,
                  line_label="target ≥ 50,000 events/s", horizontal=True),
        ]  # fmt: skip


def _event(n: int, at: datetime) -> tuple[str, dict[str, Any]]:
    kind = n % 100
    base = {"event_id": str(uuid.uuid4()), "occurred_at": at.isoformat(),
            "user_id": f"U{n % 5000}", "session_id": f"s{n % 9000}"}  # fmt: skip
    listing, seller = f"L{n % 20000}", f"S{n % 2000}"
    if kind < 55:
        return LISTING_VIEWS, base | {"event_type": "ListingViewed", "payload": {
            "listing_id": listing, "seller_id": seller, "source": "search"}}  # fmt: skip
    if kind < 80:
        return SEARCHES, base | {"event_type": "SearchPerformed", "payload": {
            "search_id": f"Q{n}", "query": "toyota corolla", "filters": {"year": {"gte": 2018}},
            "sort": "relevance", "page": 1, "hits_total": 120, "took_ms": 9,
            "results_shown": [f"L{(n + k) % 20000}" for k in range(20)]}}  # fmt: skip
    if kind < 92:
        return RESULT_CLICKS, base | {"event_type": "SearchResultClicked", "payload": {
            "search_id": f"Q{n}", "query": "toyota corolla", "listing_id": listing,
            "seller_id": seller, "position": 3}}  # fmt: skip
    return DOMAIN_EVENTS, {"event_id": base["event_id"], "event_type": "LeadCreated",
                           "aggregate_type": "lead", "aggregate_id": f"LD{n}", "version": 1,
                           "occurred_at": base["occurred_at"], "lsn": "0/1", "commit_lsn": "0/1",
                           "xid": 1, "commit_time": base["occurred_at"], "payload": {
                               "lead_id": f"LD{n}", "listing_id": listing, "seller_id": seller,
                               "buyer_id": f"U{n}", "channel": "call"}}  # fmt: skip


def make_messages(count: int) -> list[tuple[str, bytes]]:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    return [
        (topic, json.dumps(event).encode())
        for n in range(count)
        for topic, event in [_event(n, start + timedelta(seconds=n % 86_000))]
    ]


async def setup_topics(settings: Settings, partitions: int) -> list[str]:
    names = [settings.streams_topic_prefix + t for t in (*WAREHOUSE_TOPICS, DEAD_LETTER)]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(t, partitions, 1) for t in names])
    await admin.close()
    return names


async def drop_topics(settings: Settings, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    await admin.delete_topics(names)
    await admin.close()


async def produce(settings: Settings, messages: list[tuple[str, bytes]], partitions: int) -> float:
    """Send the messages in explicit record batches (one per topic partition at a time)."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap,
                                max_request_size=8 << 20)  # fmt: skip
    await producer.start()
    started = time.perf_counter()
    pending: dict[tuple[str, int], Any] = {}
    futures = []
    for n, (topic, value) in enumerate(messages):
        where = (settings.streams_topic_prefix + topic, n % partitions)
        batch = pending.get(where) or producer.create_batch()
        if batch.append(key=value[14:50], value=value, timestamp=None) is None:
            batch.close()
            futures.append(await producer.send_batch(batch, where[0], partition=where[1]))
            batch = producer.create_batch()
            batch.append(key=value[14:50], value=value, timestamp=None)
        pending[where] = batch
    for (topic, partition), batch in pending.items():
        batch.close()
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    await asyncio.gather(*futures)
    await producer.stop()
    return len(messages) / (time.perf_counter() - started)


async def bare_consumer(settings: Settings, total: int, batch: int, straight: bool,
                        root: Path) -> float:  # fmt: skip
    """events/s of a bare aiokafka consumer doing the sink's work (or only writing Parquet)."""
    topics = [settings.streams_topic_prefix + t for t in WAREHOUSE_TOPICS]
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=settings.kafka_bootstrap, group_id=f"bench-{uuid.uuid4()}",
        auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=batch,
        fetch_max_bytes=64 << 20, max_partition_fetch_bytes=16 << 20,
    )  # fmt: skip
    sink = WarehouseSink(WarehouseLayout(root), timezone="Africa/Cairo")
    await consumer.start()
    seen, started = 0, 0.0
    try:
        while seen < total:
            fetched = await consumer.getmany(timeout_ms=1000, max_records=batch)
            records = [IncomingRecord(m.topic, m.partition, m.offset, m.key, m.value)
                       for ms in fetched.values() for m in ms]  # fmt: skip
            if not records:
                continue
            started = started or time.perf_counter()
            if straight:
                table = pa.table(
                    {
                        "topic": [r.topic for r in records],
                        "offset": [r.offset for r in records],
                        "value": pa.array([r.value for r in records], pa.binary()),
                    }
                )
                pq.write_table(table, root / f"{uuid.uuid4().hex}.parquet", compression="zstd")
            else:
                await asyncio.to_thread(sink.write_batch, records)
            seen += len(records)
            await consumer.commit()
    finally:
        await consumer.stop()
    return total / (time.perf_counter() - started)


def raw_rows(root: Path) -> int:
    return sum(pq.ParquetFile(f).metadata.num_rows for f in root.rglob("*.parquet")
               if not f.name.startswith("."))  # fmt: skip


def sink_worker(
    settings: Settings, total: int, batch: int, root: Path, engine: str | None
) -> float:
    """events/s of ``warehouse.cli sink [--engine <engine>]`` (a subprocess), first file to last;
    without ``engine`` the worker runs its default (``SOUK_WAREHOUSE_SINK_ENGINE`` unset)."""
    inherited = {k: v for k, v in os.environ.items() if k != "SOUK_WAREHOUSE_SINK_ENGINE"}
    env = inherited | {
        "SOUK_DATA_DIR": str(root), "SOUK_STREAMS_TOPIC_PREFIX": settings.streams_topic_prefix,
        "SOUK_STREAMS_APP_ID": f"bench-sink-{secrets.token_hex(3)}",
        "SOUK_STREAMS_WEB_ENABLED": "false", "SOUK_WAREHOUSE_SINK_BATCH_SIZE": str(batch),
        "SOUK_WAREHOUSE_SINK_BATCH_SECONDS": "1.0",
        "PYTHONPATH": str(PROJECT_ROOT),
    }  # fmt: skip
    command = [sys.executable, "-m", "warehouse.cli", "sink"]
    command += ["--engine", engine] if engine else []
    root.mkdir(parents=True, exist_ok=True)  # also the worker's cwd: Faust puts its data dir there
    worker = subprocess.Popen(command, env=env, cwd=root, stdout=subprocess.DEVNULL)
    raw = root / "warehouse" / "raw"
    try:
        first = last = 0.0
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and worker.poll() is None:
            count = raw_rows(raw) if raw.exists() else 0
            now = time.perf_counter()
            if count and not first:
                first, first_count = now, count
            if count >= total:
                last = now
                break
            time.sleep(0.25)
        if not last:
            raise RuntimeError(f"the {engine or 'default'} sink wrote {count} of {total} events")
        return (total - first_count) / (last - first)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def physical_bound(messages: list[tuple[str, bytes]], batch: int, root: Path) -> dict[str, float]:
    records = [IncomingRecord(t, 0, i, None, v) for i, (t, v) in enumerate(messages)]
    sink = WarehouseSink(WarehouseLayout(root / "sink"), timezone="Africa/Cairo")
    started = time.perf_counter()
    for i in range(0, len(records), batch):
        sink.write_batch(records[i : i + batch])
    sink_rate = len(records) / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(0, len(records), batch):
        values = pa.table({"topic": [r.topic for r in records[i : i + batch]],
                           "offset": [r.offset for r in records[i : i + batch]],
                           "value": pa.array([r.value for r in records[i : i + batch]],
                                             pa.binary())})  # fmt: skip
        pq.write_table(values, root / f"values-{i}.parquet", compression="zstd")
    values_rate = len(records) / (time.perf_counter() - started)
    frames = decode_batch(records[:batch], timezone="Africa/Cairo",
                          received_at=datetime.now(UTC)).frames  # fmt: skip
    rows = sum(f.height for f in frames.values())
    started = time.perf_counter()
    for name, frame in frames.items():
        frame.write_parquet(root / f"{name}.parquet", compression="zstd", statistics=False)
    parquet_rate = rows / (time.perf_counter() - started)
    conn = duckdb.connect(str(root / "bound.duckdb"))
    started = time.perf_counter()
    for name, frame in frames.items():
        conn.register("frame", frame.to_arrow())
        conn.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
    conn.close()
    duckdb_rate = rows / (time.perf_counter() - started)
    started = time.perf_counter()
    decode_batch(records[:batch], timezone="Africa/Cairo", received_at=datetime.now(UTC))
    decode_rate = batch / (time.perf_counter() - started)
    return {
        "decode+write (WarehouseSink, no Kafka)": sink_rate,
        "decode only": decode_rate,
        "raw values -> Parquet (the ceiling's write)": values_rate,
        "decoded rows -> Parquet": parquet_rate,
        "decoded rows -> DuckDB": duckdb_rate,
    }


def main(
    events: int = typer.Option(
        1_000_000, help="Events to produce (enough for seconds of work at the ceiling's rate)."
    ),
    batch: int = typer.Option(20_000, help="Micro-batch size (take n / max_records)."),
    partitions: int = typer.Option(4, help="Partitions per topic."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON here."),  # noqa: B008
) -> SinkResult:
    """Measure the worker's sink (default engine and Faust agents) beside a bare ceiling."""
    settings = load_settings().model_copy(
        update={"streams_topic_prefix": f"bench-{secrets.token_hex(3)}."}
    )
    messages = make_messages(events)
    names = asyncio.run(setup_topics(settings, partitions))
    load = os.getloadavg()[0]
    try:
        rate = asyncio.run(produce(settings, messages, partitions))
        typer.echo(f"produced {events:,} events ({rate:,.0f}/s); load average {load:.1f}")
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for part in ("a", "b", "bound"):
                (root / part).mkdir()
            bound = physical_bound(messages, batch, root / "bound")
            decoding = asyncio.run(bare_consumer(settings, events, batch, False, root / "a"))
            ceiling = asyncio.run(bare_consumer(settings, events, batch, True, root / "b"))
            default = sink_worker(settings, events, batch, root / "default", None)
            agents = sink_worker(settings, events, batch, root / "agent", "agent")
    finally:
        asyncio.run(drop_topics(settings, names))
    engine = Settings().warehouse_sink_engine.value
    for name, value in bound.items():
        typer.echo(f"memory  {name:<46}{value:>12,.0f} events/s")
    rows = {
        f"SINK    Faust worker, default engine ({engine})": default,
        "        Faust worker, agents (take_events)": agents,
        "bare    aiokafka + WarehouseSink (decode+write)": decoding,
        "CEILING bare aiokafka -> Parquet (no decode)": ceiling,
    }
    for name, value in rows.items():
        typer.echo(f"{name:<54}{value:>12,.0f} events/s {value / ceiling:>5.0%} of ceiling")
    typer.echo(f"targets: worker sink >= 50,000 events/s and >= 70% of the ceiling; "
               f"load average now {os.getloadavg()[0]:.1f}")  # fmt: skip
    result = SinkResult(events=events, batch=batch, partitions=partitions, produced_per_s=rate,
                        bound=bound, engine=engine, worker_default=default, agents=agents,
                        bare_decode=decoding, ceiling=ceiling)  # fmt: skip
    if json_path:
        result.write_json(json_path)
    return result


if __name__ == "__main__":
    typer.run(main)
