"""Streaming: wal2json messages in, Kafka records out, confirmed LSNs back to PostgreSQL.

One loop on one asyncio thread: read every message waiting on the replication connection
(non-blocking), hand its records to the producer, and every ``relay_feedback_seconds``
confirm the highest commit LSN whose records (and all before) Kafka acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Protocol

from pipelines.relay.acks import AckTracker, TrackedTransaction
from pipelines.relay.errors import RelayError
from pipelines.relay.lsn import format_lsn
from pipelines.relay.progress import Progress
from pipelines.relay.publisher import Publisher
from pipelines.relay.records import RecordBuilder
from pipelines.relay.traces import TransactionTrace
from pipelines.relay.wal2json import (
    Begin,
    Commit,
    LogicalMessage,
    RowChange,
    Truncate,
    parse_message,
)
from souk.tracing import active_tracer

log = logging.getLogger(__name__)

IDLE_WAIT_SECONDS = 0.2


class ReplicationSource(Protocol):
    def read(self) -> tuple[bytes, int] | None: ...

    async def wait_readable(self, at_most: float) -> None: ...

    def confirm(self, lsn: int) -> None: ...

    @property
    def wal_end(self) -> int: ...


class ChangeStream:
    def __init__(
        self,
        source: ReplicationSource,
        publisher: Publisher,
        builder: RecordBuilder,
        progress: Progress,
        feedback_seconds: float,
        tracker: AckTracker | None = None,
        trace: TransactionTrace | None = None,
    ) -> None:
        self._source = source
        self._publisher = publisher
        self._builder = builder
        self._progress = progress
        self._feedback_seconds = feedback_seconds
        self.tracker = tracker or AckTracker()
        self.confirmed_lsn = self.tracker.confirmable_lsn
        self._last_feedback = time.monotonic()
        self._begin: Begin | None = None
        self._txn: TrackedTransaction | None = None
        self._trace = trace or TransactionTrace(active_tracer(__name__))

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set; then wait for Kafka and confirm what it acknowledged."""
        read, handled, progress = self._source.read, 0, self._progress
        while not stop.is_set():
            if self.tracker.error is not None:
                self.confirm()
                error = self.tracker.error
                raise RelayError(f"Kafka refused a record: {error!r}") from error
            message = read()
            if message is None:
                progress.caught_up = True
                await self._publisher.ship()
                self.tick()
                await self._source.wait_readable(IDLE_WAIT_SECONDS)
                continue
            await self.handle(message[0])
            handled += 1
            if handled & 255 == 0:
                progress.read_lsn, progress.caught_up = message[1], False
                self.tick()
                await asyncio.sleep(0)  # let the producer's sender run
        await self._publisher.flush()
        self.confirm()
        if self.tracker.error is not None:
            raise RelayError(f"Kafka refused a record: {self.tracker.error!r}")
        log.info("relay stopped; confirmed %s", format_lsn(self.confirmed_lsn))

    async def handle(self, payload: bytes) -> None:
        decoded = parse_message(payload)
        if isinstance(decoded, RowChange):
            if self._begin is None or self._txn is None:
                raise RelayError(f"a change outside a transaction: {payload[:200]!r}")
            records = self._builder.for_change(decoded, self._begin)
            if self._trace.headers:
                self._trace.stamp(records)
            for record in records:
                self._txn.track(await self._publisher.send(record))
            self._progress.records += len(records)
        elif isinstance(decoded, Begin):
            self._begin = decoded
            commit_time = datetime.fromisoformat(decoded.commit_time).timestamp()
            self._txn = self.tracker.begin(decoded.commit_lsn, commit_time)
        elif isinstance(decoded, Commit):
            if self._txn is None or self._txn.commit_lsn != decoded.commit_lsn:
                raise RelayError(f"a commit without its begin: {payload[:200]!r}")
            self.tracker.end(self._txn)
            self._progress.received_lsn = decoded.commit_lsn
            self._progress.last_commit_time = self._txn.commit_time
            self._progress.transactions += 1
            self._begin = self._txn = None
            self._trace.end()
        elif isinstance(decoded, Truncate):
            log.warning(
                "TRUNCATE of %s.%s (xid %d) is not relayed: consumers keep their copies; "
                "clear them or re-snapshot",
                decoded.schema,
                decoded.table,
                decoded.xid,
            )
        elif isinstance(decoded, LogicalMessage) and self._begin is not None:
            self._trace.message(decoded, self._begin)

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last_feedback >= self._feedback_seconds:
            self._last_feedback = now
            self.confirm()
        self._progress.maybe_log(now, self.tracker, self._source.wal_end)

    def confirm(self) -> None:
        lsn = self.tracker.confirmable_lsn
        if lsn > self.confirmed_lsn:
            self._source.confirm(lsn)
            self.confirmed_lsn = lsn
