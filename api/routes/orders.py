"""``/orders``: place, read, pay, cancel, refund, fulfil.

Someone else's order answers 404 (not 403): its existence is not disclosed. A party to the
order who may not do an action (a buyer refunding) gets 403.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from api.deps import CurrentUser, PaymentProviderDep, SessionDep, UnitOfWorkDep
from api.errors import error_responses
from api.schemas.orders import CancelIn, EventOut, OrderIn, OrderOut
from core import views
from core.services import orders
from core.services.orders import OrderLine

router = APIRouter(prefix="/orders", tags=["orders"])
PARTY_ERRORS = error_responses(401, 403, 404, 409)


@router.post(
    "",
    summary="Place an order: reserve a car, buy parts or book a service",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    responses=error_responses(401, 404, 409),
)
def place(body: OrderIn, actor: CurrentUser, uow: UnitOfWorkDep) -> OrderOut:
    lines = [OrderLine(listing_id=i.listing_id, quantity=i.quantity) for i in body.items]
    return OrderOut.model_validate(orders.place_order(uow, actor=actor, lines=lines))


@router.get(
    "",
    summary="The signed-in user's orders (as buyer, or as seller), newest first",
    response_model=list[OrderOut],
    responses=error_responses(401),
)
def my_orders(
    actor: CurrentUser,
    session: SessionDep,
    as_seller: Annotated[bool, Query(description="Orders placed with me as seller.")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[OrderOut]:
    rows = views.orders_of(session, actor=actor, as_seller=as_seller, limit=limit, offset=offset)
    return [OrderOut.model_validate(row) for row in rows]


@router.get(
    "/{order_id}",
    summary="One order of the signed-in user (buyer, seller or admin)",
    response_model=OrderOut,
    responses=error_responses(401, 404),
)
def get_order(order_id: uuid.UUID, actor: CurrentUser, session: SessionDep) -> OrderOut:
    return OrderOut.model_validate(views.order_for(session, actor=actor, order_id=order_id))


@router.get(
    "/{order_id}/history",
    summary="The order's domain events from the event store, oldest first",
    response_model=list[EventOut],
    responses=error_responses(401, 404),
)
def order_history(order_id: uuid.UUID, actor: CurrentUser, session: SessionDep) -> list[EventOut]:
    events = views.order_history(session, actor=actor, order_id=order_id)
    return [EventOut.model_validate(event.envelope()) for event in events]


@router.post(
    "/{order_id}/pay",
    summary="Pay a pending order through the payment provider",
    response_model=OrderOut,
    responses=error_responses(401, 402, 403, 404, 409),
)
def pay(
    order_id: uuid.UUID, actor: CurrentUser, uow: UnitOfWorkDep, provider: PaymentProviderDep
) -> OrderOut:
    order = orders.pay_order(uow, actor=actor, order_id=order_id, provider=provider)
    return OrderOut.model_validate(order)


@router.post(
    "/{order_id}/cancel",
    summary="Cancel a pending order; the car or the stock is released",
    response_model=OrderOut,
    responses=PARTY_ERRORS,
)
def cancel(
    order_id: uuid.UUID,
    actor: CurrentUser,
    uow: UnitOfWorkDep,
    body: Annotated[CancelIn | None, Body()] = None,
) -> OrderOut:
    reason = body.reason if body else None
    return OrderOut.model_validate(
        orders.cancel_order(uow, actor=actor, order_id=order_id, reason=reason)
    )


@router.post(
    "/{order_id}/refund",
    summary="Refund a paid order (seller or admin); the car or the stock is released",
    response_model=OrderOut,
    responses=PARTY_ERRORS,
)
def refund(
    order_id: uuid.UUID, actor: CurrentUser, uow: UnitOfWorkDep, provider: PaymentProviderDep
) -> OrderOut:
    order = orders.refund_order(uow, actor=actor, order_id=order_id, provider=provider)
    return OrderOut.model_validate(order)


@router.post(
    "/{order_id}/fulfil",
    summary="Hand over a paid order (seller or admin): the car is sold, the parts ship",
    response_model=OrderOut,
    responses=PARTY_ERRORS,
)
def fulfil(order_id: uuid.UUID, actor: CurrentUser, uow: UnitOfWorkDep) -> OrderOut:
    return OrderOut.model_validate(orders.fulfil_order(uow, actor=actor, order_id=order_id))
