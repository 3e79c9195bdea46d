"""The texts of every notification, in Arabic and in English.

Money is in Egyptian pounds with thousands separators (``12,500 جنيه`` / ``EGP 12,500``);
orders are named by a short reference (``#3F2A9C1B``); listing titles come in the user's
language where the seller wrote one. The Arabic never conjugates for the buyer (whose gender we
do not know): "وصلك ... من <name>", not "<name> تواصل". Free text from the core (a
cancellation or decline reason) is English: the known ones get their Arabic here, others are
shown as they are.

The texts are data: ``TEXTS`` holds each kind's subject and body in both languages, with
``{fields}`` that ``render`` fills in; a field given as a ``Bilingual`` gives each language its
own text, a plain string is the same in both.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from notifications.messages import Bilingual, NotificationKind

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


Fields = Mapping[str, str | Bilingual]

TEXTS: dict[NotificationKind, Message] = {
    NotificationKind.NEW_LEAD: Message(
        Bilingual("عميل جديد مهتم بإعلانك", "New lead on your listing"),
        Bilingual(
            "وصلك {channel} من {buyer} بخصوص «{title}». رد في أسرع وقت.",
            "{buyer} contacted you about “{title}” ({channel}). Reply soon.",
        ),
    ),
    NotificationKind.NEW_ORDER: Message(
        Bilingual("طلب جديد {ref}", "New order {ref}"),
        Bilingual(
            "طلب من {buyer}: {items}، {kind} بإجمالي {total}.",
            "{buyer} ordered {items}: {kind}, total {total}.",
        ),
    ),
    NotificationKind.ORDER_CONFIRMATION: Message(
        Bilingual("تم استلام طلبك {ref}", "We received your order {ref}"),
        Bilingual(
            "طلبك {items} من {seller} ({kind}) بإجمالي {total} في انتظار الدفع.",
            "Your order of {items} from {seller} ({kind}), total {total}, is awaiting payment.",
        ),
    ),
    NotificationKind.PAYMENT_RECEIPT: Message(
        Bilingual("إيصال دفع الطلب {ref}", "Payment receipt for order {ref}"),
        Bilingual(
            "تم دفع {amount} للطلب {ref} بنجاح. رقم العملية: {provider_ref}.",
            "We received {amount} for order {ref}. Transaction reference: {provider_ref}.",
        ),
    ),
    NotificationKind.PAYMENT_DECLINED: Message(
        Bilingual("لم تتم عملية الدفع للطلب {ref}", "Payment declined for order {ref}"),
        Bilingual(
            "تم رفض دفع {amount}. جرّب بطاقة أخرى أو تواصل مع البنك.",
            "Your payment of {amount} was declined ({reason}). "
            "Try another card or contact your bank.",
        ),
    ),
    NotificationKind.ORDER_PAID: Message(
        Bilingual("تم دفع الطلب {ref}", "Order {ref} is paid"),
        Bilingual(
            "المشتري دفع {total}. جهّز الطلب للتسليم.",
            "The buyer paid {total}. Get the order ready for handover.",
        ),
    ),
    NotificationKind.ORDER_CANCELLED: Message(
        Bilingual("تم إلغاء الطلب {ref}", "Order {ref} was cancelled"),
        Bilingual("تم إلغاء الطلب {ref}: {reason}.", "Order {ref} was cancelled: {reason}."),
    ),
    NotificationKind.ORDER_REFUNDED: Message(
        Bilingual("تم استرداد مبلغ الطلب {ref}", "Refund for order {ref}"),
        Bilingual(
            "تم رد {amount} إلى وسيلة الدفع الخاصة بك، وقد يستغرق ظهوره بضعة أيام.",
            "{amount} is on its way back to your payment method; it may take a few days to show.",
        ),
    ),
    NotificationKind.ORDER_FULFILLED: Message(
        Bilingual("تم تسليم الطلب {ref}", "Order {ref} handed over"),
        Bilingual(
            "{seller} سلّم طلبك {ref}. شكرًا لتعاملك مع سوق السيارات.",
            "{seller} handed over your order {ref}. Thank you for using Souk El-Syarat.",
        ),
    ),
}


def render(kind: NotificationKind, /, **fields: str | Bilingual) -> Message:
    """The message of ``kind`` with ``fields`` filled into both languages."""
    text = TEXTS[kind]
    return Message(_fill(text.subject, fields), _fill(text.body, fields))


def _fill(text: Bilingual, fields: Fields) -> Bilingual:
    ar = {name: f.ar if isinstance(f, Bilingual) else f for name, f in fields.items()}
    en = {name: f.en if isinstance(f, Bilingual) else f for name, f in fields.items()}
    return Bilingual(text.ar.format_map(ar), text.en.format_map(en))


def order_ref(order_id: uuid.UUID) -> str:
    return f"#{order_id.hex[:8].upper()}"


def egp(amount: int) -> Bilingual:
    number = f"{amount:,}"
    return Bilingual(f"{number} جنيه", f"EGP {number}")


def lead_channel(channel: str) -> Bilingual:
    return _named(LEAD_CHANNELS, channel)


def cancellation_reason(reason: str) -> Bilingual:
    return Bilingual(CANCELLATION_REASONS.get(reason, reason), reason)


def _named(table: dict[str, Bilingual], key: str) -> Bilingual:
    return table.get(key, Bilingual(key, key))


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
    def fields(self) -> dict[str, str | Bilingual]:
        """Reference, items, kind and total as shown (``render``'s fields)."""
        return {
            "ref": order_ref(self.order_id),
            "items": _items(self.title, self.items),
            "kind": _named(ORDER_KINDS, self.kind),
            "total": egp(self.total_egp),
        }
