"""A :class:`SearchRequest` to an Elasticsearch search body.

Filters that have a facet go in ``post_filter`` and every facet is a filter aggregation
over all the *other* facet filters: the counts of a facet ignore its own selection
(disjunctive faceting), so choosing Toyota still shows how many Hyundai there are. Ranges,
place and status filter the query itself and so narrow every count.
"""

from __future__ import annotations

from typing import Any

from search.analysis.query_terms import analyse_query
from search.mapping import FACET_FIELDS
from search.query.request import SEARCHABLE_STATUSES, SearchRequest, SortOrder
from search.query.text import text_query

FACET_SIZE = 50
SOURCE_FIELDS = ["listing_id", "listing", "seller", "make", "model", "status"]


def _range(field: str, low: int | None, high: int | None) -> dict[str, Any] | None:
    bounds = {k: v for k, v in (("gte", low), ("lte", high)) if v is not None}
    return {"range": {field: bounds}} if bounds else None


def query_filters(request: SearchRequest) -> list[dict[str, Any]]:
    filters: list[dict[str, Any] | None] = [
        {"terms": {"status": list(SEARCHABLE_STATUSES)}},
        _range("year", request.year_min, request.year_max),
        _range("price_egp", request.price_min, request.price_max),
        _range("mileage_km", None, request.mileage_max),
    ]
    if request.installments is not None:
        filters.append({"term": {"installments_available": request.installments}})
    if request.place and request.place.radius_km:
        filters.append({"geo_distance": {
            "distance": f"{request.place.radius_km}km",
            "location": {"lat": request.place.lat, "lon": request.place.lon}}})  # fmt: skip
    return [f for f in filters if f]


def facet_filters(request: SearchRequest) -> dict[str, dict[str, Any]]:
    return {
        facet: {"terms": {FACET_FIELDS[facet]: list(values)}}
        for facet, values in request.terms.items()
        if values
    }


def facet_aggregations(chosen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    aggregations: dict[str, Any] = {}
    for facet, field in FACET_FIELDS.items():
        others = [f for name, f in chosen.items() if name != facet]
        aggregations[facet] = {
            "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
            "aggs": {"values": {"terms": {"field": field, "size": FACET_SIZE}}},
        }
    return aggregations


def sort_clause(request: SearchRequest) -> list[dict[str, Any] | str]:
    tie = {"listing_id": "asc"}
    place = request.place
    by: dict[SortOrder, list[dict[str, Any] | str]] = {
        SortOrder.RELEVANCE: ["_score", {"published_at": {"order": "desc", "missing": "_last"}}],
        SortOrder.PRICE_ASC: [{"price_egp": {"order": "asc", "missing": "_last"}}],
        SortOrder.PRICE_DESC: [{"price_egp": {"order": "desc", "missing": "_last"}}],
        SortOrder.NEWEST: [{"published_at": {"order": "desc", "missing": "_last"}}],
        SortOrder.YEAR: [{"year": {"order": "desc", "missing": "_last"}}],
        SortOrder.MILEAGE: [{"mileage_km": {"order": "asc", "missing": "_last"}}],
        SortOrder.DISTANCE: [
            {"_geo_distance": {"location": {"lat": place.lat, "lon": place.lon} if place else {},
                               "order": "asc", "unit": "km", "ignore_unmapped": True}}
        ],
    }  # fmt: skip
    return [*by[request.sort], tie]


def build_search_body(
    request: SearchRequest, *, search_after: list[Any] | None = None
) -> dict[str, Any]:
    concepts = analyse_query(request.q) if request.q.strip() else ()
    as_you_type = bool(request.q) and not request.q.endswith(" ")
    text = text_query(concepts, as_you_type=as_you_type)
    chosen = facet_filters(request)
    body: dict[str, Any] = {
        "query": {"bool": {"must": [text or {"match_all": {}}], "filter": query_filters(request)}},
        "aggs": facet_aggregations(chosen),
        "sort": sort_clause(request),
        "size": request.size,
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
    }
    if chosen:
        body["post_filter"] = {"bool": {"filter": list(chosen.values())}}
    if search_after is not None:
        body["search_after"] = search_after
    else:
        body["from"] = (request.page - 1) * request.size
    return body
