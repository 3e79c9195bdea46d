"""The notification delivery log: what the notifier sent (or, locally, would have sent).

One row per (event, channel, recipient): the unique key makes a redelivered domain event send
nothing twice. Written by :mod:`notifications.deliveries`, read by ``souk notifications list``.
Not an aggregate: it records no domain events and the relay does not publish it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TextEnum, check_in, utcnow
from core.notification_channels import NotificationChannel


class NotificationDelivery(Base):
    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "recipient"),
        CheckConstraint(check_in("channel", NotificationChannel), name="channel"),
        Index("ix_notification_deliveries_recorded_at", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    channel: Mapped[NotificationChannel] = mapped_column(TextEnum(NotificationChannel))
    recipient: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    subject_ar: Mapped[str] = mapped_column(Text)
    subject_en: Mapped[str] = mapped_column(Text)
    body_ar: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
