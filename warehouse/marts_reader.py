"""The marts' read API for dashboards: Polars frames and dicts, read-only, lock-free.

Each call resolves ``serving/marts.duckdb`` to the version published last and queries it
through a cursor of a read-only connection kept per version (reopened when a new version is
published). No call ever writes, so any number of processes can read while the sink writes
Parquet and Dagster publishes new versions.

Seller isolation is the caller's job: every seller function takes the seller id explicitly
and returns only that seller's rows; the market functions are for admins.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from souk.errors import SoukError
from warehouse.layout import WarehouseLayout
from warehouse.serving import current_version
from warehouse.summaries import ACTIVE_SELLERS_SQL

Granularity = Literal["day", "week", "month"]
COUNTS = ("impressions", "listing_views", "unique_viewers", "search_clicks", "leads", "orders",
          "payments_captured")  # fmt: skip
MONEY = ("order_value_egp", "revenue_egp")
SUMMED = (*COUNTS, *MONEY)


def _sums(prefix: str = "") -> str:
    """Typed sums of the seller metrics (counts stay integers, money keeps two decimals)."""
    counts = [f"coalesce(sum({prefix}{c}), 0)::BIGINT AS {c}" for c in COUNTS]
    money = [f"coalesce(sum({prefix}{c}), 0)::DECIMAL(18, 2) AS {c}" for c in MONEY]
    return ", ".join(counts + money)


RATES = """round(search_clicks / nullif(impressions, 0), 4) AS ctr,
    round(leads / nullif(listing_views, 0), 4) AS lead_rate,
    round(orders / nullif(listing_views, 0), 4) AS conversion_rate"""


class WarehouseNotReadyError(SoukError):
    """No marts have been published yet (run the Dagster job or `souk warehouse build`)."""


class MartsReader:
    def __init__(self, layout: WarehouseLayout) -> None:
        self.layout = layout
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._conn: duckdb.DuckDBPyConnection | None = None

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        for _ in range(3):
            path = current_version(self.layout)
            if path is None:
                raise WarehouseNotReadyError("no marts published yet: run `souk warehouse build`")
            with self._lock:
                if path != self._path or self._conn is None:
                    try:
                        conn = duckdb.connect(str(path), read_only=True)
                    except duckdb.IOException:
                        continue  # pruned between resolving and opening: resolve again
                    conn.execute("SET threads = 1")  # small queries: no scheduling overhead
                    self._path, self._conn = path, conn
                return self._conn.cursor()
        raise WarehouseNotReadyError("the published marts keep changing; try again")

    def _frame(self, sql: str, params: list[Any]) -> pl.DataFrame:
        cursor = self._cursor()
        try:
            # fetchall + one DataFrame beats the Arrow export for the small answers asked here
            result = cursor.execute(sql, params)
            columns = [d[0] for d in result.description or []]
            return pl.DataFrame(result.fetchall(), schema=columns, orient="row")
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._path = None, None

    # -- seller dashboards -------------------------------------------------------------
    def seller_kpis(
        self, *, seller_id: str, start: date, end: date, granularity: Granularity = "day"
    ) -> pl.DataFrame:
        """One row per day/week/month of ``start``..``end``: counts, money and rates."""
        unit = {"day": "day", "week": "week", "month": "month"}[granularity]
        return self._frame(
            f"""SELECT period, {", ".join(SUMMED)}, {RATES} FROM (
                  SELECT date_trunc('{unit}', date)::DATE AS period, {_sums()}
                  FROM seller_daily_metrics
                  WHERE seller_id = ? AND date BETWEEN ? AND ? GROUP BY 1)
                ORDER BY period""",
            [seller_id, start, end],
        )

    def seller_kpi_totals(self, *, seller_id: str, start: date, end: date) -> dict[str, Any]:
        """The seller's totals over the range, with rates and current active listings."""
        frame = self._frame(
            f"""SELECT *, {RATES},
                  (SELECT listings_active FROM dim_seller WHERE seller_id = $1)
                    AS active_listings
                FROM (SELECT {_sums()} FROM seller_daily_metrics
                      WHERE seller_id = $1 AND date BETWEEN $2 AND $3)""",
            [seller_id, start, end],
        )
        return frame.row(0, named=True)

    def seller_listings(
        self, *, seller_id: str, start: date, end: date, limit: int = 500
    ) -> pl.DataFrame:
        """The seller's listings: current state, price band and activity over the range."""
        return self._frame(
            """WITH perf AS (
                  SELECT listing_id, sum(impressions)::BIGINT AS impressions,
                         sum(views)::BIGINT AS views,
                         sum(search_clicks)::BIGINT AS search_clicks, sum(leads)::BIGINT AS leads,
                         sum(orders)::BIGINT AS orders, sum(price_changes)::BIGINT AS price_changes
                  FROM listing_daily_performance
                  WHERE seller_id = $1 AND date BETWEEN $2 AND $3 GROUP BY 1),
                band AS (
                  SELECT listing_id, arg_max(price_band, date) AS price_band,
                         arg_max(segment_median_egp, date) AS segment_median_egp
                  FROM listing_price_position
                  WHERE seller_id = $1 AND date <= $3 GROUP BY 1)
                SELECT l.listing_id, l.make, l.model, l.year, l.governorate, l.status,
                       l.price_egp, l.first_price_egp, l.price_change_count,
                       l.published_date, l.days_on_market, band.price_band,
                       band.segment_median_egp,
                       coalesce(perf.impressions, 0) AS impressions,
                       coalesce(perf.views, 0) AS views,
                       coalesce(perf.search_clicks, 0) AS search_clicks,
                       coalesce(perf.leads, 0) AS leads, coalesce(perf.orders, 0) AS orders,
                       coalesce(perf.price_changes, 0) AS price_changes_in_range
                FROM dim_listing l LEFT JOIN perf USING (listing_id)
                LEFT JOIN band USING (listing_id)
                WHERE l.seller_id = $1
                ORDER BY views DESC, l.published_date DESC LIMIT $4""",
            [seller_id, start, end, limit],
        )

    # -- market (admin) ------------------------------------------------------------------
    def top_search_terms(
        self, *, start: date, end: date, limit: int = 20, zero_results_only: bool = False
    ) -> pl.DataFrame:
        """The most searched queries (or those that found nothing), with CTR."""
        having = "HAVING sum(zero_result_searches) > 0" if zero_results_only else ""
        order = "zero_result_searches" if zero_results_only else "searches"
        return self._frame(
            f"""SELECT query_normalised AS query, sum(searches)::BIGINT AS searches,
                       sum(zero_result_searches)::BIGINT AS zero_result_searches,
                       sum(clicks)::BIGINT AS clicks,
                       sum(searches_with_click)::BIGINT AS searches_with_click,
                       round(sum(searches_with_click) / nullif(sum(searches), 0), 4)
                         AS click_through_rate
                FROM search_term_daily WHERE date BETWEEN ? AND ? AND query_normalised <> ''
                GROUP BY 1 {having} ORDER BY {order} DESC, query LIMIT ?""",
            [start, end, limit],
        )

    def funnel(self, *, start: date, end: date) -> pl.DataFrame:
        """Search -> view -> lead -> order over the range (daily visitors summed)."""
        return self._frame(
            """SELECT stage, stage_name, sum(events)::BIGINT AS events,
                      sum(visitors)::BIGINT AS visitors,
                      sum(funnel_visitors)::BIGINT AS funnel_visitors,
                      round(sum(funnel_visitors) / nullif(first(sum(funnel_visitors))
                            OVER (ORDER BY stage), 0), 4) AS conversion_from_start
               FROM funnel_daily WHERE date BETWEEN ? AND ? GROUP BY 1, 2 ORDER BY 1""",
            [start, end],
        )

    def price_index(
        self, *, make: str, model: str, start: date, end: date, governorate: str = "all",
        year: int | None = None,
    ) -> pl.DataFrame:  # fmt: skip
        """The segment's daily quartiles of asking price (``governorate='all'``: nationwide)."""
        return self._frame(
            """SELECT date, make, model, year, governorate, listings, p25_price_egp,
                      median_price_egp, p75_price_egp
               FROM market_price_index
               WHERE make = ? AND model = ? AND governorate = ? AND date BETWEEN ? AND ?
                 AND (? IS NULL OR year = ?)
               ORDER BY year, date""",
            [make.lower(), model.lower(), governorate, start, end, year, year],
        )

    def market_overview(self, *, start: date, end: date) -> dict[str, Any]:
        """Admin totals over the range, the funnel, the busiest makes and governorates."""
        totals = self._frame(
            f"""SELECT (SELECT now FROM ({ACTIVE_SELLERS_SQL})) AS active_sellers,
                       {_sums()},
                       (SELECT count(*) FROM dim_listing WHERE status = 'active')
                         AS active_listings,
                       (SELECT coalesce(sum(searches), 0)::BIGINT FROM search_term_daily
                        WHERE date BETWEEN $1 AND $2) AS searches
                FROM market_daily WHERE date BETWEEN $1 AND $2""",
            [start, end, start, end],
        ).row(0, named=True)
        makes = self._frame(
            """SELECT make, sum(views)::BIGINT AS views, sum(leads)::BIGINT AS leads
               FROM market_make_daily WHERE date BETWEEN ? AND ?
               GROUP BY 1 ORDER BY views DESC LIMIT 10""",
            [start, end],
        )
        governorates = self._frame(
            """SELECT l.governorate, g.name_en, g.name_ar, count(*) AS active_listings,
                      median(l.price_egp) AS median_price_egp
               FROM dim_listing l LEFT JOIN dim_governorate g USING (governorate)
               WHERE l.status = 'active' GROUP BY ALL ORDER BY active_listings DESC""",
            [],
        )
        return {
            "totals": totals,
            "funnel": self.funnel(start=start, end=end).to_dicts(),
            "top_makes": makes.to_dicts(),
            "governorates": governorates.to_dicts(),
        }

    def status(self) -> dict[str, Any]:
        """Which version is served, when it was built and how many rows each table has."""
        frame = self._frame("SELECT * FROM serving_metadata ORDER BY table_name", [])
        return {"path": str(self._path), "tables": frame.to_dicts()}
