"""The Kafka side of the relay: a port with one real adapter (aiokafka).

The producer is idempotent with ``acks=all``: a record is acknowledged once every in-sync
replica has it, and retries never reorder or duplicate within a partition. The key picks
the partition, so one row's (or aggregate's) records keep their order. ``send`` waits when
``relay_max_in_flight`` records are unacknowledged, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer

from pipelines.relay.records import RelayRecord
from souk.settings import Settings


class Publisher(Protocol):
    async def send(self, record: RelayRecord) -> asyncio.Future[Any]:
        """Hand a record to the producer; the future resolves when Kafka acknowledged it."""
        ...

    async def flush(self) -> None:
        """Wait until every record handed over so far is acknowledged (or failed)."""
        ...


class KafkaPublisher:
    def __init__(self, settings: Settings) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap,
            client_id="souk-relay",
            acks="all",
            enable_idempotence=True,
            linger_ms=settings.relay_linger_ms,
            max_batch_size=256 * 1024,
            request_timeout_ms=30_000,
        )
        self._max_in_flight = settings.relay_max_in_flight
        self._in_flight = 0
        self._room = asyncio.Event()
        self._room.set()

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, record: RelayRecord) -> asyncio.Future[Any]:
        if self._in_flight >= self._max_in_flight:
            self._room.clear()
            await self._room.wait()
        delivery: asyncio.Future[Any] = await self._producer.send(
            record.topic, record.value, key=record.key, headers=record.headers
        )
        self._in_flight += 1
        delivery.add_done_callback(self._delivered)
        return delivery

    def _delivered(self, _delivery: asyncio.Future[Any]) -> None:
        self._in_flight -= 1
        if self._in_flight <= self._max_in_flight // 2:
            self._room.set()

    async def flush(self) -> None:
        await self._producer.flush()
