from __future__ import annotations

import json
from typing import Any

import pytest

from search.changes import RowChange, newest_per_key
from streams.cdc import MalformedChangeError, parse_change

ROW = {"id": "l1", "seller_id": "s1", "status": "active", "category": "car", "year": 2018}


def record(**changes: Any) -> bytes:
    base = {"op": "u", "table": "listings", "key": {"id": "l1"}, "before": None,
            "after": ROW, "lsn": 7, "snapshot": False}  # fmt: skip
    return json.dumps(base | changes).encode()


def test_parses_a_valid_change_and_a_delete() -> None:
    change = parse_change(record(), table="listings")
    assert (change.key, change.lsn, change.row) == ("l1", 7, ROW)
    deleted = parse_change(record(op="d", after=None, before=ROW), table="listings")
    assert deleted.deleted
    assert deleted.before == ROW


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"{oops", "not JSON"),
        (record(op="x"), "op"),
        (record(lsn="7"), "lsn"),
        (record(lsn=True), "lsn"),
        (record(table="sellers"), "table"),
        (record(key={}), "key.id"),
        (record(after=None), "without an 'after'"),
        (record(after=ROW | {"id": "other"}), "differs"),
        (record(after=ROW | {"status": "flying"}), "status"),
        (record(after=ROW | {"year": "2018"}), "year"),
        (record(after=ROW | {"latitude": "north"}), "latitude"),
    ],
)
def test_refuses_malformed_records(value: bytes, reason: str) -> None:
    with pytest.raises(MalformedChangeError, match=reason):
        parse_change(value, table="listings")


def test_newest_per_key_collapses_duplicates_and_reordering() -> None:
    changes = [RowChange("listings", "a", "u", lsn, {"id": "a", "n": lsn}) for lsn in (3, 1, 3, 2)]
    assert [c.lsn for c in newest_per_key(changes)] == [3]
