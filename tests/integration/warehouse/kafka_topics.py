"""Isolated Kafka topics for the warehouse's integration tests and benchmarks."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from souk.settings import PROJECT_ROOT, Settings
from souk.topics import DEAD_LETTER
from warehouse.raw_tables import WAREHOUSE_TOPICS


def isolated(settings: Settings, data_dir: Path) -> Settings:
    tag = secrets.token_hex(4)
    return settings.model_copy(update={
        "data_dir": data_dir, "streams_topic_prefix": f"test-wh-{tag}.",
        "streams_app_id": f"test-warehouse-{tag}", "streams_web_enabled": False,
        "warehouse_sink_batch_seconds": 0.3,
    })  # fmt: skip


def topic_names(settings: Settings) -> list[str]:
    return [settings.streams_topic_prefix + t for t in (*WAREHOUSE_TOPICS, DEAD_LETTER)]


async def create_topics(settings: Settings, partitions: int = 2) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, partitions, 1) for t in topic_names(settings)])
    finally:
        await admin.close()


async def delete_topics(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(topic_names(settings))
    finally:
        await admin.close()


async def produce(settings: Settings, messages: Sequence[tuple[str, bytes | None]]) -> None:
    """Send ``(platform topic, value)`` pairs to the isolated topics."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:
        for topic, value in messages:
            key = json.loads(value).get("event_id", "k").encode() if value and value[:1] == b"{" \
                and value.endswith(b"}") else b"k"  # fmt: skip
            await producer.send(settings.streams_topic_prefix + topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


@contextmanager
def sink_worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """``souk warehouse sink`` (through the light ``warehouse.cli`` entry point) as a subprocess."""
    env = os.environ | {
        "SOUK_DATA_DIR": str(settings.data_dir),
        "SOUK_STREAMS_TOPIC_PREFIX": settings.streams_topic_prefix,
        "SOUK_STREAMS_APP_ID": settings.streams_app_id,
        "SOUK_STREAMS_WEB_ENABLED": "false",
        "SOUK_WAREHOUSE_SINK_BATCH_SIZE": str(settings.warehouse_sink_batch_size),
        "SOUK_WAREHOUSE_SINK_BATCH_SECONDS": str(settings.warehouse_sink_batch_seconds),
        "SOUK_WAREHOUSE_SINK_ENGINE": settings.warehouse_sink_engine.value,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "warehouse.cli", "sink"],
        cwd=settings.data_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
