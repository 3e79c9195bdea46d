"""The replication connection (psycopg2: psycopg 3 does not speak the replication protocol).

It creates the slot with an exported snapshot, starts streaming from the slot's confirmed
position, hands over wal2json messages without blocking, and confirms LSNs to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from pipelines.relay.errors import RelayError
from pipelines.relay.lsn import parse_lsn
from pipelines.relay.wal2json import PLUGIN
from souk.settings import Settings

_SLOT_NAME = re.compile(r"[a-z0-9_]{1,63}")
# wal2json writes values with the walsender's settings: make timestamps UTC and ISO
_SESSION = "-c timezone=UTC -c datestyle=ISO,YMD -c intervalstyle=postgres"


def check_slot_name(name: str) -> str:
    if not _SLOT_NAME.fullmatch(name):
        raise RelayError(f"slot name {name!r}: use 1-63 lower-case letters, digits and _")
    return name


@dataclass(frozen=True)
class CreatedSlot:
    consistent_lsn: int  # streaming starts here; the snapshot shows everything before it
    snapshot_name: str  # valid until this connection runs its next command


class ReplicationConnection:
    """One logical replication connection bound to one slot."""

    def __init__(self, settings: Settings, slot: str) -> None:
        self.slot = check_slot_name(slot)
        try:
            self._conn = psycopg2.connect(
                settings.postgres_dsn,
                connection_factory=psycopg2.extras.LogicalReplicationConnection,
                options=_SESSION,
            )
        except psycopg2.OperationalError as exc:
            raise RelayError(f"cannot open a replication connection: {exc}") from exc
        self._cursor: psycopg2.extras.ReplicationCursor = self._conn.cursor()
        self._fd = self._conn.fileno()

    def create_slot(self) -> CreatedSlot:
        """CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT; waits for running transactions."""
        try:
            self._cursor.execute(
                f"CREATE_REPLICATION_SLOT {self.slot} LOGICAL {PLUGIN} EXPORT_SNAPSHOT"
            )
        except psycopg2.Error as exc:
            raise RelayError(
                f"creating slot {self.slot} failed: {exc}".strip()
                + " (wal_level must be logical, the role needs REPLICATION, and wal2json must"
                " be installed and listed in output_plugin_libraries on PostgreSQL 15.20+)"
            ) from exc
        row = self._cursor.fetchone()
        if row is None:
            raise RelayError(f"creating slot {self.slot} returned nothing")
        return CreatedSlot(consistent_lsn=parse_lsn(row[1]), snapshot_name=row[2])

    def start(self, options: dict[str, str], status_interval: int = 10) -> None:
        """Stream from the slot's confirmed_flush_lsn (start_lsn 0 means "where I left")."""
        self._cursor.start_replication(
            slot_name=self.slot,
            slot_type=psycopg2.extras.REPLICATION_LOGICAL,
            start_lsn=0,
            options=options,
            decode=False,
            status_interval=status_interval,
        )

    def read(self) -> tuple[bytes, int] | None:
        """The next message (payload, its WAL position), or None when none is waiting."""
        message = self._cursor.read_message()
        if message is None:
            return None
        return message.payload, message.data_start

    async def wait_readable(self, at_most: float) -> None:
        """Return when the server sent something, or after ``at_most`` seconds."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self._fd, wake)
        try:
            await asyncio.wait_for(ready, at_most)
        except TimeoutError:
            pass
        finally:
            loop.remove_reader(self._fd)

    def confirm(self, lsn: int) -> None:
        """Tell PostgreSQL everything up to ``lsn`` is safe: it may recycle that WAL."""
        self._cursor.send_feedback(  # type: ignore[no-untyped-call]
            write_lsn=lsn, flush_lsn=lsn, apply_lsn=lsn, force=True
        )

    @property
    def wal_end(self) -> int:
        """The server's WAL end as of the last message (for the lag in bytes)."""
        return int(self._cursor.wal_end)

    def close(self) -> None:
        self._conn.close()
