"""Catalog indexing agents: listing and seller CDC changes to the Elasticsearch catalog.

Each agent takes micro-batches (``take_events(n, within=s)``), parses the records, sends
malformed ones to the dead-letter topic, and hands the rest to
:class:`search.catalog_writer.CatalogWriter` (versioned, order-safe upserts). When
Elasticsearch is unreachable the batch is retried with back-off, never dead-lettered:
only the record's own fault sends it there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, cast

import faust
from elasticsearch import ApiError, AsyncElasticsearch, ConnectionError, ConnectionTimeout
from faust.streams import Stream

from search.catalog_index import ensure_catalog
from search.catalog_writer import CatalogWriter, WriteReport
from search.changes import RowChange
from search.elastic import ElasticsearchBusyError, async_client
from search.mapping import sellers_index_name
from souk.settings import Settings
from souk.topics import cdc_topic
from souk.tracing import active_tracer, client_span, consumer_attributes, consumer_batch_span
from streams.app import raw_topic, topic_name
from streams.cdc import MalformedChangeError, parse_change
from streams.dead_letter import DeadLetters
from streams.worker_metrics import worker_metrics

log = logging.getLogger(__name__)
LISTINGS_AGENT = "catalog-listings"
SELLERS_AGENT = "catalog-sellers"
MAX_BACKOFF_S = 10.0


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


async def with_retries(action: Callable[[], Awaitable[WriteReport]], what: str) -> WriteReport:
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
    events: list[Any], table: str
) -> tuple[list[tuple[Any, RowChange]], list[tuple[Any, str]]]:
    good: list[tuple[Any, RowChange]] = []
    bad: list[tuple[Any, str]] = []
    for event in events:
        try:
            good.append((event, parse_change(event.message.value, table=table)))
        except MalformedChangeError as exc:
            bad.append((event, str(exc)))
    return good, bad


def register_catalog_indexer(app: faust.App, settings: Settings) -> None:
    """Add the listings and sellers agents (a :data:`streams.app.Registrar`)."""
    listings = raw_topic(app, settings, cdc_topic("listings"))
    sellers = raw_topic(app, settings, cdc_topic("sellers"))
    dead_letters = DeadLetters(app, settings)
    metrics = worker_metrics(app)
    sink = CatalogSink(settings)
    size, within = settings.catalog_batch_size, settings.catalog_batch_seconds
    tracer = active_tracer(__name__)  # None when traces are off: no spans, no header reads

    def indexing_agent(
        table: str,
        apply: Callable[[CatalogWriter, list[RowChange]], Awaitable[WriteReport]],
        doing: str,
        agent: str,
    ) -> Callable[[faust.StreamT[bytes]], Awaitable[None]]:
        """One agent body for both tables: parse, write, dead-letter what failed."""

        topic = topic_name(settings, cdc_topic(table))

        async def index(stream: faust.StreamT[bytes]) -> None:
            writer = await sink.writer()
            async for taken in cast(Stream[bytes], stream).take_events(size, within=within):
                events = list(taken)
                with consumer_batch_span(
                    tracer,
                    f"process {topic}",
                    (event.message.headers for event in events),
                    **consumer_attributes(settings.streams_app_id, topic, len(events)),
                ):
                    await index_batch(writer, events)

        async def index_batch(writer: CatalogWriter, events: list[Any]) -> None:
            good, bad = _parse_batch(events, table)
            changes = [change for _, change in good]
            with client_span(tracer, "elasticsearch bulk", **{"db.system.name": "elasticsearch"}):
                report = await with_retries(partial(apply, writer, changes), doing)
            for event, change in good:
                if change.key in report.failures:
                    bad.append((event, report.failures[change.key]))
            for event, reason in bad:
                await dead_letters.send(event, reason=reason, agent=agent)
            metrics.count_catalog(
                table, written=report.written, deleted=report.deleted, stale=report.stale
            )
            log.debug("%s batch: %d written, %d stale", table, report.written, report.stale)

        return index

    index_listings = indexing_agent(
        "listings", CatalogWriter.apply_listing_changes, "indexing listings", LISTINGS_AGENT
    )
    index_sellers = indexing_agent(
        "sellers", CatalogWriter.apply_seller_changes, "re-denormalising sellers", SELLERS_AGENT
    )

    # Several actors may index listings at once: the external versions, not the order of
    # arrival, decide which change of a listing wins, so concurrency is safe here.
    concurrency = settings.catalog_agent_concurrency
    app.agent(listings, name=LISTINGS_AGENT, concurrency=concurrency)(index_listings)
    app.agent(sellers, name=SELLERS_AGENT)(index_sellers)
