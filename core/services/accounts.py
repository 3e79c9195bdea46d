"""Registering and signing in users and sellers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.errors import AuthenticationError, EmailTakenError, InvalidInputError, NotFoundError
from core.listing_details import check_governorate
from core.models import Role, Seller, SellerType, User
from core.passwords import hash_password, unknown_user_hash, verify_password
from core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SellerProfile:
    seller_type: SellerType
    display_name: str
    governorate: str
    city: str | None = None


@dataclass(frozen=True)
class Registration:
    user: User
    seller: Seller | None


def register(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role = Role.BUYER,
    phone: str | None = None,
    seller: SellerProfile | None = None,
) -> Registration:
    """Create a user; a seller also gets a ``sellers`` row from ``seller``."""
    if (role is Role.SELLER) != (seller is not None):
        raise InvalidInputError("a seller account needs a seller profile; only sellers have one")
    if not full_name.strip():
        raise InvalidInputError("full_name must not be empty")
    if seller is not None:
        check_governorate(seller.governorate)
        if not seller.display_name.strip():
            raise InvalidInputError("display_name must not be empty")
    password_hash = hash_password(password)
    with uow:
        if uow.users.get_by_email(email) is not None:
            raise EmailTakenError(f"an account with the email {email.strip().lower()} exists")
        user = User.register(
            email=email, password_hash=password_hash, role=role, full_name=full_name, phone=phone
        )
        uow.users.add(user)
        seller_row = None
        if seller is not None:
            seller_row = Seller.register(
                user=user,
                seller_type=seller.seller_type,
                display_name=seller.display_name,
                governorate=seller.governorate,
                city=seller.city,
            )
            uow.sellers.add(seller_row)
        uow.commit()
    return Registration(user=user, seller=seller_row)


def authenticate(uow: UnitOfWork, *, email: str, password: str) -> User:
    """The user with this email and password; the same error for a wrong email or password."""
    with uow:
        user = uow.users.get_by_email(email)
    if user is None:
        verify_password(unknown_user_hash(), password)  # same time whether the email exists
        raise AuthenticationError("wrong email or password")
    if not verify_password(user.password_hash, password):
        raise AuthenticationError("wrong email or password")
    return user


def get_user(uow: UnitOfWork, user_id: uuid.UUID) -> Registration:
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFoundError(f"no user {user_id}")
        return Registration(user=user, seller=uow.sellers.get_by_user(user_id))
