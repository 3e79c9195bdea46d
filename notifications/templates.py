"""The texts of every notification, in Arabic and in English.

Money is in Egyptian pounds with thousands separators (``12,500 جنيه`` / ``EGP 12,500``);
orders are named by a short reference (``#3F2A9C1B``); listing titles come in the user's
language where the seller wrote one. The Arabic never conjugates for the buyer (whose gender we
do not know): "وصلك ... من <name>", not "<name> تواصل". Free text from the core (a
cancellation or decline reason) is English: the known ones get their Arabic here, others are
shown as they are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from notifications.messages import Bilingual

LEAD_CHANNELS: dict[str, Bilingual] = {
    "call": Bilingual("مكالمة", "a call"),
    "whatsapp": Bilingual("واتساب", "WhatsApp"),
    "message": Bilingual("رسالة", "a message"),
    "test_drive": Bilingual("طلب معاينة وتجربة قيادة", "a test-drive request"),
}
ORDER_KINDS: dict[str, Bilingual] = {
    "car_reservation": Bilingual("حجز سيارة بعربون", "car reservation (deposit)"),
    "parts_purchase": Bilingual("شراء قطع غيار", "spare parts purchase"),
    "service_booking": Bilingual("حجز خدمة", "service booking"),
}
CANCELLATION_REASONS: dict[str, str] = {
    "cancelled by the buyer": "ألغاه المشتري",
    "cancelled by the seller": "ألغاه البائع",
    "cancelled by the admin": "ألغته إدارة سوق السيارات",
}


@dataclass(frozen=True)
class Message:
    subject: Bilingual
    body: Bilingual


def order_ref(order_id: uuid.UUID) -> str:
    return f"#{order_id.hex[:8].upper()}"


def egp(amount: int) -> Bilingual:
    number = f"{amount:,}"
    return Bilingual(f"{number} جنيه", f"EGP {number}")


def _named(table: dict[str, Bilingual], key: str) -> Bilingual:
    return table.get(key, Bilingual(key, key))


def new_lead(*, buyer: str, title: Bilingual, channel: str) -> Message:
    how = _named(LEAD_CHANNELS, channel)
    return Message(
        Bilingual("عميل جديد مهتم بإعلانك", "New lead on your listing"),
        Bilingual(
            f"وصلك {how.ar} من {buyer} بخصوص «{title.ar}». رد في أسرع وقت.",
            f"{buyer} contacted you about “{title.en}” ({how.en}). Reply soon.",
        ),
    )


def _items(title: Bilingual, count: int) -> Bilingual:
    if count <= 1:
        return Bilingual(f"«{title.ar}»", f"“{title.en}”")
    return Bilingual(f"«{title.ar}» (+{count - 1} أصناف أخرى)", f"“{title.en}” (+{count - 1} more)")


@dataclass(frozen=True)
class OrderSummary:
    """What an order message says about the order: its first item's title and the count."""

    order_id: uuid.UUID
    title: Bilingual
    items: int
    kind: str
    total_egp: int

    @property
    def texts(self) -> tuple[str, Bilingual, Bilingual, Bilingual]:
        """Reference, items, kind and total as shown."""
        what = _items(self.title, self.items)
        return order_ref(self.order_id), what, _named(ORDER_KINDS, self.kind), egp(self.total_egp)


def new_order(order: OrderSummary, *, buyer: str) -> Message:
    ref, what, kind_text, money = order.texts
    return Message(
        Bilingual(f"طلب جديد {ref}", f"New order {ref}"),
        Bilingual(
            f"طلب من {buyer}: {what.ar}، {kind_text.ar} بإجمالي {money.ar}.",
            f"{buyer} ordered {what.en}: {kind_text.en}, total {money.en}.",
        ),
    )


def order_confirmation(order: OrderSummary, *, seller: str) -> Message:
    ref, what, kind_text, money = order.texts
    return Message(
        Bilingual(f"تم استلام طلبك {ref}", f"We received your order {ref}"),
        Bilingual(
            f"طلبك {what.ar} من {seller} ({kind_text.ar}) بإجمالي {money.ar} في انتظار الدفع.",
            f"Your order of {what.en} from {seller} ({kind_text.en}), total {money.en}, "
            "is awaiting payment.",
        ),
    )


def payment_receipt(*, order_id: uuid.UUID, amount: int, provider_ref: str) -> Message:
    ref, money = order_ref(order_id), egp(amount)
    return Message(
        Bilingual(f"إيصال دفع الطلب {ref}", f"Payment receipt for order {ref}"),
        Bilingual(
            f"تم دفع {money.ar} للطلب {ref} بنجاح. رقم العملية: {provider_ref}.",
            f"We received {money.en} for order {ref}. Transaction reference: {provider_ref}.",
        ),
    )


def payment_declined(*, order_id: uuid.UUID, amount: int, reason: str) -> Message:
    ref, money = order_ref(order_id), egp(amount)
    return Message(
        Bilingual(f"لم تتم عملية الدفع للطلب {ref}", f"Payment declined for order {ref}"),
        Bilingual(
            f"تم رفض دفع {money.ar}. جرّب بطاقة أخرى أو تواصل مع البنك.",
            f"Your payment of {money.en} was declined ({reason}). "
            "Try another card or contact your bank.",
        ),
    )


def order_paid(*, order_id: uuid.UUID, total: int) -> Message:
    ref, money = order_ref(order_id), egp(total)
    return Message(
        Bilingual(f"تم دفع الطلب {ref}", f"Order {ref} is paid"),
        Bilingual(
            f"المشتري دفع {money.ar}. جهّز الطلب للتسليم.",
            f"The buyer paid {money.en}. Get the order ready for handover.",
        ),
    )


def order_cancelled(*, order_id: uuid.UUID, reason: str) -> Message:
    ref = order_ref(order_id)
    return Message(
        Bilingual(f"تم إلغاء الطلب {ref}", f"Order {ref} was cancelled"),
        Bilingual(
            f"تم إلغاء الطلب {ref}: {CANCELLATION_REASONS.get(reason, reason)}.",
            f"Order {ref} was cancelled: {reason}.",
        ),
    )


def order_refunded(*, order_id: uuid.UUID, amount: int) -> Message:
    ref, money = order_ref(order_id), egp(amount)
    return Message(
        Bilingual(f"تم استرداد مبلغ الطلب {ref}", f"Refund for order {ref}"),
        Bilingual(
            f"تم رد {money.ar} إلى وسيلة الدفع الخاصة بك، وقد يستغرق ظهوره بضعة أيام.",
            f"{money.en} is on its way back to your payment method; "
            "it may take a few days to show.",
        ),
    )


def order_fulfilled(*, order_id: uuid.UUID, seller: str) -> Message:
    ref = order_ref(order_id)
    return Message(
        Bilingual(f"تم تسليم الطلب {ref}", f"Order {ref} handed over"),
        Bilingual(
            f"{seller} سلّم طلبك {ref}. شكرًا لتعاملك مع سوق السيارات.",
            f"{seller} handed over your order {ref}. Thank you for using Souk El-Syarat.",
        ),
    )
