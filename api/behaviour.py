"""Behavioural events (searches, result clicks, listing views) from the API to Kafka.

They never touch Postgres: the API sends them straight to their topics through the
:class:`BehaviourEvents` port. ``publish`` never waits for Kafka and never fails a search:
it puts the event on a bounded in-process queue that a delivery task hands to the producer.
The producer gathers events for ``behaviour_events_linger_ms`` (200 ms) into one request: at
20 ms, a searching API sent one Kafka request per search (~4% of its CPU per search).

A batch holds up to ``behaviour_events_batch_bytes`` (16 KiB, aiokafka's default), ~13
``SearchPerformed`` events (~1.2 KB each). While a full batch waits for the one in flight,
aiokafka's ``send`` waits: before the queue, that wait was the search's (at 32 clients 10%
of searches waited 120+ ms, docs/SEARCH.md); now it is the delivery task's. In ``./dev up``
(the demo's buyers, every service on 2 cores) 256 KiB batches timed out at the former 5 s
request timeout and 12,631 events were lost, against none at 16 KiB in the same run.

No event is lost silently any more (docs/ARCHITECTURE.md, "Guarantees"): aiokafka retries
retriable failures within ``behaviour_events_request_timeout_ms``; an event whose batch
still fails, that does not fit the queue, or that arrives while Kafka is down goes to the
spool (api/behaviour_spool.py), re-sent when Kafka is back. At least once: a timed-out
request may have been written, and its events are re-sent.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from api.behaviour_spool import BehaviourSpool, Record
from souk.settings import Settings
from souk.topics import LISTING_VIEWS, RESULT_CLICKS, SEARCHES

log = logging.getLogger(__name__)

SEARCH_PERFORMED = "SearchPerformed"
SEARCH_RESULT_CLICKED = "SearchResultClicked"
LISTING_VIEWED = "ListingViewed"
TOPIC_OF = {
    SEARCH_PERFORMED: SEARCHES,
    SEARCH_RESULT_CLICKED: RESULT_CLICKS,
    LISTING_VIEWED: LISTING_VIEWS,
}


@dataclass(frozen=True)
class BehaviourEvent:
    event_type: str
    session_id: str
    user_id: str | None
    payload: dict[str, Any]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def envelope(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type, "session_id": self.session_id,
            "user_id": self.user_id, "payload": self.payload, "event_id": self.event_id,
            "occurred_at": self.occurred_at,
        }  # fmt: skip

    @property
    def key(self) -> str:
        """Partition key: a session's events stay in order on one partition."""
        return self.session_id


class BehaviourEvents(abc.ABC):
    """Port: where the API sends behavioural events."""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections (called once at application start)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Flush and close (called once at application stop)."""

    @abc.abstractmethod
    async def publish(self, event: BehaviourEvent) -> None: ...


class InMemoryBehaviourEvents(BehaviourEvents):
    """Fake for unit tests: keeps every event in a list."""

    def __init__(self) -> None:
        self.events: list[BehaviourEvent] = []

    async def publish(self, event: BehaviourEvent) -> None:
        self.events.append(event)

    def of_type(self, event_type: str) -> list[BehaviourEvent]:
        return [e for e in self.events if e.event_type == event_type]


class KafkaBehaviourEvents(BehaviourEvents):
    """aiokafka producer to ``souk.behaviour.*`` (JSON envelopes keyed by session id), with
    a spool for what Kafka does not take.

    ``publish`` only puts the event on a bounded in-process queue (a full queue sends it to
    the spool): a search never waits for Kafka. A delivery task hands queued events to the
    producer; an event whose batch fails after aiokafka's retries goes to the spool. A
    background task starts the producer (the API's start-up never waits for Kafka), again
    every ``behaviour_events_replay_seconds`` while Kafka is down, and re-sends the spool
    that often while the producer runs.
    """

    def __init__(
        self, settings: Settings, *, spool: BehaviourSpool | None = None, patient: bool = False
    ) -> None:
        """``patient``: ``publish`` waits for room in a full queue instead of spooling the
        event (a bulk publisher, such as the demo's history, that should go at Kafka's pace)."""
        self.settings = settings
        self.patient = patient
        self.spool = spool or BehaviourSpool(
            settings.behaviour_spool_dir, settings.behaviour_events_spool_max_bytes
        )
        self._producer: AIOKafkaProducer | None = None
        self._queue: asyncio.Queue[BehaviourEvent] = asyncio.Queue(
            settings.behaviour_events_queue_size
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._first_attempt = asyncio.Event()

    def topic(self, event_type: str) -> str:
        return f"{self.settings.streams_topic_prefix}{TOPIC_OF[event_type]}"

    @property
    def connected(self) -> bool:
        return self._producer is not None

    @property
    def queued(self) -> int:
        """Events waiting for the producer."""
        return self._queue.qsize()

    async def start(self) -> None:
        """Open the spool and start the tasks; the producer starts in the background (an
        unreachable Kafka can take the request timeout to say so: the API does not wait)."""
        await self.spool.start()
        self._tasks = [
            asyncio.create_task(self._deliver_forever(), name="behaviour-delivery"),
            asyncio.create_task(self._reconnect_and_replay(), name="behaviour-replay"),
        ]

    async def connecting(self) -> bool:
        """Wait for the first attempt to start the producer; whether it started."""
        await self._first_attempt.wait()
        return self.connected

    async def _connect(self) -> None:
        producer = make_producer(self.settings)
        try:
            await producer.start()
        except asyncio.CancelledError:
            await producer.stop()
            raise
        except Exception as exc:  # the API still serves searches without Kafka
            log.info("behavioural events producer not started: %s", exc)
            await producer.stop()
            return
        self._producer = producer

    async def stop(self) -> None:
        """Hand the queued events to the producer (what it cannot send goes to the spool),
        flush the producer, write the spool. The first attempt to start the producer ends
        first (a publisher that never yielded to it has its events still queued); the queue
        gets ``DRAIN_SECONDS`` to drain, a patient publisher's as long as it takes."""
        if self._tasks:
            await self._first_attempt.wait()
        replay = self._tasks[1:]
        for task in replay:
            task.cancel()
        await asyncio.gather(*replay, return_exceptions=True)
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                drain = None if self.patient else DRAIN_SECONDS
                await asyncio.wait_for(self._queue.join(), timeout=drain)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.spool.keep(self._take_queued())
        if self._producer is not None:
            await self._producer.stop()  # its undelivered batches fail: spooled
            self._producer = None
        await self.spool.close()

    async def publish(self, event: BehaviourEvent) -> None:
        if self.patient:
            await self._queue.put(event)
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.spool.keep([self.spooled(event)])

    def spooled(self, event: BehaviourEvent) -> Record:
        """An event as the spool keeps it: with its topic (a replaying process may have
        another topic prefix)."""
        return {"topic": self.topic(event.event_type), "event": event.envelope()}

    def _take_queued(self) -> list[Record]:
        records = []
        while not self._queue.empty():
            records.append(self.spooled(self._queue.get_nowait()))
            self._queue.task_done()
        return records

    async def _deliver_forever(self) -> None:
        await self._first_attempt.wait()  # until then events wait in the queue
        while True:
            event = await self._queue.get()
            try:
                await self._send(self.spooled(event))
            finally:
                self._queue.task_done()

    async def _send(self, record: Record) -> asyncio.Future[Any] | None:
        """Hand one event to the producer; if it (or its batch, later) fails, spool it."""
        producer = self._producer
        if producer is None:
            self.spool.keep([record])
            return None
        try:
            delivery: asyncio.Future[Any] = await send_record(producer, record)
        except asyncio.CancelledError:  # stopping while the batch is full
            self.spool.keep([record])
            raise
        except Exception as exc:  # the batch stayed full past the timeout, or closing
            log.warning("behavioural event not handed to Kafka, spooled: %s", exc)
            self.spool.keep([record])
            return None
        delivery.add_done_callback(functools.partial(self._spool_if_failed, record))
        return delivery

    def _spool_if_failed(self, record: Record, delivery: asyncio.Future[Any]) -> None:
        if delivery.cancelled() or delivery.exception() is not None:
            self.spool.keep([record])

    async def _reconnect_and_replay(self) -> None:
        try:
            await self._connect()
        finally:
            self._first_attempt.set()
        if self._producer is None:
            log.warning("Kafka unavailable: behavioural events are spooled until it is back")
        while True:
            await asyncio.sleep(self.settings.behaviour_events_replay_seconds)
            try:
                if self._producer is None:
                    await self._connect()
                    if self._producer is not None:
                        log.info("Kafka is back: behavioural events go to it again")
                if self._producer is not None:
                    await self.spool.replay(self.deliver_all, is_record)
            except Exception:  # never let the task die: the next pass tries again
                log.exception("re-sending spooled behavioural events failed")

    async def deliver_all(self, records: list[Record]) -> bool:
        """Send spooled ``records`` and wait for Kafka's acknowledgements: all or not."""
        producer = self._producer
        if producer is None:
            return False
        return await send_and_confirm(producer, records)


DRAIN_SECONDS = 5.0


def make_producer(settings: Settings) -> AIOKafkaProducer:
    """The behavioural events producer. ``acks=1``; a batch lives ``request_timeout_ms``
    from its creation, and aiokafka retries a retriable failure (connection lost, leader
    moved) only within that lifetime; a request that timed out is not retried by it (its
    batch has expired by then) and may still have been written: the spool re-sends it, so
    delivery is at least once. aiokafka's idempotent producer would retry a batch until
    Kafka takes it (no duplicates), holding every event in memory for an outage's length
    and none on disk: not used."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        linger_ms=settings.behaviour_events_linger_ms,
        max_batch_size=settings.behaviour_events_batch_bytes,
        acks=1,
        request_timeout_ms=settings.behaviour_events_request_timeout_ms,
        retry_backoff_ms=settings.behaviour_events_retry_backoff_ms,
        value_serializer=orjson.dumps,
        key_serializer=lambda k: k.encode(),
    )


async def send_record(producer: AIOKafkaProducer, record: Record) -> asyncio.Future[Any]:
    """Hand a spool record (topic and event envelope) to ``producer``; its delivery."""
    event = record["event"]
    delivery: asyncio.Future[Any] = await producer.send(
        record["topic"], event, key=event["session_id"]
    )
    return delivery


def is_record(record: Record) -> bool:
    """Whether a spool line is an event with its topic (anything else is never re-sent)."""
    event = record.get("event")
    return isinstance(record.get("topic"), str) and isinstance(event, dict) and (
        isinstance(event.get("session_id"), str)
    )  # fmt: skip


async def send_and_confirm(producer: AIOKafkaProducer, records: list[Record]) -> bool:
    """Send spooled records through ``producer``; whether Kafka acknowledged every one."""
    deliveries = []
    try:
        for record in records:
            deliveries.append(await send_record(producer, record))
    except Exception as exc:
        log.warning("re-sending spooled behavioural events stopped: %s", exc)
        await asyncio.gather(*deliveries, return_exceptions=True)
        return False
    outcomes = await asyncio.gather(*deliveries, return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    if failed:
        log.warning("%d of %d re-sent behavioural events failed (%s); the segment stays",
                    len(failed), len(records), failed[0])  # fmt: skip
    return not failed
