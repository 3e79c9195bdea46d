"""The relay's operations endpoint on 127.0.0.1:``relay_web_port``: health, readiness, metrics.

``GET /health`` answers while the process runs. ``GET /ready`` checks the relay's two
dependencies (its replication connection is streaming the slot, and Kafka takes its
records) and answers 503 while either is down, with the API's body shape. ``GET /metrics``
is the Prometheus text exposition of :mod:`pipelines.relay.metrics`.

It runs on the relay's own event loop (aiohttp, as Faust's web server does); a port already
taken is logged and the relay streams on without it.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from api.dependency_probes import kafka_probe
from api.readiness import Probe, Readiness
from pipelines.relay.lsn import format_lsn
from pipelines.relay.metrics import RelayMetrics, RelayVitals, read_slot_figures
from souk.settings import Settings

log = logging.getLogger(__name__)
READY_CHECKS = ("replication", "kafka")
HOST = "127.0.0.1"


def replication_probe(settings: Settings, vitals: RelayVitals) -> Probe:
    """Up while the relay streams and PostgreSQL shows its walsender on the slot."""

    async def probe() -> str:
        if vitals.phase != "streaming":
            raise RuntimeError(f"the relay is not streaming (phase: {vitals.phase})")
        figures = await read_slot_figures(
            settings.postgres_dsn, vitals.slot, int(settings.ready_check_timeout_s)
        )
        if figures.restart_lsn is None:
            raise RuntimeError(f"slot {vitals.slot} does not exist")
        if figures.active_pid is None:
            raise RuntimeError(f"no walsender streams slot {vitals.slot}")
        if vitals.walsender_pid and figures.active_pid != vitals.walsender_pid:
            raise RuntimeError(
                f"slot {vitals.slot} is streamed by process {figures.active_pid}, "
                f"not this relay's walsender {vitals.walsender_pid}"
            )
        confirmed = format_lsn(figures.confirmed_flush_lsn or 0)
        return f"slot {vitals.slot} streaming (walsender {figures.active_pid}), at {confirmed}"

    return probe


def producer_probe(settings: Settings, vitals: RelayVitals) -> Probe:
    """Up while Kafka answers and has refused none of the relay's records."""
    reachable = kafka_probe(settings)

    async def probe() -> str:
        if vitals.counts.failed:
            raise RuntimeError(f"Kafka refused {vitals.counts.failed} record(s)")
        return await reachable()

    return probe


def probes_for(settings: Settings, vitals: RelayVitals) -> dict[str, Probe]:
    return {
        "replication": replication_probe(settings, vitals),
        "kafka": producer_probe(settings, vitals),
    }


def build_web_app(
    settings: Settings, vitals: RelayVitals, probes: dict[str, Probe] | None = None
) -> web.Application:
    """The three routes; ``probes`` replaces the real ones (tests)."""
    checks = probes if probes is not None else probes_for(settings, vitals)
    readiness = Readiness(
        checks, required=checks.keys(), timeout=settings.ready_check_timeout_s,
        cache_for=settings.ready_cache_s,
    )  # fmt: skip
    metrics = RelayMetrics(vitals)

    async def health(request: web.Request) -> web.Response:
        uptime = round(time.monotonic() - vitals.started_at, 3)
        return web.json_response({"status": "ok", "uptime_s": uptime, "phase": vitals.phase})

    async def ready(request: web.Request) -> web.Response:
        report = await readiness.report()
        return web.json_response(report.as_dict(), status=200 if report.ready else 503)

    async def metrics_page(request: web.Request) -> web.Response:
        try:
            vitals.slot_figures = await read_slot_figures(
                settings.postgres_dsn, vitals.slot, int(settings.ready_check_timeout_s)
            )
        except Exception as exc:  # the scrape still shows the relay's own figures
            log.warning("metrics: cannot read slot %s: %s", vitals.slot, exc)
            vitals.slot_figures = None
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/metrics", metrics_page)
    return app


class RelayWeb:
    """The endpoint's lifetime: ``start`` binds (or logs why not), ``stop`` closes."""

    def __init__(self, settings: Settings, vitals: RelayVitals) -> None:
        self.port = settings.relay_web_port
        self._runner = web.AppRunner(build_web_app(settings, vitals), access_log=None)

    async def start(self) -> bool:
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, HOST, self.port).start()
        except OSError as exc:
            log.warning("relay web endpoint not started on %s:%d: %s", HOST, self.port, exc)
            return False
        log.info("relay endpoints on http://%s:%d/ (health, ready, metrics)", HOST, self.port)
        return True

    async def stop(self) -> None:
        await self._runner.cleanup()
