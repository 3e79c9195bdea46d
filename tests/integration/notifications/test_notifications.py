"""End to end: a lead and an order made through the core become recorded notifications.

PostgreSQL commit (rows + outbox) → relay → ``souk.domain-events`` → the notification agent
(``souk notifications worker``) → ``notification_deliveries``; redelivered records notify
nobody twice, and poison records go to the dead-letter topic while the stream goes on.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.models import LeadChannel, NotificationDelivery, Role, SellerType
from core.payments import SandboxPaymentProvider
from core.services import accounts, engagement, orders
from souk.settings import Settings
from souk.topics import DEAD_LETTER, DOMAIN_EVENTS
from tests.integration.core.market import NewUow, a_buyer, an_active_car
from tests.integration.search.helpers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.anyio]
SELLER_PHONE = "+201001234567"


def a_seller_with_a_phone(new_uow: NewUow) -> tuple[Actor, uuid.UUID]:
    profile = accounts.SellerProfile(SellerType.DEALER, "Abou Ghaly Motors", "cairo", "Nasr City")
    reg = accounts.register(new_uow(), email="dealer@example.eg", password="dealer-password",
                            full_name="Karim Abou Ghaly", role=Role.SELLER, phone=SELLER_PHONE,
                            seller=profile)  # fmt: skip
    return Actor(reg.user.id, reg.user.role), reg.user.id


def deliveries(engine: Engine) -> list[NotificationDelivery]:
    with Session(engine) as session:
        return list(session.scalars(select(NotificationDelivery)))


def keyed(rows: list[NotificationDelivery]) -> Counter[tuple[str, str, str, str]]:
    return Counter((r.event_type, r.kind, r.channel.value, r.recipient) for r in rows)


async def lag(settings: Settings, group: str) -> dict[int, tuple[int, int]]:
    """Partitions of the domain-event topic whose end the consumer group has not committed."""
    topic = settings.streams_topic_prefix + DOMAIN_EVENTS
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(settings.kafka_topic_partitions)]
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await consumer.stop()
        await admin.close()
    done = {tp: max(committed[tp].offset, 0) if tp in committed else 0 for tp in partitions}
    return {tp.partition: (done[tp], end) for tp, end in ends.items() if done[tp] < end}


async def all_processed(settings: Settings, group: str, within: float) -> None:
    """Wait until the group committed the end of every partition (all records handled)."""
    deadline = time.monotonic() + within
    behind = await lag(settings, group)
    while behind and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        behind = await lag(settings, group)
    assert behind == {}, f"committed vs end offsets per partition: {behind}"


async def topic_records(settings: Settings, name: str) -> list[Any]:
    consumer = AIOKafkaConsumer(
        settings.streams_topic_prefix + name, bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest", group_id=None, enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=3000, max_records=10_000)
        return [record for batch in batches.values() for record in batch]
    finally:
        await consumer.stop()


async def produce(
    settings: Settings, records: Sequence[tuple[bytes | None, bytes, int | None]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        topic = settings.streams_topic_prefix + DOMAIN_EVENTS
        for key, value, partition in records:
            await producer.send_and_wait(topic, value, key=key, partition=partition)
    finally:
        await producer.stop()


def alive(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        stderr = worker.stderr.read().decode() if worker.stderr else ""
        pytest.fail(f"the notification worker exited ({worker.returncode}): {stderr[-3000:]}")


async def test_a_lead_and_an_order_are_notified_once_even_when_delivered_twice(
    notifier_settings: Settings, new_uow: NewUow, engine: Engine, relay: Any,
    notification_worker: subprocess.Popen[bytes],
) -> None:  # fmt: skip
    settings = notifier_settings
    seller, seller_user = a_seller_with_a_phone(new_uow)
    buyer = a_buyer(new_uow, "mona@example.eg")  # no phone: email and push only
    car = an_active_car(new_uow, seller, price_egp=950_000)
    engagement.create_lead(new_uow(), actor=buyer, listing_id=car.id, channel=LeadChannel.CALL)
    order = orders.place_order(new_uow(), actor=buyer, lines=[orders.OrderLine(car.id)])
    orders.pay_order(new_uow(), actor=buyer, order_id=order.id, provider=SandboxPaymentProvider())

    seller_on = [("email", "dealer@example.eg"), ("sms", SELLER_PHONE), ("push", str(seller_user))]
    buyer_on = [("email", "mona@example.eg"), ("push", str(buyer.user_id))]
    expected = Counter(
        [("LeadCreated", "new_lead", *to) for to in seller_on]
        + [("OrderPlaced", "new_order", *to) for to in seller_on]
        + [("OrderPlaced", "order_confirmation", *to) for to in buyer_on]
        + [("PaymentCaptured", "payment_receipt", *to) for to in buyer_on]
        + [("OrderPaid", "order_paid", *to) for to in seller_on]
    )

    async def all_recorded() -> bool:
        alive(notification_worker)
        return keyed(deliveries(engine)) == expected

    await eventually(all_recorded, within=180, every=0.5)
    group = f"{settings.streams_app_id}-notifications"
    await all_processed(settings, group, within=60)
    first = {(r.event_id, r.channel, r.recipient): r.id for r in deliveries(engine)}

    # Deliver every domain-event record a second time (as after a crash before the commit).
    again = await topic_records(settings, DOMAIN_EVENTS)
    assert len(again) >= 4
    await produce(settings, [(r.key, r.value, r.partition) for r in again])
    await all_processed(settings, group, within=120)
    rows = deliveries(engine)
    assert keyed(rows) == expected
    assert {(r.event_id, r.channel, r.recipient): r.id for r in rows} == first
    lead_email = next(r for r in rows if r.kind == "new_lead" and r.channel.value == "email")
    assert lead_email.subject_ar == "عميل جديد مهتم بإعلانك"
    assert "Buyer contacted you about “Hyundai Elantra 2019, original paint” (a call)" \
        in lead_email.body_en  # fmt: skip
    assert await topic_records(settings, DEAD_LETTER) == []


async def test_a_poison_record_is_dead_lettered_and_later_events_are_still_notified(
    notifier_settings: Settings, new_uow: NewUow, engine: Engine, relay: Any,
    notification_worker: subprocess.Popen[bytes],
) -> None:  # fmt: skip
    settings = notifier_settings
    seller, _ = a_seller_with_a_phone(new_uow)
    buyer = a_buyer(new_uow, "mona@example.eg")
    car = an_active_car(new_uow, seller)
    unknown_seller = {
        "event_id": str(uuid.uuid4()), "event_type": "OrderPaid", "aggregate_type": "order",
        "aggregate_id": "o-1", "version": 2, "occurred_at": "2026-11-26T01:00:00+00:00",
        "payload": {"order_id": str(uuid.uuid4()), "seller_id": str(uuid.uuid4()),
                    "total_egp": 1000},
    }  # fmt: skip
    # a poison record ahead of the good events on every partition
    poison = [(b"broken", b"{not json", p) for p in range(settings.kafka_topic_partitions)]
    poison.append((b"o-1", json.dumps(unknown_seller).encode(), 0))
    await produce(settings, poison)
    engagement.create_lead(new_uow(), actor=buyer, listing_id=car.id, channel=LeadChannel.WHATSAPP)

    async def lead_notified() -> bool:
        alive(notification_worker)
        return sum(r.kind == "new_lead" for r in deliveries(engine)) == 3

    await eventually(lead_notified, within=180, every=0.5)
    letters = [json.loads(r.value) for r in await topic_records(settings, DEAD_LETTER)]
    assert {letter["agent"] for letter in letters} == {"notifications"}
    reasons = Counter(letter["reason"].split(":")[0] for letter in letters)
    assert reasons["value is not JSON"] == settings.kafka_topic_partitions
    unknown = [letter for letter in letters if letter["reason"].startswith("no seller")]
    assert len(unknown) == 1
    assert json.loads(unknown[0]["value"])["event_id"] == unknown_seller["event_id"]
    assert {r.event_type for r in deliveries(engine)} == {"LeadCreated"}
