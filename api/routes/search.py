"""Product search: ``GET /search``, ``GET /suggest`` and ``POST /search/clicks``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from api.behaviour import SEARCH_PERFORMED, SEARCH_RESULT_CLICKED, BehaviourEvent
from api.search_response import search_response_json
from api.search_schemas import (
    ClickIn,
    EventAccepted,
    SearchResponse,
    SuggestionOut,
    SuggestResponse,
)
from api.search_wiring import (
    BehaviourDep,
    CatalogDep,
    SearchSettingsDep,
    SessionIdDep,
    UserIdDep,
    only_query_params,
)
from search.errors import InvalidSearchError, ListingNotFoundError, SearchUnavailableError
from search.facet_values import (
    BodyType,
    Category,
    Condition,
    Fuel,
    Governorate,
    SellerType,
    Transmission,
)
from search.query.request import Place, SearchRequest, SortOrder, canonical_filter_value

router = APIRouter(tags=["search"])
MAX_QUERY = 200
SEARCH_PARAMS = (
    "q", "category", "make", "model", "year_min", "year_max", "price_min", "price_max",
    "mileage_max", "body", "fuel", "transmission", "colour", "condition", "governorate",
    "city", "seller_type", "installments", "lat", "lon", "radius_km", "sort", "page", "size",
    "cursor",
)  # fmt: skip
Words = Query(max_length=20)


def unavailable(exc: SearchUnavailableError) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"search is unavailable: {exc}")


def _ordered(name: str, low: int | float | None, high: int | float | None) -> None:
    if low is not None and high is not None and low > high:
        raise HTTPException(422, f"{name}_min ({low}) is greater than {name}_max ({high})")


@router.get(
    "/search",
    response_model=SearchResponse,
    dependencies=[Depends(only_query_params(*SEARCH_PARAMS))],
    responses={
        422: {"description": "Unknown parameter, bad value or range, over the caps"},
        503: {"description": "The search engine is unavailable"},
    },
)
async def search_listings(
    catalog: CatalogDep,
    behaviour: BehaviourDep,
    settings: SearchSettingsDep,
    session_id: SessionIdDep,
    user_id: UserIdDep,
    q: Annotated[str, Query(max_length=MAX_QUERY, description="Arabic, English or mixed")] = "",
    category: Annotated[list[Category], Words] = [],  # noqa: B006 - FastAPI copies it
    make: Annotated[list[str], Words] = [],  # noqa: B006
    model: Annotated[list[str], Words] = [],  # noqa: B006
    year_min: Annotated[int | None, Query(ge=1950, le=2035)] = None,
    year_max: Annotated[int | None, Query(ge=1950, le=2035)] = None,
    price_min: Annotated[int | None, Query(ge=0)] = None,
    price_max: Annotated[int | None, Query(ge=0)] = None,
    mileage_max: Annotated[int | None, Query(ge=0)] = None,
    body: Annotated[list[BodyType], Words] = [],  # noqa: B006
    fuel: Annotated[list[Fuel], Words] = [],  # noqa: B006
    transmission: Annotated[list[Transmission], Words] = [],  # noqa: B006
    colour: Annotated[list[str], Words] = [],  # noqa: B006
    condition: Annotated[list[Condition], Words] = [],  # noqa: B006
    governorate: Annotated[list[Governorate], Words] = [],  # noqa: B006
    city: Annotated[list[str], Words] = [],  # noqa: B006
    seller_type: Annotated[list[SellerType], Words] = [],  # noqa: B006
    installments: bool | None = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=1000)] = None,
    sort: SortOrder = SortOrder.RELEVANCE,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1)] = 20,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> Response:
    """Full-text search over active listings with filters, disjunctive facets and paging."""
    _ordered("year", year_min, year_max)
    _ordered("price", price_min, price_max)
    if size > settings.search_max_page_size:
        raise HTTPException(422, f"size {size} is over the cap of {settings.search_max_page_size}")
    if page * size > settings.search_max_offset + settings.search_max_page_size:
        raise HTTPException(422, f"page {page} is too deep for page/size paging: use the cursor")
    if (lat is None) != (lon is None) or (radius_km is not None and lat is None):
        raise HTTPException(422, "lat and lon go together, and radius_km needs both")
    if sort is SortOrder.DISTANCE and lat is None:
        raise HTTPException(422, "sort=distance needs lat and lon")
    chosen: dict[str, list[Any]] = {
        "category": category, "make": make, "model": model, "body": body, "fuel": fuel,
        "transmission": transmission, "colour": colour, "condition": condition,
        "governorate": governorate, "city": city, "seller_type": seller_type,
    }  # fmt: skip
    terms = {
        facet: tuple(dict.fromkeys(canonical_filter_value(facet, str(v)) for v in values))
        for facet, values in chosen.items()
        if values
    }
    req = SearchRequest(
        q=q, terms=terms, year_min=year_min, year_max=year_max, price_min=price_min,
        price_max=price_max, mileage_max=mileage_max, installments=installments,
        place=Place(lat, lon, radius_km) if lat is not None and lon is not None else None,
        sort=sort, page=page, size=size, cursor=cursor,
    )  # fmt: skip
    try:
        result = await catalog.search(req)
    except InvalidSearchError as exc:
        raise HTTPException(422, str(exc)) from exc
    except SearchUnavailableError as exc:
        raise unavailable(exc) from exc
    search_id = str(uuid.uuid4())
    filters = {k: list(v) for k, v in terms.items()} | {
        k: v for k, v in (("year_min", year_min), ("year_max", year_max), ("price_min", price_min),
                          ("price_max", price_max), ("mileage_max", mileage_max),
                          ("installments", installments), ("lat", lat), ("lon", lon),
                          ("radius_km", radius_km)) if v is not None
    }  # fmt: skip
    payload = {
        "search_id": search_id, "query": q, "filters": filters, "sort": sort.value,
        "page": None if cursor else page, "hits_total": result.total, "took_ms": result.took_ms,
        "results_shown": [hit.listing_id for hit in result.hits],
    }  # fmt: skip
    await behaviour.publish(BehaviourEvent(SEARCH_PERFORMED, session_id, user_id, payload))
    # Written as JSON here (SearchResponse documents it): see api/search_response.py.
    return Response(search_response_json(result, req, search_id), media_type="application/json")


@router.get(
    "/suggest",
    response_model=SuggestResponse,
    dependencies=[Depends(only_query_params("q", "size"))],
    responses={503: {"description": "The search engine is unavailable"}},
)
async def suggest(
    catalog: CatalogDep,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    size: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SuggestResponse:
    """As-you-type completions (any script, folded like the search)."""
    try:
        found = await catalog.suggest(q, size=size)
    except SearchUnavailableError as exc:
        raise unavailable(exc) from exc
    return SuggestResponse(
        query=q,
        suggestions=[
            SuggestionOut(text=s.text, listing_id=s.listing_id, title=s.title) for s in found
        ],
    )


@router.post(
    "/search/clicks",
    response_model=EventAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(only_query_params())],
    responses={404: {"description": "No such listing"}, 503: {"description": "Search down"}},
)
async def click_result(
    click: ClickIn,
    catalog: CatalogDep,
    behaviour: BehaviourDep,
    session_id: SessionIdDep,
    user_id: UserIdDep,
) -> EventAccepted:
    """Record that a buyer opened a search result (SearchResultClicked)."""
    try:
        source = await catalog.listing(click.listing_id)
    except ListingNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except SearchUnavailableError as exc:
        raise unavailable(exc) from exc
    payload = {
        "search_id": click.search_id, "query": click.query, "listing_id": click.listing_id,
        "seller_id": (source.get("listing") or {}).get("seller_id"), "position": click.position,
    }  # fmt: skip
    event = BehaviourEvent(SEARCH_RESULT_CLICKED, session_id, user_id, payload)
    await behaviour.publish(event)
    return EventAccepted(event_id=event.event_id)
