"""Read-only queries for one seller that the warehouse's reader does not have.

Every function takes the seller id explicitly and returns only that seller's rows (plus
market-wide search volume, which describes buyers, never another seller).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from api.analytics.periods import Period
from api.analytics.reader import AnalyticsReader
from warehouse.build import days_between
from warehouse.duckdb_session import sql_list

TERM_COLUMNS = {
    "query": pl.String,
    "clicks": pl.Int64,
    "searches_with_click": pl.Int64,
    "listings": pl.Int64,
    "visitors": pl.Int64,
    "market_searches": pl.Int64,
}


TOTALS = ("impressions", "listing_views", "search_clicks", "leads", "orders", "revenue_egp")


def compared_totals(
    reader: AnalyticsReader, *, seller_id: str, period: Period
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The seller's totals over the period and over the previous one, in one scan (with
    today's active listings in both)."""
    previous = period.previous()
    sums = ", ".join(
        f"coalesce(sum({c}) FILTER (date >= $2), 0) AS {c}, "
        f"coalesce(sum({c}) FILTER (date < $2), 0) AS previous_{c}"
        for c in TOTALS
    )
    row = reader.frame(
        f"""SELECT {sums},
                  (SELECT listings_active FROM dim_seller WHERE seller_id = $1) AS active_listings
            FROM seller_daily_metrics WHERE seller_id = $1 AND date BETWEEN $3 AND $4""",
        [seller_id, period.start, previous.start, period.end],
    ).row(0, named=True)
    now = {c: row[c] for c in TOTALS} | {"active_listings": row["active_listings"]}
    return now, {c: row[f"previous_{c}"] for c in TOTALS}


def search_terms(
    reader: AnalyticsReader, *, seller_id: str, period: Period, limit: int = 20
) -> pl.DataFrame:
    """The searches whose results buyers clicked through to the seller's listings.

    Read from the staged result clicks (the marts have no per-seller search terms), joined
    with the market's search volume for the same terms from ``search_term_daily``.
    """
    files = reader.fact_files("fct_result_clicks", days_between(period.start, period.end))
    if not files:
        return pl.DataFrame(schema=TERM_COLUMNS)
    return reader.frame(
        f"""WITH clicks AS (
              SELECT query_normalised AS query, count(*) AS clicks,
                     count(DISTINCT search_id) AS searches_with_click,
                     count(DISTINCT listing_id) AS listings,
                     count(DISTINCT visitor_id) AS visitors
              FROM read_parquet({sql_list(files)})
              WHERE seller_id = $1 AND query_normalised <> '' GROUP BY 1
              ORDER BY clicks DESC, query LIMIT $4),
            market AS (
              SELECT query_normalised AS query, sum(searches)::BIGINT AS market_searches
              FROM search_term_daily
              WHERE date BETWEEN $2 AND $3 AND query_normalised IN (SELECT query FROM clicks)
              GROUP BY 1)
            SELECT query, clicks::BIGINT AS clicks,
                   searches_with_click::BIGINT AS searches_with_click,
                   listings::BIGINT AS listings, visitors::BIGINT AS visitors,
                   coalesce(market_searches, 0)::BIGINT AS market_searches
            FROM clicks LEFT JOIN market USING (query)
            ORDER BY clicks DESC, query""",
        [seller_id, period.start, period.end, limit],
    )


def directory(reader: AnalyticsReader, *, limit: int = 200) -> pl.DataFrame:
    """Sellers known to the warehouse, busiest stock first (for an admin's picker)."""
    return reader.frame(
        """SELECT seller_id, display_name, seller_type, governorate, listings_total,
                  listings_active, listings_sold
           FROM dim_seller ORDER BY listings_active DESC, listings_total DESC, seller_id
           LIMIT ?""",
        [limit],
    )


def display_name(reader: AnalyticsReader, seller_id: str) -> str | None:
    names = reader.frame("SELECT display_name FROM dim_seller WHERE seller_id = ?", [seller_id])[
        "display_name"
    ]
    return str(names[0]) if names.len() and names[0] is not None else None
