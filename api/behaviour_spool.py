"""The spool: behavioural events Kafka did not take, kept on local disk until it takes them.

Events the API's producer could not deliver (a batch that failed after aiokafka's own
retries, Kafka down, the producer not started) are handed to :meth:`BehaviourSpool.keep`,
which only appends them to a list: a writer task serialises them to JSON lines and appends
them to a segment file in a worker thread, off the event loop. A segment being written is
``<time>-<pid>-<spool>-<n>.jsonl.open``; sealed (renamed to ``.jsonl``) when it reaches
``SEGMENT_BYTES`` or before a replay, it is then re-sent whole by :meth:`replay` and deleted
once Kafka acknowledged every one of its events. A segment whose replay failed stays for the
next replay: its events may reach Kafka more than once (at least once; the warehouse sink
keeps one row per event id).

All segments together hold at most ``max_bytes``: past that an event is dropped, the only
place a behavioural event is, and it is counted and logged at ERROR level with the count.
Several processes may share the directory: the writer of an ``.open`` segment holds an
exclusive ``flock`` on it until it seals it (the kernel drops the lock when the process
dies), so the next spool to start seals an ``.open`` segment it can lock; a replay claims a
sealed segment with the same lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

log = logging.getLogger(__name__)

SEGMENT_BYTES = 4 * 1024 * 1024
LOG_EVERY_S = 10.0
OPEN_SUFFIX = ".jsonl.open"
SEALED_SUFFIX = ".jsonl"

Record = dict[str, Any]
Deliver = Callable[[list[Record]], Awaitable[bool]]


@dataclass
class SpoolCounts:
    """What this process's spool did since it started."""

    kept: int = 0  # events written to a segment
    dropped: int = 0  # events refused: the spool was full
    replayed: int = 0  # events re-sent from a segment and acknowledged by Kafka
    unreadable: int = 0  # lines of a segment that were not an event (a torn write)


class BehaviourSpool:
    """Bounded JSON-lines spool under ``directory`` of records (JSON objects: an event
    envelope and its topic, api/behaviour.py)."""

    def __init__(self, directory: Path, max_bytes: int, segment_bytes: int = SEGMENT_BYTES):
        self.directory = directory
        self.max_bytes = max_bytes
        self.segment_bytes = segment_bytes
        self.counts = SpoolCounts()
        self._pending: list[Record] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        self._segment: IO[bytes] | None = None
        self._segment_path: Path | None = None
        self._segment_written = 0
        self._segments_made = 0
        self._token = secrets.token_hex(4)  # two spools of one process never share a name
        self._size = 0
        self._unlogged_kept = self._unlogged_dropped = 0
        self._logged_at = -LOG_EVERY_S
        self._files = threading.RLock()  # the segment and the size, across worker threads

    # -- keeping -----------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        await asyncio.to_thread(self._open_directory)
        self._writer = asyncio.create_task(self._write_forever(), name="behaviour-spool-writer")

    def keep(self, envelopes: Iterable[Record]) -> None:
        """Queue events for the spool (returns at once; the writer task writes them)."""
        self._pending.extend(envelopes)
        self._wake.set()

    async def flush(self) -> None:
        """Write what :meth:`keep` was given so far."""
        batch, self._pending = self._pending, []
        if batch:
            await asyncio.to_thread(self._append, batch)

    async def close(self) -> None:
        """Write what is pending and seal the open segment."""
        if self._writer is not None:  # let it finish the write it may be doing
            self._closing = True
            self._wake.set()
            await self._writer
            self._writer = None
        await self.flush()
        await asyncio.to_thread(self.seal)
        with self._files:
            self._log_counts(now=True)

    async def _write_forever(self) -> None:
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except OSError:  # a full or broken disk: say so, keep serving
                log.exception("the behavioural events spool could not be written")

    def _open_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for path in self.directory.glob(f"*{OPEN_SUFFIX}"):
            if _writer_gone(path):
                _seal_file(path)
        self._size = self.bytes_on_disk()

    def _append(self, batch: list[Record]) -> None:
        with self._files:
            self._append_locked(batch)

    def _append_locked(self, batch: list[Record]) -> None:
        kept = dropped = 0
        lines = [orjson.dumps(envelope) + b"\n" for envelope in batch]
        chunk = bytearray()
        for line in lines:
            if self._size + len(chunk) + len(line) > self.max_bytes:
                dropped += 1
                continue
            chunk += line
            kept += 1
        if chunk:
            segment = self._open_segment()
            segment.write(chunk)
            segment.flush()
            self._size += len(chunk)
            self._segment_written += len(chunk)
            if self._segment_written >= self.segment_bytes:
                self.seal()
        self.counts.kept += kept
        self.counts.dropped += dropped
        self._unlogged_kept += kept
        self._unlogged_dropped += dropped
        self._log_counts()

    def _log_counts(self, *, now: bool = False) -> None:
        """Say what was spooled and dropped since the last line: the first time at once,
        then at most every ``LOG_EVERY_S`` (an outage spools every event)."""
        due = time.monotonic() >= self._logged_at + LOG_EVERY_S
        if not (now or due) or not (self._unlogged_kept or self._unlogged_dropped):
            return
        if self._unlogged_kept:
            log.warning(
                "%d behavioural events Kafka did not take were spooled (%d since start)",
                self._unlogged_kept, self.counts.kept,
            )  # fmt: skip
        if self._unlogged_dropped:
            log.error(
                "behavioural events spool full (%d of %d bytes in %s): %d events DROPPED, "
                "%d since start",
                self._size, self.max_bytes, self.directory, self._unlogged_dropped,
                self.counts.dropped,
            )  # fmt: skip
        self._unlogged_kept = self._unlogged_dropped = 0
        self._logged_at = time.monotonic()

    def _open_segment(self) -> IO[bytes]:
        if self._segment is None:
            self._segments_made += 1
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            name = f"{stamp}-{os.getpid()}-{self._token}-{self._segments_made:06d}{OPEN_SUFFIX}"
            self._segment_path = self.directory / name
            # locked under a name no other spool looks at, then shown: a starting spool
            # never sees it unlocked (it would take its writer for dead and seal it)
            unshown = self._segment_path.with_name(f"{name}.new")
            self._segment = unshown.open("ab")
            fcntl.flock(self._segment.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            unshown.rename(self._segment_path)
            self._segment_written = 0
        return self._segment

    def seal(self) -> None:
        """Close the segment being written, so a replay may take it (worker thread)."""
        with self._files:
            if self._segment is None or self._segment_path is None:
                return
            self._segment.close()
            _seal_file(self._segment_path)
            self._segment, self._segment_path = None, None

    # -- replaying ---------------------------------------------------------------------

    @property
    def bytes_kept(self) -> int:
        """Bytes of every segment, as this process last counted them."""
        return self._size

    def sealed_segments(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{SEALED_SUFFIX}"))

    def bytes_on_disk(self) -> int:
        total = 0
        for path in self.directory.glob("*.jsonl*"):
            with contextlib.suppress(FileNotFoundError):
                total += path.stat().st_size
        return total

    def events_on_disk(self) -> int:
        """Events in every segment (sealed or being written); reads them all."""
        count = 0
        for path in self.directory.glob("*.jsonl*"):
            with contextlib.suppress(FileNotFoundError), path.open("rb") as file:
                count += sum(1 for line in file if line.strip())
        return count

    async def replay(
        self, deliver: Deliver, readable: Callable[[Record], bool] = lambda record: True
    ) -> int:
        """Re-send every sealed segment through ``deliver`` (which answers whether Kafka
        acknowledged all the events it was given), oldest first; a delivered segment is
        deleted, the first failure stops the pass. A line that is not JSON or not
        ``readable`` is logged, counted and left out. The events delivered."""
        await self.flush()
        await asyncio.to_thread(self.seal)
        delivered = 0
        for path in await asyncio.to_thread(self.sealed_segments):
            claimed = await asyncio.to_thread(_claim, path, readable)
            if claimed is None:
                continue  # another process replays it, or already did
            file, envelopes, unreadable = claimed
            try:
                if envelopes and not await deliver(envelopes):
                    break
                await asyncio.to_thread(path.unlink)
            finally:
                file.close()
            self.counts.unreadable += unreadable
            self.counts.replayed += len(envelopes)
            delivered += len(envelopes)
            log.info("replayed %d spooled behavioural events from %s", len(envelopes), path.name)
        await asyncio.to_thread(self._recount)
        return delivered

    def _recount(self) -> None:
        with self._files:
            self._size = self.bytes_on_disk()


def _claim(
    path: Path, readable: Callable[[Record], bool]
) -> tuple[IO[bytes], list[Record], int] | None:
    """Open ``path`` under an exclusive lock, if no one holds it and it still exists; its
    events and its count of unreadable lines."""
    try:
        file = path.open("rb")
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(file.fileno()).st_ino != path.stat().st_ino:
            raise FileNotFoundError(path)  # replayed and deleted while we waited
    except (BlockingIOError, FileNotFoundError):
        file.close()
        return None
    envelopes: list[Record] = []
    unreadable = 0
    for line in file:
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            record = None
        if isinstance(record, dict) and readable(record):
            envelopes.append(record)
        else:
            unreadable += 1
            log.error("an unreadable line in behavioural events spool %s was skipped", path)
    return file, envelopes, unreadable


def _seal_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.rename(path.with_name(path.name.removesuffix(OPEN_SUFFIX) + SEALED_SUFFIX))


def _writer_gone(path: Path) -> bool:
    """Whether no process writes ``path`` any more: its writer's lock is gone."""
    try:
        with path.open("rb") as file:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, FileNotFoundError):
        return False
    return True
