"""Publish the marts as one read-only DuckDB file for the dashboards.

Each publication builds a NEW file ``serving/marts-<version>.duckdb`` from the mart Parquet
partitions (sorted so that a seller's rows sit together), checkpoints and closes it, then
points the symlink ``serving/marts.duckdb`` at it with an atomic rename. Readers resolve the
symlink per request and open the version it names read-only: nobody ever opens a file that
is being written, and a new version has a new path (DuckDB caches open databases by path).
Publications are serialised by a file lock; the two previous versions are kept for readers
still on them, older ones are deleted.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.duckdb_session import sql_list
from warehouse.layout import WarehouseLayout
from warehouse.summaries import MARKET_SUMMARIES, seller_terms_files, seller_terms_sql

log = logging.getLogger(__name__)
KEEP_VERSIONS = 3
ROW_GROUP_ROWS = 8192

# table -> (layer, ORDER BY); dimensions keep only their latest day
SERVING_TABLES: dict[str, tuple[str, str]] = {
    "seller_daily_metrics": ("marts", "seller_id, date"),
    "listing_daily_performance": ("marts", "seller_id, listing_id, date"),
    "market_price_index": ("marts", "make, model, year, governorate, date"),
    "listing_price_position": ("marts", "seller_id, listing_id, date"),
    "search_term_daily": ("marts", "date, query_normalised"),
    "funnel_daily": ("marts", "date, stage"),
    "dim_listing": ("latest", "seller_id, listing_id"),
    "dim_seller": ("latest", "seller_id"),
    "dim_make_model": ("latest", "make, model"),
    "dim_governorate": ("static", "governorate"),
    "dim_date": ("static", "date"),
}


# Small summaries for the admin view (the dashboards' own are in warehouse.summaries). No
# indexes: DuckDB's planner scans for every per-seller filter (EXPLAIN shows a Seq Scan with the
# indexes present) and the seller-sorted row groups' statistics do the narrowing.
DERIVED_TABLES: dict[str, str] = {
    "market_daily": """SELECT date, count(DISTINCT seller_id) AS active_sellers,
        sum(impressions)::BIGINT AS impressions, sum(listing_views)::BIGINT AS listing_views,
        sum(unique_viewers)::BIGINT AS unique_viewers, sum(search_clicks)::BIGINT AS search_clicks,
        sum(leads)::BIGINT AS leads, sum(orders)::BIGINT AS orders,
        sum(payments_captured)::BIGINT AS payments_captured,
        sum(order_value_egp)::DECIMAL(18, 2) AS order_value_egp,
        sum(revenue_egp)::DECIMAL(18, 2) AS revenue_egp
        FROM seller_daily_metrics GROUP BY date ORDER BY date""",
    "market_make_daily": """SELECT date, make, sum(views)::BIGINT AS views,
        sum(leads)::BIGINT AS leads, sum(impressions)::BIGINT AS impressions
        FROM listing_daily_performance GROUP BY date, make ORDER BY date, make""",
}


@dataclass(frozen=True)
class Publication:
    path: Path
    rows: dict[str, int]
    seconds: float


def current_version(layout: WarehouseLayout) -> Path | None:
    """The serving file readers should open now, or None before the first publication."""
    link = layout.serving_db
    try:
        return link.parent / os.readlink(link)
    except FileNotFoundError:
        return None


def publish(layout: WarehouseLayout, *, threads: int = 2) -> Publication:
    started = time.perf_counter()
    layout.serving_dir.mkdir(parents=True, exist_ok=True)
    with (layout.serving_dir / ".publish.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        version = f"marts-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}.duckdb"
        building = layout.serving_dir / f".{version}.building"
        rows = _build(layout, building, threads)
        os.replace(building, layout.serving_dir / version)
        link_tmp = layout.serving_dir / f".link-{uuid.uuid4().hex}"
        os.symlink(version, link_tmp)
        os.replace(link_tmp, layout.serving_db)
        _prune(layout)
    seconds = time.perf_counter() - started
    log.info("published %s in %.2fs: %s", version, seconds, rows)
    return Publication(layout.serving_dir / version, rows, seconds)


def _build(layout: WarehouseLayout, path: Path, threads: int) -> dict[str, int]:
    rows: dict[str, int] = {}
    conn = duckdb.connect(":memory:")
    try:
        target = str(path).replace("'", "''")
        # Small row groups: a seller's rows (sorted together) then sit in one or two row groups
        # that the min/max statistics single out, instead of one 122,880-row group per scan.
        conn.execute(f"ATTACH '{target}' AS serving (ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
        conn.execute("USE serving")
        conn.execute(f"SET threads = {int(threads)}")
        conn.execute("SET preserve_insertion_order = true")
        conn.execute("SET enable_progress_bar = false")
        for table, (kind, order) in SERVING_TABLES.items():
            files = _files(layout, table, kind)
            if not files:
                continue
            conn.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_parquet({sql_list(files)}, "
                f"union_by_name = true) ORDER BY {order}"
            )
            rows[table] = _count(conn, table)
        for table, sql in DERIVED_TABLES.items():
            if _has_sources(rows, sql):
                conn.execute(f"CREATE TABLE {table} AS {sql}")
                rows[table] = _count(conn, table)
        if {"seller_daily_metrics", "listing_daily_performance", "search_term_daily"} <= set(rows):
            _summarise(conn, layout, rows)
        conn.execute("CREATE TABLE serving_metadata (table_name VARCHAR, row_count BIGINT, "
                     "built_at TIMESTAMPTZ)")  # fmt: skip
        now = datetime.now(UTC)
        conn.executemany(
            "INSERT INTO serving_metadata VALUES (?, ?, ?)",
            [(t, n, now) for t, n in rows.items()],
        )
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    Path(f"{path}.wal").unlink(missing_ok=True)
    return rows


def _summarise(
    conn: duckdb.DuckDBPyConnection, layout: WarehouseLayout, rows: dict[str, int]
) -> None:
    """The dashboards' summary tables (``warehouse.summaries``)."""
    for table, (sql, order) in MARKET_SUMMARIES.items():
        conn.execute(f"CREATE TABLE {table} AS SELECT * FROM ({sql}) ORDER BY {order}")
        rows[table] = _count(conn, table)
    found = conn.execute("SELECT max(date) FROM seller_daily_metrics").fetchone()
    last = found[0] if found else None
    files = seller_terms_files(layout, last)
    conn.execute(f"CREATE TABLE seller_search_terms AS {seller_terms_sql(files)}")
    rows["seller_search_terms"] = _count(conn, "seller_search_terms")


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    found = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(found[0]) if found else 0


def _has_sources(rows: dict[str, int], sql: str) -> bool:
    return any(f"FROM {table} " in sql for table in rows)


def _files(layout: WarehouseLayout, table: str, kind: str) -> list[Path]:
    if kind == "static":
        path = layout.static_file("dims", table)
        return [path] if path.exists() else []
    files = layout.dated_files("marts" if kind == "marts" else "dims", table)
    return files[-1:] if kind == "latest" else files


def _prune(layout: WarehouseLayout) -> None:
    versions = sorted(layout.serving_dir.glob("marts-*.duckdb"))
    for old in versions[:-KEEP_VERSIONS]:
        old.unlink(missing_ok=True)
    for stale in layout.serving_dir.glob(".marts-*.building"):
        if time.time() - stale.stat().st_mtime > 3600:
            stale.unlink(missing_ok=True)
