"""A plain aiokafka consumer loop hosted as a service of the Faust worker.

The warehouse sink's and the catalog indexer's batch engines consume with ``getmany`` rather
than through Faust's per-record path (an Event, a channel hop, an ack and sensor calls per
record). Hosted here, such a loop starts, stops and crashes with the worker like its agents,
and Kafka refusing it (a topic not created yet, a broker restarting) restarts it after a
back-off instead of ending the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import mode
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from streams.worker_metrics import BatchConsumerPositions

log = logging.getLogger(__name__)
MAX_RESTART_DELAY_S = 30.0
STOP_WITHIN_S = 60.0

ConsumerLoop = Callable[[asyncio.Event], Awaitable[None]]  # runs until the event is set
Fetched = dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]  # what getmany returns


def next_offsets(fetched: Fetched) -> dict[TopicPartition, int]:
    """The offsets to commit once ``fetched`` is handled: one past each partition's last."""
    return {tp: messages[-1].offset + 1 for tp, messages in fetched.items() if messages}


async def commit_and_show(
    consumer: AIOKafkaConsumer, fetched: Fetched, positions: BatchConsumerPositions | None
) -> None:
    """Commit what ``fetched`` held (nothing when it is empty), then :func:`show_positions`."""
    offsets = next_offsets(fetched)
    if offsets:
        try:
            await consumer.commit(offsets)
        except CommitFailedError as exc:  # rebalanced meanwhile: redelivered, and harmless
            log.warning("batch offsets not committed: %s", exc)
            offsets = {}
    await show_positions(consumer, positions, offsets)


async def show_positions(
    consumer: AIOKafkaConsumer, positions: BatchConsumerPositions | None,
    committed: dict[TopicPartition, int] | None = None,
) -> None:  # fmt: skip
    """Show the consumer's partitions in the lag gauges: the offsets it just ``committed``,
    and for a partition newly assigned the group's committed offset."""
    if positions is None:
        return
    positions.consumer = consumer
    positions.committed.update(committed or {})
    for tp in consumer.assignment() - positions.committed.keys():
        positions.committed[tp] = await consumer.committed(tp)


async def consume_with_restarts(
    consume: Callable[[], Awaitable[None]],
    stopping: asyncio.Event,
    *,
    what: str = "batch consumer",
    first_delay: float = 1.0,
    max_delay: float = MAX_RESTART_DELAY_S,
) -> None:
    """Run ``consume`` until it returns or ``stopping`` is set; when Kafka refuses it, log it
    and start again after a back-off. A crash here would end the whole worker."""
    delay = first_delay
    while not stopping.is_set():
        try:
            await consume()
            return
        except KafkaError as exc:
            log.warning("%s: Kafka refused (%r); starting again in %.0fs", what, exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=delay)
            delay = min(delay * 2, max_delay)


def hosted_consumer(loop: ConsumerLoop, what: str) -> type[mode.Service]:
    """A service class for ``app.service`` (Faust instantiates it) running ``loop`` from the
    app's start to its stop; a stop lets the current batch finish (its writes, dead letters
    and commit) before the consumer closes."""

    class HostedConsumer(mode.Service):
        _stopping: asyncio.Event
        _consuming: asyncio.Future[None]

        async def on_start(self) -> None:
            self._stopping = asyncio.Event()
            stopping = self._stopping
            self._consuming = self.add_future(
                consume_with_restarts(lambda: loop(stopping), stopping, what=what)
            )

        async def on_stop(self) -> None:
            self._stopping.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._consuming), timeout=STOP_WITHIN_S)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("%s stopped mid-batch; it is redelivered on start", what)

    HostedConsumer.__name__ = f"HostedConsumer[{what}]"  # its label in the logs
    return HostedConsumer
