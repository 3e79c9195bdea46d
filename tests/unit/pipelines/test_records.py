"""Row changes and outbox rows become the Kafka records of the contract (docs/RELAY.md)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from core.events import DomainEvent
from pipelines.relay.records import Position, RecordBuilder, RelayRecord, SnapshotRow
from pipelines.relay.wal2json import Begin, RowChange
from pipelines.topics import RelayTopics

TXN = Begin(xid=900, commit_lsn=5_000, commit_time="2026-11-25T10:00:00+00:00")
builder = RecordBuilder(RelayTopics("t1."))


def change(op: str, table: str = "listings", **rows: dict[str, Any] | None) -> RowChange:
    return RowChange(
        op=op,
        xid=900,
        lsn=4_000,
        schema="public",
        table=table,
        after=rows.get("after"),
        before=rows.get("before"),
        pk=("event_id",) if table == "outbox" else ("id",),
    )


def value(record: RelayRecord) -> dict[str, Any]:
    decoded: dict[str, Any] = orjson.loads(record.value)
    return decoded


def test_insert_record() -> None:
    [record] = builder.for_change(change("c", after={"id": 7, "price": 10.5}), TXN)
    assert record.topic == "t1.souk.cdc.listings"
    assert record.key == b"7"
    assert value(record) == {
        "op": "c",
        "table": "listings",
        "schema": "public",
        "key": {"id": 7},
        "before": None,
        "after": {"id": 7, "price": 10.5},
        "lsn": 4_000,
        "commit_lsn": 5_000,
        "xid": 900,
        "commit_time": "2026-11-25T10:00:00+00:00",
        "snapshot": False,
    }
    assert dict(record.headers) == {"lsn": b"4000", "commit_lsn": b"5000", "xid": b"900"}


def test_delete_is_keyed_by_the_old_row() -> None:
    [record] = builder.for_change(change("d", before={"id": "a"}), TXN)
    assert record.key == b"a"
    assert value(record)["after"] is None
    assert value(record)["key"] == {"id": "a"}


def test_primary_key_change_is_a_delete_and_a_create() -> None:
    update = change("u", before={"id": "old"}, after={"id": "new", "price": 1})
    delete, create = builder.for_change(update, TXN)
    assert (delete.key, value(delete)["op"], value(delete)["after"]) == (b"old", "d", None)
    assert (create.key, value(create)["op"]) == (b"new", "c")


def test_replica_identity_full_fills_unchanged_toast_columns() -> None:
    before = {"id": 1, "description": "long text kept in TOAST", "price": 1}
    [record] = builder.for_change(change("u", before=before, after={"id": 1, "price": 2}), TXN)
    assert value(record)["after"] == {"id": 1, "price": 2, "description": "long text kept in TOAST"}


def test_tables_not_relayed_give_nothing() -> None:
    assert builder.for_change(change("c", table="users", after={"id": 1}), TXN) == []


def test_outbox_insert_is_a_domain_event_envelope() -> None:
    event = DomainEvent(
        "ListingArchived", "listing", "L-1", 3, {"listing_id": "L-1", "seller_id": "S-1"}
    )
    row = {**event.envelope(), "extra_column": "ignored"}
    [record] = builder.for_change(change("c", table="outbox", after=row), TXN)
    assert record.topic == "t1.souk.domain-events"
    assert record.key == b"L-1"
    assert value(record) == {
        **event.envelope(),
        "lsn": 4_000,
        "commit_lsn": 5_000,
        "xid": 900,
        "commit_time": TXN.commit_time,
    }


def test_outbox_updates_and_deletes_are_not_events() -> None:
    row = {"event_id": str(uuid.uuid4()), "aggregate_id": "x"}
    assert builder.for_change(change("u", table="outbox", after=row, before=row), TXN) == []
    assert builder.for_change(change("d", table="outbox", before=row), TXN) == []


def test_snapshot_rows() -> None:
    at = Position(lsn=100, commit_lsn=200, xid=0, commit_time="t", snapshot=True)
    row = SnapshotRow("public", "sellers", ("id",), 55, {"id": "s", "name": "Nile Motors"})
    record = builder.snapshot_row(row, Position(100, 200, 55, "t", snapshot=True))
    assert record.topic == "t1.souk.cdc.sellers"
    assert value(record)["op"] == "r"
    assert value(record)["snapshot"] is True
    assert (value(record)["lsn"], value(record)["commit_lsn"], value(record)["xid"]) == (
        100,
        200,
        55,
    )
    outbox = SnapshotRow("public", "outbox", ("event_id",), 56, {"aggregate_id": "L-2"})
    assert builder.snapshot_row(outbox, at).topic == "t1.souk.domain-events"


def test_composite_keys_are_json_arrays() -> None:
    composite = RowChange("c", 1, 1, "public", "inventory", {"a": 1, "b": "x"}, None, ("a", "b"))
    [record] = builder.for_change(composite, TXN)
    assert record.key == b'[1,"x"]'
