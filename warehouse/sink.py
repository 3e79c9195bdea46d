"""The warehouse sink: a micro-batch of Kafka records in, one Parquet file per table and day out.

It is transport-free (the Faust agent in ``streams/warehouse_sink.py`` and the benchmarks'
bare consumer both call :meth:`WarehouseSink.write_batch`) and idempotent: a batch delivered
again gets the same file names, and staging deduplicates by ``event_id`` whatever the batch
boundaries were. Only Parquet files are written, never a DuckDB database, so the sink never
holds a lock that Dagster or a reader would wait for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from warehouse.decoding import KafkaRecord, Rejection, batch_id, decode_batch
from warehouse.layout import WarehouseLayout, atomic_path, write_files_durably

log = logging.getLogger(__name__)
RAW_COMPRESSION: Final = "zstd"
MAX_BACKOFF_S: Final = 30.0


@dataclass
class SinkReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(self.rows.values())


class WarehouseSink:
    def __init__(self, layout: WarehouseLayout, *, timezone: str, durable: bool = True) -> None:
        self.layout = layout
        self.timezone = timezone
        self.durable = durable
        self._syncer: ThreadPoolExecutor | None = None  # fsyncs a batch's files together

    def write_batch(self, records: Sequence[KafkaRecord]) -> SinkReport:
        """Decode ``records`` and append them to the raw layer; return what was rejected."""
        report = SinkReport()
        if not records:
            return report
        decoded = decode_batch(records, timezone=self.timezone, received_at=datetime.now(UTC))
        report.rejections = decoded.rejections
        name = batch_id(records)
        files: list[tuple[Path, Callable[[Path], None]]] = []
        for table, frame in decoded.frames.items():
            report.rows[table] = frame.height
            for key, rows in frame.partition_by("event_date", as_dict=True).items():
                day = key[0]
                assert isinstance(day, date)
                final = self.layout.raw_date_dir(table, day) / f"{name}.parquet"
                files.append((final, _parquet_writer(rows)))
        self._write(files)
        report.files = [final for final, _ in files]
        if report.rejections:
            log.warning("warehouse sink rejected %d of %d records", len(report.rejections),
                        len(records))  # fmt: skip
        return report

    def _write(self, files: list[tuple[Path, Callable[[Path], None]]]) -> None:
        if self.durable:
            if self._syncer is None:
                self._syncer = ThreadPoolExecutor(8, thread_name_prefix="warehouse-fsync")
            write_files_durably(files, self._syncer)
            return
        for final, write in files:
            with atomic_path(final) as temporary:
                write(temporary)


def _parquet_writer(rows: pl.DataFrame) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        rows.write_parquet(path, compression=RAW_COMPRESSION, compression_level=1, statistics=False)

    return write


async def write_with_retries(sink: WarehouseSink, records: Sequence[KafkaRecord]) -> SinkReport:
    """Write ``records`` in a worker thread; a raw layer that is not writable is retried with
    back-off, never skipped (whoever consumed the batch has not acknowledged it yet)."""
    delay = 0.5
    while True:
        try:
            return await asyncio.to_thread(sink.write_batch, records)
        except OSError as exc:
            log.warning("warehouse raw layer not writable (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
