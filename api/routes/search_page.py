"""The buyers' search page (``/``) and a listing page (``/listing/{id}``), server-rendered.

The search page is a shell: ``search.js`` drives it from the URL query (shareable state)
through the JSON API (``/search``, ``/suggest``, ``POST /search/clicks``). The listing page
renders what ``GET /listings/{id}`` returns (same 404s, same ``ListingViewed`` event).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from api.analytics import display, pages
from api.routes.catalog import ListingId, ViewSource, get_listing
from api.search_wiring import BehaviourDep, CatalogDep, SessionIdDep, UserIdDep
from search.query.request import SortOrder

router = APIRouter(include_in_schema=False)

SORTS = {
    SortOrder.RELEVANCE: "Best match",
    SortOrder.PRICE_ASC: "Price: low to high",
    SortOrder.PRICE_DESC: "Price: high to low",
    SortOrder.NEWEST: "Newest first",
    SortOrder.YEAR: "Year: newest models",
    SortOrder.MILEAGE: "Mileage: lowest first",
}
FACETS = {
    "category": "Category",
    "make": "Make",
    "model": "Model",
    "body": "Body type",
    "fuel": "Fuel",
    "transmission": "Gearbox",
    "condition": "Condition",
    "colour": "Colour",
    "governorate": "Governorate",
    "city": "City",
    "seller_type": "Seller",
}


def page_labels() -> dict[str, Any]:
    """What ``search.js`` needs to name facets and values (governorates in both languages)."""
    return {
        "facets": FACETS,
        "governorates": {code: list(names) for code, names in display.GOVERNORATE_NAMES.items()},
        "acronym_makes": sorted(display.ACRONYM_MAKES),
    }


@router.get("/")
@router.get("/search-page")
def search_page(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(max_length=20)] = SortOrder.RELEVANCE.value,
) -> Response:
    chosen = sort if sort in {s.value for s in SORTS} else SortOrder.RELEVANCE.value
    context = {"q": q, "sort": chosen, "sorts": SORTS, "labels": page_labels()}
    return pages.render(request, "search.html", context)


@router.get("/listing/{listing_id}")
async def listing_page(
    request: Request,
    listing_id: ListingId,
    catalog: CatalogDep,
    behaviour: BehaviourDep,
    session_id: SessionIdDep,
    user_id: UserIdDep,
    source: ViewSource = ViewSource.DIRECT,
) -> Response:
    try:
        listing = await get_listing(listing_id, catalog, behaviour, session_id, user_id, source)
    except HTTPException as exc:
        context = {"status": exc.status_code, "listing_id": listing_id}
        return pages.render(request, "search_listing_missing.html", context, exc.status_code)
    facts = [
        ("Year", listing.year),
        ("Mileage", f"{listing.mileage_km:,} km" if listing.mileage_km is not None else None),
        ("Condition", _word(listing.condition)),
        ("Body type", _word(listing.body_type)),
        ("Fuel", _word(listing.fuel)),
        ("Gearbox", _word(listing.transmission)),
        ("Colour", _word(listing.colour)),
        ("Trim", listing.trim),
        ("Part number", listing.part_number),
        ("Place", _place(listing.city, listing.governorate)),
    ]
    context = {
        "listing": listing,
        "price": display.egp(listing.price_egp),
        "seller_type": _word(listing.seller.seller_type if listing.seller else None),
        "facts": [(name, str(value)) for name, value in facts if value],
    }
    return pages.render(request, "search_listing.html", context)


def _word(value: str | None) -> str | None:
    if value and value.lower() in {"suv", "mpv"}:
        return value.upper()
    return value.replace("_", " ").capitalize() if value else None


def _place(city: str | None, governorate: str | None) -> str | None:
    name_en, name_ar = display.governorate_names(governorate)
    parts: dict[str, str] = {}
    for part in (city, name_en, name_ar):
        if part:
            parts.setdefault(part.casefold(), part)
    return " · ".join(parts.values()) or None
