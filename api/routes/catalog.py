"""Catalog read side from Elasticsearch: ``GET /listings/{id}`` and ``.../similar``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from api.behaviour import LISTING_VIEWED, BehaviourEvent
from api.search_schemas import ListingDetail, ListingSummary, SimilarResponse
from api.search_wiring import BehaviourDep, CatalogDep, SessionIdDep, UserIdDep, only_query_params
from search.errors import ListingNotFoundError, SearchUnavailableError

router = APIRouter(tags=["catalog"])
ListingId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class ViewSource(StrEnum):
    SEARCH = "search"
    SIMILAR = "similar"
    SUGGEST = "suggest"
    DIRECT = "direct"
    SELLER_PAGE = "seller_page"


@router.get(
    "/listings/{listing_id}",
    response_model=ListingDetail,
    dependencies=[Depends(only_query_params("source"))],
    responses={404: {"description": "No such listing"}, 503: {"description": "Search down"}},
)
async def get_listing(
    listing_id: ListingId,
    catalog: CatalogDep,
    behaviour: BehaviourDep,
    session_id: SessionIdDep,
    user_id: UserIdDep,
    source: ViewSource = ViewSource.DIRECT,
) -> ListingDetail:
    """One listing as the catalog shows it (sold and reserved ones too, with their status)."""
    try:
        document = await catalog.listing(listing_id)
    except ListingNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except SearchUnavailableError as exc:
        raise HTTPException(503, f"search is unavailable: {exc}") from exc
    listing = document.get("listing") or {}
    detail = ListingDetail(
        **ListingSummary.of(listing, document.get("seller")),
        description_ar=listing.get("description_ar"),
        description_en=listing.get("description_en"),
        photos=listing.get("photos") or [],
        latitude=listing.get("latitude"),
        longitude=listing.get("longitude"),
        part_number=listing.get("part_number"),
        compatible=listing.get("compatible"),
        service_type=listing.get("service_type"),
    )
    payload = {
        "listing_id": listing_id,
        "seller_id": listing.get("seller_id"),
        "source": source.value,
    }
    await behaviour.publish(BehaviourEvent(LISTING_VIEWED, session_id, user_id, payload))
    return detail


@router.get(
    "/listings/{listing_id}/similar",
    response_model=SimilarResponse,
    dependencies=[Depends(only_query_params("size"))],
    responses={404: {"description": "No such listing"}, 503: {"description": "Search down"}},
)
async def similar_listings(
    listing_id: ListingId,
    catalog: CatalogDep,
    size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SimilarResponse:
    """Active listings like this one (same make/model, shared words, similar price)."""
    try:
        hits = await catalog.similar(listing_id, size=size)
    except ListingNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except SearchUnavailableError as exc:
        raise HTTPException(503, f"search is unavailable: {exc}") from exc
    return SimilarResponse(
        listing_id=listing_id,
        hits=[ListingSummary(**ListingSummary.of(h.listing, h.seller)) for h in hits],
    )
