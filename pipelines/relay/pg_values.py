"""Column values as wal2json writes them -> the JSON values ``to_jsonb(row)`` gives.

wal2json already writes numbers and booleans as JSON; everything else arrives as
PostgreSQL's text output. The snapshot reads rows with ``to_jsonb``, so a row looks the same
whether it came from the snapshot or from the stream: json/jsonb parsed, timestamps in ISO
8601 (``2026-11-25T23:52:38.123456+00:00``), arrays as JSON arrays. Other types (uuid, text,
date, time, interval, bytea, enums) keep their text form, as ``to_jsonb`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import orjson

Converter = Callable[[str], Any]

_TYPMOD = re.compile(r"\(\d+(?:,\d+)?\)")
_INTEGERS = frozenset({"smallint", "integer", "bigint", "oid"})
_DECIMALS = frozenset({"numeric", "real", "double precision"})
_NOT_JSON_NUMBERS = frozenset({"NaN", "Infinity", "-Infinity"})


def parse_json(text: str | bytes) -> Any:
    return orjson.loads(text)  # integers beyond 64 bits become floats


def timestamptz_iso(text: str) -> str:
    """``2026-11-25 23:52:38.1+00`` -> ``2026-11-25T23:52:38.1+00:00`` (session in UTC)."""
    if text.endswith("+00") and text[10:11] == " ":  # the relay's sessions run in UTC
        return f"{text[:10]}T{text[11:]}:00"
    if not text[:1].isdigit() or text.endswith(" BC"):
        return text  # infinity, -infinity, BC dates: as PostgreSQL spells them
    iso = text.replace(" ", "T", 1)
    sign = max(iso.rfind("+"), iso.rfind("-"))
    if sign > 10 and len(iso) - sign == 3:  # an offset of whole hours: +02 -> +02:00
        return iso + ":00"
    return iso


def timestamp_iso(text: str) -> str:
    """``2026-11-25 23:52:38`` -> ``2026-11-25T23:52:38``."""
    if not text[:1].isdigit() or text.endswith(" BC"):
        return text
    return text.replace(" ", "T", 1)


def _number(text: str) -> Any:
    if text in _NOT_JSON_NUMBERS:
        return text  # as to_jsonb writes them
    return parse_json(text)


def _boolean(text: str) -> bool:
    return text == "t"


def parse_array(text: str, element: Converter | None) -> list[Any]:
    """A PostgreSQL array literal (any depth) -> nested lists; ``NULL`` -> None."""
    if text.startswith("["):  # explicit bounds: [0:1]={...}
        text = text[text.index("=") + 1 :]
    items, _ = _array_level(text, 0, element)
    return items


def _array_level(text: str, i: int, element: Converter | None) -> tuple[list[Any], int]:
    items: list[Any] = []
    i += 1  # past "{"
    if text[i] == "}":
        return items, i + 1
    while True:
        char = text[i]
        if char == "{":
            nested, i = _array_level(text, i, element)
            items.append(nested)
        elif char == '"':
            chars: list[str] = []
            i += 1
            while text[i] != '"':
                if text[i] == "\\":
                    i += 1
                chars.append(text[i])
                i += 1
            i += 1
            raw = "".join(chars)
            items.append(element(raw) if element else raw)
        else:
            end = i
            while text[end] not in ",}":
                end += 1
            raw = text[i:end]
            items.append(None if raw == "NULL" else (element(raw) if element else raw))
            i = end
        if text[i] == ",":
            i += 1
            continue
        return items, i + 1  # past "}"


def _element_converter(base: str) -> Converter | None:
    if base in _INTEGERS:
        return int
    if base in _DECIMALS:
        return _number
    if base == "boolean":
        return _boolean
    return converter_for(base)


@lru_cache(maxsize=512)
def converter_for(type_name: str) -> Converter | None:
    """The conversion for a wal2json type name; None when the value is used as it is."""
    base = _TYPMOD.sub("", type_name).strip()
    if base.endswith("[]"):
        element = _element_converter(base[:-2])
        return lambda text: parse_array(text, element)
    if base in ("json", "jsonb"):
        return parse_json
    if base == "timestamp with time zone":
        return timestamptz_iso
    if base == "timestamp without time zone":
        return timestamp_iso
    return None
