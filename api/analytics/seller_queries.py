"""Read-only queries for one seller's dashboard.

Every function takes the seller id explicitly and returns only that seller's rows (plus
market-wide search volume, which describes buyers, never another seller). The daily rows
come back plain and are summed and bucketed in Python (``seller_dashboard``): one cheap
query serves the key figures, the series and the funnel.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from api.analytics.derived import SELLER_TERMS_SQL
from api.analytics.periods import Period
from api.analytics.reader import AnalyticsReader
from warehouse.duckdb_session import sql_list
from warehouse.models import days_between

DAILY = ("impressions", "listing_views", "search_clicks", "leads", "orders", "revenue_egp")


def daily(
    reader: AnalyticsReader, *, seller_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    """The seller's ``seller_daily_metrics`` rows from ``start`` to ``end``."""
    return reader.rows(
        f"""SELECT date, {", ".join(DAILY)} FROM seller_daily_metrics
            WHERE seller_id = $1 AND date BETWEEN $2 AND $3 ORDER BY date""",
        [seller_id, start, end],
    )


def active_listings(reader: AnalyticsReader, *, seller_id: str) -> int:
    found = reader.rows("SELECT listings_active FROM dim_seller WHERE seller_id = $1", [seller_id])
    return int(found[0]["listings_active"] or 0) if found else 0


def listings(
    reader: AnalyticsReader, *, seller_id: str, period: Period, limit: int
) -> list[dict[str, Any]]:
    """The seller's listings: current state, last price band up to the period's end and
    activity over the period, most viewed first."""
    return reader.rows(
        """WITH perf AS (
              SELECT listing_id, sum(impressions) AS impressions, sum(views) AS views,
                     sum(search_clicks) AS search_clicks, sum(leads) AS leads,
                     sum(orders) AS orders
              FROM listing_daily_performance
              WHERE seller_id = $1 AND date BETWEEN $2 AND $3 GROUP BY listing_id),
            band AS (
              SELECT listing_id, arg_max(price_band, date) AS price_band,
                     arg_max(segment_median_egp, date) AS segment_median_egp
              FROM listing_price_position WHERE seller_id = $1 AND date <= $3
              GROUP BY listing_id)
            SELECT l.listing_id, l.make, l.model, l.year, l.governorate, l.status,
                   l.price_egp, l.first_price_egp, l.price_change_count, l.published_date,
                   l.days_on_market, band.price_band, band.segment_median_egp,
                   coalesce(perf.impressions, 0) AS impressions,
                   coalesce(perf.views, 0) AS views,
                   coalesce(perf.search_clicks, 0) AS search_clicks,
                   coalesce(perf.leads, 0) AS leads, coalesce(perf.orders, 0) AS orders
            FROM dim_listing l LEFT JOIN perf USING (listing_id)
            LEFT JOIN band USING (listing_id)
            WHERE l.seller_id = $1
            ORDER BY views DESC, l.published_date DESC, l.listing_id LIMIT $4""",
        [seller_id, period.start, period.end, limit],
    )


TERMS_QUERY = """SELECT query, sum(clicks)::BIGINT AS clicks,
        count(DISTINCT listing_id) AS listings
    FROM {source} WHERE seller_id = $1 AND date BETWEEN $2 AND $3
    GROUP BY query ORDER BY clicks DESC, query LIMIT $4"""


def search_terms(
    reader: AnalyticsReader, *, seller_id: str, period: Period, limit: int = 20
) -> list[dict[str, Any]]:
    """The searches whose results buyers clicked through to the seller's listings, with
    the market's search volume for each term.

    From the published ``seller_search_terms`` summary when the served version has it and it
    covers the period, else from the staged result clicks.
    """
    params: list[Any] = [seller_id, period.start, period.end, limit]
    ready = reader.derived.ready()
    terms = None
    if ready is not None and (ready[1] is None or ready[1] <= period.start):
        terms = reader.derived.rows(TERMS_QUERY.format(source="seller_search_terms"), params)
    if terms is None:
        files = reader.fact_files("fct_result_clicks", days_between(period.start, period.end))
        if not files:
            return []
        source = f"({SELLER_TERMS_SQL.format(files=sql_list(files))})"
        terms = reader.rows(TERMS_QUERY.format(source=source), params)
    if not terms:
        return []
    # list_position, not list_contains: DuckDB turns list_contains of a parameter into a hash
    # join against the list (~1 ms more CPU for the seller's 20 terms)
    volume = reader.rows(
        """SELECT query_normalised AS query, sum(searches)::BIGINT AS searches
           FROM search_term_daily
           WHERE date BETWEEN $1 AND $2
             AND list_position($3::VARCHAR[], query_normalised) IS NOT NULL
           GROUP BY 1""",
        [period.start, period.end, [t["query"] for t in terms]],
    )
    searches = {row["query"]: row["searches"] for row in volume}
    return [t | {"market_searches": int(searches.get(t["query"]) or 0)} for t in terms]


def directory(reader: AnalyticsReader, *, limit: int = 200) -> list[dict[str, Any]]:
    """Sellers known to the warehouse, busiest stock first (for an admin's picker)."""
    return reader.rows(
        """SELECT seller_id, display_name, seller_type, governorate, listings_total,
                  listings_active, listings_sold
           FROM dim_seller ORDER BY listings_active DESC, listings_total DESC, seller_id
           LIMIT $1""",
        [limit],
    )
