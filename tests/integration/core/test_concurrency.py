"""Buyers racing for the same car or the same stock, on separate connections at once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.actor import Actor
from core.errors import DomainError, ListingNotAvailableError, OutOfStockError
from core.models import Inventory, Listing, ListingStatus, Order, OutboxRecord
from core.services import orders
from core.services.orders import OrderLine
from tests.integration.core.market import NewUow, a_buyer, a_seller, an_active_car, an_active_part

pytestmark = pytest.mark.integration

R = TypeVar("R")


def race(buyers: list[Actor], attempt: Callable[[Actor], R]) -> list[R | DomainError]:
    """Run ``attempt`` for every buyer in its own thread, all released at the same moment."""
    start = threading.Barrier(len(buyers))

    def one(buyer: Actor) -> R | DomainError:
        start.wait()
        try:
            return attempt(buyer)
        except DomainError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(buyers)) as pool:
        return list(pool.map(one, buyers))


def count(session: Session, event_type: str) -> int:
    query = select(func.count()).where(OutboxRecord.event_type == event_type)
    return session.scalar(query.select_from(OutboxRecord)) or 0


def test_twenty_buyers_race_for_one_car_and_exactly_one_wins(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    seller = a_seller(new_uow)
    car = an_active_car(new_uow, seller)
    buyers = [a_buyer(new_uow, f"buyer{i}@example.eg") for i in range(20)]

    results = race(
        buyers, lambda b: orders.place_order(new_uow(), actor=b, lines=[OrderLine(car.id)])
    )

    won = [r for r in results if isinstance(r, Order)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1
    assert len(lost) == 19
    assert all(isinstance(e, ListingNotAvailableError) for e in lost), lost
    assert {str(e) for e in lost} == {f"listing {car.id} is reserved, not active"}
    with session_factory() as session:
        stored = session.get_one(Listing, car.id)
        assert (stored.status, stored.version) == (ListingStatus.RESERVED, 2)
        assert session.scalar(select(func.count()).select_from(Order)) == 1
        assert count(session, "OrderPlaced") == 1
        assert count(session, "ListingReserved") == 1


def test_parts_stock_never_goes_below_zero(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    seller = a_seller(new_uow)
    part = an_active_part(new_uow, seller, stock=7)
    buyers = [a_buyer(new_uow, f"buyer{i}@example.eg") for i in range(12)]
    wanted = {b.user_id: 1 + i % 2 for i, b in enumerate(buyers)}  # 1 or 2 units each: 18 asked

    results = race(
        buyers,
        lambda b: orders.place_order(
            new_uow(), actor=b, lines=[OrderLine(part.id, wanted[b.user_id])]
        ),
    )

    won = [r for r in results if isinstance(r, Order)]
    kinds = Counter(type(r).__name__ for r in results)
    assert set(kinds) <= {"Order", "OutOfStockError"}, kinds
    sold_units = sum(o.items[0].quantity for o in won)
    assert 6 <= sold_units <= 7  # only a request for 2 with 1 left can leave one unit unsold
    with session_factory() as session:
        stock = session.get_one(Inventory, part.id)
        assert stock.quantity_available == 7 - sold_units >= 0
        assert stock.quantity_reserved == sold_units
        assert stock.version == 1 + len(won)
        assert count(session, "OrderPlaced") == len(won)
    assert all(isinstance(r, OutOfStockError) for r in results if not isinstance(r, Order))
