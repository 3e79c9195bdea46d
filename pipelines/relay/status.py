"""``souk relay status``: the slot, how far it confirmed, the WAL it holds back, the lag."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pipelines.relay import state
from pipelines.relay.lsn import format_lsn
from souk.settings import Settings

_SLOT = """
SELECT s.active_pid, s.restart_lsn::text, s.confirmed_flush_lsn::text,
       pg_current_wal_lsn()::text,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,
       extract(epoch FROM r.flush_lag)::float8
FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
WHERE s.slot_name = %s
"""


@dataclass(frozen=True)
class RelayStatus:
    slot: str
    database: str
    exists: bool
    active_pid: int | None = None
    restart_lsn: str | None = None
    confirmed_lsn: str | None = None
    current_lsn: str | None = None
    retained_wal_bytes: int | None = None  # WAL PostgreSQL keeps for the slot
    lag_bytes: int | None = None  # WAL written since the last confirmed commit
    lag_seconds: float | None = None  # flush lag reported by the walsender, while active
    snapshot_lsn: str | None = None
    snapshot_rows: int | None = None
    snapshot_completed_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_status(settings: Settings) -> RelayStatus:
    slot, db = settings.relay_slot, settings.postgres_db
    with state.connect(settings.postgres_dsn) as conn:
        row = conn.execute(_SLOT, (slot,)).fetchone()
        snapshot = state.read_snapshot(conn, slot)
    snap: dict[str, Any] = {}
    if snapshot is not None:
        snap = {
            "snapshot_lsn": format_lsn(snapshot.consistent_lsn),
            "snapshot_rows": snapshot.rows,
            "snapshot_completed_at": snapshot.completed_at.isoformat(),
        }
    if row is None:
        return RelayStatus(slot, db, exists=False, **snap)
    pid, restart, confirmed, current, retained, lag, lag_seconds = row
    return RelayStatus(
        slot,
        db,
        exists=True,
        active_pid=pid,
        restart_lsn=restart,
        confirmed_lsn=confirmed,
        current_lsn=current,
        retained_wal_bytes=retained,
        lag_bytes=lag,
        lag_seconds=lag_seconds,
        **snap,
    )
