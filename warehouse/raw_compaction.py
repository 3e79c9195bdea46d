"""Compaction of the raw layer: a day's many small sink files merged into one.

The sink writes one file per table and day per batch, and at a quiet hour a batch is a
handful of events: a day of a busy table gathers thousands of files, and reading thousands
of small files cost a day's staging build ~40 times its time from one file (43.1 s against
1.0 s for the same rows, docs/WAREHOUSE.md "Raw files and compaction"). Before a build reads a
day, its files are merged into ``compacted-<id>.parquet``, whose footer names the files it
holds; readers leave those out at once (``WarehouseLayout.raw_files``), and the merged files
are deleted a grace period later, when no reader that listed the directory before the
compaction can still be reading them.

Nothing is deduplicated here: staging keeps one row per ``event_id`` however many files hold
it, so two compactions at once, a sink file that lands during one, or a batch redelivered
after its file was merged, at worst leave a duplicate row that staging drops.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from warehouse.duckdb_session import open_memory
from warehouse.layout import (
    COMPACTED_FROM,
    COMPACTED_PREFIX,
    WarehouseLayout,
    atomic_path,
    compacted_inputs,
)
from warehouse.models import register_raw_files
from warehouse.raw_tables import RawTable

log = logging.getLogger(__name__)
ROW_POSITION = ("filename", "file_row_number")


@dataclass(frozen=True)
class CompactionPolicy:
    min_files: int = 16  # a table-day with fewer readable files is left as it is
    grace_seconds: float = 900.0  # merged files are deleted this long after their merge


@dataclass
class Compaction:
    """What compacting one table-day did."""

    table: str
    day: date
    merged: int = 0  # files merged into one (0: below the policy's minimum)
    rows: int = 0
    seconds: float = 0.0
    removed: list[str] = field(default_factory=list)  # files deleted, merged long enough ago


def compact_raw_day(
    layout: WarehouseLayout, table: RawTable, day: date, policy: CompactionPolicy,
    *, now: float | None = None,
) -> Compaction:  # fmt: skip
    """Delete the files merged more than the grace period ago, then merge the table-day's
    readable files into one if there are at least ``policy.min_files``."""
    started = time.perf_counter()
    result = Compaction(table.name, day)
    result.removed = remove_merged_files(layout, table.name, day, policy.grace_seconds, now=now)
    files = layout.raw_files(table.name, day)
    if len(files) < max(policy.min_files, 2):
        result.seconds = time.perf_counter() - started
        return result
    names = sorted(p.name for p in files)
    digest = hashlib.sha1("\n".join(names).encode(), usedforsecurity=False).hexdigest()[:24]
    target = layout.raw_date_dir(table.name, day) / f"{COMPACTED_PREFIX}{digest}.parquet"
    conn = open_memory(threads=1, memory_limit="2GB")
    try:
        result.rows = _merge(conn, table, files, target, names)
    finally:
        conn.close()
    result.merged = len(files)
    result.seconds = time.perf_counter() - started
    return result


def _merge(
    conn: duckdb.DuckDBPyConnection, table: RawTable, files: list[Path], target: Path,
    names: list[str],
) -> int:  # fmt: skip
    """Write the rows of ``files``, file after file, to ``target`` with the names of ``files``
    in its footer; return the row count. Streamed in the order read, not sorted: a day of any
    size merges in little memory (which copy of a redelivered event staging keeps does not
    matter, they are the same event)."""
    conn.execute("SET preserve_insertion_order = true")
    register_raw_files(conn, table, files)
    described = conn.execute(f"DESCRIBE {table.name}_files").fetchall()
    # read_parquet adds the hive directory's key (date=...) as a column: not a raw column.
    columns = [row[0] for row in described if row[0] not in (*ROW_POSITION, "date")]
    listed = json.dumps(names).replace("'", "''")
    selected = ", ".join(f'"{c}"' for c in columns)
    with atomic_path(target, durable=True) as temporary:
        written = conn.execute(
            f"COPY (SELECT {selected} FROM {table.name}_files)"
            f" TO '{temporary}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, "
            f"KV_METADATA {{'{COMPACTED_FROM}': '{listed}'}})"
        ).fetchone()
    return int(written[0]) if written else 0


def remove_merged_files(
    layout: WarehouseLayout, table: str, day: date, grace_seconds: float,
    *, now: float | None = None,
) -> list[str]:  # fmt: skip
    """Delete the files that compacted files of the table-day merged at least
    ``grace_seconds`` ago, oldest compaction first (a compacted file merged into a later one
    goes after its own inputs). Returns the names deleted."""
    directory = layout.raw_date_dir(table, day)
    now = time.time() if now is None else now
    compacted = []
    for path in layout.raw_files(table, day, merged_too=True):
        if not path.name.startswith(COMPACTED_PREFIX):
            continue
        try:
            compacted.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    removed: list[str] = []
    for mtime, path in sorted(compacted):
        if now - mtime < grace_seconds:
            break
        for name in compacted_inputs(path) or ():
            try:
                os.unlink(directory / name)
            except FileNotFoundError:
                continue
            removed.append(name)
    return removed


def compact_raw(
    layout: WarehouseLayout, tables: Iterable[RawTable], days: Iterable[date],
    policy: CompactionPolicy, *, threads: int = 2,
) -> list[Compaction]:  # fmt: skip
    """:func:`compact_raw_day` for every table and day, ``threads`` table-days at a time (each
    in a one-thread DuckDB session: opening thousands of small files is most of the work,
    and it does not split well inside one query); logs each merge.

    The files merged for the day before each day are deleted too once their grace period is
    over: a day's last merge comes with the runs that build it after midnight, and the next
    day's runs come back to delete what it merged."""
    days = sorted(set(days))
    previous = sorted({day - timedelta(days=1) for day in days} - set(days))
    tables = list(tables)
    pairs = [(table, day) for table in tables for day in days]

    def compact(pair: tuple[RawTable, date]) -> Compaction:
        return compact_raw_day(layout, pair[0], pair[1], policy)

    with ThreadPoolExecutor(max(threads, 1), thread_name_prefix="raw-compaction") as pool:
        results = list(pool.map(compact, pairs))
    for table in tables:
        for day in previous:
            removed = remove_merged_files(layout, table.name, day, policy.grace_seconds)
            results.append(Compaction(table.name, day, removed=removed))
    for done in results:
        if done.merged or done.removed:
            log.info("raw/%s %s: merged %d files (%d rows), deleted %d merged earlier, in %.2fs",
                     done.table, done.day, done.merged, done.rows, len(done.removed),
                     done.seconds)  # fmt: skip
    return results
