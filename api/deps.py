"""Request dependencies as ``Annotated`` aliases: sessions, units of work, who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from api.security import user_id_from_token
from core.actor import Actor
from core.errors import AuthenticationError, ForbiddenError
from core.models import Role, User
from core.payments import PaymentProvider
from core.unit_of_work import SqlAlchemyUnitOfWork, UnitOfWork
from souk.settings import Settings

bearer = HTTPBearer(auto_error=False, description="The access token from POST /auth/login.")


async def get_settings(request: Request) -> Settings:  # async: no thread-pool hand-off
    settings: Settings = request.app.state.settings
    return settings


def _session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_session(request: Request) -> Iterator[Session]:
    """A read session for the request (commands use a unit of work instead)."""
    with _session_factory(request)() as session:
        yield session


def get_uow(request: Request) -> UnitOfWork:
    return SqlAlchemyUnitOfWork(_session_factory(request))


def get_payment_provider(request: Request) -> PaymentProvider:
    provider: PaymentProvider = request.app.state.payment_provider
    return provider


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_uow)]
PaymentProviderDep = Annotated[PaymentProvider, Depends(get_payment_provider)]


def get_current_user(
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The signed-in user (401 without a valid token or when the account is gone)."""
    if credentials is None:
        raise AuthenticationError("sign in first: send 'Authorization: Bearer <token>'")
    user = session.get(User, user_id_from_token(settings, credentials.credentials))
    if user is None:
        raise AuthenticationError("the account of this token no longer exists")
    actor = Actor(user_id=user.id, role=user.role)
    # End this read now: held until the response, its connection would sit idle while the
    # request's unit of work takes a second one, and concurrent writers then exhaust the
    # pool waiting for each other (the sustained-load benchmark saw 30 s pool timeouts).
    session.rollback()
    return actor


CurrentUser = Annotated[Actor, Depends(get_current_user)]


def get_current_seller(actor: CurrentUser) -> Actor:
    if actor.role is not Role.SELLER:
        raise ForbiddenError("only seller accounts can do this")
    return actor


def get_admin(actor: CurrentUser) -> Actor:
    if not actor.is_admin:
        raise ForbiddenError("only administrators can do this")
    return actor


CurrentSeller = Annotated[Actor, Depends(get_current_seller)]
AdminUser = Annotated[Actor, Depends(get_admin)]
