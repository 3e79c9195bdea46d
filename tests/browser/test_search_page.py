"""The buyers' search page in headless Chromium over the relevance fixture catalogue (in its
own random alias): Arabic and English queries, suggestions, a facet, a click, a screenshot."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from elasticsearch import AsyncElasticsearch
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from api.app import create_app
from api.behaviour import SEARCH_RESULT_CLICKED, InMemoryBehaviourEvents
from api.metrics import ZeroResultSearches
from search.catalog_index import drop_catalog, ensure_catalog
from search.elastic import async_client
from search.relevance.evaluate import index_rows
from search.relevance.judgments import load_catalogue
from souk.settings import PROJECT_ROOT, Settings
from tests.browser.conftest import _free_port
from tests.integration.search.helpers import isolated

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SCREENSHOTS = PROJECT_ROOT / ".local" / "screenshots"
READY = "() => document.querySelector('#summary').dataset.state === 'ready'"
COROLLA_AR = ("كورولا", "كورلا", "كوروله")  # spellings in the fixture catalogue
CARD_TITLES = "() => [...document.querySelectorAll('#results .hit')].map(h => h.innerText)"


def _catalog(settings: Settings, *, load: bool) -> None:
    """Load or drop the catalog, in a thread of its own (Playwright's loop owns this one)."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_change_catalog(settings, load=load))
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    worker = threading.Thread(target=run, name="search-page-catalog")
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


async def _change_catalog(settings: Settings, *, load: bool) -> None:
    es: AsyncElasticsearch = async_client(settings, timeout=60.0)
    try:
        if load:
            await ensure_catalog(es, settings)
            sellers, listings = load_catalogue()
            await index_rows(es, settings.catalog_alias, sellers, listings)
        else:
            await drop_catalog(es, settings)
    finally:
        await es.close()


@pytest.fixture(scope="module")
def catalog_settings(settings: Settings) -> Iterator[Settings]:
    mine = isolated(settings).model_copy(update={"behaviour_events_enabled": False})
    _catalog(mine, load=True)
    yield mine
    _catalog(mine, load=False)


@pytest.fixture(scope="module")
def search_app(catalog_settings: Settings) -> FastAPI:
    return create_app(catalog_settings)


@pytest.fixture(scope="module")
def search_server(search_app: FastAPI) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        search_app, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="search-page-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(
        viewport={"width": 1360, "height": 1000}, reduced_motion="reduce", locale="en-GB"
    )
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert problems == [], problems


def _search(page: Page, text: str) -> int:
    """Type ``text`` into the box, press Enter, wait for that query's results; the total."""
    box = page.locator("#q")
    box.fill("")
    box.type(text, delay=20)
    box.press("Enter")
    page.wait_for_function(
        "q => document.querySelector('#summary').dataset.state === 'ready'"
        " && new URLSearchParams(location.search).get('q') === q"
        " && document.querySelector('#summary .query')?.textContent === `«${q}»`",
        arg=text,
    )
    return int(page.locator("#total").get_attribute("data-total") or "0")


def _top_cards(page: Page, top: int) -> list[str]:
    cards: list[str] = page.evaluate(CARD_TITLES)
    return cards[:top]


def _is_corolla(card: str) -> bool:
    return "corolla" in card.lower() or any(name in card for name in COROLLA_AR)


def test_search_page_in_chromium(page: Page, search_server: str, search_app: FastAPI) -> None:
    page.goto(f"{search_server}/")
    page.wait_for_function(READY)
    assert page.locator("#results .hit").count() == 20  # everything, first page
    assert page.locator("#load-more").is_visible()

    # As-you-type suggestions, with keyboard navigation.
    page.locator("#q").type("toy", delay=60)
    page.wait_for_selector("#suggestions [role=option]")
    suggestions = page.locator("#suggestions [role=option]").all_inner_texts()
    assert suggestions
    assert all("toyota" in s.lower() for s in suggestions), suggestions
    page.locator("#q").press("ArrowDown")
    assert page.locator("#suggestions [aria-selected=true]").count() == 1
    page.locator("#q").press("Escape")
    assert page.locator("#suggestions").is_hidden()

    arabic_total = _search(page, "تويوتا كورولا")
    arabic = _top_cards(page, 5)
    assert arabic_total >= 5
    assert all(_is_corolla(card) for card in arabic), arabic
    assert page.locator("#results .hit").first.locator("mark").count() >= 1
    assert page.locator("#results .hit-title[dir=auto]").count() >= 1
    _screenshot(page, "search-page.png")

    english_total = _search(page, "toyota corolla")
    assert english_total == arabic_total
    english = _top_cards(page, 5)
    assert len(english) == 5
    assert all(_is_corolla(card) for card in english), english
    assert page.locator("#results .hit mark").count() >= 5
    assert "q=toyota+corolla" in page.url

    # A facet: ticking a value narrows the total to that value's count (disjunctive facets).
    value = page.locator("[data-facet=fuel] .facet-value").first
    expected = int(value.locator(".facet-count").inner_text().replace(",", ""))
    assert 0 < expected < english_total
    fuel = value.get_attribute("data-value")
    value.locator("input").check()
    page.wait_for_function(
        "n => document.querySelector('#summary').dataset.state === 'ready'"
        " && Number(document.querySelector('#total').dataset.total) === n",
        arg=expected,
    )
    assert f"fuel={fuel}" in page.url
    assert page.locator("#results .hit").count() == min(expected, 20)

    # The URL is the state: reloading it shows the same search.
    page.reload()
    page.wait_for_function(READY)
    assert page.locator("#q").input_value() == "toyota corolla"
    assert page.locator(f"[data-facet=fuel] input[value={fuel}]").is_checked()
    assert int(page.locator("#total").get_attribute("data-total") or "0") == expected

    # A click is reported, then the listing page opens.
    first = page.locator("#results .hit").first
    listing_id = first.get_attribute("data-id")
    first.locator("a").click()
    page.wait_for_url(f"**/listing/{listing_id}?source=search")
    assert page.locator(".listing-detail .price").inner_text().startswith("EGP ")
    events = search_app.state.behaviour_events
    if isinstance(events, ZeroResultSearches):  # the metrics' counting wrapper
        events = events.inner
    assert isinstance(events, InMemoryBehaviourEvents)
    clicks = events.of_type(SEARCH_RESULT_CLICKED)
    assert [c.payload["listing_id"] for c in clicks] == [listing_id]
    assert clicks[0].payload["query"] == "toyota corolla"
    _screenshot(page, "search-listing.png")


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
