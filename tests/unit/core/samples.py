"""Sample marketplace data for tests: listing details that pass every rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.listing_details import CompatibleVehicle, Condition, ListingDetails


def car_details(**changes: Any) -> ListingDetails:
    details = ListingDetails(
        governorate="cairo",
        city="Nasr City",
        title_ar="هيونداي النترا 2019 فابريكا",
        title_en="Hyundai Elantra 2019, original paint",
        description_en="One owner, agency maintained.",
        make="Hyundai",
        model="Elantra",
        trim="GL",
        year=2019,
        body_type="sedan",
        fuel="petrol",
        transmission="automatic",
        colour="silver",
        mileage_km=85_000,
        condition=Condition.USED,
        negotiable=True,
        latitude=30.0561,
        longitude=31.3300,
        photos=("https://img.example/elantra-1.jpg",),
    )
    return replace(details, **changes)


def part_details(**changes: Any) -> ListingDetails:
    details = ListingDetails(
        governorate="giza",
        title_en="Brake pads, front, Toyota Corolla",
        title_ar="تيل فرامل أمامي تويوتا كورولا",
        part_number="04465-02220",
        condition=Condition.NEW,
        compatible=(CompatibleVehicle("Toyota", "Corolla", 2014, 2019),),
    )
    return replace(details, **changes)


def service_details(**changes: Any) -> ListingDetails:
    details = ListingDetails(
        governorate="alexandria",
        title_en="Full inspection before you buy",
        service_type="inspection",
    )
    return replace(details, **changes)
