"""Domain-event records: read like the core wrote them, refused with a reason otherwise."""

from __future__ import annotations

import json
from typing import Any

import pytest

from notifications.events import MalformedEventError, parse_event
from tests.unit.notifications.world import lead_created, record_of


def test_reads_the_record_the_relay_publishes() -> None:
    event = lead_created()
    parsed = parse_event(record_of(event))
    assert parsed == event


def changed(**changes: Any) -> bytes:
    value = json.loads(record_of(lead_created())) | changes
    return json.dumps(value).encode()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "no value"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (changed(event_id="E1"), "event_id must be a UUID"),
        (changed(event_id=7), "event_id must be a UUID"),
        (changed(event_type=""), "event_type must be a non-empty string"),
        (changed(event_type="LeadEaten"), "unknown domain event type 'LeadEaten'"),
        (changed(version="1"), "version must be an integer"),
        (changed(payload=[]), "payload is not a JSON object"),
        (changed(payload={"lead_id": "x"}), "LeadCreated payload lacks listing_id"),
        (changed(occurred_at="yesterday"), "occurred_at must be an ISO timestamp"),
    ],
)
def test_refuses_malformed_records_with_the_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(MalformedEventError, match=reason):
        parse_event(value)
