"""Response bodies of ``/analytics``: one model per chart or table of the dashboards."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.analytics.periods import Granularity

PriceBand = Literal["great", "good", "fair", "high", "unrated"]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PeriodOut(Out):
    start: date
    end: date
    granularity: Granularity
    days: int
    previous_start: date = Field(description="First day of the previous period (same length).")
    previous_end: date


class SellerRef(Out):
    seller_id: str
    display_name: str | None = None


class KpiOut(Out):
    key: str = Field(description="impressions, listing_views, ctr, leads, orders, ...")
    label: str
    kind: Literal["count", "money", "rate"]
    value: float | None = Field(description="Over the period (rates: null without a base).")
    previous: float | None = Field(description="Over the previous period of equal length.")
    change: float | None = Field(
        description="Relative for counts and money (0.25 = +25 %), in points for rates "
        "(0.05 = +5 points); null when the previous period has nothing to compare with."
    )
    change_kind: Literal["relative", "points"]
    direction: Literal["up", "down", "flat", "new"]


class Envelope(Out):
    period: PeriodOut
    data_through: date | None = Field(description="The last day the published marts cover.")


class SellerEnvelope(Envelope):
    seller: SellerRef


class SellerKpisOut(SellerEnvelope):
    kpis: list[KpiOut]
    active_listings: int


class SeriesPointOut(Out):
    period: date = Field(description="First day of the day, ISO week or month.")
    days_in_range: int = Field(description="Days of this bucket inside the range.")
    impressions: int
    listing_views: int
    search_clicks: int
    leads: int
    orders: int
    revenue_egp: float
    ctr: float | None
    conversion_rate: float | None


class SellerSeriesOut(SellerEnvelope):
    points: list[SeriesPointOut]


class FunnelStageOut(Out):
    stage: int
    name: Literal["search", "view", "lead", "order"]
    label: str
    count: int
    conversion_from_previous: float | None
    conversion_from_start: float | None


class SellerFunnelOut(SellerEnvelope):
    stages: list[FunnelStageOut]


class ListingRowOut(Out):
    listing_id: str
    title: str
    make: str | None
    model: str | None
    year: int | None
    governorate: str | None
    governorate_name_en: str | None
    governorate_name_ar: str | None
    status: str | None
    price_egp: float | None
    first_price_egp: float | None
    price_change_count: int
    published_date: date | None
    days_on_market: int | None
    price_band: PriceBand = Field(
        description="Against the segment median: great <= 90 % < good <= 97 % < fair <= "
        "105 % < high; unrated without at least 5 comparable active listings."
    )
    segment_median_egp: float | None
    price_vs_market: float | None = Field(description="Price / segment median.")
    impressions: int
    views: int
    search_clicks: int
    leads: int
    orders: int


class SellerListingsOut(SellerEnvelope):
    listings: list[ListingRowOut]
    price_bands: dict[str, int] = Field(description="How many listings fall in each band.")


class SellerSearchTermOut(Out):
    query: str
    clicks: int = Field(description="Result clicks from this search to the seller's listings.")
    listings: int = Field(description="Distinct listings of the seller clicked.")
    market_searches: int = Field(description="Searches for this term in the whole market.")


class SellerSearchTermsOut(SellerEnvelope):
    terms: list[SellerSearchTermOut]


class MarketPointOut(Out):
    period: date
    days_in_range: int
    searches: int
    impressions: int
    listing_views: int
    leads: int
    orders: int
    revenue_egp: float


class SupplyDemandOut(Out):
    key: str = Field(description="The make, or the governorate's code.")
    label: str
    label_ar: str | None = None
    active_listings: float = Field(description="Average active listings per day (supply).")
    median_price_egp: float | None
    impressions: int
    views: int = Field(description="Listing views (demand).")
    leads: int
    orders: int
    leads_per_listing: float | None


class MarketOverviewOut(Envelope):
    kpis: list[KpiOut]
    series: list[MarketPointOut]
    funnel: list[FunnelStageOut]
    makes: list[SupplyDemandOut]
    governorates: list[SupplyDemandOut]


class PricePointOut(Out):
    period: date
    listings: float
    p25_price_egp: float | None
    median_price_egp: float | None
    p75_price_egp: float | None


class PriceSegmentOut(Out):
    make: str
    model: str
    year: int
    label: str
    points: list[PricePointOut]


class PriceIndexOut(Envelope):
    governorate: str
    segments: list[PriceSegmentOut]


class MarketSearchTermOut(Out):
    query: str
    searches: int
    zero_result_searches: int
    clicks: int
    click_through_rate: float | None


class MarketSearchTermsOut(Envelope):
    top: list[MarketSearchTermOut]
    zero_results: list[MarketSearchTermOut]


class SellerSummaryOut(Out):
    seller_id: str
    display_name: str | None
    seller_type: str | None
    governorate: str | None
    listings_total: int
    listings_active: int
    listings_sold: int


class SellerDirectoryOut(Out):
    sellers: list[SellerSummaryOut]
