"""Deterministic synthetic sellers and listings (relevance fixtures, tests, benchmarks).

Titles mix the spellings buyers meet on the site: Arabic with Egyptian variants (هيونداى,
عربيه), English, some Arabic-only and some English-only listings, Arabic-Indic digits.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from core.governorates import GOVERNORATES
from search.analysis.normalise import is_arabic
from search.analysis.vocabulary import load_vocabulary

SUVS = {
    "land cruiser",
    "fortuner",
    "rav4",
    "c-hr",
    "tucson",
    "creta",
    "sportage",
    "sorento",
    "qashqai",
    "juke",
    "x-trail",
    "captiva",
    "x5",
    "x3",
    "3008",
    "duster",
    "pajero",
    "grand cherokee",
    "zs",
    "tiggo 7",
    "tiggo 4",
    "tiguan",
    "x70",
    "h6",
    "gla",
}
PICKUPS = {"hilux"}
POPULAR = {
    "corolla",
    "elantra",
    "tucson",
    "cerato",
    "sportage",
    "sunny",
    "optra",
    "lancer",
    "c-class",
    "128",
    "logan",
    "octavia",
    "accent",
    "yaris",
    "x5",
    "land cruiser",
    "aveo",
    "301",
    "tiggo 7",
    "zs",
    "grand cherokee",
    "swift",
}
HATCHBACKS = {"i10", "picanto", "rio", "swift", "alto", "golf", "punto", "fabia", "ibiza"}
AR_EXTRAS = [
    "فابريكا بالكامل",
    "حالة ممتازة",
    "اوتوماتيك",
    "بالتقسيط",
    "للبيع",
    "كسر زيرو",
    "مالك اول",
]
EN_EXTRAS = [
    "excellent condition",
    "automatic",
    "first owner",
    "installments available",
    "full option",
]
PARTS = [
    ("فلتر زيت", "oil filter"),
    ("تيل فرامل", "brake pads"),
    ("بطارية", "battery"),
    ("فانوس امامي", "headlight"),
    ("كاوتش", "tyres"),
]
SERVICES = [
    ("صيانة دورية لجميع السيارات", "periodic maintenance for all cars", "maintenance"),
    ("فحص شامل قبل الشراء", "full pre-purchase inspection", "inspection"),
    ("تلميع ونانو سيراميك", "car detailing and nano ceramic", "detailing"),
]
COLOURS = ["white", "black", "silver", "grey", "red", "blue", "beige"]
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class SyntheticMarket:
    def __init__(self, seed: int = 7, sellers: int = 40) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = load_vocabulary()
        self.models = sorted(self.vocabulary.model_make.items())
        self.seller_rows = [self._seller(i) for i in range(sellers)]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _variants(self, kind: str, name: str) -> tuple[list[str], list[str]]:
        token = f"{kind}:{name.replace(' ', '_')}"
        spellings = [" ".join(p) for p, canon in self.vocabulary.phrases.items() if token in canon]
        arabic = [s for s in spellings if is_arabic(s)] or [name]
        return arabic, [s for s in spellings if not is_arabic(s)] or [name]

    def _seller(self, i: int) -> dict[str, Any]:
        dealer = i % 3 == 0
        governorate = self.rng.choice(GOVERNORATES[:6])
        return {
            "id": self._uuid(),
            "user_id": self._uuid(),
            "seller_type": "dealer" if dealer else "individual",
            "display_name": f"معرض النور {i}" if dealer else f"Seller {i}",
            "governorate": governorate.code,
            "city": governorate.name_en,
            "verified": dealer,
            "rating": round(self.rng.uniform(3, 5), 1),
            "version": 1,
            "created_at": BASE_TIME.isoformat(),
            "updated_at": BASE_TIME.isoformat(),
        }

    def _base(self, seller: dict[str, Any], n: int) -> dict[str, Any]:
        governorate = next(g for g in GOVERNORATES if g.code == seller["governorate"])
        published = BASE_TIME + timedelta(minutes=n * 7)
        return {
            "id": self._uuid(),
            "seller_id": seller["id"],
            "status": "active",
            "governorate": governorate.code,
            "city": governorate.name_en,
            "latitude": round(governorate.latitude + self.rng.uniform(-0.1, 0.1), 5),
            "longitude": round(governorate.longitude + self.rng.uniform(-0.1, 0.1), 5),
            "photos": [f"https://img.souk.example/{n}.jpg"],
            "negotiable": self.rng.random() < 0.5,
            "installments_available": self.rng.random() < 0.3,
            "version": 1,
            "created_at": published.isoformat(),
            "updated_at": published.isoformat(),
            "published_at": published.isoformat(),
            "trim": None,
            "part_number": None,
            "compatible": None,
            "service_type": None,
            "description_ar": None,
            "description_en": None,
        }

    def car(self, seller: dict[str, Any], n: int) -> dict[str, Any]:
        weights = [6 if name in POPULAR else 1 for name, _ in self.models]
        model, make = self.rng.choices(self.models, weights=weights)[0]
        year = self.rng.randint(2008, 2025)
        make_ar, _make_en = self._variants("make", make)
        model_ar, _model_en = self._variants("model", model)
        transmission = self.rng.choice(["automatic", "automatic", "manual"])
        ar_year = str(year).translate(_DIGITS) if self.rng.random() < 0.2 else str(year)
        spelled = f"{self.rng.choice(make_ar)} {self.rng.choice(model_ar)}"
        title_ar = f"{spelled} {ar_year} {self.rng.choice(AR_EXTRAS)}"
        gearbox = "اوتوماتيك" if transmission == "automatic" else "مانيوال"
        title_en = f"{make.title()} {model.title()} {year} {self.rng.choice(EN_EXTRAS)}"
        script = self.rng.random()
        body = (
            "suv"
            if model in SUVS
            else "pickup"
            if model in PICKUPS
            else ("hatchback" if model in HATCHBACKS else "sedan")
        )
        return self._base(seller, n) | {
            "category": "car",
            "make": make.title(),
            "model": model.title(),
            "year": year,
            "title_ar": title_ar if script < 0.75 else None,
            "title_en": title_en if script > 0.35 else None,
            "description_ar": f"عربيه {self.rng.choice(model_ar)} نظيفة جدا {gearbox}",
            "body_type": body,
            "fuel": self.rng.choice(["petrol"] * 6 + ["diesel", "hybrid", "natural_gas"]),
            "transmission": transmission,
            "colour": self.rng.choice(COLOURS),
            "mileage_km": self.rng.randint(0, 25) * 10000 if year < 2025 else 0,
            "condition": "new" if year >= 2025 else "used",
            "price_egp": self.rng.randint(30, 400) * 10000,
        }

    def part(self, seller: dict[str, Any], n: int) -> dict[str, Any]:
        model, make = self.rng.choice(self.models)
        (part_ar, part_en), (make_ar, _), (model_ar, _) = (
            self.rng.choice(PARTS),
            self._variants("make", make),
            self._variants("model", model),
        )
        return self._base(seller, n) | {
            "category": "part",
            "make": None,
            "model": None,
            "year": None,
            "title_ar": f"{part_ar} {make_ar[0]} {model_ar[0]}",
            "title_en": f"{part_en} {make.title()} {model.title()}",
            "part_number": f"P-{self.rng.randint(1000, 9999)}",
            "condition": "new",
            "compatible": [
                {"make": make.title(), "model": model.title(), "year_from": 2010, "year_to": 2024}
            ],
            "price_egp": self.rng.randint(2, 80) * 100,
            "body_type": None,
            "fuel": None,
            "transmission": None,
            "colour": None,
            "mileage_km": None,
        }

    def service(self, seller: dict[str, Any], n: int) -> dict[str, Any]:
        title_ar, title_en, kind = self.rng.choice(SERVICES)
        return self._base(seller, n) | {
            "category": "service",
            "make": None,
            "model": None,
            "year": None,
            "title_ar": title_ar,
            "title_en": title_en,
            "service_type": kind,
            "condition": None,
            "price_egp": self.rng.randint(3, 50) * 100,
            "body_type": None,
            "fuel": None,
            "transmission": None,
            "colour": None,
            "mileage_km": None,
        }

    def listings(self, count: int) -> Iterator[dict[str, Any]]:
        for n in range(count):
            seller = self.seller_rows[n % len(self.seller_rows)]
            roll = self.rng.random()
            maker = self.car if roll < 0.82 else self.part if roll < 0.93 else self.service
            yield maker(seller, n)
