"""Domain events: every change of state in the marketplace, as small frozen records.

Aggregates record them; the unit of work writes them to the outbox table in the same
transaction; the relay publishes outbox rows to ``souk.domain-events`` as :class:`EventEnvelope`
JSON. ``payload`` fields per event type are listed in ``EVENT_PAYLOAD_FIELDS`` and in
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import clock

# event type -> the payload keys it always carries (money in EGP as integers/decimals)
EVENT_PAYLOAD_FIELDS: dict[str, tuple[str, ...]] = {
    "UserRegistered": ("user_id", "role"),
    "SellerRegistered": ("seller_id", "user_id", "seller_type", "name", "governorate"),
    "ListingPublished": (
        "listing_id",
        "seller_id",
        "category",
        "make",
        "model",
        "year",
        "price_egp",
        "governorate",
        "city",
        "condition",
    ),
    "ListingEdited": ("listing_id", "seller_id", "changed"),
    "ListingPriceChanged": ("listing_id", "seller_id", "old_price_egp", "new_price_egp"),
    "ListingReserved": ("listing_id", "seller_id", "order_id"),
    "ListingReleased": ("listing_id", "seller_id", "order_id"),
    "ListingSold": ("listing_id", "seller_id", "order_id", "price_egp"),
    "ListingArchived": ("listing_id", "seller_id"),
    "ListingFavourited": ("listing_id", "seller_id", "user_id"),
    "LeadCreated": ("lead_id", "listing_id", "seller_id", "buyer_id", "channel"),
    "OrderPlaced": ("order_id", "buyer_id", "seller_id", "kind", "total_egp", "items"),
    "PaymentCaptured": (
        "payment_id",
        "order_id",
        "seller_id",
        "amount_egp",
        "provider",
        "provider_ref",
    ),
    "PaymentDeclined": ("payment_id", "order_id", "seller_id", "amount_egp", "reason"),
    "OrderPaid": ("order_id", "seller_id", "total_egp"),
    "OrderFulfilled": ("order_id", "seller_id"),
    "OrderCancelled": ("order_id", "seller_id", "reason"),
    "OrderRefunded": ("order_id", "seller_id", "amount_egp"),
}


@dataclass(frozen=True)
class DomainEvent:
    """One change of state of an aggregate (listing, seller, order, lead, user)."""

    event_type: str
    aggregate_type: str
    aggregate_id: str
    version: int
    payload: dict[str, Any]
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=clock.utcnow)

    def __post_init__(self) -> None:
        required = EVENT_PAYLOAD_FIELDS.get(self.event_type)
        if required is None:
            raise ValueError(f"unknown domain event type {self.event_type!r}")
        missing = [name for name in required if name not in self.payload]
        if missing:
            raise ValueError(f"{self.event_type} payload lacks {', '.join(missing)}")

    def envelope(self) -> dict[str, Any]:
        """The JSON shape on the domain-events topic (the relay adds lsn and commit_time)."""
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload,
        }
