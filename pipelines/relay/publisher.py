"""The Kafka side of the relay: a port with one real adapter (aiokafka).

The producer is idempotent with ``acks=all``: a record is acknowledged once every in-sync
replica has it, and retries never reorder or duplicate within a partition. The key picks
the partition (murmur2, as Kafka's Java client does), so one row's (or aggregate's) records
keep their order.

The adapter fills one record batch per partition itself and hands whole batches to aiokafka
(``send_batch``): aiokafka's per-record ``send`` costs more than parsing and encoding the
change does, and the relay is CPU-bound. Batches ship when full, when the oldest open one is
``relay_linger_ms`` old, when the relay is idle (``ship``) and on ``flush``; every record of a
batch shares its future. Only the relay's one stream coroutine calls in, so batches of a
partition reach aiokafka in the order they were filled.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer

from pipelines.relay.errors import RelayError
from pipelines.relay.records import RelayRecord
from souk.settings import Settings


class Publisher(Protocol):
    async def send(self, record: RelayRecord) -> asyncio.Future[Any]:
        """Hand a record over; the future resolves when Kafka acknowledged it."""
        ...

    async def ship(self) -> None:
        """Hand whatever is buffered to Kafka now (the relay has nothing more to read)."""
        ...

    async def flush(self) -> None:
        """Wait until every record handed over so far is acknowledged (or failed)."""
        ...


def murmur2(data: bytes) -> int:
    """The Java client's murmur2 (as ``aiokafka.partitioner.murmur2``, four bytes at a time:
    aiokafka's byte-by-byte loop was the relay's single most expensive function)."""
    length = len(data)
    m = 0x5BD1E995
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    blocks = length // 4
    for k in struct.unpack_from(f"<{blocks}I", data):
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        h = ((h * m) & 0xFFFFFFFF) ^ ((k * m) & 0xFFFFFFFF)
    tail, end = length & 3, blocks * 4
    if tail == 3:
        h ^= data[end + 2] << 16
    if tail >= 2:
        h ^= data[end + 1] << 8
    if tail >= 1:
        h = ((h ^ data[end]) * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


@lru_cache(maxsize=65_536)
def partition_of(key: bytes, partitions: int) -> int:
    """Kafka's default partition for a key (the Java client's murmur2, positive part)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


@dataclass
class PublishCounts:
    """Plain counters for the relay's metrics, bumped once per Kafka batch."""

    published: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: int = 0  # records of batches Kafka refused
    backpressure_waits: int = 0


class _OpenBatch:
    __slots__ = ("batch", "delivery", "records", "topic")

    def __init__(self, batch: Any, delivery: asyncio.Future[Any], topic: str) -> None:
        self.batch = batch
        self.delivery = delivery
        self.records = 0
        self.topic = topic


class KafkaPublisher:
    def __init__(self, settings: Settings, counts: PublishCounts | None = None) -> None:
        self.counts = counts or PublishCounts()
        self._producer = AIOKafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap,
            client_id="souk-relay",
            acks="all",
            enable_idempotence=True,
            linger_ms=settings.relay_linger_ms,
            max_batch_size=256 * 1024,
            request_timeout_ms=30_000,
        )
        self._linger = settings.relay_linger_ms / 1000
        self._max_in_flight = settings.relay_max_in_flight
        self._in_flight = 0
        self._room = asyncio.Event()
        self._room.set()
        self._partitions: dict[str, int] = {}
        self._open: dict[tuple[str, int], _OpenBatch] = {}
        self._open_since = 0.0  # when the oldest open batch was opened
        self._unsettled: set[asyncio.Future[Any]] = set()
        self._keyless = 0

    async def start(self) -> None:
        try:
            await self._producer.start()
        except BaseException:  # Kafka unreachable: leave no half-open producer behind
            await self._producer.stop()
            raise

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, record: RelayRecord) -> asyncio.Future[Any]:
        while self._in_flight >= self._max_in_flight:  # back-pressure: wait for Kafka
            self.counts.backpressure_waits += 1
            self._room.clear()
            await self._ship_all()
            if self._in_flight >= self._max_in_flight:
                await self._room.wait()
        partitions = self._partitions.get(record.topic) or await self._count(record.topic)
        if record.key is None:  # tables without a primary key: spread, no order to keep
            self._keyless += 1
            partition = self._keyless % partitions
        else:
            partition = partition_of(record.key, partitions)
        slot = (record.topic, partition)
        batch = self._open.get(slot) or self._open_batch(slot)
        if not self._append(batch, record):
            await self._ship(slot)
            batch = self._open_batch(slot)
            if not self._append(batch, record):
                raise RelayError(f"a record for {record.topic} does not fit in a batch")
        batch.records += 1
        self._in_flight += 1
        if time.monotonic() - self._open_since >= self._linger:
            await self._ship_all()
        return batch.delivery

    async def ship(self) -> None:
        await self._ship_all()

    async def flush(self) -> None:
        await self._ship_all()
        await self._producer.flush()
        while self._unsettled:
            await asyncio.wait(set(self._unsettled))
        await asyncio.sleep(0)  # the deliveries' own callbacks (acknowledgement tracking) run

    async def _count(self, topic: str) -> int:
        partitions = await self._producer.partitions_for(topic)
        if not partitions:
            raise RelayError(f"topic {topic} does not exist: run `souk relay topics`")
        self._partitions[topic] = len(partitions)
        return len(partitions)

    def _open_batch(self, slot: tuple[str, int]) -> _OpenBatch:
        if not self._open:
            self._open_since = time.monotonic()
        delivery: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        batch = self._open[slot] = _OpenBatch(self._producer.create_batch(), delivery, slot[0])
        self._unsettled.add(delivery)
        return batch

    @staticmethod
    def _append(batch: _OpenBatch, record: RelayRecord) -> bool:
        appended = batch.batch.append(
            timestamp=None, key=record.key, value=record.value, headers=record.headers
        )
        return appended is not None

    async def _ship(self, slot: tuple[str, int]) -> None:
        batch = self._open.pop(slot)
        try:
            sent = await self._producer.send_batch(batch.batch, slot[0], partition=slot[1])
        except Exception as exc:  # the producer is closed or its queue stayed full
            self._delivered(batch, exc)
            raise RelayError(f"Kafka did not take a batch for {slot[0]}: {exc!r}") from exc
        sent.add_done_callback(lambda done: self._delivered(batch, done))

    def _delivered(self, batch: _OpenBatch, done: asyncio.Future[Any] | BaseException) -> None:
        self._in_flight -= batch.records
        if self._in_flight <= self._max_in_flight // 2:
            self._room.set()
        self._unsettled.discard(batch.delivery)
        if isinstance(done, BaseException) or done.cancelled() or done.exception() is not None:
            self.counts.failed += batch.records
        else:
            self.counts.published[batch.topic] += batch.records
        if batch.delivery.done():
            return
        if isinstance(done, BaseException):
            batch.delivery.set_exception(done)
        elif done.cancelled():
            batch.delivery.set_exception(RelayError("a Kafka batch was cancelled"))
        elif (error := done.exception()) is not None:
            batch.delivery.set_exception(error)
        else:
            batch.delivery.set_result(None)

    async def _ship_all(self) -> None:
        for slot in list(self._open):
            await self._ship(slot)
