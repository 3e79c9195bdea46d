"""Hostile search text is text: never a query-string syntax error, never a server error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from search.query.builder import build_search_body
from search.query.request import SearchRequest
from souk.settings import Settings
from tests.integration.edge.conftest import whole_app

pytestmark = pytest.mark.integration

HOSTILE = [
    "title:(a OR b)", "*", '"', ")(", "\\", "make:Toyota AND NOT model:Corolla", "toyota~2",
    "corolla^10", "/.*/", "[2010 TO 2020]", "{!lucene}x", "price_egp:>0", "a && b || !c",
    "<script>alert(1)</script>", "'; DROP TABLE listings; --", "تويوتا OR هيونداي)",
    "?", "@", "-", "+-+", "%00", "\u200f\u202e", "_id:1", "*:*", "()" * 50,
]  # fmt: skip
NO_PARSERS = ("query_string", "simple_query_string")


@pytest.fixture(scope="module")
def api(platform: Settings) -> Iterator[TestClient]:
    with TestClient(whole_app(platform)) as client:
        yield client


@pytest.mark.parametrize("text", HOSTILE)
def test_search_treats_syntax_as_text(api: TestClient, text: str) -> None:
    response = api.get("/search", params={"q": text})
    assert response.status_code == 200, response.text
    assert response.json()["query"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_suggest_treats_syntax_as_text(api: TestClient, text: str) -> None:
    response = api.get("/suggest", params={"q": text})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("text", HOSTILE)
def test_the_query_the_builder_writes_has_no_query_parser(text: str) -> None:
    body = json.dumps(build_search_body(SearchRequest(q=text)), ensure_ascii=False)
    assert not any(f'"{name}"' in body for name in NO_PARSERS), body


@pytest.mark.parametrize(
    ("syntax", "words"),
    [("make:Toyota AND NOT model:Corolla", "make Toyota AND NOT model Corolla"),
     ("title:(a OR b)", "title a OR b"), ("corolla^10", "corolla 10"), ("*", ""), ("*:*", "")],
)  # fmt: skip
def test_operators_are_separators_between_words(syntax: str, words: str) -> None:
    def query(text: str) -> object:
        return build_search_body(SearchRequest(q=text))["query"]

    assert query(syntax) == query(words)


def test_search_text_still_finds_listings(api: TestClient) -> None:
    found = api.get("/search", params={"q": "toyota corolla"}).json()
    assert 0 < found["total"] < api.get("/search").json()["total"]
