"""Routing and texts: which events notify whom, on which channels, saying what."""

from __future__ import annotations

import uuid

import pytest

from core.payments import PaymentResult
from notifications.events import MalformedEventError
from notifications.messages import Channel, NotificationKind
from notifications.routing import Router, UnknownRecipientError
from notifications.templates import egp, order_ref
from tests.unit.notifications.world import (
    BUYER,
    CAR,
    SELLER,
    MemoryDirectory,
    an_order,
    lead_created,
    paid,
)

ALL = [Channel.EMAIL, Channel.SMS, Channel.PUSH]


def test_a_lead_tells_the_seller_on_every_channel_in_arabic_and_english() -> None:
    event = lead_created()
    sent = Router(MemoryDirectory(), ALL).notifications_for(event)
    assert [(n.channel, n.recipient) for n in sent] == [
        (Channel.EMAIL, "dealer@example.eg"),
        (Channel.SMS, "+201001112222"),
        (Channel.PUSH, str(SELLER.user_id)),
    ]
    first = sent[0]
    assert (first.kind, first.event_id, first.user_id) == (
        NotificationKind.NEW_LEAD, event.event_id, SELLER.user_id
    )  # fmt: skip
    assert first.subject.en == "New lead on your listing"
    assert first.body.ar == (
        "وصلك واتساب من Mona Adel بخصوص «هيونداي النترا 2019 فابريكا». رد في أسرع وقت."
    )
    assert first.body.en == (
        "Mona Adel contacted you about “Hyundai Elantra 2019, original paint” (WhatsApp). "
        "Reply soon."
    )
    assert len({n.key for n in sent}) == 3


def test_an_order_tells_the_seller_and_confirms_to_the_buyer() -> None:
    directory = MemoryDirectory()
    order = an_order(directory)
    placed = order.pending_events[0]
    sent = Router(directory, ALL).notifications_for(placed)
    ref = order_ref(order.id)
    # the buyer has no phone: no SMS for them
    assert [(n.kind, n.channel, n.recipient) for n in sent] == [
        (NotificationKind.NEW_ORDER, Channel.EMAIL, SELLER.email),
        (NotificationKind.NEW_ORDER, Channel.SMS, SELLER.phone),
        (NotificationKind.NEW_ORDER, Channel.PUSH, str(SELLER.user_id)),
        (NotificationKind.ORDER_CONFIRMATION, Channel.EMAIL, BUYER.email),
        (NotificationKind.ORDER_CONFIRMATION, Channel.PUSH, str(BUYER.user_id)),
    ]
    assert sent[0].subject.ar == f"طلب جديد {ref}"
    assert sent[0].body.ar == (
        "طلب من Mona Adel: «هيونداي النترا 2019 فابريكا»، حجز سيارة بعربون بإجمالي 47,500 جنيه."
    )
    assert sent[0].body.en == ("Mona Adel ordered “Hyundai Elantra 2019, original paint”: "
                               "car reservation (deposit), total EGP 47,500.")  # fmt: skip
    assert sent[3].subject.en == f"We received your order {ref}"
    assert "47,500 جنيه" in sent[3].body.ar
    assert "Abou Ghaly Motors" in sent[3].body.en


def test_a_payment_gives_the_buyer_a_receipt_and_tells_the_seller() -> None:
    directory = MemoryDirectory()
    captured, order_paid = paid(an_order(directory))
    router = Router(directory, [Channel.EMAIL])
    receipt = router.notifications_for(captured)
    assert [(n.kind, n.recipient) for n in receipt] == [
        (NotificationKind.PAYMENT_RECEIPT, BUYER.email)  # the buyer, found through the order
    ]
    assert "sbx_ch_1234" in receipt[0].body.en
    assert "EGP 47,500" in receipt[0].body.en
    to_seller = router.notifications_for(order_paid)
    assert [(n.kind, n.recipient) for n in to_seller] == [
        (NotificationKind.ORDER_PAID, SELLER.email)
    ]


def test_cancelling_tells_both_sides_and_translates_the_known_reason() -> None:
    directory = MemoryDirectory()
    order = an_order(directory)
    order.cancel("cancelled by the buyer")
    sent = Router(directory, [Channel.EMAIL]).notifications_for(order.pending_events[-1])
    assert [(n.kind, n.recipient) for n in sent] == [
        (NotificationKind.ORDER_CANCELLED, BUYER.email),
        (NotificationKind.ORDER_CANCELLED, SELLER.email),
    ]
    assert sent[0].body.ar.endswith("ألغاه المشتري.")


def test_refund_decline_and_handover_reach_the_buyer() -> None:
    directory = MemoryDirectory()
    router = Router(directory, [Channel.PUSH])
    declined = an_order(directory)
    declined.record_charge(PaymentResult(False, "sandbox", "sbx_ch_9", "card limit"))
    refunded = an_order(directory)
    paid(refunded)
    refunded.refund(PaymentResult(True, "sandbox", "sbx_re_1"))
    fulfilled = an_order(directory)
    paid(fulfilled)
    fulfilled.fulfil()
    kinds = [
        [n.kind for n in router.notifications_for(order.pending_events[-1])]
        for order in (declined, refunded, fulfilled)
    ]
    assert kinds == [
        [NotificationKind.PAYMENT_DECLINED],
        [NotificationKind.ORDER_REFUNDED],
        [NotificationKind.ORDER_FULFILLED],
    ]


def test_events_that_concern_nobody_notify_nobody() -> None:
    directory = MemoryDirectory()
    order = an_order(directory)
    order.record_charge(PaymentResult(True, "sandbox", "sbx_ch_1"))
    router = Router(directory, ALL)
    assert "ListingPublished" not in router.event_types
    assert router.notifications_for(order.pending_events[0]) != []  # OrderPlaced
    # a channel switched off is not used
    assert {n.channel for n in Router(directory, [Channel.SMS]).notifications_for(
        lead_created())} == {Channel.SMS}  # fmt: skip


def test_unknown_people_and_broken_payloads_are_refused_with_a_reason() -> None:
    directory = MemoryDirectory(sellers={})
    with pytest.raises(UnknownRecipientError, match="no seller"):
        Router(directory, ALL).notifications_for(lead_created())
    orphan = an_order(MemoryDirectory())
    orphan.record_charge(PaymentResult(True, "sandbox", "sbx_ch_1"))
    with pytest.raises(UnknownRecipientError, match=f"no order {orphan.id}"):
        Router(MemoryDirectory(), ALL).notifications_for(orphan.pending_events[-2])
    event = lead_created()
    event.payload["buyer_id"] = "not-a-uuid"
    with pytest.raises(MalformedEventError, match="buyer_id must be a UUID"):
        Router(MemoryDirectory(), ALL).notifications_for(event)


def test_money_order_references_and_a_listing_without_a_title() -> None:
    assert egp(1_250_000).ar == "1,250,000 جنيه"
    assert order_ref(uuid.UUID("3f2a9c1b-0000-0000-0000-000000000000")) == "#3F2A9C1B"
    directory = MemoryDirectory(titles={})
    sent = Router(directory, [Channel.EMAIL]).notifications_for(lead_created())
    assert "«إعلانك»" in sent[0].body.ar
    assert CAR not in directory.titles
