"""An Elasticsearch response to search results: hits with snippets, facets, the next cursor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from search.highlight import Highlighter
from search.query.request import SearchRequest, SortOrder

HIGHLIGHTED = ("title_ar", "title_en", "description_ar", "description_en")


@dataclass(frozen=True)
class SearchHit:
    listing_id: str
    score: float | None
    listing: dict[str, Any]
    seller: dict[str, Any] | None
    highlights: dict[str, str]
    distance_km: float | None
    sort: list[Any]


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    total_relation: str
    took_ms: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    next_cursor: str | None = None


def read_hit(raw: dict[str, Any], request: SearchRequest, marks: Highlighter) -> SearchHit:
    source = raw["_source"]
    listing = source.get("listing") or {}
    highlights = {name: marks(listing.get(name)) for name in HIGHLIGHTED}
    distance = raw["sort"][0] if request.sort is SortOrder.DISTANCE else None
    return SearchHit(
        listing_id=source["listing_id"],
        score=raw.get("_score"),
        listing=listing,
        seller=source.get("seller"),
        highlights={k: v for k, v in highlights.items() if v},
        distance_km=round(float(distance), 3) if isinstance(distance, int | float) else None,
        sort=raw["sort"],
    )


def read_facets(
    aggregations: dict[str, Any], request: SearchRequest
) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for facet, result in aggregations.items():
        chosen = set(request.terms.get(facet, ()))
        # a facet under other facets' filters is a filter aggregation around the terms
        buckets = result.get("values", result)["buckets"]
        values = [
            FacetValue(str(b["key"]), b["doc_count"], str(b["key"]) in chosen) for b in buckets
        ]
        seen = {v.value for v in values}
        values += [FacetValue(v, 0, True) for v in sorted(chosen - seen)]
        facets[facet] = values
    return facets
