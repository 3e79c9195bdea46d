"""Freshness of the catalog: from a CDC record produced to Kafka to the listing being
findable by /search's query path (refresh included), through the Faust worker.

    .venv/bin/python -m benchmarks.freshness_catalog --changes 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
from pathlib import Path

import typer
from aiokafka import AIOKafkaProducer

from benchmarks.results import BenchmarkResult, Chart, Figure, Target
from search.catalog_index import drop_catalog
from search.catalog_search import CatalogSearch
from search.elastic import async_client
from search.errors import SearchUnavailableError
from search.query.request import SearchRequest
from search.synthetic import SyntheticMarket
from souk.settings import load_settings
from souk.topics import cdc_topic
from tests.integration.search.helpers import (
    cdc_record,
    create_topics,
    delete_topics,
    eventually,
    isolated,
    stream_worker,
)


class FreshnessResult(BenchmarkResult):
    """Kafka record produced -> listing findable by /search, one change at a time."""

    changes: int
    refresh_interval: str
    batch_seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    delays_ms: list[float]

    def figures(self) -> list[Figure]:
        return [
            Figure("Kafka → searchable p50", self.p50_ms, "ms"),
            Figure("Kafka → searchable p99", self.p99_ms, "ms", Target("<", 2000)),
            Figure("Kafka → searchable max", self.max_ms, "ms"),
        ]

    def charts(self) -> list[Chart]:
        return [
            Chart("freshness", f"Catalog freshness over {self.changes} changes (Kafka → "
                  "searchable)", "histogram", "ms", values=self.delays_ms, line=2000,
                  line_label="target p99 < 2 s"),
        ]  # fmt: skip


async def main(changes: int) -> FreshnessResult:
    settings = isolated(load_settings())
    await create_topics(settings)
    es = async_client(settings)
    catalog = CatalogSearch(es, alias=settings.catalog_alias)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    market = SyntheticMarket(seed=33, sellers=5)
    topic = settings.streams_topic_prefix + cdc_topic("listings")
    delays: list[float] = []
    try:
        with stream_worker(settings):
            for n in range(changes + 3):  # the first three warm the worker up
                marker = f"zz{secrets.token_hex(4)}"
                row = market.car(market.seller_rows[n % 5], n) | {"title_en": f"Car {marker}"}
                value = json.dumps(cdc_record("listings", row, lsn=n + 1, op="c")).encode()
                started = time.perf_counter()
                await producer.send_and_wait(topic, value, key=row["id"].encode())

                async def found(word: str = marker) -> bool:
                    try:
                        return (await catalog.search(SearchRequest(q=word, size=1))).total > 0
                    except SearchUnavailableError:
                        return False

                await eventually(found, within=120, every=0.02)
                if n >= 3:
                    delays.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(delays, n=100, method="inclusive")
        typer.echo(f"{changes} changes: Kafka -> searchable p50 {cuts[49]:.0f} ms, "
                   f"p99 {cuts[98]:.0f} ms, max {max(delays):.0f} ms "
                   f"(refresh_interval {settings.catalog_refresh_interval}, "
                   f"batch wait {settings.catalog_batch_seconds}s)")  # fmt: skip
        return FreshnessResult(
            changes=changes, refresh_interval=str(settings.catalog_refresh_interval),
            batch_seconds=settings.catalog_batch_seconds, p50_ms=cuts[49], p99_ms=cuts[98],
            max_ms=max(delays), delays_ms=[round(d, 1) for d in delays],
        )  # fmt: skip
    finally:
        await producer.stop()
        await drop_catalog(es, settings)
        await es.close()
        await delete_topics(settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=60, help="changes to time, one at a time")
    parser.add_argument("--json", type=Path, help="write the result as JSON to PATH")
    args = parser.parse_args()
    result = asyncio.run(main(args.changes))
    if args.json:
        result.write_json(args.json)
