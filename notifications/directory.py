"""Who to notify and what to call things: users, sellers, orders and listings, read-only.

Routing asks a :class:`Directory`; :class:`SqlDirectory` answers from the transactional
PostgreSQL through the core models, on read-only transactions (the notifier never writes the
core's tables). Unit tests use an in-memory directory.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.models import Listing, Order, Seller, User
from notifications.messages import Bilingual, Contact


class Directory(Protocol):
    def user(self, user_id: uuid.UUID) -> Contact | None:
        """The user's contact details, addressed by their full name."""
        ...

    def seller(self, seller_id: uuid.UUID) -> Contact | None:
        """The seller's user's contact details, addressed by the seller's display name."""
        ...

    def buyer_of_order(self, order_id: uuid.UUID) -> uuid.UUID | None: ...

    def listing_title(self, listing_id: uuid.UUID) -> Bilingual | None:
        """The listing's title in both languages (one stands in for a missing other)."""
        ...


class SqlDirectory:
    """The :class:`Directory` of the transactional database (read-only sessions)."""

    def __init__(self, engine: Engine) -> None:
        readonly = engine.execution_options(postgresql_readonly=True)
        self._sessions = sessionmaker(readonly, expire_on_commit=False)

    def _session(self) -> Session:
        return self._sessions()

    def user(self, user_id: uuid.UUID) -> Contact | None:
        with self._session() as session:
            user = session.get(User, user_id)
            if user is None:
                return None
            return Contact(user.id, user.full_name, user.email, user.phone)

    def seller(self, seller_id: uuid.UUID) -> Contact | None:
        with self._session() as session:
            row = session.execute(
                select(Seller.display_name, User.id, User.email, User.phone)
                .join(User, User.id == Seller.user_id)
                .where(Seller.id == seller_id)
            ).first()
            if row is None:
                return None
            name, user_id, email, phone = row
            return Contact(user_id, name, email, phone)

    def buyer_of_order(self, order_id: uuid.UUID) -> uuid.UUID | None:
        with self._session() as session:
            return session.scalar(select(Order.buyer_id).where(Order.id == order_id))

    def listing_title(self, listing_id: uuid.UUID) -> Bilingual | None:
        with self._session() as session:
            row = session.execute(
                select(Listing.title_ar, Listing.title_en).where(Listing.id == listing_id)
            ).first()
            if row is None:
                return None
            title_ar, title_en = (t.strip() if t else "" for t in row)
            return Bilingual(title_ar or title_en, title_en or title_ar)
