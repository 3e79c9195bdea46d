"""Listings like this one: shared words and synonyms, same make and model, a similar price."""

from __future__ import annotations

from typing import Any

from search.query.request import SEARCHABLE_STATUSES


def similar_body(listing_id: str, source: dict[str, Any], *, size: int) -> dict[str, Any]:
    listing = source.get("listing") or {}
    like = " ".join(filter(None, [listing.get("title_en"), listing.get("title_ar")]))
    should: list[dict[str, Any]] = []
    if like:
        should.append({"more_like_this": {
            "fields": ["search.surface"], "like": like,
            "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": 20,
            "minimum_should_match": "20%"}})  # fmt: skip
    if source.get("make"):
        should.append({"term": {"make": {"value": source["make"], "boost": 2.0}}})
    if source.get("model"):
        should.append({"term": {"model": {"value": source["model"], "boost": 3.0}}})
    if listing.get("body_type"):
        should.append({"term": {"body_type": {"value": listing["body_type"], "boost": 0.5}}})
    query: dict[str, Any] = {"bool": {
        "should": should or [{"match_all": {}}], "minimum_should_match": 1,
        "filter": [{"terms": {"status": list(SEARCHABLE_STATUSES)}},
                   {"term": {"category": listing.get("category") or "car"}}],
        "must_not": [{"ids": {"values": [listing_id]}}]}}  # fmt: skip
    price = source.get("price_egp") or listing.get("price_egp")
    if price:
        closeness = {"gauss": {"price_egp": {"origin": price, "scale": max(int(price * 0.25), 1)}}}
        query = {
            "function_score": {"query": query, "boost_mode": "multiply", "functions": [closeness]}
        }
    return {"query": query, "size": size, "_source": ["listing_id", "listing", "seller"],
            "sort": ["_score", {"listing_id": "asc"}]}  # fmt: skip
