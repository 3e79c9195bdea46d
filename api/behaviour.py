"""Behavioural events (searches, result clicks, listing views) from the API to Kafka.

They never touch Postgres: the API sends them straight to their topics through the
:class:`BehaviourEvents` port. Sending is fire-and-forget (buffered by the producer); a
broken broker is logged, never turned into a failed search. The producer gathers events for
``behaviour_events_linger_ms`` (200 ms) into one request: at 20 ms, a searching API sent one
Kafka request per search (~4% of its CPU per search); events still wait at most that long,
and stopping the producer sends what it holds.

A batch holds up to ``behaviour_events_batch_bytes`` (16 KiB, aiokafka's default), ~13
``SearchPerformed`` events (~1.2 KB each): at ~90 searches/s a batch fills before its linger,
and while the previous batch is still in flight (one request per broker at a time), ``send``
makes the search wait until the full batch left: at 32 clients 10% of searches waited 120+
ms, 1% 285+ ms (docs/SEARCH.md). 256 KiB removed that wait, but in ``./dev up`` (the demo's
buyers, every service on 2 cores) batches that large timed out at the 5 s request timeout and
12,631 events were lost, against none at 16 KiB in the same run: kept at 16 KiB.
"""

from __future__ import annotations

import abc
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

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
    """aiokafka producer to ``souk.behaviour.*`` (JSON envelopes keyed by session id)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None

    def topic(self, event_type: str) -> str:
        return f"{self.settings.streams_topic_prefix}{TOPIC_OF[event_type]}"

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            linger_ms=self.settings.behaviour_events_linger_ms,
            max_batch_size=self.settings.behaviour_events_batch_bytes,
            acks=1,
            request_timeout_ms=5000,
            value_serializer=orjson.dumps,
            key_serializer=lambda k: k.encode(),
        )
        try:
            await producer.start()
        except Exception as exc:  # the API still serves searches without Kafka
            log.warning("behavioural events disabled: Kafka unavailable (%s)", exc)
            await producer.stop()
            return
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, event: BehaviourEvent) -> None:
        if self._producer is None:
            return
        try:
            delivery = await self._producer.send(
                self.topic(event.event_type), event.envelope(), key=event.key
            )
            delivery.add_done_callback(_log_failed_delivery)
        except Exception as exc:
            log.warning("could not send %s: %s", event.event_type, exc)


def _log_failed_delivery(delivery: Any) -> None:
    if not delivery.cancelled() and delivery.exception() is not None:
        log.warning("behavioural event not delivered: %s", delivery.exception())
