"""Who sees what: seller isolation through every endpoint, admins, 401, 403 and 422."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.integration.dashboards.scenario import END, FIRST_DAY, START
from tests.integration.dashboards.world import World

pytestmark = pytest.mark.integration
SELLER_ROUTES = ("kpis", "timeseries", "funnel", "listings", "search-terms")
MARKET_ROUTES = ("market/overview", "market/price-index", "market/search-terms", "sellers")
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
WHOLE = {"start": FIRST_DAY.isoformat(), "end": END.isoformat()}


def _seller_bodies(client: TestClient, world: World, headers: dict[str, str], **params: str) -> str:
    texts = []
    for route in SELLER_ROUTES:
        for granularity in ("day", "month"):
            response = client.get(
                f"/analytics/seller/{route}",
                headers=headers,
                params=WHOLE | {"granularity": granularity} | params,
            )
            assert response.status_code == 200, (route, response.text)
            texts.append(response.text)
    return "\n".join(texts)


def test_seller_a_never_sees_seller_b(client: TestClient, world: World) -> None:
    seen = _seller_bodies(client, world, world.headers(world.seller_a))
    assert world.seller_b.seller_id is not None
    for secret in (
        world.seller_b.seller_id,
        *world.listings.b,
        "corolla 2020",
        "20000",
        "معرض الأهرام",
    ):
        assert secret not in seen, secret
    assert world.listings.a1 in seen


def test_seller_b_sees_its_own_numbers_only(client: TestClient, world: World) -> None:
    headers = world.headers(world.seller_b)
    seen = _seller_bodies(client, world, headers)
    for secret in (
        world.seller_a.seller_id or "",
        world.listings.a1,
        world.listings.a2,
        "Nile Motors",
        "elantra",
        "15000",
    ):
        assert secret not in seen, secret
    kpis = client.get("/analytics/seller/kpis", params=PERIOD, headers=headers).json()
    figures = {k["key"]: k["value"] for k in kpis["kpis"]}
    assert (figures["impressions"], figures["listing_views"], figures["revenue_egp"]) == (
        3,
        1,
        20000,
    )
    bands = client.get("/analytics/seller/listings", params=PERIOD, headers=headers).json()
    assert bands["price_bands"] == {"great": 0, "good": 1, "fair": 2, "high": 1, "unrated": 0}


@pytest.mark.parametrize("route", SELLER_ROUTES)
def test_a_seller_cannot_ask_for_another_seller(
    client: TestClient, world: World, route: str
) -> None:
    other = {"seller_id": world.seller_b.seller_id or ""}
    response = client.get(
        f"/analytics/seller/{route}", params=PERIOD | other, headers=world.headers(world.seller_a)
    )
    assert response.status_code == 403
    own = {"seller_id": world.seller_a.seller_id or ""}
    response = client.get(
        f"/analytics/seller/{route}", params=PERIOD | own, headers=world.headers(world.seller_a)
    )
    assert response.status_code == 200


def test_an_admin_sees_any_seller_and_must_choose_one(client: TestClient, world: World) -> None:
    headers = world.headers(world.admin)
    for person, impressions in ((world.seller_a, 4), (world.seller_b, 3)):
        response = client.get(
            "/analytics/seller/kpis",
            headers=headers,
            params=PERIOD | {"seller_id": person.seller_id or ""},
        )
        assert response.status_code == 200
        assert {k["key"]: k["value"] for k in response.json()["kpis"]}["impressions"] == impressions
    missing = client.get("/analytics/seller/kpis", params=PERIOD, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "seller_id"]


@pytest.mark.parametrize("route", [f"seller/{r}" for r in SELLER_ROUTES] + list(MARKET_ROUTES))
def test_anonymous_401_and_buyer_403(client: TestClient, world: World, route: str) -> None:
    anonymous = client.get(f"/analytics/{route}", params=PERIOD)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    bad_token = client.get(f"/analytics/{route}", headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    buyer = client.get(f"/analytics/{route}", params=PERIOD, headers=world.headers(world.buyer))
    assert buyer.status_code == 403


@pytest.mark.parametrize("route", MARKET_ROUTES)
def test_market_routes_are_for_admins(client: TestClient, world: World, route: str) -> None:
    seller = client.get(f"/analytics/{route}", params=PERIOD, headers=world.headers(world.seller_a))
    assert seller.status_code == 403
    admin = client.get(f"/analytics/{route}", params=PERIOD, headers=world.headers(world.admin))
    assert admin.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03-14", "end": "2026-03-08"}, "end"),
        ({"start": "2020-01-01", "end": "2026-03-08"}, "start"),
        ({"granularity": "year"}, "granularity"),
        ({"start": "08/03/2026"}, "start"),
    ],
)
def test_bad_ranges_answer_422(
    client: TestClient, world: World, params: dict[str, str], field: str
) -> None:
    for route in ("seller/kpis", "seller/timeseries", "market/overview"):
        person = world.admin if route.startswith("market") else world.seller_a
        response = client.get(f"/analytics/{route}", params=params, headers=world.headers(person))
        assert response.status_code == 422, (route, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", field]


def test_the_dashboard_cookie_works_like_the_header(client: TestClient, world: World) -> None:
    client.cookies.set("souk_dashboard_token", world.token(world.seller_a))
    try:
        response = client.get("/analytics/seller/funnel", params=PERIOD)
    finally:
        client.cookies.clear()
    assert response.status_code == 200
    assert json.loads(response.text)["seller"]["seller_id"] == world.seller_a.seller_id
