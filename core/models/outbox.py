"""The outbox: domain events written in the same transaction as the change they describe.

The change-stream relay publishes its inserts to ``souk.domain-events``; the rows are kept,
so the table is also the event store (read one aggregate's history with
:func:`core.event_store.events_of`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.events import DomainEvent
from core.models.base import Base


class OutboxRecord(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # Unique: two writers can never both append version N to one aggregate's history.
        Index(
            "ix_outbox_aggregate_version", "aggregate_type", "aggregate_id", "version", unique=True
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=func.gen_random_uuid()
    )
    event_type: Mapped[str] = mapped_column(Text)
    aggregate_type: Mapped[str] = mapped_column(Text)
    aggregate_id: Mapped[str] = mapped_column(Text)
    version: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)

    @classmethod
    def of(cls, event: DomainEvent) -> OutboxRecord:
        return cls(
            event_id=event.event_id,
            event_type=event.event_type,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            version=event.version,
            occurred_at=event.occurred_at,
            payload=event.payload,
        )

    def to_event(self) -> DomainEvent:
        return DomainEvent(
            event_type=self.event_type,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id,
            version=self.version,
            payload=self.payload,
            event_id=self.event_id,
            occurred_at=self.occurred_at,
        )
