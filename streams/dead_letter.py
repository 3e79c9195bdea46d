"""Poison messages to ``souk.dead-letter`` with the reason, so the stream keeps flowing."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import faust

from souk.settings import Settings
from souk.topics import DEAD_LETTER
from streams.app import raw_topic
from streams.worker_metrics import worker_metrics

log = logging.getLogger(__name__)


def _text(value: bytes | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", errors="replace")


def dead_letter_record(event: Any, *, reason: str, agent: str) -> dict[str, Any]:
    """The dead-letter record of one Faust event (its message's coordinates and bytes)."""
    return dead_letter_of(event.message, reason=reason, agent=agent)


def dead_letter_of(message: Any, *, reason: str, agent: str) -> dict[str, Any]:
    """The dead-letter record of one Kafka message: a Faust ``Message`` or an aiokafka
    ``ConsumerRecord`` (both have topic, partition, offset, key and value)."""
    return {
        "source_topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "key": _text(message.key),
        "value": _text(message.value),
        "reason": reason,
        "agent": agent,
        "failed_at": datetime.now(UTC).isoformat(),
    }


class DeadLetters:
    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.topic = raw_topic(app, settings, DEAD_LETTER, partitions=1)
        self._declared = False
        self._metrics = worker_metrics(app)

    async def send(self, event: Any, *, reason: str, agent: str) -> None:
        await self.send_message(event.message, reason=reason, agent=agent)

    async def send_message(self, message: Any, *, reason: str, agent: str) -> None:
        """Dead-letter one Kafka message (a Faust ``Message`` or an aiokafka record)."""
        if not self._declared:
            await self.topic.maybe_declare()
            self._declared = True
        record = dead_letter_of(message, reason=reason, agent=agent)
        log.warning("dead-lettering %s[%s]@%s: %s", record["source_topic"], record["partition"],
                    record["offset"], reason)  # fmt: skip
        await self.topic.send(
            key=message.key, value=json.dumps(record, ensure_ascii=False).encode()
        )
        self._metrics.count_dead_letters(agent)
