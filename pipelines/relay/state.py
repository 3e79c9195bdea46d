"""What PostgreSQL knows about a relay: its slot, and whether the slot's snapshot completed.

The snapshot record lives in ``souk_relay.cdc_relay_state`` (a schema of its own, so the
core's Alembic autogenerate never mistakes it for a table to drop). A slot without a record
is a snapshot that died half-way: the relay drops it and starts over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from pipelines.relay.lsn import parse_lsn

Conn = psycopg.Connection[tuple[Any, ...]]

STATE_SCHEMA = "souk_relay"
STATE_TABLE = f"{STATE_SCHEMA}.cdc_relay_state"


@dataclass(frozen=True)
class SlotInfo:
    name: str
    plugin: str | None
    database: str | None
    active_pid: int | None
    restart_lsn: int | None
    confirmed_flush_lsn: int | None


@dataclass(frozen=True)
class SnapshotRecord:
    slot: str
    consistent_lsn: int
    rows: int
    completed_at: datetime


def connect(dsn: str) -> Conn:
    return psycopg.connect(dsn, autocommit=True, options="-c timezone=UTC")


def read_slot(conn: Conn, name: str) -> SlotInfo | None:
    row = conn.execute(
        "SELECT plugin, database, active_pid, restart_lsn::text, confirmed_flush_lsn::text "
        "FROM pg_replication_slots WHERE slot_name = %s",
        (name,),
    ).fetchone()
    if row is None:
        return None
    plugin, database, pid, restart, confirmed = row
    return SlotInfo(
        name=name,
        plugin=plugin,
        database=database,
        active_pid=pid,
        restart_lsn=parse_lsn(restart) if restart else None,
        confirmed_flush_lsn=parse_lsn(confirmed) if confirmed else None,
    )


def drop_slot(conn: Conn, name: str) -> None:
    conn.execute("SELECT pg_drop_replication_slot(%s)", (name,))


def ensure_state_table(conn: Conn) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA}")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} ("
        " slot_name text PRIMARY KEY,"
        " snapshot_lsn pg_lsn NOT NULL,"
        " snapshot_rows bigint NOT NULL,"
        " snapshot_completed_at timestamptz NOT NULL DEFAULT now())"
    )


def read_snapshot(conn: Conn, slot: str) -> SnapshotRecord | None:
    exists = conn.execute("SELECT to_regclass(%s)", (STATE_TABLE,)).fetchone()
    if exists is None or exists[0] is None:
        return None
    row = conn.execute(
        f"SELECT snapshot_lsn::text, snapshot_rows, snapshot_completed_at FROM {STATE_TABLE} "
        "WHERE slot_name = %s",
        (slot,),
    ).fetchone()
    if row is None:
        return None
    lsn, rows, completed_at = row
    return SnapshotRecord(slot, parse_lsn(lsn), rows, completed_at)


def record_snapshot(conn: Conn, slot: str, consistent_lsn: str, rows: int) -> None:
    conn.execute(
        f"INSERT INTO {STATE_TABLE} (slot_name, snapshot_lsn, snapshot_rows) "
        "VALUES (%s, %s::pg_lsn, %s) ON CONFLICT (slot_name) DO UPDATE SET "
        "snapshot_lsn = EXCLUDED.snapshot_lsn, snapshot_rows = EXCLUDED.snapshot_rows, "
        "snapshot_completed_at = now()",
        (slot, consistent_lsn, rows),
    )


def forget_snapshot(conn: Conn, slot: str) -> None:
    conn.execute(f"DELETE FROM {STATE_TABLE} WHERE slot_name = %s", (slot,))
