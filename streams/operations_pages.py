"""``/health``, ``/ready`` and ``/metrics`` on the worker's own Faust web server.

``/health`` answers while the worker runs. ``/ready`` checks what the agents need, each with
its latency, and answers 503 while one is down: Kafka, Elasticsearch (the catalog) and the
warehouse directory (writable). The body has the API's shape. ``/metrics`` is the
Prometheus text exposition of :mod:`streams.worker_metrics`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path
from typing import Any

import faust
from prometheus_client import CONTENT_TYPE_LATEST

from api.dependency_probes import elasticsearch_probe, kafka_probe
from api.readiness import Probe, Readiness
from souk.settings import Settings
from streams.worker_metrics import worker_metrics

WORKER_CHECKS = ("kafka", "elasticsearch", "warehouse")


def _warehouse_writable(root: Path) -> str:
    root.mkdir(parents=True, exist_ok=True)
    probe = root / f".ready-{os.getpid()}"
    probe.write_bytes(b"ready")  # raises when the directory or the disk refuses
    probe.unlink()
    free = shutil.disk_usage(root).free
    return f"{root} writable, {free / 2**30:.1f} GiB free"


def warehouse_writable_probe(settings: Settings) -> Probe:
    async def probe() -> str:
        return await asyncio.to_thread(_warehouse_writable, settings.warehouse_dir)

    return probe


def worker_readiness(settings: Settings) -> Readiness:
    """Every check is required: an agent without its dependency makes no progress."""
    probes = {
        "kafka": kafka_probe(settings),
        "elasticsearch": elasticsearch_probe(settings),
        "warehouse": warehouse_writable_probe(settings),
    }
    return Readiness(
        probes, required=WORKER_CHECKS, timeout=settings.ready_check_timeout_s,
        cache_for=settings.ready_cache_s,
    )  # fmt: skip


def register_operations_pages(app: faust.App, settings: Settings) -> None:
    """Add the three pages (a :data:`streams.app.Registrar`)."""
    metrics = worker_metrics(app)
    readiness = worker_readiness(settings)
    started = time.monotonic()

    @app.page("/health")
    async def health(view: Any, request: Any) -> Any:
        return view.json({"status": "ok", "uptime_s": round(time.monotonic() - started, 3)})

    @app.page("/ready")
    async def ready(view: Any, request: Any) -> Any:
        report = await readiness.report()
        return view.json(report.as_dict(), status=200 if report.ready else 503)

    @app.page("/metrics")
    async def metrics_page(view: Any, request: Any) -> Any:
        # aiohttp refuses a content type with a charset as the argument; a header is fine
        return view.bytes(metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})
