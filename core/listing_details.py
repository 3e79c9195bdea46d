"""What a listing says about the thing it offers, and the rules those words must follow.

The database enforces the same rules with CHECK constraints and a trigger (see the initial
migration); checking here first gives the person a clear message naming the field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from core.errors import InvalidInputError
from core.governorates import GOVERNORATE_CODES

OLDEST_YEAR = 1950


class Category(StrEnum):
    CAR = "car"
    PART = "part"
    SERVICE = "service"


class Condition(StrEnum):
    NEW = "new"
    USED = "used"


def newest_year() -> int:
    """Next year's models are sold from the autumn before: allow up to next year."""
    return datetime.now(UTC).year + 1


def check_price(price_egp: int) -> int:
    if price_egp <= 0:
        raise InvalidInputError(f"price_egp must be greater than 0, got {price_egp}")
    return price_egp


def check_year(year: int, name: str = "year") -> int:
    if not OLDEST_YEAR <= year <= newest_year():
        raise InvalidInputError(
            f"{name} must be between {OLDEST_YEAR} and {newest_year()}, got {year}"
        )
    return year


def check_governorate(code: str) -> str:
    if code not in GOVERNORATE_CODES:
        raise InvalidInputError(f"governorate {code!r} is not one of Egypt's 27 governorate codes")
    return code


@dataclass(frozen=True)
class CompatibleVehicle:
    """A car a spare part fits."""

    make: str
    model: str
    year_from: int | None = None
    year_to: int | None = None

    def check(self) -> None:
        if not self.make.strip() or not self.model.strip():
            raise InvalidInputError("compatible vehicles need a make and a model")
        for name in ("year_from", "year_to"):
            value = getattr(self, name)
            if value is not None:
                check_year(value, f"compatible {name}")
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise InvalidInputError("compatible year_from must not be after year_to")


@dataclass(frozen=True)
class ListingDetails:
    """Every descriptive field of a listing (not its category, price, status or seller)."""

    governorate: str
    title_ar: str | None = None
    title_en: str | None = None
    description_ar: str | None = None
    description_en: str | None = None
    make: str | None = None
    model: str | None = None
    trim: str | None = None
    year: int | None = None
    body_type: str | None = None
    fuel: str | None = None
    transmission: str | None = None
    colour: str | None = None
    mileage_km: int | None = None
    condition: Condition | None = None
    negotiable: bool = False
    installments_available: bool = False
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photos: tuple[str, ...] = ()
    part_number: str | None = None
    compatible: tuple[CompatibleVehicle, ...] = ()
    service_type: str | None = None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def check(self, category: Category) -> ListingDetails:
        """Raise :class:`InvalidInputError` naming the first rule broken; return self otherwise."""
        if not (self.title_ar or "").strip() and not (self.title_en or "").strip():
            raise InvalidInputError("a listing needs a title: give title_ar, title_en or both")
        check_governorate(self.governorate)
        if category is Category.CAR:
            missing = [n for n in ("make", "model", "year") if getattr(self, n) in (None, "")]
            if missing:
                raise InvalidInputError(f"a car listing needs {', '.join(missing)}")
        if category is Category.SERVICE and not self.service_type:
            raise InvalidInputError("a service listing needs a service_type")
        if self.year is not None:
            check_year(self.year)
        if self.mileage_km is not None and self.mileage_km < 0:
            raise InvalidInputError(f"mileage_km must be 0 or more, got {self.mileage_km}")
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidInputError("give latitude and longitude together, or neither")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise InvalidInputError(f"latitude must be between -90 and 90, got {self.latitude}")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise InvalidInputError(f"longitude must be between -180 and 180, got {self.longitude}")
        for vehicle in self.compatible:
            vehicle.check()
        return self

    def column_values(self) -> dict[str, Any]:
        """The values as the listings table stores them (lists for the jsonb columns)."""
        values = {name: getattr(self, name) for name in self.field_names()}
        values["photos"] = list(self.photos)
        values["compatible"] = [asdict(v) for v in self.compatible]
        return values
