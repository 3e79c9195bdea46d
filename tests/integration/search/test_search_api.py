"""/search, /suggest, /listings against the fixture catalogue in a real Elasticsearch."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.behaviour import (
    LISTING_VIEWED,
    SEARCH_PERFORMED,
    SEARCH_RESULT_CLICKED,
    InMemoryBehaviourEvents,
)
from api.search_wiring import mount_search
from search.query.cursor import encode_cursor
from search.query.request import SearchRequest
from search.relevance.judgments import load_catalogue
from souk.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
LISTINGS = {row["id"]: row for row in load_catalogue()[1]}


@pytest.fixture
def events() -> InMemoryBehaviourEvents:
    return InMemoryBehaviourEvents()


@pytest.fixture
async def api(
    loaded_catalog: Settings, events: InMemoryBehaviourEvents
) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    mount_search(app, loaded_catalog, behaviour=events)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def search(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await api.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [hit["id"] for hit in body["hits"]]


async def test_arabic_variant_spellings_find_each_other(api: httpx.AsyncClient) -> None:
    hamza = ids(await search(api, q="هيونداي النترا", size=20))
    maqsura = ids(await search(api, q="هيونداى إلنترا", size=20))
    english = ids(await search(api, q="hyundai elantra", size=20))
    elantras = {
        i for i, r in LISTINGS.items() if r["model"] == "Elantra" and r["status"] == "active"
    }
    assert elantras
    assert hamza == maqsura
    n = len(elantras)
    assert set(hamza[:n]) == elantras == set(english[:n])


async def test_misspelled_make_finds_it(api: httpx.AsyncClient) -> None:
    body = await search(api, q="mitsubishe", size=10)
    assert body["hits"]
    assert all(LISTINGS[i]["make"] == "Mitsubishi" for i in ids(body)[:3])
    franco = await search(api, q="toyota korola 2018", size=5)
    assert LISTINGS[ids(franco)[0]]["model"] == "Corolla"


async def test_hidden_statuses_are_never_found(api: httpx.AsyncClient) -> None:
    hidden = {i for i, row in LISTINGS.items() if row["status"] != "active"}
    seen: set[str] = set()
    body = await search(api, size=100)
    cursor = body["next_cursor"]
    seen |= set(ids(body))
    while cursor:
        body = await search(api, size=100, cursor=cursor)
        seen |= set(ids(body))
        cursor = body["next_cursor"]
    assert hidden
    assert not seen & hidden


async def test_disjunctive_facet_counts(api: httpx.AsyncClient) -> None:
    active = [r for r in LISTINGS.values() if r["status"] == "active" and r["category"] == "car"]
    body = await search(api, category="car", make=["toyota", "هيونداي"], fuel="petrol")
    makes = {f["value"]: f for f in body["facets"]["make"]}
    fuels = {f["value"]: f["count"] for f in body["facets"]["fuel"]}
    petrol = [r for r in active if r["fuel"] == "petrol"]
    kia = sum(1 for r in petrol if r["make"] == "Kia")
    assert makes["kia"]["count"] == kia
    assert not makes["kia"]["selected"]
    assert makes["toyota"]["selected"]
    assert makes["hyundai"]["selected"]
    chosen = [r for r in active if r["make"] in ("Toyota", "Hyundai")]
    assert fuels["diesel"] == sum(1 for r in chosen if r["fuel"] == "diesel")
    assert body["total"] == sum(1 for r in chosen if r["fuel"] == "petrol")
    assert {LISTINGS[i]["make"] for i in ids(body)} <= {"Toyota", "Hyundai"}


async def test_deep_paging_returns_every_hit_exactly_once(api: httpx.AsyncClient) -> None:
    for sort in ("relevance", "price_asc", "newest"):
        first = await search(api, q="car", size=7, sort=sort)
        seen = ids(first)
        cursor = first["next_cursor"]
        while cursor:
            page = await search(api, q="car", size=7, sort=sort, cursor=cursor)
            seen += ids(page)
            cursor = page["next_cursor"]
        assert len(seen) == len(set(seen)) == first["total"], sort


async def test_sorting_filters_and_geo(api: httpx.AsyncClient) -> None:
    body = await search(
        api, category="car", sort="price_asc", price_min=500_000, price_max=1_500_000, size=50
    )
    prices = [hit["price_egp"] for hit in body["hits"]]
    assert prices == sorted(prices)
    assert all(500_000 <= p <= 1_500_000 for p in prices)
    near = await search(api, lat=31.2001, lon=29.9187, radius_km=30, sort="distance", size=50)
    distances = [hit["distance_km"] for hit in near["hits"]]
    assert distances == sorted(distances)
    assert all(d <= 30 for d in distances)
    assert all(hit["governorate"] == "alexandria" for hit in near["hits"])


async def test_highlights_suggest_listing_similar_and_events(
    api: httpx.AsyncClient, events: InMemoryBehaviourEvents
) -> None:
    body = await search(api, q="toyota", size=5)
    assert any("<em>" in text for hit in body["hits"] for text in hit["highlights"].values())
    performed = events.of_type(SEARCH_PERFORMED)[-1]
    assert performed.payload["results_shown"] == ids(body)
    assert performed.payload["search_id"] == body["search_id"]
    suggestions = (await api.get("/suggest", params={"q": "تويو"})).json()["suggestions"]
    assert suggestions
    assert all("تويوتا" in s["text"] for s in suggestions)
    first = body["hits"][0]
    detail = await api.get(f"/listings/{first['id']}", params={"source": "search"})
    assert detail.status_code == 200
    assert detail.json()["id"] == first["id"]
    assert events.of_type(LISTING_VIEWED)[-1].payload["source"] == "search"
    similar = (await api.get(f"/listings/{first['id']}/similar")).json()["hits"]
    assert similar
    assert first["id"] not in {h["id"] for h in similar}
    click = {
        "search_id": body["search_id"],
        "query": "toyota",
        "listing_id": first["id"],
        "position": 1,
    }
    assert (await api.post("/search/clicks", json=click)).status_code == 202
    clicked = events.of_type(SEARCH_RESULT_CLICKED)[-1].payload
    assert clicked["seller_id"] == LISTINGS[first["id"]]["seller_id"]
    assert (await api.get("/listings/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_cursor_of_another_search_is_refused(api: httpx.AsyncClient) -> None:
    cursor = (await search(api, q="toyota", size=5))["next_cursor"]
    response = await api.get("/search", params={"q": "kia", "size": 5, "cursor": cursor})
    assert response.status_code == 422
    assert "different search" in response.text


async def test_a_cursor_whose_values_do_not_fit_the_sort_is_refused(
    api: httpx.AsyncClient,
) -> None:
    """A cursor signed to this search but carrying other sort values (an altered one, or one
    issued before the sort changed shape) is a 422 naming the cursor, not a server error."""
    first = await search(api, q="toyota", size=5)
    issued = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
    fingerprint = SearchRequest(q="toyota", size=5).fingerprint()
    for values in (["not-a-number", "L1"], issued["sa"][:1]):
        cursor = encode_cursor(values, issued["pit"], fingerprint)
        response = await api.get("/search", params={"q": "toyota", "size": 5, "cursor": cursor})
        assert response.status_code == 422, (values, response.text)
        assert "cursor does not fit this search" in response.text
