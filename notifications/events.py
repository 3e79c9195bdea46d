"""Records of ``souk.domain-events`` (the relay's JSON) to :class:`core.events.DomainEvent`.

A record that cannot be read (not JSON, a missing or mistyped member, an unknown event type, a
payload without the fields its type always carries) raises :class:`MalformedEventError`; the
agent dead-letters it with that reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson

from core.events import DomainEvent
from souk.errors import SoukError


class MalformedEventError(SoukError):
    """A domain-event record the notifier cannot read; the reason goes to the dead letter."""


def parse_event(value: bytes | str | None) -> DomainEvent:
    """Parse and check one domain-event record."""
    if value is None:
        raise MalformedEventError("record has no value")
    try:
        record = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise MalformedEventError(f"value is not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise MalformedEventError("value is not a JSON object")
    event_id = uuid_member(record, "event_id")
    texts = {name: _text(record, name) for name in ("event_type", "aggregate_type", "aggregate_id")}
    version, payload = record.get("version"), record.get("payload")
    if isinstance(version, bool) or not isinstance(version, int):
        raise MalformedEventError(f"version must be an integer, got {version!r}")
    if not isinstance(payload, dict):
        raise MalformedEventError("payload is not a JSON object")
    try:
        return DomainEvent(
            event_type=texts["event_type"],
            aggregate_type=texts["aggregate_type"],
            aggregate_id=texts["aggregate_id"],
            version=version,
            payload=payload,
            event_id=event_id,
            occurred_at=_timestamp(record.get("occurred_at")),
        )
    except ValueError as exc:  # unknown type, payload lacking its fields
        raise MalformedEventError(str(exc)) from exc


def uuid_member(record: dict[str, Any], name: str) -> uuid.UUID:
    """``record[name]`` as a UUID, or :class:`MalformedEventError` naming the member."""
    value = record.get(name)
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else _not_a_uuid(name, value)
    except ValueError as exc:
        raise MalformedEventError(f"{name} must be a UUID, got {value!r}") from exc


def _not_a_uuid(name: str, value: object) -> uuid.UUID:
    raise MalformedEventError(f"{name} must be a UUID, got {value!r}")


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedEventError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise MalformedEventError(f"occurred_at must be an ISO timestamp, got {value!r}")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedEventError(f"occurred_at must be an ISO timestamp, got {value!r}") from exc
