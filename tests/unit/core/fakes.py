"""In-memory adapters: a unit of work, repositories and a payment provider for unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from core import repositories as repos
from core.events import DomainEvent
from core.models import (
    Base,
    Favourite,
    Inventory,
    Lead,
    Listing,
    ListingPriceHistory,
    Order,
    Seller,
    User,
)
from core.payments import PaymentProvider, PaymentResult
from core.unit_of_work import UnitOfWork

T = TypeVar("T", bound=Base)


class FakeRepository(Generic[T]):
    def __init__(self, key: str = "id") -> None:
        self.items: dict[Any, T] = {}
        self._key = key

    def add(self, item: T) -> None:
        self.items[self._key_of(item)] = item

    def get(self, key: Any, *, lock: bool = False) -> T | None:
        return self.items.get(key)

    def _key_of(self, item: T) -> Any:
        if self._key == "favourite":
            assert isinstance(item, Favourite)
            return (item.user_id, item.listing_id)
        return getattr(item, self._key)


class FakeUserRepository(FakeRepository[User], repos.UserRepository):
    def get_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.items.values() if u.email == wanted), None)


class FakeSellerRepository(FakeRepository[Seller], repos.SellerRepository):
    def get_by_user(self, user_id: uuid.UUID) -> Seller | None:
        return next((s for s in self.items.values() if s.user_id == user_id), None)


class FakeListingRepository(FakeRepository[Listing], repos.ListingRepository):
    def __init__(self) -> None:
        super().__init__()
        self.price_changes: list[ListingPriceHistory] = []

    def add_price_change(self, change: ListingPriceHistory) -> None:
        self.price_changes.append(change)


class FakeInventoryRepository(FakeRepository[Inventory], repos.InventoryRepository):
    def __init__(self) -> None:
        super().__init__("listing_id")


class FakeFavouriteRepository(FakeRepository[Favourite], repos.FavouriteRepository):
    def __init__(self) -> None:
        super().__init__("favourite")


class FakeLeadRepository(FakeRepository[Lead], repos.LeadRepository): ...


class FakeOrderRepository(FakeRepository[Order], repos.OrderRepository):
    def open_orders_for_listing(self, listing_id: uuid.UUID) -> list[Order]:
        return [
            order
            for order in self.items.values()
            if order.status.value in ("pending", "paid")
            and any(item.listing_id == listing_id for item in order.items)
        ]


class FakeUnitOfWork(UnitOfWork):
    """Keeps everything in dicts; ``outbox`` gets the events of each commit."""

    users: FakeUserRepository
    sellers: FakeSellerRepository
    listings: FakeListingRepository
    inventory: FakeInventoryRepository
    favourites: FakeFavouriteRepository
    leads: FakeLeadRepository
    orders: FakeOrderRepository

    def __init__(self) -> None:
        self.users = FakeUserRepository()
        self.sellers = FakeSellerRepository()
        self.listings = FakeListingRepository()
        self.inventory = FakeInventoryRepository()
        self.favourites = FakeFavouriteRepository()
        self.leads = FakeLeadRepository()
        self.orders = FakeOrderRepository()
        self.outbox: list[DomainEvent] = []
        self.commits = 0

    def _recorders(self) -> Iterable[object]:
        for repo in (self.users, self.sellers, self.listings, self.favourites, self.leads):
            yield from repo.items.values()
        yield from self.orders.items.values()

    def _commit(self, events: list[DomainEvent]) -> None:
        self.outbox.extend(events)
        self.commits += 1

    def rollback(self) -> None:
        # Uncommitted events are dropped, as the real transaction would drop its outbox rows.
        for obj in self._recorders():
            if hasattr(obj, "pull_events"):
                obj.pull_events()

    def event_types(self) -> list[str]:
        return [event.event_type for event in self.outbox]


class FakePaymentProvider(PaymentProvider):
    name = "fake"

    def __init__(self, *, decline: bool = False) -> None:
        self.decline = decline
        self.charges: list[tuple[uuid.UUID, int]] = []
        self.refunds: list[tuple[uuid.UUID, str, int]] = []

    def charge(self, *, order_id: uuid.UUID, amount_egp: int) -> PaymentResult:
        self.charges.append((order_id, amount_egp))
        ref = f"fake_ch_{len(self.charges)}"
        if self.decline:
            return PaymentResult(False, self.name, ref, reason="insufficient funds")
        return PaymentResult(True, self.name, ref)

    def refund(self, *, order_id: uuid.UUID, provider_ref: str, amount_egp: int) -> PaymentResult:
        self.refunds.append((order_id, provider_ref, amount_egp))
        return PaymentResult(True, self.name, f"fake_re_{len(self.refunds)}")
