"""The notification model: one message, on one channel, to one recipient, in two languages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from core.notification_channels import NotificationChannel as Channel

__all__ = ["Bilingual", "Channel", "Contact", "Notification", "NotificationKind"]


class NotificationKind(StrEnum):
    NEW_LEAD = "new_lead"  # seller
    NEW_ORDER = "new_order"  # seller
    ORDER_CONFIRMATION = "order_confirmation"  # buyer
    PAYMENT_RECEIPT = "payment_receipt"  # buyer
    PAYMENT_DECLINED = "payment_declined"  # buyer
    ORDER_PAID = "order_paid"  # seller
    ORDER_CANCELLED = "order_cancelled"  # buyer and seller
    ORDER_REFUNDED = "order_refunded"  # buyer
    ORDER_FULFILLED = "order_fulfilled"  # buyer


@dataclass(frozen=True)
class Bilingual:
    """A text as Egyptian users get it: Arabic first, English beside it."""

    ar: str
    en: str

    def joined(self, separator: str = "\n") -> str:
        return f"{self.ar}{separator}{self.en}"


@dataclass(frozen=True)
class Contact:
    """Where a user can be reached; ``name`` is how a message addresses or mentions them."""

    user_id: uuid.UUID
    name: str
    email: str
    phone: str | None = None

    def address(self, channel: Channel) -> str | None:
        """The recipient on ``channel``: the email, the phone, or the user id for push."""
        if channel is Channel.EMAIL:
            return self.email
        if channel is Channel.SMS:
            return self.phone
        return str(self.user_id)


@dataclass(frozen=True)
class Notification:
    """One message to send. ``(event_id, channel, recipient)`` is its idempotency key."""

    event_id: uuid.UUID
    event_type: str
    kind: NotificationKind
    channel: Channel
    recipient: str
    user_id: uuid.UUID
    subject: Bilingual
    body: Bilingual

    @property
    def key(self) -> str:
        return f"{self.event_id}:{self.channel.value}:{self.recipient}"
