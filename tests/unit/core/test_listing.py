"""The listing aggregate's rules, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from core.errors import InvalidInputError, ListingNotAvailableError
from core.events import EVENT_PAYLOAD_FIELDS
from core.listing_details import Category
from core.models import Listing, ListingStatus
from tests.unit.core.samples import car_details, part_details, service_details


def new_car(**changes: object) -> Listing:
    return Listing.draft(
        seller_id=uuid.uuid4(),
        category=Category.CAR,
        details=car_details(**changes),
        price_egp=950_000,
    )


def test_a_draft_starts_at_version_zero_without_events() -> None:
    listing = new_car()
    assert listing.status is ListingStatus.DRAFT
    assert listing.version == 0
    assert listing.pending_events == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title_ar": None, "title_en": "  "}, "needs a title"),
        ({"make": None}, "a car listing needs make"),
        ({"year": None, "model": ""}, "a car listing needs model, year"),
        ({"year": 1949}, "year must be between 1950"),
        ({"year": datetime.now(UTC).year + 2}, f"and {datetime.now(UTC).year + 1}"),
        ({"governorate": "atlantis"}, "not one of Egypt's 27 governorate codes"),
        ({"mileage_km": -1}, "mileage_km must be 0 or more"),
        ({"longitude": None}, "latitude and longitude together"),
        ({"latitude": 91.0}, "latitude must be between -90 and 90"),
    ],
)
def test_car_details_are_checked(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        new_car(**changes)


def test_next_years_model_is_allowed() -> None:
    assert new_car(year=datetime.now(UTC).year + 1).year == datetime.now(UTC).year + 1


@pytest.mark.parametrize("price", [0, -5])
def test_price_must_be_positive(price: int) -> None:
    with pytest.raises(InvalidInputError, match="price_egp must be greater than 0"):
        Listing.draft(
            seller_id=uuid.uuid4(), category=Category.CAR, details=car_details(), price_egp=price
        )


def test_parts_and_services_need_no_make_but_services_need_a_type() -> None:
    part = Listing.draft(
        seller_id=uuid.uuid4(), category=Category.PART, details=part_details(), price_egp=1_200
    )
    assert part.compatible == [
        {"make": "Toyota", "model": "Corolla", "year_from": 2014, "year_to": 2019}
    ]
    with pytest.raises(InvalidInputError, match="service_type"):
        Listing.draft(
            seller_id=uuid.uuid4(),
            category=Category.SERVICE,
            details=service_details(service_type=None),
            price_egp=500,
        )


def test_publish_bumps_the_version_and_records_the_contracted_payload() -> None:
    listing = new_car()
    listing.publish()
    (event,) = listing.pending_events
    assert (event.event_type, event.aggregate_type, event.version) == (
        "ListingPublished",
        "listing",
        1,
    )
    assert set(event.payload) == set(EVENT_PAYLOAD_FIELDS["ListingPublished"])
    assert event.payload["price_egp"] == 950_000
    assert event.payload["make"] == "Hyundai"
    assert listing.status is ListingStatus.ACTIVE
    assert listing.published_at is not None
    with pytest.raises(ListingNotAvailableError, match=r"cannot publish .* it is active"):
        listing.publish()


def test_reprice_returns_a_history_row_and_records_both_prices() -> None:
    listing = new_car()
    listing.publish()
    change = listing.reprice(900_000)
    assert (change.old_price_egp, change.new_price_egp) == (950_000, 900_000)
    event = listing.pending_events[-1]
    assert event.event_type == "ListingPriceChanged"
    assert event.version == 2
    assert event.payload["old_price_egp"] == 950_000
    assert event.payload["new_price_egp"] == 900_000
    with pytest.raises(InvalidInputError, match="already 900000"):
        listing.reprice(900_000)
    with pytest.raises(InvalidInputError, match="greater than 0"):
        listing.reprice(0)


def test_edit_reports_only_real_changes() -> None:
    listing = new_car()
    assert listing.edit({"colour": "silver"}) == []
    assert listing.pending_events == []
    assert listing.edit({"colour": "black", "mileage_km": 90_000}) == ["colour", "mileage_km"]
    (event,) = listing.pending_events
    assert event.payload["changed"] == ["colour", "mileage_km"]
    assert listing.version == 1
    with pytest.raises(InvalidInputError, match="cannot be edited: price_egp, status"):
        listing.edit({"status": "sold", "price_egp": 1})
    with pytest.raises(InvalidInputError, match="year must be between"):
        listing.edit({"year": 1900})
    assert listing.year == 2019


def test_a_car_goes_active_reserved_active_sold_archived() -> None:
    listing = new_car()
    listing.publish()
    order_id = uuid.uuid4()
    listing.reserve(order_id)
    with pytest.raises(ListingNotAvailableError, match="is reserved, not active"):
        listing.reserve(uuid.uuid4())
    listing.release(order_id)
    listing.sell(None)
    with pytest.raises(ListingNotAvailableError, match="cannot edit"):
        listing.edit({"colour": "red"})
    listing.archive()
    types = [e.event_type for e in listing.pending_events]
    assert types == [
        "ListingPublished",
        "ListingReserved",
        "ListingReleased",
        "ListingSold",
        "ListingArchived",
    ]
    assert [e.version for e in listing.pending_events] == [1, 2, 3, 4, 5] == [*range(1, 6)]
    assert listing.version == 5
    assert listing.pending_events[1].payload["order_id"] == str(order_id)
    with pytest.raises(ListingNotAvailableError, match="cannot archive"):
        listing.archive()


def test_only_cars_are_reserved_or_sold() -> None:
    part = Listing.draft(
        seller_id=uuid.uuid4(), category=Category.PART, details=part_details(), price_egp=800
    )
    part.publish()
    with pytest.raises(ListingNotAvailableError, match="only car listings are reserved"):
        part.reserve(None)
    with pytest.raises(ListingNotAvailableError, match="only car listings are sold"):
        part.sell(None)


def test_a_draft_cannot_be_ordered() -> None:
    with pytest.raises(ListingNotAvailableError, match="is draft, not active"):
        new_car().ensure_orderable()
