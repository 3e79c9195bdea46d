"""The first start: every existing row, read under the slot's exported snapshot, sent as op ``r``.

The snapshot shows exactly the transactions committed before the slot's consistent point;
streaming then starts at that point, so each row is in the snapshot or in the stream, never
lost between them. Existing outbox rows are published too, so ``souk.domain-events`` holds
every event (the warehouse dedups by event id). Rows are read with ``to_jsonb`` so they have
the same JSON shape as streamed rows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from pipelines.relay.acks import AckTracker
from pipelines.relay.errors import RelayError
from pipelines.relay.pg_values import parse_json
from pipelines.relay.publisher import Publisher
from pipelines.relay.records import Position, RecordBuilder, SnapshotRow
from souk.settings import Settings

log = logging.getLogger(__name__)

_PRIMARY_KEY = """
SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = %s::regclass AND i.indisprimary
ORDER BY array_position(i.indkey::int2[], a.attnum)
"""


class SnapshotReader:
    """A REPEATABLE READ transaction that imported the slot's exported snapshot."""

    def __init__(self, settings: Settings, snapshot_name: str) -> None:
        self._schema = settings.relay_schema
        self._batch = settings.relay_snapshot_batch_rows
        self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
            settings.postgres_dsn, options="-c timezone=UTC"
        )
        self._conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self._conn.read_only = True
        snapshot = sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_name))
        self._conn.execute(snapshot)
        row = self._conn.execute("SELECT to_jsonb(transaction_timestamp())").fetchone()
        self.taken_at: str = row[0] if row else ""

    def close(self) -> None:
        self._conn.close()

    def primary_key(self, table: str) -> tuple[str, ...] | None:
        """The table's primary key columns; None when the table does not exist (yet)."""
        name = f"{self._schema}.{table}"
        exists = self._conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
        if exists is None or exists[0] is None:
            return None
        return tuple(row[0] for row in self._conn.execute(_PRIMARY_KEY, (name,)))

    def batches(self, table: str, pk: tuple[str, ...]) -> Iterator[list[SnapshotRow]]:
        query = sql.SQL("SELECT t.xmin::text::bigint, to_jsonb(t)::text FROM {}.{} AS t").format(
            sql.Identifier(self._schema), sql.Identifier(table)
        )
        with self._conn.cursor(name=f"snapshot_{table}") as cursor:
            cursor.itersize = self._batch
            cursor.execute(query)
            while rows := cursor.fetchmany(self._batch):
                yield [
                    SnapshotRow(self._schema, table, pk, xmin, parse_json(values))
                    for xmin, values in rows
                ]


async def publish_snapshot(
    reader: SnapshotReader,
    tables: list[str],
    publisher: Publisher,
    builder: RecordBuilder,
    at_lsn: int,
    consistent_lsn: int,
    stop: asyncio.Event,
) -> int | None:
    """Send every row of ``tables``; the row count once Kafka acknowledged all, None if stopped."""
    tracker = AckTracker()
    txn = tracker.begin(consistent_lsn)
    total = 0
    for table in tables:
        pk = await asyncio.to_thread(reader.primary_key, table)
        if pk is None:
            log.warning("snapshot: table %s does not exist yet; its rows will stream", table)
            continue
        started, count = time.monotonic(), 0
        batches = reader.batches(table, pk)
        done: list[SnapshotRow] = []
        while batch := await asyncio.to_thread(next, batches, done):
            if stop.is_set():
                return None
            for row in batch:
                at = Position(at_lsn, consistent_lsn, row.xid, reader.taken_at, snapshot=True)
                txn.track(await publisher.send(builder.snapshot_row(row, at)))
            count += len(batch)
            if tracker.error is not None:
                raise RelayError(f"Kafka refused a snapshot record: {tracker.error}")
        elapsed = time.monotonic() - started
        log.info("snapshot: %s: %d rows in %.1f s", table, count, elapsed)
        total += count
    tracker.end(txn)
    await publisher.flush()
    if tracker.error is not None or tracker.confirmable_lsn != consistent_lsn:
        raise RelayError(f"Kafka did not acknowledge every snapshot record: {tracker.error}")
    return total
