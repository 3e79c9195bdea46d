"""The admin's market dashboard: totals, activity, funnel, supply and demand, prices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.analytics import display, market_queries
from api.analytics.kpis import MARKET_KPIS, compare, number
from api.analytics.periods import Period
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


def kpis(reader: AnalyticsReader, period: Period) -> list[KpiOut]:
    now, before = market_queries.compared_totals(reader, period)
    return [KpiOut.model_validate(k) for k in compare(MARKET_KPIS, now, before)]


def overview(reader: AnalyticsReader, period: Period) -> MarketOverviewOut:
    rows = {r["period"]: r for r in market_queries.series(reader, period).iter_rows(named=True)}
    series = [_point(b.start, b.days_in_range, rows.get(b.start, {})) for b in period.buckets()]
    funnel = reader.funnel(start=period.start, end=period.end).iter_rows(named=True)
    makes = market_queries.by_make(reader, period).iter_rows(named=True)
    governorates = market_queries.by_governorate(reader, period).iter_rows(named=True)
    return MarketOverviewOut(
        period=period_out(period),
        data_through=reader.data_through(),
        kpis=kpis(reader, period),
        series=series,
        funnel=funnel_stages(list(funnel)),
        makes=[_supply_demand(r, r["make"], display.make_label(r["make"]), None) for r in makes],
        governorates=[
            _supply_demand(
                r,
                r["governorate"],
                r["name_en"] or display.governorate_names(r["governorate"])[0],
                r["name_ar"],
            )
            for r in governorates
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
        stages.append(
            FunnelStageOut(
                stage=row["stage"],
                name=row["stage_name"],
                count=count,
                label=STAGE_LABELS.get(row["stage_name"], row["stage_name"]),
                conversion_from_previous=round(count / before, 4) if before else None,
                conversion_from_start=row["conversion_from_start"],
            )
        )
    return stages


def _supply_demand(
    row: Mapping[str, Any], key: str, label: str | None, label_ar: str | None
) -> SupplyDemandOut:
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
    frame = market_queries.price_trends(
        reader, period, segments=segments, governorate=governorate, make=make, model=model
    )
    grouped: dict[tuple[str, str, int], list[PricePointOut]] = {}
    for row in frame.iter_rows(named=True):
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
    top = reader.top_search_terms(start=period.start, end=period.end, limit=limit)
    zero = reader.top_search_terms(
        start=period.start, end=period.end, limit=limit, zero_results_only=True
    )
    return MarketSearchTermsOut(
        period=period_out(period),
        data_through=reader.data_through(),
        top=[MarketSearchTermOut.model_validate(r) for r in top.iter_rows(named=True)],
        zero_results=[MarketSearchTermOut.model_validate(r) for r in zero.iter_rows(named=True)],
    )
