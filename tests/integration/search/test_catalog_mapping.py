"""An index made by an older version of the code gets the fields added since, at start-up."""

from __future__ import annotations

import copy
import logging

import pytest

from search.catalog_index import add_missing_fields, drop_catalog, ensure_catalog, fields_to_add
from search.elastic import async_client
from search.mapping import catalog_mappings, catalog_settings
from souk.settings import Settings
from tests.integration.search.helpers import isolated

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_a_new_index_has_the_current_mapping_as_it_is(settings: Settings) -> None:
    mine = isolated(settings)
    es = async_client(mine, timeout=60.0)
    try:
        index = await ensure_catalog(es, mine)
        have = (await es.indices.get_mapping(index=index))[index]["mappings"]["properties"]
        assert fields_to_add(catalog_mappings()["properties"], have) == ({}, [])
    finally:
        await drop_catalog(es, mine)
        await es.close()


async def test_an_older_index_gets_new_fields_and_keeps_the_changed_ones(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    mine = isolated(settings)
    older = copy.deepcopy(catalog_mappings())
    gone = older["properties"]
    del gone["listing_key_high"], gone["listing_key_low"]
    del gone["search"]["properties"]["title"]  # a field inside an object field
    gone["seller_rating"] = {"type": "keyword"}  # since changed: only a reindex can apply it
    es = async_client(mine, timeout=60.0)
    first = f"{mine.catalog_alias}-initial"
    try:
        await es.indices.create(index=first, settings=catalog_settings(mine), mappings=older)
        await es.indices.put_alias(index=first, name=mine.catalog_alias, is_write_index=True)
        with caplog.at_level(logging.INFO, logger="search.catalog_index"):
            assert await ensure_catalog(es, mine) == first
        have = (await es.indices.get_mapping(index=first))[first]["mappings"]["properties"]
        wanted = catalog_mappings()["properties"]
        assert have["listing_key_high"] == wanted["listing_key_high"]
        assert have["listing_key_low"] == wanted["listing_key_low"]
        assert have["search"]["properties"]["title"] == wanted["search"]["properties"]["title"]
        assert have["seller_rating"] == {"type": "keyword"}
        assert fields_to_add(wanted, have) == ({}, ["seller_rating"])
        assert "defines seller_rating differently" in caplog.text
        assert await add_missing_fields(es, first) == ["seller_rating"]  # again: nothing to add
    finally:
        await drop_catalog(es, mine)
        await es.close()
