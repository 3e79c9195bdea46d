"""The local sending adapter: records what would be sent in ``notification_deliveries``.

Stands in for the email, SMS and push providers on a developer's machine, in CI and in the
demo: each notification becomes one row, ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
key (event, channel, recipient), so a redelivered event records nothing twice and says so.
``recent`` serves ``souk notifications list`` and the tests.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import NotificationDelivery
from notifications.messages import Channel, Notification
from notifications.port import SendOutcome


class RecordingSender:
    """A :class:`~notifications.port.NotificationSender` that writes the delivery log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def send(self, notification: Notification) -> SendOutcome:
        return await asyncio.to_thread(self.record, notification)

    def record(self, notification: Notification) -> SendOutcome:
        statement = (
            insert(NotificationDelivery)
            .values(
                event_id=notification.event_id,
                event_type=notification.event_type,
                kind=notification.kind.value,
                channel=notification.channel,
                recipient=notification.recipient,
                user_id=notification.user_id,
                subject_ar=notification.subject.ar,
                subject_en=notification.subject.en,
                body_ar=notification.body.ar,
                body_en=notification.body.en,
            )
            .on_conflict_do_nothing(index_elements=["event_id", "channel", "recipient"])
            .returning(NotificationDelivery.id)
        )
        with self.engine.begin() as connection:
            inserted = connection.execute(statement).first()
        return SendOutcome.SENT if inserted is not None else SendOutcome.ALREADY_SENT


def recent(
    engine: Engine,
    *,
    limit: int = 20,
    channel: Channel | None = None,
    recipient: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Sequence[NotificationDelivery]:
    """The newest deliveries first, optionally of one channel, recipient or event."""
    query = select(NotificationDelivery).order_by(
        NotificationDelivery.recorded_at.desc(), NotificationDelivery.id
    )
    if channel is not None:
        query = query.where(NotificationDelivery.channel == channel)
    if recipient is not None:
        query = query.where(NotificationDelivery.recipient == recipient)
    if event_id is not None:
        query = query.where(NotificationDelivery.event_id == event_id)
    with Session(engine) as session:
        return list(session.scalars(query.limit(limit)))
