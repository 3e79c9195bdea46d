"""Commands on orders: place, pay, cancel, refund, fulfil.

Placing an order locks the listings it names (``SELECT ... FOR UPDATE``, in id order so two
orders never wait on each other in a cycle), and then, for parts, their inventory rows. A
car that another order reserved is no longer active, so of any number of buyers racing for
one car exactly one order succeeds; the others get :class:`ListingNotAvailableError`.
Locks are always taken listing -> order -> inventory.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core.actor import Actor
from core.errors import (
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PaymentDeclinedError,
)
from core.listing_details import Category
from core.models import (
    Inventory,
    Listing,
    ListingStatus,
    Order,
    OrderItem,
    OrderKind,
    OrderStatus,
    reservation_deposit_egp,
)
from core.payments import PaymentProvider
from core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OrderLine:
    listing_id: uuid.UUID
    quantity: int = 1


def place_order(uow: UnitOfWork, *, actor: Actor, lines: Sequence[OrderLine]) -> Order:
    """Reserve a car (deposit), buy parts (stock) or book a service, from one seller."""
    _check_lines(lines)
    with uow:
        listings = [_lock_orderable(uow, line.listing_id) for line in sorted(lines, key=_by_id)]
        seller_ids = {listing.seller_id for listing in listings}
        categories = {listing.category for listing in listings}
        if len(seller_ids) > 1 or len(categories) > 1:
            raise InvalidInputError("one order holds listings of one seller and one category")
        category = categories.pop()
        seller = uow.sellers.get(seller_ids.pop())
        if seller is not None and seller.user_id == actor.user_id:
            raise DomainError("you cannot order your own listing")
        if category is not Category.PART and (len(lines) > 1 or lines[0].quantity != 1):
            raise InvalidInputError(f"a {category.value} order is for one listing, quantity 1")
        quantities = {line.listing_id: line.quantity for line in lines}
        order = Order.place(
            buyer_id=actor.user_id,
            seller_id=listings[0].seller_id,
            kind=OrderKind.for_category(category),
            items=[_item(listing, quantities[listing.id]) for listing in listings],
        )
        uow.orders.add(order)
        if category is Category.CAR:
            listings[0].reserve(order_id=order.id)
        elif category is Category.PART:
            for listing in listings:
                inventory = uow.inventory.get(listing.id, lock=True)
                if inventory is None:
                    raise DomainError(f"listing {listing.id} has no stock record")
                inventory.reserve(quantities[listing.id])
        uow.commit()
    return order


def pay_order(
    uow: UnitOfWork, *, actor: Actor, order_id: uuid.UUID, provider: PaymentProvider
) -> Order:
    """Charge the order's total. A decline is stored (payment row, event), then raised."""
    with uow:
        order = _visible_order(uow, actor, order_id, lock=True)
        if order.buyer_id != actor.user_id:
            raise ForbiddenError("only the buyer pays an order")
        order.require_status(OrderStatus.PENDING, action="pay")
        result = provider.charge(order_id=order.id, amount_egp=order.total_egp)
        order.record_charge(result)
        uow.commit()
    if not result.succeeded:
        raise PaymentDeclinedError(f"payment declined: {result.reason or 'no reason given'}")
    return order


def cancel_order(
    uow: UnitOfWork, *, actor: Actor, order_id: uuid.UUID, reason: str | None = None
) -> Order:
    """Cancel a pending order (buyer, seller or admin): the car or the stock is released."""
    with uow:
        order, listings = _lock_for_change(uow, actor, order_id)
        order.cancel(reason or f"cancelled by the {_party(order, actor, uow)}")
        _release_holds(uow, order, listings)
        uow.commit()
    return order


def refund_order(
    uow: UnitOfWork, *, actor: Actor, order_id: uuid.UUID, provider: PaymentProvider
) -> Order:
    """Refund a paid, unfulfilled order (seller or admin): money back, holds released."""
    with uow:
        order, listings = _lock_for_change(uow, actor, order_id)
        if _party(order, actor, uow) == "buyer":
            raise ForbiddenError("the seller or an admin refunds an order; ask the seller")
        order.require_status(OrderStatus.PAID, action="refund")
        captured = order.captured_payment
        if captured is None:
            raise DomainError(f"order {order.id} has no captured payment to refund")
        result = provider.refund(
            order_id=order.id, provider_ref=captured.provider_ref, amount_egp=captured.amount_egp
        )
        if not result.succeeded:
            raise DomainError(f"the payment provider refused the refund: {result.reason}")
        order.refund(result)
        _release_holds(uow, order, listings)
        uow.commit()
    return order


def fulfil_order(uow: UnitOfWork, *, actor: Actor, order_id: uuid.UUID) -> Order:
    """The seller hands over a paid order: the car is sold, the parts leave the stock."""
    with uow:
        order, listings = _lock_for_change(uow, actor, order_id)
        if _party(order, actor, uow) == "buyer":
            raise ForbiddenError("the seller or an admin fulfils an order")
        order.fulfil()
        for listing in listings:
            quantity = _quantity_of(order, listing.id)
            if order.kind is OrderKind.CAR_RESERVATION:
                listing.sell(order_id=order.id)
            elif order.kind is OrderKind.PARTS_PURCHASE:
                _inventory(uow, listing.id).ship(quantity)
        uow.commit()
    return order


def _check_lines(lines: Sequence[OrderLine]) -> None:
    if not lines:
        raise InvalidInputError("an order needs at least one item")
    if len({line.listing_id for line in lines}) != len(lines):
        raise InvalidInputError("each listing appears once in an order; use quantity instead")
    for line in lines:
        if line.quantity < 1:
            raise InvalidInputError(f"quantity must be 1 or more, got {line.quantity}")


def _by_id(line: OrderLine) -> str:
    return str(line.listing_id)


def _lock_orderable(uow: UnitOfWork, listing_id: uuid.UUID) -> Listing:
    listing = uow.listings.get(listing_id, lock=True)
    if listing is None or listing.status is ListingStatus.DRAFT:
        raise NotFoundError(f"no listing {listing_id}")
    listing.ensure_orderable()
    return listing


def _item(listing: Listing, quantity: int) -> OrderItem:
    price = listing.price_egp
    if listing.category is Category.CAR:
        price = reservation_deposit_egp(price)
    return OrderItem(listing_id=listing.id, quantity=quantity, unit_price_egp=price)


def _visible_order(uow: UnitOfWork, actor: Actor, order_id: uuid.UUID, *, lock: bool) -> Order:
    """The order if the actor is its buyer, its seller or an admin; 'not found' otherwise."""
    order = uow.orders.get(order_id, lock=lock)
    if order is None or _party(order, actor, uow) is None:
        raise NotFoundError(f"no order {order_id}")
    return order


def _party(order: Order, actor: Actor, uow: UnitOfWork) -> str | None:
    if order.buyer_id == actor.user_id:
        return "buyer"
    seller = uow.sellers.get_by_user(actor.user_id)
    if seller is not None and seller.id == order.seller_id:
        return "seller"
    return "admin" if actor.is_admin else None


def _lock_for_change(
    uow: UnitOfWork, actor: Actor, order_id: uuid.UUID
) -> tuple[Order, list[Listing]]:
    """Lock the order's listings, then the order itself (the global lock order)."""
    order = _visible_order(uow, actor, order_id, lock=False)
    listings = []
    for listing_id in sorted((item.listing_id for item in order.items), key=str):
        listing = uow.listings.get(listing_id, lock=True)
        if listing is None:
            raise NotFoundError(f"no listing {listing_id}")
        listings.append(listing)
    return _visible_order(uow, actor, order_id, lock=True), listings


def _release_holds(uow: UnitOfWork, order: Order, listings: list[Listing]) -> None:
    for listing in listings:
        if order.kind is OrderKind.CAR_RESERVATION and listing.status is ListingStatus.RESERVED:
            listing.release(order_id=order.id)
        elif order.kind is OrderKind.PARTS_PURCHASE:
            _inventory(uow, listing.id).release(_quantity_of(order, listing.id))


def _inventory(uow: UnitOfWork, listing_id: uuid.UUID) -> Inventory:
    inventory = uow.inventory.get(listing_id, lock=True)
    if inventory is None:
        raise DomainError(f"listing {listing_id} has no stock record")
    return inventory


def _quantity_of(order: Order, listing_id: uuid.UUID) -> int:
    return next(item.quantity for item in order.items if item.listing_id == listing_id)
