"""Stock and order rules, without a database."""

from __future__ import annotations

import uuid

import pytest

from core.errors import InvalidInputError, OrderStateError, OutOfStockError
from core.models import Inventory, Order, OrderItem, OrderKind, OrderStatus, PaymentStatus
from core.models.order import reservation_deposit_egp
from core.payments import PaymentResult


def test_stock_moves_between_available_and_reserved_and_never_below_zero() -> None:
    stock = Inventory.stock(uuid.uuid4(), 3)
    stock.reserve(2)
    assert (stock.quantity_available, stock.quantity_reserved, stock.version) == (1, 2, 2)
    with pytest.raises(OutOfStockError, match="only 1 left in stock"):
        stock.reserve(2)
    stock.release(1)
    stock.ship(1)
    assert (stock.quantity_available, stock.quantity_reserved, stock.version) == (2, 0, 4)
    with pytest.raises(OutOfStockError, match="holds 0 reserved"):
        stock.ship(1)
    with pytest.raises(InvalidInputError, match="quantity_available must be 0 or more"):
        stock.restock(-1)
    with pytest.raises(InvalidInputError, match="quantity must be 1 or more"):
        stock.reserve(0)


@pytest.mark.parametrize(
    ("price", "deposit"), [(950_000, 47_500), (10_000, 1_000), (600, 600), (1_000_001, 50_001)]
)
def test_a_car_deposit_is_five_percent_at_least_1000_at_most_the_price(
    price: int, deposit: int
) -> None:
    assert reservation_deposit_egp(price) == deposit


def placed_order() -> Order:
    items = [OrderItem(listing_id=uuid.uuid4(), quantity=2, unit_price_egp=750)]
    return Order.place(
        buyer_id=uuid.uuid4(), seller_id=uuid.uuid4(), kind=OrderKind.PARTS_PURCHASE, items=items
    )


def test_placing_totals_the_items_and_records_order_placed_version_1() -> None:
    order = placed_order()
    assert order.total_egp == 1_500
    assert order.status is OrderStatus.PENDING
    (event,) = order.pending_events
    assert (event.event_type, event.version) == ("OrderPlaced", 1)
    assert event.payload["items"] == [
        {"listing_id": str(order.items[0].listing_id), "quantity": 2, "unit_price_egp": 750}
    ]


def test_a_declined_charge_is_kept_and_the_order_stays_pending() -> None:
    order = placed_order()
    order.record_charge(PaymentResult(False, "fake", "ref-1", reason="insufficient funds"))
    order.record_charge(PaymentResult(True, "fake", "ref-2"))
    assert [p.status for p in order.payments] == [PaymentStatus.DECLINED, PaymentStatus.CAPTURED]
    assert order.status is OrderStatus.PAID
    assert [(e.event_type, e.version) for e in order.pending_events] == [
        ("OrderPlaced", 1),
        ("PaymentDeclined", 2),
        ("PaymentCaptured", 3),
        ("OrderPaid", 4),
    ]
    assert order.pending_events[1].payload["reason"] == "insufficient funds"
    assert order.captured_payment is order.payments[1]


def test_order_transitions() -> None:
    order = placed_order()
    with pytest.raises(OrderStateError, match=r"cannot refund .* it is pending"):
        order.refund(PaymentResult(True, "fake", "re-1"))
    with pytest.raises(OrderStateError, match="cannot fulfil"):
        order.fulfil()
    order.cancel("changed my mind")
    with pytest.raises(OrderStateError, match=r"cannot pay .* it is cancelled"):
        order.record_charge(PaymentResult(True, "fake", "ch-1"))
    assert order.pending_events[-1].payload["reason"] == "changed my mind"
