"""Bodies of /orders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.models import OrderKind, OrderStatus, PaymentStatus


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listing_id: uuid.UUID
    quantity: int = Field(1, ge=1, le=1_000)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[OrderLineIn] = Field(
        min_length=1,
        max_length=50,
        description="One car (a reservation deposit), one service, or parts of one seller.",
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=500)


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    listing_id: uuid.UUID
    quantity: int
    unit_price_egp: int


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    amount_egp: int
    status: PaymentStatus
    provider: str
    provider_ref: str
    created_at: datetime


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    buyer_id: uuid.UUID
    seller_id: uuid.UUID
    kind: OrderKind
    status: OrderStatus
    total_egp: int
    version: int
    created_at: datetime
    updated_at: datetime
    items: list[OrderItemOut]
    payments: list[PaymentOut]


class EventOut(BaseModel):
    """One domain event, shaped like the envelope on ``souk.domain-events``."""

    event_id: uuid.UUID
    event_type: str
    aggregate_type: str
    aggregate_id: str
    version: int
    occurred_at: datetime
    payload: dict[str, Any]
