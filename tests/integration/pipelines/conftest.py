"""Fixtures for the relay against the real PostgreSQL and Kafka.

Each test gets its own database (``fresh_database``) with minimal ``sellers``, ``listings``
and ``outbox`` tables shaped like the core's, its own slot and its own topic prefix, so
tests of other engineers can run at the same time on the same services.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from pipelines.relay import state
from pipelines.relay.relay import run_relay
from pipelines.topics import RelayTopics, declared_topics, ensure_topics
from souk.settings import Settings
from tests.integration.search.helpers import relay_subprocess

TABLES_DDL = """
CREATE TABLE sellers (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    bio text,
    governorate text NOT NULL DEFAULT 'CAI',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE listings (
    id uuid PRIMARY KEY,
    seller_id uuid,
    title_en text,
    price_egp bigint NOT NULL,
    photos jsonb NOT NULL DEFAULT '[]',
    rev bigint NOT NULL DEFAULT 0,
    version int NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""
OUTBOX_DDL = """
CREATE TABLE outbox (
    event_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type text NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    version int NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb NOT NULL
);
"""
TABLES_DDL += OUTBOX_DDL


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: dict[str, Any]


@pytest.fixture
def relay_settings(fresh_database: Settings) -> Iterator[Settings]:
    """A database with the relay's tables, a slot name and topics of this test's own."""
    suffix = secrets.token_hex(4)
    settings = fresh_database.model_copy(
        update={
            "relay_slot": f"relay_test_{suffix}",
            "relay_topic_prefix": f"relay-test-{suffix}.",
            "relay_feedback_seconds": 0.2,
            "relay_progress_seconds": 2.0,
        }
    )
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
        conn.execute(TABLES_DDL)
    asyncio.run(ensure_topics(settings, prefix=settings.relay_topic_prefix))
    yield settings
    asyncio.run(_delete_topics(settings))


async def _delete_topics(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(
            [s.name for s in declared_topics(settings, settings.relay_topic_prefix)]
        )
    finally:
        await admin.close()


def execute(settings: Settings, *statements: tuple[str, tuple[Any, ...]] | str) -> None:
    """Run statements in one transaction."""
    with psycopg.connect(settings.postgres_dsn) as conn:
        for statement in statements:
            if isinstance(statement, str):
                conn.execute(statement)
            else:
                conn.execute(*statement)


def wait_for_snapshot(settings: Settings, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    with state.connect(settings.postgres_dsn) as conn:
        while time.monotonic() < deadline:
            if state.read_snapshot(conn, settings.relay_slot) is not None:
                return
            time.sleep(0.1)
    pytest.fail(f"the relay did not finish its snapshot within {seconds} s")


class RelayThread:
    """The relay in this process, on its own thread and event loop."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="relay", daemon=True)
        self._thread.start()
        self._started.wait(10)

    def _main(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._started.set()
            await run_relay(self._settings, self._stop)

        try:
            asyncio.run(main())
        except BaseException as exc:  # handed to the test by stop()
            self.error = exc

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        if self.error is not None:
            raise self.error


@pytest.fixture
def relay_thread(relay_settings: Settings) -> Iterator[Callable[[], RelayThread]]:
    started: list[RelayThread] = []

    def start() -> RelayThread:
        started.append(RelayThread(relay_settings))
        return started[-1]

    yield start
    for relay in started:
        relay.stop()


@pytest.fixture
def relay_process(
    relay_settings: Settings, tmp_path: Path
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Starts ``python -m pipelines.cli run`` as a child process (each start another one,
    every one logging to ``relay.log``); those still running are stopped after the test."""
    with ExitStack() as started:

        def start() -> subprocess.Popen[bytes]:
            return started.enter_context(
                relay_subprocess(relay_settings, log_file=tmp_path / "relay.log")
            )

        yield start


def consume(
    settings: Settings,
    tables: list[str],
    until: Callable[[list[Record]], bool],
    seconds: float = 60.0,
) -> list[Record]:
    """Every record on the relay's topics for ``tables`` (and outbox events), from the start."""
    topics = RelayTopics(settings.relay_topic_prefix)
    names = [topics.domain_events if t == "outbox" else topics.cdc(t) for t in tables]
    return asyncio.run(_consume(settings, names, until, seconds))


async def _consume(
    settings: Settings, topics: list[str], until: Callable[[list[Record]], bool], seconds: float
) -> list[Record]:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[Record] = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=300, max_records=5_000)
            for tp, messages in batches.items():
                records += [
                    Record(
                        tp.topic,
                        tp.partition,
                        m.offset,
                        m.key.decode() if m.key is not None else None,
                        orjson.loads(m.value),
                    )
                    for m in messages
                ]
            if until(records):
                return records
    finally:
        await consumer.stop()
    return records
