"""The edge in the whole app: limits, request ids, metrics, admin networks, on real services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.service_tokens import mint_service_token
from souk.settings import Settings
from tests.integration.api.conftest import CAR, listing, sign_up
from tests.integration.edge.conftest import whole_app

pytestmark = pytest.mark.integration
INSIDE = ("127.0.0.1", 50000)


@pytest.fixture
def client(platform: Settings) -> Iterator[TestClient]:
    app = whole_app(platform, rate_limit_login_per_ip=4, rate_limit_search_per_user=3,
                    max_request_bytes=4096)  # fmt: skip
    with TestClient(app, client=INSIDE) as test_client:
        yield test_client


def metric(client: TestClient, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return float(sample.value)
    return 0.0


def test_logins_are_limited_per_address(client: TestClient) -> None:
    seller = sign_up(client, seller=True)  # a register and a login: 2 of 4
    wrong = {"email": seller.email, "password": "not-the-password"}
    assert [client.post("/auth/login", json=wrong).status_code for _ in range(2)] == [401, 401]
    refused = client.post("/auth/login", json={"email": seller.email, "password": "long-password"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert metric(client, "souk_http_requests_total", route="/auth/login", status="429") == 1


def test_a_signed_in_buyer_is_limited_on_search(client: TestClient) -> None:
    buyer = sign_up(client)
    codes = [client.get("/search", params={"q": "corolla"}, headers=buyer.headers).status_code
             for _ in range(4)]  # fmt: skip
    assert codes == [200, 200, 200, 429]
    assert client.get("/search", params={"q": "corolla"}).status_code == 200  # anonymous: per IP


def test_oversized_bodies_are_413_and_never_reach_the_database(client: TestClient) -> None:
    seller = sign_up(client, seller=True)
    huge = CAR | {"description_en": "x" * 5000}
    response = client.post("/listings", json=huge, headers=seller.headers)
    assert response.status_code == 413
    chunks = iter([b'{"category": "car", "description_en": "', b"x" * 5000, b'"}'])
    streamed = client.post("/listings", content=chunks, headers=seller.headers |
                           {"content-type": "application/json"})  # fmt: skip
    assert streamed.status_code == 413
    assert client.get("/me/listings", headers=seller.headers).json() == []


def test_request_ids_and_route_templates(client: TestClient) -> None:
    seller = sign_up(client, seller=True)
    listing_id = listing(client, seller, CAR)
    traced = seller.headers | {"X-Request-ID": "support-ticket-4711"}
    response = client.patch(f"/listings/{listing_id}", json={"colour": "white"}, headers=traced)
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "support-ticket-4711"
    assert len(client.get("/health").headers["X-Request-ID"]) == 32
    assert metric(client, "souk_http_requests_total", route="/listings/{listing_id}",
                  method="PATCH", status="200") == 1  # fmt: skip
    assert metric(client, "souk_http_requests_total", route=f"/listings/{listing_id}") == 0


def test_zero_result_searches_are_counted(client: TestClient) -> None:
    before = metric(client, "souk_search_zero_results_total")
    assert client.get("/search", params={"q": "qwxzv plmkj"}).json()["total"] == 0
    assert client.get("/search", params={"q": "toyota"}).json()["total"] > 0
    assert metric(client, "souk_search_zero_results_total") == before + 1


def test_admin_endpoints_refuse_outside_networks_even_with_a_token(platform: Settings) -> None:
    token = mint_service_token(platform, audience="reindex")
    with TestClient(whole_app(platform), client=("203.0.113.50", 40000)) as outside:
        refused = outside.post("/internal/reindex", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403
        assert outside.get("/metrics").status_code == 403
        assert outside.get("/health").status_code == 200
