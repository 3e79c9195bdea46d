"""Sellers and listings of a plausible Egyptian market, deterministic for a given seed."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core.governorates import GOVERNORATES, Governorate
from demo_market.catalogue import COLOURS, FUELS, MAKES, PARTS, SERVICES, TRANSMISSIONS
from demo_market.listing_text import car_description, car_title
from demo_market.pricing import CURRENT_YEAR, asking_price_egp, typical_mileage_km

# Listings concentrate in Greater Cairo and Alexandria.
GOVERNORATE_WEIGHTS = {"cairo": 30.0, "giza": 18.0, "alexandria": 12.0, "qalyubia": 5.0}
CITIES = {
    "cairo": ("Nasr City", "Heliopolis", "Maadi", "New Cairo", "Shubra", "Mokattam"),
    "giza": ("Dokki", "Mohandessin", "6th of October", "Sheikh Zayed", "Haram"),
    "alexandria": ("Smouha", "Sidi Gaber", "Miami", "Agami", "Stanley"),
}


@dataclass(frozen=True)
class SellerSpec:
    seller_id: uuid.UUID
    email: str
    display_name: str
    seller_type: str  # dealer | individual
    governorate: Governorate
    city: str
    listings_planned: int


@dataclass(frozen=True)
class ListingSpec:
    listing_id: uuid.UUID
    seller_id: uuid.UUID
    category: str
    fields: dict[str, Any] = field(default_factory=dict)


class MarketGenerator:
    """Yields sellers, then each seller's listings; the same seed gives the same market."""

    def __init__(self, seed: int, listings: int) -> None:
        self.rng = random.Random(seed)
        self.listings = listings
        self._uuid_rng = random.Random(seed + 1)
        self._governorates = list(GOVERNORATES)
        self._gov_weights = [GOVERNORATE_WEIGHTS.get(g.code, 1.0) for g in self._governorates]

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._uuid_rng.getrandbits(128), version=4)

    def sellers(self) -> Iterator[SellerSpec]:
        remaining = self.listings
        n = 0
        while remaining > 0:
            dealer = self.rng.random() < 0.15
            planned = min(
                remaining, self.rng.randint(20, 150) if dealer else self.rng.choice((1, 1, 1, 2, 3))
            )
            gov = self.rng.choices(self._governorates, self._gov_weights)[0]
            city = self.rng.choice(CITIES.get(gov.code, (gov.name_en,)))
            name = f"{gov.name_en} Motors {n}" if dealer else f"Seller {n}"
            yield SellerSpec(
                self._uuid(),
                f"seller{n}@demo.souk.eg",
                name,
                "dealer" if dealer else "individual",
                gov,
                city,
                planned,
            )
            remaining -= planned
            n += 1

    def listings_of(self, seller: SellerSpec) -> Iterator[ListingSpec]:
        for _ in range(seller.listings_planned):
            roll = self.rng.random()
            if roll < 0.8:
                yield self._car(seller)
            elif roll < 0.92:
                yield self._part(seller)
            else:
                yield self._service(seller)

    def _place(self, seller: SellerSpec) -> dict[str, Any]:
        gov = seller.governorate
        return {
            "governorate": gov.code,
            "city": seller.city,
            "latitude": round(gov.latitude + self.rng.uniform(-0.08, 0.08), 5),
            "longitude": round(gov.longitude + self.rng.uniform(-0.08, 0.08), 5),
        }

    def _car(self, seller: SellerSpec) -> ListingSpec:
        rng = self.rng
        make = rng.choices(MAKES, [m.share for m in MAKES])[0]
        model = rng.choice(make.models)
        new = rng.random() < (0.35 if seller.seller_type == "dealer" else 0.05)
        year = CURRENT_YEAR if new else rng.randint(max(model.first_year, 2000), CURRENT_YEAR - 1)
        mileage = 0 if new else typical_mileage_km(year, rng)
        title_ar, title_en = car_title(make, model, year, rng)
        desc_ar, desc_en = car_description(make, model, year, mileage, rng)
        colour = rng.choice(COLOURS)[0]
        return ListingSpec(
            self._uuid(),
            seller.seller_id,
            "car",
            {
                "make": make.name_en,
                "model": model.name_en,
                "trim": rng.choice(model.trims),
                "year": year,
                "body_type": model.body_type,
                "fuel": rng.choice(FUELS),
                "transmission": rng.choice(TRANSMISSIONS),
                "colour": colour,
                "mileage_km": mileage,
                "condition": "new" if new else "used",
                "price_egp": asking_price_egp(model, year, mileage, rng),
                "negotiable": rng.random() < 0.6,
                "installments_available": rng.random()
                < (0.5 if seller.seller_type == "dealer" else 0.1),
                "title_ar": title_ar,
                "title_en": title_en,
                "description_ar": desc_ar,
                "description_en": desc_en,
                **self._place(seller),
            },
        )

    def _part(self, seller: SellerSpec) -> ListingSpec:
        rng = self.rng
        name_en, name_ar = rng.choice(PARTS)
        make = rng.choices(MAKES, [m.share for m in MAKES])[0]
        model = rng.choice(make.models)
        year_from = rng.randint(2005, 2020)
        return ListingSpec(
            self._uuid(),
            seller.seller_id,
            "part",
            {
                "make": make.name_en,
                "model": model.name_en,
                "title_ar": f"{name_ar} {make.name_ar} {model.name_ar}",
                "title_en": f"{name_en} for {make.name_en} {model.name_en}",
                "description_ar": f"{name_ar} أصلي لسيارات {make.name_ar} {model.name_ar}",
                "description_en": None,
                "part_number": f"{make.name_en[:3].upper()}-{rng.randint(10000, 99999)}",
                "compatible": [
                    {
                        "make": make.name_en,
                        "model": model.name_en,
                        "year_from": year_from,
                        "year_to": min(year_from + 6, CURRENT_YEAR),
                    }
                ],
                "condition": rng.choice(("new", "new", "used")),
                "price_egp": int(round(rng.lognormvariate(7.8, 0.9), -1)) + 50,
                "quantity": rng.randint(1, 40),
                "negotiable": False,
                "installments_available": False,
                **self._place(seller),
            },
        )

    def _service(self, seller: SellerSpec) -> ListingSpec:
        rng = self.rng
        service_type, name_en, name_ar = rng.choice(SERVICES)
        return ListingSpec(
            self._uuid(),
            seller.seller_id,
            "service",
            {
                "service_type": service_type,
                "title_ar": f"{name_ar} - {seller.city}",
                "title_en": f"{name_en} in {seller.city}",
                "description_ar": f"{name_ar} لجميع أنواع السيارات",
                "description_en": None,
                "price_egp": int(round(rng.uniform(300, 5000), -1)),
                "negotiable": False,
                "installments_available": False,
                **self._place(seller),
            },
        )
