"""The query mix of the search benchmarks: judgment-list queries, filters, facets, sorts."""

from __future__ import annotations

from typing import Any

from search.query.request import Place, SearchRequest, SortOrder, canonical_filter_value
from search.relevance.judgments import load_judgments

FACETS = ("category", "make", "model", "body", "fuel", "transmission", "colour", "condition",
          "governorate", "city", "seller_type")  # fmt: skip
EXTRA: list[dict[str, Any]] = [
    {"category": "car", "make": "toyota", "sort": "price_asc"},
    {"q": "corolla", "year_min": 2015, "year_max": 2020, "governorate": "cairo"},
    {"make": "hyundai", "fuel": "petrol", "transmission": "automatic", "sort": "newest"},
    {"q": "suv", "price_max": 1_500_000, "sort": "price_desc"},
    {"q": "كيا", "body": "suv", "mileage_max": 100_000},
    {"category": "part", "q": "فلتر زيت"},
    {"sort": "newest"},
    {"q": "تويوتا", "lat": 30.04, "lon": 31.23, "radius_km": 25, "sort": "distance"},
]


def query_mix() -> list[dict[str, Any]]:
    mix = [{"q": judged.query} for judged in load_judgments()]
    mix += EXTRA
    return mix


def search_request(params: dict[str, Any]) -> SearchRequest:
    """The request the API builds for these parameters (for the straight-to-ES path)."""
    terms: dict[str, tuple[str, ...]] = {
        f: (canonical_filter_value(f, str(params[f])),) for f in FACETS if f in params
    }
    radius = params.get("radius_km")  # a float, as the API reads it: the same body bytes
    place = (
        Place(float(params["lat"]), float(params["lon"]), None if radius is None else float(radius))
        if "lat" in params
        else None
    )
    return SearchRequest(
        q=params.get("q", ""), terms=terms, year_min=params.get("year_min"),
        year_max=params.get("year_max"), price_max=params.get("price_max"),
        mileage_max=params.get("mileage_max"), place=place,
        sort=SortOrder(params.get("sort", "relevance")),
    )  # fmt: skip
