"""Kafka records for row changes (``souk.cdc.<table>``) and outbox rows (``souk.domain-events``).

The value formats are the contract with ``streams/`` and the warehouse; docs/RELAY.md
describes them. Keys are the row's primary key as a UTF-8 string (a JSON array for
composite keys); outbox rows are keyed by their ``aggregate_id``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson

from pipelines.relay.wal2json import Begin, RowChange
from pipelines.topics import RelayTopics
from souk.topics import CDC_TABLES, OUTBOX_TABLE

log = logging.getLogger(__name__)

EVENT_FIELDS = (
    "event_id",
    "event_type",
    "aggregate_type",
    "aggregate_id",
    "version",
    "occurred_at",
    "payload",
)


@dataclass(slots=True)  # not frozen: one per change, built 5x faster
class RelayRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(slots=True)  # not frozen: one per change, built 5x faster
class SnapshotRow:
    """One row read under the slot's exported snapshot."""

    schema: str
    table: str
    pk: tuple[str, ...]
    xid: int  # the row's xmin: the transaction that wrote this version
    values: dict[str, Any]


@dataclass(slots=True)  # not frozen: one per change, built 5x faster
class Position:
    """Where a record sits in the commit order (see docs/RELAY.md, "Ordering")."""

    lsn: int
    commit_lsn: int
    xid: int
    commit_time: str
    snapshot: bool = False


def encode(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value)


def _key(values: list[Any]) -> bytes | None:
    if not values or any(value is None for value in values):
        return None
    if len(values) == 1:
        return str(values[0]).encode()
    return orjson.dumps(values)


class RecordBuilder:
    """Turns decoded changes and snapshot rows into Kafka records for one relay's topics."""

    def __init__(self, topics: RelayTopics, outbox_table: str = OUTBOX_TABLE) -> None:
        self._cdc_topics = {table: topics.cdc(table) for table in CDC_TABLES}
        self._events_topic = topics.domain_events
        self._outbox_table = outbox_table
        self._keyless: set[str] = set()

    def for_change(self, change: RowChange, txn: Begin) -> list[RelayRecord]:
        position = Position(change.lsn, txn.commit_lsn, txn.xid, txn.commit_time)
        if change.table == self._outbox_table:
            if change.op != "c" or change.after is None:
                return []  # only new events; the outbox's cleanup is not news
            return [self.domain_event(change.after, position)]
        topic = self._cdc_topics.get(change.table)
        if topic is None:
            return []
        after, before = change.after, change.before
        if not change.pk and change.table not in self._keyless:
            self._keyless.add(change.table)
            log.warning("table %s has no primary key: its records go without a key", change.table)
        if change.op == "u" and after is not None and before is not None:
            if any(before.get(c, after.get(c)) != after.get(c) for c in change.pk):
                # the primary key changed: the old key is gone, the new one is born
                return [
                    self._row(topic, change, "d", before, None, position),
                    self._row(topic, change, "c", None, after, position),
                ]
            if len(before) > len(change.pk):  # REPLICA IDENTITY FULL: fill unchanged TOAST
                for column, value in before.items():
                    after.setdefault(column, value)
        return [self._row(topic, change, change.op, before, after, position)]

    def _row(
        self,
        topic: str,
        source: RowChange | SnapshotRow,
        op: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        position: Position,
    ) -> RelayRecord:
        keyed = (before if op == "d" else after) or {}
        key = {column: keyed.get(column) for column in source.pk}
        value = {
            "op": op,
            "table": source.table,
            "schema": source.schema,
            "key": key,
            "before": before,
            "after": after,
            "lsn": position.lsn,
            "commit_lsn": position.commit_lsn,
            "xid": position.xid,
            "commit_time": position.commit_time,
            "snapshot": position.snapshot,
        }
        return RelayRecord(topic, _key(list(key.values())), encode(value), _headers(position))

    def snapshot_row(self, row: SnapshotRow, at: Position) -> RelayRecord:
        if row.table == self._outbox_table:
            return self.domain_event(row.values, at)
        return self._row(self._cdc_topics[row.table], row, "r", None, row.values, at)

    def domain_event(self, row: dict[str, Any], position: Position) -> RelayRecord:
        """The outbox row as ``DomainEvent.envelope()``, plus where it sits in the WAL."""
        value = {name: row.get(name) for name in EVENT_FIELDS}
        value["lsn"] = position.lsn
        value["commit_lsn"] = position.commit_lsn
        value["xid"] = position.xid
        value["commit_time"] = position.commit_time
        key = _key([row.get("aggregate_id")])
        if key is None:
            log.warning("outbox event %s lacks aggregate_id: sent unkeyed", value["event_id"])
        return RelayRecord(self._events_topic, key, encode(value), _headers(position))


def _headers(position: Position) -> list[tuple[str, bytes]]:
    return [
        ("lsn", str(position.lsn).encode()),
        ("commit_lsn", str(position.commit_lsn).encode()),
        ("xid", str(position.xid).encode()),
    ]
