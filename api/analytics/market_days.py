"""The served version's daily market summaries, held in memory for the admin's overview.

``market_totals_daily``, ``market_supply_daily``, ``funnel_daily`` and
``market_seller_reach`` hold a few hundred rows per month of data (one per day, per day and
make or governorate, per day and funnel stage, per day and next active day). They change
only when a new version is published, so ``DerivedModels`` reads them once per version and
the overview picks a range's rows by bisecting the dates: no DuckDB query per request
(even a plain scan of a few hundred rows costs DuckDB 2-5 ms of CPU, most of it turning
values into Python objects).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import Any

import duckdb


@dataclass(frozen=True)
class DailyRows:
    """Rows sorted by ``date``, as dicts."""

    dates: list[date]
    rows: list[dict[str, Any]]

    def between(self, start: date, end: date) -> list[dict[str, Any]]:
        return self.rows[bisect_left(self.dates, start) : bisect_right(self.dates, end)]


@dataclass(frozen=True)
class SellerReach:
    """``market_seller_reach`` by first day: the next active days in order and the running
    sum of their sellers (see ``warehouse.summaries.MARKET_SELLER_REACH_SQL``)."""

    first_day: date | None
    by_day: dict[date, tuple[list[date], list[int]]]

    def active(self, start: date, end: date) -> int:
        """Sellers active on any day from ``start`` to ``end`` (as ``ACTIVE_SELLERS_SQL``)."""
        if self.first_day is None:
            return 0
        found = self.by_day.get(max(start, self.first_day))
        if found is None:
            return 0
        next_active, running = found
        reached = bisect_right(next_active, end)
        return running[reached - 1] if reached else 0


@dataclass(frozen=True)
class MarketDays:
    totals: DailyRows
    supply: DailyRows
    funnel: DailyRows
    reach: SellerReach


def _daily(conn: duckdb.DuckDBPyConnection, sql: str) -> DailyRows:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()
    return DailyRows([row["date"] for row in rows], rows)


def seller_reach(conn: duckdb.DuckDBPyConnection) -> SellerReach:
    cursor = conn.cursor()
    try:
        found = cursor.execute(
            "SELECT date, next_active, sellers FROM market_seller_reach ORDER BY date, next_active"
        ).fetchall()
    finally:
        cursor.close()
    grouped: dict[date, tuple[list[date], list[int]]] = {}
    for day, next_active, sellers in found:
        days, counts = grouped.setdefault(day, ([], []))
        days.append(next_active)
        counts.append(int(sellers))
    by_day = {day: (days, list(accumulate(counts))) for day, (days, counts) in grouped.items()}
    return SellerReach(min(by_day, default=None), by_day)


def load(conn: duckdb.DuckDBPyConnection) -> MarketDays:
    """Read the summaries of the version ``conn`` is open on (read-only)."""
    return MarketDays(
        totals=_daily(conn, "SELECT * FROM market_totals_daily ORDER BY date"),
        supply=_daily(
            conn,
            """SELECT date, dimension, key, active_listings, median_price_egp, impressions,
                      views, leads, orders
               FROM market_supply_daily ORDER BY date, dimension, key""",
        ),
        funnel=_daily(
            conn, "SELECT date, stage, stage_name, funnel_visitors FROM funnel_daily ORDER BY date"
        ),
        reach=seller_reach(conn),
    )
