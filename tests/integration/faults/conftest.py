"""Fault tests: the real relay and Faust worker as subprocesses, and the test's own stack
services stopped and started again through ``local_services``.

Every service a test stops is started again, and waited for until healthy, by the
``outages`` fixture's finalizer, pass or fail: later tests of the same session use it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from local_services.errors import ServiceStartError
from local_services.process import wait_until_healthy
from local_services.stack import service_named
from pipelines.relay import state
from pipelines.topics import declared_topics, ensure_topics
from search.catalog_index import drop_catalog
from search.elastic import async_client
from souk.settings import PROJECT_ROOT, Settings
from tests.integration.pipelines.conftest import OUTBOX_DDL
from tests.integration.search.helpers import start_relay, stop_process
from tests.integration.search.test_reindex import TABLES as CATALOG_TABLES_DDL

PARTITIONS = 2
START_PATIENCE_S = 420.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Outages:
    """Stops services of this test run's stack and brings them back healthy."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.stopped: list[str] = []

    def stop(self, name: str) -> None:
        self.stopped.append(name)
        assert service_named(self._settings, name).stop(), f"{name} was not running"

    def start(self, name: str) -> float:
        """Start ``name`` again and wait until it is healthy; the seconds that took.

        On a loaded machine a JVM may need longer than the service's own start-up limit:
        as long as its process lives, keep waiting (up to ``START_PATIENCE_S`` in all)."""
        started = time.monotonic()
        service = service_named(self._settings, name)
        try:
            service.start()  # waits for health
        except ServiceStartError:
            if service.pid() is None:
                raise
            left = START_PATIENCE_S - (time.monotonic() - started)
            wait_until_healthy(name, service.healthy, timeout_seconds=left,
                               log_file=service.log_file, pid_file=service.pid_file)  # fmt: skip
        self.stopped.remove(name)
        return time.monotonic() - started

    def restore(self) -> None:
        for name in list(self.stopped):
            self.start(name)


@pytest.fixture
def outages(settings: Settings) -> Iterator[Outages]:
    stack = Outages(settings)
    try:
        yield stack
    finally:
        stack.restore()


def pipeline_settings(settings: Settings, data_dir: Path) -> Settings:
    """Settings of one test's own pipeline: topics, catalog alias, Faust app, warehouse."""
    tag = secrets.token_hex(4)
    return settings.model_copy(update={
        "data_dir": data_dir, "catalog_alias": f"faults-catalog-{tag}",
        "streams_topic_prefix": f"faults-{tag}.", "relay_topic_prefix": f"faults-{tag}.",
        "relay_slot": f"faults_{tag}", "streams_app_id": f"faults-streams-{tag}",
        "streams_web_enabled": False, "kafka_topic_partitions": PARTITIONS,
        "catalog_batch_seconds": 0.1, "catalog_batch_size": 200, "catalog_agent_concurrency": 2,
        "warehouse_sink_batch_seconds": 0.3, "warehouse_sink_batch_size": 500,
        "relay_feedback_seconds": 0.2, "relay_progress_seconds": 2.0,
    })  # fmt: skip


@pytest.fixture
def pipeline(fresh_database: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A database with catalog tables and an outbox, the platform's topics under a prefix of
    this test's own; afterwards the topics, the Faust app's topics and the alias are gone."""
    mine = pipeline_settings(fresh_database, tmp_path)
    with psycopg.connect(mine.postgres_dsn, autocommit=True) as conn:
        conn.execute(CATALOG_TABLES_DDL)
        conn.execute(OUTBOX_DDL)
    asyncio.run(ensure_topics(mine, prefix=mine.streams_topic_prefix))
    try:
        yield mine
    finally:
        asyncio.run(_clean_up(mine))


async def _clean_up(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        mine = {s.name for s in declared_topics(settings, settings.streams_topic_prefix)}
        mine |= {t for t in existing if t.startswith(settings.streams_app_id)}
        if mine & existing:
            await admin.delete_topics(sorted(mine & existing))
    finally:
        await admin.close()
    es = async_client(settings, timeout=30.0)
    try:
        await drop_catalog(es, settings)
    finally:
        await es.close()


class Child:
    """A platform process (the relay or the Faust worker) run as the deployment runs it:
    ``launch(log_file)`` starts it with its output appended to ``log_file``."""

    def __init__(self, launch: Callable[[Path], subprocess.Popen[bytes]], log_file: Path) -> None:
        self.log_file = log_file
        self.starts = 0
        self._launch = launch
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        self.process = self._launch(self.log_file)
        self.starts += 1
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL after 30 s); the exit code."""
        if self.process is None:
            return None
        return stop_process(self.process)

    def log(self, lines: int = 40) -> str:
        text = self.log_file.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _env(settings: Settings) -> dict[str, str]:
    """The settings of the test's pipeline both processes read (on top of this process')."""
    return {
        "SOUK_POSTGRES_DB": settings.postgres_db,
        "SOUK_DATA_DIR": str(settings.data_dir),
        "SOUK_KAFKA_TOPIC_PARTITIONS": str(settings.kafka_topic_partitions),
        "SOUK_RELAY_SLOT": settings.relay_slot,
        "SOUK_RELAY_TOPIC_PREFIX": settings.relay_topic_prefix,
        "SOUK_RELAY_FEEDBACK_SECONDS": str(settings.relay_feedback_seconds),
        "SOUK_RELAY_PROGRESS_SECONDS": str(settings.relay_progress_seconds),
        "SOUK_CATALOG_ALIAS": settings.catalog_alias,
        "SOUK_CATALOG_BATCH_SECONDS": str(settings.catalog_batch_seconds),
        "SOUK_CATALOG_BATCH_SIZE": str(settings.catalog_batch_size),
        "SOUK_CATALOG_AGENT_CONCURRENCY": str(settings.catalog_agent_concurrency),
        "SOUK_STREAMS_TOPIC_PREFIX": settings.streams_topic_prefix,
        "SOUK_STREAMS_APP_ID": settings.streams_app_id,
        "SOUK_STREAMS_WEB_ENABLED": "false",
        "SOUK_STREAMS_LOG_LEVEL": "WARNING",
        "SOUK_WAREHOUSE_SINK_BATCH_SIZE": str(settings.warehouse_sink_batch_size),
        "SOUK_WAREHOUSE_SINK_BATCH_SECONDS": str(settings.warehouse_sink_batch_seconds),
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def worker(pipeline: Settings) -> Iterator[Child]:
    """``souk streams worker`` (every registrar: catalog indexer and warehouse sink), not
    started yet; stopped after the test. Its log is ``worker.log`` in the test's tmp dir."""

    def launch(log_file: Path) -> subprocess.Popen[bytes]:
        with log_file.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "souk.cli", "streams", "worker", "--no-web"],
                cwd=pipeline.data_dir, env=os.environ | _env(pipeline), stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    child = Child(launch, pipeline.data_dir / "worker.log")
    try:
        yield child
    finally:
        child.stop()


@pytest.fixture
def relay(pipeline: Settings) -> Iterator[Child]:
    """``python -m pipelines.cli run`` on the test's database and topics, not started yet."""
    child = Child(
        lambda log_file: start_relay(pipeline, log_file, extra_env=_env(pipeline)),
        pipeline.data_dir / "relay.log",
    )
    try:
        yield child
    finally:
        child.stop()


def wait_until(
    check: Callable[[], Any], *, within: float, every: float = 0.2, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"{what} not met within {within:.0f}s (last: {last!r})")


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within: float, every: float = 0.3, what: str = "it"
) -> Any:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"{what} not met within {within:.0f}s (last: {last!r})")


async def read_topic(
    settings: Settings, topic: str, until: Callable[[list[Any]], bool], seconds: float
) -> list[Any]:
    """Every record of ``topic`` (a platform name, prefixed here) from the start, until
    ``until(records)`` holds or ``seconds`` pass."""
    consumer = AIOKafkaConsumer(
        settings.streams_topic_prefix + topic, bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest", enable_auto_commit=False, group_id=None,
    )  # fmt: skip
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and not until(records):
            batches = await consumer.getmany(timeout_ms=300, max_records=5_000)
            records += [m for ms in batches.values() for m in ms]
    finally:
        await consumer.stop()
    return records


async def indexed_versions(settings: Settings) -> dict[str, int]:
    """The external version (the CDC lsn) of every document behind the catalog alias."""
    es = async_client(settings, timeout=30.0)
    try:
        await es.indices.refresh(index=settings.catalog_alias)
        response = await es.search(
            index=settings.catalog_alias, size=10_000, version=True, source=False,
            query={"match_all": {}},
        )  # fmt: skip
    finally:
        await es.close()
    return {hit["_id"]: hit["_version"] for hit in response["hits"]["hits"]}


def wait_for_snapshot(settings: Settings, relay: Child) -> None:
    def done() -> bool:
        assert relay.running(), relay.log()
        with state.connect(settings.postgres_dsn) as conn:
            return state.read_snapshot(conn, settings.relay_slot) is not None

    wait_until(done, within=90, what="the relay's snapshot")
