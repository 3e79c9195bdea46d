"""Short-lived in-memory DuckDB sessions over Parquet files.

Model builds never open a database file for writing: they read Parquet through views and
write Parquet with ``COPY``, so any number of them can run beside the sink and the readers.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from warehouse.layout import atomic_path

log = logging.getLogger(__name__)
# A 1,000-byte dictionary limit: ids, visitors and times (most of the bytes) are written plain
# at once instead of filling a dictionary first that is then given up on (about a fifth of
# the big facts' write CPU); short enumerations (make, status, source) still get one.
PARQUET = (
    "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 262144, "
    "DICTIONARY_SIZE_LIMIT 1000"
)

POLARS_TO_DUCKDB: dict[type[pl.DataType], str] = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Float64: "DOUBLE",
    pl.Boolean: "BOOLEAN",
    pl.Date: "DATE",
    pl.Datetime: "TIMESTAMPTZ",
}


def duckdb_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        return f"{duckdb_type(inner() if isinstance(inner, type) else inner)}[]"
    return POLARS_TO_DUCKDB[type(dtype)]


def open_memory(*, threads: int = 2, memory_limit: str = "4GB") -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:")
    conn.execute(f"SET threads = {int(threads)}")
    conn.execute(f"SET memory_limit = '{memory_limit}'")
    conn.execute("SET preserve_insertion_order = false")
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def parquet_source(files: Sequence[Path], *, row_ids: bool = False) -> str:
    """``read_parquet`` over ``files``, columns matched by name; ``row_ids`` adds each row's
    ``filename`` and ``file_row_number``."""
    ids = ", filename = true, file_row_number = true" if row_ids else ""
    return f"read_parquet({sql_list(files)}, union_by_name = true{ids})"


def register_view(
    conn: duckdb.DuckDBPyConnection,
    name: str,
    files: Sequence[Path],
    empty_columns: dict[str, str] | None = None,
    *,
    row_ids: bool = False,
) -> None:
    """``name`` as a view over ``files``; an empty typed view when there are none.
    ``row_ids`` adds each row's ``filename`` and ``file_row_number``."""
    if files:
        source = f"SELECT * FROM {parquet_source(files, row_ids=row_ids)}"
    elif empty_columns is not None:
        cols = ", ".join(f"NULL::{t} AS {c}" for c, t in empty_columns.items())
        source = f"SELECT {cols} WHERE false"
    else:
        raise FileNotFoundError(f"no Parquet files for {name}")
    conn.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {source}")


def copy_to_parquet(conn: duckdb.DuckDBPyConnection, query: str, final: Path) -> int:
    """Write ``query`` to ``final`` atomically; return its row count."""
    with atomic_path(final) as temporary:
        written = conn.execute(f"COPY ({query}) TO '{temporary}' ({PARQUET})").fetchone()
    return int(written[0]) if written else 0


def copy_partitions(
    conn: duckdb.DuckDBPyConnection, query: str, column: str, finals: Mapping[date, Path]
) -> dict[date, int]:
    """Write ``query`` once, partitioned by its DATE ``column``, and move each day's file onto
    ``finals[day]`` (an atomic rename per day); days without rows get an empty file with the
    query's columns. Rows of days not in ``finals`` are dropped. Returns rows per day."""
    first = next(iter(finals.values()))
    scratch = first.parent.parent / f".partitions-{uuid.uuid4().hex}"
    rows = dict.fromkeys(finals, 0)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn.execute(
            f"COPY ({query}) TO '{scratch}' ({PARQUET}, PARTITION_BY ({column}), "
            "WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'part_{i}')"
        )
        written = sorted(scratch.glob(f"{column}=*/*.parquet")) if scratch.is_dir() else []
        by_day: dict[date, list[Path]] = {}
        template: Path | None = None  # a written day's file: the columns of the empty days
        for path in written:
            day = date.fromisoformat(path.parent.name.split("=", 1)[1])
            by_day.setdefault(day, []).append(path)
        for day, paths in by_day.items():
            if day not in finals:
                log.warning("%s: %s rows outside the range built, dropped", paths[0], day)
                continue
            rows[day] = _row_count(conn, paths)
            final = finals[day]
            final.parent.mkdir(parents=True, exist_ok=True)
            if len(paths) == 1:
                os.replace(paths[0], final)
            else:
                copy_to_parquet(conn, f"SELECT * FROM read_parquet({sql_list(paths)})", final)
            template = template or final
        empty = [day for day in finals if day not in by_day]
        if empty:
            source = f"read_parquet('{template}')" if template else f"({query})"
            for day in empty:
                copy_to_parquet(conn, f"SELECT * FROM {source} LIMIT 0", finals[day])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


def _row_count(conn: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> int:
    found = conn.execute(f"SELECT count(*) FROM read_parquet({sql_list(paths)})").fetchone()
    return int(found[0]) if found else 0
