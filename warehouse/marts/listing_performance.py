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
    """WITH imp AS (SELECT listing_id, impressions FROM agg_listing_impressions),
        views AS (SELECT listing_id, count(*) AS views,
                         count(DISTINCT visitor_id) AS unique_viewers
                  FROM fct_listing_views GROUP BY 1),
        clicks AS (SELECT listing_id, count(*) AS search_clicks FROM fct_result_clicks
                   GROUP BY 1),
        leads AS (SELECT listing_id, count(*) AS leads FROM fct_leads GROUP BY 1),
        orders AS (SELECT listing_id, count(DISTINCT order_id) AS orders
                   FROM (SELECT order_id, unnest(listing_ids) AS listing_id FROM fct_orders)
                   GROUP BY 1),
        prices AS (SELECT listing_id, count(*) AS price_changes
                   FROM fct_listing_price_changes GROUP BY 1)
        SELECT $day AS date, l.listing_id, l.seller_id, l.make, l.model, l.year,
               l.governorate, l.status, l.price_egp, l.first_price_egp,
               l.price_change_count, l.published_date, l.days_on_market,
               coalesce(impressions, 0) AS impressions, coalesce(views, 0) AS views,
               coalesce(unique_viewers, 0) AS unique_viewers,
               coalesce(search_clicks, 0) AS search_clicks, coalesce(leads, 0) AS leads,
               coalesce(orders, 0) AS orders, coalesce(price_changes, 0) AS price_changes
        FROM dim_listing l
        LEFT JOIN imp USING (listing_id) LEFT JOIN views USING (listing_id)
        LEFT JOIN clicks USING (listing_id) LEFT JOIN leads USING (listing_id)
        LEFT JOIN orders USING (listing_id) LEFT JOIN prices USING (listing_id)
        WHERE l.status IN ('active', 'reserved') OR l.sold_date = $day
           OR l.archived_date = $day OR impressions > 0 OR views > 0 OR search_clicks > 0
           OR leads > 0 OR orders > 0 OR price_changes > 0""",
)  # fmt: skip
