"""The migrated schema: it matches the models and the database itself enforces the rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from core.cli import db_app
from core.db import create_db_engine
from core.models import Base
from souk.settings import Settings

pytestmark = pytest.mark.integration

TABLES = {
    "users", "sellers", "listings", "listing_price_history", "inventory", "favourites",
    "leads", "orders", "order_items", "payments", "outbox", "notification_deliveries",
}  # fmt: skip


def test_souk_db_migrate_creates_every_table(fresh_database: Settings) -> None:
    result = CliRunner().invoke(
        db_app, ["migrate"], env={"SOUK_POSTGRES_DB": fresh_database.postgres_db}
    )
    assert result.exit_code == 0, result.output
    assert f"{fresh_database.postgres_db} is at revision 0003" in result.output
    engine = create_db_engine(fresh_database)
    with engine.connect() as conn:
        tables = set(
            conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        )
        identities: dict[str, str] = dict(
            conn.execute(
                text("SELECT relname, relreplident FROM pg_class WHERE relname = ANY(:names)"),
                {"names": list(TABLES)},
            ).all()
        )
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert tables == TABLES | {"alembic_version"}
    # Catalog tables log whole old rows (FULL) so the relay can fill unchanged TOASTed
    # columns; the rest keep the primary key (DEFAULT).
    full = {"listings", "sellers"}
    assert identities == {t: ("f" if t in full else "d") for t in TABLES}
    assert diff == [], "the migration and the models disagree"


SELLER_USER = uuid.UUID("00000000-0000-0000-0000-00000000000a")
SELLER = uuid.UUID("00000000-0000-0000-0000-00000000000b")
LISTING = uuid.UUID("00000000-0000-0000-0000-00000000000c")

BASELINE = [
    f"INSERT INTO users (id, email, password_hash, role, full_name) "
    f"VALUES ('{SELLER_USER}', 'dealer@example.eg', 'x', 'seller', 'Dealer')",
    f"INSERT INTO sellers (id, user_id, seller_type, display_name, governorate) "
    f"VALUES ('{SELLER}', '{SELLER_USER}', 'dealer', 'Dealer', 'giza')",
    f"INSERT INTO listings (id, seller_id, category, status, title_en, make, model, year, "
    f"price_egp, governorate) VALUES ('{LISTING}', '{SELLER}', 'part', 'active', 'Pads', "
    f"NULL, NULL, NULL, 500, 'giza')",
    f"INSERT INTO inventory (listing_id, quantity_available) VALUES ('{LISTING}', 2)",
]


def car(**values: object) -> str:
    row: dict[str, object] = {
        "seller_id": f"'{SELLER}'",
        "category": "'car'",
        "status": "'active'",
        "title_en": "'Kia Sportage'",
        "make": "'Kia'",
        "model": "'Sportage'",
        "year": 2020,
        "price_egp": 1_300_000,
        "governorate": "'cairo'",
    }
    row.update(values)
    return f"INSERT INTO listings ({', '.join(row)}) VALUES ({', '.join(map(str, row.values()))})"


NEXT_YEAR = datetime.now(UTC).year + 1
VIOLATIONS = {
    "price must be positive": car(price_egp=0),
    "unknown governorate": car(governorate="'gotham'"),
    "year before 1950": car(year=1949),
    "year after next year (trigger)": car(year=NEXT_YEAR + 1),
    "car without make": car(make="NULL"),
    "no title at all": car(title_en="'  '"),
    "unknown status": car(status="'pending'"),
    "unknown category": car(category="'boat'"),
    "negative mileage": car(mileage_km=-1),
    "latitude without longitude": car(latitude=30.0),
    "photos not a list": car(photos="'{\"a\": 1}'::jsonb"),
    "stock below zero": f"UPDATE inventory SET quantity_available = -1 WHERE listing_id = "
    f"'{LISTING}'",
    "reserved below zero": f"UPDATE inventory SET quantity_reserved = -1 WHERE listing_id = "
    f"'{LISTING}'",
    "email unique whatever the case": "INSERT INTO users (email, password_hash, role, full_name) "
    "VALUES ('DEALER@example.eg', 'x', 'buyer', 'Twin')",
    "unknown role": "INSERT INTO users (email, password_hash, role, full_name) "
    "VALUES ('x@example.eg', 'x', 'owner', 'X')",
    "rating above 5": f"UPDATE sellers SET rating = 6.0 WHERE id = '{SELLER}'",
    "one seller row per user": f"INSERT INTO sellers (user_id, seller_type, display_name, "
    f"governorate) VALUES ('{SELLER_USER}', 'individual', 'Again', 'cairo')",
    "listing of an unknown seller": car(seller_id=f"'{uuid.uuid4()}'"),
    "order total positive": f"INSERT INTO orders (buyer_id, seller_id, kind, status, total_egp) "
    f"VALUES ('{SELLER_USER}', '{SELLER}', 'parts_purchase', 'pending', 0)",
    "unknown lead channel": f"INSERT INTO leads (listing_id, seller_id, buyer_id, channel) "
    f"VALUES ('{LISTING}', '{SELLER}', '{SELLER_USER}', 'pigeon')",
    "one outbox version per aggregate": "INSERT INTO outbox (event_type, aggregate_type, "
    "aggregate_id, version, payload) VALUES ('ListingArchived', 'listing', 'L1', 1, '{}'), "
    "('ListingArchived', 'listing', 'L1', 1, '{}')",
}


def test_the_database_refuses_rows_that_break_the_rules(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in BASELINE:
            conn.execute(text(statement))
        conn.execute(text(car(year=NEXT_YEAR)))  # next year's model is fine
    refused = []
    for rule, statement in VIOLATIONS.items():
        with engine.connect() as conn:
            try:
                conn.execute(text(statement))
            except IntegrityError:
                refused.append(rule)
            conn.rollback()
    assert refused == list(VIOLATIONS)


def test_the_year_trigger_names_its_rule(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in BASELINE[:2]:
            conn.execute(text(statement))
    with (
        pytest.raises(IntegrityError, match=r"listing year \d+ is after next year") as caught,
        engine.begin() as conn,
    ):
        conn.execute(text(car(year=NEXT_YEAR + 5)))
    assert caught.value.orig is not None
    assert caught.value.orig.diag.constraint_name == "ck_listings_year_max"  # type: ignore[attr-defined]
