"""market_price_index and listing_price_position: asking prices of active cars, and where
each listing sits against its segment.

A segment is make + model + year, per governorate and nationwide (``governorate = 'all'``).
A listing is compared with its governorate's segment when that has at least
``MIN_SEGMENT_LISTINGS`` active listings, else with the national one, else it is ``unrated``.
Bands by price / segment median: ``great`` <= 0.90 < ``good`` <= 0.97 < ``fair`` <= 1.05 <
``high`` (the listing itself counts in its segment).
"""

from __future__ import annotations

from warehouse.models import Model

MIN_SEGMENT_LISTINGS = 5
GREAT_MAX, GOOD_MAX, FAIR_MAX = 0.90, 0.97, 1.05

_ACTIVE_CARS = """SELECT * FROM dim_listing
    WHERE status = 'active' AND coalesce(category, 'car') = 'car' AND price_egp > 0
      AND make IS NOT NULL AND model IS NOT NULL AND year IS NOT NULL"""

MARKET_PRICE_INDEX = Model(
    "market_price_index",
    "marts",
    "one row per make, model, year and governorate (and 'all') per day, over active cars",
    ("make", "model", "year", "governorate", "date"),
    ("dims:dim_listing",),
    f"""SELECT as_of_date AS date, make, model, year,
               CASE WHEN grouping(governorate) = 1 THEN 'all'
                    ELSE coalesce(governorate, 'unknown') END AS governorate,
               count(*) AS listings,
               quantile_cont(price_egp, 0.25)::DECIMAL(18, 2) AS p25_price_egp,
               median(price_egp)::DECIMAL(18, 2) AS median_price_egp,
               quantile_cont(price_egp, 0.75)::DECIMAL(18, 2) AS p75_price_egp,
               min(price_egp) AS min_price_egp, max(price_egp) AS max_price_egp,
               avg(price_egp)::DECIMAL(18, 2) AS mean_price_egp
        FROM ({_ACTIVE_CARS})
        GROUP BY GROUPING SETS ((as_of_date, make, model, year, governorate),
                               (as_of_date, make, model, year))""",
)

LISTING_PRICE_POSITION = Model(
    "listing_price_position",
    "marts",
    "one row per active car listing per day: its price against its segment's median",
    ("listing_id", "date"),
    ("dims:dim_listing", "marts:market_price_index"),
    f"""WITH cars AS ({_ACTIVE_CARS}),
        placed AS (
          SELECT c.as_of_date AS date, c.listing_id, c.seller_id, c.make, c.model, c.year,
                 c.governorate, c.price_egp,
                 CASE WHEN g.listings >= {MIN_SEGMENT_LISTINGS} THEN 'governorate'
                      WHEN n.listings >= {MIN_SEGMENT_LISTINGS} THEN 'national' END AS segment,
                 CASE WHEN g.listings >= {MIN_SEGMENT_LISTINGS} THEN g.median_price_egp
                      WHEN n.listings >= {MIN_SEGMENT_LISTINGS} THEN n.median_price_egp
                      END AS segment_median_egp,
                 CASE WHEN g.listings >= {MIN_SEGMENT_LISTINGS} THEN g.listings
                      ELSE n.listings END AS segment_listings
          FROM cars c
          LEFT JOIN market_price_index g ON g.date = c.as_of_date AND g.make = c.make
               AND g.model = c.model AND g.year = c.year AND g.governorate = c.governorate
          LEFT JOIN market_price_index n ON n.date = c.as_of_date AND n.make = c.make
               AND n.model = c.model AND n.year = c.year AND n.governorate = 'all')
        SELECT *,
               round(price_egp / segment_median_egp, 4) AS price_ratio,
               CASE WHEN segment_median_egp IS NULL THEN 'unrated'
                    WHEN price_egp <= {GREAT_MAX} * segment_median_egp THEN 'great'
                    WHEN price_egp <= {GOOD_MAX} * segment_median_egp THEN 'good'
                    WHEN price_egp <= {FAIR_MAX} * segment_median_egp THEN 'fair'
                    ELSE 'high' END AS price_band
        FROM placed""",
)
