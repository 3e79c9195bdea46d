"""The whole API (transactional routers, search, operations, edge) on real services.

A migrated database per session (the API tests' ``migrated``) and an isolated catalog
alias holding the relevance fixture catalogue, dropped at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from api.app import create_app
from search.catalog_index import drop_catalog, ensure_catalog
from search.elastic import async_client
from search.relevance.evaluate import index_rows
from search.relevance.judgments import load_catalogue
from souk.settings import Settings
from tests.integration.api.conftest import cheap_password_hashing, migrated
from tests.integration.search.helpers import isolated

__all__ = ["cheap_password_hashing", "migrated"]


async def _catalog(settings: Settings, action: str) -> None:
    es = async_client(settings, timeout=60.0)
    try:
        if action == "load":
            await ensure_catalog(es, settings)
            sellers, listings = load_catalogue()
            await index_rows(es, settings.catalog_alias, sellers, listings)
        else:
            await drop_catalog(es, settings)
    finally:
        await es.close()


@pytest.fixture(scope="session")
def platform(migrated: Settings) -> Iterator[Settings]:
    """Settings for the migrated database and a loaded, isolated catalog alias."""
    mine = isolated(migrated).model_copy(update={"behaviour_events_enabled": False})
    asyncio.run(_catalog(mine, "load"))
    yield mine
    asyncio.run(_catalog(mine, "drop"))


def whole_app(settings: Settings, **changes: Any) -> FastAPI:
    """``create_app`` (with every router, the search API's included) for these settings;
    behavioural events stay in memory (``platform`` turns them off)."""
    return create_app(settings.model_copy(update=changes))
