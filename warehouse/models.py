"""A warehouse model: a named SQL select with its grain, key and the tables it reads.

A model is built for a range of days in one query (a single day is a range of one): its SQL
returns the rows of every day from ``$start`` to ``$end`` with the day in its date column
(``event_date`` for facts, ``as_of_date`` for dimensions, ``date`` for marts), and the result
is written with one partitioned ``COPY`` and moved into one file per day (or, for a model
with ``query_per_day``, in one query per day). Sources are written
``layer:table`` and bound to temporary views named after the table:

- ``raw:<t>`` the raw events of the days being built, one row per ``event_id`` (an empty typed
  view when there are none);
- ``facts:<t>``, ``dims:<t>``, ``marts:<t>`` that layer's files for the same days;
- ``facts<=:<t>``, ``dims<=:<t>`` every file of that layer up to and including the last day;
- ``static:<t>`` an undated table (``dims/<t>/part.parquet``, ``snapshots/<t>/part.parquet``).

``days`` is a view with one row (``day``) per day of the range; ``$start`` and ``$end`` in the
SQL are replaced by the range's date literals.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from warehouse.duckdb_session import (
    copy_partitions,
    duckdb_type,
    parquet_source,
    register_view,
    sql_list,
)
from warehouse.layout import WarehouseLayout
from warehouse.raw_tables import BY_NAME, RawTable, envelope_of


@dataclass(frozen=True)
class Model:
    name: str
    layer: str  # facts, dims or marts
    grain: str
    key: tuple[str, ...]
    sources: tuple[str, ...]
    sql: str
    # Built with one query per day instead of one per range: for models whose day reads only
    # that day and groups millions of rows (a month's hash table of 1.5M listing-days or 5.5M
    # events falls out of the CPU caches; a day's does not). Not for models that replay
    # history (dim_listing reads every day up to the one it builds).
    query_per_day: bool = False

    @property
    def date_column(self) -> str:
        """The column holding the day a row belongs to (its partition)."""
        return DATE_COLUMNS[self.layer]

    @property
    def raw_tables(self) -> list[str]:
        """The raw tables it reads."""
        return [s.split(":", 1)[1] for s in self.sources if s.startswith("raw:")]


DATE_COLUMNS = {"facts": "event_date", "dims": "as_of_date", "marts": "date"}


@dataclass(frozen=True)
class BuildResult:
    """One day of a model; ``seconds`` (wall) and ``cpu_seconds`` (the process's CPU time, all
    threads) are that day's share of its range's build."""

    model: str
    day: date
    rows: int
    seconds: float
    cpu_seconds: float = 0.0


# One row per event_id, every raw column read once: the (rare) duplicated ids are found by a
# narrow GROUP BY on a hash of the id; among the rows sharing a hash, every copy of an id
# after its first (by file and row number) is dropped by an anti join on the row's position.
# (DISTINCT ON over the duplicated rows read every column of every file a second time: for
# searches, their 20 results each.)
DEDUPLICATED = """
    WITH shared AS (SELECT hash(event_id) AS h FROM {t}_files GROUP BY h HAVING count(*) > 1),
    extra AS (
      SELECT filename, file_row_number FROM (
        SELECT filename, file_row_number,
               row_number() OVER (PARTITION BY event_id ORDER BY filename, file_row_number)
                 AS copy
        FROM {t}_files WHERE hash(event_id) IN (SELECT h FROM shared))
      WHERE copy > 1)
    SELECT * EXCLUDE (filename, file_row_number)
    FROM {t}_files ANTI JOIN extra USING (filename, file_row_number)"""

# Undated tables that may be absent (a Postgres snapshot not taken yet): their empty shape.
OPTIONAL_STATIC: dict[str, dict[str, str]] = {}


def raw_columns(table: RawTable) -> dict[str, str]:
    columns = {name: duckdb_type(dtype) for name, dtype in envelope_of(table.topic).items()}
    columns["occurred_at"] = "TIMESTAMPTZ"
    columns["event_date"] = "DATE"
    columns |= {name: duckdb_type(dtype) for name, dtype in table.payload.items()}
    columns |= dict.fromkeys(table.json_members, "VARCHAR")
    if table.is_domain:
        columns["payload_json"] = "VARCHAR"
    columns |= {d.name: duckdb_type(d.dtype) for d in table.derived}
    return columns


def register_raw_files(
    conn: duckdb.DuckDBPyConnection, table: RawTable, files: Sequence[Path]
) -> None:
    """``<table>_files``: the raw rows of ``files`` with each row's file and row number. A file
    written before one of the table's derived columns existed gets it computed."""
    if not table.derived or not files:
        register_view(conn, f"{table.name}_files", files, row_ids=True)
        return
    names = [d.name for d in table.derived]
    quoted = ", ".join(f"'{name}'" for name in names)
    found: dict[str, set[str]] = {}
    for file, name in conn.execute(
        f"SELECT file_name, name FROM parquet_schema({sql_list(files)}) WHERE name IN ({quoted})"
    ).fetchall():
        found.setdefault(file, set()).add(name)
    current = [p for p in files if len(found.get(str(p), ())) == len(names)]
    older = [p for p in files if len(found.get(str(p), ())) < len(names)]
    parts = [f"SELECT * FROM {parquet_source(current, row_ids=True)}"] if current else []
    if older:
        partly = sorted(set().union(*(found.get(str(p), set()) for p in older)))
        kept = f"* EXCLUDE ({', '.join(partly)})" if partly else "*"
        computed = ", ".join(f"{d.sql} AS {d.name}" for d in table.derived)
        parts.append(f"SELECT {kept}, {computed} FROM {parquet_source(older, row_ids=True)}")
    conn.execute(f"CREATE OR REPLACE TEMP VIEW {table.name}_files AS "
                 + " UNION ALL BY NAME ".join(parts))  # fmt: skip


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def bind_sources(
    conn: duckdb.DuckDBPyConnection, layout: WarehouseLayout, model: Model, start: date, end: date
) -> None:
    days = days_between(start, end)
    conn.execute(
        "CREATE OR REPLACE TEMP VIEW days AS SELECT unnest(generate_series("
        f"DATE '{start.isoformat()}', DATE '{end.isoformat()}', INTERVAL 1 DAY))::DATE AS day"
    )
    for source in model.sources:
        layer, table = source.split(":", 1)
        if layer == "raw":
            files = [p for day in days for p in layout.raw_files(table, day)]
            if not files:
                register_view(conn, table, files, raw_columns(BY_NAME[table]))
                continue
            register_raw_files(conn, BY_NAME[table], files)
            conn.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS {DEDUPLICATED.format(t=table)}")
        elif layer.endswith("<="):
            files = [
                p
                for p in layout.dated_files(layer.removesuffix("<="), table)
                if date.fromisoformat(p.parent.name.removeprefix("date=")) <= end
            ]
            register_view(conn, table, files)
        elif layer == "static":
            candidates = [layout.static_file(base, table) for base in ("dims", "snapshots")]
            files = [p for p in candidates if p.exists()][:1]
            register_view(conn, table, files, OPTIONAL_STATIC.get(table))
        else:
            paths = [layout.dated_file(layer, table, day) for day in days]
            missing = [p for p in paths if not p.exists()]
            if missing:
                raise FileNotFoundError(f"{table} is not built yet ({missing[0]})")
            register_view(conn, table, paths)


def build_range(
    conn: duckdb.DuckDBPyConnection, layout: WarehouseLayout, model: Model, start: date, end: date,
    *, cpu_clock: Callable[[], float] = time.process_time,
) -> list[BuildResult]:  # fmt: skip
    """Build every day of ``start`` .. ``end`` of ``model`` in one query, one Parquet
    partition per day (replacing any previous one; a day without rows gets an empty file).
    ``cpu_clock`` measures its CPU: the process's by default, the calling thread's when other
    models are built beside it (a one-thread session runs its query in the calling thread)."""
    started, cpu_started = time.perf_counter(), cpu_clock()
    bind_sources(conn, layout, model, start, end)
    query = model.sql.replace("$start", f"DATE '{start.isoformat()}'").replace(
        "$end", f"DATE '{end.isoformat()}'"
    )
    days = days_between(start, end)
    finals = {day: layout.dated_file(model.layer, model.name, day) for day in days}
    rows = copy_partitions(conn, query, model.date_column, finals)
    wall = (time.perf_counter() - started) / len(days)
    cpu = (cpu_clock() - cpu_started) / len(days)
    return [BuildResult(model.name, day, rows[day], wall, cpu) for day in days]
