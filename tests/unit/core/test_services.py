"""The service layer with an in-memory unit of work and payment provider."""

from __future__ import annotations

import uuid

import pytest

from core.actor import Actor
from core.errors import (
    AuthenticationError,
    DomainError,
    EmailTakenError,
    ForbiddenError,
    InvalidInputError,
    ListingNotAvailableError,
    NotFoundError,
    OutOfStockError,
    PaymentDeclinedError,
)
from core.events import EVENT_PAYLOAD_FIELDS
from core.listing_details import Category
from core.models import LeadChannel, Listing, ListingStatus, OrderStatus, Role, SellerType
from core.services import accounts, engagement, listings, orders
from core.services.orders import OrderLine
from tests.unit.core.fakes import FakePaymentProvider, FakeUnitOfWork
from tests.unit.core.samples import car_details, part_details


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def seller(uow: FakeUnitOfWork, email: str = "showroom@example.eg") -> Actor:
    profile = accounts.SellerProfile(SellerType.DEALER, "El Nasr Motors", "cairo", "Heliopolis")
    reg = accounts.register(
        uow,
        email=email,
        password="s3cret-pass",
        full_name="Ahmed",
        role=Role.SELLER,
        seller=profile,
    )
    return Actor(reg.user.id, reg.user.role)


def buyer(uow: FakeUnitOfWork, email: str = "buyer@example.eg") -> Actor:
    reg = accounts.register(uow, email=email, password="s3cret-pass", full_name="Mona")
    return Actor(reg.user.id, reg.user.role)


def active_car(uow: FakeUnitOfWork, owner: Actor) -> Listing:
    return listings.create_listing(
        uow,
        actor=owner,
        category=Category.CAR,
        details=car_details(),
        price_egp=950_000,
        publish=True,
    )


def test_registering_a_seller_records_user_and_seller_events(uow: FakeUnitOfWork) -> None:
    seller(uow, "Showroom@Example.EG")
    assert uow.event_types() == ["UserRegistered", "SellerRegistered"]
    registered = uow.outbox[1]
    assert registered.payload["name"] == "El Nasr Motors"
    assert set(registered.payload) == set(EVENT_PAYLOAD_FIELDS["SellerRegistered"])
    with pytest.raises(EmailTakenError):
        buyer(uow, "showroom@example.eg ")
    assert uow.commits == 1


def test_sign_in_checks_the_password(uow: FakeUnitOfWork) -> None:
    me = buyer(uow)
    assert (
        accounts.authenticate(uow, email="BUYER@example.eg", password="s3cret-pass").id
        == me.user_id
    )
    with pytest.raises(AuthenticationError, match="wrong email or password"):
        accounts.authenticate(uow, email="buyer@example.eg", password="wrong-pass")
    with pytest.raises(AuthenticationError, match="wrong email or password"):
        accounts.authenticate(uow, email="nobody@example.eg", password="s3cret-pass")


def test_registration_rules(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidInputError, match="at least 8 characters"):
        accounts.register(uow, email="a@b.eg", password="short", full_name="A")
    with pytest.raises(InvalidInputError, match="needs a seller profile"):
        accounts.register(
            uow, email="a@b.eg", password="long-enough", full_name="A", role=Role.SELLER
        )
    profile = accounts.SellerProfile(SellerType.INDIVIDUAL, "Me", "gotham")
    with pytest.raises(InvalidInputError, match="governorate 'gotham'"):
        accounts.register(
            uow,
            email="a@b.eg",
            password="long-enough",
            full_name="A",
            role=Role.SELLER,
            seller=profile,
        )
    assert uow.outbox == []


def test_only_sellers_list_and_only_the_owner_changes_a_listing(uow: FakeUnitOfWork) -> None:
    owner, other, shopper = seller(uow), seller(uow, "other@example.eg"), buyer(uow)
    with pytest.raises(ForbiddenError, match="only sellers"):
        active_car(uow, shopper)
    car = active_car(uow, owner)
    with pytest.raises(ForbiddenError, match="belongs to another seller"):
        listings.reprice_listing(uow, actor=other, listing_id=car.id, price_egp=1)
    with pytest.raises(NotFoundError):
        listings.archive_listing(uow, actor=owner, listing_id=uuid.uuid4())
    admin = Actor(uuid.uuid4(), Role.ADMIN)
    listings.archive_listing(uow, actor=admin, listing_id=car.id)
    assert car.status is ListingStatus.ARCHIVED


def test_reprice_records_price_history(uow: FakeUnitOfWork) -> None:
    owner = seller(uow)
    car = active_car(uow, owner)
    listings.reprice_listing(uow, actor=owner, listing_id=car.id, price_egp=900_000)
    (change,) = uow.listings.price_changes
    assert (change.listing_id, change.old_price_egp, change.new_price_egp) == (
        car.id,
        950_000,
        900_000,
    )
    assert uow.event_types()[-1] == "ListingPriceChanged"


def test_a_failing_command_commits_nothing(uow: FakeUnitOfWork) -> None:
    owner = seller(uow)
    car = active_car(uow, owner)
    before = len(uow.outbox)
    with pytest.raises(InvalidInputError):
        listings.edit_listing(uow, actor=owner, listing_id=car.id, changes={"year": 1800})
    assert len(uow.outbox) == before


def test_a_car_is_reserved_by_one_order_only(uow: FakeUnitOfWork) -> None:
    owner, first, second = seller(uow), buyer(uow), buyer(uow, "second@example.eg")
    car = active_car(uow, owner)
    order = orders.place_order(uow, actor=first, lines=[OrderLine(car.id)])
    assert order.total_egp == 47_500  # the 5 % deposit
    assert uow.event_types()[-2:] == ["OrderPlaced", "ListingReserved"]
    assert uow.outbox[-1].payload["order_id"] == str(order.id)
    with pytest.raises(ListingNotAvailableError, match="is reserved, not active"):
        orders.place_order(uow, actor=second, lines=[OrderLine(car.id)])
    with pytest.raises(DomainError, match="your own listing"):
        orders.place_order(uow, actor=owner, lines=[OrderLine(active_car(uow, owner).id)])


def test_declined_then_captured_payment(uow: FakeUnitOfWork) -> None:
    owner, shopper = seller(uow), buyer(uow)
    car = active_car(uow, owner)
    order = orders.place_order(uow, actor=shopper, lines=[OrderLine(car.id)])
    provider = FakePaymentProvider(decline=True)
    with pytest.raises(PaymentDeclinedError, match="insufficient funds"):
        orders.pay_order(uow, actor=shopper, order_id=order.id, provider=provider)
    assert uow.event_types()[-1] == "PaymentDeclined"  # the attempt is committed
    assert order.status is OrderStatus.PENDING
    provider.decline = False
    with pytest.raises(ForbiddenError, match="only the buyer pays"):
        orders.pay_order(uow, actor=owner, order_id=order.id, provider=provider)
    orders.pay_order(uow, actor=shopper, order_id=order.id, provider=provider)
    assert uow.event_types()[-2:] == ["PaymentCaptured", "OrderPaid"]
    assert order.status.value == "paid"  # (mypy narrowed it to PENDING above)
    assert order.version == 4
    assert provider.charges == [(order.id, 47_500), (order.id, 47_500)]


def test_cancel_releases_the_car_and_strangers_see_no_order(uow: FakeUnitOfWork) -> None:
    owner, shopper, stranger = seller(uow), buyer(uow), buyer(uow, "x@example.eg")
    car = active_car(uow, owner)
    order = orders.place_order(uow, actor=shopper, lines=[OrderLine(car.id)])
    with pytest.raises(NotFoundError):
        orders.cancel_order(uow, actor=stranger, order_id=order.id)
    orders.cancel_order(uow, actor=shopper, order_id=order.id)
    assert car.status is ListingStatus.ACTIVE
    assert uow.event_types()[-2:] == ["OrderCancelled", "ListingReleased"]
    assert uow.outbox[-2].payload["reason"] == "cancelled by the buyer"


def test_refund_is_for_the_seller_and_puts_the_car_back(uow: FakeUnitOfWork) -> None:
    owner, shopper = seller(uow), buyer(uow)
    car = active_car(uow, owner)
    order = orders.place_order(uow, actor=shopper, lines=[OrderLine(car.id)])
    provider = FakePaymentProvider()
    orders.pay_order(uow, actor=shopper, order_id=order.id, provider=provider)
    with pytest.raises(ForbiddenError, match="ask the seller"):
        orders.refund_order(uow, actor=shopper, order_id=order.id, provider=provider)
    orders.refund_order(uow, actor=owner, order_id=order.id, provider=provider)
    assert provider.refunds == [(order.id, "fake_ch_1", 47_500)]
    assert order.status is OrderStatus.REFUNDED
    assert car.status is ListingStatus.ACTIVE
    assert uow.event_types()[-2:] == ["OrderRefunded", "ListingReleased"]


def test_selling_a_car_fulfils_its_paid_reservation(uow: FakeUnitOfWork) -> None:
    owner, shopper = seller(uow), buyer(uow)
    car = active_car(uow, owner)
    order = orders.place_order(uow, actor=shopper, lines=[OrderLine(car.id)])
    orders.pay_order(uow, actor=shopper, order_id=order.id, provider=FakePaymentProvider())
    with pytest.raises(ListingNotAvailableError, match="cancel or refund it first"):
        listings.archive_listing(uow, actor=owner, listing_id=car.id)
    listings.sell_listing(uow, actor=owner, listing_id=car.id)
    assert car.status is ListingStatus.SOLD
    assert order.status is OrderStatus.FULFILLED
    sold = next(e for e in uow.outbox if e.event_type == "ListingSold")
    assert sold.payload == {
        "listing_id": str(car.id),
        "seller_id": str(car.seller_id),
        "order_id": str(order.id),
        "price_egp": 950_000,
    }


def test_parts_orders_reserve_stock(uow: FakeUnitOfWork) -> None:
    owner, shopper = seller(uow), buyer(uow)
    part = listings.create_listing(
        uow,
        actor=owner,
        category=Category.PART,
        details=part_details(),
        price_egp=1_200,
        stock_quantity=3,
        publish=True,
    )
    order = orders.place_order(uow, actor=shopper, lines=[OrderLine(part.id, 2)])
    assert order.total_egp == 2_400
    stock = uow.inventory.items[part.id]
    assert (stock.quantity_available, stock.quantity_reserved) == (1, 2)
    with pytest.raises(OutOfStockError, match="only 1 left"):
        orders.place_order(uow, actor=shopper, lines=[OrderLine(part.id, 2)])
    orders.pay_order(uow, actor=shopper, order_id=order.id, provider=FakePaymentProvider())
    orders.fulfil_order(uow, actor=owner, order_id=order.id)
    assert (stock.quantity_available, stock.quantity_reserved) == (1, 0)
    with pytest.raises(InvalidInputError, match="only for spare-part"):
        listings.create_listing(
            uow,
            actor=owner,
            category=Category.CAR,
            details=car_details(),
            price_egp=5,
            stock_quantity=3,
        )


def test_favourites_and_leads(uow: FakeUnitOfWork) -> None:
    owner, shopper = seller(uow), buyer(uow)
    car = active_car(uow, owner)
    engagement.favourite_listing(uow, actor=shopper, listing_id=car.id)
    engagement.favourite_listing(uow, actor=shopper, listing_id=car.id)
    assert uow.event_types().count("ListingFavourited") == 1
    lead = engagement.create_lead(
        uow, actor=shopper, listing_id=car.id, channel=LeadChannel.TEST_DRIVE, message=None
    )
    assert uow.outbox[-1].payload["lead_id"] == str(lead.id)
    with pytest.raises(InvalidInputError, match="needs a message"):
        engagement.create_lead(uow, actor=shopper, listing_id=car.id, channel=LeadChannel.MESSAGE)
    with pytest.raises(DomainError, match="your own listing"):
        engagement.create_lead(uow, actor=owner, listing_id=car.id, channel=LeadChannel.CALL)
    draft = listings.create_listing(
        uow, actor=owner, category=Category.CAR, details=car_details(), price_egp=10
    )
    with pytest.raises(NotFoundError):
        engagement.favourite_listing(uow, actor=shopper, listing_id=draft.id)
