"""Prometheus metrics at ``GET /metrics``: requests and latency by route template and status.

Each app has its own :class:`ApiMetrics` with its own registry (tests build many apps in one
process; the default registry would refuse the second set of timeseries). Routes are
labelled by their template (``/orders/{order_id}``), never the raw path, and requests no
route matches share one label, so hostile paths cannot grow the series without bound.

Zero-result searches are counted from the ``SearchPerformed`` behavioural events: at
start-up the search API's event port (``app.state.behaviour_events``) is wrapped so every
search with ``hits_total == 0`` increments ``souk_search_zero_results_total``. The
behavioural events' delivery is read from that port when scraped: events waiting for the
producer, and the spool's kept, dropped and replayed counts and bytes (api/behaviour_spool.py).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.behaviour import (
    SEARCH_PERFORMED,
    BehaviourEvent,
    BehaviourEvents,
    KafkaBehaviourEvents,
)
from api.route_table import RouteTable
from souk.settings import Settings

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        labels = ["method", "route", "status"]
        self.requests = Counter(
            "souk_http_requests", "HTTP requests by method, route template and status.",
            labels, registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "souk_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            labels, buckets=BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.in_progress = Gauge(
            "souk_http_requests_in_progress", "HTTP requests being answered now.", ["method"],
            registry=self.registry,
        )  # fmt: skip
        self.search_zero_results = Counter(
            "souk_search_zero_results", "Searches that found no listing.", registry=self.registry
        )
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        gc_collector.GCCollector(registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class BehaviourDelivery(Collector):
    """The delivery of this app's behavioural events, read from its event port at scrape
    time (all zero with a port that is not Kafka's)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        events = getattr(self.app.state, "behaviour_events", None)
        while isinstance(events, ZeroResultSearches):
            events = events.inner
        kafka = events if isinstance(events, KafkaBehaviourEvents) else None
        counts = kafka.spool.counts if kafka else None
        yield GaugeMetricFamily(
            "souk_behaviour_events_queued", "Behavioural events waiting for the producer.",
            value=kafka.queued if kafka else 0,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "souk_behaviour_events_kafka_connected", "1 while the events producer runs.",
            value=1 if kafka and kafka.connected else 0,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "souk_behaviour_events_spool_bytes", "Bytes of the behavioural events spool.",
            value=kafka.spool.bytes_kept if kafka else 0,
        )  # fmt: skip
        for name, help_text, value in (
            ("spooled", "Events Kafka did not take, written to the spool.",
             counts.kept if counts else 0),
            ("dropped", "Events dropped: the spool was full.", counts.dropped if counts else 0),
            ("replayed", "Spooled events re-sent and acknowledged by Kafka.",
             counts.replayed if counts else 0),
        ):  # fmt: skip
            yield CounterMetricFamily(f"souk_behaviour_events_{name}", help_text, value=value)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = RouteTable()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        status = 500

        async def watched_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        in_progress = self.metrics.in_progress.labels(method)
        in_progress.inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, watched_send)
        finally:
            elapsed = time.perf_counter() - started
            in_progress.dec()
            labels = (method, self.routes.template(scope), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(elapsed)


class ZeroResultSearches(BehaviourEvents):
    """The search API's event port, counting searches that found nothing on the way."""

    def __init__(self, inner: BehaviourEvents, counter: Counter) -> None:
        self.inner = inner
        self.counter = counter

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def publish(self, event: BehaviourEvent) -> None:
        if event.event_type == SEARCH_PERFORMED and event.payload.get("hits_total") == 0:
            self.counter.inc()
        await self.inner.publish(event)


router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's metrics."""
    api_metrics: ApiMetrics = request.app.state.metrics
    return Response(api_metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI, settings: Settings) -> None:
    """The middleware, ``GET /metrics`` and the zero-result hook (``settings`` for symmetry
    with the other ``install_*``; nothing in it changes the metrics today)."""
    api_metrics = ApiMetrics()
    api_metrics.registry.register(BehaviourDelivery(app))
    app.state.metrics = api_metrics
    app.add_middleware(MetricsMiddleware, metrics=api_metrics)
    app.include_router(router)
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with previous(application) as state:
            # Whether the search API's lifespan runs inside or around this one, its event
            # port is on app.state once the inner lifespans have started.
            events = getattr(application.state, "behaviour_events", None)
            if isinstance(events, BehaviourEvents) and not isinstance(events, ZeroResultSearches):
                counter = api_metrics.search_zero_results
                application.state.behaviour_events = ZeroResultSearches(events, counter)
            yield state

    app.router.lifespan_context = lifespan
