"""CDC records (JSON from the relay) to :class:`RowChange`, refusing malformed ones."""

from __future__ import annotations

from typing import Any

import orjson

from search.changes import RowChange
from souk.errors import SoukError

OPS = frozenset({"r", "c", "u", "d"})
LISTING_STATUSES = frozenset({"draft", "active", "reserved", "sold", "archived"})
CATEGORIES = frozenset({"car", "part", "service"})
SELLER_TYPES = frozenset({"dealer", "individual"})
_LISTING_NUMBERS = ("year", "mileage_km", "price_egp")
_LISTING_COORDINATES = ("latitude", "longitude")


class MalformedChangeError(SoukError):
    """A CDC record that cannot be applied; it goes to the dead-letter topic with this reason."""


def _check_listing(row: dict[str, Any]) -> None:
    for name in ("seller_id", "status", "category"):
        if not row.get(name):
            raise MalformedChangeError(f"listing row has no {name}")
    if row["status"] not in LISTING_STATUSES:
        raise MalformedChangeError(f"listing status {row['status']!r} is not one we know")
    if row["category"] not in CATEGORIES:
        raise MalformedChangeError(f"listing category {row['category']!r} is not one we know")
    for name in _LISTING_NUMBERS:
        value = row.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise MalformedChangeError(f"listing {name} must be an integer, got {value!r}")
    for name in _LISTING_COORDINATES:
        value = row.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise MalformedChangeError(f"listing {name} must be a number, got {value!r}")
    for name in ("photos", "compatible"):
        if row.get(name) is not None and not isinstance(row[name], list):
            raise MalformedChangeError(f"listing {name} must be a list")


def _check_seller(row: dict[str, Any]) -> None:
    if row.get("seller_type") not in SELLER_TYPES:
        raise MalformedChangeError(f"seller_type {row.get('seller_type')!r} is not one we know")
    if not isinstance(row.get("display_name"), str):
        raise MalformedChangeError("seller row has no display_name")


def parse_change(value: bytes | str | None, *, table: str) -> RowChange:
    """Parse and check one CDC record of ``table`` (``listings`` or ``sellers``)."""
    if value is None:
        raise MalformedChangeError("record has no value")
    try:
        record = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise MalformedChangeError(f"value is not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise MalformedChangeError("value is not a JSON object")
    op, lsn = record.get("op"), record.get("lsn")
    if op not in OPS:
        raise MalformedChangeError(f"op {op!r} is not one of r, c, u, d")
    if record.get("table") != table:
        raise MalformedChangeError(f"table {record.get('table')!r} on the {table} topic")
    if isinstance(lsn, bool) or not isinstance(lsn, int) or lsn < 0:
        raise MalformedChangeError(f"lsn must be a non-negative integer, got {lsn!r}")
    key = record.get("key")
    if not isinstance(key, dict) or not key.get("id"):
        raise MalformedChangeError("record has no key.id")
    after, before = record.get("after"), record.get("before")
    if op == "d":
        return RowChange(
            table, str(key["id"]), op, lsn, None, before if isinstance(before, dict) else None
        )
    if not isinstance(after, dict):
        raise MalformedChangeError(f"op {op!r} without an 'after' row")
    if str(after.get("id")) != str(key["id"]):
        raise MalformedChangeError("after.id differs from key.id")
    (_check_listing if table == "listings" else _check_seller)(after)
    return RowChange(table, str(key["id"]), op, lsn, after)
