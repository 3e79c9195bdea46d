"""Commands on listings: create, publish, edit, reprice, reserve, release, sell, archive.

Every command locks the listing row (``SELECT ... FOR UPDATE``) so it serialises with orders
placed on the same listing. A seller changes only their own listings; admins change any.
"""

from __future__ import annotations

import uuid
from typing import Any

from core.actor import Actor
from core.errors import ForbiddenError, InvalidInputError, ListingNotAvailableError, NotFoundError
from core.listing_details import Category, ListingDetails
from core.models import Inventory, Listing, Order, OrderKind, OrderStatus, Seller
from core.unit_of_work import UnitOfWork


def create_listing(
    uow: UnitOfWork,
    *,
    actor: Actor,
    category: Category,
    details: ListingDetails,
    price_egp: int,
    stock_quantity: int | None = None,
    publish: bool = False,
) -> Listing:
    """A new draft (or, with ``publish``, an active listing); parts get their stock row."""
    if stock_quantity is not None and category is not Category.PART:
        raise InvalidInputError("stock_quantity is only for spare-part listings")
    with uow:
        seller = _seller_of(uow, actor)
        listing = Listing.draft(
            seller_id=seller.id, category=category, details=details, price_egp=price_egp
        )
        uow.listings.add(listing)
        if category is Category.PART:
            uow.inventory.add(
                Inventory.stock(listing.id, 1 if stock_quantity is None else stock_quantity)
            )
        if publish:
            listing.publish()
        uow.commit()
    return listing


def publish_listing(uow: UnitOfWork, *, actor: Actor, listing_id: uuid.UUID) -> Listing:
    with uow:
        listing = _own_listing(uow, actor, listing_id)
        listing.publish()
        uow.commit()
    return listing


def edit_listing(
    uow: UnitOfWork,
    *,
    actor: Actor,
    listing_id: uuid.UUID,
    changes: dict[str, Any],
    stock_quantity: int | None = None,
) -> Listing:
    """Change descriptive fields (not price: see :func:`reprice_listing`) and part stock."""
    with uow:
        listing = _own_listing(uow, actor, listing_id)
        listing.edit(changes)
        if stock_quantity is not None:
            inventory = uow.inventory.get(listing.id, lock=True)
            if inventory is None:
                raise InvalidInputError("stock_quantity is only for spare-part listings")
            inventory.restock(stock_quantity)
        uow.commit()
    return listing


def reprice_listing(
    uow: UnitOfWork, *, actor: Actor, listing_id: uuid.UUID, price_egp: int
) -> Listing:
    """New price; the old and new prices go to ``listing_price_history``."""
    with uow:
        listing = _own_listing(uow, actor, listing_id)
        uow.listings.add_price_change(listing.reprice(price_egp))
        uow.commit()
    return listing


def reserve_listing(uow: UnitOfWork, *, actor: Actor, listing_id: uuid.UUID) -> Listing:
    """The seller holds a car for a buyer outside the platform (no order)."""
    with uow:
        listing = _own_listing(uow, actor, listing_id)
        listing.reserve(order_id=None)
        uow.commit()
    return listing


def release_listing(uow: UnitOfWork, *, actor: Actor, listing_id: uuid.UUID) -> Listing:
    """Back to active, unless an open order holds the car (cancel or refund it instead)."""
    with uow:
        listing = _own_listing(uow, actor, listing_id)
        _refuse_if_held(uow, listing, "release")
        listing.release(order_id=None)
        uow.commit()
    return listing


def sell_listing(uow: UnitOfWork, *, actor: Actor, listing_id: uuid.UUID) -> Listing:
    """Mark a car sold. A paid reservation is fulfilled by it; a pending one is cancelled."""
    with uow:
        listing = _own_listing(uow, actor, listing_id)
        paid: Order | None = None
        for order in uow.orders.open_orders_for_listing(listing.id):
            if order.status is OrderStatus.PAID and order.kind is OrderKind.CAR_RESERVATION:
                paid = order
            else:
                order.cancel("the car was sold")
        listing.sell(order_id=paid.id if paid else None)
        if paid is not None:
            paid.fulfil()
        uow.commit()
    return listing


def archive_listing(uow: UnitOfWork, *, actor: Actor, listing_id: uuid.UUID) -> Listing:
    with uow:
        listing = _own_listing(uow, actor, listing_id)
        _refuse_if_held(uow, listing, "archive")
        listing.archive()
        uow.commit()
    return listing


def _seller_of(uow: UnitOfWork, actor: Actor) -> Seller:
    seller = uow.sellers.get_by_user(actor.user_id)
    if seller is None:
        raise ForbiddenError("only sellers can create listings; register as a seller first")
    return seller


def _own_listing(uow: UnitOfWork, actor: Actor, listing_id: uuid.UUID) -> Listing:
    listing = uow.listings.get(listing_id, lock=True)
    if listing is None:
        raise NotFoundError(f"no listing {listing_id}")
    if not actor.is_admin:
        seller = uow.sellers.get_by_user(actor.user_id)
        if seller is None or seller.id != listing.seller_id:
            raise ForbiddenError(f"listing {listing_id} belongs to another seller")
    return listing


def _refuse_if_held(uow: UnitOfWork, listing: Listing, action: str) -> None:
    held = uow.orders.open_orders_for_listing(listing.id)
    if held:
        raise ListingNotAvailableError(
            f"cannot {action} listing {listing.id}: order {held[0].id} is "
            f"{held[0].status.value}; cancel or refund it first"
        )
