"""search_term_daily: what buyers searched for, what they found and what they clicked.

click_through_rate = searches followed by at least one click / searches;
clicks_per_impression = result clicks / listings shown.
"""

from __future__ import annotations

from warehouse.models import Model

SEARCH_TERM_DAILY = Model(
    "search_term_daily", "marts", "one row per normalised query per day",
    ("query_normalised", "date"), ("facts:fct_searches", "facts:fct_result_clicks"),
    """WITH s AS (
          SELECT event_date AS date, query_normalised, count(*) AS searches,
                 count(*) FILTER (is_zero_result) AS zero_result_searches,
                 sum(results_count)::BIGINT AS impressions,
                 count(DISTINCT visitor_id) AS visitors,
                 round(avg(hits_total), 2) AS avg_hits, round(avg(took_ms), 2) AS avg_took_ms,
                 count(DISTINCT search_id) AS distinct_searches
          FROM fct_searches GROUP BY 1, 2),
        c AS (SELECT event_date AS date, query_normalised, count(*) AS clicks,
                     count(DISTINCT search_id) AS searches_with_click
              FROM fct_result_clicks GROUP BY 1, 2)
        SELECT coalesce(s.date, c.date) AS date,
               coalesce(s.query_normalised, c.query_normalised) AS query_normalised,
               coalesce(searches, 0) AS searches,
               coalesce(zero_result_searches, 0) AS zero_result_searches,
               coalesce(impressions, 0) AS impressions, coalesce(visitors, 0) AS visitors,
               avg_hits, avg_took_ms, coalesce(clicks, 0) AS clicks,
               coalesce(searches_with_click, 0) AS searches_with_click,
               round(least(coalesce(searches_with_click, 0)
                           / nullif(distinct_searches, 0), 1), 4) AS click_through_rate,
               round(coalesce(clicks, 0) / nullif(impressions, 0), 4)
                 AS clicks_per_impression
        FROM s FULL OUTER JOIN c
          ON c.date = s.date AND c.query_normalised = s.query_normalised""",
    query_per_day=True,
)  # fmt: skip
