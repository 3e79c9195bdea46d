"""Response and request bodies of the search and catalog read endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class SellerOut(BaseModel):
    id: str
    display_name: str | None = None
    seller_type: str | None = None
    verified: bool | None = None
    rating: float | None = None
    governorate: str | None = None


class ListingSummary(BaseModel):
    id: str
    category: str | None = None
    status: str | None = None
    title: str | None = Field(None, description="English title, else the Arabic one")
    title_ar: str | None = None
    title_en: str | None = None
    make: str | None = None
    model: str | None = None
    trim: str | None = None
    year: int | None = None
    price_egp: int | None = None
    negotiable: bool | None = None
    installments_available: bool | None = None
    mileage_km: int | None = None
    condition: str | None = None
    body_type: str | None = None
    fuel: str | None = None
    transmission: str | None = None
    colour: str | None = None
    governorate: str | None = None
    city: str | None = None
    photo: str | None = Field(None, description="The first photo")
    published_at: str | None = None
    seller: SellerOut | None = None

    @classmethod
    def of(cls, listing: dict[str, Any], seller: dict[str, Any] | None) -> dict[str, Any]:
        """The summary's fields, in the schema's order, from a catalog listing and its seller
        summary (the seller narrowed to :class:`SellerOut`'s fields): plain values, ready for
        validation or straight for JSON (``api/search_response.py``)."""
        photos = listing.get("photos") or []
        first = photos[0] if photos else None
        published = listing.get("published_at")
        made = {
            "id": str(listing.get("id")),
            "title": listing.get("title_en") or listing.get("title_ar"),
            "photo": first if isinstance(first, str) else (first or {}).get("url"),
            "published_at": str(published) if published else None,
            "seller": {name: seller.get(name) for name in _SELLER_FIELDS}
            if seller and seller.get("id")
            else None,
        }
        return {name: made[name] if name in made else listing.get(name) for name in _SUMMARY_FIELDS}


_SELLER_FIELDS = tuple(SellerOut.model_fields)
_SUMMARY_FIELDS = tuple(ListingSummary.model_fields)  # the schema's order


class SearchHitOut(ListingSummary):
    position: int = Field(description="1-based rank in the whole result list")
    score: float | None = None
    distance_km: float | None = None
    highlights: dict[str, str] = Field(
        default_factory=dict, description="Snippets with matched words in <em>, by field"
    )


class FacetValueOut(BaseModel):
    value: str
    count: int
    selected: bool


class SearchResponse(BaseModel):
    search_id: str = Field(description="Quote it when reporting a click")
    query: str
    total: int
    total_relation: str = Field(description="'eq' (exact) or 'gte'")
    took_ms: int
    page: int | None
    size: int
    sort: str
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]] = Field(
        description="Per facet, counts that ignore that facet's own filter (disjunctive)"
    )
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class SuggestionOut(BaseModel):
    text: str
    listing_id: str
    title: str | None = None


class SuggestResponse(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


class ListingDetail(ListingSummary):
    description_ar: str | None = None
    description_en: str | None = None
    photos: list[Any] = Field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    part_number: str | None = None
    compatible: list[dict[str, Any]] | None = None
    service_type: str | None = None


class SimilarResponse(BaseModel):
    listing_id: str
    hits: list[ListingSummary]


class ClickIn(BaseModel):
    search_id: str = Field(min_length=1, max_length=64)
    query: str = Field("", max_length=200)
    listing_id: str = Field(min_length=1, max_length=64)
    position: int = Field(ge=1, le=10_000)


class EventAccepted(BaseModel):
    event_id: str
