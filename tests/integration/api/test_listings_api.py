"""/listings through HTTP: the seller's commands, authorization and validation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import create_db_engine, make_session_factory
from core.event_store import events_of
from core.models import ListingPriceHistory
from souk.settings import Settings
from tests.integration.api.conftest import CAR, PART, listing, sign_up

pytestmark = pytest.mark.integration


def test_a_seller_drafts_publishes_edits_and_reprices(
    client: TestClient, migrated: Settings
) -> None:
    seller = sign_up(client, seller=True)
    draft = client.post("/listings", json=CAR, headers=seller.headers)
    assert draft.status_code == 201
    body = draft.json()
    assert (body["status"], body["version"], body["published_at"]) == ("draft", 0, None)
    assert body["photos"] == CAR["photos"]
    listing_id = body["id"]

    published = client.post(f"/listings/{listing_id}/publish", headers=seller.headers)
    assert (published.status_code, published.json()["status"]) == (200, "active")
    edited = client.patch(
        f"/listings/{listing_id}",
        json={"colour": "white", "installments_available": True},
        headers=seller.headers,
    )
    assert edited.status_code == 200
    assert (edited.json()["colour"], edited.json()["version"]) == ("white", 2)
    repriced = client.post(
        f"/listings/{listing_id}/reprice", json={"price_egp": 1_100_000}, headers=seller.headers
    )
    assert (repriced.json()["price_egp"], repriced.json()["version"]) == (1_100_000, 3)

    again = client.post(f"/listings/{listing_id}/publish", headers=seller.headers)
    assert again.status_code == 409
    assert again.json()["detail"].startswith(f"cannot publish listing {listing_id}: it is active")

    mine = client.get("/me/listings", headers=seller.headers)
    assert [row["id"] for row in mine.json()] == [listing_id]

    engine = create_db_engine(migrated)
    with make_session_factory(engine)() as session:
        history = session.scalars(
            select(ListingPriceHistory).where(ListingPriceHistory.listing_id == listing_id)
        ).one()
        events = events_of(session, "listing", listing_id)
    engine.dispose()
    assert (history.old_price_egp, history.new_price_egp) == (1_150_000, 1_100_000)
    assert [e.event_type for e in events] == [
        "ListingPublished",
        "ListingEdited",
        "ListingPriceChanged",
    ]
    assert events[1].payload["changed"] == ["colour", "installments_available"]


def test_parts_carry_their_stock(client: TestClient) -> None:
    seller = sign_up(client, seller=True)
    created = client.post("/listings", json=PART | {"publish": True}, headers=seller.headers)
    assert created.json()["stock"] == {"quantity_available": 3, "quantity_reserved": 0}
    restocked = client.patch(
        f"/listings/{created.json()['id']}", json={"stock_quantity": 10}, headers=seller.headers
    )
    assert restocked.json()["stock"]["quantity_available"] == 10
    drafts = client.get("/me/listings", params={"status": "draft"}, headers=seller.headers)
    assert drafts.json() == []


def test_who_may_change_a_listing(client: TestClient) -> None:
    owner, rival, buyer = (
        sign_up(client, seller=True),
        sign_up(client, seller=True),
        sign_up(client),
    )
    listing_id = listing(client, owner, CAR, publish=True)

    assert client.post("/listings", json=CAR).status_code == 401
    assert client.post(f"/listings/{listing_id}/archive").status_code == 401

    as_buyer = client.post("/listings", json=CAR, headers=buyer.headers)
    assert as_buyer.status_code == 403
    assert as_buyer.json() == {"detail": "only seller accounts can do this"}
    assert client.get("/me/listings", headers=buyer.headers).status_code == 403

    stolen = client.patch(f"/listings/{listing_id}", json={"colour": "red"}, headers=rival.headers)
    assert stolen.status_code == 403
    assert stolen.json() == {"detail": f"listing {listing_id} belongs to another seller"}
    sold = client.post(f"/listings/{listing_id}/sell", headers=rival.headers)
    assert sold.status_code == 403

    missing = client.post(f"/listings/{uuid.uuid4()}/archive", headers=owner.headers)
    assert missing.status_code == 404

    archived = client.post(f"/listings/{listing_id}/archive", headers=owner.headers)
    assert archived.json()["status"] == "archived"


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        ({"price_egp": 0}, ["body", "price_egp"], "greater than 0"),
        ({"year": 1900}, ["body", "year"], "greater than or equal to 1950"),
        ({"year": datetime.now(UTC).year + 2}, ["body", "year"], "(next year) or earlier"),
        ({"governorate": "gotham"}, ["body", "governorate"], "27 governorate codes"),
        ({"mileage_km": -3}, ["body", "mileage_km"], "greater than or equal to 0"),
        ({"category": "boat"}, ["body", "category"], "Input should be 'car', 'part' or"),
        ({"status": "sold"}, ["body", "status"], "Extra inputs are not permitted"),
        ({"make": None}, ["body"], "a car listing needs make"),
        ({"title_en": None, "title_ar": " "}, ["body"], "needs a title"),
        ({"stock_quantity": 2}, ["body"], "stock_quantity is only for spare-part listings"),
    ],
)
def test_invalid_listings_are_422_naming_field_and_rule(
    client: TestClient, change: dict[str, object], loc: list[str], message: str
) -> None:
    seller = sign_up(client, seller=True)
    response = client.post("/listings", json=CAR | change, headers=seller.headers)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == loc
    assert message in error["msg"]


def test_favourites_and_leads(client: TestClient) -> None:
    seller, buyer = sign_up(client, seller=True), sign_up(client)
    listing_id = listing(client, seller, CAR, publish=True)

    first = client.post(f"/listings/{listing_id}/favourite", headers=buyer.headers)
    second = client.post(f"/listings/{listing_id}/favourite", headers=buyer.headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["user_id"] == buyer.id

    lead = client.post(
        f"/listings/{listing_id}/leads",
        json={"channel": "whatsapp", "message": "Is the price negotiable?"},
        headers=buyer.headers,
    )
    assert lead.status_code == 201
    assert (lead.json()["channel"], lead.json()["buyer_id"]) == ("whatsapp", buyer.id)

    own = client.post(
        f"/listings/{listing_id}/leads", json={"channel": "call"}, headers=seller.headers
    )
    assert own.status_code == 409
    assert own.json() == {"detail": "you cannot send a lead to your own listing"}
    bad = client.post(
        f"/listings/{listing_id}/leads", json={"channel": "pigeon"}, headers=buyer.headers
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "channel"]
    draft_id = listing(client, seller, CAR)
    hidden = client.post(f"/listings/{draft_id}/favourite", headers=buyer.headers)
    assert hidden.status_code == 404


def test_a_signed_in_write_needs_one_pooled_connection_at_a_time(
    client: TestClient, migrated: Settings
) -> None:
    """The sign-in lookup hands its connection back before the command takes one: with a pool
    of one connection, a seller's write still goes through (it held two, and concurrent
    writers exhausted the pool waiting for each other)."""
    seller = sign_up(client, seller=True)
    app: Any = client.app
    normal_factory = app.state.session_factory
    engine = create_db_engine(migrated, pool_size=1, max_overflow=0, pool_timeout=3)
    app.state.session_factory = make_session_factory(engine)
    try:
        draft = client.post("/listings", json=CAR, headers=seller.headers)
        assert draft.status_code == 201, draft.text
        published = client.post(f"/listings/{draft.json()['id']}/publish", headers=seller.headers)
        assert published.status_code == 200, published.text
    finally:
        app.state.session_factory = normal_factory
        engine.dispose()
