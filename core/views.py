"""Read queries the transactional API answers from Postgres (a user's own data only).

Public reads (a listing page, search, facets) come from the Elasticsearch read model; these
are the few reads that must see the user's own rows at once: their drafts, their orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import NotFoundError
from core.event_store import events_of
from core.events import DomainEvent
from core.models import Inventory, Listing, ListingStatus, Order, Seller


def seller_listings(
    session: Session,
    *,
    user_id: uuid.UUID,
    status: ListingStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Listing]:
    """The listings of the seller account of ``user_id``, newest first, every status."""
    query = (
        select(Listing)
        .join(Seller, Seller.id == Listing.seller_id)
        .where(Seller.user_id == user_id)
        .order_by(Listing.created_at.desc(), Listing.id)
        .limit(limit)
        .offset(offset)
    )
    if status is not None:
        query = query.where(Listing.status == status)
    return session.scalars(query).all()


def stock_of(session: Session, listing_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Inventory]:
    rows = session.scalars(select(Inventory).where(Inventory.listing_id.in_(listing_ids)))
    return {row.listing_id: row for row in rows}


def orders_of(
    session: Session, *, actor: Actor, as_seller: bool = False, limit: int = 100, offset: int = 0
) -> Sequence[Order]:
    """Orders the actor placed, or (``as_seller``) orders placed with the actor's seller."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id).limit(limit).offset(offset)
    if as_seller:
        query = query.join(Seller, Seller.id == Order.seller_id).where(
            Seller.user_id == actor.user_id
        )
    else:
        query = query.where(Order.buyer_id == actor.user_id)
    return session.scalars(query).all()


def order_for(session: Session, *, actor: Actor, order_id: uuid.UUID) -> Order:
    """One order, if the actor is its buyer, its seller or an admin; 404 to anyone else."""
    query = select(Order).where(Order.id == order_id)
    if not actor.is_admin:
        own_seller = select(Seller.id).where(Seller.user_id == actor.user_id).scalar_subquery()
        query = query.where(or_(Order.buyer_id == actor.user_id, Order.seller_id == own_seller))
    order = session.scalars(query).one_or_none()
    if order is None:
        raise NotFoundError(f"no order {order_id}")
    return order


def order_history(session: Session, *, actor: Actor, order_id: uuid.UUID) -> list[DomainEvent]:
    """The order's domain events from the event store, oldest first (same visibility rule)."""
    order = order_for(session, actor=actor, order_id=order_id)
    return events_of(session, "order", order.id)
