"""``/listings`` commands and ``/me/listings`` (public reads are the search API's)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentSeller, CurrentUser, SessionDep, UnitOfWorkDep
from api.errors import error_responses
from api.schemas.listings import (
    FavouriteOut,
    LeadIn,
    LeadOut,
    ListingCreate,
    ListingOut,
    ListingUpdate,
    RepriceIn,
    StockOut,
)
from core import views
from core.models import Listing, ListingStatus
from core.services import engagement, listings

router = APIRouter(tags=["listings"])
OWNER_ERRORS = error_responses(401, 403, 404, 409)


def _out(listing: Listing, session: SessionDep) -> ListingOut:
    return _many([listing], session)[0]


def _many(rows: Sequence[Listing], session: SessionDep) -> list[ListingOut]:
    stock = views.stock_of(session, [row.id for row in rows])
    out = []
    for row in rows:
        item = ListingOut.model_validate(row)
        if row.id in stock:
            item.stock = StockOut.model_validate(stock[row.id])
        out.append(item)
    return out


@router.post(
    "/listings",
    summary="Create a listing (a draft, or published at once)",
    status_code=status.HTTP_201_CREATED,
    response_model=ListingOut,
    responses=error_responses(401, 403, 409),
)
def create(
    body: ListingCreate, actor: CurrentSeller, uow: UnitOfWorkDep, session: SessionDep
) -> ListingOut:
    listing = listings.create_listing(
        uow,
        actor=actor,
        category=body.category,
        details=body.details(),
        price_egp=body.price_egp,
        stock_quantity=body.stock_quantity,
        publish=body.publish,
    )
    return _out(listing, session)


@router.patch(
    "/listings/{listing_id}",
    summary="Edit a listing's descriptive fields or stock",
    response_model=ListingOut,
    responses=OWNER_ERRORS,
)
def edit(
    listing_id: uuid.UUID,
    body: ListingUpdate,
    actor: CurrentUser,
    uow: UnitOfWorkDep,
    session: SessionDep,
) -> ListingOut:
    listing = listings.edit_listing(
        uow,
        actor=actor,
        listing_id=listing_id,
        changes=body.detail_values(only_set=True),
        stock_quantity=body.stock_quantity,
    )
    return _out(listing, session)


@router.post(
    "/listings/{listing_id}/reprice",
    summary="Change the price (kept in the price history)",
    response_model=ListingOut,
    responses=OWNER_ERRORS,
)
def reprice(
    listing_id: uuid.UUID,
    body: RepriceIn,
    actor: CurrentUser,
    uow: UnitOfWorkDep,
    session: SessionDep,
) -> ListingOut:
    listing = listings.reprice_listing(
        uow, actor=actor, listing_id=listing_id, price_egp=body.price_egp
    )
    return _out(listing, session)


def _transition(name: str, summary: str, command: Callable[..., Listing]) -> None:
    """``POST /listings/{id}/<name>``: a status change with no body."""

    def endpoint(
        listing_id: uuid.UUID, actor: CurrentUser, uow: UnitOfWorkDep, session: SessionDep
    ) -> ListingOut:
        return _out(command(uow, actor=actor, listing_id=listing_id), session)

    endpoint.__name__ = name
    router.add_api_route(
        f"/listings/{{listing_id}}/{name}",
        endpoint,
        methods=["POST"],
        summary=summary,
        response_model=ListingOut,
        responses=OWNER_ERRORS,
    )


_transition(
    "publish", "Publish a draft: it becomes active and searchable", listings.publish_listing
)
_transition("reserve", "Hold a car for a buyer outside the platform", listings.reserve_listing)
_transition("release", "Put a car held outside the platform back on sale", listings.release_listing)
_transition("sell", "Mark a car sold (fulfils its paid reservation, if any)", listings.sell_listing)
_transition("archive", "Take a listing off the marketplace for good", listings.archive_listing)


@router.post(
    "/listings/{listing_id}/favourite",
    summary="Keep a listing among the user's favourites (idempotent)",
    response_model=FavouriteOut,
    responses=error_responses(401, 404, 409),
)
def favourite(listing_id: uuid.UUID, actor: CurrentUser, uow: UnitOfWorkDep) -> FavouriteOut:
    return FavouriteOut.model_validate(
        engagement.favourite_listing(uow, actor=actor, listing_id=listing_id)
    )


@router.post(
    "/listings/{listing_id}/leads",
    summary="Contact the seller: call, WhatsApp, message or test-drive request",
    status_code=status.HTTP_201_CREATED,
    response_model=LeadOut,
    responses=error_responses(401, 404, 409),
)
def lead(listing_id: uuid.UUID, body: LeadIn, actor: CurrentUser, uow: UnitOfWorkDep) -> LeadOut:
    created = engagement.create_lead(
        uow, actor=actor, listing_id=listing_id, channel=body.channel, message=body.message
    )
    return LeadOut.model_validate(created)


@router.get(
    "/me/listings",
    summary="The signed-in seller's own listings, every status, newest first",
    response_model=list[ListingOut],
    responses=error_responses(401, 403),
)
def my_listings(
    actor: CurrentSeller,
    session: SessionDep,
    listing_status: Annotated[ListingStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[ListingOut]:
    rows = views.seller_listings(
        session, user_id=actor.user_id, status=listing_status, limit=limit, offset=offset
    )
    return _many(rows, session)
