"""Fixtures: an isolated catalog (random alias) with the relevance fixture catalogue in it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from elasticsearch import AsyncElasticsearch

from search.catalog_index import drop_catalog, ensure_catalog
from search.elastic import async_client
from search.relevance.evaluate import index_rows
from search.relevance.judgments import load_catalogue
from souk.settings import Settings
from tests.integration.search.helpers import isolated


async def _with_es(settings: Settings, action: str) -> None:
    es: AsyncElasticsearch = async_client(settings, timeout=60.0)
    try:
        if action == "load":
            await ensure_catalog(es, settings)
            sellers, listings = load_catalogue()
            await index_rows(es, settings.catalog_alias, sellers, listings)
        else:
            await drop_catalog(es, settings)
    finally:
        await es.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def loaded_catalog(settings: Settings) -> Iterator[Settings]:
    """Settings whose alias holds the fixture catalogue (dropped after the module)."""
    mine = isolated(settings)
    asyncio.run(_with_es(mine, "load"))
    yield mine
    asyncio.run(_with_es(mine, "drop"))
