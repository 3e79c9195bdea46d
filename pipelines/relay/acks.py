"""Which commit LSN the relay may confirm to PostgreSQL.

A transaction's commit LSN may be confirmed once Kafka acknowledged every record of it and
of every transaction before it. Transactions are tracked in commit order; each counts its
records still in flight; the head of the queue retires while it is complete and fully
acknowledged. A failed send stops the advance for good: the relay exits, and on restart
PostgreSQL re-sends from the last confirmed commit (at-least-once, never a loss).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


class TrackedTransaction:
    __slots__ = ("_tracker", "commit_lsn", "commit_time", "complete", "pending")

    def __init__(self, tracker: AckTracker, commit_lsn: int, commit_time: float) -> None:
        self._tracker = tracker
        self.commit_lsn = commit_lsn
        self.commit_time = commit_time  # epoch seconds, for the lag figure
        self.pending = 0
        self.complete = False

    def track(self, delivery: asyncio.Future[Any]) -> None:
        """Count one record in flight; ``delivery`` resolves when Kafka acknowledged it."""
        self.pending += 1
        self._tracker.in_flight += 1
        delivery.add_done_callback(self._delivered)

    def _delivered(self, delivery: asyncio.Future[Any]) -> None:
        tracker = self._tracker
        if delivery.cancelled():
            tracker.fail(asyncio.CancelledError("a Kafka send was cancelled"))
            return
        error = delivery.exception()
        if error is not None:
            tracker.fail(error)
            return
        self.pending -= 1
        tracker.in_flight -= 1
        tracker.acked += 1
        if self.pending == 0 and self.complete:
            tracker.advance()


class AckTracker:
    def __init__(self, confirmed_lsn: int = 0) -> None:
        self._open: deque[TrackedTransaction] = deque()
        self.confirmable_lsn = confirmed_lsn
        self.in_flight = 0
        self.acked = 0
        self.error: BaseException | None = None

    def begin(self, commit_lsn: int, commit_time: float = 0.0) -> TrackedTransaction:
        """A transaction whose records are about to be sent, in commit order."""
        txn = TrackedTransaction(self, commit_lsn, commit_time)
        self._open.append(txn)
        return txn

    def end(self, txn: TrackedTransaction) -> None:
        """Every record of ``txn`` has been handed to the producer."""
        txn.complete = True
        if txn.pending == 0:
            self.advance()

    def fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error

    def advance(self) -> None:
        if self.error is not None:
            return
        while self._open and self._open[0].complete and self._open[0].pending == 0:
            self.confirmable_lsn = self._open.popleft().commit_lsn

    @property
    def unconfirmed(self) -> int:
        """Transactions seen and not yet confirmable."""
        return len(self._open)

    @property
    def oldest_commit_time(self) -> float | None:
        """Commit time of the oldest transaction not yet confirmable (for the lag in seconds)."""
        return self._open[0].commit_time if self._open else None
