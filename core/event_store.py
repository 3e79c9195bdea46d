"""The event store: the outbox rows of one aggregate, in version order.

The outbox keeps every event it was given (the relay never deletes), so an aggregate's full
history, e.g. an order's, can be read back and replayed.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import DomainEvent
from core.models import OutboxRecord


def events_of(
    session: Session, aggregate_type: str, aggregate_id: uuid.UUID | str, *, after_version: int = 0
) -> list[DomainEvent]:
    """Every event of ``aggregate_type``/``aggregate_id`` after ``after_version``, oldest first."""
    query = (
        select(OutboxRecord)
        .where(
            OutboxRecord.aggregate_type == aggregate_type,
            OutboxRecord.aggregate_id == str(aggregate_id),
            OutboxRecord.version > after_version,
        )
        .order_by(OutboxRecord.version)
    )
    return [record.to_event() for record in session.scalars(query)]
