"""The buyers' search page shell, its script and styles, and the listing page (fake catalog)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.behaviour import LISTING_VIEWED, InMemoryBehaviourEvents
from api.routes import dashboards, search_page
from search.errors import ListingNotFoundError

LISTING = {
    "id": "a1b2c3",
    "seller_id": "s1",
    "status": "active",
    "category": "car",
    "make": "Toyota",
    "model": "Corolla",
    "year": 2019,
    "price_egp": 915000,
    "mileage_km": 64000,
    "transmission": "automatic",
    "fuel": "natural_gas",
    "governorate": "cairo",
    "city": "Nasr City",
    "title_ar": "تويوتا كورولا 2019 <فابريكا>",
    "title_en": None,
    "description_ar": "حالة ممتازة",
}


class FakeCatalog:
    async def listing(self, listing_id: str) -> dict[str, Any]:
        if listing_id != LISTING["id"]:
            raise ListingNotFoundError(f"no listing {listing_id}")
        seller = {"id": "s1", "display_name": "معرض النور", "seller_type": "dealer"}
        return {"listing": LISTING, "seller": seller}


@pytest.fixture
def events() -> InMemoryBehaviourEvents:
    return InMemoryBehaviourEvents()


@pytest.fixture
def client(events: InMemoryBehaviourEvents) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(dashboards.page_router)  # the pages' static files
    app.include_router(search_page.router)
    app.state.catalog_search = FakeCatalog()
    app.state.behaviour_events = events
    with TestClient(app) as test_client:
        yield test_client


def test_the_search_page_has_its_controls(client: TestClient) -> None:
    response = client.get("/", params={"q": "تويوتا <كورولا>", "sort": "price_asc"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    for element in (
        'id="search-form"',
        'role="search"',
        'id="q"',
        'role="combobox"',
        'id="suggestions"',
        'id="sort"',
        'id="facets"',
        'id="summary"',
        'id="results"',
        'id="load-more"',
        'src="/dashboards/static/search.js"',
        'href="/dashboards/static/search.css"',
    ):
        assert element in html, element
    assert 'value="تويوتا &lt;كورولا&gt;"' in html  # the query, escaped, in the box
    assert '<option value="price_asc" selected>' in html
    assert len(re.findall(r"<option value=", html)) == 6
    labels = re.search(r'<script type="application/json" id="search-labels">(.*?)</script>', html)
    assert labels is not None
    assert json.loads(labels.group(1))["governorates"]["cairo"][1] == "القاهرة"


def test_an_unknown_sort_falls_back_to_relevance(client: TestClient) -> None:
    html = client.get("/search-page", params={"sort": "nonsense"}).text
    assert '<option value="relevance" selected>' in html


@pytest.mark.parametrize(
    ("name", "kind", "marker"),
    [
        ("search.js", "javascript", "/search/clicks"),
        ("search.css", "text/css", ".hit-link"),
    ],
)
def test_script_and_styles_are_served(
    client: TestClient, name: str, kind: str, marker: str
) -> None:
    response = client.get(f"/dashboards/static/{name}")
    assert response.status_code == 200
    assert kind in response.headers["content-type"]
    assert marker in response.text


def test_the_listing_page_renders_the_listing(
    client: TestClient, events: InMemoryBehaviourEvents
) -> None:
    response = client.get("/listing/a1b2c3", params={"source": "search"})
    assert response.status_code == 200
    html = response.text
    assert '<h1 dir="auto" lang="ar">تويوتا كورولا 2019 &lt;فابريكا&gt;</h1>' in html
    assert "EGP 915,000" in html
    assert "64,000 km" in html
    assert "Natural gas" in html
    assert "Nasr City · Cairo · القاهرة" in html
    assert [e.payload["source"] for e in events.of_type(LISTING_VIEWED)] == ["search"]


def test_a_missing_listing_is_a_404_page(client: TestClient) -> None:
    response = client.get("/listing/nope")
    assert response.status_code == 404
    assert "This listing is not available" in response.text
