"""Repositories: how the service layer finds and stores aggregates (ports + SQLAlchemy).

Each abstract class is the port; the ``Sql*`` classes are the adapters over one session.
``lock=True`` reads the row ``FOR UPDATE``: the caller holds it until its transaction ends,
which is how concurrent orders for the same car or the same stock are serialised.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import (
    Base,
    Favourite,
    Inventory,
    Lead,
    Listing,
    ListingPriceHistory,
    Order,
    OrderItem,
    Seller,
    User,
)
from core.models.order import OPEN_STATUSES

T = TypeVar("T", bound=Base)


class Repository(ABC, Generic[T]):
    @abstractmethod
    def add(self, item: T) -> None: ...

    @abstractmethod
    def get(self, key: Any, *, lock: bool = False) -> T | None: ...


class UserRepository(Repository[User]):
    @abstractmethod
    def get_by_email(self, email: str) -> User | None: ...


class SellerRepository(Repository[Seller]):
    @abstractmethod
    def get_by_user(self, user_id: uuid.UUID) -> Seller | None: ...


class ListingRepository(Repository[Listing]):
    @abstractmethod
    def add_price_change(self, change: ListingPriceHistory) -> None: ...


class InventoryRepository(Repository[Inventory]): ...


class FavouriteRepository(Repository[Favourite]): ...


class LeadRepository(Repository[Lead]): ...


class OrderRepository(Repository[Order]):
    @abstractmethod
    def open_orders_for_listing(self, listing_id: uuid.UUID) -> list[Order]: ...


class _SqlRepository(Generic[T]):
    model: type[T]

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: T) -> None:
        self.session.add(item)

    def get(self, key: Any, *, lock: bool = False) -> T | None:
        if lock:
            return self.session.get(self.model, key, with_for_update=True, populate_existing=True)
        return self.session.get(self.model, key)


class SqlUserRepository(_SqlRepository[User], UserRepository):
    model = User

    def get_by_email(self, email: str) -> User | None:
        query = select(User).where(func.lower(User.email) == email.strip().lower())
        return self.session.scalars(query).one_or_none()


class SqlSellerRepository(_SqlRepository[Seller], SellerRepository):
    model = Seller

    def get_by_user(self, user_id: uuid.UUID) -> Seller | None:
        return self.session.scalars(select(Seller).where(Seller.user_id == user_id)).one_or_none()


class SqlListingRepository(_SqlRepository[Listing], ListingRepository):
    model = Listing

    def add_price_change(self, change: ListingPriceHistory) -> None:
        self.session.add(change)


class SqlInventoryRepository(_SqlRepository[Inventory], InventoryRepository):
    model = Inventory


class SqlFavouriteRepository(_SqlRepository[Favourite], FavouriteRepository):
    model = Favourite


class SqlLeadRepository(_SqlRepository[Lead], LeadRepository):
    model = Lead


class SqlOrderRepository(_SqlRepository[Order], OrderRepository):
    model = Order

    def open_orders_for_listing(self, listing_id: uuid.UUID) -> list[Order]:
        query = (
            select(Order)
            .join(OrderItem, OrderItem.order_id == Order.id)
            .where(OrderItem.listing_id == listing_id, Order.status.in_(OPEN_STATUSES))
            .order_by(Order.created_at)
            .with_for_update(of=Order)
        )
        return list(self.session.scalars(query))
