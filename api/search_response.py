"""The ``GET /search`` response body, written straight to JSON bytes.

The body has the shape of :class:`api.search_schemas.SearchResponse` (which documents it in
the OpenAPI schema), but it is not built as pydantic models: a page is twenty hits with
their sellers and eleven facets of up to fifty values, several hundred models that FastAPI
would then serialise once more (validating and dumping them was ~8% of the API's CPU per
search). Its parts come from the catalog documents, whose types the writer fixed: listing
rows from PostgreSQL and seller summaries (``search.documents``). A unit test holds this
body equal to what the pydantic models make of the same result.
"""

from __future__ import annotations

from typing import Any

import orjson

from api.search_schemas import ListingSummary
from search.query.request import SearchRequest
from search.query.results import SearchHit, SearchResult


def _hit(hit: SearchHit, position: int) -> dict[str, Any]:
    """A :class:`api.search_schemas.SearchHitOut`."""
    return ListingSummary.of(hit.listing, hit.seller) | {
        "position": position, "score": hit.score, "distance_km": hit.distance_km,
        "highlights": hit.highlights,
    }  # fmt: skip


def search_response_json(result: SearchResult, request: SearchRequest, search_id: str) -> bytes:
    first = 0 if request.cursor else (request.page - 1) * request.size
    facets = {
        name: [{"value": v.value, "count": v.count, "selected": v.selected} for v in values]
        for name, values in result.facets.items()
    }
    return orjson.dumps({
        "search_id": search_id, "query": request.q, "total": result.total,
        "total_relation": result.total_relation, "took_ms": result.took_ms,
        "page": None if request.cursor else request.page, "size": request.size,
        "sort": request.sort.value,
        "hits": [_hit(hit, first + i + 1) for i, hit in enumerate(result.hits)],
        "facets": facets, "next_cursor": result.next_cursor,
    })  # fmt: skip
