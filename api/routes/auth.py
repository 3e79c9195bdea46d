"""``/auth``: register, sign in, who am I."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentUser, SettingsDep, UnitOfWorkDep
from api.errors import error_responses
from api.schemas.accounts import LoginIn, RegisterIn, SellerOut, TokenOut, UserOut
from api.security import create_access_token
from core.models import Role
from core.services import accounts

router = APIRouter(prefix="/auth", tags=["auth"])


def _user_out(registration: accounts.Registration) -> UserOut:
    out = UserOut.model_validate(registration.user)
    if registration.seller is not None:
        out.seller = SellerOut.model_validate(registration.seller)
    return out


@router.post(
    "/register",
    summary="Create a buyer or seller account",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=error_responses(409),
)
def register(body: RegisterIn, uow: UnitOfWorkDep) -> UserOut:
    seller = None
    if body.seller is not None:
        seller = accounts.SellerProfile(
            seller_type=body.seller.seller_type,
            display_name=body.seller.display_name,
            governorate=body.seller.governorate,
            city=body.seller.city,
        )
    registration = accounts.register(
        uow,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        phone=body.phone,
        role=Role(body.role),
        seller=seller,
    )
    return _user_out(registration)


@router.post(
    "/login",
    summary="Sign in with email and password for a bearer token",
    response_model=TokenOut,
    responses=error_responses(401),
)
def login(body: LoginIn, uow: UnitOfWorkDep, settings: SettingsDep) -> TokenOut:
    user = accounts.authenticate(uow, email=body.email, password=body.password)
    token = create_access_token(settings, user_id=user.id, role=user.role)
    return TokenOut(access_token=token, expires_in=settings.jwt_ttl_minutes * 60)


@router.get(
    "/me",
    summary="The signed-in user (and their seller profile)",
    response_model=UserOut,
    responses=error_responses(401),
)
def me(actor: CurrentUser, uow: UnitOfWorkDep) -> UserOut:
    return _user_out(accounts.get_user(uow, actor.user_id))
