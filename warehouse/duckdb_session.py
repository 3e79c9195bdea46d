"""Short-lived in-memory DuckDB sessions over Parquet files.

Model builds never open a database file for writing: they read Parquet through views and
write Parquet with ``COPY``, so any number of them can run beside the sink and the readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from warehouse.layout import atomic_path

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


def register_view(
    conn: duckdb.DuckDBPyConnection,
    name: str,
    files: Sequence[Path],
    empty_columns: dict[str, str] | None = None,
) -> None:
    """``name`` as a view over ``files``; an empty typed view when there are none."""
    if files:
        source = f"SELECT * FROM read_parquet({sql_list(files)}, union_by_name = true)"
    elif empty_columns is not None:
        cols = ", ".join(f"NULL::{t} AS {c}" for c, t in empty_columns.items())
        source = f"SELECT {cols} WHERE false"
    else:
        raise FileNotFoundError(f"no Parquet files for {name}")
    conn.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {source}")


def copy_to_parquet(conn: duckdb.DuckDBPyConnection, query: str, final: Path) -> int:
    """Write ``query`` to ``final`` atomically; return its row count."""
    with atomic_path(final) as temporary:
        written = conn.execute(
            f"COPY ({query}) TO '{temporary}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 262144)"
        ).fetchone()
    return int(written[0]) if written else 0
