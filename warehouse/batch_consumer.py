"""The warehouse sink's batch engine: an aiokafka consumer that hands whole fetches to the sink.

Faust hands records to agents one at a time (an Event, a channel hop, an ack and sensor
calls per record); measured, that costs far more than decoding and writing the record (see
docs/WAREHOUSE.md, "Two sink engines"). This consumer fetches up to ``batch_size`` records per
``getmany``, writes them with the same :class:`~warehouse.sink.WarehouseSink`, dead-letters
the rejects with the same record shape as ``streams/dead_letter.py``, and commits the offsets
only after the write and the dead letters are done (at least once; the sink is idempotent).
The Faust worker runs it as a service (``streams/warehouse_sink.py``, engine ``batch``) and
counts into the worker's metrics; run alone it counts into
:func:`streams.worker_metrics.batch_metrics`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from souk.settings import Settings
from souk.topics import DEAD_LETTER
from souk.tracing import active_tracer, client_span, consumer_attributes, consumer_batch_span
from streams.dead_letter import dead_letter_of
from streams.hosted_consumer import Fetched, commit_and_show, show_positions
from streams.worker_metrics import BatchConsumerPositions, WorkerMetrics, batch_metrics
from warehouse.decoding import KafkaRecord
from warehouse.layout import WarehouseLayout
from warehouse.raw_tables import WAREHOUSE_TOPICS
from warehouse.sink import WarehouseSink, write_with_retries

log = logging.getLogger(__name__)
AGENT = "warehouse-sink-batch"


def dead_letter(record: KafkaRecord, reason: str) -> bytes:
    return json.dumps(
        dead_letter_of(record, reason=reason, agent=AGENT), ensure_ascii=False
    ).encode()


async def sink_records(
    sink: WarehouseSink, records: Sequence[KafkaRecord]
) -> tuple[dict[str, int], list[tuple[KafkaRecord, str]]]:
    """Write one fetched batch: the rows written per table, and the records the warehouse
    cannot take with their reasons."""
    try:
        report = await write_with_retries(sink, records)
    except Exception as exc:  # a bug must not lose the batch: park it on the dead-letter topic
        log.exception("warehouse sink failed on a batch of %d records", len(records))
        return {}, [(record, f"warehouse sink failed: {exc!r}") for record in records]
    return report.rows, [(records[r.index], r.reason) for r in report.rejections]


async def run_batch_consumer(
    settings: Settings, *, stop: asyncio.Event | None = None, metrics: WorkerMetrics | None = None,
    positions: BatchConsumerPositions | None = None,
) -> None:  # fmt: skip
    """Consume the warehouse topics in batches until ``stop`` is set (or forever).

    While one batch is decoded and written (in a worker thread), the next is already being
    fetched and unpacked on the event loop. Batches are still written, dead-lettered and
    committed one at a time and in order, each committing exactly its own offsets (by then
    the consumer's position is past the batch fetched meanwhile, which is not committed)."""
    metrics = metrics or batch_metrics()
    prefix = settings.streams_topic_prefix
    group = f"{settings.streams_app_id}-warehouse-batch"
    topics = [prefix + t for t in WAREHOUSE_TOPICS]
    tracer = active_tracer(__name__)  # None when traces are off: no spans, no header reads
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=settings.kafka_bootstrap,
        group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_records=settings.warehouse_sink_batch_size,
        fetch_max_bytes=64 << 20, max_partition_fetch_bytes=16 << 20,
    )  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    sink = WarehouseSink(
        WarehouseLayout(settings.warehouse_dir), timezone=settings.warehouse_timezone
    )

    async def next_batch() -> Fetched:
        fetched: Fetched = await consumer.getmany(
            timeout_ms=int(settings.warehouse_sink_batch_seconds * 1000),
            max_records=settings.warehouse_sink_batch_size,
        )
        return fetched

    def fetch() -> asyncio.Future[Fetched]:
        return asyncio.ensure_future(next_batch())

    fetching: asyncio.Future[Fetched] | None = None
    try:  # a start that fails (a topic not created yet) still stops both: no leaked client
        await consumer.start()
        await producer.start()
        fetching = fetch()
        while stop is None or not stop.is_set():
            fetched = await fetching
            fetching = fetch()  # the next batch is fetched while this one is written
            records = [m for messages in fetched.values() for m in messages]
            if not records:
                await show_positions(consumer, positions)
                continue
            with consumer_batch_span(
                tracer,
                f"process {group}",
                (m.headers for messages in fetched.values() for m in messages),
                **consumer_attributes(group, ",".join(topics), len(records)),
            ):
                with client_span(
                    tracer, "warehouse write", **{"souk.warehouse.records": len(records)}
                ):
                    rows, rejected = await sink_records(sink, records)
                for record, reason in rejected:
                    log.warning("dead-lettering %s[%s]@%s: %s", record.topic, record.partition,
                                record.offset, reason)  # fmt: skip
                    await producer.send(prefix + DEAD_LETTER, dead_letter(record, reason),
                                        key=record.key)  # fmt: skip
                if rejected:
                    await producer.flush()
                await commit_and_show(consumer, fetched, positions)
            metrics.count_sunk(rows)
            if rejected:
                metrics.count_dead_letters(AGENT, len(rejected))
    finally:
        if fetching is not None:
            fetching.cancel()  # fetched but never written: not committed, so delivered again
        if positions is not None:
            positions.consumer = None
        await consumer.stop()
        await producer.stop()
