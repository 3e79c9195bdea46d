"""Small read models the dashboards derive in memory from each published marts version.

Some questions are slow against the published marts: a seller's search terms (only the
staged result clicks know them: a scan of every click of the range) and the market's
figures by day, make and governorate (a scan of every seller-day and listing-day). For
each newly published version this module aggregates them once, in a background thread,
into an in-memory DuckDB database: ``seller_terms`` sorted by seller, ``market_daily`` by
day and make or governorate, ``market_totals`` by day. Requests read those in a few
milliseconds; until the build for the version being served is done, callers get ``None``
and run the same SQL on the published marts.

Nothing is written to the warehouse. These tables belong in the marts (a seller search
term mart above all); this module keeps dashboard reads fast until they are there.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from warehouse.duckdb_session import sql_list
from warehouse.layout import WarehouseLayout
from warehouse.serving import current_version

log = logging.getLogger(__name__)
TERMS_DAYS = 92  # seller search terms kept for the last quarter; older ranges use the facts

# One row per seller, day, search term and listing clicked (clicks are additive; distinct
# listings of a range come from the listing column).
SELLER_TERMS_SQL = """SELECT seller_id, event_date AS date, query_normalised AS query,
        listing_id, count(*) AS clicks
    FROM read_parquet({files}) WHERE seller_id IS NOT NULL AND query_normalised <> ''
    GROUP BY ALL"""

# Supply and demand per day and make or governorate (listing_daily_performance has a row
# per active listing per day, so active listings are counted, not summed).
MARKET_DAILY_SQL = """SELECT date, '{key}' AS dimension, {key} AS key,
        count(*) FILTER (status = 'active') AS active_listings,
        median(price_egp) FILTER (status = 'active') AS median_price_egp,
        sum(impressions)::BIGINT AS impressions, sum(views)::BIGINT AS views,
        sum(leads)::BIGINT AS leads, sum(orders)::BIGINT AS orders
    FROM {marts}listing_daily_performance WHERE {key} IS NOT NULL {where}
    GROUP BY date, {key}"""

# The market's activity per day (every figure is additive over days).
MARKET_TOTALS_SQL = """WITH activity AS (
        SELECT date, sum(impressions)::BIGINT AS impressions,
               sum(listing_views)::BIGINT AS listing_views,
               sum(search_clicks)::BIGINT AS search_clicks, sum(leads)::BIGINT AS leads,
               sum(orders)::BIGINT AS orders, sum(revenue_egp) AS revenue_egp
        FROM {marts}seller_daily_metrics WHERE true {where} GROUP BY date),
      searched AS (
        SELECT date, sum(searches)::BIGINT AS searches FROM {marts}search_term_daily
        WHERE true {where} GROUP BY date)
    SELECT * EXCLUDE (searches), coalesce(searches, 0) AS searches
    FROM activity FULL JOIN searched USING (date)"""


def market_daily_sql(key: str, marts: str = "", where: str = "") -> str:
    return MARKET_DAILY_SQL.format(key=key, marts=marts, where=where)


def market_totals_sql(marts: str = "", where: str = "") -> str:
    return MARKET_TOTALS_SQL.format(marts=marts, where=where)


class DerivedModels:
    def __init__(self, layout: WarehouseLayout, *, enabled: bool = True) -> None:
        self.layout = layout
        self.enabled = enabled  # False: always answer from the published marts
        self._lock = threading.Lock()
        self._built: tuple[Path, duckdb.DuckDBPyConnection, date | None] | None = None
        self._building: Path | None = None

    def ready(self) -> tuple[duckdb.DuckDBPyConnection, date | None] | None:
        """The models of the version being served (None until built; a build starts)."""
        version = current_version(self.layout) if self.enabled else None
        if version is None:
            return None
        with self._lock:
            built = self._built
            if built is not None and built[0] == version:
                return built[1], built[2]
            if self._building is None:
                self._building = version
                threading.Thread(
                    target=self._build, args=(version,), daemon=True, name="analytics-derived"
                ).start()
        return None

    def build_now(self) -> None:
        """Build for the served version in this thread (tests, warm-up)."""
        version = current_version(self.layout)
        if version is not None:
            self._build(version)

    def rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]] | None:
        ready = self.ready()
        if ready is None:
            return None
        cursor = ready[0].cursor()
        try:
            cursor.execute(sql, params)
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def terms_from(self) -> date | None:
        ready = self.ready()
        return ready[1] if ready is not None else None

    def _build(self, version: Path) -> None:
        started = time.perf_counter()
        try:
            conn, terms_from = self._materialise(version)
        except (duckdb.Error, OSError) as exc:
            log.warning("analytics read models for %s not built: %s", version.name, exc)
            with self._lock:
                self._building = None
            return
        with self._lock:
            previous, self._built, self._building = self._built, (version, conn, terms_from), None
        if previous is not None:
            previous[1].close()
        log.info(
            "analytics read models for %s built in %.2fs",
            version.name,
            time.perf_counter() - started,
        )

    def _materialise(self, version: Path) -> tuple[duckdb.DuckDBPyConnection, date | None]:
        conn = duckdb.connect(":memory:")
        conn.execute("SET threads = 1")
        source = str(version).replace("'", "''")
        conn.execute(f"ATTACH '{source}' AS marts (READ_ONLY)")
        parts = [market_daily_sql(k, "marts.") for k in ("make", "governorate")]
        conn.execute(
            f"CREATE TABLE market_daily AS {' UNION ALL '.join(parts)} ORDER BY dimension, date"
        )
        conn.execute(f"CREATE TABLE market_totals AS {market_totals_sql('marts.')} ORDER BY date")
        row = conn.execute("SELECT max(date) FROM marts.seller_daily_metrics").fetchone()
        conn.execute("DETACH marts")
        last = row[0] if row and isinstance(row[0], date) else None
        files = self.layout.dated_files("facts", "fct_result_clicks")
        terms_from = None
        if last is not None:
            terms_from = last - timedelta(days=TERMS_DAYS - 1)
            files = [p for p in files if date.fromisoformat(p.parent.name[5:]) >= terms_from]
        if files:
            conn.execute(
                f"CREATE TABLE seller_terms AS "
                f"{SELLER_TERMS_SQL.format(files=sql_list(files))} "
                "ORDER BY seller_id, date"
            )
        else:
            conn.execute(
                "CREATE TABLE seller_terms (seller_id VARCHAR, date DATE, "
                "query VARCHAR, listing_id VARCHAR, clicks BIGINT)"
            )
            terms_from = None
        return conn, terms_from

    def close(self) -> None:
        with self._lock:
            built, self._built = self._built, None
        if built is not None:
            built[1].close()
