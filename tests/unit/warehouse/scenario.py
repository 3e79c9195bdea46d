"""A small two-day marketplace whose mart figures are worked out by hand in the tests.

Day 1 is 2026-03-01 and day 2 is 2026-03-02 (Cairo, UTC+2 in March). Seven listings: S1 has
L1 and L2, S2 has L3..L7; L1, L2 and L4..L7 are Toyota Corolla 2020 in Cairo, L3 a Hyundai
Elantra 2019 in Giza. The search event of U1 and one view are delivered twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tests.unit.warehouse.fixtures import behaviour, domain

DAY1, DAY2 = date(2026, 3, 1), date(2026, 3, 2)
T1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATE_T1_UTC = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 01:30 on day 2 in Cairo

COROLLAS = {"L1": ("S1", 900_000), "L2": ("S1", 1_000_000), "L4": ("S2", 950_000),
            "L5": ("S2", 1_050_000), "L6": ("S2", 1_100_000), "L7": ("S2", 800_000)}  # fmt: skip


def _published(listing: str, seller: str, price: int, **attrs: Any) -> dict[str, Any]:
    payload = {"listing_id": listing, "seller_id": seller, "category": "car", "make": "Toyota",
               "model": "Corolla", "year": 2020, "price_egp": price, "governorate": "cairo",
               "city": "Nasr City", "condition": "used", **attrs}  # fmt: skip
    return domain("ListingPublished", T1, payload, aggregate_id=listing)


def _search(event_id: str, at: datetime, query: str, shown: list[str], *, user: str | None,
            session: str, search_id: str) -> dict[str, Any]:  # fmt: skip
    payload = {"search_id": search_id, "query": query, "filters": {"category": "car"},
               "sort": "relevance", "page": 1, "hits_total": len(shown), "took_ms": 7,
               "results_shown": shown}  # fmt: skip
    return behaviour("SearchPerformed", at, payload, user_id=user, session_id=session,
                     event_id=event_id)  # fmt: skip


def _view(listing: str, seller: str, at: datetime, *, user: str | None, session: str,
          event_id: str | None = None) -> dict[str, Any]:  # fmt: skip
    payload = {"listing_id": listing, "seller_id": seller, "source": "search"}
    return behaviour("ListingViewed", at, payload, user_id=user, session_id=session,
                     event_id=event_id)  # fmt: skip


def first_batch() -> list[dict[str, Any]]:
    events = [
        domain("SellerRegistered", T1, {"seller_id": "S1", "user_id": "US1",
               "seller_type": "dealer", "name": "Nile Motors", "governorate": "cairo"}),
        domain("SellerRegistered", T1, {"seller_id": "S2", "user_id": "US2",
               "seller_type": "individual", "name": "Omar", "governorate": "giza"}),
        *[_published(lid, seller, price) for lid, (seller, price) in COROLLAS.items()],
        _published("L3", "S2", 600_000, make="Hyundai", model="Elantra", year=2019,
                   governorate="giza"),
        _search("e-search-a", T1, "Toyota  Corolla", ["L1", "L2", "L4"], user="U1",
                session="sA", search_id="qa"),
        _search("e-search-b", T1, "toyota corolla", ["L2", "L1"], user=None, session="sB",
                search_id="qb"),
        _search("e-search-c", T1, "Lada Niva", [], user="U2", session="sC", search_id="qc"),
        behaviour("SearchResultClicked", T1, {"search_id": "qa", "query": "Toyota  Corolla",
                  "listing_id": "L1", "seller_id": "S1", "position": 1}, user_id="U1",
                  session_id="sA"),
        _view("L1", "S1", T1, user="U1", session="sA", event_id="e-view-1"),
        _view("L1", "S1", T1, user="U1", session="sA"),
        _view("L2", "S1", T1, user=None, session="sB"),
        _view("L3", "S2", T1, user="U2", session="sC"),
        domain("LeadCreated", T1, {"lead_id": "LD1", "listing_id": "L1", "seller_id": "S1",
               "buyer_id": "U1", "channel": "whatsapp"}),
        domain("OrderPlaced", T1, {"order_id": "O1", "buyer_id": "U1", "seller_id": "S1",
               "kind": "car_reservation", "total_egp": 10_000,
               "items": [{"listing_id": "L1", "quantity": 1, "unit_price_egp": 10_000}]}),
        domain("PaymentCaptured", T1, {"payment_id": "P1", "order_id": "O1", "seller_id": "S1",
               "amount_egp": 10_000, "provider": "sandbox", "provider_ref": "ref-1"}),
    ]  # fmt: skip
    return events


def second_batch() -> list[dict[str, Any]]:
    """Day 2, plus redeliveries of a day-1 search and view (same event ids)."""
    redelivered = [e for e in first_batch() if e["event_id"] in {"e-search-a", "e-view-1"}]
    return [
        *redelivered,
        domain("ListingPriceChanged", T2, {"listing_id": "L2", "seller_id": "S1",
               "old_price_egp": 1_000_000, "new_price_egp": 940_000}, aggregate_id="L2"),
        domain("ListingSold", T2, {"listing_id": "L1", "seller_id": "S1", "order_id": "O1",
               "price_egp": 900_000}, aggregate_id="L1"),
        _search("e-search-d", T2, "toyota corolla", ["L2"], user="U3", session="sD",
                search_id="qd"),
        behaviour("SearchResultClicked", T2, {"search_id": "qd", "query": "toyota corolla",
                  "listing_id": "L2", "seller_id": "S1", "position": 1}, user_id="U3",
                  session_id="sD"),
        _view("L2", "S1", LATE_T1_UTC, user="U3", session="sD"),
    ]  # fmt: skip
