"""Product search: ``GET /search``, ``GET /suggest`` and ``POST /search/clicks``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from api.behaviour import SEARCH_PERFORMED, SEARCH_RESULT_CLICKED, BehaviourEvent
from api.search_params import SearchParams, SearchParamsDep, openapi_parameters
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
    SearchCallDep,
    SessionIdDep,
    UserIdDep,
    only_query_params,
)
from search.errors import InvalidSearchError, ListingNotFoundError, SearchUnavailableError
from search.query.request import Place, SearchRequest, SortOrder, canonical_filter_value

router = APIRouter(tags=["search"])
FACETS = ("category", "make", "model", "body", "fuel", "transmission", "colour", "condition",
          "governorate", "city", "seller_type")  # fmt: skip
BOUNDS = ("year_min", "year_max", "price_min", "price_max", "mileage_max", "installments", "lat",
          "lon", "radius_km")  # fmt: skip


def unavailable(exc: SearchUnavailableError) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"search is unavailable: {exc}")


def _ordered(name: str, low: int | float | None, high: int | float | None) -> None:
    if low is not None and high is not None and low > high:
        raise HTTPException(422, f"{name}_min ({low}) is greater than {name}_max ({high})")


@router.get(
    "/search",
    response_model=SearchResponse,
    responses={
        422: {"description": "Unknown parameter, bad value or range, over the caps"},
        503: {"description": "The search engine is unavailable"},
    },
    openapi_extra={"parameters": openapi_parameters(SearchParams)},
)
async def search_listings(params: SearchParamsDep, call: SearchCallDep) -> Response:
    """Full-text search over active listings with filters, disjunctive facets and paging."""
    p, settings = params, call.settings
    _ordered("year", p.year_min, p.year_max)
    _ordered("price", p.price_min, p.price_max)
    if p.size > settings.search_max_page_size:
        raise HTTPException(
            422, f"size {p.size} is over the cap of {settings.search_max_page_size}"
        )
    if p.page * p.size > settings.search_max_offset + settings.search_max_page_size:
        raise HTTPException(422, f"page {p.page} is too deep for page/size paging: use the cursor")
    if (p.lat is None) != (p.lon is None) or (p.radius_km is not None and p.lat is None):
        raise HTTPException(422, "lat and lon go together, and radius_km needs both")
    if p.sort is SortOrder.DISTANCE and p.lat is None:
        raise HTTPException(422, "sort=distance needs lat and lon")
    terms = {
        facet: tuple(dict.fromkeys(canonical_filter_value(facet, str(v)) for v in values))
        for facet in FACETS
        if (values := getattr(p, facet))
    }
    req = SearchRequest(
        q=p.q, terms=terms, year_min=p.year_min, year_max=p.year_max, price_min=p.price_min,
        price_max=p.price_max, mileage_max=p.mileage_max, installments=p.installments,
        place=Place(p.lat, p.lon, p.radius_km) if p.lat is not None and p.lon is not None else None,
        sort=p.sort, page=p.page, size=p.size, cursor=p.cursor,
    )  # fmt: skip
    try:
        result = await call.catalog.search(req)
    except InvalidSearchError as exc:
        raise HTTPException(422, str(exc)) from exc
    except SearchUnavailableError as exc:
        raise unavailable(exc) from exc
    search_id = str(uuid.uuid4())
    filters = {k: list(v) for k, v in terms.items()} | {
        k: v for k in BOUNDS if (v := getattr(p, k)) is not None
    }
    payload = {
        "search_id": search_id, "query": p.q, "filters": filters, "sort": p.sort.value,
        "page": None if p.cursor else p.page, "hits_total": result.total, "took_ms": result.took_ms,
        "results_shown": [hit.listing_id for hit in result.hits],
    }  # fmt: skip
    event = BehaviourEvent(SEARCH_PERFORMED, call.session_id, call.user_id, payload)
    await call.behaviour.publish(event)
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
