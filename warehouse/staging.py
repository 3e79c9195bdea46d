"""Staging: raw events of one day, deduplicated by ``event_id``, typed and conformed.

Every fact keeps one row per event whatever the number of times the sink wrote it (the
``raw:`` sources are bound to deduplicated views, see ``warehouse.models``); money becomes
``DECIMAL(18, 2)``; search text is normalised (lower case, trimmed, single spaces) so that
one query is one search term.
"""

from __future__ import annotations

from warehouse.models import Model

# Runs of whitespace (RE2's \s: space, tab, LF, FF, CR) become one space. Most queries have
# none to collapse: those are only trimmed and lowered (the regular expression cost ~1 µs a
# row, a third of fct_result_clicks).
_QUERY = "coalesce(query, '')"
_NEEDS_COLLAPSE = " OR ".join(
    [f"contains({_QUERY}, '  ')"] + [f"contains({_QUERY}, chr({c}))" for c in (9, 10, 12, 13)]
)
QUERY_NORMALISED = (
    f"lower(trim(CASE WHEN {_NEEDS_COLLAPSE} "
    f"THEN regexp_replace({_QUERY}, '\\s+', ' ', 'g') ELSE {_QUERY} END))"
)
VISITOR = "coalesce(user_id, 'session:' || session_id)"
MONEY = "DECIMAL(18, 2)"


# fct_search_impressions, one row per listing shown in a search's results (search event x
# position), is this view over the deduplicated raw searches: the 20-odd impressions of a
# search stay nested in its raw row (writing them out one row each, 50M rows for 10M events,
# was the build's largest cost); agg_listing_impressions is what the marts read.
SEARCH_IMPRESSIONS_SQL = f"""SELECT event_id AS search_event_id, search_id, occurred_at,
    event_date, {VISITOR} AS visitor_id, {QUERY_NORMALISED} AS query_normalised,
    unnest(results_shown) AS listing_id, generate_subscripts(results_shown, 1) AS position
    FROM searches"""


def _norm(column: str) -> str:
    return f"nullif(lower(trim({column})), '')"


# Largest first: independent models are built side by side (warehouse.build.build_models),
# started in this order.
FACTS: tuple[Model, ...] = (
    # The big facts keep the visitor, not the user and session it comes from, nor the views'
    # source and the searches' raw text and filters: no mart, dashboard or publication reads
    # them, and writing them was ~20% of the views' and ~15% of the searches' CPU at 10M
    # events; the raw files keep them.
    Model(
        "agg_listing_impressions", "facts",
        "one row per listing per day it was shown in search results: impressions (from the "
        "impression-grain view fct_search_impressions), best and average position",
        ("listing_id", "event_date"), ("raw:searches",),
        f"""SELECT listing_id, event_date, count(*) AS impressions,
                   min(position) AS best_position, round(avg(position), 2) AS avg_position
            FROM ({SEARCH_IMPRESSIONS_SQL}) GROUP BY listing_id, event_date""",
        query_per_day=True,
    ),
    Model(
        "fct_searches", "facts", "one row per SearchPerformed event (a page of results)",
        ("event_id",), ("raw:searches",),
        f"""SELECT event_id, search_id, occurred_at, event_date, {VISITOR} AS visitor_id,
               {QUERY_NORMALISED} AS query_normalised, sort, page, hits_total, took_ms,
               coalesce(results_count, 0) AS results_count,
               coalesce(hits_total, 0) = 0 AS is_zero_result
            FROM searches""",
        query_per_day=True,
    ),
    Model(
        "fct_listing_views", "facts", "one row per ListingViewed event", ("event_id",),
        ("raw:listing_views",),
        f"""SELECT event_id, occurred_at, event_date, listing_id, seller_id,
               {VISITOR} AS visitor_id
            FROM listing_views""",
        query_per_day=True,
    ),
    Model(
        "fct_result_clicks", "facts", "one row per SearchResultClicked event", ("event_id",),
        ("raw:result_clicks",),
        f"""SELECT event_id, search_id, occurred_at, event_date,
               user_id, session_id, {VISITOR} AS visitor_id,
               {QUERY_NORMALISED} AS query_normalised, listing_id, seller_id, position
            FROM result_clicks""",
    ),
    Model(
        "fct_leads", "facts", "one row per LeadCreated event", ("event_id",),
        ("raw:lead_created",),
        """SELECT event_id, lead_id, occurred_at, event_date, listing_id,
               seller_id, buyer_id, channel
            FROM lead_created""",
    ),
    Model(
        "fct_orders", "facts", "one row per OrderPlaced event", ("event_id",),
        ("raw:order_placed",),
        f"""SELECT event_id, order_id, occurred_at, event_date, buyer_id,
               seller_id, kind, total_egp::{MONEY} AS total_egp,
               coalesce(json_array_length(payload_json, '$.items'), 0) AS items_count,
               list_filter(json_extract_string(payload_json, '$.items[*].listing_id'),
                           lambda x: x IS NOT NULL) AS listing_ids
            FROM order_placed""",
    ),
    Model(
        "fct_payments", "facts", "one row per payment outcome (PaymentCaptured or Declined)",
        ("event_id",), ("raw:payment_captured", "raw:payment_declined"),
        f"""SELECT * FROM (
              SELECT event_id, payment_id, order_id, seller_id, occurred_at, event_date,
                     'captured' AS status, amount_egp::{MONEY} AS amount_egp, provider,
                     NULL::VARCHAR AS decline_reason
              FROM payment_captured
              UNION ALL
              SELECT event_id, payment_id, order_id, seller_id, occurred_at, event_date,
                     'declined', amount_egp::{MONEY}, NULL, reason
              FROM payment_declined)""",
    ),
    Model(
        "fct_listing_price_changes", "facts", "one row per ListingPriceChanged event",
        ("event_id",), ("raw:listing_price_changed",),
        f"""SELECT event_id, listing_id, seller_id, occurred_at,
               event_date, version, old_price_egp::{MONEY} AS old_price_egp,
               new_price_egp::{MONEY} AS new_price_egp,
               round((new_price_egp - old_price_egp) / nullif(old_price_egp, 0), 4)
                 AS change_ratio
            FROM listing_price_changed""",
    ),
    Model(
        "fct_listing_status_changes", "facts",
        "one row per listing lifecycle event (published, reserved, released, sold, archived)",
        ("event_id",),
        ("raw:listing_published", "raw:listing_reserved", "raw:listing_released",
         "raw:listing_sold", "raw:listing_archived"),
        f"""SELECT * FROM (
              SELECT event_id, listing_id, seller_id, occurred_at, event_date, version,
                     event_type, 'active' AS status, NULL::VARCHAR AS order_id,
                     price_egp::{MONEY} AS price_egp FROM listing_published
              UNION ALL SELECT event_id, listing_id, seller_id, occurred_at, event_date,
                     version, event_type, 'reserved', order_id, NULL FROM listing_reserved
              UNION ALL SELECT event_id, listing_id, seller_id, occurred_at, event_date,
                     version, event_type, 'active', order_id, NULL FROM listing_released
              UNION ALL SELECT event_id, listing_id, seller_id, occurred_at, event_date,
                     version, event_type, 'sold', order_id, price_egp::{MONEY}
                     FROM listing_sold
              UNION ALL SELECT event_id, listing_id, seller_id, occurred_at, event_date,
                     version, event_type, 'archived', NULL, NULL FROM listing_archived)""",
    ),
    Model(
        "stg_listings_published", "facts",
        "one row per ListingPublished event, with the listing's attributes", ("event_id",),
        ("raw:listing_published",),
        f"""SELECT event_id, listing_id, seller_id, occurred_at AS
               published_at, event_date, version, {_norm("category")} AS category,
               {_norm("make")} AS make, {_norm("model")} AS model, trim, year,
               body_type, fuel, transmission, mileage_km, {_norm("condition")} AS condition,
               price_egp::{MONEY} AS price_egp,
               replace({_norm("governorate")}, ' ', '_') AS governorate, city
            FROM listing_published""",
    ),
    Model(
        "stg_sellers_registered", "facts", "one row per SellerRegistered event",
        ("event_id",), ("raw:seller_registered",),
        f"""SELECT event_id, seller_id, user_id, occurred_at AS
               registered_at, event_date, seller_type, name AS display_name,
               replace({_norm("governorate")}, ' ', '_') AS governorate
            FROM seller_registered""",
    ),
)  # fmt: skip

BY_FACT: dict[str, Model] = {m.name: m for m in FACTS}
