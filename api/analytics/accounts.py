"""The analytics requests' account look-ups, kept for a few seconds in each API process.

Every ``/analytics`` and ``/dashboards`` request says who asks with a token; the token is
verified on every request (signature, expiry), but who its user is (the role; a seller's
own seller id and name) and the name of the seller an admin chose come from PostgreSQL:
one Core select of only those columns, kept for ``analytics_account_seconds`` in a
least-recently-used table of at most ``analytics_account_cache_size`` entries. A deleted
account or a changed role therefore takes effect within that many seconds (0 seconds: read
on every request). Missing rows are kept too (a 401 for a deleted account stays cheap).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.actor import Actor
from core.models import Seller, User

Found = TypeVar("Found")


@dataclass(frozen=True)
class Account:
    actor: Actor
    seller_id: uuid.UUID | None  # the account's own seller profile, if any
    seller_name: str | None


class _Recent(Generic[Found]):
    """Answers kept for ``seconds`` each, at most ``size`` of them (least recently used go)."""

    def __init__(self, seconds: float, size: int, clock: Callable[[], float]) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[float, Found]] = OrderedDict()

    def get(self, key: Hashable, look_up: Callable[[], Found]) -> Found:
        now = self.clock()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] > now:
                self._kept.move_to_end(key)
                return kept[1]
        found = look_up()
        if self.seconds > 0 and self.size > 0:
            with self._lock:
                self._kept[key] = (now + self.seconds, found)
                self._kept.move_to_end(key)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return found


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
        self._accounts: _Recent[Account | None] = _Recent(seconds, size, clock)
        self._seller_names: _Recent[str | None] = _Recent(seconds, size, clock)

    def account(self, user_id: uuid.UUID) -> Account | None:
        """The user's role and own seller profile (None: no such account)."""
        return self._accounts.get(user_id, lambda: self._read_account(user_id))

    def seller_name(self, seller_id: uuid.UUID) -> str | None:
        """A registered seller's display name (None: no such seller)."""
        return self._seller_names.get(seller_id, lambda: self._read_seller_name(seller_id))

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
