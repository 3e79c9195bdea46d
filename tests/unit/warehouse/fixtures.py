"""Fixture events in the platform's contract shapes, for the warehouse's tests."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from souk.topics import DOMAIN_EVENTS, LISTING_VIEWS, RESULT_CLICKS, SEARCHES
from warehouse.decoding import IncomingRecord


def behaviour(event_type: str, at: datetime, payload: dict[str, Any], *,
              user_id: str | None = None, session_id: str = "s-1",
              event_id: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": at.isoformat(),
        "user_id": user_id,
        "session_id": session_id,
        "payload": payload,
    }


def domain(event_type: str, at: datetime, payload: dict[str, Any], *,
           aggregate_id: str = "agg", event_id: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "aggregate_type": event_type.split("Published")[0].lower(),
        "aggregate_id": aggregate_id,
        "version": 1,
        "occurred_at": at.isoformat(),
        "payload": payload,
        "lsn": "0/16B3748",
        "commit_lsn": "0/16B3748",
        "xid": 1234,
        "commit_time": at.isoformat(),
    }


TOPIC_OF = {
    "SearchPerformed": SEARCHES,
    "SearchResultClicked": RESULT_CLICKS,
    "ListingViewed": LISTING_VIEWS,
}


def records(events: list[dict[str, Any]], *, start_offset: int = 0) -> list[IncomingRecord]:
    """Kafka records for ``events``, each on its contract topic, in order."""
    out = []
    for i, event in enumerate(events):
        topic = TOPIC_OF.get(event["event_type"], DOMAIN_EVENTS)
        out.append(IncomingRecord(topic, 0, start_offset + i, b"k", json.dumps(event).encode()))
    return out
