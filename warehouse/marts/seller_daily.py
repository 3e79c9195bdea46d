"""seller_daily_metrics: a seller's funnel for one day.

Impressions are listings of the seller shown in search results (joined through dim_listing);
CTR = search result clicks / impressions; lead rate = leads / listing views; conversion =
orders / listing views; revenue = payments captured.
"""

from __future__ import annotations

from warehouse.models import Model

SELLER_DAILY_METRICS = Model(
    "seller_daily_metrics", "marts", "one row per seller per day with any activity or listing",
    ("seller_id", "date"),
    ("facts:agg_listing_impressions", "facts:fct_listing_views", "facts:fct_result_clicks",
     "facts:fct_leads", "facts:fct_orders", "facts:fct_payments", "dims:dim_listing"),
    """WITH imp AS (
          SELECT i.event_date AS date, l.seller_id, sum(i.impressions)::BIGINT AS impressions
          FROM agg_listing_impressions i JOIN dim_listing l
            ON l.listing_id = i.listing_id AND l.as_of_date = i.event_date
          GROUP BY 1, 2),
        views AS (
          SELECT date, seller_id, sum(n)::BIGINT AS listing_views, count(*) AS unique_viewers
          FROM (SELECT event_date AS date, seller_id, visitor_id, count(*) AS n
                FROM (SELECT event_date, seller_id, visitor_id FROM fct_listing_views
                      WHERE seller_id IS NOT NULL
                      UNION ALL
                      SELECT v.event_date, l.seller_id, v.visitor_id
                      FROM fct_listing_views v LEFT JOIN dim_listing l
                        ON l.listing_id = v.listing_id AND l.as_of_date = v.event_date
                      WHERE v.seller_id IS NULL)
                GROUP BY ALL)
          GROUP BY 1, 2),
        clicks AS (SELECT event_date AS date, seller_id, count(*) AS search_clicks
                   FROM fct_result_clicks GROUP BY 1, 2),
        leads AS (SELECT event_date AS date, seller_id, count(*) AS leads
                  FROM fct_leads GROUP BY 1, 2),
        orders AS (SELECT event_date AS date, seller_id, count(*) AS orders,
                          sum(total_egp) AS order_value_egp
                   FROM fct_orders GROUP BY 1, 2),
        pay AS (SELECT event_date AS date, seller_id,
                       count(*) FILTER (status = 'captured') AS payments_captured,
                       coalesce(sum(amount_egp) FILTER (status = 'captured'), 0) AS revenue_egp
                FROM fct_payments GROUP BY 1, 2),
        stock AS (SELECT as_of_date AS date, seller_id,
                         count(*) FILTER (status = 'active') AS active_listings
                  FROM dim_listing GROUP BY 1, 2),
        ids AS (SELECT date, seller_id FROM imp UNION SELECT date, seller_id FROM views
                UNION SELECT date, seller_id FROM clicks UNION SELECT date, seller_id FROM leads
                UNION SELECT date, seller_id FROM orders UNION SELECT date, seller_id FROM pay
                UNION SELECT date, seller_id FROM stock WHERE active_listings > 0)
        SELECT ids.date, ids.seller_id,
               coalesce(impressions, 0) AS impressions,
               coalesce(listing_views, 0) AS listing_views,
               coalesce(unique_viewers, 0) AS unique_viewers,
               coalesce(search_clicks, 0) AS search_clicks,
               round(coalesce(search_clicks, 0) / nullif(impressions, 0), 4) AS ctr,
               coalesce(leads, 0) AS leads,
               coalesce(orders, 0) AS orders,
               coalesce(order_value_egp, 0)::DECIMAL(18, 2) AS order_value_egp,
               coalesce(payments_captured, 0) AS payments_captured,
               coalesce(revenue_egp, 0)::DECIMAL(18, 2) AS revenue_egp,
               round(coalesce(leads, 0) / nullif(listing_views, 0), 4) AS lead_rate,
               round(coalesce(orders, 0) / nullif(listing_views, 0), 4) AS conversion_rate,
               coalesce(active_listings, 0) AS active_listings
        FROM ids LEFT JOIN imp USING (date, seller_id) LEFT JOIN views USING (date, seller_id)
        LEFT JOIN clicks USING (date, seller_id) LEFT JOIN leads USING (date, seller_id)
        LEFT JOIN orders USING (date, seller_id) LEFT JOIN pay USING (date, seller_id)
        LEFT JOIN stock USING (date, seller_id)
        WHERE ids.seller_id IS NOT NULL""",
    query_per_day=True,
)  # fmt: skip
