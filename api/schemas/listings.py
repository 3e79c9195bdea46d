"""Bodies of /listings: create, edit, reprice, leads, favourites, and the listing itself."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas.places import GovernorateCode
from core.listing_details import (
    OLDEST_YEAR,
    Category,
    CompatibleVehicle,
    Condition,
    ListingDetails,
    newest_year,
)
from core.models import LeadChannel, ListingStatus

MAX_PRICE_EGP = 100_000_000_000  # a sanity bound far above any car in Egypt
MAX_MILEAGE_KM = 5_000_000  # likewise


def _not_after_next_year(year: int) -> int:
    if year > newest_year():
        raise ValueError(f"year must be {newest_year()} (next year) or earlier")
    return year


Year = Annotated[int, Field(ge=OLDEST_YEAR), AfterValidator(_not_after_next_year)]
Price = Annotated[int, Field(gt=0, le=MAX_PRICE_EGP, description="Whole Egyptian pounds.")]
ShortText = Annotated[str, Field(max_length=80)]
Title = Annotated[str, Field(max_length=200)]
Description = Annotated[str, Field(max_length=5_000)]


class CompatibleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    make: ShortText = Field(min_length=1)
    model: ShortText = Field(min_length=1)
    year_from: Year | None = None
    year_to: Year | None = None


class _ListingFields(BaseModel):
    """Descriptive fields shared by create and edit (every one optional here)."""

    model_config = ConfigDict(extra="forbid")

    title_ar: Title | None = None
    title_en: Title | None = None
    description_ar: Description | None = None
    description_en: Description | None = None
    make: ShortText | None = None
    model: ShortText | None = None
    trim: ShortText | None = None
    year: Year | None = None
    body_type: ShortText | None = None
    fuel: ShortText | None = None
    transmission: ShortText | None = None
    colour: ShortText | None = None
    mileage_km: int | None = Field(None, ge=0, le=MAX_MILEAGE_KM)
    condition: Condition | None = None
    negotiable: bool | None = None
    installments_available: bool | None = None
    city: ShortText | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    photos: list[Annotated[str, Field(max_length=500)]] | None = Field(None, max_length=30)
    part_number: ShortText | None = None
    compatible: list[CompatibleIn] | None = Field(None, max_length=50)
    service_type: ShortText | None = None
    stock_quantity: int | None = Field(
        None, ge=0, le=1_000_000, description="Units in stock (spare parts only)."
    )

    def detail_values(self, *, only_set: bool) -> dict[str, Any]:
        """Field values as :class:`ListingDetails` takes them."""
        values = self.model_dump(exclude_unset=only_set, exclude={"stock_quantity", "price_egp"})
        values.pop("category", None)
        values.pop("publish", None)
        if "photos" in values:
            values["photos"] = tuple(values["photos"] or ())
        if "compatible" in values:
            values["compatible"] = tuple(CompatibleVehicle(**c) for c in values["compatible"] or ())
        for flag in ("negotiable", "installments_available"):
            if flag in values and values[flag] is None:
                values[flag] = False
        return values


class ListingCreate(_ListingFields):
    category: Category
    price_egp: Price
    governorate: GovernorateCode
    publish: bool = Field(False, description="Publish at once instead of keeping a draft.")

    def details(self) -> ListingDetails:
        return ListingDetails(**self.detail_values(only_set=False))


class ListingUpdate(_ListingFields):
    """Only the fields sent change; the price changes through /reprice."""

    governorate: GovernorateCode | None = None


class RepriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price_egp: Price


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: LeadChannel
    message: str | None = Field(None, max_length=2_000)


class StockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    quantity_available: int
    quantity_reserved: int


class ListingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seller_id: uuid.UUID
    category: Category
    status: ListingStatus
    title_ar: str | None
    title_en: str | None
    description_ar: str | None
    description_en: str | None
    make: str | None
    model: str | None
    trim: str | None
    year: int | None
    body_type: str | None
    fuel: str | None
    transmission: str | None
    colour: str | None
    mileage_km: int | None
    condition: Condition | None
    price_egp: int
    negotiable: bool
    installments_available: bool
    governorate: str
    city: str | None
    latitude: float | None
    longitude: float | None
    photos: list[str]
    part_number: str | None
    compatible: list[dict[str, Any]]
    service_type: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    stock: StockOut | None = None


class FavouriteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    listing_id: uuid.UUID
    created_at: datetime


class LeadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    listing_id: uuid.UUID
    seller_id: uuid.UUID
    buyer_id: uuid.UUID
    channel: LeadChannel
    message: str | None
    created_at: datetime
