"""Decoding a micro-batch: typed tables, dates in Cairo, reasons for what is rejected."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from souk.topics import DOMAIN_EVENTS, LISTING_VIEWS
from tests.unit.warehouse.fixtures import behaviour, records
from tests.unit.warehouse.scenario import first_batch
from warehouse.decoding import IncomingRecord, batch_id, decode_batch

NOW = datetime(2026, 3, 3, tzinfo=UTC)


def view(**payload: object) -> dict[str, object]:
    payload = {"listing_id": "L1", "seller_id": "S1", "source": "search", **payload}
    return behaviour("ListingViewed", datetime(2026, 3, 1, 23, 30, tzinfo=UTC), payload)


def test_a_batch_splits_into_one_typed_frame_per_event_type() -> None:
    decoded = decode_batch(records(first_batch()), timezone="Africa/Cairo", received_at=NOW)
    assert decoded.rejections == []
    assert {name: f.height for name, f in decoded.frames.items()} == {
        "seller_registered": 2, "listing_published": 7, "searches": 3, "result_clicks": 1,
        "listing_views": 4, "lead_created": 1, "order_placed": 1, "payment_captured": 1,
    }  # fmt: skip
    searches = decoded.frames["searches"]
    assert searches["results_shown"].to_list()[0] == ["L1", "L2", "L4"]
    assert searches["results_count"].to_list() == [3, 2, 0]  # written beside the list
    assert json.loads(searches["filters_json"][0]) == {"category": "car"}
    order = decoded.frames["order_placed"].row(0, named=True)
    assert order["total_egp"] == 10_000
    assert json.loads(order["payload_json"])["items"][0]["listing_id"] == "L1"


def test_the_date_is_the_local_date_in_cairo() -> None:
    decoded = decode_batch(records([view()]), timezone="Africa/Cairo", received_at=NOW)
    assert decoded.frames["listing_views"]["event_date"].to_list() == [date(2026, 3, 2)]


def test_malformed_records_are_rejected_with_a_reason_and_the_rest_kept() -> None:
    good = records([view()])[0]
    batch = [
        good,
        IncomingRecord(LISTING_VIEWS, 1, 7, b"k", b"{not json"),
        IncomingRecord(LISTING_VIEWS, 1, 8, b"k", None),
        IncomingRecord(LISTING_VIEWS, 1, 9, b"k", json.dumps(view(listing_id=None)).encode()),
        IncomingRecord(
            LISTING_VIEWS, 1, 10, b"k", json.dumps({**view(), "event_id": None}).encode()
        ),
        IncomingRecord(
            LISTING_VIEWS, 1, 11, b"k", json.dumps({**view(), "occurred_at": "soon"}).encode()
        ),
        IncomingRecord(
            LISTING_VIEWS, 1, 12, b"k", json.dumps({**view(), "event_type": "Nope"}).encode()
        ),
        IncomingRecord(
            DOMAIN_EVENTS,
            0,
            3,
            b"k",
            json.dumps(
                {**view(), "event_type": "LeadCreated", "payload": {"lead_id": "x"}}
            ).encode(),
        ),
    ]
    decoded = decode_batch(batch, timezone="Africa/Cairo", received_at=NOW)
    reasons = {r.index: r.reason for r in decoded.rejections}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7]
    assert reasons[1].startswith("not a valid event record")
    assert reasons[2] == "value is empty or not UTF-8 text"
    assert reasons[3] == "ListingViewed payload lacks listing_id"
    assert reasons[4] == "missing event_id"
    assert reasons[5] == "occurred_at is missing or not an ISO 8601 time"
    assert reasons[6] == "event_type Nope does not belong on this topic"
    assert reasons[7] == "LeadCreated payload lacks listing_id"
    assert decoded.frames["listing_views"].height == 1


def test_the_batch_id_depends_only_on_the_records_coordinates() -> None:
    batch = records(first_batch())
    assert batch_id(batch) == batch_id(list(batch))
    assert batch_id(batch) != batch_id(batch[1:])


def test_a_malformed_record_in_a_large_batch_is_named_and_every_other_record_kept() -> None:
    values = [json.dumps(view(listing_id=f"L{i}")).encode() for i in range(1000)]
    batch = [IncomingRecord(LISTING_VIEWS, 2, 100 + i, b"k", v) for i, v in enumerate(values)]
    culprits = {
        17: b"{not json",
        400: json.dumps({**view(), "payload": "L1"}).encode(),
        401: b"   ",
        777: b"[1, 2]",
    }
    for index, value in culprits.items():
        batch[index] = IncomingRecord(LISTING_VIEWS, 2, 100 + index, b"k", value)
    decoded = decode_batch(batch, timezone="Africa/Cairo", received_at=NOW)
    reasons = {r.index: r.reason for r in decoded.rejections}
    assert sorted(reasons) == sorted(culprits)
    assert all(reason.startswith("not a valid event record: ") for reason in reasons.values())
    assert "Struct" in reasons[400]  # the parser's own words: a string where an object belongs
    views = decoded.frames["listing_views"]
    kept = [i for i in range(1000) if i not in culprits]
    assert views["source_offset"].to_list() == [100 + i for i in kept]
    assert views["listing_id"].to_list() == [f"L{i}" for i in kept]
    assert set(views["source_partition"].to_list()) == {2}


def test_a_value_spread_over_lines_is_still_one_record() -> None:
    pretty = json.dumps(view(listing_id="L9"), indent=2).encode()
    batch = [*records([view()]), IncomingRecord(LISTING_VIEWS, 0, 5, b"k", pretty)]
    decoded = decode_batch(batch, timezone="Africa/Cairo", received_at=NOW)
    assert decoded.rejections == []
    assert decoded.frames["listing_views"]["listing_id"].to_list() == ["L1", "L9"]


def test_a_batch_of_nothing_but_malformed_records_yields_only_rejections() -> None:
    batch = [IncomingRecord(DOMAIN_EVENTS, 0, i, b"k", b"{oops") for i in range(3)]
    decoded = decode_batch(batch, timezone="Africa/Cairo", received_at=NOW)
    assert decoded.frames == {}
    assert [r.index for r in decoded.rejections] == [0, 1, 2]
