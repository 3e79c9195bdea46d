"""Loads a generated market through the transactional core: aggregates, unit of work, outbox.

Sellers and listings are written with the core's own aggregates (``User.register``,
``Seller.register``, ``Listing.draft(...).publish()``) in units of work of a few hundred, so
PostgreSQL holds the same rows and outbox events the API would have written, and the relay
publishes the same Kafka records. Only the password hash is shared by every demo account
(Argon2 per account would dominate the load time).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.clock import simulated_time
from core.db import create_db_engine, make_session_factory
from core.listing_details import Category, CompatibleVehicle, Condition, ListingDetails
from core.models import Inventory, Listing, Role, Seller, SellerType, User
from core.passwords import hash_password
from core.unit_of_work import SqlAlchemyUnitOfWork
from demo_market.generator import ListingSpec, MarketGenerator, SellerSpec
from souk.settings import Settings

log = logging.getLogger(__name__)

DEMO_PASSWORD = "souk-demo-2026"
ADMIN_EMAIL = "admin@demo.souk.eg"


PUBLICATION_DAYS = 60


@dataclass
class LoadedMarket:
    """What the loader created, for the behaviour simulation and the printed demo logins."""

    seller_user_ids: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # seller → user
    listings: list[tuple[uuid.UUID, uuid.UUID, str, str | None, str | None]] = field(
        default_factory=list
    )  # (listing id, seller id, category, make, model)
    buyer_ids: list[uuid.UUID] = field(default_factory=list)
    asking_prices: dict[uuid.UUID, int] = field(default_factory=dict)  # listing → EGP at load
    demo_seller_email: str = ""
    seconds: float = 0.0


def _details(spec: ListingSpec) -> ListingDetails:
    f = spec.fields
    known = set(ListingDetails.field_names())
    values = {k: v for k, v in f.items() if k in known and k not in {"compatible", "condition"}}
    if f.get("condition"):
        values["condition"] = Condition(f["condition"])
    values["compatible"] = tuple(CompatibleVehicle(**c) for c in f.get("compatible", ()))
    return ListingDetails(**values)


def load_market(
    settings: Settings,
    *,
    seed: int,
    listings: int,
    buyers: int,
    batch_size: int = 250,
    published_before: datetime | None = None,
    publication_days: int = PUBLICATION_DAYS,
    progress: Callable[[int, int], None] | None = None,
) -> LoadedMarket:
    """Create an admin, ``buyers`` buyers, and sellers with ``listings`` active listings.

    With ``published_before``, accounts and listings are dated over the ``publication_days``
    days before it (in load order), so that a simulated history after that moment finds them
    on the market.
    """
    end = published_before or datetime.now(UTC)
    start = end - timedelta(days=publication_days)
    started = time.monotonic()
    engine = create_db_engine(settings, pool_size=2)
    factory = make_session_factory(engine)
    password_hash = hash_password(DEMO_PASSWORD)
    market = LoadedMarket()
    generator = MarketGenerator(seed, listings)
    try:
        with simulated_time(start), SqlAlchemyUnitOfWork(factory) as uow:
            if uow.users.get_by_email(ADMIN_EMAIL) is not None:
                raise RuntimeError("the database already holds the demo market; start from empty")
            admin = User.register(
                email=ADMIN_EMAIL,
                password_hash=password_hash,
                role=Role.ADMIN,
                full_name="Demo Admin",
                phone=None,
            )
            uow.users.add(admin)
            for n in range(buyers):
                buyer = User.register(
                    email=f"buyer{n}@demo.souk.eg",
                    password_hash=password_hash,
                    role=Role.BUYER,
                    full_name=f"Buyer {n}",
                    phone=None,
                )
                uow.users.add(buyer)
                market.buyer_ids.append(buyer.id)
            uow.commit()
        pending: list[tuple[SellerSpec, list[ListingSpec]]] = []
        pending_count = 0
        for seller_spec in generator.sellers():
            pending.append((seller_spec, list(generator.listings_of(seller_spec))))
            pending_count += seller_spec.listings_planned
            if pending_count >= batch_size:
                with simulated_time(start + (end - start) * (len(market.listings) / listings)):
                    _write(factory, pending, password_hash, market)
                pending, pending_count = [], 0
                if progress:
                    progress(len(market.listings), listings)
        if pending:
            with simulated_time(start + (end - start) * (len(market.listings) / listings)):
                _write(factory, pending, password_hash, market)
            if progress:
                progress(len(market.listings), listings)
    finally:
        engine.dispose()
    market.seconds = time.monotonic() - started
    return market


def _write(
    factory: object,
    batch: list[tuple[SellerSpec, list[ListingSpec]]],
    password_hash: str,
    market: LoadedMarket,
) -> None:
    with SqlAlchemyUnitOfWork(factory) as uow:  # type: ignore[arg-type]
        sellers: list[tuple[Seller, list[ListingSpec]]] = []
        users: list[tuple[User, SellerSpec, list[ListingSpec]]] = []
        for seller_spec, listing_specs in batch:
            user = User.register(
                email=seller_spec.email,
                password_hash=password_hash,
                role=Role.SELLER,
                full_name=seller_spec.display_name,
                phone=None,
            )
            uow.users.add(user)
            users.append((user, seller_spec, listing_specs))
        # The models carry no ORM relationships, so flush parents before children (FKs).
        uow.session.flush()
        for user, seller_spec, listing_specs in users:
            seller = Seller.register(
                user=user,
                seller_type=SellerType(seller_spec.seller_type),
                display_name=seller_spec.display_name,
                governorate=seller_spec.governorate.code,
                city=seller_spec.city,
            )
            uow.sellers.add(seller)
            sellers.append((seller, listing_specs))
            market.seller_user_ids[seller.id] = user.id
            if not market.demo_seller_email and seller_spec.seller_type == "dealer":
                market.demo_seller_email = seller_spec.email
        uow.session.flush()
        for seller, listing_specs in sellers:
            for spec in listing_specs:
                category = Category(spec.category)
                listing = Listing.draft(
                    seller_id=seller.id,
                    category=category,
                    details=_details(spec),
                    price_egp=int(spec.fields["price_egp"]),
                )
                uow.listings.add(listing)
                listing.publish()
                if category is Category.PART:
                    uow.session.flush()
                    uow.inventory.add(Inventory.stock(listing.id, int(spec.fields["quantity"])))
                market.asking_prices[listing.id] = listing.price_egp
                market.listings.append(
                    (
                        listing.id,
                        seller.id,
                        spec.category,
                        spec.fields.get("make"),
                        spec.fields.get("model"),
                    )
                )
        uow.commit()
