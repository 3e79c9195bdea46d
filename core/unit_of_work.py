"""The unit of work: one transaction per command, with its domain events in the outbox.

``commit()`` collects the events the aggregates recorded, adds one ``outbox`` row per event
to the same session and commits once: the change and its events are stored together or not
at all. Leaving the ``with`` block without committing rolls everything back.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from types import TracebackType
from typing import Self

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core import repositories as repos
from core.errors import ConcurrentUpdateError, DomainError, EmailTakenError, OutOfStockError
from core.events import DomainEvent
from core.models import OutboxRecord
from core.models.base import EventRecorder
from core.trace_messages import carry_trace_context

log = logging.getLogger(__name__)

# Database rules whose violation is best told in marketplace words.
CONSTRAINT_ERRORS: dict[str, DomainError] = {
    "uq_users_email_lower": EmailTakenError("an account with this email already exists"),
    "ck_inventory_available_non_negative": OutOfStockError("not enough stock left"),
    "ix_outbox_aggregate_version": ConcurrentUpdateError(
        "someone else changed this at the same time; try again"
    ),
}


class UnitOfWork(ABC):
    users: repos.UserRepository
    sellers: repos.SellerRepository
    listings: repos.ListingRepository
    inventory: repos.InventoryRepository
    favourites: repos.FavouriteRepository
    leads: repos.LeadRepository
    orders: repos.OrderRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> list[DomainEvent]:
        """Store every change and its events in one transaction; return the events."""
        events = ordered_events(self._recorders())
        self._commit(events)
        return events

    @abstractmethod
    def _recorders(self) -> Iterable[object]: ...

    @abstractmethod
    def _commit(self, events: list[DomainEvent]) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...


def ordered_events(objects: Iterable[object]) -> list[DomainEvent]:
    """Pull the recorded events of every aggregate, in the order they were recorded."""
    recorded = []
    seen: set[int] = set()
    for obj in objects:
        if isinstance(obj, EventRecorder) and id(obj) not in seen:
            seen.add(id(obj))
            recorded.extend(obj.pull_events())
    return [event for _, event in sorted(recorded, key=lambda pair: pair[0])]


class SqlAlchemyUnitOfWork(UnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        # A flushed, unmodified object is only weakly referenced by the session; if the caller
        # dropped it, its recorded events would vanish with it. Hold every recorder that has
        # events at each flush until the commit has pulled them.
        self._held: list[EventRecorder] = []
        event.listen(self.session, "before_flush", self._hold_recorders)
        carry_trace_context(self.session)  # for the relay: see core/trace_messages.py
        self.users = repos.SqlUserRepository(self.session)
        self.sellers = repos.SqlSellerRepository(self.session)
        self.listings = repos.SqlListingRepository(self.session)
        self.inventory = repos.SqlInventoryRepository(self.session)
        self.favourites = repos.SqlFavouriteRepository(self.session)
        self.leads = repos.SqlLeadRepository(self.session)
        self.orders = repos.SqlOrderRepository(self.session)
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Detach first: what a read-only command loaded stays readable after the block
        # (a rollback would expire it, and a closed session could not reload it).
        self.session.expunge_all()
        super().__exit__(exc_type, exc, tb)
        self.session.close()

    def _hold_recorders(self, session: Session, *_: object) -> None:
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, EventRecorder) and obj.pending_events:
                self._held.append(obj)

    def _recorders(self) -> Iterable[object]:
        return [*self._held, *self.session.new, *self.session.identity_map.values()]

    def _commit(self, events: list[DomainEvent]) -> None:
        self.session.add_all(OutboxRecord.of(event) for event in events)
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise _domain_error(exc) from exc
        except StaleDataError as exc:
            self.session.rollback()
            raise ConcurrentUpdateError(
                "someone else changed this at the same time; try again"
            ) from exc
        log.debug("committed %d events: %s", len(events), [e.event_type for e in events])

    def rollback(self) -> None:
        self.session.rollback()


def _domain_error(exc: IntegrityError) -> DomainError:
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    known = CONSTRAINT_ERRORS.get(constraint or "")
    if known is not None:
        return type(known)(str(known))
    return DomainError(f"the change breaks the database rule {constraint or exc.orig}")
