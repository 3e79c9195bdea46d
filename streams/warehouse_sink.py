"""The warehouse sink in the Faust worker: behavioural and domain events into the raw layer.

``warehouse_sink_engine`` chooses how. ``batch`` (the default) runs the batch engine
(:mod:`warehouse.batch_consumer`, aiokafka ``getmany``) as a service of the worker: started,
stopped and crashed with the app like its agents, counting into the worker's metrics, without
Faust's per-record machinery, which is where the agents spend their time (docs/WAREHOUSE.md,
"Two sink engines").

``agent``: one agent per topic takes micro-batches (``stream.take_events(n, within=s)``: the
events, not just the values, because a dead letter names the record's partition and offset)
and hands them to :class:`warehouse.sink.WarehouseSink` in a worker thread, so Polars and
Parquet work off the event loop while Faust keeps fetching. Records that cannot be warehoused
go to the dead-letter topic with the reason. A failing disk is retried with back-off and never
acked past: Faust acks a batch only after the agent's loop body returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import faust
from faust.streams import Stream
from opentelemetry.trace import Tracer

from souk.settings import Settings, SinkEngine
from souk.tracing import active_tracer, client_span, consumer_attributes, consumer_batch_span
from streams.app import raw_topic, topic_name
from streams.dead_letter import DeadLetters
from streams.hosted_consumer import hosted_consumer
from streams.worker_metrics import worker_metrics
from warehouse.batch_consumer import run_batch_consumer
from warehouse.decoding import IncomingRecord
from warehouse.layout import WarehouseLayout
from warehouse.raw_tables import WAREHOUSE_TOPICS
from warehouse.sink import SinkReport, WarehouseSink, write_with_retries

log = logging.getLogger(__name__)
AGENT = "warehouse-sink"


def incoming(events: Sequence[Any]) -> list[IncomingRecord]:
    return [
        IncomingRecord(m.topic, m.partition, m.offset, m.key, m.value)
        for m in (event.message for event in events)
    ]


async def sink_events(
    sink: WarehouseSink,
    dead_letters: DeadLetters,
    events: Sequence[Any],
    tracer: Tracer | None = None,
) -> SinkReport:
    """Write one micro-batch; dead-letter what the warehouse cannot take."""
    records = incoming(events)
    try:
        with client_span(tracer, "warehouse write", **{"souk.warehouse.records": len(records)}):
            report = await write_with_retries(sink, records)
    except Exception as exc:  # a bug must not lose the batch: park it on the dead-letter topic
        log.exception("warehouse sink failed on a batch of %d records", len(records))
        for event in events:
            await dead_letters.send(event, reason=f"warehouse sink failed: {exc!r}", agent=AGENT)
        return SinkReport()
    for rejection in report.rejections:
        await dead_letters.send(events[rejection.index], reason=rejection.reason, agent=AGENT)
    return report


def _agent(
    sink: WarehouseSink, dead_letters: DeadLetters, settings: Settings, app: faust.App, topic: str
) -> Any:  # the agent function Faust wraps
    metrics = worker_metrics(app)
    tracer = active_tracer(__name__)  # None when traces are off: no spans, no header reads

    async def warehouse_sink(stream: Stream[bytes]) -> AsyncIterator[int]:
        async for events in stream.take_events(
            settings.warehouse_sink_batch_size, within=settings.warehouse_sink_batch_seconds
        ):
            with consumer_batch_span(
                tracer,
                f"process {topic}",
                (event.message.headers for event in events),
                **consumer_attributes(settings.streams_app_id, topic, len(events)),
            ):
                report = await sink_events(sink, dead_letters, events, tracer)
            metrics.count_sunk(report.rows)
            yield report.written

    return warehouse_sink


def register(app: faust.App, settings: Settings) -> None:
    """Add the warehouse sink to ``app``: the batch service, or one agent per topic."""
    if settings.warehouse_sink_engine is SinkEngine.BATCH:
        metrics = worker_metrics(app)
        positions = metrics.batch_consumer_positions()

        async def consume(stop: asyncio.Event) -> None:
            await run_batch_consumer(settings, stop=stop, metrics=metrics, positions=positions)

        app.service(hosted_consumer(consume, "warehouse batch sink"))
        return
    sink = WarehouseSink(
        WarehouseLayout(settings.warehouse_dir), timezone=settings.warehouse_timezone
    )
    dead_letters = DeadLetters(app, settings)
    for name in WAREHOUSE_TOPICS:
        topic = raw_topic(app, settings, name)
        agent = _agent(sink, dead_letters, settings, app, topic_name(settings, name))
        app.agent(topic, name=f"{AGENT}.{name}")(agent)
