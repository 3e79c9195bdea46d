"""Data-quality measurements of a built partition: key uniqueness, null keys, rows vs raw.

Dagster's asset checks report these; they are plain functions so the tests and the CLI can
run them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from warehouse.duckdb_session import register_view
from warehouse.layout import WarehouseLayout
from warehouse.models import Model, raw_columns
from warehouse.raw_tables import BY_NAME


@dataclass(frozen=True)
class Measurement:
    rows: int
    duplicate_keys: int
    null_keys: int


def measure(
    conn: duckdb.DuckDBPyConnection, layout: WarehouseLayout, model: Model, days: list[date]
) -> Measurement:
    files = layout.dated_files(model.layer, model.name, days)
    register_view(conn, "checked", files, {"_none": "INTEGER"} if not files else None)
    if not files:
        return Measurement(0, 0, 0)
    key = ", ".join(model.key)
    nulls = " OR ".join(f"{k} IS NULL" for k in model.key)
    row = conn.execute(
        f"""SELECT count(*), count(*) - (SELECT count(*) FROM (SELECT DISTINCT {key}
                                        FROM checked)),
                   count(*) FILTER ({nulls})
            FROM checked"""
    ).fetchone()
    assert row is not None
    return Measurement(int(row[0]), int(row[1]), int(row[2]))


def expected_fact_rows(
    conn: duckdb.DuckDBPyConnection, layout: WarehouseLayout, model: Model, days: list[date]
) -> int:
    """What an event-grain fact's row count must be for ``days``: its distinct raw events per
    day (one pass over the raw files of every day)."""
    raw_tables = [s.split(":", 1)[1] for s in model.sources if s.startswith("raw:")]
    for table in raw_tables:
        files = [p for day in days for p in layout.raw_files(table, day)]
        register_view(conn, table, files, raw_columns(BY_NAME[table]))
    union = " UNION ALL ".join(f"SELECT event_id, event_date FROM {t}" for t in raw_tables)
    wanted = ", ".join(f"DATE '{day.isoformat()}'" for day in days)
    row = conn.execute(
        f"""SELECT coalesce(sum(n), 0) FROM (
              SELECT count(DISTINCT event_id) AS n FROM ({union})
              WHERE event_date IN ({wanted}) GROUP BY event_date)"""
    ).fetchone()
    return int(row[0]) if row else 0
