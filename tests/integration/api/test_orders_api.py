"""/orders through HTTP: reserve, pay (and be declined), refund, and who sees what."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from core.cli import db_app
from core.payments import SandboxPaymentProvider
from souk.settings import Settings
from tests.integration.api.conftest import CAR, PART, listing, sign_up

pytestmark = pytest.mark.integration


def test_a_car_reservation_from_order_to_refund(
    client: TestClient, payments: SandboxPaymentProvider
) -> None:
    seller = sign_up(client, seller=True)
    buyer, late, stranger = sign_up(client), sign_up(client), sign_up(client)
    car_id = listing(client, seller, CAR, publish=True)

    placed = client.post("/orders", json={"items": [{"listing_id": car_id}]}, headers=buyer.headers)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["kind"], order["status"], order["total_egp"]) == (
        "car_reservation",
        "pending",
        57_500,  # 5 % of 1,150,000
    )
    order_url = f"/orders/{order['id']}"

    taken = client.post("/orders", json={"items": [{"listing_id": car_id}]}, headers=late.headers)
    assert taken.status_code == 409
    assert taken.json() == {"detail": f"listing {car_id} is reserved, not active"}

    assert client.get(order_url, headers=stranger.headers).status_code == 404  # not disclosed
    assert client.get(order_url, headers=seller.headers).json()["id"] == order["id"]
    assert [o["id"] for o in client.get("/orders", headers=buyer.headers).json()] == [order["id"]]
    assert client.get("/orders", headers=late.headers).json() == []
    as_seller = client.get("/orders", params={"as_seller": True}, headers=seller.headers)
    assert [o["id"] for o in as_seller.json()] == [order["id"]]

    payments.declining = True
    declined = client.post(f"{order_url}/pay", headers=buyer.headers)
    assert declined.status_code == 402
    assert "declined" in declined.json()["detail"]
    payments.declining = False
    assert client.post(f"{order_url}/pay", headers=stranger.headers).status_code == 404
    assert client.post(f"{order_url}/pay", headers=seller.headers).status_code == 403
    paid = client.post(f"{order_url}/pay", headers=buyer.headers)
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    assert [p["status"] for p in paid.json()["payments"]] == ["declined", "captured"]
    assert client.post(f"{order_url}/pay", headers=buyer.headers).status_code == 409
    assert client.post(f"{order_url}/cancel", headers=buyer.headers).status_code == 409

    refused = client.post(f"{order_url}/refund", headers=buyer.headers)
    assert refused.status_code == 403
    refunded = client.post(f"{order_url}/refund", headers=seller.headers)
    assert refunded.status_code == 200
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["version"] == 5
    history = client.get(f"{order_url}/history", headers=buyer.headers).json()
    assert [(e["event_type"], e["version"]) for e in history] == [
        ("OrderPlaced", 1),
        ("PaymentDeclined", 2),
        ("PaymentCaptured", 3),
        ("OrderPaid", 4),
        ("OrderRefunded", 5),
    ]
    assert history[0]["payload"]["items"][0]["listing_id"] == car_id
    assert client.get(f"{order_url}/history", headers=stranger.headers).status_code == 404
    mine = client.get("/me/listings", headers=seller.headers).json()
    assert [(row["id"], row["status"]) for row in mine] == [(car_id, "active")]


def test_parts_orders_stop_at_the_stock_and_cancel_gives_it_back(client: TestClient) -> None:
    seller, buyer = sign_up(client, seller=True), sign_up(client)
    part_id = listing(client, seller, PART, publish=True)

    too_many = client.post(
        "/orders", json={"items": [{"listing_id": part_id, "quantity": 4}]}, headers=buyer.headers
    )
    assert too_many.status_code == 409
    assert too_many.json()["detail"].startswith("only 3 left in stock")
    order = client.post(
        "/orders", json={"items": [{"listing_id": part_id, "quantity": 3}]}, headers=buyer.headers
    ).json()
    assert order["total_egp"] == 1_050
    stock = client.get("/me/listings", headers=seller.headers).json()[0]["stock"]
    assert stock == {"quantity_available": 0, "quantity_reserved": 3}

    cancelled = client.post(
        f"/orders/{order['id']}/cancel", json={"reason": "found it cheaper"}, headers=buyer.headers
    )
    assert cancelled.json()["status"] == "cancelled"
    stock = client.get("/me/listings", headers=seller.headers).json()[0]["stock"]
    assert stock == {"quantity_available": 3, "quantity_reserved": 0}


def test_order_input_errors(client: TestClient) -> None:
    buyer = sign_up(client)
    assert client.post("/orders", json={"items": []}).status_code == 401
    empty = client.post("/orders", json={"items": []}, headers=buyer.headers)
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "items"]
    zero = client.post(
        "/orders",
        json={"items": [{"listing_id": str(uuid.uuid4()), "quantity": 0}]},
        headers=buyer.headers,
    )
    assert zero.json()["detail"][0]["loc"] == ["body", "items", 0, "quantity"]
    unknown = client.post(
        "/orders", json={"items": [{"listing_id": str(uuid.uuid4())}]}, headers=buyer.headers
    )
    assert unknown.status_code == 404
    assert client.get(f"/orders/{uuid.uuid4()}", headers=buyer.headers).status_code == 404
    assert client.get("/orders/not-a-uuid", headers=buyer.headers).status_code == 422


def test_an_admin_sees_and_refunds_any_order(client: TestClient, migrated: Settings) -> None:
    seller, buyer = sign_up(client, seller=True), sign_up(client)
    car_id = listing(client, seller, CAR, publish=True)
    order_url = (
        "/orders/"
        + client.post(
            "/orders", json={"items": [{"listing_id": car_id}]}, headers=buyer.headers
        ).json()["id"]
    )
    assert client.post(f"{order_url}/pay", headers=buyer.headers).status_code == 200

    email = f"admin-{uuid.uuid4().hex[:8]}@example.eg"
    created = CliRunner().invoke(
        db_app,
        ["create-admin", "--email", email, "--full-name", "Ops"],
        input="admin-password\nadmin-password\n",
        env={"SOUK_POSTGRES_DB": migrated.postgres_db},
    )
    assert created.exit_code == 0, created.output
    token = client.post("/auth/login", json={"email": email, "password": "admin-password"})
    admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/auth/me", headers=admin).json()["role"] == "admin"

    assert client.get(order_url, headers=admin).status_code == 200
    assert client.get("/me/listings", headers=admin).status_code == 403  # not a seller
    refunded = client.post(f"{order_url}/refund", headers=admin)
    assert refunded.json()["status"] == "refunded"
