"""Commands store their events in the outbox in the same transaction, or nothing at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ConcurrentUpdateError, DomainError, OutOfStockError
from core.event_store import events_of
from core.models import Inventory, Listing, ListingPriceHistory, OutboxRecord
from core.payments import SandboxPaymentProvider
from core.services import listings, orders
from core.services.orders import OrderLine
from tests.integration.core.market import NewUow, a_buyer, a_seller, an_active_car, an_active_part

pytestmark = pytest.mark.integration


def outbox_types(session_factory: sessionmaker[Session]) -> list[str]:
    with session_factory() as session:
        query = select(OutboxRecord.event_type).order_by(OutboxRecord.occurred_at)
        return list(session.scalars(query))


def test_a_command_writes_its_change_and_its_events_together(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    seller = a_seller(new_uow)
    car = an_active_car(new_uow, seller)
    listings.reprice_listing(new_uow(), actor=seller, listing_id=car.id, price_egp=899_000)
    with session_factory() as session:
        stored = session.get_one(Listing, car.id)
        history = session.scalars(select(ListingPriceHistory)).all()
        events = events_of(session, "listing", car.id)
    assert (stored.price_egp, stored.version) == (899_000, 2)
    assert [(h.old_price_egp, h.new_price_egp) for h in history] == [(950_000, 899_000)]
    assert [(e.event_type, e.version) for e in events] == [
        ("ListingPublished", 1),
        ("ListingPriceChanged", 2),
    ]
    assert events[1].payload == {
        "listing_id": str(car.id),
        "seller_id": str(car.seller_id),
        "old_price_egp": 950_000,
        "new_price_egp": 899_000,
    }
    assert outbox_types(session_factory) == [
        "UserRegistered",
        "SellerRegistered",
        "ListingPublished",
        "ListingPriceChanged",
    ]


def test_a_command_the_database_refuses_leaves_no_outbox_row(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    seller = a_seller(new_uow)
    car = an_active_car(new_uow, seller)
    before = outbox_types(session_factory)
    uow = new_uow()
    with uow:
        listing = uow.listings.get(car.id, lock=True)
        assert listing is not None
        listing.reprice(800_000)  # records ListingPriceChanged...
        listing.mileage_km = -5  # ...but the row breaks a CHECK at commit
        with pytest.raises(DomainError, match="ck_listings_mileage_non_negative"):
            uow.commit()
    assert outbox_types(session_factory) == before
    with session_factory() as session:
        assert session.get_one(Listing, car.id).price_egp == 950_000


def test_a_command_refused_halfway_leaves_stock_and_outbox_untouched(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    seller, buyer = a_seller(new_uow), a_buyer(new_uow, "mona@example.eg")
    plenty, scarce = an_active_part(new_uow, seller, 10), an_active_part(new_uow, seller, 1)
    before = outbox_types(session_factory)
    with pytest.raises(OutOfStockError, match="only 1 left"):
        orders.place_order(
            new_uow(), actor=buyer, lines=[OrderLine(plenty.id, 3), OrderLine(scarce.id, 2)]
        )
    assert outbox_types(session_factory) == before
    with session_factory() as session:
        stock = session.get_one(Inventory, plenty.id)
        assert (stock.quantity_available, stock.quantity_reserved, stock.version) == (10, 0, 1)
        assert session.scalar(select(func.count()).select_from(OutboxRecord)) == len(before)


def test_the_event_store_replays_an_orders_history(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    seller, buyer = a_seller(new_uow), a_buyer(new_uow, "mona@example.eg")
    car = an_active_car(new_uow, seller)
    order = orders.place_order(new_uow(), actor=buyer, lines=[OrderLine(car.id)])
    provider = SandboxPaymentProvider(declining=True)
    with pytest.raises(DomainError, match="payment declined"):
        orders.pay_order(new_uow(), actor=buyer, order_id=order.id, provider=provider)
    provider.declining = False
    orders.pay_order(new_uow(), actor=buyer, order_id=order.id, provider=provider)
    orders.refund_order(new_uow(), actor=seller, order_id=order.id, provider=provider)
    with session_factory() as session:
        history = events_of(session, "order", order.id)
        later = events_of(session, "order", order.id, after_version=3)
        car_history = events_of(session, "listing", car.id)
    assert [(e.event_type, e.version) for e in history] == [
        ("OrderPlaced", 1),
        ("PaymentDeclined", 2),
        ("PaymentCaptured", 3),
        ("OrderPaid", 4),
        ("OrderRefunded", 5),
    ]
    assert [e.version for e in later] == [4, 5]
    assert history[2].payload["provider"] == "sandbox"
    assert history[4].payload["amount_egp"] == 47_500
    assert [e.event_type for e in car_history] == [
        "ListingPublished",
        "ListingReserved",
        "ListingReleased",
    ]


def test_an_unlocked_concurrent_change_is_refused_by_the_version_check(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    seller = a_seller(new_uow)
    car = an_active_car(new_uow, seller)
    first, second = new_uow(), new_uow()
    with first, second:
        mine, theirs = first.listings.get(car.id), second.listings.get(car.id)
        assert mine is not None
        assert theirs is not None
        mine.edit({"colour": "white"})
        theirs.edit({"colour": "black"})
        first.commit()
        with pytest.raises(ConcurrentUpdateError, match="at the same time"):
            second.commit()
    with session_factory() as session:
        stored = session.get_one(Listing, car.id)
        assert (stored.colour, stored.version) == ("white", 2)
        assert [e.version for e in events_of(session, "listing", car.id)] == [1, 2]


def test_events_survive_a_mid_transaction_flush_of_unreferenced_aggregates(
    new_uow: NewUow, session_factory: sessionmaker[Session]
) -> None:
    """Flushed aggregates are weakly held by the session; their events must still commit."""
    import gc

    from core.listing_details import Category, ListingDetails
    from core.models import Seller

    seller_actor = a_seller(new_uow)
    with new_uow() as uow:
        seller = uow.sellers.get_by_user(seller_actor.user_id)
        assert seller is not None
        for n in range(50):
            listing = Listing.draft(
                seller_id=seller.id,
                category=Category.SERVICE,
                details=ListingDetails(
                    governorate="cairo", title_en=f"oil change {n}", service_type="maintenance"
                ),
                price_egp=500 + n,
            )
            uow.listings.add(listing)
            listing.publish()
            uow.session.flush()
            del listing
            gc.collect()
        assert isinstance(seller, Seller)
        uow.commit()
    published = [t for t in outbox_types(session_factory) if t == "ListingPublished"]
    assert len(published) == 50
