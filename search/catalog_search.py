"""The read side of the catalog: search, suggestions, one listing, similar listings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, ConnectionError, ConnectionTimeout

from search.analysis.normalise import normalise
from search.analysis.query_terms import analyse_query
from search.documents import SUGGEST_STATUS
from search.elastic import ndjson_lines
from search.errors import (
    InvalidSearchError,
    ListingNotFoundError,
    SearchFailedError,
    SearchUnavailableError,
)
from search.highlight import Highlighter
from search.query.builder import SOURCE_FIELDS, build_search_body, search_requests
from search.query.cursor import decode_cursor, encode_cursor
from search.query.request import SEARCHABLE_STATUSES, SearchRequest
from search.query.results import SearchHit, SearchResult, read_facets, read_hit
from search.similar import similar_body

log = logging.getLogger(__name__)
PIT_KEEP_ALIVE = "3m"
HIDDEN_STATUSES = ("draft", "deleted")


@dataclass(frozen=True)
class Suggestion:
    text: str
    listing_id: str
    title: str | None


@asynccontextmanager
async def elasticsearch_errors() -> AsyncIterator[None]:
    """Elasticsearch being down or failing becomes :class:`SearchUnavailableError`."""
    try:
        yield
    except (ConnectionError, ConnectionTimeout) as exc:
        raise SearchUnavailableError(f"the catalog search engine is unreachable ({exc})") from exc
    except ApiError as exc:
        if exc.meta.status == 404 and "index_not_found" in str(exc):
            raise SearchUnavailableError("the catalog index does not exist yet") from exc
        if exc.meta.status >= 500 or exc.meta.status == 429:
            raise SearchUnavailableError(f"the catalog search engine failed ({exc})") from exc
        raise


def answer_of(response: dict[str, Any]) -> dict[str, Any]:
    """One ``_msearch`` answer, its error raised like a failed search's."""
    error = response.get("error")
    if error is None:
        return response
    status = int(response.get("status", 500))
    reason = error.get("reason") if isinstance(error, dict) else error
    kind = error.get("type") if isinstance(error, dict) else None
    if status == 404 and kind == "index_not_found_exception":
        raise SearchUnavailableError("the catalog index does not exist yet")
    if status >= 500 or status == 429:
        raise SearchUnavailableError(f"the catalog search engine failed ({status} {reason})")
    raise SearchFailedError(f"the catalog search engine refused the search ({status} {reason})")


class CatalogSearch:
    def __init__(self, es: AsyncElasticsearch, *, alias: str) -> None:
        self.es = es
        self.alias = alias

    async def search(self, request: SearchRequest) -> SearchResult:
        concepts = analyse_query(request.q) if request.q.strip() else ()
        cursor = decode_cursor(request.cursor, request.fingerprint()) if request.cursor else None
        async with elasticsearch_errors():
            if cursor is None:
                # Hits and facets in one round trip; Elasticsearch runs the two in parallel.
                lines = ndjson_lines(search_requests(request, self.alias))
                both = await self.es.msearch(searches=lines)
                response, counted = (answer_of(r) for r in both["responses"])
                took, pit_id = both["took"], None
            else:
                body = build_search_body(request, search_after=cursor.search_after)
                pit_id = cursor.pit_id or await self._open_pit()
                body["pit"] = {"id": pit_id, "keep_alive": PIT_KEEP_ALIVE}
                response = counted = await self._search_in_pit(body)
                took, pit_id = response["took"], response.get("pit_id", pit_id)
        marks = Highlighter(concepts)  # one per search: each word is judged once
        hits = [read_hit(raw, request, marks) for raw in response["hits"]["hits"]]
        total = counted["hits"]["total"]
        seen = (0 if cursor else (request.page - 1) * request.size) + len(hits)
        more = len(hits) == request.size and (cursor is not None or seen < total["value"])
        next_cursor = encode_cursor(hits[-1].sort, pit_id, request.fingerprint()) if more else None
        return SearchResult(
            hits=hits,
            total=total["value"],
            total_relation=total["relation"],
            took_ms=took,
            facets=read_facets(counted.get("aggregations", {}), request),
            next_cursor=next_cursor,
        )

    async def _open_pit(self) -> str:
        response = await self.es.open_point_in_time(index=self.alias, keep_alive=PIT_KEEP_ALIVE)
        return str(response["id"])

    async def _search_in_pit(self, body: dict[str, Any]) -> Any:
        try:
            return await self.es.search(body=body)
        except ApiError as exc:
            if exc.meta.status == 404:
                raise InvalidSearchError("cursor has expired; start the search again") from exc
            if exc.meta.status == 400:  # search_after or point in time not of this search's shape
                raise InvalidSearchError(
                    "cursor does not fit this search (altered, or from an older version of the "
                    "API); start the search again"
                ) from exc
            raise

    async def suggest(self, prefix: str, *, size: int = 8) -> list[Suggestion]:
        text = " ".join(normalise(prefix).split())
        if not text:
            return []
        completion: dict[str, Any] = {
            "field": "suggest", "size": size, "skip_duplicates": True,
            "contexts": {SUGGEST_STATUS: list(SEARCHABLE_STATUSES)},
        }  # fmt: skip
        if len(text) >= 4:
            completion["fuzzy"] = {"fuzziness": "AUTO", "prefix_length": 1}
        body = {"suggest": {"listing": {"prefix": text, "completion": completion}},
                "_source": ["listing_id", "listing.title_en", "listing.title_ar"]}  # fmt: skip
        async with elasticsearch_errors():
            response = await self.es.search(index=self.alias, body=body)
        options = response["suggest"]["listing"][0]["options"]
        return [
            Suggestion(
                text=o["text"],
                listing_id=o["_source"]["listing_id"],
                title=(o["_source"].get("listing") or {}).get("title_en")
                or (o["_source"].get("listing") or {}).get("title_ar"),
            )
            for o in options
        ]

    async def listing(self, listing_id: str) -> dict[str, Any]:
        """One listing's catalog document (real time); drafts and deleted ones are not found."""
        async with elasticsearch_errors():
            response = await self.es.options(ignore_status=404).get(
                index=self.alias, id=listing_id, source_includes=[*SOURCE_FIELDS, "price_egp"]
            )
        if not response.get("found") or response["_source"].get("status") in HIDDEN_STATUSES:
            raise ListingNotFoundError(f"no listing {listing_id}")
        return dict(response["_source"])

    async def similar(self, listing_id: str, *, size: int = 10) -> list[SearchHit]:
        source = await self.listing(listing_id)
        async with elasticsearch_errors():
            response = await self.es.search(
                index=self.alias, body=similar_body(listing_id, source, size=size)
            )
        request = SearchRequest(size=size)
        return [read_hit(raw, request, Highlighter(())) for raw in response["hits"]["hits"]]

    async def ready(self) -> bool:
        try:
            async with elasticsearch_errors():
                return bool(await self.es.indices.exists_alias(name=self.alias))
        except SearchUnavailableError:
            return False
