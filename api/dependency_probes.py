"""The probes ``/ready`` runs: PostgreSQL, Kafka, Elasticsearch and the warehouse files.

Each opens its own short-lived connection (a pooled one could hide a server that stopped
accepting new ones) and is cancellable, so the readiness timeout really bounds it.
"""

from __future__ import annotations

import asyncio
import os
import ssl

import httpx
import psycopg
from aiokafka.client import AIOKafkaClient

from api.readiness import Probe
from souk.settings import Settings
from warehouse.layout import WarehouseLayout


def postgres_probe(settings: Settings) -> Probe:
    async def probe() -> str:
        async with await psycopg.AsyncConnection.connect(
            settings.postgres_dsn, connect_timeout=max(2, int(settings.ready_check_timeout_s))
        ) as conn:
            await conn.execute("SELECT 1")
            version = conn.info.server_version
            return f"PostgreSQL {version // 10000}.{version % 10000} at {settings.postgres_host}"

    return probe


def kafka_probe(settings: Settings) -> Probe:
    async def probe() -> str:
        timeout_ms = int(settings.ready_check_timeout_s * 1000)
        client = AIOKafkaClient(
            bootstrap_servers=settings.kafka_bootstrap,
            request_timeout_ms=timeout_ms,
            metadata_max_age_ms=60_000,
        )
        try:
            await client.bootstrap()  # one metadata request to a bootstrap broker
            brokers = len(client.cluster.brokers())
        finally:
            await client.close()
        return f"{brokers} broker(s) via {settings.kafka_bootstrap}"

    return probe


def elasticsearch_probe(settings: Settings) -> Probe:
    url = f"{settings.elasticsearch_url}/_cluster/health"
    # Built once: loading the CA bundle takes a blocking ~0.2 s, which every probe would pay.
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context() if url.startswith("https") else False
    )

    async def probe() -> str:
        async with httpx.AsyncClient(
            timeout=settings.ready_check_timeout_s, verify=verify
        ) as client:
            response = await client.get(url)
        response.raise_for_status()
        health = response.json()
        if health.get("status") not in ("green", "yellow"):
            raise RuntimeError(f"cluster status is {health.get('status')}")
        return f"cluster {health['status']}, {health.get('number_of_nodes')} node(s)"

    return probe


def _warehouse_files(settings: Settings) -> str:
    root = settings.warehouse_dir
    if not root.is_dir():
        raise FileNotFoundError(f"no warehouse directory at {root}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise PermissionError(f"the warehouse directory {root} is not readable")
    serving = WarehouseLayout(root).serving_db  # a symlink to the published version
    if not serving.is_symlink() and not serving.exists():
        return "no marts published yet"
    with serving.open("rb") as marts:  # a dangling or unreadable version raises: down
        marts.read(1)
    return f"marts {serving.resolve().name}"


def warehouse_probe(settings: Settings) -> Probe:
    async def probe() -> str:
        return await asyncio.to_thread(_warehouse_files, settings)

    return probe


def probes_for(settings: Settings) -> dict[str, Probe]:
    return {
        "postgres": postgres_probe(settings),
        "kafka": kafka_probe(settings),
        "elasticsearch": elasticsearch_probe(settings),
        "warehouse": warehouse_probe(settings),
    }
