"""Every price a listing has had: one row per reprice, kept forever."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class ListingPriceHistory(Base):
    __tablename__ = "listing_price_history"
    __table_args__ = (
        CheckConstraint("old_price_egp > 0 AND new_price_egp > 0", name="prices_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # bigserial
    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listings.id"), index=True)
    old_price_egp: Mapped[int] = mapped_column(BigInteger)
    new_price_egp: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
