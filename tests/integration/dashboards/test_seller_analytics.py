"""A seller's analytics against the hand-computed figures of ``scenario`` (seller A)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.dashboards.scenario import END, START
from tests.integration.dashboards.world import World

pytestmark = pytest.mark.integration
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}


def _get(client: TestClient, world: World, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(
        f"/analytics/seller/{path}", params=PERIOD | params, headers=world.headers(world.seller_a)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_kpis_against_the_previous_week(client: TestClient, world: World) -> None:
    body = _get(client, world, "kpis")
    assert body["seller"] == {"seller_id": world.seller_a.seller_id, "display_name": "Nile Motors"}
    assert body["period"] | {} == {
        "start": "2026-03-08",
        "end": "2026-03-14",
        "granularity": "day",
        "days": 7,
        "previous_start": "2026-03-01",
        "previous_end": "2026-03-07",
    }
    assert body["data_through"] == "2026-03-14"
    assert body["active_listings"] == 2
    kpis = {
        k["key"]: (k["value"], k["previous"], k["change"], k["direction"]) for k in body["kpis"]
    }
    assert kpis == {
        "impressions": (4, 1, 3.0, "up"),  # 2 + 1 + 1 against 1
        "listing_views": (4, 1, 3.0, "up"),
        "ctr": (0.5, 0.0, 0.5, "up"),  # 2 clicks / 4 impressions, in points
        "leads": (1, 0, None, "new"),
        "orders": (1, 0, None, "new"),
        "revenue_egp": (15000, 0, None, "new"),
        "conversion_rate": (0.25, 0.0, 0.25, "up"),  # 1 order / 4 views
    }


def test_daily_series_fills_quiet_days_with_zeros(client: TestClient, world: World) -> None:
    points = _get(client, world, "timeseries")["points"]
    assert [p["period"] for p in points] == [f"2026-03-{d:02d}" for d in range(8, 15)]
    figures = [
        (
            p["impressions"],
            p["listing_views"],
            p["search_clicks"],
            p["leads"],
            p["orders"],
            p["revenue_egp"],
        )
        for p in points
    ]
    assert figures == [
        (0, 0, 0, 0, 0, 0),
        (2, 2, 1, 1, 0, 0),
        (1, 1, 1, 0, 0, 0),
        (1, 0, 0, 0, 0, 0),
        (0, 1, 0, 0, 1, 15000),
        (0, 0, 0, 0, 0, 0),
        (0, 0, 0, 0, 0, 0),
    ]
    assert [p["ctr"] for p in points] == [None, 0.5, 1.0, 0.0, None, None, None]


def test_weekly_and_monthly_buckets(client: TestClient, world: World) -> None:
    weeks = _get(client, world, "timeseries", granularity="week")["points"]
    assert [
        (w["period"], w["days_in_range"], w["impressions"], w["listing_views"], w["orders"])
        for w in weeks
    ] == [("2026-03-02", 1, 0, 0, 0), ("2026-03-09", 6, 4, 4, 1)]
    months = _get(client, world, "timeseries", granularity="month", start="2026-03-01")["points"]
    assert [
        (m["period"], m["days_in_range"], m["impressions"], m["listing_views"]) for m in months
    ] == [("2026-03-01", 14, 5, 5)]


def test_funnel(client: TestClient, world: World) -> None:
    stages = _get(client, world, "funnel")["stages"]
    assert [(s["name"], s["count"], s["conversion_from_previous"]) for s in stages] == [
        ("search", 4, None),
        ("view", 4, 1.0),
        ("lead", 1, 0.25),
        ("order", 1, 1.0),
    ]


def test_listings_with_their_price_position(client: TestClient, world: World) -> None:
    body = _get(client, world, "listings")
    rows = {row["listing_id"]: row for row in body["listings"]}
    assert set(rows) == {world.listings.a1, world.listings.a2}
    a1, a2 = rows[world.listings.a1], rows[world.listings.a2]
    assert (a1["title"], a1["views"], a1["leads"], a1["orders"], a1["impressions"]) == (
        "Toyota Corolla 2020",
        3,
        1,
        1,
        2,
    )
    assert (a1["price_band"], a1["segment_median_egp"], a1["price_vs_market"]) == (
        "great",
        1_000_000,
        0.9,
    )
    assert (a1["days_on_market"], a1["published_date"], a1["status"]) == (
        13,
        "2026-03-01",
        "active",
    )
    assert (a2["price_band"], a2["views"], a2["governorate_name_ar"]) == ("unrated", 1, "الجيزة")
    assert body["price_bands"] == {"great": 1, "good": 0, "fair": 0, "high": 0, "unrated": 1}


def test_search_terms_that_led_to_the_seller(client: TestClient, world: World) -> None:
    terms = _get(client, world, "search-terms")["terms"]
    assert [(t["query"], t["clicks"], t["market_searches"]) for t in terms] == [
        ("elantra", 1, 1),
        ("toyota corolla", 1, 1),
    ]
    earlier = _get(client, world, "search-terms", start="2026-03-01", end="2026-03-07")
    assert earlier["terms"] == []  # the search of 03-03 was never clicked


def test_a_seller_without_data_gets_zeros_and_empty_lists(client: TestClient, world: World) -> None:
    headers = world.headers(world.seller_c)
    kpis = client.get("/analytics/seller/kpis", params=PERIOD, headers=headers).json()
    assert {k["key"]: k["value"] for k in kpis["kpis"]}["impressions"] == 0
    assert all(k["direction"] == "flat" for k in kpis["kpis"])
    for path, key in (("listings", "listings"), ("search-terms", "terms")):
        body = client.get(f"/analytics/seller/{path}", params=PERIOD, headers=headers).json()
        assert body[key] == []
    series = client.get("/analytics/seller/timeseries", params=PERIOD, headers=headers).json()
    assert len(series["points"]) == 7
    assert not any(p["listing_views"] for p in series["points"])


def test_default_period_ends_with_the_data(client: TestClient, world: World) -> None:
    response = client.get("/analytics/seller/kpis", headers=world.headers(world.seller_a))
    period = response.json()["period"]
    assert (period["end"], period["start"], period["days"]) == ("2026-03-14", "2026-02-13", 30)
