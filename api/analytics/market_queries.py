"""Read-only market queries for the admin dashboard that the warehouse's reader lacks.

Supply is the average number of active listings per day of the range (from
``listing_daily_performance``, which has a row for every active listing every day), so it
follows the chosen range rather than today's stock; demand is impressions, views, leads and
orders over the range.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from api.analytics.periods import Period
from api.analytics.reader import AnalyticsReader

METRICS = """coalesce(sum(impressions), 0)::BIGINT AS impressions,
    coalesce(sum(listing_views), 0)::BIGINT AS listing_views,
    coalesce(sum(search_clicks), 0)::BIGINT AS search_clicks,
    coalesce(sum(leads), 0)::BIGINT AS leads, coalesce(sum(orders), 0)::BIGINT AS orders,
    coalesce(sum(revenue_egp), 0)::DECIMAL(18, 2) AS revenue_egp"""


TOTALS = ("impressions", "listing_views", "search_clicks", "leads", "orders", "revenue_egp")


def compared_totals(
    reader: AnalyticsReader, period: Period
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Market totals (every seller, with searches) over the period and the previous one."""
    previous = period.previous()
    sums = ", ".join(
        f"coalesce(sum({c}) FILTER (date >= $1), 0) AS {c}, "
        f"coalesce(sum({c}) FILTER (date < $1), 0) AS previous_{c}"
        for c in TOTALS
    )
    row = reader.frame(
        f"""SELECT {sums},
                  count(DISTINCT seller_id) FILTER (date >= $1) AS active_sellers,
                  count(DISTINCT seller_id) FILTER (date < $1) AS previous_active_sellers,
                  (SELECT coalesce(sum(searches) FILTER (date >= $1), 0)::BIGINT
                   FROM search_term_daily WHERE date BETWEEN $2 AND $3) AS searches,
                  (SELECT coalesce(sum(searches) FILTER (date < $1), 0)::BIGINT
                   FROM search_term_daily WHERE date BETWEEN $2 AND $3) AS previous_searches
            FROM seller_daily_metrics WHERE date BETWEEN $2 AND $3""",
        [period.start, previous.start, period.end],
    ).row(0, named=True)
    keys = (*TOTALS, "active_sellers", "searches")
    return {k: row[k] for k in keys}, {k: row[f"previous_{k}"] for k in keys}


def series(reader: AnalyticsReader, period: Period) -> pl.DataFrame:
    """Market activity per bucket of the period's granularity (buckets with data only)."""
    unit = period.granularity.value
    return reader.frame(
        f"""WITH activity AS (
              SELECT date_trunc('{unit}', date)::DATE AS period, {METRICS}
              FROM seller_daily_metrics WHERE date BETWEEN $1 AND $2 GROUP BY 1),
            searched AS (
              SELECT date_trunc('{unit}', date)::DATE AS period,
                     sum(searches)::BIGINT AS searches
              FROM search_term_daily WHERE date BETWEEN $1 AND $2 GROUP BY 1)
            SELECT * EXCLUDE (searches), coalesce(searches, 0) AS searches
            FROM activity FULL JOIN searched USING (period) ORDER BY period""",
        [period.start, period.end],
    )


def _supply_and_demand(key: str) -> str:
    return f"""SELECT {key},
          round(count(*) FILTER (status = 'active') / $3, 1) AS active_listings,
          median(price_egp) FILTER (status = 'active')::DECIMAL(18, 2) AS median_price_egp,
          sum(impressions)::BIGINT AS impressions, sum(views)::BIGINT AS views,
          sum(leads)::BIGINT AS leads, sum(orders)::BIGINT AS orders
        FROM listing_daily_performance
        WHERE date BETWEEN $1 AND $2 AND {key} IS NOT NULL GROUP BY 1"""


def by_make(reader: AnalyticsReader, period: Period, limit: int = 12) -> pl.DataFrame:
    """Supply and demand per make, most viewed first."""
    return reader.frame(
        f"""SELECT * FROM ({_supply_and_demand("make")})
            ORDER BY views DESC, active_listings DESC, make LIMIT $4""",
        [period.start, period.end, period.days, limit],
    )


def by_governorate(reader: AnalyticsReader, period: Period) -> pl.DataFrame:
    """Supply and demand per governorate, with its English and Arabic names."""
    return reader.frame(
        f"""SELECT d.*, g.name_en, g.name_ar
            FROM ({_supply_and_demand("governorate")}) d
            LEFT JOIN dim_governorate g USING (governorate)
            ORDER BY views DESC, active_listings DESC, governorate""",
        [period.start, period.end, period.days],
    )


def price_trends(
    reader: AnalyticsReader,
    period: Period,
    *,
    segments: int = 5,
    governorate: str = "all",
    make: str | None = None,
    model: str | None = None,
) -> pl.DataFrame:
    """Asking-price quartiles of the busiest make/model/year segments per bucket (the mean
    of the segment's daily figures in the bucket), busiest segment first, optionally of one
    make or model."""
    unit = period.granularity.value
    return reader.frame(
        f"""WITH scope AS (
              SELECT * FROM market_price_index
              WHERE governorate = $3 AND date BETWEEN $1 AND $2
                AND ($4 IS NULL OR make = lower($4)) AND ($5 IS NULL OR model = lower($5))),
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
