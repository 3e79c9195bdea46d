"""A :class:`SearchRequest` to Elasticsearch search bodies.

Filters that have a facet go in ``post_filter`` and every facet is a filter aggregation
over all the *other* facet filters: the counts of a facet ignore its own selection
(disjunctive faceting), so choosing Toyota still shows how many Hyundai there are. Ranges,
place and status filter the query itself and so narrow every count.

A first page is two searches sent together in one ``_msearch`` (:func:`search_requests`):
the hits (no total, no aggregations, so Elasticsearch may skip documents that cannot reach
the page) and the facets with the exact total (``size: 0``); Elasticsearch's shard request
cache keeps both answers until a refresh changes the index. Cursor pages, inside a point
in time, send the single combined body of :func:`build_search_body`.
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


def _statuses(statuses: tuple[str, ...]) -> dict[str, Any]:
    """A ``term`` for one status: Lucene runs it as a plain postings list, where ``terms``
    builds a set query every search (~5 ms here over 60 000 listings)."""
    if len(statuses) == 1:
        return {"term": {"status": statuses[0]}}
    return {"terms": {"status": list(statuses)}}


def query_filters(request: SearchRequest) -> list[dict[str, Any]]:
    filters: list[dict[str, Any] | None] = [
        _statuses(SEARCHABLE_STATUSES),
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
    """Each facet's counts under the other facets' filters; a facet with no other filter is
    a plain ``terms`` aggregation (a ``filter`` of ``match_all`` around it made a first
    page's facets ~20% dearer to count, 15.8 -> 12.4 ms of Elasticsearch CPU per search)."""
    aggregations: dict[str, Any] = {}
    for facet, field in FACET_FIELDS.items():
        others = [f for name, f in chosen.items() if name != facet]
        values = {"terms": {"field": field, "size": FACET_SIZE}}
        aggregations[facet] = (
            {"filter": {"bool": {"filter": others}}, "aggs": {"values": values}}
            if others
            else values
        )
    return aggregations


# The unique tie-breaker: the listing id as two numbers (search.documents.listing_key), not
# the ``listing_id`` keyword, which stops Elasticsearch from skipping documents that cannot
# reach the page on a field sort (newest over 200,000 listings: ~115 -> ~11 ms of CPU).
TIE_BREAKER: list[dict[str, Any] | str] = [{"listing_key_high": "asc"}, {"listing_key_low": "asc"}]


def sort_clause(request: SearchRequest) -> list[dict[str, Any] | str]:
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
    return [*by[request.sort], *TIE_BREAKER]


def search_query(request: SearchRequest) -> dict[str, Any]:
    """The query part: the text concepts, ranges, place and status (not the facet filters)."""
    concepts = analyse_query(request.q) if request.q.strip() else ()
    as_you_type = bool(request.q) and not request.q.endswith(" ")
    text = text_query(concepts, as_you_type=as_you_type)
    return {"bool": {"must": [text or {"match_all": {}}], "filter": query_filters(request)}}


def _post_filter(chosen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"filter": list(chosen.values())}}


def build_hits_body(
    request: SearchRequest,
    *,
    query: dict[str, Any] | None = None,
    search_after: list[Any] | None = None,
) -> dict[str, Any]:
    """One page of hits, without total or aggregations (see :func:`build_facets_body`)."""
    chosen = facet_filters(request)
    body: dict[str, Any] = {
        "query": query or search_query(request),
        "sort": sort_clause(request),
        "size": request.size,
        "track_total_hits": False,
        "_source": SOURCE_FIELDS,
    }
    if chosen:
        body["post_filter"] = _post_filter(chosen)
    if search_after is not None:
        body["search_after"] = search_after
    else:
        body["from"] = (request.page - 1) * request.size
    return body


def build_facets_body(
    request: SearchRequest, *, query: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The disjunctive facet counts and the exact total (the post filter narrows only the
    total, never the aggregations); ``size: 0``, so the shard request cache can answer it."""
    chosen = facet_filters(request)
    body: dict[str, Any] = {
        "query": query or search_query(request),
        "aggs": facet_aggregations(chosen),
        "size": 0,
        "track_total_hits": True,
    }
    if chosen:
        body["post_filter"] = _post_filter(chosen)
    return body


def search_requests(request: SearchRequest, index: str) -> list[dict[str, Any]]:
    """The ``_msearch`` lines of a first-page search: hits, then facets and total.

    Both ask for the shard request cache (a ``size: 0`` search is cached by default, one with
    hits only when asked): a query repeated before the next refresh that changed the index
    gets its page's ranking from the cache (the documents are still fetched) and its counts too.
    """
    query = search_query(request)
    return [
        {"index": index, "request_cache": True},
        build_hits_body(request, query=query),
        {"index": index, "request_cache": True},
        build_facets_body(request, query=query),
    ]


def build_search_body(
    request: SearchRequest, *, search_after: list[Any] | None = None
) -> dict[str, Any]:
    """Hits, facets and the exact total in one body (cursor pages, inside a point in time)."""
    body = build_hits_body(request, search_after=search_after)
    body["aggs"] = facet_aggregations(facet_filters(request))
    body["track_total_hits"] = True
    return body
