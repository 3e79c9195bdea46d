"""Which domain events notify whom: a domain event in, the notifications to send out.

| event | seller gets | buyer gets |
|---|---|---|
| LeadCreated | new lead | - |
| OrderPlaced | new order | order confirmation |
| PaymentCaptured | - | payment receipt |
| PaymentDeclined | - | payment declined |
| OrderPaid | order paid (prepare the handover) | - |
| OrderCancelled | order cancelled | order cancelled |
| OrderRefunded | - | refund |
| OrderFulfilled | - | order handed over |

Other events notify nobody. Recipients come from the payload's ids, looked up in the
:class:`~notifications.directory.Directory` (an order's buyer when the payload lacks it); each
recipient gets the message on every enabled channel they can be reached on (SMS needs a
phone number). An id the payload lacks or the database does not know makes the event
undeliverable: :class:`MalformedEventError` or :class:`UnknownRecipientError`, both
dead-lettered by the agent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.events import DomainEvent
from notifications import templates
from notifications.directory import Directory
from notifications.events import MalformedEventError, uuid_member
from notifications.messages import Bilingual, Channel, Contact, Notification, NotificationKind
from souk.errors import SoukError

UNKNOWN_LISTING = Bilingual("إعلانك", "your listing")


class UnknownRecipientError(SoukError):
    """The event names a user, seller or order the database does not have."""


@dataclass(frozen=True)
class Addressed:
    """One message for one person, before it is spread over channels."""

    contact: Contact
    kind: NotificationKind
    message: templates.Message


class Router:
    """Turns a domain event into notifications, asking ``directory`` who and what."""

    def __init__(self, directory: Directory, channels: Sequence[Channel]) -> None:
        self.directory = directory
        self.channels = tuple(channels)
        self._routes: dict[str, Callable[[dict[str, Any]], list[Addressed]]] = {
            "LeadCreated": self._lead_created,
            "OrderPlaced": self._order_placed,
            "PaymentCaptured": self._payment_captured,
            "PaymentDeclined": self._payment_declined,
            "OrderPaid": self._order_paid,
            "OrderCancelled": self._order_cancelled,
            "OrderRefunded": self._order_refunded,
            "OrderFulfilled": self._order_fulfilled,
        }

    @property
    def event_types(self) -> frozenset[str]:
        """The event types that notify someone."""
        return frozenset(self._routes)

    def notifications_for(self, event: DomainEvent) -> list[Notification]:
        route = self._routes.get(event.event_type)
        if route is None:
            return []
        return [
            Notification(
                event_id=event.event_id,
                event_type=event.event_type,
                kind=addressed.kind,
                channel=channel,
                recipient=recipient,
                user_id=addressed.contact.user_id,
                subject=addressed.message.subject,
                body=addressed.message.body,
            )
            for addressed in route(event.payload)
            for channel in self.channels
            if (recipient := addressed.contact.address(channel))
        ]

    # lookups ---------------------------------------------------------------------------

    def _seller(self, payload: dict[str, Any]) -> Contact:
        seller_id = uuid_member(payload, "seller_id")
        contact = self.directory.seller(seller_id)
        if contact is None:
            raise UnknownRecipientError(f"no seller {seller_id} in the database")
        return contact

    def _user(self, user_id: uuid.UUID) -> Contact:
        contact = self.directory.user(user_id)
        if contact is None:
            raise UnknownRecipientError(f"no user {user_id} in the database")
        return contact

    def _buyer(self, payload: dict[str, Any]) -> Contact:
        if "buyer_id" in payload:
            return self._user(uuid_member(payload, "buyer_id"))
        order_id = uuid_member(payload, "order_id")
        buyer_id = self.directory.buyer_of_order(order_id)
        if buyer_id is None:
            raise UnknownRecipientError(f"no order {order_id} in the database")
        return self._user(buyer_id)

    def _title(self, listing_id: uuid.UUID) -> Bilingual:
        return self.directory.listing_title(listing_id) or UNKNOWN_LISTING

    # routes ----------------------------------------------------------------------------

    def _lead_created(self, payload: dict[str, Any]) -> list[Addressed]:
        buyer = self._user(uuid_member(payload, "buyer_id"))
        title = self._title(uuid_member(payload, "listing_id"))
        kind = NotificationKind.NEW_LEAD
        message = templates.render(
            kind, buyer=buyer.name, title=title,
            channel=templates.lead_channel(_text(payload, "channel")),
        )  # fmt: skip
        return [Addressed(self._seller(payload), kind, message)]

    def _order_placed(self, payload: dict[str, Any]) -> list[Addressed]:
        order_id = uuid_member(payload, "order_id")
        items = payload["items"]
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise MalformedEventError("OrderPlaced items must be a non-empty list of objects")
        seller, buyer = self._seller(payload), self._buyer(payload)
        order = templates.OrderSummary(
            order_id=order_id,
            title=self._title(uuid_member(items[0], "listing_id")),
            items=len(items),
            kind=_text(payload, "kind"),
            total_egp=_amount(payload, "total_egp"),
        )
        to_seller, to_buyer = NotificationKind.NEW_ORDER, NotificationKind.ORDER_CONFIRMATION
        return [
            Addressed(seller, to_seller,
                      templates.render(to_seller, **order.fields, buyer=buyer.name)),
            Addressed(buyer, to_buyer,
                      templates.render(to_buyer, **order.fields, seller=seller.name)),
        ]  # fmt: skip

    def _payment_captured(self, payload: dict[str, Any]) -> list[Addressed]:
        kind = NotificationKind.PAYMENT_RECEIPT
        message = templates.render(
            kind, ref=_ref(payload), amount=templates.egp(_amount(payload, "amount_egp")),
            provider_ref=_text(payload, "provider_ref"),
        )  # fmt: skip
        return [Addressed(self._buyer(payload), kind, message)]

    def _payment_declined(self, payload: dict[str, Any]) -> list[Addressed]:
        kind = NotificationKind.PAYMENT_DECLINED
        message = templates.render(
            kind, ref=_ref(payload), amount=templates.egp(_amount(payload, "amount_egp")),
            reason=_text(payload, "reason"),
        )  # fmt: skip
        return [Addressed(self._buyer(payload), kind, message)]

    def _order_paid(self, payload: dict[str, Any]) -> list[Addressed]:
        kind = NotificationKind.ORDER_PAID
        message = templates.render(
            kind, ref=_ref(payload), total=templates.egp(_amount(payload, "total_egp"))
        )
        return [Addressed(self._seller(payload), kind, message)]

    def _order_cancelled(self, payload: dict[str, Any]) -> list[Addressed]:
        kind = NotificationKind.ORDER_CANCELLED
        message = templates.render(
            kind, ref=_ref(payload),
            reason=templates.cancellation_reason(_text(payload, "reason")),
        )  # fmt: skip
        return [Addressed(self._buyer(payload), kind, message),
                Addressed(self._seller(payload), kind, message)]  # fmt: skip

    def _order_refunded(self, payload: dict[str, Any]) -> list[Addressed]:
        kind = NotificationKind.ORDER_REFUNDED
        message = templates.render(
            kind, ref=_ref(payload), amount=templates.egp(_amount(payload, "amount_egp"))
        )
        return [Addressed(self._buyer(payload), kind, message)]

    def _order_fulfilled(self, payload: dict[str, Any]) -> list[Addressed]:
        kind = NotificationKind.ORDER_FULFILLED
        message = templates.render(kind, ref=_ref(payload), seller=self._seller(payload).name)
        return [Addressed(self._buyer(payload), kind, message)]


def _ref(payload: dict[str, Any]) -> str:
    return templates.order_ref(uuid_member(payload, "order_id"))


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MalformedEventError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _amount(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedEventError(f"{name} must be a non-negative integer of EGP, got {value!r}")
    return value
