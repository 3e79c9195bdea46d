"""Helpers for search and streams integration tests: isolated names, CDC records, the stream
worker and the relay as subprocesses.

``cdc_record`` builds exactly the relay's record format, so the end-to-end tests from a real
PostgreSQL commit reuse the worker, the relay and ``eventually``.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from souk.settings import PROJECT_ROOT, Settings
from souk.topics import DEAD_LETTER, cdc_topic


def isolated(settings: Settings) -> Settings:
    """Settings with a random alias, topic prefix and Faust app id (tests run concurrently)."""
    tag = secrets.token_hex(4)
    return settings.model_copy(update={
        "catalog_alias": f"test-catalog-{tag}", "streams_topic_prefix": f"test-{tag}.",
        "streams_app_id": f"test-streams-{tag}", "streams_web_enabled": False,
        "catalog_batch_seconds": 0.1})  # fmt: skip


def cdc_record(
    table: str, row: dict[str, Any] | None, *, lsn: int, op: str = "u", key: str | None = None,
    before: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    row_id = key or (row or before or {})["id"]
    return {"op": op, "table": table, "schema": "public", "key": {"id": row_id},
            "before": before, "after": row, "lsn": lsn, "commit_lsn": lsn, "xid": lsn,
            "commit_time": "2026-11-25T10:00:00Z", "snapshot": op == "r"}  # fmt: skip


async def create_topics(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        names = [cdc_topic("listings"), cdc_topic("sellers")]
        topics = [NewTopic(settings.streams_topic_prefix + n, settings.kafka_topic_partitions, 1)
                  for n in names]  # fmt: skip
        topics.append(NewTopic(settings.streams_topic_prefix + DEAD_LETTER, 1, 1))
        await admin.create_topics(topics)
    finally:
        await admin.close()


async def delete_topics(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = await admin.list_topics()
        mine = [t for t in existing if t.startswith(settings.streams_topic_prefix)]
        mine += [t for t in existing if t.startswith(settings.streams_app_id)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


async def produce(
    settings: Settings, table: str, records: Sequence[dict[str, Any] | bytes]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        topic = settings.streams_topic_prefix + cdc_topic(table)
        for record in records:
            if isinstance(record, bytes):
                await producer.send_and_wait(topic, record, key=b"broken")
                continue
            value = json.dumps(record, ensure_ascii=False).encode()
            await producer.send_and_wait(topic, value, key=str(record["key"]["id"]).encode())
    finally:
        await producer.stop()


@contextmanager
def stream_worker(
    settings: Settings,
    *,
    web_port: int | None = None,
    extra_env: dict[str, str] | None = None,
    stdout: IO[bytes] | int = subprocess.DEVNULL,
) -> Iterator[subprocess.Popen[bytes]]:
    """``souk streams worker`` as a subprocess with these settings (web server on ``web_port``
    when given; ``extra_env`` on top; its standard output to ``stdout``)."""
    env = os.environ | {
        "SOUK_CATALOG_ALIAS": settings.catalog_alias,
        "SOUK_STREAMS_TOPIC_PREFIX": settings.streams_topic_prefix,
        "SOUK_STREAMS_APP_ID": settings.streams_app_id,
        "SOUK_STREAMS_WEB_ENABLED": "false",
        "SOUK_CATALOG_BATCH_SECONDS": str(settings.catalog_batch_seconds),
        "SOUK_CATALOG_BATCH_SIZE": str(settings.catalog_batch_size),
        "SOUK_CATALOG_AGENT_CONCURRENCY": str(settings.catalog_agent_concurrency),
        "SOUK_STREAMS_LOG_LEVEL": "WARNING",
    }
    env |= extra_env or {}
    web = ["--no-web"]
    if web_port is not None:
        env |= {"SOUK_STREAMS_WEB_ENABLED": "true", "SOUK_STREAMS_WEB_PORT": str(web_port)}
        web = []
    # stderr goes to a file, never an unread pipe: a worker that logs more than the pipe's
    # 64 KiB (aiokafka warnings about topics a test did not create) would block on its next
    # log line and stop consuming. ``worker.stderr`` reads that file from its start.
    log = tempfile.NamedTemporaryFile(prefix="stream-worker-", suffix=".log")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "souk.cli", "streams", "worker", *web],
        cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=log,
    )  # fmt: skip
    worker.stderr = open(log.name, "rb")  # noqa: SIM115
    try:
        yield worker
    finally:
        worker.stderr.close()
        log.close()
        stop_process(worker, grace_seconds=20)


def relay_environment(
    settings: Settings, *, web_port: int | None = None, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of ``python -m pipelines.cli run`` on these settings' database, slot
    and topics (its web server on ``web_port``, none when not given; ``extra_env`` on top)."""
    env = os.environ | {
        "SOUK_POSTGRES_DB": settings.postgres_db,
        "SOUK_RELAY_SLOT": settings.relay_slot,
        "SOUK_RELAY_TOPIC_PREFIX": settings.relay_topic_prefix,
        "SOUK_RELAY_FEEDBACK_SECONDS": str(settings.relay_feedback_seconds),
        "SOUK_RELAY_PROGRESS_SECONDS": str(settings.relay_progress_seconds),
        "SOUK_RELAY_WEB_PORT": str(web_port or 0),
    }
    return env | (extra_env or {})


def start_relay(
    settings: Settings,
    log_file: Path,
    *,
    web_port: int | None = None,
    extra_env: dict[str, str] | None = None,
    stdout: IO[bytes] | int | None = None,
) -> subprocess.Popen[bytes]:
    """The relay as a subprocess (see ``relay_environment``), its standard error appended to
    ``log_file``, its standard output too unless ``stdout`` says where. Stop it with
    ``stop_process``; ``relay_subprocess`` does."""
    with log_file.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run", "--no-create-topics"],
            cwd=PROJECT_ROOT, env=relay_environment(settings, web_port=web_port,
                                                    extra_env=extra_env),
            stdout=log if stdout is None else stdout, stderr=log,
        )  # fmt: skip


@contextmanager
def relay_subprocess(
    settings: Settings,
    *,
    web_port: int | None = None,
    extra_env: dict[str, str] | None = None,
    stdout: IO[bytes] | int | None = None,
    log_file: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``start_relay`` for the block, stopped after it. Its output goes to ``log_file`` (a
    temporary file when not given), never an unread pipe, which would block a chatty relay;
    ``relay.stderr`` reads that file from its start."""
    with ExitStack() as files:
        if log_file is None:
            log_file = Path(files.enter_context(tempfile.TemporaryDirectory())) / "relay.log"
        relay = start_relay(
            settings, log_file, web_port=web_port, extra_env=extra_env, stdout=stdout
        )
        relay.stderr = files.enter_context(log_file.open("rb"))
        try:
            yield relay
        finally:
            stop_process(relay)


def stop_process(process: subprocess.Popen[bytes], *, grace_seconds: float = 30) -> int:
    """SIGTERM, SIGKILL after ``grace_seconds``; the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


async def eventually(check: Callable[[], Any], *, within: float = 30.0, every: float = 0.2) -> Any:
    """Poll an async check until it returns something truthy (or fail after timeout)."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {within}s (last: {last!r})")
