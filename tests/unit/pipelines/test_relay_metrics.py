"""The relay's metrics: LSN arithmetic, the lag in seconds, the exposition and the endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CONTENT_TYPE_LATEST

from api.readiness import Probe
from pipelines.relay.lsn import parse_lsn
from pipelines.relay.metrics import (
    RelayMetrics,
    RelayVitals,
    SlotFigures,
    lag_bytes,
    lag_seconds,
    retained_wal_bytes,
)
from pipelines.relay.progress import Progress
from pipelines.relay.web import build_web_app
from souk.settings import Settings
from tests.metrics_samples import samples

pytestmark = pytest.mark.anyio
Endpoint = TestClient[web.Request, web.Application]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_lsn_differences_cross_the_32_bit_boundary() -> None:
    # 0/FFFFFFF0 -> 1/10 is 0x20 bytes of WAL, not a negative or a 4 GiB figure
    assert retained_wal_bytes(parse_lsn("1/10"), parse_lsn("0/FFFFFFF0")) == 0x20
    assert lag_bytes(parse_lsn("16/B374D848"), parse_lsn("16/B374D000")) == 0x848
    assert lag_bytes(parse_lsn("2/0"), parse_lsn("1/FFFFFF00")) == 0x100


def test_lsn_differences_are_never_negative() -> None:
    # the relay may confirm a commit past the WAL position PostgreSQL reported a moment ago
    assert lag_bytes(parse_lsn("0/1000"), parse_lsn("0/1800")) == 0
    assert retained_wal_bytes(parse_lsn("0/1000"), parse_lsn("0/1800")) == 0


def test_lag_seconds_is_the_age_of_the_oldest_unacknowledged_transaction() -> None:
    assert lag_seconds(1000.0, oldest_unacked=990.5, last_relayed=999.0, caught_up=True) == 9.5


def test_lag_seconds_is_zero_when_idle_and_caught_up() -> None:
    assert lag_seconds(1000.0, oldest_unacked=None, last_relayed=400.0, caught_up=True) == 0.0
    assert lag_seconds(1000.0, oldest_unacked=None, last_relayed=None, caught_up=False) == 0.0


def test_lag_seconds_while_reading_a_backlog_is_the_age_of_the_last_relayed_commit() -> None:
    assert lag_seconds(1000.0, oldest_unacked=None, last_relayed=940.0, caught_up=False) == 60.0
    # a commit time ahead of this machine's clock is no negative lag
    assert lag_seconds(1000.0, oldest_unacked=1003.0, last_relayed=None, caught_up=False) == 0.0


def vitals_in_the_middle_of_streaming() -> RelayVitals:
    vitals = RelayVitals("souk_relay", phase="streaming")
    vitals.counts.published["souk.cdc.listings"] += 7
    vitals.counts.published["souk.domain-events"] += 2
    vitals.counts.failed = 0
    vitals.progress = Progress(60.0)
    vitals.progress.transactions = 3
    vitals.progress.caught_up = True
    vitals.slot_figures = SlotFigures(
        current_lsn=parse_lsn("0/3000"),
        restart_lsn=parse_lsn("0/1000"),
        confirmed_flush_lsn=parse_lsn("0/2800"),
        active_pid=4242,
    )
    return vitals


def test_exposition_of_a_streaming_relay() -> None:
    found = samples(RelayMetrics(vitals_in_the_middle_of_streaming()).exposition())
    topic = (("topic", "souk.cdc.listings"),)
    assert found[("souk_relay_records_published_total", topic)] == 7
    assert found[("souk_relay_records_published_total", (("topic", "souk.domain-events"),))] == 2
    assert found[("souk_relay_transactions_total", ())] == 3
    assert found[("souk_relay_publish_errors_total", ())] == 0
    assert found[("souk_relay_confirmed_lsn", ())] == 0x2800
    assert found[("souk_relay_lsn_lag_bytes", ())] == 0x800
    assert found[("souk_relay_slot_retained_wal_bytes", ())] == 0x2000
    assert found[("souk_relay_lsn_lag_seconds", ())] == 0
    assert found[("souk_relay_slot_active", ())] == 1
    assert found[("souk_relay_phase", (("phase", "streaming"),))] == 1
    assert found[("souk_relay_phase", (("phase", "snapshot"),))] == 0
    assert ("process_cpu_seconds_total", ()) in found  # the standard collectors are there


def test_exposition_without_slot_figures_leaves_the_postgres_side_out() -> None:
    vitals = RelayVitals("souk_relay")
    found = samples(RelayMetrics(vitals).exposition())
    names = {name for name, _ in found}
    assert "souk_relay_slot_retained_wal_bytes" not in names
    assert "souk_relay_lsn_lag_bytes" not in names
    assert found[("souk_relay_phase", (("phase", "starting"),))] == 1


def probe(detail: str | None) -> Probe:
    async def check() -> str:
        if detail is None:
            raise ConnectionRefusedError("connection refused")
        return detail

    return check


@pytest.fixture
async def relay_endpoint() -> AsyncIterator[Endpoint]:
    settings = Settings(postgres_port=1, ready_cache_s=0)  # slot figures cannot be read
    probes = {"replication": probe("slot streaming"), "kafka": probe(None)}
    app = build_web_app(settings, vitals_in_the_middle_of_streaming(), probes=probes)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_health_answers(relay_endpoint: Endpoint) -> None:
    response = await relay_endpoint.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["phase"] == "streaming"


async def test_ready_is_503_with_every_check_when_kafka_is_down(
    relay_endpoint: Endpoint,
) -> None:
    response = await relay_endpoint.get("/ready")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unavailable"
    checks = {c["name"]: c for c in body["checks"]}
    assert set(checks) == {"replication", "kafka"}
    assert checks["replication"]["status"] == "up"
    assert checks["kafka"]["status"] == "down"
    assert "refused" in checks["kafka"]["detail"]
    assert all(c["required"] and c["latency_ms"] >= 0 for c in body["checks"])


async def test_metrics_page_is_prometheus_text_even_when_postgres_is_unreachable(
    relay_endpoint: Endpoint,
) -> None:
    response = await relay_endpoint.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    found = samples(await response.read())
    assert found[("souk_relay_transactions_total", ())] == 3
    # the unreachable PostgreSQL drops the stale slot figures instead of repeating them
    assert ("souk_relay_slot_retained_wal_bytes", ()) not in found
