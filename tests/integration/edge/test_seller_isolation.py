"""Through the API, a seller reads and changes nothing of another seller's.

Listings (every command on them), and the orders placed with the other seller (read,
history, pay, cancel, refund, fulfil, and the seller's order list). Leads have no read
endpoint in the API: a seller's leads only show in their own analytics.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from souk.settings import Settings
from tests.integration.api.conftest import CAR, PART, Account, listing, sign_up
from tests.integration.edge.conftest import whole_app

pytestmark = pytest.mark.integration
LISTING_COMMANDS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("patch", "", {"colour": "red", "title_en": "Mine now"}),
    ("patch", "", {"stock_quantity": 0}),
    ("post", "/reprice", {"price_egp": 1}),
    ("post", "/publish", None),
    ("post", "/reserve", None),
    ("post", "/release", None),
    ("post", "/sell", None),
    ("post", "/archive", None),
]
ORDER_COMMANDS = ["/pay", "/cancel", "/refund", "/fulfil"]


@pytest.fixture(scope="module")
def client(platform: Settings) -> Iterator[TestClient]:
    with TestClient(whole_app(platform)) as test_client:
        yield test_client


def mine(client: TestClient, seller: Account) -> dict[str, dict[str, Any]]:
    response = client.get("/me/listings", headers=seller.headers)
    assert response.status_code == 200
    return {row["id"]: row for row in response.json()}


def test_a_rival_seller_changes_none_of_my_listings(client: TestClient) -> None:
    owner, rival = sign_up(client, seller=True), sign_up(client, seller=True)
    car = listing(client, owner, CAR, publish=True)
    draft = listing(client, owner, CAR, title_en="Draft Corolla")
    part = listing(client, owner, PART, publish=True)
    before = mine(client, owner)

    for listing_id in (car, draft, part):
        for method, suffix, body in LISTING_COMMANDS:
            kwargs: dict[str, Any] = {"headers": rival.headers}
            if body is not None:
                kwargs["json"] = body
            response = getattr(client, method)(f"/listings/{listing_id}{suffix}", **kwargs)
            assert response.status_code in (403, 404), (listing_id, suffix, response.text)

    assert mine(client, owner) == before
    assert not set(mine(client, rival)) & set(before)  # my listings are not among theirs


def test_a_rival_seller_neither_sees_nor_touches_orders_placed_with_me(client: TestClient) -> None:
    owner, rival, buyer = (
        sign_up(client, seller=True),
        sign_up(client, seller=True),
        sign_up(client),
    )
    car = listing(client, owner, CAR, publish=True)
    part = listing(client, owner, PART, publish=True)
    orders = []
    for item in ({"listing_id": car}, {"listing_id": part, "quantity": 2}):
        placed = client.post("/orders", json={"items": [item]}, headers=buyer.headers)
        assert placed.status_code == 201, placed.text
        orders.append(placed.json()["id"])
    paid = client.post(f"/orders/{orders[1]}/pay", headers=buyer.headers)
    assert paid.status_code == 200

    for order_id in orders:
        url = f"/orders/{order_id}"
        assert client.get(url, headers=rival.headers).status_code == 404
        assert client.get(f"{url}/history", headers=rival.headers).status_code == 404
        for command in ORDER_COMMANDS:
            response = client.post(f"{url}{command}", headers=rival.headers)
            assert response.status_code in (403, 404), (command, response.text)
    for as_seller in (True, False):
        listed = client.get("/orders", params={"as_seller": as_seller}, headers=rival.headers)
        assert listed.json() == []

    statuses = [client.get(f"/orders/{o}", headers=owner.headers).json()["status"] for o in orders]
    assert statuses == ["pending", "paid"]  # untouched
    with_me = client.get("/orders", params={"as_seller": True}, headers=owner.headers).json()
    assert sorted(o["id"] for o in with_me) == sorted(orders)


def test_a_rival_cannot_lead_or_favourite_my_drafts(client: TestClient) -> None:
    owner, rival = sign_up(client, seller=True), sign_up(client, seller=True)
    draft = listing(client, owner, CAR)
    assert client.post(f"/listings/{draft}/leads", json={"channel": "call"},
                       headers=rival.headers).status_code in (404, 409)  # fmt: skip
    assert client.post(f"/listings/{draft}/favourite", headers=rival.headers).status_code in (
        404, 409)  # fmt: skip
    assert client.get(f"/listings/{draft}").status_code == 404  # drafts are not public
