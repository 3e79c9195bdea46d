"""Users and sellers: who buys, who sells, who administers."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Numeric, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.events import DomainEvent
from core.governorates import GOVERNORATE_CODES
from core.models.base import Base, EventRecorder, TextEnum, check_in, utcnow


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    ADMIN = "admin"


class SellerType(StrEnum):
    DEALER = "dealer"
    INDIVIDUAL = "individual"


class User(EventRecorder, Base):
    """An account. Emails are stored lower-case and unique regardless of case."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check_in("role", Role), name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    email: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(TextEnum(Role))
    full_name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    @classmethod
    def register(
        cls, *, email: str, password_hash: str, role: Role, full_name: str, phone: str | None
    ) -> User:
        user = cls(
            id=uuid.uuid4(),
            email=email.strip().lower(),
            password_hash=password_hash,
            role=role,
            full_name=full_name.strip(),
            phone=phone,
            created_at=utcnow(),
        )
        user.record(
            DomainEvent(
                event_type="UserRegistered",
                aggregate_type="user",
                aggregate_id=str(user.id),
                version=1,
                payload={"user_id": str(user.id), "role": role.value},
            )
        )
        return user


# Case-insensitive uniqueness without the citext extension (which needs CREATE privileges).
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class Seller(EventRecorder, Base):
    """The selling side of a user: a dealer's showroom or an individual."""

    __tablename__ = "sellers"
    __table_args__ = (
        CheckConstraint(check_in("seller_type", SellerType), name="seller_type"),
        CheckConstraint(check_in("governorate", GOVERNORATE_CODES), name="governorate"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 0 AND 5", name="rating"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    seller_type: Mapped[SellerType] = mapped_column(TextEnum(SellerType))
    display_name: Mapped[str] = mapped_column(Text)
    governorate: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    rating: Mapped[Decimal | None] = mapped_column(Numeric(2, 1))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    # Not read by the code: it tells the flush to insert the user before its seller row.
    user: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    @classmethod
    def register(
        cls,
        *,
        user: User,
        seller_type: SellerType,
        display_name: str,
        governorate: str,
        city: str | None,
    ) -> Seller:
        now = utcnow()
        seller = cls(
            id=uuid.uuid4(),
            user_id=user.id,
            seller_type=seller_type,
            display_name=display_name.strip(),
            governorate=governorate,
            city=city,
            verified=False,
            rating=None,
            version=1,
            created_at=now,
            updated_at=now,
        )
        seller.record(
            DomainEvent(
                event_type="SellerRegistered",
                aggregate_type="seller",
                aggregate_id=str(seller.id),
                version=1,
                payload={
                    "seller_id": str(seller.id),
                    "user_id": str(user.id),
                    "seller_type": seller_type.value,
                    "name": seller.display_name,
                    "governorate": governorate,
                },
            )
        )
        return seller
