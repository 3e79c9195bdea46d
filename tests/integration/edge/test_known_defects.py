"""Server errors the OpenAPI fuzz once found, kept as regression tests: each is a 4xx now.

(Unbounded offsets past bigint, U+0000 in text fields, analytics periods near year 1.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from souk.settings import Settings
from tests.integration.api.conftest import sign_up
from tests.integration.edge.conftest import whole_app

pytestmark = pytest.mark.integration
PAST_BIGINT = 2**63


@pytest.fixture(scope="module")
def client(platform: Settings) -> Iterator[TestClient]:
    with TestClient(whole_app(platform), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/me/listings", "/orders"])
def test_an_offset_past_bigint_is_a_client_error(client: TestClient, path: str) -> None:
    seller = sign_up(client, seller=True)
    response = client.get(path, params={"offset": PAST_BIGINT}, headers=seller.headers)
    assert response.status_code == 422


def test_a_nul_character_in_a_text_field_is_a_client_error(client: TestClient) -> None:
    body = {"email": "nul\u0000@example.eg", "password": "long-password", "full_name": "N\u0000"}
    response = client.post("/auth/register", json=body)
    assert response.status_code == 422
    assert "NUL" in response.text


def test_a_period_ending_in_year_one_is_a_client_error(client: TestClient) -> None:
    seller = sign_up(client, seller=True)
    params = {"end": "0001-01-01"}
    response = client.get("/analytics/seller/funnel", params=params, headers=seller.headers)
    assert response.status_code == 422
