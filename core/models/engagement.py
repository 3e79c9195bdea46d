"""What buyers do with listings short of ordering: favourite them and send leads."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from core.events import DomainEvent
from core.models.base import Base, EventRecorder, TextEnum, check_in, utcnow


class LeadChannel(StrEnum):
    CALL = "call"
    WHATSAPP = "whatsapp"
    MESSAGE = "message"
    TEST_DRIVE = "test_drive"


class Favourite(EventRecorder, Base):
    """A user keeps a listing; favouriting twice keeps one row (and one event)."""

    __tablename__ = "favourites"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    listing_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("listings.id"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    @classmethod
    def mark(cls, *, user_id: uuid.UUID, listing_id: uuid.UUID, seller_id: uuid.UUID) -> Favourite:
        favourite = cls(user_id=user_id, listing_id=listing_id, created_at=utcnow())
        # Its own aggregate: favourites must not bump (and contend on) the listing's version.
        favourite.record(
            DomainEvent(
                event_type="ListingFavourited",
                aggregate_type="favourite",
                aggregate_id=f"{user_id}:{listing_id}",
                version=1,
                payload={
                    "listing_id": str(listing_id),
                    "seller_id": str(seller_id),
                    "user_id": str(user_id),
                },
            )
        )
        return favourite


class Lead(EventRecorder, Base):
    """A buyer reaching out to a seller about a listing."""

    __tablename__ = "leads"
    __table_args__ = (CheckConstraint(check_in("channel", LeadChannel), name="channel"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listings.id"), index=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sellers.id"), index=True)
    buyer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[LeadChannel] = mapped_column(TextEnum(LeadChannel))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    @classmethod
    def create(
        cls,
        *,
        listing_id: uuid.UUID,
        seller_id: uuid.UUID,
        buyer_id: uuid.UUID,
        channel: LeadChannel,
        message: str | None,
    ) -> Lead:
        lead = cls(
            id=uuid.uuid4(),
            listing_id=listing_id,
            seller_id=seller_id,
            buyer_id=buyer_id,
            channel=channel,
            message=message,
            created_at=utcnow(),
        )
        lead.record(
            DomainEvent(
                event_type="LeadCreated",
                aggregate_type="lead",
                aggregate_id=str(lead.id),
                version=1,
                payload={
                    "lead_id": str(lead.id),
                    "listing_id": str(listing_id),
                    "seller_id": str(seller_id),
                    "buyer_id": str(buyer_id),
                    "channel": channel.value,
                },
            )
        )
        return lead
