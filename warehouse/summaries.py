"""Small summary tables written into each published marts version for the dashboards.

The dashboards ask some questions whose answers would otherwise scan large tables on every
request: a seller's search terms (only the staged result clicks know them), the market's
supply and demand by make or governorate (every listing-day) and the market's activity per
day (every seller-day). Publication aggregates them once; requests read a few hundred rows.

- ``market_totals_daily``: one row per day, the market's activity (additive over days).
- ``market_supply_daily``: one row per day and make (``dimension = 'make'``) or governorate:
  active listings, median asking price of active listings, impressions, views, leads, orders.
- ``market_seller_reach``: the sellers active over any range of days, from a few rows (see
  ``MARKET_SELLER_REACH_SQL``).
- ``seller_search_terms``: one row per seller, day, search term and listing clicked, for the
  last ``TERMS_DAYS`` days up to the last published day, sorted by seller.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from warehouse.duckdb_session import sql_list
from warehouse.layout import WarehouseLayout

TERMS_DAYS = 92  # seller search terms kept for the last quarter; older ranges use the facts

# One row per seller, day, search term and listing clicked (clicks are additive; distinct
# listings of a range come from the listing column).
SELLER_TERMS_SQL = """SELECT seller_id, event_date AS date, query_normalised AS query,
        listing_id, count(*) AS clicks
    FROM read_parquet({files}) WHERE seller_id IS NOT NULL AND query_normalised <> ''
    GROUP BY ALL"""

# Supply and demand per day and make or governorate (listing_daily_performance has a row
# per active listing per day, so active listings are counted, not summed).
MARKET_SUPPLY_SQL = """SELECT date, '{key}' AS dimension, {key} AS key,
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

# Distinct sellers are not additive over days, so a range's count cannot be summed from daily
# rows. Instead: one row per day ``date`` and later day ``next_active`` with the number of
# sellers whose first day with a seller_daily_metrics row on or after ``date`` is
# ``next_active``. The sellers active from A to B (A on or after the first published day) are
# then ``sum(sellers) WHERE date = A AND next_active <= B``: at most one row per day of the
# range. (A seller's gaps between active days become one span each, expanded per day.)
MARKET_SELLER_REACH_SQL = """WITH active AS (
        SELECT DISTINCT seller_id, date FROM seller_daily_metrics),
      gaps AS (
        SELECT coalesce(lag(date) OVER (PARTITION BY seller_id ORDER BY date) + 1,
                        (SELECT min(date) FROM active)) AS first_date,
               date AS next_active
        FROM active),
      spans AS (SELECT first_date, next_active, count(*) AS sellers FROM gaps GROUP BY ALL)
    SELECT date, next_active, sum(sellers)::BIGINT AS sellers
    FROM (SELECT unnest(generate_series(first_date, next_active, INTERVAL 1 DAY))::DATE AS date,
                 next_active, sellers
          FROM spans)
    GROUP BY ALL"""

# Sellers active over $1 .. $2 and over $3 .. $4 (a range starting before the first published
# day reads that day's rows: nobody was active earlier).
ACTIVE_SELLERS_SQL = """WITH first AS (SELECT min(date) AS day FROM market_seller_reach)
    SELECT coalesce(sum(sellers) FILTER (date = greatest($1, day) AND next_active <= $2), 0)
             ::BIGINT AS now,
           coalesce(sum(sellers) FILTER (date = greatest($3, day) AND next_active <= $4), 0)
             ::BIGINT AS before
    FROM market_seller_reach, first
    WHERE date = greatest($1, day) OR date = greatest($3, day)"""

_EMPTY = """NULL::VARCHAR AS seller_id, NULL::DATE AS date, NULL::VARCHAR AS query,
    NULL::VARCHAR AS listing_id, NULL::BIGINT AS clicks"""


def market_supply_sql(key: str, marts: str = "", where: str = "") -> str:
    return MARKET_SUPPLY_SQL.format(key=key, marts=marts, where=where)


def market_totals_sql(marts: str = "", where: str = "") -> str:
    return MARKET_TOTALS_SQL.format(marts=marts, where=where)


def terms_first_day(last: date | None) -> date | None:
    """The first day ``seller_search_terms`` covers when the last published day is ``last``."""
    return None if last is None else last - timedelta(days=TERMS_DAYS - 1)


def seller_terms_files(layout: WarehouseLayout, last: date | None) -> list[Path]:
    """The staged result clicks ``seller_search_terms`` is built from."""
    first = terms_first_day(last)
    files = layout.dated_files("facts", "fct_result_clicks")
    if first is None:
        return files
    return [p for p in files if date.fromisoformat(p.parent.name.removeprefix("date=")) >= first]


# name -> (SQL over the published tables, ORDER BY); seller_search_terms is built apart
MARKET_SUMMARIES: dict[str, tuple[str, str]] = {
    "market_totals_daily": (market_totals_sql(), "date"),
    "market_supply_daily": (
        f"{market_supply_sql('make')} UNION ALL {market_supply_sql('governorate')}",
        "dimension, date, key",
    ),
    "market_seller_reach": (MARKET_SELLER_REACH_SQL, "date, next_active"),
}


def seller_terms_sql(files: list[Path]) -> str:
    """``CREATE TABLE seller_search_terms AS`` this (an empty table when there are no files)."""
    if not files:
        return f"SELECT {_EMPTY} WHERE false"
    return f"{SELLER_TERMS_SQL.format(files=sql_list(files))} ORDER BY seller_id, date"
