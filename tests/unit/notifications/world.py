"""A small market for notification tests: an in-memory directory and the core's own events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from core.events import DomainEvent
from core.models import Lead, LeadChannel, Order, OrderItem, OrderKind
from core.payments import PaymentResult
from notifications.messages import Bilingual, Contact

SELLER_ID = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
SELLER = Contact(uuid.UUID("00000000-0000-0000-0000-0000000000a2"), "Abou Ghaly Motors",
                 "dealer@example.eg", "+201001112222")  # fmt: skip
BUYER = Contact(uuid.UUID("00000000-0000-0000-0000-0000000000b1"), "Mona Adel",
                "mona@example.eg", None)  # fmt: skip
CAR = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
CAR_TITLE = Bilingual("هيونداي النترا 2019 فابريكا", "Hyundai Elantra 2019, original paint")


@dataclass
class MemoryDirectory:
    users: dict[uuid.UUID, Contact] = field(default_factory=lambda: {BUYER.user_id: BUYER})
    sellers: dict[uuid.UUID, Contact] = field(default_factory=lambda: {SELLER_ID: SELLER})
    orders: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    titles: dict[uuid.UUID, Bilingual] = field(default_factory=lambda: {CAR: CAR_TITLE})

    def user(self, user_id: uuid.UUID) -> Contact | None:
        return self.users.get(user_id)

    def seller(self, seller_id: uuid.UUID) -> Contact | None:
        return self.sellers.get(seller_id)

    def buyer_of_order(self, order_id: uuid.UUID) -> uuid.UUID | None:
        return self.orders.get(order_id)

    def listing_title(self, listing_id: uuid.UUID) -> Bilingual | None:
        return self.titles.get(listing_id)


def lead_created() -> DomainEvent:
    lead = Lead.create(listing_id=CAR, seller_id=SELLER_ID, buyer_id=BUYER.user_id,
                       channel=LeadChannel.WHATSAPP, message=None)  # fmt: skip
    return lead.pending_events[0]


def an_order(directory: MemoryDirectory) -> Order:
    item = OrderItem(listing_id=CAR, quantity=1, unit_price_egp=47_500)
    order = Order.place(buyer_id=BUYER.user_id, seller_id=SELLER_ID,
                        kind=OrderKind.CAR_RESERVATION, items=[item])  # fmt: skip
    directory.orders[order.id] = BUYER.user_id
    return order


def paid(order: Order) -> list[DomainEvent]:
    order.record_charge(PaymentResult(True, "sandbox", "sbx_ch_1234"))
    return order.pending_events[-2:]  # PaymentCaptured, OrderPaid


def record_of(event: DomainEvent) -> bytes:
    """The record the relay publishes for an outbox row."""
    value = event.envelope() | {"lsn": 1, "commit_lsn": 1, "xid": 1, "commit_time": "x"}
    return json.dumps(value, ensure_ascii=False).encode()


def faust_event(value: bytes | None) -> Any:
    """What the agent reads of a Faust event: its message's value (and its coordinates)."""
    message = SimpleNamespace(topic="souk.domain-events", partition=0, offset=0, key=None,
                              value=value)  # fmt: skip
    return SimpleNamespace(message=message)
