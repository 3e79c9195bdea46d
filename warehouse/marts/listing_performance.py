"""listing_daily_performance: how one listing did on one day, with its price and age."""

from __future__ import annotations

from warehouse.models import Model

LISTING_DAILY_PERFORMANCE = Model(
    "listing_daily_performance", "marts",
    "one row per listing per day on which it was active or had any activity",
    ("listing_id", "date"),
    ("facts:agg_listing_impressions", "facts:fct_listing_views", "facts:fct_result_clicks",
     "facts:fct_leads", "facts:fct_orders", "facts:fct_listing_price_changes",
     "dims:dim_listing"),
    """WITH imp AS (SELECT listing_id, event_date AS date, impressions
                 FROM agg_listing_impressions),
        views AS (SELECT listing_id, date, sum(n)::BIGINT AS views, count(*) AS unique_viewers
                  FROM (SELECT listing_id, event_date AS date, visitor_id, count(*) AS n
                        FROM fct_listing_views GROUP BY ALL)
                  GROUP BY 1, 2),
        clicks AS (SELECT listing_id, event_date AS date, count(*) AS search_clicks
                   FROM fct_result_clicks GROUP BY 1, 2),
        leads AS (SELECT listing_id, event_date AS date, count(*) AS leads FROM fct_leads
                  GROUP BY 1, 2),
        orders AS (SELECT listing_id, date, count(DISTINCT order_id) AS orders
                   FROM (SELECT order_id, event_date AS date, unnest(listing_ids) AS listing_id
                         FROM fct_orders)
                   GROUP BY 1, 2),
        prices AS (SELECT listing_id, event_date AS date, count(*) AS price_changes
                   FROM fct_listing_price_changes GROUP BY 1, 2)
        SELECT date, l.listing_id, l.seller_id, l.make, l.model, l.year,
               l.governorate, l.status, l.price_egp, l.first_price_egp,
               l.price_change_count, l.published_date, l.days_on_market,
               coalesce(impressions, 0) AS impressions, coalesce(views, 0) AS views,
               coalesce(unique_viewers, 0) AS unique_viewers,
               coalesce(search_clicks, 0) AS search_clicks, coalesce(leads, 0) AS leads,
               coalesce(orders, 0) AS orders, coalesce(price_changes, 0) AS price_changes
        FROM (SELECT *, as_of_date AS date FROM dim_listing) l
        LEFT JOIN imp USING (listing_id, date) LEFT JOIN views USING (listing_id, date)
        LEFT JOIN clicks USING (listing_id, date) LEFT JOIN leads USING (listing_id, date)
        LEFT JOIN orders USING (listing_id, date) LEFT JOIN prices USING (listing_id, date)
        WHERE l.status IN ('active', 'reserved') OR l.sold_date = l.as_of_date
           OR l.archived_date = l.as_of_date OR impressions > 0 OR views > 0
           OR search_clicks > 0 OR leads > 0 OR orders > 0 OR price_changes > 0""",
    query_per_day=True,
)  # fmt: skip
