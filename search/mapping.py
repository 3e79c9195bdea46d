"""Settings and mappings of the catalog index and of the sellers' store.

Text arrives pre-analysed by :mod:`search.analysis` (normalised, stemmed, canonical
synonym tokens, phonetic skeletons) and is split on whitespace here, so the index needs
only Elasticsearch's core and behaves the same on any cluster.
"""

from __future__ import annotations

from typing import Any

from souk.settings import Settings

_TOKENS = {"type": "text", "analyzer": "whitespace", "similarity": "BM25"}
_KEYWORD = {"type": "keyword"}
_STORED_ONLY = {"type": "object", "enabled": False}

FACET_FIELDS: dict[str, str] = {
    "category": "category",
    "make": "make",
    "model": "model",
    "body": "body_type",
    "fuel": "fuel",
    "transmission": "transmission",
    "colour": "colour",
    "condition": "condition",
    "governorate": "governorate",
    "city": "city",
    "seller_type": "seller_type",
}


# The listing id as two numbers, the sorts' unique tie-breaker (search.documents.listing_key):
# sorted on, never searched, so doc values only.
LISTING_KEY_FIELDS: dict[str, Any] = {
    "listing_key_high": {"type": "long", "index": False},
    "listing_key_low": {"type": "long", "index": False},
}


def catalog_mappings() -> dict[str, Any]:
    keywords = [
        "listing_id", "seller_id", "category", "status", "make", "model", "body_type", "fuel",
        "transmission", "colour", "condition", "governorate", "city", "seller_type",
        "part_number", "compatible_makes", "compatible_models", "service_type",
    ]  # fmt: skip
    properties: dict[str, Any] = {name: dict(_KEYWORD) for name in keywords}
    # Every search counts the facets: their global ordinals are built when a refresh opens
    # new segments, not by the first search after it.
    for field in FACET_FIELDS.values():
        properties[field]["eager_global_ordinals"] = True
    properties |= {
        "year": {"type": "short"},
        "price_egp": {"type": "long"},
        "mileage_km": {"type": "integer"},
        "negotiable": {"type": "boolean"},
        "installments_available": {"type": "boolean"},
        "seller_verified": {"type": "boolean"},
        "seller_rating": {"type": "float"},
        "location": {"type": "geo_point"},
        "published_at": {"type": "date"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "listing_lsn": {"type": "long", "index": False},
        **LISTING_KEY_FIELDS,
        "seller_lsn": {"type": "long", "index": False},
        "deleted": {"type": "boolean"},
        "search": {
            "properties": {
                "title": dict(_TOKENS),
                "body": dict(_TOKENS),
                "attrs": dict(_TOKENS),
                "canon": dict(_TOKENS),
                "phonetic": dict(_TOKENS),
                "surface": {
                    **_TOKENS,
                    "index_prefixes": {"min_chars": 2, "max_chars": 8},
                },
            }
        },
        "suggest": {
            "type": "completion",
            "analyzer": "whitespace",
            "preserve_separators": True,
            "max_input_length": 80,
            "contexts": [{"name": "status", "type": "category"}],
        },
        "listing": dict(_STORED_ONLY),
        "seller": dict(_STORED_ONLY),
    }
    # The analysed tokens are rebuilt from ``listing`` whenever needed: don't store them twice.
    return {"dynamic": "strict", "_source": {"excludes": ["search", "suggest"]},
            "properties": properties}  # fmt: skip


def catalog_settings(settings: Settings, *, building: bool = False) -> dict[str, Any]:
    """Index settings; while a reindex builds, refresh is off until the alias swap."""
    return {
        "number_of_shards": settings.catalog_index_shards,
        "number_of_replicas": 0,
        "refresh_interval": "-1" if building else settings.catalog_refresh_interval,
        "max_result_window": max(settings.search_max_offset + settings.search_max_page_size, 10000),
    }


def sellers_mappings() -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "properties": {
            "seller": dict(_STORED_ONLY),
            "lsn": {"type": "long", "index": False},
            "deleted": {"type": "boolean"},
        },
    }


def sellers_index_name(settings: Settings) -> str:
    """The sellers' store: the latest seller rows, read when denormalising listings."""
    return f"{settings.catalog_alias}-sellers"
