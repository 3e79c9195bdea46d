"""The /search body written straight to JSON is what the pydantic schema makes of it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from api.search_response import search_response_json
from api.search_schemas import ListingSummary, SearchResponse
from search.analysis.query_terms import analyse_query
from search.documents import listing_document, seller_summary
from search.highlight import Highlighter
from search.query.request import Place, SearchRequest, SortOrder
from search.query.results import FacetValue, SearchResult, read_hit
from search.synthetic import SyntheticMarket


def _result(request: SearchRequest) -> SearchResult:
    market = SyntheticMarket(seed=3, sellers=4)
    rows = [market.car(market.seller_rows[n % 4], n) if n % 3 else
            market.part(market.seller_rows[n % 4], n) for n in range(12)]  # fmt: skip
    rows[1]["photos"] = [{"url": "https://img.souk.example/x.jpg", "w": 800}]
    rows[2]["photos"] = []
    marks = Highlighter(analyse_query(request.q))
    hits = []
    for n, row in enumerate(rows):
        seller = seller_summary(market.seller_rows[n % 4]) if n != 5 else None
        source = listing_document(row, seller, listing_lsn=1, seller_lsn=1)
        first = 12.345 if request.sort is SortOrder.DISTANCE else 3.5
        raw = {"_source": source, "_score": 7.25 if n % 2 else None,
               "sort": [first, source["listing_id"]]}  # fmt: skip
        hits.append(read_hit(raw, request, marks))
    facets = {
        "make": [FacetValue("toyota", 120, True), FacetValue("kia", 3, False)],
        "fuel": [],
        "governorate": [FacetValue("cairo", 9, False)],
    }
    return SearchResult(hits, total=1234, total_relation="eq", took_ms=17, facets=facets,
                        next_cursor="abc" if request.cursor else None)  # fmt: skip


def _through_the_models(result: SearchResult, request: SearchRequest) -> dict[str, Any]:
    """How the route built the body before: one pydantic validation of the whole page."""
    first = 0 if request.cursor else (request.page - 1) * request.size
    hits = [
        ListingSummary.of(hit.listing, hit.seller)
        | {"position": first + i + 1, "score": hit.score, "distance_km": hit.distance_km,
           "highlights": hit.highlights}
        for i, hit in enumerate(result.hits)
    ]  # fmt: skip
    facets = {
        name: [{"value": v.value, "count": v.count, "selected": v.selected} for v in values]
        for name, values in result.facets.items()
    }
    return SearchResponse.model_validate({
        "search_id": "s-1", "query": request.q, "total": result.total,
        "total_relation": result.total_relation, "took_ms": result.took_ms,
        "page": None if request.cursor else request.page, "size": request.size,
        "sort": request.sort.value, "hits": hits, "facets": facets,
        "next_cursor": result.next_cursor,
    }).model_dump(mode="json")  # fmt: skip


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(q="toyota corolla", page=2, size=12),
        SearchRequest(q="", sort=SortOrder.PRICE_ASC),
        SearchRequest(q="كيا", place=Place(30.04, 31.23, 25), sort=SortOrder.DISTANCE),
        SearchRequest(q="فلتر", size=12, cursor="c"),
    ],
)
def test_json_body_equals_the_schema_models(request_: SearchRequest) -> None:
    result = _result(request_)
    written = orjson.loads(search_response_json(result, request_, "s-1"))
    expected = _through_the_models(result, request_)
    assert written == expected
    assert list(written["hits"][0]) == list(expected["hits"][0])  # the schema's field order
    assert any(hit["seller"] is None for hit in written["hits"])
    assert "city" not in next(hit["seller"] for hit in written["hits"] if hit["seller"])
