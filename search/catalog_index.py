"""The catalog index's life cycle: create behind the alias, find, swap atomically."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError

from search.mapping import (
    catalog_mappings,
    catalog_settings,
    sellers_index_name,
    sellers_mappings,
)
from souk.settings import Settings

log = logging.getLogger(__name__)


def new_index_name(alias: str) -> str:
    return f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


async def ensure_sellers_store(es: AsyncElasticsearch, settings: Settings) -> str:
    name = sellers_index_name(settings)
    if not await es.indices.exists(index=name):
        await es.options(ignore_status=400).indices.create(
            index=name,
            settings={"number_of_shards": 1, "number_of_replicas": 0},
            mappings=sellers_mappings(),
        )
    return name


async def create_catalog_index(
    es: AsyncElasticsearch, settings: Settings, *, building: bool = False
) -> str:
    """Create a new, empty catalog index (not yet behind the alias) and return its name."""
    name = new_index_name(settings.catalog_alias)
    await es.indices.create(
        index=name,
        settings=catalog_settings(settings, building=building),
        mappings=catalog_mappings(),
    )
    await ensure_sellers_store(es, settings)
    log.info("created catalog index %s", name)
    return name


async def indices_behind(es: AsyncElasticsearch, alias: str) -> list[str]:
    try:
        found = await es.indices.get_alias(name=alias)
    except NotFoundError:
        return []
    return sorted(found.body)


async def ensure_catalog(es: AsyncElasticsearch, settings: Settings) -> str:
    """Make sure the alias points at an index (creating a first one); return that index.

    Several worker processes may start at once: the first index has a fixed name, so they
    all create (one wins, the others get "already exists") and attach the same index.
    """
    current = await indices_behind(es, settings.catalog_alias)
    if not current:
        first = f"{settings.catalog_alias}-initial"
        await es.options(ignore_status=400).indices.create(
            index=first, settings=catalog_settings(settings), mappings=catalog_mappings()
        )
        if not await indices_behind(es, settings.catalog_alias):
            add = {"add": {"index": first, "alias": settings.catalog_alias, "is_write_index": True}}
            await es.indices.update_aliases(actions=[add])
        current = await indices_behind(es, settings.catalog_alias)
    await add_missing_fields(es, current[-1])
    await ensure_sellers_store(es, settings)
    return current[-1]


def fields_to_add(
    wanted: dict[str, Any], have: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """What of the ``wanted`` mapping properties an index with ``have`` lacks (to put on it:
    adding a field never conflicts), and the dotted names of the fields both have but define
    differently (only a new index takes those)."""
    missing: dict[str, Any] = {}
    differing: list[str] = []
    for name, spec in wanted.items():
        old = have.get(name)
        if old is None:
            missing[name] = spec
        elif "properties" in spec and "properties" in old:
            inner, changed = fields_to_add(
                spec["properties"], old["properties"], f"{prefix}{name}."
            )
            if inner:
                missing[name] = {"properties": inner}
            differing += changed
        elif not _defined_as(old, spec):
            differing.append(prefix + name)
    return missing, differing


def _defined_as(stored: Any, wanted: Any) -> bool:
    """Whether Elasticsearch's stored definition says what ``wanted`` says: it adds the
    defaults left out (``preserve_position_increments``) and writes some values its own way
    (a context ``type`` in capitals)."""
    if isinstance(wanted, dict):
        return isinstance(stored, dict) and all(
            k in stored and _defined_as(stored[k], v) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(wanted)
            and all(map(_defined_as, stored, wanted))
        )
    if isinstance(wanted, str):
        return isinstance(stored, str) and stored.casefold() == wanted.casefold()
    return bool(stored == wanted)


async def add_missing_fields(es: AsyncElasticsearch, index: str) -> list[str]:
    """Give an index made by an older version of the code the fields added since (documents
    written from now on carry them; ``souk search reindex`` gives them to the older ones).

    Fields the index already has stay as they are: those defined differently now are logged
    and returned (a reindex builds an index with the current mapping).
    """
    found = await es.indices.get_mapping(index=index)
    have = found[index]["mappings"].get("properties", {})
    missing, differing = fields_to_add(catalog_mappings()["properties"], have)
    if missing:
        await es.indices.put_mapping(index=index, properties=missing)
        log.info("catalog index %s: added fields %s", index, ", ".join(sorted(missing)))
    if differing:
        log.warning(
            "catalog index %s defines %s differently from the current mapping; "
            "`souk search reindex` builds an index with the current one",
            index, ", ".join(differing),
        )  # fmt: skip
    return differing


async def swap_alias(es: AsyncElasticsearch, alias: str, new_index: str) -> list[str]:
    """Point the alias at ``new_index`` alone, in one atomic ``_aliases`` call.

    Searches see the old index or the new one, never neither. Returns the old indices.
    """
    old = [name for name in await indices_behind(es, alias) if name != new_index]
    actions: list[dict[str, object]] = [{"remove": {"index": name, "alias": alias}} for name in old]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    await es.indices.update_aliases(actions=actions)
    log.info("alias %s now points at %s (was %s)", alias, new_index, ", ".join(old) or "nothing")
    return old


async def drop_catalog(es: AsyncElasticsearch, settings: Settings) -> None:
    """Delete every index behind the alias and the sellers' store (tests, benchmarks)."""
    for name in await indices_behind(es, settings.catalog_alias):
        await es.options(ignore_status=404).indices.delete(index=name)
    await es.options(ignore_status=404).indices.delete(index=sellers_index_name(settings))
