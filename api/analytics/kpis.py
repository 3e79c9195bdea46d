"""Key figures and their change against the previous period of equal length.

Counts and money change relatively (``0.25`` = +25 %); rates change in points of the rate
(``0.05`` = +5 points: a CTR going from 10 % to 20 % is +0.10, not +100 %).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from api.analytics.periods import change_ratio

Kind = Literal["count", "money", "rate"]
Direction = Literal["up", "down", "flat", "new"]


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    label: str
    kind: Kind
    # rates: numerator / denominator of the totals
    ratio: tuple[str, str] | None = None


SELLER_KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("impressions", "Search impressions", "count"),
    KpiDefinition("listing_views", "Listing views", "count"),
    KpiDefinition("ctr", "Click-through rate", "rate", ("search_clicks", "impressions")),
    KpiDefinition("leads", "Leads", "count"),
    KpiDefinition("orders", "Orders", "count"),
    KpiDefinition("revenue_egp", "Revenue", "money"),
    KpiDefinition("conversion_rate", "Conversion", "rate", ("orders", "listing_views")),
)

MARKET_KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("searches", "Searches", "count"),
    KpiDefinition("listing_views", "Listing views", "count"),
    KpiDefinition("leads", "Leads", "count"),
    KpiDefinition("orders", "Orders", "count"),
    KpiDefinition("revenue_egp", "Revenue", "money"),
    KpiDefinition("conversion_rate", "Conversion", "rate", ("orders", "listing_views")),
    KpiDefinition("active_sellers", "Active sellers", "count"),
)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    kind: Kind
    value: float | None
    previous: float | None
    change: float | None
    change_kind: Literal["relative", "points"]
    direction: Direction


def number(value: Any) -> float:
    """A total as a float (DuckDB gives ints and Decimals; missing is zero)."""
    if value is None:
        return 0.0
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


def rate(totals: Mapping[str, Any], numerator: str, denominator: str) -> float | None:
    below = number(totals.get(denominator))
    return round(number(totals.get(numerator)) / below, 4) if below else None


def _value(definition: KpiDefinition, totals: Mapping[str, Any]) -> float | None:
    if definition.ratio is not None:
        return rate(totals, *definition.ratio)
    return number(totals.get(definition.key))


def _direction(value: float | None, previous: float | None, kind: Kind) -> Direction:
    now = value or 0.0
    if previous is None or (previous == 0 and kind != "rate"):
        return "new" if now > 0 else "flat"
    if now > previous:
        return "up"
    return "down" if now < previous else "flat"


def compare(
    definitions: tuple[KpiDefinition, ...],
    current: Mapping[str, Any],
    previous: Mapping[str, Any],
) -> list[Kpi]:
    """Each figure of ``current`` totals against the same figure of ``previous``."""
    figures = []
    for definition in definitions:
        value, before = _value(definition, current), _value(definition, previous)
        if definition.kind == "rate":
            change = None if value is None or before is None else round(value - before, 4)
            change_kind: Literal["relative", "points"] = "points"
        else:
            change = change_ratio(value or 0.0, before or 0.0)
            change_kind = "relative"
        figures.append(
            Kpi(
                definition.key,
                definition.label,
                definition.kind,
                value,
                before,
                change,
                change_kind,
                _direction(value, before, definition.kind),
            )
        )
    return figures
