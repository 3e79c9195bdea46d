"""A warehouse model: a named SQL select with its grain, key and the tables it reads.

Sources are written ``layer:table`` and bound to temporary views named after the table:

- ``raw:<t>`` the raw events of the day being built, one row per ``event_id`` (an empty typed
  view when there are none);
- ``facts:<t>``, ``dims:<t>``, ``marts:<t>`` that layer's file for the same day;
- ``facts<=:<t>``, ``dims<=:<t>`` every file of that layer up to and including the day;
- ``static:<t>`` an undated table (``dims/<t>/part.parquet``, ``snapshots/<t>/part.parquet``).

``$day`` in the SQL is replaced by the day's date literal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import duckdb

from warehouse.duckdb_session import copy_to_parquet, duckdb_type, register_view
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


@dataclass(frozen=True)
class BuildResult:
    model: str
    day: date
    rows: int
    seconds: float


# One row per event_id without a wide hash table: the (rare) duplicated ids are found with a
# narrow GROUP BY; every other row streams through an anti join.
DEDUPLICATED = """
    WITH dup AS (SELECT event_id FROM {t}_files GROUP BY event_id HAVING count(*) > 1)
    SELECT * FROM {t}_files ANTI JOIN dup USING (event_id)
    UNION ALL
    SELECT DISTINCT ON (event_id) * FROM {t}_files SEMI JOIN dup USING (event_id)"""

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
    return columns


def bind_sources(
    conn: duckdb.DuckDBPyConnection, layout: WarehouseLayout, model: Model, day: date
) -> None:
    for source in model.sources:
        layer, table = source.split(":", 1)
        if layer == "raw":
            register_view(conn, f"{table}_files", layout.raw_files(table, day),
                          raw_columns(BY_NAME[table]))  # fmt: skip
            conn.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS {DEDUPLICATED.format(t=table)}")
        elif layer.endswith("<="):
            files = [
                p
                for p in layout.dated_files(layer.removesuffix("<="), table)
                if date.fromisoformat(p.parent.name.removeprefix("date=")) <= day
            ]
            register_view(conn, table, files)
        elif layer == "static":
            candidates = [layout.static_file(base, table) for base in ("dims", "snapshots")]
            files = [p for p in candidates if p.exists()][:1]
            register_view(conn, table, files, OPTIONAL_STATIC.get(table))
        else:
            path = layout.dated_file(layer, table, day)
            if not path.exists():
                raise FileNotFoundError(f"{table} for {day} is not built yet ({path})")
            register_view(conn, table, [path])


def build_model(
    conn: duckdb.DuckDBPyConnection, layout: WarehouseLayout, model: Model, day: date
) -> BuildResult:
    """Build one day of ``model`` into its Parquet partition (replacing any previous one)."""
    started = time.perf_counter()
    bind_sources(conn, layout, model, day)
    query = model.sql.replace("$day", f"DATE '{day.isoformat()}'")
    rows = copy_to_parquet(conn, query, layout.dated_file(model.layer, model.name, day))
    return BuildResult(model.name, day, rows, time.perf_counter() - started)
