"""The relay's progress line, every few seconds: position, throughput and lag."""

from __future__ import annotations

import logging
import time

from pipelines.relay.acks import AckTracker
from pipelines.relay.lsn import format_lsn

log = logging.getLogger(__name__)


class Progress:
    def __init__(self, every_seconds: float) -> None:
        self._every = every_seconds
        self.records = 0  # records handed to Kafka
        self.transactions = 0
        self.received_lsn = 0  # commit LSN of the last transaction read
        self.last_commit_time = 0.0  # its commit time, epoch seconds (the lag in seconds)
        self.read_lsn = 0  # WAL position of the last message read
        self.caught_up = False  # the last read found nothing waiting
        self._last_at = time.monotonic()
        self._last_records = 0

    def maybe_log(self, now: float, tracker: AckTracker, wal_end: int) -> None:
        elapsed = now - self._last_at
        if elapsed < self._every:
            return
        rate = (self.records - self._last_records) / elapsed
        self._last_at, self._last_records = now, self.records
        oldest = tracker.oldest_commit_time
        lag_seconds = max(0.0, time.time() - oldest) if oldest else 0.0
        # WAL the server has and we have not read yet (0 when caught up: the server's WAL end
        # also moves for other databases and tables, which it never sends us)
        lag_bytes = 0 if self.caught_up else max(0, wal_end - self.read_lsn)
        log.info(
            "relay: read %s, confirmed %s | %.0f records/s, %d records, %d transactions, "
            "%d in flight | lag %d bytes, %.2f s",
            format_lsn(self.received_lsn),
            format_lsn(tracker.confirmable_lsn),
            rate,
            self.records,
            self.transactions,
            tracker.in_flight,
            lag_bytes,
            lag_seconds,
        )
