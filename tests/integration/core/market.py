"""Build a small market through the real service layer (sellers, buyers, listings)."""

from __future__ import annotations

from collections.abc import Callable

from core.actor import Actor
from core.listing_details import Category
from core.models import Listing, Role, SellerType
from core.services import accounts, listings
from core.unit_of_work import SqlAlchemyUnitOfWork
from tests.unit.core.samples import car_details, part_details

NewUow = Callable[[], SqlAlchemyUnitOfWork]


def a_seller(new_uow: NewUow, email: str = "dealer@example.eg") -> Actor:
    profile = accounts.SellerProfile(SellerType.DEALER, "Abou Ghaly Motors", "cairo", "Nasr City")
    reg = accounts.register(
        new_uow(),
        email=email,
        password="dealer-password",
        full_name="Karim Abou Ghaly",
        role=Role.SELLER,
        seller=profile,
    )
    return Actor(reg.user.id, reg.user.role)


def a_buyer(new_uow: NewUow, email: str) -> Actor:
    reg = accounts.register(new_uow(), email=email, password="buyer-password", full_name="Buyer")
    return Actor(reg.user.id, reg.user.role)


def an_active_car(new_uow: NewUow, seller: Actor, price_egp: int = 950_000) -> Listing:
    return listings.create_listing(
        new_uow(),
        actor=seller,
        category=Category.CAR,
        details=car_details(),
        price_egp=price_egp,
        publish=True,
    )


def an_active_part(new_uow: NewUow, seller: Actor, stock: int, price_egp: int = 1_200) -> Listing:
    return listings.create_listing(
        new_uow(),
        actor=seller,
        category=Category.PART,
        details=part_details(),
        price_egp=price_egp,
        stock_quantity=stock,
        publish=True,
    )
