"""The replication connection: libpq's streaming replication protocol, spoken through psycopg's
low-level ``pq`` binding.

Why not psycopg2's ``LogicalReplicationConnection``: on every server keepalive it moves the
flush position it reports to the server's WAL end by itself whenever the last confirmed LSN
is at or past the start of the last message read. With interleaved transactions a
transaction's ``BEGIN`` (its first change) often lies *before* the previous commit the relay
confirmed, so a keepalive arriving mid-transaction (the server sends one when it has not
heard from us for ``wal_sender_timeout / 2``, e.g. while Kafka applies back-pressure) would
confirm records Kafka never acknowledged. Here the only LSN ever reported is the relay's own.
"""

from __future__ import annotations

import asyncio
import re
import select
import struct
import time
from dataclasses import dataclass

from psycopg import pq
from psycopg.conninfo import make_conninfo

from pipelines.relay.errors import RelayError
from pipelines.relay.lsn import parse_lsn
from pipelines.relay.wal2json import PLUGIN
from souk.settings import Settings

_SLOT_NAME = re.compile(r"[a-z0-9_]{1,63}")
# wal2json writes values with the walsender's settings: make timestamps UTC and ISO
_SESSION = "-c timezone=UTC -c datestyle=ISO,YMD -c intervalstyle=postgres"
_XLOG_HEADER = 25  # 'w', data start, WAL end, send time
_STATUS = struct.Struct(">cQQQqB")  # 'r', written, flushed, applied, clock, reply wanted
_PG_EPOCH = 946_684_800  # 2000-01-01 in Unix seconds


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

    def __init__(self, settings: Settings, slot: str, status_interval: float = 10.0) -> None:
        self.slot = check_slot_name(slot)
        conninfo = make_conninfo(settings.postgres_dsn, replication="database", options=_SESSION)
        self._pg = pq.PGconn.connect(conninfo.encode())
        if self._pg.status != pq.ConnStatus.OK:
            raise RelayError(f"cannot open a replication connection: {self._error()}")
        self._status_interval = status_interval
        self._last_status = time.monotonic()
        self._confirmed = 0
        self.wal_end = 0  # the server's WAL end as of the last message (lag in bytes)

    @property
    def server_pid(self) -> int:
        """The walsender serving this connection (``pg_replication_slots.active_pid``)."""
        return self._pg.backend_pid

    def _error(self) -> str:
        return self._pg.error_message.decode(errors="replace").strip()

    def create_slot(self) -> CreatedSlot:
        """CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT; waits for running transactions."""
        command = f"CREATE_REPLICATION_SLOT {self.slot} LOGICAL {PLUGIN} EXPORT_SNAPSHOT"
        result = self._pg.exec_(command.encode())
        if result.status != pq.ExecStatus.TUPLES_OK:
            raise RelayError(
                f"creating slot {self.slot} failed: {self._error()} (wal_level must be logical, "
                "the role needs REPLICATION, wal2json must be installed and, from PostgreSQL "
                "15.20 on, listed in output_plugin_libraries)"
            )
        consistent, snapshot = result.get_value(0, 1), result.get_value(0, 2)
        if consistent is None or snapshot is None:
            raise RelayError(f"creating slot {self.slot} returned no snapshot")
        return CreatedSlot(parse_lsn(consistent.decode()), snapshot.decode())

    def start(self, options: dict[str, str]) -> None:
        """Stream from the slot's confirmed_flush_lsn (0/0 means "where I left off")."""
        quoted = ", ".join(
            f"\"{name}\" '{value.replace(chr(39), chr(39) * 2)}'" for name, value in options.items()
        )
        command = f"START_REPLICATION SLOT {self.slot} LOGICAL 0/0 ({quoted})"
        self._pg.send_query(command.encode())
        result = self._pg.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_BOTH:
            raise RelayError(f"START_REPLICATION on slot {self.slot} failed: {self._error()}")
        self._pg.nonblocking = 1

    def read(self) -> tuple[bytes, int] | None:
        """The next wal2json message (payload, its WAL position), or None if none is waiting."""
        if time.monotonic() - self._last_status >= self._status_interval:
            self._send_status(reply_wanted=False)
        consumed = False
        while True:
            size, data = self._pg.get_copy_data(1)
            if size == 0:
                if consumed:
                    return None
                self._pg.consume_input()
                consumed = True
                continue
            if size < 0:
                raise RelayError(f"the server ended replication: {self._error() or 'no reason'}")
            kind = data[0]
            if kind == 0x77:  # 'w': XLogData
                self.wal_end = int.from_bytes(data[9:17])
                return bytes(data[_XLOG_HEADER:]), int.from_bytes(data[1:9])
            if kind == 0x6B:  # 'k': keepalive; answer with the relay's own position only
                self.wal_end = max(self.wal_end, int.from_bytes(data[1:9]))
                if data[17]:
                    self._send_status(reply_wanted=False)

    def confirm(self, lsn: int) -> None:
        """Tell PostgreSQL everything up to ``lsn`` is safe: it may recycle that WAL."""
        self._confirmed = max(self._confirmed, lsn)
        self._send_status(reply_wanted=False)

    def _send_status(self, reply_wanted: bool) -> None:
        lsn = self._confirmed
        clock = int((time.time() - _PG_EPOCH) * 1_000_000)
        self._pg.put_copy_data(_STATUS.pack(b"r", lsn, lsn, lsn, clock, int(reply_wanted)))
        while self._pg.flush() == 1:  # only when the socket buffer is full
            select.select([], [self._pg.socket], [], 1.0)
        self._last_status = time.monotonic()

    async def wait_readable(self, at_most: float) -> None:
        """Return when the server sent something, or after ``at_most`` seconds."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self._pg.socket, wake)
        try:
            await asyncio.wait_for(ready, at_most)
        except TimeoutError:
            pass
        finally:
            loop.remove_reader(self._pg.socket)

    def close(self) -> None:
        self._pg.finish()
