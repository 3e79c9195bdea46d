"""The catalog indexer's batch engine: one aiokafka consumer of the listing and seller CDC
topics, hosted as a service of the Faust worker (``catalog_index_engine=batch``).

Faust delivers records to agents one at a time (a task pair, a channel hop and an ack per
record) on the same event loop that builds the catalog documents: with the agents the worker
indexed ~2,600 listings/s while neither it nor Elasticsearch used more than half a core
(the actors waited 100-600 ms for each micro-batch; docs/SEARCH.md, "Two indexing engines").
Here one ``getmany`` fetches up to ``catalog_batch_size`` x ``catalog_agent_concurrency``
records; seller changes are applied first, then the listing changes in up to
``catalog_agent_concurrency`` micro-batches (one listing's changes stay in one), written at
most that many at once across fetches (:class:`ListingWrites`), as the agent's actors did;
the next fetch runs meanwhile. A fetch's offsets are committed once every micro-batch of it
and of the fetches before it is written and its bad records dead-lettered: at least once,
and a redelivered change is harmless (external versions).
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections import deque
from collections.abc import Sequence
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from souk.settings import Settings
from souk.topics import cdc_topic
from streams.app import topic_name
from streams.catalog_indexer import CatalogIndexing
from streams.hosted_consumer import Fetched, commit_and_show
from streams.worker_metrics import BatchConsumerPositions

log = logging.getLogger(__name__)
Record: TypeAlias = ConsumerRecord[bytes, bytes]


def listing_batches(records: Sequence[Record], parts: int) -> list[list[Record]]:
    """``records`` in up to ``parts`` micro-batches by key, each in fetch order: a listing's
    changes all go to one, so no two concurrent writes carry the same listing."""
    batches: list[list[Record]] = [[] for _ in range(max(parts, 1))]
    for record in records:
        batches[zlib.crc32(record.key or b"") % len(batches)].append(record)
    return [batch for batch in batches if batch]


async def run_catalog_batch_consumer(
    settings: Settings, indexing: CatalogIndexing, *, stop: asyncio.Event,
    positions: BatchConsumerPositions | None = None,
) -> None:  # fmt: skip
    """Index the CDC topics in batches until ``stop`` is set (its partitions' positions shown
    in ``positions`` for the lag gauges)."""
    listings, sellers = (topic_name(settings, cdc_topic(t)) for t in ("listings", "sellers"))
    parts = max(settings.catalog_agent_concurrency, 1)
    fetch_size = settings.catalog_batch_size * parts
    consumer = AIOKafkaConsumer(
        listings, sellers, bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"{settings.streams_app_id}-catalog-batch", enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_records=fetch_size,
        fetch_max_bytes=64 << 20, max_partition_fetch_bytes=16 << 20,
    )  # fmt: skip

    async def next_batch() -> Fetched:
        fetched: Fetched = await consumer.getmany(
            timeout_ms=int(settings.catalog_batch_seconds * 1000), max_records=fetch_size
        )
        return fetched

    fetching: asyncio.Future[Fetched] | None = None
    writes = ListingWrites(indexing, parts)
    try:  # a start that fails (a topic not created yet) still stops the consumer
        await indexing.open()  # the catalog index exists from the worker's start
        await consumer.start()
        fetching = asyncio.ensure_future(next_batch())
        while not stop.is_set():
            fetched = await fetching
            fetching = asyncio.ensure_future(next_batch())  # fetched while this one is written
            changed = {
                topic: [m for tp, ms in fetched.items() if tp.topic == topic for m in ms]
                for topic in (listings, sellers)
            }
            if changed[sellers]:
                await indexing.index("sellers", changed[sellers])
            await writes.start(fetched, listing_batches(changed[listings], parts))
            for done in writes.finished():
                await commit_and_show(consumer, done, positions)
        for done in await writes.drain():  # stopping: what was fetched and written commits
            await commit_and_show(consumer, done, positions)
    finally:
        if fetching is not None:
            fetching.cancel()  # fetched but never indexed: not committed, so delivered again
        writes.cancel()
        if positions is not None:
            positions.consumer = None
        await consumer.stop()
        await indexing.sink.close()


class ListingWrites:
    """Listing micro-batches being written, at most ``parts`` at once across fetches: a
    fetch's micro-batches start as soon as earlier ones free a place (a fetch no longer waits
    for the previous fetch's slowest one), and fetches are handed back for their commit in
    fetch order once every micro-batch of them and of the fetches before them is written.
    Two writes of one listing may then overlap (from two fetches): its external versions
    decide, as with the agent's concurrent actors."""

    def __init__(self, indexing: CatalogIndexing, parts: int) -> None:
        self.indexing = indexing
        self.places = asyncio.Semaphore(parts)
        self.pending: deque[tuple[Fetched, list[asyncio.Task[None]]]] = deque()

    async def start(self, fetched: Fetched, batches: list[list[Record]]) -> None:
        tasks = []
        for batch in batches:
            await self.places.acquire()
            tasks.append(asyncio.create_task(self._write(batch)))
        self.pending.append((fetched, tasks))

    async def _write(self, batch: list[Record]) -> None:
        try:
            await self.indexing.index("listings", batch)
        finally:
            self.places.release()

    def finished(self) -> list[Fetched]:
        """The fetches, oldest first, that are now written (a failed write raises here)."""
        done = []
        while self.pending and all(task.done() for task in self.pending[0][1]):
            fetched, tasks = self.pending.popleft()
            for task in tasks:
                task.result()
            done.append(fetched)
        return done

    async def drain(self) -> list[Fetched]:
        """Wait for every write started, then hand back every fetch."""
        await asyncio.gather(*(task for _, tasks in self.pending for task in tasks))
        return self.finished()

    def cancel(self) -> None:
        for _, tasks in self.pending:
            for task in tasks:
                task.cancel()
