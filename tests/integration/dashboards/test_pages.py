"""The dashboard pages: sign-in form and cookie, redirects, 403 pages, content, static files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.analytics.access import COOKIE
from tests.integration.dashboards.scenario import END, START
from tests.integration.dashboards.world import PASSWORD, Person, World

pytestmark = pytest.mark.integration
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """The session's client with its cookie jar emptied before and after."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def _sign_in(client: TestClient, person: Person, **form: str) -> None:
    response = client.post(
        "/dashboards/login",
        follow_redirects=False,
        data={"email": person.email, "password": PASSWORD} | form,
    )
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert {"HttpOnly", "Path=/", "SameSite=lax"} <= {p.strip() for p in cookie.split(";")}


def test_pages_redirect_to_the_sign_in_form(browser: TestClient) -> None:
    for page in ("/dashboards/seller?start=2026-03-08", "/dashboards/market", "/dashboards"):
        response = browser.get(page, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/dashboards/login")
    assert browser.get("/dashboards/seller", follow_redirects=False).headers["location"] == (
        "/dashboards/login?next=%2Fdashboards%2Fseller"
    )
    form = browser.get("/dashboards/login?next=/dashboards/market")
    assert form.status_code == 200
    assert 'name="next" value="/dashboards/market"' in form.text
    assert "default-src 'self'" in form.headers["content-security-policy"]


def test_a_wrong_password_shows_the_form_again(browser: TestClient, world: World) -> None:
    response = browser.post(
        "/dashboards/login", data={"email": world.seller_a.email, "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert "wrong email or password" in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")


def test_a_seller_signs_in_and_sees_their_dashboard(browser: TestClient, world: World) -> None:
    _sign_in(browser, world.seller_a, next="/dashboards/seller?start=2026-03-08&end=2026-03-14")
    page = browser.get("/dashboards/seller", params=PERIOD)
    assert page.status_code == 200
    html = page.text
    for expected in (
        "Nile Motors",
        "EGP 15,000",
        "Toyota Corolla 2020",
        "Great price",
        "Hyundai Elantra 2019",
        "Not rated",
        "القاهرة",
        "toyota corolla",
        "elantra",
        "+300.0%",
        "+50.0 pts",
        "/analytics/seller/timeseries?start=2026-03-08&amp;end=2026-03-14",
    ):
        assert expected in html, expected
    for secret in ("corolla 2020", "معرض الأهرام", "EGP 20,000", world.seller_b.seller_id or ""):
        assert secret not in html, secret
    assert "seller_id=" not in html  # a seller's chart sources never name a seller
    # the signed-in seller's JSON through the same cookie
    funnel = browser.get("/analytics/seller/funnel", params=PERIOD)
    assert funnel.json()["seller"]["seller_id"] == world.seller_a.seller_id
    market = browser.get("/dashboards/market")
    assert market.status_code == 403
    assert "for administrators" in market.text
    out = browser.post("/dashboards/logout", follow_redirects=False)
    assert out.status_code == 303
    assert f'{COOKIE}=""' in out.headers["set-cookie"]


def test_an_admin_picks_a_seller_and_sees_the_market(browser: TestClient, world: World) -> None:
    _sign_in(browser, world.admin)
    picker = browser.get("/dashboards/seller")
    assert picker.status_code == 200
    assert "Nile Motors" in picker.text
    assert "معرض الأهرام للسيارات" in picker.text
    page = browser.get(
        "/dashboards/seller", params=PERIOD | {"seller_id": world.seller_b.seller_id}
    )
    assert page.status_code == 200
    assert "EGP 20,000" in page.text
    assert f"seller_id={world.seller_b.seller_id}" in page.text
    market = browser.get("/dashboards/market", params=PERIOD)
    assert market.status_code == 200
    for expected in (
        "Market overview",
        "EGP 35,000",
        "لادا نيفا",
        "/analytics/market/overview?",
        "/analytics/market/price-index?",
    ):
        assert expected in market.text, expected


def test_a_buyer_is_refused(browser: TestClient, world: World) -> None:
    response = browser.post(
        "/dashboards/login",
        follow_redirects=False,
        data={"email": world.buyer.email, "password": PASSWORD},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    browser.cookies.set(COOKIE, world.token(world.buyer))
    assert browser.get("/dashboards/seller").status_code == 403


def test_the_authorization_header_opens_pages_too(browser: TestClient, world: World) -> None:
    page = browser.get("/dashboards/seller", params=PERIOD, headers=world.headers(world.seller_a))
    assert page.status_code == 200
    assert "Nile Motors" in page.text


def test_a_bad_range_falls_back_with_a_notice(browser: TestClient, world: World) -> None:
    browser.cookies.set(COOKIE, world.token(world.seller_a))
    page = browser.get("/dashboards/seller", params={"start": "2026-03-14", "end": "2026-03-01"})
    assert page.status_code == 422
    assert "is before start" in page.text
    assert 'value="2026-02-13"' in page.text  # the default 30 days


def test_a_seller_without_data_sees_empty_states(browser: TestClient, world: World) -> None:
    browser.cookies.set(COOKIE, world.token(world.seller_c))
    page = browser.get("/dashboards/seller", params=PERIOD)
    assert page.status_code == 200
    assert "No listings yet" in page.text
    assert "No buyer reached your listings from a search" in page.text


def test_an_expired_or_forged_cookie_redirects(browser: TestClient) -> None:
    browser.cookies.set(COOKIE, "not-a-token")
    response = browser.get("/dashboards/seller", follow_redirects=False)
    assert response.status_code == 303
    assert f'{COOKIE}=""' in response.headers["set-cookie"]


def test_static_files(browser: TestClient) -> None:
    chart = browser.get("/dashboards/static/vendor/chartjs/chart.umd.min.js")
    assert chart.status_code == 200
    assert "javascript" in chart.headers["content-type"]
    assert chart.text.startswith("/*!\n * Chart.js v4.6.1")
    assert browser.get("/dashboards/static/dashboards.css").status_code == 200
    for escape in (
        "/dashboards/static/../routes/dashboards.py",
        "/dashboards/static/%2e%2e/routes/dashboards.py",
        "/dashboards/static/..%2f..%2fapp.py",
        "/dashboards/static/nothing.js",
        "/dashboards/static/vendor",
    ):
        assert browser.get(escape).status_code == 404, escape
