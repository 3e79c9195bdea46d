"""The order aggregate: a car reservation deposit, a parts purchase or a service booking.

Its life: pending -> paid -> fulfilled, pending -> cancelled, paid -> refunded. Payments are
part of the aggregate: every attempt is a row, and every change (including a declined
attempt) bumps ``version`` by one per recorded event, so the order's event stream in the
outbox is numbered 1, 2, 3... without gaps.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.errors import OrderStateError
from core.events import DomainEvent
from core.listing_details import Category
from core.models.base import Base, EventRecorder, TextEnum, check_in, utcnow
from core.payments import PaymentResult

# A car is held with a deposit: 5 % of its price, at least 1,000 EGP, at most the price.
DEPOSIT_RATE = 0.05
MINIMUM_DEPOSIT_EGP = 1_000


def reservation_deposit_egp(price_egp: int) -> int:
    return min(price_egp, max(MINIMUM_DEPOSIT_EGP, math.ceil(price_egp * DEPOSIT_RATE)))


class OrderKind(StrEnum):
    CAR_RESERVATION = "car_reservation"
    PARTS_PURCHASE = "parts_purchase"
    SERVICE_BOOKING = "service_booking"

    @classmethod
    def for_category(cls, category: Category) -> OrderKind:
        return {
            Category.CAR: cls.CAR_RESERVATION,
            Category.PART: cls.PARTS_PURCHASE,
            Category.SERVICE: cls.SERVICE_BOOKING,
        }[category]


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


OPEN_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.PAID})


class PaymentStatus(StrEnum):
    CAPTURED = "captured"
    DECLINED = "declined"
    REFUNDED = "refunded"


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_egp > 0", name="unit_price_positive"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listings.id"), primary_key=True, index=True
    )
    quantity: Mapped[int]
    unit_price_egp: Mapped[int] = mapped_column(BigInteger)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(check_in("status", PaymentStatus), name="status"),
        CheckConstraint("amount_egp > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_egp: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(TextEnum(PaymentStatus))
    provider: Mapped[str] = mapped_column(Text)
    provider_ref: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class Order(EventRecorder, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(check_in("kind", OrderKind), name="kind"),
        CheckConstraint(check_in("status", OrderStatus), name="status"),
        CheckConstraint("total_egp > 0", name="total_positive"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    buyer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sellers.id"), index=True)
    kind: Mapped[OrderKind] = mapped_column(TextEnum(OrderKind))
    status: Mapped[OrderStatus] = mapped_column(TextEnum(OrderStatus))
    total_egp: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    items: Mapped[list[OrderItem]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=Payment.created_at
    )

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    @classmethod
    def place(
        cls,
        *,
        buyer_id: uuid.UUID,
        seller_id: uuid.UUID,
        kind: OrderKind,
        items: list[OrderItem],
    ) -> Order:
        now = utcnow()
        order_id = uuid.uuid4()
        for item in items:
            item.order_id = order_id
        total = sum(item.quantity * item.unit_price_egp for item in items)
        order = cls(
            id=order_id,
            buyer_id=buyer_id,
            seller_id=seller_id,
            kind=kind,
            status=OrderStatus.PENDING,
            total_egp=total,
            version=0,
            created_at=now,
            updated_at=now,
            items=items,
            payments=[],
        )
        order._change(
            "OrderPlaced",
            buyer_id=str(buyer_id),
            kind=kind.value,
            total_egp=total,
            items=[
                {
                    "listing_id": str(i.listing_id),
                    "quantity": i.quantity,
                    "unit_price_egp": i.unit_price_egp,
                }
                for i in items
            ],
        )
        return order

    @property
    def captured_payment(self) -> Payment | None:
        captured = [p for p in self.payments if p.status is PaymentStatus.CAPTURED]
        return captured[-1] if captured else None

    def record_charge(self, result: PaymentResult) -> Payment:
        self.require_status(OrderStatus.PENDING, action="pay")
        payment = self._add_payment(
            PaymentStatus.CAPTURED if result.succeeded else PaymentStatus.DECLINED, result
        )
        common = {"payment_id": str(payment.id), "amount_egp": self.total_egp}
        if not result.succeeded:
            self._change("PaymentDeclined", reason=result.reason or "declined", **common)
            return payment
        self._change(
            "PaymentCaptured", provider=result.provider, provider_ref=result.provider_ref, **common
        )
        self.status = OrderStatus.PAID
        self._change("OrderPaid", total_egp=self.total_egp)
        return payment

    def cancel(self, reason: str) -> None:
        self.require_status(OrderStatus.PENDING, action="cancel")
        self.status = OrderStatus.CANCELLED
        self._change("OrderCancelled", reason=reason)

    def refund(self, result: PaymentResult) -> Payment:
        self.require_status(OrderStatus.PAID, action="refund")
        payment = self._add_payment(PaymentStatus.REFUNDED, result)
        self.status = OrderStatus.REFUNDED
        self._change("OrderRefunded", amount_egp=payment.amount_egp)
        return payment

    def fulfil(self) -> None:
        self.require_status(OrderStatus.PAID, action="fulfil")
        self.status = OrderStatus.FULFILLED
        self._change("OrderFulfilled")

    def _add_payment(self, status: PaymentStatus, result: PaymentResult) -> Payment:
        payment = Payment(
            id=uuid.uuid4(),
            order_id=self.id,
            amount_egp=self.total_egp,
            status=status,
            provider=result.provider,
            provider_ref=result.provider_ref,
            created_at=utcnow(),
        )
        self.payments.append(payment)
        return payment

    def require_status(self, *allowed: OrderStatus, action: str) -> None:
        if self.status not in allowed:
            states = ", ".join(sorted(s.value for s in allowed))
            raise OrderStateError(
                f"cannot {action} order {self.id}: it is {self.status.value} "
                f"(allowed when {states})"
            )

    def _change(self, event_type: str, **payload: Any) -> None:
        self.version += 1
        self.updated_at = utcnow()
        self.record(
            DomainEvent(
                event_type=event_type,
                aggregate_type="order",
                aggregate_id=str(self.id),
                version=self.version,
                payload={"order_id": str(self.id), "seller_id": str(self.seller_id), **payload},
            )
        )
