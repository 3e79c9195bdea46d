"""The analytics requests' account look-ups, kept for a few seconds in each API process.

Every ``/analytics`` and ``/dashboards`` request says who asks with a token; the token is
verified on every request (signature, expiry), but who its user is (the role; a seller's
own seller id and name) and the name of the seller an admin chose come from PostgreSQL:
one Core select of only those columns, kept for ``analytics_account_seconds`` in a
cachetools ``TTLCache`` (least recently used go first) of at most
``analytics_account_cache_size`` entries. A deleted account or a changed role therefore
takes effect within that many seconds (0 seconds: read on every request). Missing rows are
kept too (a 401 for a deleted account stays cheap).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache, cached
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.actor import Actor
from core.models import Seller, User


@dataclass(frozen=True)
class Account:
    actor: Actor
    seller_id: uuid.UUID | None  # the account's own seller profile, if any
    seller_name: str | None


class RecentAccounts:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        seconds: float,
        size: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        # a size of 0 keeps nothing (cachetools refuses each entry); 0 seconds expires at once
        accounts: TTLCache[uuid.UUID, Account | None] = TTLCache(size, seconds, timer=clock)
        names: TTLCache[uuid.UUID, str | None] = TTLCache(size, seconds, timer=clock)
        self._account = cached(accounts, lock=threading.Lock())(self._read_account)
        self._seller_name = cached(names, lock=threading.Lock())(self._read_seller_name)

    def account(self, user_id: uuid.UUID) -> Account | None:
        """The user's role and own seller profile (None: no such account)."""
        return self._account(user_id)

    def seller_name(self, seller_id: uuid.UUID) -> str | None:
        """A registered seller's display name (None: no such seller)."""
        return self._seller_name(seller_id)

    def _read_account(self, user_id: uuid.UUID) -> Account | None:
        query = (
            select(User.role, Seller.id, Seller.display_name)
            .outerjoin(Seller, Seller.user_id == User.id)
            .where(User.id == user_id)
        )
        with self.session_factory() as session:
            row = session.execute(query).first()
        if row is None:
            return None
        return Account(Actor(user_id=user_id, role=row[0]), row[1], row[2])

    def _read_seller_name(self, seller_id: uuid.UUID) -> str | None:
        with self.session_factory() as session:
            return session.scalar(select(Seller.display_name).where(Seller.id == seller_id))
