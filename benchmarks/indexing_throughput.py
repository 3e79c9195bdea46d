"""Indexing throughput: Kafka -> Faust catalog agent -> Elasticsearch, against the direct
bulk ceiling (the same documents bulk-indexed straight from Python, same batch size and
parallelism). The CDC backlog is produced before the worker starts; the Faust rate is
measured from the first indexed document to the last (worker start-up excluded).

    .venv/bin/python -m benchmarks.indexing_throughput --listings 30000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import typer
from aiokafka import AIOKafkaProducer
from elasticsearch import AsyncElasticsearch

from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from search.catalog_index import drop_catalog, ensure_catalog
from search.documents import listing_document, seller_summary
from search.elastic import async_client, bulk_write
from search.synthetic import SyntheticMarket
from souk.settings import Settings, load_settings
from souk.topics import cdc_topic
from tests.integration.search.helpers import (
    cdc_record,
    create_topics,
    delete_topics,
    eventually,
    isolated,
    stream_worker,
)

log = logging.getLogger("benchmarks.indexing")


class IndexingResult(BenchmarkResult):
    """Kafka -> Faust -> Elasticsearch beside the direct bulk ceiling."""

    listings: int
    batch: int
    concurrency: int
    workers: int
    direct_docs_per_s: float
    faust_docs_per_s: float

    @property
    def ratio(self) -> float:
        return self.faust_docs_per_s / self.direct_docs_per_s

    def figures(self) -> list[Figure]:
        return [
            Figure("direct bulk ceiling", self.direct_docs_per_s, "docs/s"),
            Figure(f"Kafka → Faust → ES ({self.workers} worker)", self.faust_docs_per_s, "docs/s"),
            Figure("Faust / direct bulk", self.ratio, "", Target(">=", 0.70)),
        ]

    def charts(self) -> list[Chart]:
        return [
            Chart("indexing-throughput", f"Indexing {self.listings:,} listings: pipeline vs "
                  "direct bulk ceiling", "bars", "docs/s",
                  categories=["direct bulk (ceiling)", "Kafka → Faust → ES"],
                  series={"docs/s": [self.direct_docs_per_s, self.faust_docs_per_s]},
                  line=0.70 * self.direct_docs_per_s, line_label="target: 70% of ceiling"),
        ]  # fmt: skip


async def direct_ceiling(
    settings: Settings, rows: list[dict[str, Any]], sellers: dict[str, Any], batch: int
) -> float:
    """The same documents, batches and parallelism as the agent, without Kafka or Faust."""
    es = async_client(settings, timeout=120.0)
    batches = [rows[start : start + batch] for start in range(0, len(rows), batch)]

    async def index_batches() -> None:
        while batches:
            chunk = batches.pop(0)
            operations = [
                ({"_index": settings.catalog_alias, "_id": r["id"], "version": 1,
                  "version_type": "external_gte"},
                 listing_document(r, sellers.get(r["seller_id"]), listing_lsn=1, seller_lsn=1))
                for r in chunk
            ]  # fmt: skip
            await bulk_write(es, operations)

    try:
        await ensure_catalog(es, settings)
        started = time.perf_counter()
        await asyncio.gather(*(index_batches() for _ in range(settings.catalog_agent_concurrency)))
        await es.indices.refresh(index=settings.catalog_alias)
        elapsed = time.perf_counter() - started
        count = (await es.count(index=settings.catalog_alias))["count"]
        assert count == len(rows), count
        return len(rows) / elapsed
    finally:
        await drop_catalog(es, settings)
        await es.close()


async def indexed(es: AsyncElasticsearch, settings: Settings) -> int:
    await es.indices.refresh(index=settings.catalog_alias)
    return int((await es.count(index=settings.catalog_alias))["count"])


async def through_faust(
    settings: Settings, rows: list[dict[str, Any]], seller_rows: list[dict[str, Any]],
    worker_count: int,
) -> float:  # fmt: skip
    await create_topics(settings)
    es = async_client(settings, timeout=60.0)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=20,
                                max_batch_size=512 * 1024)  # fmt: skip
    await producer.start()
    try:
        sellers_topic = settings.streams_topic_prefix + cdc_topic("sellers")
        for n, seller in enumerate(seller_rows):
            record = cdc_record("sellers", seller, lsn=n + 1, op="r")
            await producer.send(
                sellers_topic, json.dumps(record).encode(), key=seller["id"].encode()
            )
        await producer.flush()
        values = [(r["id"].encode(), json.dumps(cdc_record("listings", r, lsn=1000 + n, op="r"),
                   ensure_ascii=False).encode()) for n, r in enumerate(rows)]  # fmt: skip
        topic = settings.streams_topic_prefix + cdc_topic("listings")
        for key, value in values:  # the backlog is in Kafka before the worker starts
            await producer.send(topic, value, key=key)
        await producer.flush()
        with ExitStack() as workers:
            for _ in range(worker_count):  # Faust scales out: partitions split across workers
                workers.enter_context(stream_worker(settings))
            await eventually(
                lambda: es.indices.exists_alias(name=settings.catalog_alias), within=120
            )
            first = await eventually(lambda: indexed(es, settings), within=120, every=0.1)
            started = time.perf_counter()

            async def all_indexed() -> int:
                count = await indexed(es, settings)
                return count if count >= len(rows) else 0

            done = await eventually(all_indexed, within=3600, every=0.25)
            elapsed = time.perf_counter() - started
        return float(done - first) / elapsed
    finally:
        await producer.stop()
        await drop_catalog(es, settings)
        await es.close()
        await delete_topics(settings)


async def main(listings: int, batch: int, concurrency: int, worker_count: int) -> IndexingResult:
    update = {"catalog_batch_size": batch, "catalog_agent_concurrency": concurrency}
    base = load_settings().model_copy(update=update)
    market = SyntheticMarket(seed=21, sellers=500)
    rows = list(market.listings(listings))
    sellers = {s["id"]: seller_summary(s) for s in market.seller_rows}
    direct = await direct_ceiling(isolated(base), rows, sellers, batch)
    typer.echo(f"direct bulk ceiling : {direct:8.0f} docs/s ({listings} listings, batch {batch}, "
          f"{concurrency} concurrent)")  # fmt: skip
    faust_rate = await through_faust(isolated(base), rows, market.seller_rows, worker_count)
    typer.echo(
        f"Kafka -> Faust -> ES: {faust_rate:8.0f} docs/s ({worker_count} worker process(es))"
    )
    typer.echo(f"ratio               : {faust_rate / direct:8.2f} (target >= 0.70)")
    return IndexingResult(listings=listings, batch=batch, concurrency=concurrency,
                          workers=worker_count, direct_docs_per_s=direct,
                          faust_docs_per_s=faust_rate)  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--listings", type=int, default=30000, help="CDC records to index")
    parser.add_argument("--batch", type=int, default=500, help="bulk batch / take() size")
    parser.add_argument("--concurrency", type=int, default=4, help="agent actors / bulk streams")
    logging.basicConfig(level=logging.WARNING)
    parser.add_argument("--workers", type=int, default=1, help="Faust worker processes")
    parser.add_argument("--json", type=Path, help="write the result as JSON to PATH")
    args = parser.parse_args()
    result = asyncio.run(main(args.listings, args.batch, args.concurrency, args.workers))
    if args.json:
        result.write_json(args.json)
