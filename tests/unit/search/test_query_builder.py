"""Query building: disjunctive facets, filters, sort, cursors (no Elasticsearch needed)."""

from __future__ import annotations

import random
import uuid

import pytest

from search.catalog_search import answer_of
from search.documents import listing_key
from search.errors import InvalidSearchError, SearchFailedError, SearchUnavailableError
from search.query.builder import build_search_body, search_requests
from search.query.cursor import decode_cursor, encode_cursor
from search.query.request import Place, SearchRequest, SortOrder, canonical_filter_value
from search.query.results import FacetValue, read_facets


def test_facet_filters_go_to_post_filter_and_other_facets_aggregations() -> None:
    request = SearchRequest(terms={"make": ("toyota",), "fuel": ("petrol", "diesel")}, price_max=9)
    body = build_search_body(request)
    assert body["post_filter"] == {"bool": {"filter": [
        {"terms": {"make": ["toyota"]}}, {"terms": {"fuel": ["petrol", "diesel"]}}]}}  # fmt: skip
    make_agg = body["aggs"]["make"]["filter"]["bool"]["filter"]
    assert make_agg == [{"terms": {"fuel": ["petrol", "diesel"]}}]  # ignores its own filter
    assert (
        body["aggs"]["colour"]["filter"]["bool"]["filter"] == body["post_filter"]["bool"]["filter"]
    )
    filters = body["query"]["bool"]["filter"]
    assert {"term": {"status": "active"}} in filters
    assert {"range": {"price_egp": {"lte": 9}}} in filters


def test_a_facet_without_other_filters_is_a_plain_terms_aggregation() -> None:
    request = SearchRequest(terms={"make": ("toyota",)})
    aggs = build_search_body(request)["aggs"]
    assert aggs["make"] == {"terms": {"field": "make", "size": 50}}  # only its own filter
    assert aggs["fuel"]["filter"] == {"bool": {"filter": [{"terms": {"make": ["toyota"]}}]}}
    assert all("terms" in agg for agg in build_search_body(SearchRequest())["aggs"].values())
    answer = {
        "make": {"buckets": [{"key": "toyota", "doc_count": 3}]},
        "fuel": {"doc_count": 3, "values": {"buckets": [{"key": "petrol", "doc_count": 2}]}},
    }
    facets = read_facets(answer, request)
    assert facets["make"] == [FacetValue("toyota", 3, True)]
    assert facets["fuel"] == [FacetValue("petrol", 2, False)]


def test_a_first_page_is_hits_and_cacheable_facets_with_the_total() -> None:
    request = SearchRequest(q="toyota", terms={"make": ("toyota",)}, page=2)
    header, hits, facets_header, facets = search_requests(request, "catalog")
    combined = build_search_body(request)
    assert header == {"index": "catalog", "request_cache": True}
    assert facets_header == {"index": "catalog", "request_cache": True}
    assert hits["query"] == facets["query"] == combined["query"]
    assert hits["post_filter"] == facets["post_filter"] == combined["post_filter"]
    # hits: no total and no aggregations, so non-competitive documents may be skipped
    assert "aggs" not in hits
    assert hits["track_total_hits"] is False
    assert (hits["from"], hits["size"], hits["sort"]) == (20, 20, combined["sort"])
    # facets: the disjunctive counts and the exact total (post filter), size 0 for the cache
    assert facets["aggs"] == combined["aggs"]
    assert (facets["size"], facets["track_total_hits"]) == (0, True)
    assert combined["track_total_hits"] is True


def test_msearch_answers_raise_like_failed_searches() -> None:
    fine = {"hits": {"hits": []}, "status": 200}
    assert answer_of(fine) is fine
    missing = {"error": {"type": "index_not_found_exception", "reason": "no such index"},
               "status": 404}  # fmt: skip
    with pytest.raises(SearchUnavailableError, match="does not exist"):
        answer_of(missing)
    with pytest.raises(SearchUnavailableError, match="429"):
        answer_of({"error": {"type": "es_rejected_execution_exception"}, "status": 429})
    with pytest.raises(SearchFailedError, match="400"):
        answer_of({"error": {"type": "parsing_exception", "reason": "bad"}, "status": 400})


def test_text_query_and_paging() -> None:
    body = build_search_body(SearchRequest(q="toyota corolla 2018", page=3, size=10))
    assert body["from"] == 20
    assert body["size"] == 10
    words = body["query"]["bool"]["must"][0]["bool"]["must"][0]["bool"]
    assert words["minimum_should_match"] == 2  # the year only ranks
    after = build_search_body(SearchRequest(q="x"), search_after=[1.0, "a"])
    assert after["search_after"] == [1.0, "a"]
    assert "from" not in after


def test_sorts_end_with_a_unique_numeric_tie_breaker() -> None:
    for order in SortOrder:
        place = Place(30.0, 31.0) if order is SortOrder.DISTANCE else None
        sort = build_search_body(SearchRequest(sort=order, place=place))["sort"]
        assert sort[-2:] == [{"listing_key_high": "asc"}, {"listing_key_low": "asc"}]
        # no keyword among the sort keys (it stops Elasticsearch skipping documents)
        assert not any("listing_id" in key for key in sort if isinstance(key, dict))


def test_listing_keys_are_unique_and_order_as_the_listing_ids() -> None:
    rng = random.Random(7)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(500)]
    ids += ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]
    ids.sort()
    keys = [(k["listing_key_high"], k["listing_key_low"]) for k in map(listing_key, ids)]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(ids)
    assert all(-(2**63) <= part < 2**63 for key in keys for part in key)  # Elasticsearch longs
    assert listing_key("not-a-uuid") != listing_key("not-a-uuid-either")


def test_cursor_round_trip_and_tamper_checks() -> None:
    request = SearchRequest(q="kia", size=5)
    token = encode_cursor([3.2, "id-1"], None, request.fingerprint())
    assert decode_cursor(token, request.fingerprint()).search_after == [3.2, "id-1"]
    with pytest.raises(InvalidSearchError, match="different search"):
        decode_cursor(token, SearchRequest(q="toyota", size=5).fingerprint())
    with pytest.raises(InvalidSearchError):
        decode_cursor("not-a-cursor", request.fingerprint())


def test_filter_values_are_canonicalised() -> None:
    assert canonical_filter_value("make", "هيونداى") == "hyundai"
    assert canonical_filter_value("model", "Land Cruiser") == "land cruiser"
    assert canonical_filter_value("city", " Nasr  City ") == "nasr city"
