"""The values a filter may take (anything else is refused with a clear message)."""

from __future__ import annotations

from enum import StrEnum

from core.governorates import GOVERNORATES

Governorate = StrEnum("Governorate", {g.code: g.code for g in GOVERNORATES})  # type: ignore[misc]


class Category(StrEnum):
    CAR = "car"
    PART = "part"
    SERVICE = "service"


class BodyType(StrEnum):
    SEDAN = "sedan"
    HATCHBACK = "hatchback"
    SUV = "suv"
    CROSSOVER = "crossover"
    PICKUP = "pickup"
    VAN = "van"
    COUPE = "coupe"
    CONVERTIBLE = "convertible"


class Fuel(StrEnum):
    PETROL = "petrol"
    DIESEL = "diesel"
    HYBRID = "hybrid"
    ELECTRIC = "electric"
    NATURAL_GAS = "natural_gas"


class Transmission(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class Condition(StrEnum):
    NEW = "new"
    USED = "used"


class SellerType(StrEnum):
    DEALER = "dealer"
    INDIVIDUAL = "individual"
