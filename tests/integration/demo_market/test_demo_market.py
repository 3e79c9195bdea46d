"""The demo market through the real core and Kafka: dated history, price cuts, buyer events."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer
from argon2 import PasswordHasher

import core.passwords
from core import migrate
from demo_market.activity import simulate_activity
from demo_market.loader import load_market
from pipelines.topics import ensure_topics
from souk.settings import Settings
from souk.topics import SEARCHES


@pytest.fixture
def demo_settings(fresh_database: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(core.passwords, "_hasher", cheap)
    migrate.upgrade(fresh_database)
    mine = fresh_database.model_copy(
        update={"streams_topic_prefix": f"test-demo-{secrets.token_hex(4)}."}
    )
    asyncio.run(ensure_topics(mine, prefix=mine.streams_topic_prefix))
    return mine


async def searches_in_kafka(settings: Settings, expected: int) -> list[dict[str, object]]:
    consumer = AIOKafkaConsumer(
        settings.streams_topic_prefix + SEARCHES,
        bootstrap_servers=settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[dict[str, object]] = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(seen) < expected and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            seen += [json.loads(r.value) for rs in batches.values() for r in rs if r.value]
    finally:
        await consumer.stop()
    return seen


def test_demo_market_history_is_dated_and_reaches_kafka_and_the_outbox(
    demo_settings: Settings,
) -> None:
    history_start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    market = load_market(
        demo_settings, seed=11, listings=300, buyers=40, batch_size=100,
        published_before=history_start, publication_days=10,
    )  # fmt: skip
    report = simulate_activity(
        demo_settings, market, days=2, searches_per_day=150, seed=11, reprice_share=0.05
    )
    assert len(market.listings) == 300
    assert report.searches > 200
    assert report.clicks > 0
    assert report.price_cuts > 10

    with psycopg.connect(demo_settings.postgres_dsn) as conn:
        first, last, listed = conn.execute(
            "SELECT min(published_at), max(published_at), count(*) FROM listings"
        ).fetchone()  # type: ignore[misc]
        cuts = conn.execute(
            "SELECT count(*), bool_and(new_price_egp < old_price_egp), min(changed_at), "
            "max(changed_at) FROM listing_price_history"
        ).fetchone()
        leads = conn.execute(
            "SELECT count(*), min(occurred_at), max(occurred_at) FROM outbox "
            "WHERE event_type = 'LeadCreated'"
        ).fetchone()
    assert listed == 300
    # Listings went up over the ten days before the history, in load order.
    assert history_start - timedelta(days=10, seconds=1) <= first < last <= history_start
    # Each price cut is a real reprice through the core, dated inside the simulated days.
    assert cuts is not None
    assert cuts[0] == report.price_cuts
    assert cuts[1] is True
    today = datetime.now(UTC).date()
    assert cuts[2].date() >= today - timedelta(days=2)
    assert cuts[3].date() < today
    assert leads is not None
    assert leads[0] == report.leads
    if report.leads:
        assert leads[1].date() >= today - timedelta(days=2)
        assert leads[2].date() < today

    searches = asyncio.run(searches_in_kafka(demo_settings, report.searches))
    assert len(searches) == report.searches
    days = {datetime.fromisoformat(str(s["occurred_at"])).date() for s in searches}
    assert days == {today - timedelta(days=2), today - timedelta(days=1)}
