"""Key figures against the previous period: relative changes, rate points, directions."""

from __future__ import annotations

from decimal import Decimal

from api.analytics.kpis import SELLER_KPIS, Kpi, KpiDefinition, compare, rate
from api.analytics.market_dashboard import funnel_stages as market_funnel
from api.analytics.seller_dashboard import funnel_stages


def _by_key(figures: list[Kpi]) -> dict[str, Kpi]:
    return {f.key: f for f in figures}


NOW = {
    "impressions": 40,
    "listing_views": 20,
    "search_clicks": 10,
    "leads": 4,
    "orders": 2,
    "revenue_egp": Decimal("30000.00"),
}
BEFORE = {
    "impressions": 50,
    "listing_views": 20,
    "search_clicks": 5,
    "leads": 0,
    "orders": 1,
    "revenue_egp": Decimal("30000.00"),
}


def test_counts_and_money_change_relatively() -> None:
    figures = _by_key(compare(SELLER_KPIS, NOW, BEFORE))
    assert (figures["impressions"].change, figures["impressions"].direction) == (-0.2, "down")
    assert (figures["listing_views"].change, figures["listing_views"].direction) == (0.0, "flat")
    assert (figures["orders"].change, figures["orders"].direction) == (1.0, "up")
    assert figures["revenue_egp"].value == 30000.0
    assert figures["revenue_egp"].kind == "money"
    leads = figures["leads"]
    assert (leads.value, leads.previous, leads.change, leads.direction) == (4, 0, None, "new")
    assert {f.change_kind for f in figures.values() if f.kind != "rate"} == {"relative"}


def test_rates_change_in_points_of_the_rate() -> None:
    figures = _by_key(compare(SELLER_KPIS, NOW, BEFORE))
    ctr = figures["ctr"]
    assert (ctr.value, ctr.previous, ctr.change, ctr.change_kind) == (0.25, 0.1, 0.15, "points")
    assert ctr.direction == "up"
    conversion = figures["conversion_rate"]
    assert (conversion.value, conversion.previous, conversion.change) == (0.1, 0.05, 0.05)


def test_a_rate_without_a_base_has_no_value_and_no_change() -> None:
    empty: dict[str, object] = {}
    figures = _by_key(compare(SELLER_KPIS, NOW, empty))
    assert figures["ctr"].previous is None
    assert (figures["ctr"].change, figures["ctr"].direction) == (None, "new")
    nothing = _by_key(compare(SELLER_KPIS, empty, empty))
    assert all(f.direction == "flat" for f in nothing.values())
    assert nothing["ctr"].value is None
    assert nothing["impressions"].value == 0.0
    assert rate({"a": 1, "b": 3}, "a", "b") == 0.3333


def test_a_rate_falling_to_zero_is_down() -> None:
    definition = (KpiDefinition("ctr", "CTR", "rate", ("search_clicks", "impressions")),)
    [ctr] = compare(definition, {"search_clicks": 0, "impressions": 9}, NOW)
    assert (ctr.value, ctr.change, ctr.direction) == (0.0, -0.25, "down")


def test_the_seller_funnel_converts_stage_to_stage() -> None:
    stages = funnel_stages({"impressions": 40, "listing_views": 20, "leads": 4, "orders": 0})
    assert [(s.name, s.count) for s in stages] == [
        ("search", 40),
        ("view", 20),
        ("lead", 4),
        ("order", 0),
    ]
    assert [s.conversion_from_previous for s in stages] == [None, 0.5, 0.2, 0.0]
    assert [s.conversion_from_start for s in stages] == [1.0, 0.5, 0.1, 0.0]
    silent = funnel_stages({})
    assert all(s.count == 0 and s.conversion_from_start is None for s in silent)


def test_the_market_funnel_counts_visitors_through_every_stage() -> None:
    rows = [
        {"stage": 1, "stage_name": "search", "funnel_visitors": 8, "conversion_from_start": 1.0},
        {"stage": 2, "stage_name": "view", "funnel_visitors": 6, "conversion_from_start": 0.75},
        {"stage": 3, "stage_name": "lead", "funnel_visitors": 0, "conversion_from_start": 0.0},
        {"stage": 4, "stage_name": "order", "funnel_visitors": 0, "conversion_from_start": 0.0},
    ]
    stages = market_funnel(rows)
    assert [s.conversion_from_previous for s in stages] == [None, 0.75, 0.0, None]
    assert stages[1].label == "Viewed a listing"
