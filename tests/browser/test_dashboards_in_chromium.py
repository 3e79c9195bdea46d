"""The dashboards in headless Chromium: sign in through the form, every chart drawn from
the /analytics JSON with its data points (or its empty state), screenshots to look at."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from souk.settings import PROJECT_ROOT
from tests.integration.dashboards.world import PASSWORD, Person, World

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SCREENSHOTS = PROJECT_ROOT / ".local" / "screenshots"
RANGE = "start=2026-03-08&end=2026-03-14"
CHART_STATES = """() => [...document.querySelectorAll('[data-chart]')]
    .map(f => [f.dataset.chart, f.dataset.state])"""
CHART_DATA = """() => Object.fromEntries(Object.entries(window.soukCharts).map(([kind, chart]) =>
    [kind, {labels: chart.data.labels,
            datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data})),
            drawn: chart.data.datasets.map((_, i) => chart.getDatasetMeta(i).data.length)}]))"""


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(
        viewport={"width": 1440, "height": 1000}, reduced_motion="reduce", locale="en-GB"
    )
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert problems == [], problems


def _sign_in(page: Page, server: str, person: Person, path: str, shot: str = "") -> None:
    page.goto(f"{server}{path}")
    assert "/dashboards/login?next=" in page.url  # not signed in yet: the form
    if shot:
        _screenshot(page, shot)
    page.fill("input[name=email]", person.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}{path}")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')]"
        ".every(f => f.dataset.state !== 'loading')"
    )


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _charts(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = page.evaluate(CHART_DATA)
    return data


def test_seller_dashboard(page: Page, live_server: str, world: World) -> None:
    _sign_in(page, live_server, world.seller_a, f"/dashboards/seller?{RANGE}", "login.png")
    assert page.evaluate(CHART_STATES) == [
        ["seller-timeseries", "ready"],
        ["seller-funnel", "ready"],
    ]
    charts = _charts(page)
    series = {d["label"]: d["data"] for d in charts["seller-timeseries"]["datasets"]}
    assert series == {
        "Listing views": [0, 2, 1, 0, 1, 0, 0],
        "Leads": [0, 1, 0, 0, 0, 0, 0],
        "Orders": [0, 0, 0, 0, 1, 0, 0],
        "Search impressions": [0, 2, 1, 1, 0, 0, 0],
    }
    assert charts["seller-timeseries"]["labels"][1] == "9 Mar"
    assert charts["seller-funnel"]["datasets"][0]["data"] == [4, 4, 1, 1]
    assert all(n > 0 for chart in charts.values() for n in chart["drawn"])
    assert page.locator(".kpi[data-kpi=revenue_egp] .kpi-value").inner_text() == "EGP 15,000"
    assert page.locator("#listings-table tbody tr").count() == 2
    assert page.locator("#terms-table tbody tr").count() == 2
    assert "souk_dashboard_token" not in page.evaluate("document.cookie")  # HttpOnly
    _screenshot(page, "seller-dashboard.png")


def test_a_seller_without_data_sees_empty_charts(
    page: Page, live_server: str, world: World
) -> None:
    _sign_in(page, live_server, world.seller_c, f"/dashboards/seller?{RANGE}")
    assert page.evaluate(CHART_STATES) == [
        ["seller-timeseries", "empty"],
        ["seller-funnel", "empty"],
    ]
    assert page.locator("[data-chart] .empty-state:visible").count() == 2
    assert page.locator("[data-chart] canvas:visible").count() == 0
    assert _charts(page) == {}
    _screenshot(page, "seller-dashboard-empty.png")


def test_market_dashboard(page: Page, live_server: str, world: World) -> None:
    _sign_in(page, live_server, world.admin, f"/dashboards/market?{RANGE}")
    states = dict(page.evaluate(CHART_STATES))
    assert states == dict.fromkeys(
        (
            "market-activity",
            "market-funnel",
            "market-makes",
            "market-governorates",
            "market-prices",
        ),
        "ready",
    )
    charts = _charts(page)
    assert charts["market-funnel"]["datasets"][0]["data"] == [4, 3, 2, 1]
    assert charts["market-makes"]["labels"] == ["Toyota", "Hyundai"]
    assert [d["label"] for d in charts["market-prices"]["datasets"]] == [
        "Toyota Corolla 2020",
        "Hyundai Elantra 2019",
    ]
    assert all(n > 0 for chart in charts.values() for n in chart["drawn"])
    _screenshot(page, "market-dashboard.png")
