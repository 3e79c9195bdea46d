"""Dimensions: listings, sellers and makes/models as of the end of a day; governorates; dates.

``dim_listing`` for day D replays every listing event up to D (every day of a range in one
pass): attributes from the latest
ListingPublished (filled in from the Postgres snapshot where the event lacks them), price
from the latest ListingPriceChanged, status from the latest lifecycle event.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from core.governorates import GOVERNORATES
from warehouse.models import OPTIONAL_STATIC, Model

# The Postgres snapshot (dagster_project's catalog_snapshot asset) may not exist yet.
OPTIONAL_STATIC["listing_snapshot"] = {
    "listing_id": "VARCHAR", "seller_id": "VARCHAR", "trim": "VARCHAR", "body_type": "VARCHAR",
    "fuel": "VARCHAR", "transmission": "VARCHAR", "colour": "VARCHAR", "mileage_km": "BIGINT",
}  # fmt: skip
OPTIONAL_STATIC["seller_snapshot"] = {
    "seller_id": "VARCHAR", "seller_type": "VARCHAR", "display_name": "VARCHAR",
    "governorate": "VARCHAR",
}  # fmt: skip

# Running state per listing (or seller): one row per day with events, carrying the state as
# of that day's end; the dimension of day D takes the last such row on or before D (ASOF
# join), so a range of days is replayed in one pass. A fact's day is the Cairo day of its
# time, so the latest event up to D is the latest of the last day with events: the latest
# publication, price and status are that day's own (no window); only counts and dates that
# accumulate over the days so far are running windows.
_RUNNING = "WINDOW running AS (PARTITION BY {key} ORDER BY event_date)"

DIMENSIONS: tuple[Model, ...] = (
    Model(
        "dim_listing", "dims", "one row per listing published up to the day, as of its end",
        ("listing_id", "as_of_date"),
        ("facts<=:stg_listings_published", "facts<=:fct_listing_price_changes",
         "facts<=:fct_listing_status_changes", "static:listing_snapshot"),
        f"""WITH pub AS (
              SELECT listing_id, event_date, p
              FROM (SELECT listing_id, published_at, version, event_id, event_date, p
                    FROM stg_listings_published p)
              QUALIFY row_number() OVER (PARTITION BY listing_id, event_date
                                         ORDER BY published_at DESC, version DESC,
                                                  event_id DESC) = 1),
            price_day AS (
              SELECT listing_id, event_date, count(*) AS changes,
                     arg_max(new_price_egp, (occurred_at, version)) AS price_egp
              FROM fct_listing_price_changes GROUP BY listing_id, event_date),
            price AS (
              SELECT listing_id, event_date, price_egp,
                     (sum(changes) OVER running)::BIGINT AS price_change_count
              FROM price_day {_RUNNING.format(key="listing_id")}),
            life_day AS (
              SELECT listing_id, event_date, arg_max(status, (occurred_at, version)) AS status,
                     max(event_date) FILTER (status = 'sold') AS sold_date,
                     max(event_date) FILTER (status = 'archived') AS archived_date
              FROM fct_listing_status_changes GROUP BY listing_id, event_date),
            life AS (
              SELECT listing_id, event_date, status,
                     max(sold_date) OVER running AS sold_date,
                     max(archived_date) OVER running AS archived_date
              FROM life_day {_RUNNING.format(key="listing_id")}),
            grid AS (
              SELECT listing_id, published_date, day FROM (
                SELECT listing_id, min(event_date) AS published_date FROM pub GROUP BY 1)
              JOIN days ON day >= published_date)
            SELECT g.listing_id, p.seller_id, p.category, p.make, p.model,
                   p.make || ' ' || p.model AS make_model,
                   coalesce(p.trim, s.trim) AS trim, p.year,
                   coalesce(p.body_type, s.body_type) AS body_type,
                   coalesce(p.fuel, s.fuel) AS fuel,
                   coalesce(p.transmission, s.transmission) AS transmission,
                   s.colour, coalesce(p.mileage_km, s.mileage_km) AS mileage_km, p.condition,
                   p.governorate, p.city, p.price_egp AS first_price_egp,
                   coalesce(price.price_egp, p.price_egp) AS price_egp,
                   coalesce(price.price_change_count, 0) AS price_change_count,
                   coalesce(life.status, 'active') AS status,
                   g.published_date, life.sold_date, life.archived_date,
                   date_diff('day', g.published_date,
                             CASE WHEN life.status = 'sold' THEN life.sold_date
                                  WHEN life.status = 'archived' THEN life.archived_date
                                  ELSE g.day END) AS days_on_market,
                   g.day AS as_of_date
            FROM grid g
            ASOF JOIN pub ON pub.listing_id = g.listing_id AND g.day >= pub.event_date
            ASOF LEFT JOIN price ON price.listing_id = g.listing_id
                 AND g.day >= price.event_date
            ASOF LEFT JOIN life ON life.listing_id = g.listing_id AND g.day >= life.event_date
            LEFT JOIN listing_snapshot s ON s.listing_id = g.listing_id""",
    ),
    Model(
        "dim_seller", "dims", "one row per seller known up to the day, as of its end",
        ("seller_id", "as_of_date"),
        ("facts<=:stg_sellers_registered", "dims:dim_listing", "static:seller_snapshot"),
        f"""WITH reg_day AS (
              SELECT seller_id, event_date, arg_max(r, registered_at) AS r
              FROM stg_sellers_registered r GROUP BY seller_id, event_date),
            reg AS (
              SELECT seller_id, event_date, arg_max(r, r.registered_at) OVER running AS r,
                     min(event_date) OVER running AS registered_date
              FROM reg_day {_RUNNING.format(key="seller_id")}),
            listings AS (
              SELECT seller_id, as_of_date AS day, count(*) AS listings_total,
                     count(*) FILTER (status = 'active') AS listings_active,
                     count(*) FILTER (status = 'sold') AS listings_sold,
                     min(published_date) AS first_listing_date
              FROM dim_listing GROUP BY seller_id, as_of_date),
            ids AS (
              SELECT seller_id, day FROM (
                SELECT seller_id, min(event_date) AS first_day FROM reg_day GROUP BY 1)
              JOIN days ON day >= first_day
              UNION SELECT seller_id, day FROM listings)
            SELECT ids.seller_id,
                   coalesce(reg.r.seller_type, s.seller_type) AS seller_type,
                   coalesce(reg.r.display_name, s.display_name) AS display_name,
                   coalesce(reg.r.governorate, s.governorate) AS governorate,
                   reg.registered_date, listings.first_listing_date,
                   coalesce(listings_total, 0) AS listings_total,
                   coalesce(listings_active, 0) AS listings_active,
                   coalesce(listings_sold, 0) AS listings_sold,
                   ids.day AS as_of_date
            FROM ids
            ASOF LEFT JOIN reg ON reg.seller_id = ids.seller_id AND ids.day >= reg.event_date
            LEFT JOIN listings ON listings.seller_id = ids.seller_id AND listings.day = ids.day
            LEFT JOIN seller_snapshot s ON s.seller_id = ids.seller_id
            WHERE ids.seller_id IS NOT NULL""",
    ),
    Model(
        "dim_make_model", "dims", "one row per make and model listed up to the day",
        ("make", "model", "as_of_date"), ("dims:dim_listing",),
        """SELECT make, model, make_model, count(*) AS listings_total,
                  count(*) FILTER (status = 'active') AS listings_active,
                  min(year) AS min_year, max(year) AS max_year,
                  median(price_egp) FILTER (status = 'active') AS median_active_price_egp,
                  as_of_date
           FROM dim_listing WHERE make IS NOT NULL AND model IS NOT NULL
           GROUP BY make, model, make_model, as_of_date""",
    ),
)  # fmt: skip

BY_DIMENSION: dict[str, Model] = {m.name: m for m in DIMENSIONS}


def governorate_frame() -> pl.DataFrame:
    """dim_governorate: one row per governorate (core/governorates.py)."""
    return pl.DataFrame(
        {
            "governorate": [g.code for g in GOVERNORATES],
            "name_en": [g.name_en for g in GOVERNORATES],
            "name_ar": [g.name_ar for g in GOVERNORATES],
            "latitude": [g.latitude for g in GOVERNORATES],
            "longitude": [g.longitude for g in GOVERNORATES],
        }
    )


def date_frame(start: date, end: date) -> pl.DataFrame:
    """dim_date: one row per calendar day; Egypt's weekend is Friday and Saturday."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    frame = pl.DataFrame({"date": days}, schema={"date": pl.Date})
    return frame.with_columns(
        year=pl.col("date").dt.year(),
        quarter=pl.col("date").dt.quarter(),
        month=pl.col("date").dt.month(),
        month_name=pl.col("date").dt.strftime("%B"),
        iso_week=pl.col("date").dt.week(),
        day_of_week=pl.col("date").dt.weekday(),  # Monday 1 ... Sunday 7
        day_name=pl.col("date").dt.strftime("%A"),
        is_weekend=pl.col("date").dt.weekday().is_in([5, 6]),
        week_start=pl.col("date").dt.truncate("1w"),
        month_start=pl.col("date").dt.month_start(),
    )
