"""Bodies of /auth: registration, sign-in, the signed-in user."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.places import GovernorateCode
from core.models import Role, SellerType

Email = Annotated[
    str,
    Field(
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        examples=["mona@example.eg"],
    ),
]
Password = Annotated[str, Field(min_length=8, max_length=128)]


class SellerProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seller_type: SellerType
    display_name: str = Field(min_length=1, max_length=120, examples=["El Nasr Motors"])
    governorate: GovernorateCode
    city: str | None = Field(None, max_length=80)


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password
    full_name: str = Field(min_length=1, max_length=120)
    phone: str | None = Field(None, pattern=r"^\+?[0-9]{8,15}$", examples=["+201001234567"])
    role: Literal["buyer", "seller"] = "buyer"
    seller: SellerProfileIn | None = Field(None, description="Required when role is seller.")

    @model_validator(mode="after")
    def _seller_profile_for_sellers(self) -> Self:
        if (self.role == "seller") != (self.seller is not None):
            raise ValueError("seller: a seller account needs a seller profile, and only sellers")
        return self


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(min_length=1, max_length=128)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class SellerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seller_type: SellerType
    display_name: str
    governorate: str
    city: str | None
    verified: bool
    rating: Decimal | None
    version: int
    created_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: Role
    full_name: str
    phone: str | None
    created_at: datetime
    seller: SellerOut | None = None
