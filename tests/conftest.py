"""Fixtures shared by every test level.

Integration tests use the real services that `souk services up` started (the test command
starts them); they fail, never skip, when a service is missing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from local_services.postgres import drop_database
from souk.settings import Settings, load_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def postgres_ready(settings: Settings) -> Settings:
    try:
        with psycopg.connect(settings.postgres_dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL is not reachable ({exc}); run `souk services up`")
    return settings


@pytest.fixture
def fresh_database(postgres_ready: Settings) -> Iterator[Settings]:
    """A new, empty database for one test; settings pointing at it; dropped afterwards."""
    name = f"souk_test_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_ready.postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield postgres_ready.model_copy(update={"postgres_db": name})
    finally:
        with psycopg.connect(postgres_ready.postgres_dsn, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE database = %s AND NOT active",
                (name,),
            )
        drop_database(postgres_ready, name)
