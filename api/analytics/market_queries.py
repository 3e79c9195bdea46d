"""Read-only market queries for the admin dashboard.

Daily market figures come from the summary tables published with the marts, held in memory
per served version (``derived.market()``, ``market_days``), else (a version published
without them, or ``derived`` disabled) from the same SQL over the marts; either way they
are summed and bucketed in Python, and so are the daily supply rows (a few hundred: cheaper
in Python than DuckDB's GROUP BY set-up). Supply is the average number of active listings per
day of the range; the median asking price of a make or governorate is the mean of its daily
medians.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from api.analytics.derived import market_supply_sql, market_totals_sql
from api.analytics.periods import Period
from api.analytics.reader import AnalyticsReader

CENT = Decimal("0.01")
TOTALS = (
    "impressions",
    "listing_views",
    "search_clicks",
    "leads",
    "orders",
    "revenue_egp",
    "searches",
)


def daily_totals(reader: AnalyticsReader, start: date, end: date) -> list[dict[str, Any]]:
    """The market's activity per day from ``start`` to ``end`` (days with data only)."""
    market = reader.derived.market()
    if market is not None:
        return market.totals.between(start, end)
    return reader.rows(
        f"{market_totals_sql(where='AND date BETWEEN $1 AND $2')} ORDER BY date", [start, end]
    )


def active_sellers(reader: AnalyticsReader, period: Period) -> tuple[int, int]:
    """Sellers with an active listing or any activity in the period and the previous one
    (from ``market_seller_reach``: the rows of two days, else counted over the marts)."""
    before = period.previous()
    market = reader.derived.market()
    if market is not None:
        reach = market.reach
        return reach.active(period.start, period.end), reach.active(before.start, before.end)
    row = reader.rows(
        """SELECT count(DISTINCT seller_id) FILTER (date >= $1) AS now,
                  count(DISTINCT seller_id) FILTER (date < $1) AS before
           FROM seller_daily_metrics WHERE date BETWEEN $2 AND $3""",
        [period.start, period.previous().start, period.end],
    )[0]
    return int(row["now"]), int(row["before"])


SUPPLY_COLUMNS = """dimension, key, active_listings, median_price_egp, impressions, views,
    leads, orders"""
SUPPLY_COUNTS = ("impressions", "views", "leads", "orders")


def daily_supply(reader: AnalyticsReader, period: Period) -> list[dict[str, Any]]:
    """Every day's supply and demand per make and per governorate of the period (a few
    hundred plain rows: a GROUP BY, even over so few rows, costs DuckDB several ms)."""
    market = reader.derived.market()
    if market is not None:
        return market.supply.between(period.start, period.end)
    where = "AND date BETWEEN $1 AND $2"
    daily = (
        f"{market_supply_sql('make', where=where)} UNION ALL "
        f"{market_supply_sql('governorate', where=where)}"
    )
    return reader.rows(f"SELECT {SUPPLY_COLUMNS} FROM ({daily})", [period.start, period.end])


def supply_and_demand(
    daily: list[dict[str, Any]], period: Period, key: str, limit: int
) -> list[dict[str, Any]]:
    """Per make (or governorate) from ``daily_supply``: average active listings per day,
    mean daily median price (to the piastre) and demand over the period, most viewed
    first."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in daily:
        if row["dimension"] == key:
            grouped.setdefault(row["key"], []).append(row)
    summed: list[dict[str, Any]] = []
    for name, rows in grouped.items():
        medians = [Decimal(m) for r in rows if (m := r["median_price_egp"]) is not None]
        mean = sum(medians, Decimal(0)) / len(medians) if medians else None
        summed.append(
            {
                "key": name,
                "active_listings": round(sum(r["active_listings"] for r in rows) / period.days, 1),
                "median_price_egp": None if mean is None else mean.quantize(CENT, ROUND_HALF_UP),
                **{c: sum(int(r[c] or 0) for r in rows) for c in SUPPLY_COUNTS},
            }
        )
    summed.sort(key=lambda r: (-r["views"], -r["active_listings"], r["key"]))
    return summed[:limit]


def funnel(reader: AnalyticsReader, period: Period) -> list[dict[str, Any]]:
    """The market funnel's stages with their visitors summed over the period's days."""
    market = reader.derived.market()
    daily = (
        market.funnel.between(period.start, period.end)
        if market is not None
        else reader.rows(
            """SELECT stage, stage_name, funnel_visitors FROM funnel_daily
               WHERE date BETWEEN $1 AND $2""",
            [period.start, period.end],
        )
    )
    stages: dict[int, dict[str, Any]] = {}
    for row in daily:
        stage = stages.setdefault(
            row["stage"],
            {"stage": row["stage"], "stage_name": row["stage_name"], "funnel_visitors": 0},
        )
        stage["funnel_visitors"] += int(row["funnel_visitors"])
    return [stages[number] for number in sorted(stages)]


def price_trends(
    reader: AnalyticsReader,
    period: Period,
    *,
    segments: int = 5,
    governorate: str = "all",
    make: str | None = None,
    model: str | None = None,
) -> list[dict[str, Any]]:
    """Asking-price quartiles of the busiest make/model/year segments per bucket (the mean
    of the segment's daily figures in the bucket), busiest segment first, optionally of one
    make or model."""
    unit = period.granularity.value
    return reader.rows(
        f"""WITH scope AS (
              SELECT * FROM market_price_index
              WHERE governorate = $3 AND date BETWEEN $1 AND $2
                AND ($4::VARCHAR IS NULL OR make = lower($4))
                AND ($5::VARCHAR IS NULL OR model = lower($5))),
            busiest AS (
              SELECT make, model, year,
                     row_number() OVER (ORDER BY avg(listings) DESC, make, model, year) AS rank
              FROM scope GROUP BY make, model, year ORDER BY rank LIMIT $6)
            SELECT rank, make, model, year, date_trunc('{unit}', date)::DATE AS period,
                   round(avg(listings), 1) AS listings,
                   avg(p25_price_egp)::DECIMAL(18, 2) AS p25_price_egp,
                   avg(median_price_egp)::DECIMAL(18, 2) AS median_price_egp,
                   avg(p75_price_egp)::DECIMAL(18, 2) AS p75_price_egp
            FROM scope JOIN busiest USING (make, model, year)
            GROUP BY rank, make, model, year, period ORDER BY rank, period""",
        [period.start, period.end, governorate, make, model, segments],
    )


# The most searched terms and those that found nothing, from one aggregation of the period
SEARCH_TERMS_SQL = """WITH terms AS (
      SELECT query_normalised AS query, sum(searches)::BIGINT AS searches,
             sum(zero_result_searches)::BIGINT AS zero_result_searches,
             sum(clicks)::BIGINT AS clicks,
             round(sum(searches_with_click) / nullif(sum(searches), 0), 4) AS click_through_rate
      FROM search_term_daily WHERE date BETWEEN $1 AND $2 AND query_normalised <> ''
      GROUP BY 1)
    (SELECT 'top' AS list, * FROM terms ORDER BY searches DESC, query LIMIT $3)
    UNION ALL
    (SELECT 'zero' AS list, * FROM terms WHERE zero_result_searches > 0
     ORDER BY zero_result_searches DESC, query LIMIT $3)"""


def search_terms(
    reader: AnalyticsReader, period: Period, limit: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The period's ``limit`` most searched terms, and the ``limit`` with the most searches
    that found nothing (one query: the two lists share their aggregation)."""
    top: list[dict[str, Any]] = []
    zero: list[dict[str, Any]] = []
    for row in reader.rows(SEARCH_TERMS_SQL, [period.start, period.end, limit]):
        (top if row.pop("list") == "top" else zero).append(row)
    top.sort(key=lambda r: (-r["searches"], r["query"]))
    zero.sort(key=lambda r: (-r["zero_result_searches"], r["query"]))
    return top, zero
