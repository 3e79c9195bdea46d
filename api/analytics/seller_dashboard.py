"""A seller's dashboard from the marts: key figures, time series, funnel, listings, terms.

Every function is given the seller id by ``access`` (the signed-in seller's own, or the one
an admin chose) and asks the reader for that seller's rows only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from api.analytics import display, seller_queries
from api.analytics.kpis import SELLER_KPIS, compare, number, rate
from api.analytics.periods import Period, bucket_start
from api.analytics.reader import AnalyticsReader
from api.analytics.schemas import (
    FunnelStageOut,
    KpiOut,
    ListingRowOut,
    PeriodOut,
    SellerFunnelOut,
    SellerKpisOut,
    SellerListingsOut,
    SellerRef,
    SellerSearchTermOut,
    SellerSearchTermsOut,
    SellerSeriesOut,
    SeriesPointOut,
)

FUNNEL = (
    ("search", "Shown in search", "impressions"),
    ("view", "Listing views", "listing_views"),
    ("lead", "Leads", "leads"),
    ("order", "Orders", "orders"),
)
LISTING_COLUMNS = (
    "listing_id",
    "make",
    "model",
    "year",
    "governorate",
    "status",
    "published_date",
    "days_on_market",
)
BANDS = ("great", "good", "fair", "high", "unrated")


def period_out(period: Period) -> PeriodOut:
    before = period.previous()
    return PeriodOut(
        start=period.start,
        end=period.end,
        granularity=period.granularity,
        days=period.days,
        previous_start=before.start,
        previous_end=before.end,
    )


def _envelope(reader: AnalyticsReader, seller: SellerRef, period: Period) -> dict[str, Any]:
    return {"seller": seller, "period": period_out(period), "data_through": reader.data_through()}


def _sums(rows: list[dict[str, Any]], start: date, end: date) -> dict[str, Any]:
    chosen = [r for r in rows if start <= r["date"] <= end]
    return {c: sum((number(r[c]) for r in chosen), 0.0) for c in seller_queries.DAILY}


def totals(reader: AnalyticsReader, seller_id: str, period: Period) -> dict[str, Any]:
    rows = seller_queries.daily(reader, seller_id=seller_id, start=period.start, end=period.end)
    return _sums(rows, period.start, period.end)


def kpis(reader: AnalyticsReader, seller: SellerRef, period: Period) -> SellerKpisOut:
    before = period.previous()
    rows = seller_queries.daily(
        reader, seller_id=seller.seller_id, start=before.start, end=period.end
    )
    now, then = _sums(rows, period.start, period.end), _sums(rows, before.start, before.end)
    figures = [KpiOut.model_validate(k) for k in compare(SELLER_KPIS, now, then)]
    stock = seller_queries.active_listings(reader, seller_id=seller.seller_id)
    return SellerKpisOut(**_envelope(reader, seller, period), kpis=figures, active_listings=stock)


def series(reader: AnalyticsReader, seller: SellerRef, period: Period) -> SellerSeriesOut:
    rows = seller_queries.daily(
        reader, seller_id=seller.seller_id, start=period.start, end=period.end
    )
    buckets: dict[date, dict[str, float]] = {}
    for row in rows:
        bucket = buckets.setdefault(bucket_start(row["date"], period.granularity), {})
        for column in seller_queries.DAILY:
            bucket[column] = bucket.get(column, 0.0) + number(row[column])
    points = [_point(b.start, b.days_in_range, buckets.get(b.start, {})) for b in period.buckets()]
    return SellerSeriesOut(**_envelope(reader, seller, period), points=points)


def _point(start: Any, days: int, row: Mapping[str, Any]) -> SeriesPointOut:
    counts = ("impressions", "listing_views", "search_clicks", "leads", "orders")
    return SeriesPointOut(
        period=start,
        days_in_range=days,
        **{c: int(number(row.get(c))) for c in counts},
        revenue_egp=number(row.get("revenue_egp")),
        ctr=rate(row, "search_clicks", "impressions"),
        conversion_rate=rate(row, "orders", "listing_views"),
    )


def funnel_stages(totals: Mapping[str, Any]) -> list[FunnelStageOut]:
    """Shown in search -> viewed -> lead -> order, each with its conversion."""
    counts = [int(number(totals.get(column))) for _, _, column in FUNNEL]
    stages = []
    for i, (name, label, _) in enumerate(FUNNEL):
        stages.append(
            FunnelStageOut(
                stage=i + 1,
                name=name,
                label=label,
                count=counts[i],
                conversion_from_previous=round(counts[i] / counts[i - 1], 4)
                if i and counts[i - 1]
                else None,
                conversion_from_start=round(counts[i] / counts[0], 4) if counts[0] else None,
            )
        )
    return stages


def funnel(reader: AnalyticsReader, seller: SellerRef, period: Period) -> SellerFunnelOut:
    stages = funnel_stages(totals(reader, seller.seller_id, period))
    return SellerFunnelOut(**_envelope(reader, seller, period), stages=stages)


def listings(
    reader: AnalyticsReader, seller: SellerRef, period: Period, limit: int = 500
) -> SellerListingsOut:
    found = seller_queries.listings(reader, seller_id=seller.seller_id, period=period, limit=limit)
    rows = [_listing(row) for row in found]
    bands: Counter[str] = Counter(row.price_band for row in rows)
    return SellerListingsOut(
        **_envelope(reader, seller, period),
        listings=rows,
        price_bands={band: bands[band] for band in BANDS},
    )


def _listing(row: Mapping[str, Any]) -> ListingRowOut:
    name_en, name_ar = display.governorate_names(row["governorate"])
    price, median = row["price_egp"], row["segment_median_egp"]
    band = row["price_band"] if row["price_band"] in BANDS else "unrated"
    return ListingRowOut(
        **{k: row[k] for k in LISTING_COLUMNS},
        title=display.car_title(row["make"], row["model"], row["year"]),
        governorate_name_en=name_en,
        governorate_name_ar=name_ar,
        price_egp=None if price is None else number(price),
        first_price_egp=None if row["first_price_egp"] is None else number(row["first_price_egp"]),
        price_change_count=int(number(row["price_change_count"])),
        price_band=band,
        segment_median_egp=None if median is None else number(median),
        price_vs_market=round(number(price) / number(median), 4) if price and median else None,
        **{
            k: int(number(row[k]))
            for k in ("impressions", "views", "search_clicks", "leads", "orders")
        },
    )


def search_terms(
    reader: AnalyticsReader, seller: SellerRef, period: Period, limit: int = 20
) -> SellerSearchTermsOut:
    found = seller_queries.search_terms(
        reader, seller_id=seller.seller_id, period=period, limit=limit
    )
    terms = [SellerSearchTermOut.model_validate(row) for row in found]
    return SellerSearchTermsOut(**_envelope(reader, seller, period), terms=terms)
