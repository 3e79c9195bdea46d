"""Buyer behaviour over past days: searches, clicks, views, favourites, leads, orders.

Behavioural events go to Kafka through the API's own producer (:class:`KafkaBehaviourEvents`)
with the time they happened; favourites, leads, orders and payments go through the core's
commands under :func:`core.clock.simulated_time`, so they reach Kafka through the outbox and
the relay like any other. Funnel rates and the weekly rhythm (busier Fridays and Saturdays,
Egypt's weekend) are plausible, not measured.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from api.behaviour import (
    LISTING_VIEWED,
    SEARCH_PERFORMED,
    SEARCH_RESULT_CLICKED,
    BehaviourEvent,
    KafkaBehaviourEvents,
)
from core.actor import Actor
from core.clock import simulated_time
from core.db import create_db_engine, make_session_factory
from core.errors import DomainError
from core.models import LeadChannel, Role
from core.payments import SandboxPaymentProvider
from core.services import engagement, listings, orders
from core.services.orders import OrderLine
from core.unit_of_work import SqlAlchemyUnitOfWork
from demo_market.catalogue import MAKES
from demo_market.loader import LoadedMarket
from souk.settings import Settings

log = logging.getLogger(__name__)

WEEKDAY_FACTOR = {0: 0.95, 1: 0.9, 2: 0.9, 3: 1.0, 4: 1.3, 5: 1.25, 6: 1.0}  # Mon=0 … Sun=6
ZERO_RESULT_QUERIES = ("tesla model 3", "لادا نيفا", "rolls royce", "hummer h2", "تاتا")
CLICK_RATE, LEAD_RATE, FAVOURITE_RATE, ORDER_RATE = 0.4, 0.09, 0.06, 0.12
REPRICE_SHARE = 0.004  # of the listings, per day: sellers cutting the asking price by 2–8%


@dataclass
class ActivityReport:
    searches: int = 0
    clicks: int = 0
    views: int = 0
    leads: int = 0
    favourites: int = 0
    orders: int = 0
    price_cuts: int = 0


def _query(make_en: str, model_en: str | None, rng: random.Random) -> str:
    make = next(m for m in MAKES if m.name_en == make_en)
    model = next((m for m in make.models if m.name_en == model_en), None)
    style = rng.random()
    if style < 0.35:
        return f"{make.name_ar} {model.name_ar}" if model else make.name_ar
    if style < 0.7:
        return f"{make.name_en} {model.name_en}".lower() if model else make.name_en.lower()
    if style < 0.85:
        return f"{make.franco} {model.name_en.lower()}" if model else make.franco
    return make.name_ar


def simulate_activity(
    settings: Settings,
    market: LoadedMarket,
    *,
    days: int,
    searches_per_day: int,
    seed: int,
    reprice_share: float = REPRICE_SHARE,
    progress: Callable[[int, int], None] | None = None,
) -> ActivityReport:
    rng = random.Random(seed)
    by_make_model: dict[tuple[str, str | None], list[tuple[uuid.UUID, uuid.UUID, str]]] = (
        defaultdict(list)
    )
    for listing_id, seller_id, category, make, model in market.listings:
        if make:
            by_make_model[(make, model)].append((listing_id, seller_id, category))
    keys = list(by_make_model)
    weights = [len(by_make_model[k]) for k in keys]
    report = ActivityReport()
    engine = create_db_engine(settings, pool_size=2)
    factory = make_session_factory(engine)
    producer = KafkaBehaviourEvents(settings, patient=True)  # at Kafka's pace
    provider = SandboxPaymentProvider()
    ordered: set[uuid.UUID] = set()

    async def run() -> None:
        await producer.start()
        try:
            today = datetime.now(UTC).date()
            for offset in range(days, 0, -1):
                day = today - timedelta(days=offset)
                await _one_day(day)
                if progress:
                    progress(days - offset + 1, days)
        finally:
            await producer.stop()

    async def _one_day(day: date) -> None:
        _cut_prices(day)
        count = int(searches_per_day * WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.9, 1.1))
        for _ in range(count):
            moment = datetime.combine(day, time(rng.randint(8, 22), rng.randint(0, 59)), UTC)
            buyer = rng.choice(market.buyer_ids)
            session = str(uuid.uuid4())
            zero = rng.random() < 0.03
            key = rng.choices(keys, weights)[0]
            query = rng.choice(ZERO_RESULT_QUERIES) if zero else _query(key[0], key[1], rng)
            pool = [] if zero else by_make_model[key]
            shown = rng.sample(pool, k=min(len(pool), 10))
            search_id = str(uuid.uuid4())
            await producer.publish(BehaviourEvent(
                SEARCH_PERFORMED, session, str(buyer), {
                    "search_id": search_id, "query": query, "filters": {}, "sort": "relevance",
                    "page": 1, "hits_total": len(pool), "took_ms": rng.randint(4, 40),
                    "results_shown": [str(s[0]) for s in shown],
                }, occurred_at=moment.isoformat(),
            ))  # fmt: skip
            report.searches += 1
            if not shown or rng.random() > CLICK_RATE:
                continue
            position = min(int(rng.expovariate(0.45)), len(shown) - 1)
            listing_id, seller_id, category = shown[position]
            later = moment + timedelta(seconds=rng.randint(3, 90))
            common = {"listing_id": str(listing_id), "seller_id": str(seller_id)}
            await producer.publish(BehaviourEvent(
                SEARCH_RESULT_CLICKED, session, str(buyer),
                {"search_id": search_id, "query": query, "position": position + 1, **common},
                occurred_at=later.isoformat(),
            ))  # fmt: skip
            await producer.publish(BehaviourEvent(
                LISTING_VIEWED, session, str(buyer), {**common, "source": "search"},
                occurred_at=(later + timedelta(seconds=1)).isoformat(),
            ))  # fmt: skip
            report.clicks += 1
            report.views += 1
            _engage(buyer, listing_id, category, later + timedelta(minutes=rng.randint(1, 30)))

    def _cut_prices(day: date) -> None:
        cuts = int(len(market.listings) * reprice_share * rng.uniform(0.7, 1.3))
        for listing_id, seller_id, _, _, _ in rng.sample(market.listings, k=cuts):
            price = market.asking_prices.get(listing_id)
            if price is None or listing_id in ordered:
                continue
            # Cars are priced in thousands of pounds, parts and services in tens.
            new_price = int(
                round(price * (1 - rng.uniform(0.02, 0.08)), -3 if price >= 100_000 else -1)
            )
            if not 0 < new_price < price:
                continue
            moment = datetime.combine(day, time(rng.randint(9, 21), rng.randint(0, 59)), UTC)
            actor = Actor(user_id=market.seller_user_ids[seller_id], role=Role.SELLER)
            try:
                with simulated_time(moment):
                    listings.reprice_listing(
                        SqlAlchemyUnitOfWork(factory), actor=actor, listing_id=listing_id,
                        price_egp=new_price,
                    )  # fmt: skip
            except DomainError as exc:  # reserved or sold meanwhile: the seller leaves it
                log.debug("simulated seller skipped repricing %s: %s", listing_id, exc)
                continue
            market.asking_prices[listing_id] = new_price
            report.price_cuts += 1

    def _engage(buyer: uuid.UUID, listing_id: uuid.UUID, category: str, moment: datetime) -> None:
        actor = Actor(user_id=buyer, role=Role.BUYER)
        try:
            with simulated_time(moment):
                if rng.random() < FAVOURITE_RATE:
                    engagement.favourite_listing(
                        SqlAlchemyUnitOfWork(factory), actor=actor, listing_id=listing_id
                    )
                    report.favourites += 1
                if rng.random() > LEAD_RATE:
                    return
                channel = rng.choice(
                    (LeadChannel.CALL, LeadChannel.WHATSAPP, LeadChannel.TEST_DRIVE)
                )
                engagement.create_lead(
                    SqlAlchemyUnitOfWork(factory), actor=actor, listing_id=listing_id,
                    channel=channel,
                )  # fmt: skip
                report.leads += 1
                if rng.random() > ORDER_RATE or listing_id in ordered:
                    return
                order = orders.place_order(
                    SqlAlchemyUnitOfWork(factory), actor=actor,
                    lines=[OrderLine(listing_id=listing_id)],
                )  # fmt: skip
                ordered.add(listing_id)
                orders.pay_order(
                    SqlAlchemyUnitOfWork(factory), actor=actor, order_id=order.id,
                    provider=provider,
                )  # fmt: skip
                report.orders += 1
        except DomainError as exc:  # a reserved car, a favourite given twice: buyers move on
            log.debug("simulated buyer %s skipped %s: %s", buyer, listing_id, exc)

    try:
        asyncio.run(run())
    finally:
        engine.dispose()
    return report
