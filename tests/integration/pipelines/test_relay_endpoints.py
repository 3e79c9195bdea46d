"""The relay's /health, /ready and /metrics against the real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from aiohttp.test_utils import TestClient, TestServer

from pipelines.relay.metrics import RelayVitals
from pipelines.relay.web import build_web_app
from pipelines.topics import RelayTopics
from souk.settings import Settings
from tests.integration.pipelines.conftest import RelayThread, execute
from tests.metrics_samples import SampleKey, scrape, value

pytestmark = pytest.mark.integration


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], object], seconds: float = 30.0) -> object:
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    pytest.fail(f"not within {seconds} s (last: {last!r})")


def test_relay_counts_what_it_publishes_and_reports_its_slot(
    relay_settings: Settings, relay_thread: Callable[[], RelayThread]
) -> None:
    url = f"http://127.0.0.1:{relay_settings.relay_web_port}"
    relay_thread()

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/ready", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(ready)
    body = httpx.get(f"{url}/ready", timeout=5).json()
    assert {c["name"]: c["status"] for c in body["checks"]} == {"replication": "up", "kafka": "up"}
    assert httpx.get(f"{url}/health", timeout=5).json()["phase"] == "streaming"

    topics = RelayTopics(relay_settings.relay_topic_prefix)
    before = scrape(url)
    assert before, "the relay's /metrics did not answer"
    ids = [str(uuid.uuid4()) for _ in range(5)]
    execute(
        relay_settings,
        *[("INSERT INTO listings (id, price_egp) VALUES (%s, 100)", (i,)) for i in ids],
        ("INSERT INTO outbox (event_type, aggregate_type, aggregate_id, version, payload) "
         "VALUES ('ListingPublished', 'listing', %s, 1, '{}')", (ids[0],)),
    )  # fmt: skip
    execute(relay_settings, ("UPDATE listings SET price_egp = 200 WHERE id = %s", (ids[1],)))

    def published(found: dict[SampleKey, float], topic: str) -> float:
        return value(found, "souk_relay_records_published_total", topic=topic) - value(
            before, "souk_relay_records_published_total", topic=topic
        )

    after = wait_until(
        lambda: (f := scrape(url)) and published(f, topics.cdc("listings")) >= 6 and f
    )
    assert isinstance(after, dict)
    assert published(after, topics.cdc("listings")) == 6
    assert published(after, topics.domain_events) == 1
    transactions = "souk_relay_transactions_total"
    assert value(after, transactions) - value(before, transactions) >= 2
    assert value(after, "souk_relay_publish_errors_total") == 0
    assert value(after, "souk_relay_slot_retained_wal_bytes") >= 0
    assert value(after, "souk_relay_lsn_lag_bytes") >= 0
    assert value(after, "souk_relay_slot_active") == 1
    assert value(after, "souk_relay_confirmed_lsn") > 0
    # idle and caught up: no lag in seconds
    wait_until(lambda: (f := scrape(url)) and value(f, "souk_relay_lsn_lag_seconds") == 0)


def test_ready_is_503_listing_both_checks_when_kafka_is_unreachable(
    relay_settings: Settings,
) -> None:
    settings = relay_settings.model_copy(update={"kafka_port": closed_port()})
    vitals = RelayVitals(settings.relay_slot, phase="streaming")

    async def ask() -> tuple[int, dict[str, object]]:
        async with TestClient(TestServer(build_web_app(settings, vitals))) as client:
            response = await client.get("/ready")
            return response.status, await response.json()

    status, body = asyncio.run(ask())
    assert status == 503
    assert body["status"] == "unavailable"
    checks = {c["name"]: c for c in body["checks"]}  # type: ignore[attr-defined]
    assert set(checks) == {"replication", "kafka"}
    assert checks["kafka"]["status"] == "down"
    # PostgreSQL answered: no relay streams this slot (it was never created)
    assert checks["replication"]["status"] == "down"
    assert "does not exist" in checks["replication"]["detail"]
