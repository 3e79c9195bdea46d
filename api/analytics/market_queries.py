"""Read-only market queries for the admin dashboard.

Daily market figures come from the summary tables published with the marts (``derived``),
else (a version published without them) from the same SQL over the marts; either way they
are summed and bucketed in Python. Supply is the average number of active listings per day
of the range; the median asking price of a make or governorate is the mean of its daily
medians.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from api.analytics.derived import ACTIVE_SELLERS_SQL, market_supply_sql, market_totals_sql
from api.analytics.periods import Period
from api.analytics.reader import AnalyticsReader

TOTALS = (
    "impressions",
    "listing_views",
    "search_clicks",
    "leads",
    "orders",
    "revenue_egp",
    "searches",
)


def _daily(
    reader: AnalyticsReader, derived_sql: str, source_sql: str, start: date, end: date
) -> list[dict[str, Any]]:
    found = reader.derived.rows(derived_sql, [start, end])
    return found if found is not None else reader.rows(source_sql, [start, end])


def daily_totals(reader: AnalyticsReader, start: date, end: date) -> list[dict[str, Any]]:
    """The market's activity per day from ``start`` to ``end`` (days with data only)."""
    return _daily(
        reader,
        "SELECT * FROM market_totals_daily WHERE date BETWEEN $1 AND $2 ORDER BY date",
        f"{market_totals_sql(where='AND date BETWEEN $1 AND $2')} ORDER BY date",
        start,
        end,
    )


def active_sellers(reader: AnalyticsReader, period: Period) -> tuple[int, int]:
    """Sellers with an active listing or any activity in the period and the previous one
    (from ``market_seller_reach``: the rows of two days, else counted over the marts)."""
    before = period.previous()
    found = reader.derived.rows(
        ACTIVE_SELLERS_SQL, [period.start, period.end, before.start, before.end]
    )
    if found is not None:
        return int(found[0]["now"]), int(found[0]["before"])
    row = reader.rows(
        """SELECT count(DISTINCT seller_id) FILTER (date >= $1) AS now,
                  count(DISTINCT seller_id) FILTER (date < $1) AS before
           FROM seller_daily_metrics WHERE date BETWEEN $2 AND $3""",
        [period.start, period.previous().start, period.end],
    )[0]
    return int(row["now"]), int(row["before"])


def supply_and_demand(
    reader: AnalyticsReader, period: Period, key: str, limit: int
) -> list[dict[str, Any]]:
    """Per make (or governorate): average active listings per day, mean daily median
    price and demand over the period, most viewed first."""
    summary = f"""SELECT key, round(sum(active_listings) / {period.days}, 1) AS active_listings,
            avg(median_price_egp)::DECIMAL(18, 2) AS median_price_egp,
            sum(impressions)::BIGINT AS impressions, sum(views)::BIGINT AS views,
            sum(leads)::BIGINT AS leads, sum(orders)::BIGINT AS orders
        FROM {{source}} GROUP BY key
        ORDER BY views DESC, active_listings DESC, key LIMIT {int(limit)}"""
    found = reader.derived.rows(
        summary.format(
            source="(SELECT * FROM market_supply_daily WHERE dimension = $1 "
            "AND date BETWEEN $2 AND $3)"
        ),
        [key, period.start, period.end],
    )
    if found is not None:
        return found
    daily = market_supply_sql(key, where="AND date BETWEEN $1 AND $2")
    return reader.rows(summary.format(source=f"({daily})"), [period.start, period.end])


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
