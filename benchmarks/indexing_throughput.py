"""Indexing throughput: Kafka -> Faust catalog agent -> Elasticsearch, against the direct
bulk ceiling (the same documents bulk-indexed straight from Python, same batch size and
parallelism). The worker first stores the sellers, then the listing backlog is produced at
once; the Faust rate is measured from the first indexed listing to the last (worker start-up
excluded).

Both sides are timed the same way: Elasticsearch's own indexing counter (no refresh) tells
when the documents are in, one refresh then makes them countable. (Counting with a refresh
every 0.25 s while the worker ran made Elasticsearch refresh only on the Faust side.) Beside
the rates it prints the CPU per document: the indexing Python process (the benchmark itself
for the direct side, the worker for the Faust side) and Elasticsearch (its node stats), so
the two sides can be compared on a shared machine, where rates depend on the neighbours.

    .venv/bin/python -m benchmarks.indexing_throughput --listings 30000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from elasticsearch import AsyncElasticsearch

from benchmarks.process_cpu import cpu_seconds
from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from search.catalog_index import drop_catalog, ensure_catalog
from search.documents import listing_document, seller_summary
from search.elastic import async_client, bulk_write
from search.mapping import sellers_index_name
from search.synthetic import SyntheticMarket
from souk.settings import Settings, load_settings
from souk.topics import DEAD_LETTER, cdc_topic, platform_topics
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
    direct_cpu_us_per_doc: float | None = None  # the benchmark process building and sending
    worker_cpu_us_per_doc: float | None = None  # the Faust worker process(es)
    es_cpu_us_per_doc_direct: float | None = None
    es_cpu_us_per_doc_faust: float | None = None

    @property
    def ratio(self) -> float:
        return self.faust_docs_per_s / self.direct_docs_per_s

    def figures(self) -> list[Figure]:
        return [
            Figure("direct bulk ceiling", self.direct_docs_per_s, "docs/s"),
            Figure(f"Kafka → Faust → ES ({self.workers} worker)", self.faust_docs_per_s, "docs/s"),
            Figure("Faust / direct bulk", self.ratio, "", Target(">=", 0.70)),
            Figure("direct: Python CPU per document", self.direct_cpu_us_per_doc, "µs"),
            Figure("Faust worker CPU per document", self.worker_cpu_us_per_doc, "µs"),
            Figure("Elasticsearch CPU per document (direct)", self.es_cpu_us_per_doc_direct, "µs"),
            Figure("Elasticsearch CPU per document (Faust)", self.es_cpu_us_per_doc_faust, "µs"),
        ]

    def charts(self) -> list[Chart]:
        return [
            Chart("indexing-throughput", f"Indexing {self.listings:,} listings: pipeline vs "
                  "direct bulk ceiling", "bars", "docs/s",
                  categories=["direct bulk (ceiling)", "Kafka → Faust → ES"],
                  series={"docs/s": [self.direct_docs_per_s, self.faust_docs_per_s]},
                  line=0.70 * self.direct_docs_per_s, line_label="target: 70% of ceiling"),
        ]  # fmt: skip


@dataclass
class Rate:
    docs_per_s: float
    python_cpu_us_per_doc: float
    es_cpu_us_per_doc: float


async def es_cpu_ms(es: AsyncElasticsearch) -> int:
    """CPU time Elasticsearch's process(es) used so far (node stats), in milliseconds."""
    stats = await es.nodes.stats(metric="process")
    return sum(int(node["process"]["cpu"]["total_in_millis"]) for node in stats["nodes"].values())


async def indexing_total(es: AsyncElasticsearch, settings: Settings) -> int:
    """Documents Elasticsearch has indexed into the catalog so far: real time, no refresh."""
    stats = await es.indices.stats(index=settings.catalog_alias, metric="indexing")
    return int(stats["_all"]["primaries"]["indexing"]["index_total"])


async def direct_ceiling(
    settings: Settings, rows: list[dict[str, Any]], sellers: dict[str, Any], batch: int
) -> Rate:
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
        es_before, cpu_before = await es_cpu_ms(es), time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(index_batches() for _ in range(settings.catalog_agent_concurrency)))
        await es.indices.refresh(index=settings.catalog_alias)
        elapsed = time.perf_counter() - started
        cpu, es_ms = time.process_time() - cpu_before, await es_cpu_ms(es) - es_before
        count = (await es.count(index=settings.catalog_alias))["count"]
        assert count == len(rows), count
        return Rate(len(rows) / elapsed, cpu / len(rows) * 1e6, es_ms / len(rows) * 1e3)
    finally:
        await drop_catalog(es, settings)
        await es.close()


async def indexed(es: AsyncElasticsearch, settings: Settings) -> int:
    await es.indices.refresh(index=settings.catalog_alias)
    return int((await es.count(index=settings.catalog_alias))["count"])


async def create_other_topics(settings: Settings) -> None:
    """The platform's other topics, which the worker's other consumers read, as in a deployment
    (missing, they cost the worker a metadata refresh and an error log line over and over)."""
    done = {cdc_topic("listings"), cdc_topic("sellers"), DEAD_LETTER}
    specs = platform_topics(settings.kafka_topic_partitions, settings.kafka_topic_retention_hours)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(settings.streams_topic_prefix + t.name, t.partitions, 1)
                                   for t in specs if t.name not in done])  # fmt: skip
    finally:
        await admin.close()


async def sellers_stored(es: AsyncElasticsearch, settings: Settings) -> int:
    store = sellers_index_name(settings)
    if not await es.indices.exists(index=store):
        return 0
    await es.indices.refresh(index=store)
    return int((await es.count(index=store))["count"])


async def through_faust(
    settings: Settings, rows: list[dict[str, Any]], seller_rows: list[dict[str, Any]],
    worker_count: int,
) -> Rate:  # fmt: skip
    """The worker(s) store the sellers first (sellers are known when listings stream in, as
    on a running platform; racing them rewrote a third of the listings), then the listing
    backlog is produced at once and timed from its first indexed document to the last."""
    await create_topics(settings)
    await create_other_topics(settings)
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
        with ExitStack() as workers:
            pids = [
                workers.enter_context(stream_worker(settings)).pid for _ in range(worker_count)
            ]  # Faust scales out: partitions split across workers

            async def all_sellers() -> bool:
                return await sellers_stored(es, settings) >= len(seller_rows)

            await eventually(all_sellers, within=300, every=0.5)
            for key, value in values:  # far faster than the worker consumes it
                await producer.send(topic, value, key=key)
            await producer.flush()
            first = await eventually(lambda: indexing_total(es, settings), within=120, every=0.1)
            started = time.perf_counter()
            es_before = await es_cpu_ms(es)
            cpu_before = sum(cpu_seconds(pid) for pid in pids)

            async def all_indexed() -> int:
                if await indexing_total(es, settings) < len(rows):
                    return 0  # cheap, no refresh; then one refresh to count them
                count = await indexed(es, settings)
                return count if count >= len(rows) else 0

            done = await eventually(all_indexed, within=3600, every=0.1)
            elapsed = time.perf_counter() - started
            cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
            es_ms = await es_cpu_ms(es) - es_before
            writes = await indexing_total(es, settings)
        if writes > len(rows):
            log.warning("%d catalog writes for %d listings (sellers re-denormalised some)",
                        writes, len(rows))  # fmt: skip
        docs = done - first
        return Rate(docs / elapsed, cpu / docs * 1e6, es_ms / docs * 1e3)
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
    typer.echo(f"direct bulk ceiling : {direct.docs_per_s:8.0f} docs/s ({listings} listings, "
               f"batch {batch}, {concurrency} concurrent); CPU per document: Python "
               f"{direct.python_cpu_us_per_doc:.0f} µs, Elasticsearch "
               f"{direct.es_cpu_us_per_doc:.0f} µs")  # fmt: skip
    faust = await through_faust(isolated(base), rows, market.seller_rows, worker_count)
    typer.echo(f"Kafka -> Faust -> ES: {faust.docs_per_s:8.0f} docs/s ({worker_count} worker "
               f"process(es)); CPU per document: worker {faust.python_cpu_us_per_doc:.0f} µs, "
               f"Elasticsearch {faust.es_cpu_us_per_doc:.0f} µs")  # fmt: skip
    typer.echo(f"ratio               : {faust.docs_per_s / direct.docs_per_s:8.2f} "
               "(target >= 0.70)")  # fmt: skip
    return IndexingResult(listings=listings, batch=batch, concurrency=concurrency,
                          workers=worker_count, direct_docs_per_s=direct.docs_per_s,
                          faust_docs_per_s=faust.docs_per_s,
                          direct_cpu_us_per_doc=direct.python_cpu_us_per_doc,
                          worker_cpu_us_per_doc=faust.python_cpu_us_per_doc,
                          es_cpu_us_per_doc_direct=direct.es_cpu_us_per_doc,
                          es_cpu_us_per_doc_faust=faust.es_cpu_us_per_doc)  # fmt: skip


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
