"""The platform the load runs against: the demo's (reused when it answers, else started the
way ``souk demo up`` starts it, without Dagster), or an isolated one for tests.

It starts only what is not running and stops only what it started. An isolated platform
(``namespace``) gets its own database, replication slot, topic prefix, catalog alias,
consumer group and ports, and is dropped whole at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from aiokafka.admin import AIOKafkaAdminClient
from psycopg import sql

from demo_market.loader import DEMO_PASSWORD, load_market
from demo_market.platform import platform_processes, wait_for_catalog
from local_services import stack
from local_services.platform_processes import PlatformProcess
from local_services.postgres import drop_database
from search.catalog_index import drop_catalog
from search.elastic import async_client
from souk.settings import Settings

log = logging.getLogger(__name__)
LOAD_PROCESSES = ("relay", "streams-worker", "api")
SETTINGS_OF_A_NAMESPACE = ("postgres_db", "relay_slot", "relay_topic_prefix",
                           "streams_topic_prefix", "catalog_alias", "streams_app_id",
                           "api_port", "streams_web_port")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def isolated_settings(settings: Settings, namespace: str) -> Settings:
    """Everything the load's platform names, under ``namespace`` (a lowercase identifier)."""
    return settings.model_copy(update={
        "postgres_db": namespace, "relay_slot": namespace,
        "relay_topic_prefix": f"{namespace}.", "streams_topic_prefix": f"{namespace}.",
        "catalog_alias": f"{namespace}-catalog", "streams_app_id": f"{namespace}-streams",
        "api_port": _free_port(), "streams_web_port": _free_port(),
    })  # fmt: skip


def settings_environment(settings: Settings) -> dict[str, str]:
    """The ``SOUK_*`` variables that give a child process these settings' namespace."""
    return {
        f"SOUK_{name.upper()}": str(getattr(settings, name)) for name in SETTINGS_OF_A_NAMESPACE
    }


@dataclass
class Platform:
    settings: Settings
    namespace: str | None
    processes: dict[str, PlatformProcess]  # relay, streams-worker, api
    started: list[str] = field(default_factory=list)  # what we started, in order
    services_started: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    @property
    def reused_api(self) -> bool:
        return "api" not in self.started

    def pids(self) -> dict[str, int]:
        """Process name → pid, for the services and the platform processes running now."""
        pids = {s.name: pid for s in stack.local_services(self.settings) if (pid := s.pid())}
        for name, process in self.processes.items():
            with contextlib.suppress(FileNotFoundError, ValueError):
                pids[name] = int(process.pid_file(self.settings).read_text().split()[0])
        return pids


def souk(settings: Settings, *args: str) -> None:
    command = [str(Path(sys.executable).parent / "souk"), *args]
    log.info("→ souk %s", " ".join(args))
    env = os.environ | settings_environment(settings)
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def _processes(settings: Settings, namespace: str | None) -> dict[str, PlatformProcess]:
    found = {p.name: p for p in platform_processes(settings) if p.name in LOAD_PROCESSES}
    if namespace:  # own pid and log files beside the demo's
        found = {n: dataclasses.replace(p, name=f"{namespace}-{n}") for n, p in found.items()}
    return found


def active_listings(settings: Settings) -> int:
    with psycopg.connect(settings.postgres_dsn) as conn:
        row = conn.execute("SELECT count(*) FROM listings WHERE status = 'active'").fetchone()
    return int(row[0]) if row else 0


def _create_database(settings: Settings) -> None:
    admin = settings.model_copy(update={"postgres_db": "postgres"})
    with psycopg.connect(admin.postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.postgres_db)))


def bring_up(
    settings: Settings, *, listings: int, seed: int, api_env: dict[str, str],
    namespace: str | None = None,
) -> Platform:  # fmt: skip
    """Services, schema, topics, index, relay, Faust worker and API; a market if empty."""
    if namespace:
        settings = isolated_settings(settings, namespace)
    platform = Platform(settings, namespace, _processes(settings, namespace))
    before = {s.name for s in stack.local_services(settings) if s.pid() is not None}
    stack.up(settings)
    platform.services_started = [
        s.name for s in stack.local_services(settings) if s.name not in before
    ]
    if namespace:
        _create_database(settings)
    if not all(p.check() for p in platform.processes.values()):
        souk(settings, "db", "migrate")
        souk(settings, "relay", "topics")
        souk(settings, "search", "create-index")
    children = settings_environment(settings)
    for name in LOAD_PROCESSES:
        process = platform.processes[name]
        if process.running(settings) and process.check():
            log.info("✓ %s already running: reusing it", name)
            continue
        process.start(settings, children | (api_env if name == "api" else {}))
        platform.started.append(name)
    if active_listings(settings) == 0:
        log.info("→ generating a market of %d listings (seed %d)", listings, seed)
        load_market(settings, seed=seed, listings=listings, buyers=max(listings // 20, 50),
                    published_before=datetime.now(UTC) - timedelta(days=2))  # fmt: skip
    expected = active_listings(settings)
    log.info("→ waiting for the catalog to hold the %d active listings", expected)
    wait_for_catalog(settings, expected)
    return platform


def stop(platform: Platform) -> None:
    """Stop what we started; an isolated platform's database, topics and index go too."""
    settings = platform.settings
    for name in reversed(platform.started):
        platform.processes[name].stop(settings)
        log.info("✓ stopped %s", name)
    if platform.namespace:
        asyncio.run(_drop_namespace(settings))
        # the Faust worker's state directory, made in its (our) working directory
        shutil.rmtree(Path.cwd() / f"{settings.streams_app_id}-data", ignore_errors=True)
    for service in reversed(stack.local_services(settings)):
        if service.name in platform.services_started:
            service.stop()
            log.info("✓ stopped %s", service.name)


async def _drop_namespace(settings: Settings) -> None:
    admin_db = settings.model_copy(update={"postgres_db": "postgres"})
    with psycopg.connect(admin_db.postgres_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     "WHERE slot_name = %s AND NOT active", (settings.relay_slot,))  # fmt: skip
    drop_database(admin_db, settings.postgres_db)
    es = async_client(settings)
    try:
        await drop_catalog(es, settings)
    finally:
        await es.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(settings.relay_topic_prefix)]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()


@dataclass(frozen=True)
class Logins:
    sellers: list[str]  # bearer tokens
    buyers: list[str]
    listing_ids: list[str]  # active cars, for leads and orders


def sign_in(platform: Platform, *, sellers: int, buyers: int) -> Logins:
    """Demo sellers with the most active listings and demo buyers, signed in through the API
    (``/auth/login``, the demo password); and active cars to contact sellers about."""
    with psycopg.connect(platform.settings.postgres_dsn) as conn:
        seller_emails = [r[0] for r in conn.execute(
            "SELECT u.email FROM sellers s JOIN users u ON u.id = s.user_id "
            "JOIN listings l ON l.seller_id = s.id WHERE l.status = 'active' "
            "GROUP BY u.email ORDER BY count(*) DESC, u.email LIMIT %s", (sellers,))]  # fmt: skip
        buyer_emails = [r[0] for r in conn.execute(
            "SELECT email FROM users WHERE email LIKE 'buyer%%@demo.souk.eg' "
            "ORDER BY email LIMIT %s", (buyers,))]  # fmt: skip
        cars = [str(r[0]) for r in conn.execute(
            "SELECT id FROM listings WHERE status = 'active' AND category = 'car' "
            "ORDER BY id LIMIT 500")]  # fmt: skip
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:

        def token(email: str) -> str:
            answer = client.post("/auth/login", json={"email": email, "password": DEMO_PASSWORD})
            answer.raise_for_status()
            return str(answer.json()["access_token"])

        return Logins([token(e) for e in seller_emails], [token(e) for e in buyer_emails], cars)
