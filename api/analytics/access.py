"""Who may see which analytics: the token (header or dashboard cookie), the seller scope.

A seller's scope is always their own seller id, looked up from the signed-in user; a seller
who names another seller gets 403. An admin names the seller with ``seller_id``. Buyers get
403, anonymous requests 401. The token is verified on every request; the account behind it
comes from ``accounts.RecentAccounts`` (kept for ``analytics_account_seconds``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials

from api.analytics.accounts import RecentAccounts
from api.analytics.periods import Granularity, Period, PeriodError, resolve_period
from api.analytics.reader import AnalyticsReader, WarehouseNotReadyError
from api.analytics.schemas import SellerRef
from api.deps import SettingsDep, bearer
from api.security import user_id_from_token
from core.actor import Actor
from core.errors import AuthenticationError, ForbiddenError
from core.models import Role
from souk.settings import Settings

COOKIE = "souk_dashboard_token"
cookie = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    description="The dashboards' session cookie (HttpOnly), set by POST /dashboards/login.",
)


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in its
# thread pool, a hand-off that costs more CPU than the work of these.
async def get_accounts(request: Request) -> RecentAccounts:
    accounts: RecentAccounts = request.app.state.analytics_accounts
    return accounts


AccountsDep = Annotated[RecentAccounts, Depends(get_accounts)]


def actor_for_token(settings: Settings, accounts: RecentAccounts, token: str) -> Actor:
    account = accounts.account(user_id_from_token(settings, token))
    if account is None:
        raise AuthenticationError("the account of this token no longer exists")
    return account.actor


def get_analytics_actor(
    settings: SettingsDep,
    accounts: AccountsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie_token: Annotated[str | None, Depends(cookie)],
) -> Actor:
    """The signed-in user, from ``Authorization: Bearer`` or the dashboards' cookie (401)."""
    token = credentials.credentials if credentials is not None else cookie_token
    if not token:
        raise AuthenticationError("sign in first: send 'Authorization: Bearer <token>'")
    return actor_for_token(settings, accounts, token)


AnalyticsActor = Annotated[Actor, Depends(get_analytics_actor)]


async def get_reader(request: Request) -> AnalyticsReader:
    reader: AnalyticsReader = request.app.state.analytics_reader
    return reader


ReaderDep = Annotated[AnalyticsReader, Depends(get_reader)]


def seller_of(accounts: RecentAccounts, actor: Actor, seller_id: str | None) -> SellerRef:
    """The seller whose analytics ``actor`` may see (``seller_id``: an admin's choice)."""
    if actor.role is Role.SELLER:
        account = accounts.account(actor.user_id)
        if account is None or account.seller_id is None:
            raise ForbiddenError("this account has no seller profile")
        own = str(account.seller_id)
        if seller_id is not None and seller_id != own:
            raise ForbiddenError("sellers see only their own analytics; leave out seller_id")
        return SellerRef(seller_id=own, display_name=account.seller_name)
    if not actor.is_admin:
        raise ForbiddenError("seller analytics are for sellers and administrators")
    if not seller_id:
        raise validation_error("seller_id", "administrators choose a seller with seller_id")
    return SellerRef(seller_id=seller_id, display_name=_registered_name(accounts, seller_id))


def _registered_name(accounts: RecentAccounts, seller_id: str) -> str | None:
    try:
        key = uuid.UUID(seller_id)
    except ValueError:
        return None
    return accounts.seller_name(key)


SellerIdQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="Admins only: the seller to show. Sellers leave it out "
        "(they always see their own analytics; another seller's id answers 403).",
    ),
]


def get_seller_scope(
    actor: AnalyticsActor, accounts: AccountsDep, seller_id: SellerIdQuery = None
) -> SellerRef:
    return seller_of(accounts, actor, seller_id)


async def get_admin(actor: AnalyticsActor) -> Actor:
    if not actor.is_admin:
        raise ForbiddenError("the market dashboard is for administrators")
    return actor


SellerScope = Annotated[SellerRef, Depends(get_seller_scope)]
AnalyticsAdmin = Annotated[Actor, Depends(get_admin)]


def validation_error(field: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", field), "msg": message, "input": None}]
    )


def default_end(reader: AnalyticsReader, settings: Settings) -> date:
    """The last day with data, else today in the warehouse's time zone."""
    try:
        through = reader.data_through()
    except WarehouseNotReadyError:
        through = None
    return through or datetime.now(ZoneInfo(settings.warehouse_timezone)).date()


def period_of(
    reader: AnalyticsReader,
    settings: Settings,
    start: date | None,
    end: date | None,
    granularity: Granularity,
) -> Period:
    """The requested period (422 when inverted or too long)."""
    try:
        return resolve_period(start, end, granularity, default_end=default_end(reader, settings))
    except PeriodError as exc:
        raise validation_error(exc.field, str(exc)) from exc


async def get_period(
    reader: ReaderDep,
    settings: SettingsDep,
    start: Annotated[date | None, Query(description="First day (default: 30 days to end).")] = None,
    end: Annotated[
        date | None, Query(description="Last day (default: last day with data).")
    ] = None,
    granularity: Annotated[Granularity, Query(description="Time series buckets.")] = (
        Granularity.DAY
    ),
) -> Period:
    # no I/O but the last day with data, read once per published version
    return period_of(reader, settings, start, end, granularity)


PeriodDep = Annotated[Period, Depends(get_period)]
