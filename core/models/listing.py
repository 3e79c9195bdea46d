"""The listing aggregate: a car, a spare part or a service offered by a seller.

Its life: draft -> active -> (reserved <-> active) -> sold -> archived; any state but
archived may be archived. Only cars are reserved and sold one by one; parts keep their stock
in :class:`core.models.inventory.Inventory` and services are booked any number of times.
Every change bumps ``version`` by one and records exactly one domain event of that version.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Float, ForeignKey, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.errors import InvalidInputError, ListingNotAvailableError
from core.events import DomainEvent
from core.governorates import GOVERNORATE_CODES
from core.listing_details import (
    OLDEST_YEAR,
    Category,
    CompatibleVehicle,
    Condition,
    ListingDetails,
    check_price,
)
from core.models.base import Base, EventRecorder, TextEnum, check_in, utcnow
from core.models.price_history import ListingPriceHistory


class ListingStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RESERVED = "reserved"
    SOLD = "sold"
    ARCHIVED = "archived"


EDITABLE = frozenset({ListingStatus.DRAFT, ListingStatus.ACTIVE, ListingStatus.RESERVED})


class Listing(EventRecorder, Base):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint(check_in("category", Category), name="category"),
        CheckConstraint(check_in("status", ListingStatus), name="status"),
        CheckConstraint(
            f"condition IS NULL OR {check_in('condition', Condition)}", name="condition"
        ),
        CheckConstraint(
            "coalesce(btrim(title_ar), '') <> '' OR coalesce(btrim(title_en), '') <> ''",
            name="title_required",
        ),
        CheckConstraint(
            "category <> 'car' OR (make IS NOT NULL AND model IS NOT NULL AND year IS NOT NULL)",
            name="car_make_model_year",
        ),
        # The upper bound (next year) moves with the calendar, which a CHECK cannot express
        # (now() is not immutable): trigger listings_year_not_in_future enforces it.
        CheckConstraint(f"year IS NULL OR year >= {OLDEST_YEAR}", name="year_min"),
        CheckConstraint("price_egp > 0", name="price_positive"),
        CheckConstraint("mileage_km IS NULL OR mileage_km >= 0", name="mileage_non_negative"),
        CheckConstraint(check_in("governorate", GOVERNORATE_CODES), name="governorate"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_paired"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
        CheckConstraint("jsonb_typeof(photos) = 'array'", name="photos_array"),
        CheckConstraint("jsonb_typeof(compatible) = 'array'", name="compatible_array"),
        CheckConstraint("version >= 0", name="version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sellers.id"), index=True)
    category: Mapped[Category] = mapped_column(TextEnum(Category))
    status: Mapped[ListingStatus] = mapped_column(TextEnum(ListingStatus))
    title_ar: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    description_ar: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    make: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    trim: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None]
    body_type: Mapped[str | None] = mapped_column(Text)
    fuel: Mapped[str | None] = mapped_column(Text)
    transmission: Mapped[str | None] = mapped_column(Text)
    colour: Mapped[str | None] = mapped_column(Text)
    mileage_km: Mapped[int | None]
    condition: Mapped[Condition | None] = mapped_column(TextEnum(Condition))
    price_egp: Mapped[int] = mapped_column(BigInteger)
    negotiable: Mapped[bool] = mapped_column(Boolean, server_default="false")
    installments_available: Mapped[bool] = mapped_column(Boolean, server_default="false")
    governorate: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photos: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    part_number: Mapped[str | None] = mapped_column(Text)
    compatible: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    service_type: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    published_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    @classmethod
    def draft(
        cls, *, seller_id: uuid.UUID, category: Category, details: ListingDetails, price_egp: int
    ) -> Listing:
        """A new, unpublished listing at version 0 (no event: drafts are the seller's own)."""
        details.check(category)
        now = utcnow()
        return cls(
            id=uuid.uuid4(),
            seller_id=seller_id,
            category=category,
            status=ListingStatus.DRAFT,
            price_egp=check_price(price_egp),
            version=0,
            created_at=now,
            updated_at=now,
            published_at=None,
            **details.column_values(),
        )

    @property
    def details(self) -> ListingDetails:
        values = {name: getattr(self, name) for name in ListingDetails.field_names()}
        values["photos"] = tuple(self.photos or ())
        values["compatible"] = tuple(CompatibleVehicle(**v) for v in self.compatible or ())
        return ListingDetails(**values)

    def publish(self) -> None:
        self._require(ListingStatus.DRAFT, action="publish")
        self.status = ListingStatus.ACTIVE
        self.published_at = utcnow()
        self._change(
            "ListingPublished",
            category=self.category.value,
            make=self.make,
            model=self.model,
            year=self.year,
            price_egp=self.price_egp,
            governorate=self.governorate,
            city=self.city,
            condition=self.condition.value if self.condition else None,
        )

    def edit(self, changes: dict[str, Any]) -> list[str]:
        """Apply descriptive changes; return the names of the fields that really changed."""
        unknown = sorted(set(changes) - set(ListingDetails.field_names()))
        if unknown:
            raise InvalidInputError(f"these listing fields cannot be edited: {', '.join(unknown)}")
        self._require(*EDITABLE, action="edit")
        before = self.details
        after = replace(before, **changes).check(self.category)
        changed = [
            n for n in ListingDetails.field_names() if getattr(before, n) != getattr(after, n)
        ]
        if changed:
            new_values = after.column_values()
            for name in changed:
                setattr(self, name, new_values[name])
            self._change("ListingEdited", changed=changed)
        return changed

    def reprice(self, new_price_egp: int) -> ListingPriceHistory:
        self._require(*EDITABLE, action="reprice")
        check_price(new_price_egp)
        if new_price_egp == self.price_egp:
            raise InvalidInputError(f"the price is already {new_price_egp} EGP")
        old = self.price_egp
        self.price_egp = new_price_egp
        self._change("ListingPriceChanged", old_price_egp=old, new_price_egp=new_price_egp)
        return ListingPriceHistory(
            listing_id=self.id, old_price_egp=old, new_price_egp=new_price_egp, changed_at=utcnow()
        )

    def ensure_orderable(self) -> None:
        if self.status is not ListingStatus.ACTIVE:
            raise ListingNotAvailableError(f"listing {self.id} is {self.status.value}, not active")

    def reserve(self, order_id: uuid.UUID | None) -> None:
        self._require_car("reserved")
        self.ensure_orderable()
        self.status = ListingStatus.RESERVED
        self._change("ListingReserved", order_id=_str(order_id))

    def release(self, order_id: uuid.UUID | None) -> None:
        self._require(ListingStatus.RESERVED, action="release")
        self.status = ListingStatus.ACTIVE
        self._change("ListingReleased", order_id=_str(order_id))

    def sell(self, order_id: uuid.UUID | None) -> None:
        self._require_car("sold")
        self._require(ListingStatus.ACTIVE, ListingStatus.RESERVED, action="sell")
        self.status = ListingStatus.SOLD
        self._change("ListingSold", order_id=_str(order_id), price_egp=self.price_egp)

    def archive(self) -> None:
        self._require(*(set(ListingStatus) - {ListingStatus.ARCHIVED}), action="archive")
        self.status = ListingStatus.ARCHIVED
        self._change("ListingArchived")

    def _require(self, *allowed: ListingStatus, action: str) -> None:
        if self.status not in allowed:
            states = ", ".join(sorted(s.value for s in allowed))
            raise ListingNotAvailableError(
                f"cannot {action} listing {self.id}: it is {self.status.value} "
                f"(allowed when {states})"
            )

    def _require_car(self, verb: str) -> None:
        if self.category is not Category.CAR:
            raise ListingNotAvailableError(
                f"only car listings are {verb}; a {self.category.value} listing "
                "is ordered through its stock or bookings"
            )

    def _change(self, event_type: str, **payload: Any) -> None:
        self.version += 1
        self.updated_at = utcnow()
        self.record(
            DomainEvent(
                event_type=event_type,
                aggregate_type="listing",
                aggregate_id=str(self.id),
                version=self.version,
                payload={"listing_id": str(self.id), "seller_id": str(self.seller_id), **payload},
            )
        )


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
