"""The marts, in build order (listing_price_position reads market_price_index)."""

from __future__ import annotations

from warehouse.marts.funnel import FUNNEL_DAILY
from warehouse.marts.listing_performance import LISTING_DAILY_PERFORMANCE
from warehouse.marts.price_index import LISTING_PRICE_POSITION, MARKET_PRICE_INDEX
from warehouse.marts.search_terms import SEARCH_TERM_DAILY
from warehouse.marts.seller_daily import SELLER_DAILY_METRICS
from warehouse.models import Model

MARTS: tuple[Model, ...] = (
    SELLER_DAILY_METRICS,
    LISTING_DAILY_PERFORMANCE,
    MARKET_PRICE_INDEX,
    LISTING_PRICE_POSITION,
    SEARCH_TERM_DAILY,
    FUNNEL_DAILY,
)
BY_MART: dict[str, Model] = {m.name: m for m in MARTS}
