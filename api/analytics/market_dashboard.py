"""The admin's market dashboard: totals, activity, funnel, supply and demand, prices.

Each answer is computed once per published marts version and parameters
(``AnalyticsReader.remembered``): it cannot change until the marts are published again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from api.analytics import display, market_queries
from api.analytics.kpis import MARKET_KPIS, compare, number
from api.analytics.periods import Period, bucket_start
from api.analytics.reader import AnalyticsReader
from api.analytics.schemas import (
    FunnelStageOut,
    KpiOut,
    MarketOverviewOut,
    MarketPointOut,
    MarketSearchTermOut,
    MarketSearchTermsOut,
    PriceIndexOut,
    PricePointOut,
    PriceSegmentOut,
    SupplyDemandOut,
)
from api.analytics.seller_dashboard import period_out

STAGE_LABELS = {
    "search": "Searched",
    "view": "Viewed a listing",
    "lead": "Sent a lead",
    "order": "Ordered",
}


def _sums(rows: list[dict[str, Any]], start: date, end: date) -> dict[str, Any]:
    chosen = [r for r in rows if start <= r["date"] <= end]
    return {c: sum((number(r[c]) for r in chosen), 0.0) for c in market_queries.TOTALS}


def kpis(
    reader: AnalyticsReader, period: Period, rows: list[dict[str, Any]] | None = None
) -> list[KpiOut]:
    """Market figures against the previous period (``rows``: daily totals of both)."""
    before = period.previous()
    if rows is None:
        rows = market_queries.daily_totals(reader, before.start, period.end)
    now, then = _sums(rows, period.start, period.end), _sums(rows, before.start, before.end)
    now["active_sellers"], then["active_sellers"] = market_queries.active_sellers(reader, period)
    return [KpiOut.model_validate(k) for k in compare(MARKET_KPIS, now, then)]


def overview(reader: AnalyticsReader, period: Period) -> MarketOverviewOut:
    return reader.remembered(("overview", period), lambda: _overview(reader, period))


def _overview(reader: AnalyticsReader, period: Period) -> MarketOverviewOut:
    rows = market_queries.daily_totals(reader, period.previous().start, period.end)
    buckets: dict[date, dict[str, float]] = {}
    for row in rows:
        if row["date"] >= period.start:
            bucket = buckets.setdefault(bucket_start(row["date"], period.granularity), {})
            for column in market_queries.TOTALS:
                bucket[column] = bucket.get(column, 0.0) + number(row[column])
    series = [_point(b.start, b.days_in_range, buckets.get(b.start, {})) for b in period.buckets()]
    funnel = market_queries.funnel(reader, period)
    supply = market_queries.daily_supply(reader, period)
    makes = market_queries.supply_and_demand(supply, period, "make", limit=12)
    governorates = market_queries.supply_and_demand(supply, period, "governorate", limit=30)
    return MarketOverviewOut(
        period=period_out(period),
        data_through=reader.data_through(),
        kpis=kpis(reader, period, rows),
        series=series,
        funnel=funnel_stages(funnel),
        makes=[_supply_demand(r, display.make_label(r["key"]), None) for r in makes],
        governorates=[
            _supply_demand(r, *display.governorate_names(r["key"])) for r in governorates
        ],
    )


def _point(start: Any, days: int, row: Mapping[str, Any]) -> MarketPointOut:
    counts = ("searches", "impressions", "listing_views", "leads", "orders")
    return MarketPointOut(
        period=start,
        days_in_range=days,
        **{c: int(number(row.get(c))) for c in counts},
        revenue_egp=number(row.get("revenue_egp")),
    )


def funnel_stages(rows: list[dict[str, Any]]) -> list[FunnelStageOut]:
    """The market funnel: visitors who reached each stage having passed the earlier ones."""
    stages: list[FunnelStageOut] = []
    for row in rows:
        count = int(number(row["funnel_visitors"]))
        before = stages[-1].count if stages else 0
        start = stages[0].count if stages else count
        stages.append(
            FunnelStageOut(
                stage=row["stage"],
                name=row["stage_name"],
                count=count,
                label=STAGE_LABELS.get(row["stage_name"], row["stage_name"]),
                conversion_from_previous=round(count / before, 4) if before else None,
                conversion_from_start=round(count / start, 4) if start else None,
            )
        )
    return stages


def _supply_demand(
    row: Mapping[str, Any], label: str | None, label_ar: str | None
) -> SupplyDemandOut:
    key = str(row["key"])
    supply = number(row["active_listings"])
    leads = int(number(row["leads"]))
    median = row["median_price_egp"]
    return SupplyDemandOut(
        key=key,
        label=label or key,
        label_ar=label_ar,
        active_listings=supply,
        median_price_egp=None if median is None else number(median),
        impressions=int(number(row["impressions"])),
        views=int(number(row["views"])),
        leads=leads,
        orders=int(number(row["orders"])),
        leads_per_listing=round(leads / supply, 2) if supply else None,
    )


def price_index(
    reader: AnalyticsReader,
    period: Period,
    *,
    governorate: str = "all",
    make: str | None = None,
    model: str | None = None,
    segments: int = 5,
) -> PriceIndexOut:
    key = ("price_index", period, governorate, make, model, segments)
    return reader.remembered(
        key, lambda: _price_index(reader, period, governorate, make, model, segments)
    )


def _price_index(
    reader: AnalyticsReader,
    period: Period,
    governorate: str,
    make: str | None,
    model: str | None,
    segments: int,
) -> PriceIndexOut:
    found = market_queries.price_trends(
        reader, period, segments=segments, governorate=governorate, make=make, model=model
    )
    grouped: dict[tuple[str, str, int], list[PricePointOut]] = {}
    for row in found:
        grouped.setdefault((row["make"], row["model"], row["year"]), []).append(
            PricePointOut(
                period=row["period"],
                listings=number(row["listings"]),
                **{
                    k: None if row[k] is None else number(row[k])
                    for k in ("p25_price_egp", "median_price_egp", "p75_price_egp")
                },
            )
        )
    segments_out = [
        PriceSegmentOut(
            make=mk, model=md, year=yr, label=display.car_title(mk, md, yr), points=points
        )
        for (mk, md, yr), points in grouped.items()
    ]
    return PriceIndexOut(
        period=period_out(period),
        data_through=reader.data_through(),
        governorate=governorate,
        segments=segments_out,
    )


def search_terms(reader: AnalyticsReader, period: Period, limit: int = 20) -> MarketSearchTermsOut:
    key = ("search_terms", period, limit)
    return reader.remembered(key, lambda: _search_terms(reader, period, limit))


def _search_terms(reader: AnalyticsReader, period: Period, limit: int) -> MarketSearchTermsOut:
    top, zero = market_queries.search_terms(reader, period, limit)
    return MarketSearchTermsOut(
        period=period_out(period),
        data_through=reader.data_through(),
        top=[MarketSearchTermOut.model_validate(r) for r in top],
        zero_results=[MarketSearchTermOut.model_validate(r) for r in zero],
    )
