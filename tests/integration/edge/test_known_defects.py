"""Server errors the OpenAPI fuzz found in code outside the edge, reported to its owners.

Each test is a strict xfail reproducing one defect: it turns red (XPASS) once the defect is
fixed, as a reminder to delete it here and in ``KNOWN_DEFECTS`` of the fuzz test.
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


@pytest.mark.xfail(strict=True, reason="api/routes/listings.py, orders.py: unbounded offset; "
                   "PostgreSQL refuses it past bigint (NumericValueOutOfRange) -> 500")  # fmt: skip
@pytest.mark.parametrize("path", ["/me/listings", "/orders"])
def test_an_offset_past_bigint_is_a_client_error(client: TestClient, path: str) -> None:
    seller = sign_up(client, seller=True)
    response = client.get(path, params={"offset": PAST_BIGINT}, headers=seller.headers)
    assert response.status_code < 500


@pytest.mark.xfail(strict=True, reason="text fields accept U+0000; psycopg: 'PostgreSQL text "
                   "fields cannot contain NUL (0x00) bytes' (DataError) -> 500")  # fmt: skip
def test_a_nul_character_in_a_text_field_is_a_client_error(client: TestClient) -> None:
    body = {"email": "nul\u0000@example.eg", "password": "long-password", "full_name": "N\u0000"}
    assert client.post("/auth/register", json=body).status_code < 500


@pytest.mark.xfail(strict=True, reason="api/analytics/periods.py: a period ending near date.min "
                   "overflows (end - timedelta): OverflowError -> 500")  # fmt: skip
def test_a_period_ending_in_year_one_is_a_client_error(client: TestClient) -> None:
    seller = sign_up(client, seller=True)
    params = {"end": "0001-01-01"}
    response = client.get("/analytics/seller/funnel", params=params, headers=seller.headers)
    assert response.status_code < 500
