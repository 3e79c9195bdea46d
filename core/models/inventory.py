"""Stock of a spare-part listing: units free to sell and units held by open orders.

``quantity_available`` are units nobody holds; ``quantity_reserved`` are units held by
pending or paid orders. Placing an order moves units from available to reserved, cancelling
or refunding moves them back, fulfilling ships them (reserved goes down). Neither count may
go below zero: the methods refuse it and the table's CHECK constraints are the last guard.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.errors import InvalidInputError, OutOfStockError
from core.models.base import Base

if TYPE_CHECKING:
    from core.models.listing import Listing


class Inventory(Base):
    __tablename__ = "inventory"
    __table_args__ = (
        CheckConstraint("quantity_available >= 0", name="available_non_negative"),
        CheckConstraint("quantity_reserved >= 0", name="reserved_non_negative"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    quantity_available: Mapped[int]
    quantity_reserved: Mapped[int] = mapped_column(server_default="0")
    version: Mapped[int] = mapped_column(server_default="1")
    # Not read by the code: it tells the flush to insert the listing before its stock row.
    listing: Mapped[Listing] = relationship()

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    @classmethod
    def stock(cls, listing_id: uuid.UUID, quantity: int) -> Inventory:
        _check_quantity(quantity, "quantity_available", minimum=0)
        return cls(
            listing_id=listing_id, quantity_available=quantity, quantity_reserved=0, version=1
        )

    def restock(self, quantity_available: int) -> None:
        _check_quantity(quantity_available, "quantity_available", minimum=0)
        self.quantity_available = quantity_available
        self.version += 1

    def reserve(self, quantity: int) -> None:
        _check_quantity(quantity, "quantity", minimum=1)
        if quantity > self.quantity_available:
            raise OutOfStockError(
                f"only {self.quantity_available} left in stock for listing {self.listing_id}, "
                f"{quantity} asked"
            )
        self.quantity_available -= quantity
        self.quantity_reserved += quantity
        self.version += 1

    def release(self, quantity: int) -> None:
        self._take_reserved(quantity)
        self.quantity_available += quantity

    def ship(self, quantity: int) -> None:
        self._take_reserved(quantity)

    def _take_reserved(self, quantity: int) -> None:
        _check_quantity(quantity, "quantity", minimum=1)
        if quantity > self.quantity_reserved:
            raise OutOfStockError(
                f"listing {self.listing_id} holds {self.quantity_reserved} reserved units, "
                f"cannot take {quantity}"
            )
        self.quantity_reserved -= quantity
        self.version += 1


def _check_quantity(value: int, name: str, *, minimum: int) -> None:
    if value < minimum:
        raise InvalidInputError(f"{name} must be {minimum} or more, got {value}")
