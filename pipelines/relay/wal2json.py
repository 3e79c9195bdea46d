"""wal2json format-version 2: the plugin options the relay asks for, and its messages parsed.

With ``include-transaction`` (the default) every decoded transaction arrives as a ``B``
message, one message per row change (``I``, ``U``, ``D``, ``T`` for truncate) and a ``C``
message. PostgreSQL decodes a transaction only once it has committed, so ``B`` already
carries the commit's LSN (``nextlsn``, the end of the commit record) and time. Transactions
that touch none of the ``add-tables`` are not sent at all, unless they emitted a logical
message: the relay asks only for ``souk.trace`` ones (``add-msg-prefixes``); a transactional
one arrives as ``M`` after ``B``, before the changes written after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipelines.relay.lsn import parse_lsn
from pipelines.relay.pg_values import converter_for, parse_json, timestamptz_iso
from souk.tracing import TRACE_MESSAGE_PREFIX

PLUGIN = "wal2json"
_OPS = {"I": "c", "U": "u", "D": "d"}


def plugin_options(schema: str, tables: Iterable[str]) -> dict[str, str]:
    """START_REPLICATION options: version 2, with xids, LSNs, commit times, types and pks."""
    return {
        "format-version": "2",
        "include-transaction": "1",
        "include-xids": "1",
        "include-lsn": "1",
        "include-timestamp": "1",
        "include-types": "1",
        "include-typmod": "0",
        "include-pk": "1",
        "add-tables": ",".join(f"{_escape(schema)}.{_escape(table)}" for table in tables),
        "add-msg-prefixes": TRACE_MESSAGE_PREFIX,
    }


def _escape(name: str) -> str:
    # add-tables separates with "," and ".", and treats "*" as a wildcard
    return "".join("\\" + char if char in ",.* \\" else char for char in name)


@dataclass(frozen=True, slots=True)
class Begin:
    """A committed transaction starts; the commit's position and time are known already."""

    xid: int
    commit_lsn: int  # the end of the commit record: what the relay confirms to PostgreSQL
    commit_time: str  # ISO 8601


@dataclass(frozen=True, slots=True)
class Commit:
    xid: int
    commit_lsn: int


# Built once per change: plain (not frozen) slotted dataclasses build five times faster.
@dataclass(slots=True)
class RowChange:
    """One inserted (``c``), updated (``u``) or deleted (``d``) row."""

    op: str
    xid: int
    lsn: int  # the change's own WAL position
    schema: str
    table: str
    after: dict[str, Any] | None  # the new row (inserts, updates)
    before: dict[str, Any] | None  # the replica identity: the pk, or the whole old row (FULL)
    pk: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Truncate:
    xid: int
    lsn: int
    schema: str
    table: str


@dataclass(frozen=True, slots=True)
class LogicalMessage:
    """``pg_logical_emit_message``: a ``transactional`` one belongs to the open transaction."""

    prefix: str
    content: str
    transactional: bool


WalMessage = Begin | Commit | RowChange | Truncate | LogicalMessage


def parse_message(payload: bytes | str) -> WalMessage | None:
    """One wal2json message; None for an action the relay does not know."""
    data = parse_json(payload)
    action = data["action"]
    op = _OPS.get(action)
    if op is not None:
        columns = data.get("columns")
        identity = data.get("identity")
        return RowChange(
            op=op,
            xid=data["xid"],
            lsn=parse_lsn(data["lsn"]),
            schema=data["schema"],
            table=data["table"],
            after=None if columns is None else _row(columns),
            before=None if identity is None else _row(identity),
            pk=tuple(column["name"] for column in data.get("pk", ())),
        )
    if action == "B":
        return Begin(
            xid=data["xid"],
            commit_lsn=parse_lsn(data["nextlsn"]),
            commit_time=timestamptz_iso(data["timestamp"]),
        )
    if action == "C":
        return Commit(xid=data["xid"], commit_lsn=parse_lsn(data["nextlsn"]))
    if action == "T":
        return Truncate(
            xid=data["xid"], lsn=parse_lsn(data["lsn"]), schema=data["schema"], table=data["table"]
        )
    if action == "M":
        return LogicalMessage(
            prefix=data.get("prefix", ""),
            content=data.get("content", ""),
            transactional=bool(data.get("transactional")),
        )
    return None


def _row(columns: list[dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in columns:
        value = column["value"]
        if value is not None:
            convert = converter_for(column["type"])
            if convert is not None:
                value = convert(value)
        row[column["name"]] = value
    return row
