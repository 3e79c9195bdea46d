"""Bad input gets 422 naming the problem before Elasticsearch is asked; ES down gets 503."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.behaviour import InMemoryBehaviourEvents
from api.search_params import SearchParams, read_search_params
from api.search_wiring import mount_search
from search.query.request import SortOrder
from souk.settings import Settings


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    nowhere = settings.model_copy(update={"elasticsearch_port": 9, "search_request_timeout_s": 1})
    app = FastAPI()
    mount_search(app, nowhere, behaviour=InMemoryBehaviourEvents())
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"colour_of_seats": "red"}, "colour_of_seats"),
        ({"fuel": "banana"}, "fuel"),
        ({"governorate": "atlantis"}, "governorate"),
        ({"year_min": 2020, "year_max": 2010}, "year_min"),
        ({"price_min": 9, "price_max": 1}, "price_min"),
        ({"q": "x" * 201}, "q"),
        ({"size": 1000}, "size"),
        ({"page": 500, "size": 50}, "cursor"),
        ({"sort": "distance"}, "lat"),
        ({"radius_km": 5}, "lat"),
        ({"sort": "cheapest"}, "sort"),
        # beyond any listing's bounds, and beyond a 64-bit integer (the query body's JSON
        # encoder refused it: a 500 the OpenAPI fuzzer found)
        ({"mileage_max": 297852405866015227904}, "mileage_max"),
        ({"mileage_max": 5_000_001}, "mileage_max"),
        ({"price_max": 10**20}, "price_max"),
        ({"price_min": 100_000_000_001}, "price_min"),
    ],
)
def test_bad_input_is_422_naming_the_problem(
    client: TestClient, params: dict[str, object], named: str
) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert named in response.text


def test_search_engine_down_is_503(client: TestClient) -> None:
    response = client.get("/search", params={"q": "toyota"})
    assert response.status_code == 503
    assert "unavailable" in response.json()["detail"]
    assert client.get("/listings/abc").status_code == 503


def test_openapi_documents_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/search", "/suggest", "/search/clicks", "/listings/{listing_id}",
            "/listings/{listing_id}/similar"} <= set(paths)  # fmt: skip


def test_too_many_values_of_a_filter_is_422(client: TestClient) -> None:
    response = client.get("/search", params=[("make", f"m{i}") for i in range(21)])
    assert response.status_code == 422
    assert "make" in response.text


def test_openapi_lists_every_search_parameter_with_its_description(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/search"]["get"]
    documented = {p["name"]: p for p in operation["parameters"]}
    assert list(documented) == list(SearchParams.model_fields)
    for name, parameter in documented.items():
        assert parameter["in"] == "query", name
        assert parameter["required"] is False, name
        assert parameter["description"], name
    assert "electric" in documented["fuel"]["schema"]["items"]["enum"]
    assert documented["make"]["schema"]["maxItems"] == 20


def test_search_parameters_read_like_fastapi_reads_query_parameters() -> None:
    params = read_search_params(
        [("make", "toyota"), ("make", "kia"), ("page", "1"), ("page", "3"), ("installments", "1")]
    )
    assert params.make == ["toyota", "kia"]
    assert params.page == 3  # a single-valued parameter given twice: the last counts
    assert params.installments is True
    assert params.sort is SortOrder.RELEVANCE
    assert params.fuel == []


def test_bad_values_are_fastapi_shaped_422s(client: TestClient) -> None:
    response = client.get("/search", params=[("fuel", "petrol"), ("fuel", "banana"), ("page", "x")])
    assert response.status_code == 422
    locations = [error["loc"] for error in response.json()["detail"]]
    assert locations == [["query", "fuel", 1], ["query", "page"]]
