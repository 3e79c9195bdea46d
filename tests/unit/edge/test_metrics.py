"""Prometheus metrics: route templates not raw paths, a registry per app, zero-result searches."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.behaviour import (
    SEARCH_PERFORMED,
    BehaviourEvent,
    InMemoryBehaviourEvents,
    KafkaBehaviourEvents,
)
from api.edge.request_limits import install_request_limits
from api.metrics import install_metrics
from api.route_table import UNMATCHED
from souk.settings import Settings


def metrics_app() -> FastAPI:
    app = FastAPI()
    install_metrics(app, Settings())

    @app.get("/orders/{order_id}")
    def order(order_id: int) -> dict[str, int]:
        return {"id": order_id}

    sellers = APIRouter(prefix="/sellers")

    @sellers.get("/{seller_id}/listings")
    def seller_listings(seller_id: str) -> list[str]:
        return []

    app.include_router(sellers, prefix="/v2")
    return app


def samples(client: TestClient, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    text = client.get("/metrics").text
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_requests_are_counted_by_route_template_and_status() -> None:
    client = TestClient(metrics_app())
    for path in ("/orders/1", "/orders/2", "/orders/x", "/nowhere/1", "/nowhere/2"):
        client.get(path)
    client.get("/v2/sellers/s-1/listings")
    counts = samples(client, "souk_http_requests_total")
    nested = (("method", "GET"), ("route", "/v2/sellers/{seller_id}/listings"), ("status", "200"))
    assert counts[nested] == 1
    assert counts[(("method", "GET"), ("route", "/orders/{order_id}"), ("status", "200"))] == 2
    assert counts[(("method", "GET"), ("route", "/orders/{order_id}"), ("status", "422"))] == 1
    assert counts[(("method", "GET"), ("route", UNMATCHED), ("status", "404"))] == 2
    assert not [labels for labels in counts if ("route", "/orders/1") in labels]


def test_latency_histogram_and_odd_methods() -> None:
    client = TestClient(metrics_app())
    client.get("/orders/1")
    client.request("BREW", "/orders/1")
    buckets = samples(client, "souk_http_request_duration_seconds_count")
    assert buckets[(("method", "GET"), ("route", "/orders/{order_id}"), ("status", "200"))] == 1
    assert buckets[(("method", "OTHER"), ("route", "/orders/{order_id}"), ("status", "405"))] == 1


def test_many_apps_in_one_process_keep_their_own_counts() -> None:
    first, second = TestClient(metrics_app()), TestClient(metrics_app())
    first.get("/orders/1")
    key = (("method", "GET"), ("route", "/orders/{order_id}"), ("status", "200"))
    assert samples(first, "souk_http_requests_total")[key] == 1
    assert key not in samples(second, "souk_http_requests_total")
    assert "process_cpu_seconds_total" in second.get("/metrics").text


def test_searches_without_results_are_counted_from_the_search_events() -> None:
    events = InMemoryBehaviourEvents()
    app = FastAPI()

    @asynccontextmanager
    async def search_lifespan(application: FastAPI) -> AsyncIterator[None]:
        application.state.behaviour_events = events  # as mount_search's lifespan does
        yield

    app.router.lifespan_context = search_lifespan
    install_metrics(app, Settings())

    @app.post("/search-done/{hits}")
    async def searched(hits: int) -> None:
        event = BehaviourEvent(SEARCH_PERFORMED, "session-1", None, {"hits_total": hits})
        await app.state.behaviour_events.publish(event)

    with TestClient(app) as client:
        for hits in (0, 3, 0):
            client.post(f"/search-done/{hits}")
        assert samples(client, "souk_search_zero_results_total") == {(): 2.0}
    assert len(events.of_type(SEARCH_PERFORMED)) == 3  # every event still reaches the port


def test_behavioural_event_delivery_is_exposed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoKafka:
        def __init__(self, **options: object) -> None: ...

        async def start(self) -> None:
            raise ConnectionError("no broker in a unit test")

        async def stop(self) -> None: ...

    monkeypatch.setattr("api.behaviour.AIOKafkaProducer", NoKafka)
    settings = Settings(data_dir=tmp_path, behaviour_events_replay_seconds=60.0)
    events = KafkaBehaviourEvents(settings)
    app = FastAPI()

    @asynccontextmanager
    async def search_lifespan(application: FastAPI) -> AsyncIterator[None]:
        application.state.behaviour_events = events
        await events.start()
        yield
        await events.stop()

    app.router.lifespan_context = search_lifespan
    install_metrics(app, settings)

    @app.post("/searched")
    async def searched() -> None:
        event = BehaviourEvent(SEARCH_PERFORMED, "session-1", None, {"hits_total": 1})
        await app.state.behaviour_events.publish(event)

    with TestClient(app) as client:
        for _ in range(3):
            client.post("/searched")
        deadline = time.monotonic() + 10
        while samples(client, "souk_behaviour_events_spooled_total") != {(): 3.0}:
            assert time.monotonic() < deadline, "the events were not spooled in time"
            time.sleep(0.02)
        assert samples(client, "souk_behaviour_events_kafka_connected") == {(): 0.0}
        assert samples(client, "souk_behaviour_events_dropped_total") == {(): 0.0}
        assert samples(client, "souk_behaviour_events_spool_bytes")[()] > 0


@pytest.mark.parametrize("path", ["/metrics"])
def test_the_exposition_is_prometheus_text(path: str) -> None:
    response = TestClient(metrics_app()).get(path)
    assert response.headers["content-type"].startswith("text/plain; version=")


def test_requests_refused_before_routing_keep_their_route() -> None:
    app = FastAPI()
    install_request_limits(app, Settings(max_request_bytes=10))
    install_metrics(app, Settings())  # added last: around the limit, as in create_app

    @app.post("/listings/{listing_id}/leads")
    def lead(listing_id: str) -> None: ...

    client = TestClient(app)
    assert client.post("/listings/abc/leads", content=b"x" * 11).status_code == 413
    counts = samples(client, "souk_http_requests_total")
    assert (
        counts[(("method", "POST"), ("route", "/listings/{listing_id}/leads"), ("status", "413"))]
        == 1
    )
