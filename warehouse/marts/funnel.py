"""funnel_daily: search -> listing view -> lead -> order, by visitors, for one day.

A visitor is the signed-in user, else the browser session. ``visitors`` counts everyone who
reached a stage; ``funnel_visitors`` only those who also reached every earlier stage that
day (leads and orders come from signed-in buyers, matched on their user id).
"""

from __future__ import annotations

from warehouse.models import Model

FUNNEL_DAILY = Model(
    "funnel_daily", "marts", "one row per funnel stage per day", ("stage", "date"),
    ("facts:fct_searches", "facts:fct_listing_views", "facts:fct_leads", "facts:fct_orders"),
    """WITH searched AS (SELECT DISTINCT visitor_id FROM fct_searches),
        viewed AS (SELECT DISTINCT visitor_id FROM fct_listing_views),
        led AS (SELECT DISTINCT buyer_id AS visitor_id FROM fct_leads),
        ordered AS (SELECT DISTINCT buyer_id AS visitor_id FROM fct_orders),
        s1 AS (SELECT visitor_id FROM searched),
        s2 AS (SELECT visitor_id FROM viewed SEMI JOIN s1 USING (visitor_id)),
        s3 AS (SELECT visitor_id FROM led SEMI JOIN s2 USING (visitor_id)),
        s4 AS (SELECT visitor_id FROM ordered SEMI JOIN s3 USING (visitor_id)),
        stages AS (
          SELECT 1 AS stage, 'search' AS stage_name, (SELECT count(*) FROM searched) AS v,
                 (SELECT count(*) FROM s1) AS f, (SELECT count(*) FROM fct_searches) AS e
          UNION ALL SELECT 2, 'view', (SELECT count(*) FROM viewed), (SELECT count(*) FROM s2),
                 (SELECT count(*) FROM fct_listing_views)
          UNION ALL SELECT 3, 'lead', (SELECT count(*) FROM led), (SELECT count(*) FROM s3),
                 (SELECT count(*) FROM fct_leads)
          UNION ALL SELECT 4, 'order', (SELECT count(*) FROM ordered),
                 (SELECT count(*) FROM s4), (SELECT count(*) FROM fct_orders))
        SELECT $day AS date, stage, stage_name, e AS events, v AS visitors,
               f AS funnel_visitors,
               round(f / nullif(lag(f) OVER (ORDER BY stage), 0), 4)
                 AS conversion_from_previous,
               round(f / nullif(first_value(f) OVER (ORDER BY stage), 0), 4)
                 AS conversion_from_start
        FROM stages ORDER BY stage""",
)  # fmt: skip
