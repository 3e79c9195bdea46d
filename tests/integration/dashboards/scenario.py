"""Two weeks of a small market whose dashboard figures are worked out by hand in the tests.

The period under test is Sunday 2026-03-08 .. Saturday 2026-03-14 (7 days); the previous
period is 2026-03-01 .. 2026-03-07. Seller A has A1 (Toyota Corolla 2020, Cairo, EGP
900,000) and A2 (Hyundai Elantra 2019, Giza, EGP 600,000); seller B has B1..B4 (Corolla
2020, Cairo, EGP 950,000 .. 1,100,000). The Corolla segment's median is EGP 1,000,000, so
A1 is a great price (90 %), B1 good, B2 and B3 fair, B4 high; A2 has no segment (unrated).

Previous period: one search for "toyota corolla" (03-03) shows A1 and B1; U1 views A1.
Period under test, day by day (all at 12:00 Cairo time):
- 03-09 U2 searches "Toyota  Corolla" (A1, A2, B1 shown), clicks A1, views A1 twice, sends
  a WhatsApp lead on A1;
- 03-10 U3 searches "elantra" (A2 shown), clicks A2, views A2;
- 03-11 U4 searches "corolla 2020" (B1, B2, A1 shown), clicks B2, views B2, a lead on B2,
  orders B2 (EGP 20,000 deposit, captured);
- 03-12 U2 views A1 again and orders it (EGP 15,000 deposit, captured);
- 03-13 U5 searches "لادا نيفا" and finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.unit.warehouse.fixtures import behaviour, domain

FIRST_DAY, LAST_DAY = date(2026, 3, 1), date(2026, 3, 14)
START, END = date(2026, 3, 8), date(2026, 3, 14)
PREVIOUS_START, PREVIOUS_END = date(2026, 3, 1), date(2026, 3, 7)


@dataclass(frozen=True)
class Listings:
    a1: str
    a2: str
    b: tuple[str, str, str, str]


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, 0, tzinfo=UTC)  # noon in Cairo


def _published(listing: str, seller: str, price: int, **attrs: Any) -> dict[str, Any]:
    payload = {
        "listing_id": listing,
        "seller_id": seller,
        "category": "car",
        "make": "Toyota",
        "model": "Corolla",
        "year": 2020,
        "price_egp": price,
        "governorate": "cairo",
        "city": "Nasr City",
        "condition": "used",
    } | attrs
    return domain("ListingPublished", at(1), payload, aggregate_id=listing)


def _search(day: int, query: str, shown: list[str], user: str, search_id: str) -> dict[str, Any]:
    payload = {
        "search_id": search_id,
        "query": query,
        "filters": {"category": "car"},
        "sort": "relevance",
        "page": 1,
        "hits_total": len(shown),
        "took_ms": 9,
        "results_shown": shown,
    }
    return behaviour("SearchPerformed", at(day), payload, user_id=user, session_id=f"s-{user}")


def _click(
    day: int, search_id: str, query: str, listing: str, seller: str, user: str, position: int
) -> dict[str, Any]:
    payload = {
        "search_id": search_id,
        "query": query,
        "listing_id": listing,
        "seller_id": seller,
        "position": position,
    }
    return behaviour("SearchResultClicked", at(day), payload, user_id=user, session_id=f"s-{user}")


def _view(day: int, listing: str, seller: str, user: str) -> dict[str, Any]:
    payload = {"listing_id": listing, "seller_id": seller, "source": "search"}
    return behaviour("ListingViewed", at(day), payload, user_id=user, session_id=f"s-{user}")


def _lead(day: int, listing: str, seller: str, buyer: str) -> dict[str, Any]:
    payload = {
        "lead_id": f"lead-{listing}-{buyer}",
        "listing_id": listing,
        "seller_id": seller,
        "buyer_id": buyer,
        "channel": "whatsapp",
    }
    return domain("LeadCreated", at(day), payload)


def _order(day: int, order: str, listing: str, seller: str, buyer: str, egp: int) -> list[Any]:
    placed = {
        "order_id": order,
        "buyer_id": buyer,
        "seller_id": seller,
        "kind": "car_reservation",
        "total_egp": egp,
        "items": [{"listing_id": listing, "quantity": 1, "unit_price_egp": egp}],
    }
    captured = {
        "payment_id": f"pay-{order}",
        "order_id": order,
        "seller_id": seller,
        "amount_egp": egp,
        "provider": "sandbox",
        "provider_ref": f"ref-{order}",
    }
    return [
        domain("OrderPlaced", at(day), placed, aggregate_id=order),
        domain("PaymentCaptured", at(day), captured, aggregate_id=order),
    ]


def events(seller_a: str, seller_b: str, names: tuple[str, str], ids: Listings) -> list[Any]:
    a1, a2, b = ids.a1, ids.a2, ids.b
    registered = [
        domain(
            "SellerRegistered",
            at(1),
            {
                "seller_id": seller,
                "user_id": f"user-{seller}",
                "seller_type": kind,
                "name": name,
                "governorate": gov,
            },
        )
        for seller, kind, name, gov in (
            (seller_a, "dealer", names[0], "cairo"),
            (seller_b, "individual", names[1], "giza"),
        )
    ]
    published = [
        _published(a1, seller_a, 900_000),
        _published(
            a2,
            seller_a,
            600_000,
            make="Hyundai",
            model="Elantra",
            year=2019,
            governorate="giza",
            city="Dokki",
        ),
        *[
            _published(lid, seller_b, price)
            for lid, price in zip(b, (950_000, 1_000_000, 1_050_000, 1_100_000), strict=True)
        ],
    ]
    return [
        *registered,
        *published,
        _search(3, "toyota corolla", [a1, b[0]], "U1", "q-prev"),
        _view(3, a1, seller_a, "U1"),
        _search(9, "Toyota  Corolla", [a1, a2, b[0]], "U2", "q1"),
        _click(9, "q1", "Toyota  Corolla", a1, seller_a, "U2", 1),
        _view(9, a1, seller_a, "U2"),
        _view(9, a1, seller_a, "U2"),
        _lead(9, a1, seller_a, "U2"),
        _search(10, "elantra", [a2], "U3", "q2"),
        _click(10, "q2", "elantra", a2, seller_a, "U3", 1),
        _view(10, a2, seller_a, "U3"),
        _search(11, "corolla 2020", [b[0], b[1], a1], "U4", "q3"),
        _click(11, "q3", "corolla 2020", b[1], seller_b, "U4", 2),
        _view(11, b[1], seller_b, "U4"),
        _lead(11, b[1], seller_b, "U4"),
        *_order(11, "order-b", b[1], seller_b, "U4", 20_000),
        _view(12, a1, seller_a, "U2"),
        *_order(12, "order-a", a1, seller_a, "U2", 15_000),
        _search(13, "لادا نيفا", [], "U5", "q4"),
    ]


def days() -> list[date]:
    return [FIRST_DAY + timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
