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
    """WITH searched AS (SELECT DISTINCT event_date AS date, visitor_id FROM fct_searches),
        viewed AS (SELECT DISTINCT event_date AS date, visitor_id FROM fct_listing_views),
        led AS (SELECT DISTINCT event_date AS date, buyer_id AS visitor_id FROM fct_leads),
        ordered AS (SELECT DISTINCT event_date AS date, buyer_id AS visitor_id FROM fct_orders),
        s1 AS (SELECT date, visitor_id FROM searched),
        s2 AS (SELECT date, visitor_id FROM viewed SEMI JOIN s1 USING (date, visitor_id)),
        s3 AS (SELECT date, visitor_id FROM led SEMI JOIN s2 USING (date, visitor_id)),
        s4 AS (SELECT date, visitor_id FROM ordered SEMI JOIN s3 USING (date, visitor_id)),
        events AS (
          SELECT 1 AS stage, event_date AS date, count(*) AS n FROM fct_searches GROUP BY 2
          UNION ALL SELECT 2, event_date, count(*) FROM fct_listing_views GROUP BY 2
          UNION ALL SELECT 3, event_date, count(*) FROM fct_leads GROUP BY 2
          UNION ALL SELECT 4, event_date, count(*) FROM fct_orders GROUP BY 2),
        visitors AS (
          SELECT 1 AS stage, date, count(*) AS n FROM searched GROUP BY 2
          UNION ALL SELECT 2, date, count(*) FROM viewed GROUP BY 2
          UNION ALL SELECT 3, date, count(*) FROM led GROUP BY 2
          UNION ALL SELECT 4, date, count(*) FROM ordered GROUP BY 2),
        reached AS (
          SELECT 1 AS stage, date, count(*) AS n FROM s1 GROUP BY 2
          UNION ALL SELECT 2, date, count(*) FROM s2 GROUP BY 2
          UNION ALL SELECT 3, date, count(*) FROM s3 GROUP BY 2
          UNION ALL SELECT 4, date, count(*) FROM s4 GROUP BY 2),
        stages AS (
          SELECT day AS date, t.stage, t.stage_name,
                 coalesce(e.n, 0) AS e, coalesce(v.n, 0) AS v, coalesce(r.n, 0) AS f
          FROM days
          CROSS JOIN (VALUES (1, 'search'), (2, 'view'), (3, 'lead'), (4, 'order'))
            AS t(stage, stage_name)
          LEFT JOIN events e ON e.stage = t.stage AND e.date = day
          LEFT JOIN visitors v ON v.stage = t.stage AND v.date = day
          LEFT JOIN reached r ON r.stage = t.stage AND r.date = day)
        SELECT date, stage, stage_name, e AS events, v AS visitors,
               f AS funnel_visitors,
               round(f / nullif(lag(f) OVER (PARTITION BY date ORDER BY stage), 0), 4)
                 AS conversion_from_previous,
               round(f / nullif(first_value(f) OVER (PARTITION BY date ORDER BY stage), 0), 4)
                 AS conversion_from_start
        FROM stages""",
    query_per_day=True,
)  # fmt: skip
