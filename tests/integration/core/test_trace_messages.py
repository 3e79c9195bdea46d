"""A traced command's transaction carries its trace context as a logical message, first."""

from __future__ import annotations

from typing import Any

import orjson
import psycopg
import pytest
from opentelemetry.sdk.trace import TracerProvider

from core.services import listings
from souk.settings import Settings
from souk.tracing import carrier_from_message
from tests.integration.core.market import NewUow, a_seller, an_active_car

pytestmark = pytest.mark.integration
SLOT = "trace_messages_test"


def decoded_transactions(settings: Settings) -> list[list[dict[str, Any]]]:
    """Every transaction the slot decoded since the last call (wal2json format 2)."""
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT data FROM pg_logical_slot_get_changes(%s, NULL, NULL, 'format-version', '2',"
            " 'add-tables', 'public.listings,public.outbox', 'add-msg-prefixes', 'souk.trace')",
            (SLOT,),
        ).fetchall()
    transactions: list[list[dict[str, Any]]] = []
    for (data,) in rows:
        change = orjson.loads(data)
        if change["action"] == "B":
            transactions.append([])
        transactions[-1].append(change)
    return transactions


def test_only_traced_writes_carry_a_message_ahead_of_their_changes(
    migrated: Settings, new_uow: NewUow
) -> None:
    with psycopg.connect(migrated.postgres_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (SLOT,))
    seller = a_seller(new_uow)
    car = an_active_car(new_uow, seller)
    untraced = decoded_transactions(migrated)
    assert untraced  # the seller and the listing were decoded ...
    assert all(change["action"] != "M" for txn in untraced for change in txn)  # ... without

    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("PATCH /listings/{id}/price") as span:
        listings.reprice_listing(new_uow(), actor=seller, listing_id=car.id, price_egp=899_000)
        with new_uow() as uow:  # a read: no write, no message, no transaction id
            assert uow.listings.get(car.id) is not None
            uow.commit()
    [traced] = decoded_transactions(migrated)
    actions = [change["action"] for change in traced]
    assert actions[:2] == ["B", "M"]  # the context comes before every change
    assert actions.count("M") == 1
    assert {"U", "I"} <= set(actions[2:])  # the listing's update, its outbox event
    carrier = carrier_from_message(traced[1]["content"])
    context = span.get_span_context()
    assert carrier["traceparent"].split("-")[1:3] == [
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    ]
