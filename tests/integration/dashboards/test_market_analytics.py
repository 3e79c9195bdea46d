"""The admin's market analytics against ``scenario``'s hand-computed figures."""

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
        f"/analytics/{path}", params=PERIOD | params, headers=world.headers(world.admin)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_overview_totals_and_changes(client: TestClient, world: World) -> None:
    body = _get(client, world, "market/overview")
    kpis = {k["key"]: (k["value"], k["previous"], k["change"]) for k in body["kpis"]}
    assert kpis == {
        "searches": (4, 1, 3.0),
        "listing_views": (5, 1, 4.0),
        "leads": (2, 0, None),
        "orders": (2, 0, None),
        "revenue_egp": (35000, 0, None),
        "conversion_rate": (0.4, 0.0, 0.4),
        "active_sellers": (2, 2, 0.0),
    }
    series = {p["period"]: (p["searches"], p["listing_views"], p["orders"]) for p in body["series"]}
    assert len(series) == 7
    assert series["2026-03-11"] == (1, 1, 1)
    assert series["2026-03-13"] == (1, 0, 0)


def test_overview_funnel(client: TestClient, world: World) -> None:
    funnel = _get(client, world, "market/overview")["funnel"]
    # per day, visitors who searched, then viewed, then sent a lead, then ordered
    assert [(s["name"], s["count"]) for s in funnel] == [
        ("search", 4),
        ("view", 3),
        ("lead", 2),
        ("order", 1),
    ]
    assert funnel[-1]["conversion_from_start"] == 0.25


def test_supply_and_demand_by_make_and_governorate(client: TestClient, world: World) -> None:
    body = _get(client, world, "market/overview")
    makes = {
        m["key"]: (m["label"], m["active_listings"], m["views"], m["leads"], m["orders"])
        for m in body["makes"]
    }
    assert makes == {"toyota": ("Toyota", 5.0, 4, 2, 2), "hyundai": ("Hyundai", 1.0, 1, 0, 0)}
    places = {
        g["key"]: (g["label"], g["label_ar"], g["active_listings"], g["views"])
        for g in body["governorates"]
    }
    assert places == {"cairo": ("Cairo", "القاهرة", 5.0, 4), "giza": ("Giza", "الجيزة", 1.0, 1)}
    assert body["makes"][0]["median_price_egp"] == 1_000_000


def test_price_index_trends(client: TestClient, world: World) -> None:
    body = _get(client, world, "market/price-index")
    assert [s["label"] for s in body["segments"]] == ["Toyota Corolla 2020", "Hyundai Elantra 2019"]
    corolla = body["segments"][0]["points"]
    assert len(corolla) == 7
    assert {(p["median_price_egp"], p["p25_price_egp"], p["listings"]) for p in corolla} == {
        (1_000_000, 950_000, 5)
    }
    weekly = _get(client, world, "market/price-index", granularity="week", make="Toyota")
    assert [(p["period"], p["median_price_egp"]) for p in weekly["segments"][0]["points"]] == [
        ("2026-03-02", 1_000_000),
        ("2026-03-09", 1_000_000),
    ]
    cairo = _get(client, world, "market/price-index", governorate="cairo")
    assert [s["label"] for s in cairo["segments"]] == ["Toyota Corolla 2020"]


def test_search_terms_and_zero_results(client: TestClient, world: World) -> None:
    body = _get(client, world, "market/search-terms")
    assert {t["query"] for t in body["top"]} == {
        "toyota corolla",
        "elantra",
        "corolla 2020",
        "لادا نيفا",
    }
    assert [(t["query"], t["zero_result_searches"]) for t in body["zero_results"]] == [
        ("لادا نيفا", 1)
    ]


def test_the_seller_directory(client: TestClient, world: World) -> None:
    response = client.get("/analytics/sellers", headers=world.headers(world.admin))
    sellers = [(s["seller_id"], s["listings_active"]) for s in response.json()["sellers"]]
    assert sellers == [(world.seller_b.seller_id, 4), (world.seller_a.seller_id, 2)]


def test_openapi_documents_every_analytics_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = [p for p in spec["paths"] if p.startswith("/analytics/")]
    assert len(routes) == 9
    for path in routes:
        operation = spec["paths"][path]["get"]
        assert operation["summary"], path
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in ok, path
        assert {"401", "403", "422", "503"} <= set(operation["responses"]), path
        names = {p["name"] for p in operation["parameters"]}
        if path != "/analytics/sellers":
            assert {"start", "end", "granularity"} <= names, path
        assert {"HTTPBearer", "APIKeyCookie"} <= {k for s in operation["security"] for k in s}
    assert not any(p.startswith("/dashboards") for p in spec["paths"])
