"""``/analytics``: the JSON behind every chart and table of the dashboards.

Read-only, from the published marts. Seller routes answer for the signed-in seller (admins
pass ``seller_id``); market routes are for admins. Every route takes ``start``, ``end`` and
``granularity``; an inverted or over-long range answers 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from api.analytics import market_dashboard, seller_dashboard, seller_queries
from api.analytics.access import AnalyticsAdmin, PeriodDep, ReaderDep, SellerScope
from api.analytics.reader import WarehouseNotReadyError
from api.analytics.schemas import (
    MarketOverviewOut,
    MarketSearchTermsOut,
    PriceIndexOut,
    SellerDirectoryOut,
    SellerFunnelOut,
    SellerKpisOut,
    SellerListingsOut,
    SellerSearchTermsOut,
    SellerSeriesOut,
    SellerSummaryOut,
)
from api.errors import ErrorOut, error_responses

router = APIRouter(prefix="/analytics", tags=["analytics"])
NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "No marts have been published yet."}
}
SELLER_ERRORS: dict[int | str, dict[str, Any]] = {**error_responses(401, 403), **NOT_READY}
ADMIN_ERRORS = SELLER_ERRORS
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many rows.")]


@contextmanager
def marts_ready() -> Iterator[None]:
    try:
        yield
    except WarehouseNotReadyError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc


@router.get(
    "/seller/kpis",
    summary="A seller's key figures against the previous period",
    response_model=SellerKpisOut,
    responses=SELLER_ERRORS,
)
def seller_kpis(seller: SellerScope, period: PeriodDep, reader: ReaderDep) -> SellerKpisOut:
    with marts_ready():
        return seller_dashboard.kpis(reader, seller, period)


@router.get(
    "/seller/timeseries",
    summary="A seller's figures per day, week or month",
    response_model=SellerSeriesOut,
    responses=SELLER_ERRORS,
)
def seller_timeseries(seller: SellerScope, period: PeriodDep, reader: ReaderDep) -> SellerSeriesOut:
    with marts_ready():
        return seller_dashboard.series(reader, seller, period)


@router.get(
    "/seller/funnel",
    summary="A seller's funnel: search, view, lead, order",
    response_model=SellerFunnelOut,
    responses=SELLER_ERRORS,
)
def seller_funnel(seller: SellerScope, period: PeriodDep, reader: ReaderDep) -> SellerFunnelOut:
    with marts_ready():
        return seller_dashboard.funnel(reader, seller, period)


@router.get(
    "/seller/listings",
    summary="A seller's listings: views, leads, days on market, price position",
    response_model=SellerListingsOut,
    responses=SELLER_ERRORS,
)
def seller_listings(
    seller: SellerScope, period: PeriodDep, reader: ReaderDep, limit: Limit = 500
) -> SellerListingsOut:
    with marts_ready():
        return seller_dashboard.listings(reader, seller, period, limit)


@router.get(
    "/seller/search-terms",
    summary="Searches that led buyers to a seller's listings",
    response_model=SellerSearchTermsOut,
    responses=SELLER_ERRORS,
)
def seller_search_terms(
    seller: SellerScope, period: PeriodDep, reader: ReaderDep, limit: Limit = 20
) -> SellerSearchTermsOut:
    with marts_ready():
        return seller_dashboard.search_terms(reader, seller, period, limit)


@router.get(
    "/market/overview",
    summary="Admin: market totals, activity, funnel, supply and demand",
    response_model=MarketOverviewOut,
    responses=ADMIN_ERRORS,
)
def market_overview(_: AnalyticsAdmin, period: PeriodDep, reader: ReaderDep) -> MarketOverviewOut:
    with marts_ready():
        return market_dashboard.overview(reader, period)


@router.get(
    "/market/price-index",
    summary="Admin: asking-price trends of the busiest segments",
    response_model=PriceIndexOut,
    responses=ADMIN_ERRORS,
)
def market_price_index(
    _: AnalyticsAdmin,
    period: PeriodDep,
    reader: ReaderDep,
    governorate: Annotated[str, Query(max_length=40, description="A code, or 'all'.")] = "all",
    make: Annotated[str | None, Query(max_length=60)] = None,
    model: Annotated[str | None, Query(max_length=60)] = None,
    segments: Annotated[int, Query(ge=1, le=20, description="How many segments.")] = 5,
) -> PriceIndexOut:
    with marts_ready():
        return market_dashboard.price_index(
            reader, period, governorate=governorate, make=make, model=model, segments=segments
        )


@router.get(
    "/market/search-terms",
    summary="Admin: top search terms and zero-result searches",
    response_model=MarketSearchTermsOut,
    responses=ADMIN_ERRORS,
)
def market_search_terms(
    _: AnalyticsAdmin, period: PeriodDep, reader: ReaderDep, limit: Limit = 20
) -> MarketSearchTermsOut:
    with marts_ready():
        return market_dashboard.search_terms(reader, period, limit)


@router.get(
    "/sellers",
    summary="Admin: sellers known to the warehouse, for the picker",
    response_model=SellerDirectoryOut,
    responses=ADMIN_ERRORS,
)
def sellers(_: AnalyticsAdmin, reader: ReaderDep, limit: Limit = 200) -> SellerDirectoryOut:
    with marts_ready():
        rows = seller_queries.directory(reader, limit=limit)
        return SellerDirectoryOut(sellers=[SellerSummaryOut.model_validate(r) for r in rows])
