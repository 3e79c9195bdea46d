"""The sending port: one interface for email, SMS and push, one adapter per provider.

An adapter sends one :class:`~notifications.messages.Notification` and says whether it went
out now or had already gone out (the same ``Notification.key`` seen before): providers that
take an idempotency key get ``key``; the local adapter keeps a unique row per key. Any
exception means "not sent"; the agent retries it with back-off, then dead-letters the event.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from notifications.messages import Notification


class SendOutcome(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"


class NotificationSender(Protocol):
    async def send(self, notification: Notification) -> SendOutcome:
        """Send ``notification`` on its channel; raise if it was not sent."""
        ...
