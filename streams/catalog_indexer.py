"""Catalog indexing: listing and seller CDC changes to the Elasticsearch catalog.

Two engines fetch the changes (``catalog_index_engine``): ``batch`` (the default), one
aiokafka batch consumer hosted as a service of the worker (:mod:`streams.catalog_batch`),
and ``agent``, Faust agents taking micro-batches (``take_events(n, within=s)``). Either hands
each micro-batch to :class:`CatalogIndexing`: it parses the records, sends malformed ones to
the dead-letter topic, and hands the rest to :class:`search.catalog_writer.CatalogWriter`
(versioned, order-safe upserts). When Elasticsearch is unreachable the batch is retried with
back-off, never dead-lettered: only the record's own fault sends it there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar, cast

import faust
from elasticsearch import ApiError, AsyncElasticsearch, ConnectionError, ConnectionTimeout
from faust.streams import Stream

from search.catalog_index import ensure_catalog
from search.catalog_writer import CatalogWriter, WriteReport
from search.changes import RowChange
from search.elastic import ElasticsearchBusyError, async_client
from search.mapping import sellers_index_name
from souk.settings import Settings, SinkEngine
from souk.topics import cdc_topic
from souk.tracing import active_tracer, client_span, consumer_attributes, consumer_batch_span
from streams.app import raw_topic, topic_name
from streams.cdc import MalformedChangeError, parse_change
from streams.dead_letter import DeadLetters
from streams.hosted_consumer import hosted_consumer
from streams.worker_metrics import worker_metrics

log = logging.getLogger(__name__)
LISTINGS_AGENT = "catalog-listings"
SELLERS_AGENT = "catalog-sellers"
MAX_BACKOFF_S = 10.0
T = TypeVar("T")


class CatalogSink:
    """The Elasticsearch side of the agents, opened lazily inside the worker's event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._writer: CatalogWriter | None = None
        self._es: AsyncElasticsearch | None = None
        self._opening = asyncio.Lock()

    async def writer(self) -> CatalogWriter:
        async with self._opening:  # both agents ask at start: create the index once
            return await self._open()

    async def _open(self) -> CatalogWriter:
        if self._writer is None:
            self._es = async_client(self.settings, timeout=30.0)
            await ensure_catalog(self._es, self.settings)
            self._writer = CatalogWriter(
                self._es,
                catalog=self.settings.catalog_alias,
                sellers=sellers_index_name(self.settings),
            )
        return self._writer

    async def close(self) -> None:
        if self._es is not None:
            await self._es.close()
        self._es, self._writer = None, None


async def with_retries(action: Callable[[], Awaitable[T]], what: str) -> T:
    """``action`` until Elasticsearch takes it: unreachable, overloaded or 5xx is retried with
    back-off (a 4xx other than 429 is the request's own fault and raised)."""
    delay = 0.5
    while True:
        try:
            return await action()
        except (ConnectionError, ConnectionTimeout, ApiError, ElasticsearchBusyError) as exc:
            if isinstance(exc, ApiError) and exc.meta.status < 500 and exc.meta.status != 429:
                raise
            log.warning(
                "Elasticsearch unavailable while %s (%s); retrying in %.1fs", what, exc, delay
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)


def _parse_batch(
    messages: Sequence[Any], table: str
) -> tuple[list[tuple[Any, RowChange]], list[tuple[Any, str]]]:
    good: list[tuple[Any, RowChange]] = []
    bad: list[tuple[Any, str]] = []
    for message in messages:
        try:
            good.append((message, parse_change(message.value, table=table)))
        except MalformedChangeError as exc:
            bad.append((message, str(exc)))
    return good, bad


APPLY: dict[str, tuple[Callable[[CatalogWriter, list[RowChange]], Awaitable[WriteReport]], str]] = {
    "listings": (CatalogWriter.apply_listing_changes, "indexing listings"),
    "sellers": (CatalogWriter.apply_seller_changes, "re-denormalising sellers"),
}
AGENTS = {"listings": LISTINGS_AGENT, "sellers": SELLERS_AGENT}


class CatalogIndexing:
    """One micro-batch of a CDC table's messages into the catalog, whichever engine fetched
    them (Faust ``Message`` objects or aiokafka records): parse, write with retries while
    Elasticsearch is away, dead-letter the records at fault, count."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.settings = settings
        self.sink = CatalogSink(settings)
        self.dead_letters = DeadLetters(app, settings)
        self.metrics = worker_metrics(app)
        self.tracer = active_tracer(__name__)  # None when traces are off: no spans

    async def index(self, table: str, messages: Sequence[Any]) -> None:
        topic = topic_name(self.settings, cdc_topic(table))
        with consumer_batch_span(
            self.tracer,
            f"process {topic}",
            (message.headers for message in messages),
            **consumer_attributes(self.settings.streams_app_id, topic, len(messages)),
        ):
            await self._index(table, messages)

    async def open(self) -> CatalogWriter:
        """The writer, once Elasticsearch answers (the catalog index created if missing)."""
        return await with_retries(self.sink.writer, "opening the catalog index")

    async def _apply(self, table: str, changes: list[RowChange]) -> WriteReport:
        apply, _ = APPLY[table]
        return await apply(await self.sink.writer(), changes)

    async def _index(self, table: str, messages: Sequence[Any]) -> None:
        good, bad = _parse_batch(messages, table)
        changes = [change for _, change in good]
        with client_span(self.tracer, "elasticsearch bulk", **{"db.system.name": "elasticsearch"}):
            report = await with_retries(partial(self._apply, table, changes), APPLY[table][1])
        for message, change in good:
            if change.key in report.failures:
                bad.append((message, report.failures[change.key]))
        for message, reason in bad:
            await self.dead_letters.send_message(message, reason=reason, agent=AGENTS[table])
        self.metrics.count_catalog(
            table, written=report.written, deleted=report.deleted, stale=report.stale
        )
        log.debug("%s batch: %d written, %d stale", table, report.written, report.stale)


def register_catalog_indexer(app: faust.App, settings: Settings) -> None:
    """Add the catalog indexer (a :data:`streams.app.Registrar`): with the ``batch`` engine
    (the default) one batch consumer of both CDC topics hosted as a worker service
    (:mod:`streams.catalog_batch`); with ``agent`` the listings and sellers Faust agents."""
    indexing = CatalogIndexing(app, settings)
    if settings.catalog_index_engine is SinkEngine.BATCH:
        from streams.catalog_batch import run_catalog_batch_consumer

        positions = indexing.metrics.batch_consumer_positions()

        async def consume(stop: asyncio.Event) -> None:
            await run_catalog_batch_consumer(settings, indexing, stop=stop, positions=positions)

        app.service(hosted_consumer(consume, "catalog batch indexer"))
        return
    size, within = settings.catalog_batch_size, settings.catalog_batch_seconds

    def indexing_agent(table: str) -> Callable[[faust.StreamT[bytes]], Awaitable[None]]:
        async def index(stream: faust.StreamT[bytes]) -> None:
            await indexing.open()  # the catalog index exists from the worker's start
            async for taken in cast(Stream[bytes], stream).take_events(size, within=within):
                await indexing.index(table, [event.message for event in taken])

        return index

    listings = raw_topic(app, settings, cdc_topic("listings"))
    sellers = raw_topic(app, settings, cdc_topic("sellers"))
    # Several actors may index listings at once: the external versions, not the order of
    # arrival, decide which change of a listing wins, so concurrency is safe here.
    concurrency = settings.catalog_agent_concurrency
    app.agent(listings, name=LISTINGS_AGENT, concurrency=concurrency)(indexing_agent("listings"))
    app.agent(sellers, name=SELLERS_AGENT)(indexing_agent("sellers"))
