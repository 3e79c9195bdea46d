"""Fixtures of the streams tests; async tests here run on asyncio through AnyIO's plugin."""

from __future__ import annotations

import secrets

import psycopg
import pytest

from souk.settings import Settings
from tests.integration.pipelines.conftest import OUTBOX_DDL
from tests.integration.search.helpers import isolated
from tests.integration.search.test_reindex import TABLES


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pipeline_settings(fresh_database: Settings) -> Settings:
    """Isolated settings (``isolated``) on a database with the catalog's tables and an outbox;
    the relay publishes under the worker's topic prefix, on a slot of this test's own."""
    mine = isolated(fresh_database)
    mine = mine.model_copy(update={"relay_topic_prefix": mine.streams_topic_prefix,
                                   "relay_slot": f"streams_{secrets.token_hex(4)}"})  # fmt: skip
    with psycopg.connect(mine.postgres_dsn, autocommit=True) as conn:
        conn.execute(TABLES)
        conn.execute(OUTBOX_DDL)
    return mine
