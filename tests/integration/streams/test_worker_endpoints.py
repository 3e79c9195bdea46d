"""The relay's and the worker's /metrics and /ready on a real commit -> relay -> worker run."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import psycopg
import pytest

from pipelines.topics import ensure_topics
from search.catalog_index import drop_catalog
from search.elastic import async_client
from search.synthetic import SyntheticMarket
from souk.settings import Settings
from souk.topics import cdc_topic
from streams.operations_pages import worker_readiness
from tests.integration.search.helpers import (
    delete_topics,
    eventually,
    relay_subprocess,
    stream_worker,
)
from tests.integration.search.test_reindex import insert_rows
from tests.metrics_samples import SampleKey, scrape, value

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

INDEXED = "souk_catalog_documents_total"
PUBLISHED = "souk_relay_records_published_total"


async def ready_checks(http: httpx.AsyncClient, url: str) -> dict[str, str]:
    """The checks of a 200 /ready (empty while not listening or not ready)."""
    try:
        response = await http.get(f"{url}/ready")
    except httpx.TransportError:
        return {}
    if response.status_code != 200:
        return {}
    return {check["name"]: check["status"] for check in response.json()["checks"]}


def lags(found: dict[SampleKey, float], topic: str) -> dict[str, float]:
    return {
        dict(labels)["partition"]: sample
        for (name, labels), sample in found.items()
        if name == "souk_consumer_lag" and dict(labels)["topic"] == topic
    }


@pytest.mark.slow
async def test_counters_follow_commits_and_consumer_lag_returns_to_zero(
    pipeline_settings: Settings,
) -> None:
    settings = pipeline_settings
    await ensure_topics(settings, prefix=settings.relay_topic_prefix)
    relay_url = f"http://127.0.0.1:{settings.relay_web_port}"
    worker_url = f"http://127.0.0.1:{settings.streams_web_port}"
    listings_topic = settings.relay_topic_prefix + cdc_topic("listings")
    market = SyntheticMarket(seed=19, sellers=1)
    seller = market.seller_rows[0]
    cars = [market.car(seller, n) for n in range(6)]
    try:
        with (
            relay_subprocess(settings, web_port=settings.relay_web_port) as relay_process,
            stream_worker(settings, web_port=settings.streams_web_port) as worker,
        ):
            async with httpx.AsyncClient(timeout=10) as http:
                relay_ready = await eventually(lambda: ready_checks(http, relay_url), within=90)
                assert relay_ready == {"replication": "up", "kafka": "up"}
                worker_ready = await eventually(lambda: ready_checks(http, worker_url), within=90)
                assert worker_ready == {"kafka": "up", "elasticsearch": "up", "warehouse": "up"}
                # the worker's consumer has fetched every partition of the listings topic once
                before = await eventually(
                    lambda: _with_all_partitions(http, worker_url, listings_topic, settings),
                    within=90,
                )
                relay_before = scrape(relay_url)

                async def indexed(
                    result: str, count: int, table: str = "listings"
                ) -> dict[SampleKey, float]:
                    found = scrape(worker_url)
                    got = value(found, INDEXED, table=table, result=result) - value(
                        before, INDEXED, table=table, result=result
                    )
                    return found if got >= count else {}

                # the seller is stored before its listings arrive: a seller landing during a
                # listings batch re-denormalises (writes again) the listings it owns
                insert_rows(settings, "sellers", [seller])
                await eventually(lambda: indexed("indexed", 1, table="sellers"), within=90)
                insert_rows(settings, "listings", cars)

                found = await eventually(lambda: indexed("indexed", len(cars)), within=90)
                assert value(found, INDEXED, table="listings", result="indexed") - value(
                    before, INDEXED, table="listings", result="indexed"
                ) == len(cars)
                relay_found = scrape(relay_url)
                assert value(relay_found, PUBLISHED, topic=listings_topic) - value(
                    relay_before, PUBLISHED, topic=listings_topic
                ) == len(cars)

                gone = [car["id"] for car in cars[:2]]
                with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
                    conn.execute("DELETE FROM listings WHERE id = ANY(%s)", (gone,))
                found = await eventually(lambda: indexed("deleted", len(gone)), within=60)
                assert value(found, INDEXED, table="listings", result="deleted") - value(
                    before, INDEXED, table="listings", result="deleted"
                ) == len(gone)
                relay_found = scrape(relay_url)
                assert value(relay_found, PUBLISHED, topic=listings_topic) - value(
                    relay_before, PUBLISHED, topic=listings_topic
                ) == len(cars) + len(gone)
                assert value(relay_found, "souk_relay_slot_retained_wal_bytes") >= 0

                async def caught_up() -> dict[str, float]:
                    partitions = lags(scrape(worker_url), listings_topic)
                    return partitions if partitions and not any(partitions.values()) else {}

                partitions = await eventually(caught_up, within=60)
                assert set(partitions) == {str(p) for p in range(settings.kafka_topic_partitions)}
                assert relay_process.poll() is None
                assert worker.poll() is None
    finally:
        await delete_topics(settings)
        es = async_client(settings)
        await drop_catalog(es, settings)
        await es.close()


async def _with_all_partitions(
    http: httpx.AsyncClient, url: str, topic: str, settings: Settings
) -> dict[SampleKey, float]:
    found = scrape(url)
    return found if len(lags(found, topic)) == settings.kafka_topic_partitions else {}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_worker_readiness_is_down_while_elasticsearch_is_unreachable(
    settings: Settings,
) -> None:
    unreachable = settings.model_copy(update={"elasticsearch_port": closed_port()})
    report = await worker_readiness(unreachable).report()
    checks: dict[str, Any] = {c.name: c for c in report.checks}
    assert not report.ready
    assert report.as_dict()["status"] == "unavailable"
    assert set(checks) == {"kafka", "elasticsearch", "warehouse"}
    assert checks["elasticsearch"].up is False
    assert checks["elasticsearch"].required
    assert checks["kafka"].up
    assert checks["warehouse"].up
