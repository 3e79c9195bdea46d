"""Opaque deep-paging cursors: search_after values (and a point in time), signed to a query."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from search.errors import InvalidSearchError


@dataclass(frozen=True)
class Cursor:
    search_after: list[Any]
    pit_id: str | None
    fingerprint: str


def _digest(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:16]


def encode_cursor(search_after: list[Any], pit_id: str | None, fingerprint: str) -> str:
    payload = {"sa": search_after, "pit": pit_id, "q": _digest(fingerprint)}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, fingerprint: str) -> Cursor:
    """Read a cursor back; it must come from a search with the same query and filters."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        search_after, pit_id, digest = payload["sa"], payload["pit"], payload["q"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidSearchError("cursor is not one this API issued") from exc
    if not isinstance(search_after, list) or digest != _digest(fingerprint):
        raise InvalidSearchError(
            "cursor belongs to a different search (query, filters, sort or size changed)"
        )
    return Cursor(search_after, pit_id if isinstance(pit_id, str) else None, fingerprint)
