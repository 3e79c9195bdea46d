"""``/dashboards``: the seller and market dashboards as server-rendered pages.

Pages sign in with a small form that sets an HttpOnly cookie holding the access token (the
``Authorization`` header works too); without a valid token a page redirects to the form.
Key figures and tables are rendered here; the charts are drawn in the browser from the
``/analytics`` JSON, fetched with the same cookie. This router also carries ``/analytics``
and the pages' static files, and opens the marts reader for the app's lifetime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from api.analytics import pages
from api.analytics.access import COOKIE, AccountsDep, ReaderDep
from api.analytics.accounts import RecentAccounts
from api.analytics.page_views import market_page, page_actor, seller_page
from api.analytics.reader import AnalyticsReader
from api.deps import SettingsDep, UnitOfWorkDep
from api.routes import analytics
from api.security import create_access_token
from core.errors import AuthenticationError
from core.models import Role
from core.services import accounts
from souk.settings import Environment
from warehouse.layout import WarehouseLayout

HOME = {Role.SELLER: "/dashboards/seller", Role.ADMIN: "/dashboards/market"}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    reader = AnalyticsReader(
        WarehouseLayout(settings.warehouse_dir), market_answers=settings.analytics_market_answers
    )
    app.state.analytics_reader = reader
    app.state.analytics_accounts = RecentAccounts(
        app.state.session_factory,
        seconds=settings.analytics_account_seconds,
        size=settings.analytics_account_cache_size,
    )
    try:
        yield
    finally:
        reader.close()


router = APIRouter(lifespan=lifespan)
page_router = APIRouter(prefix="/dashboards", include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only our own dashboard paths (no scheme, no host, no ``//``) are followed."""
    if target and target.startswith("/dashboards/") and not target.startswith("//"):
        return target if "\\" not in target else None
    return None


@page_router.get("/login")
def login_form(
    request: Request, next_page: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    return pages.render(request, "login.html", {"next": _safe_next(next_page), "error": None})


@page_router.post("/login")
def login(
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next_page: Annotated[str | None, Form(alias="next")] = None,
) -> Response:
    context = {"next": _safe_next(next_page), "email": email}
    try:
        user = accounts.authenticate(uow, email=email, password=password)
    except AuthenticationError as exc:
        return pages.render(request, "login.html", context | {"error": str(exc)}, 401)
    if user.role not in HOME:
        error = "Dashboards are for seller and administrator accounts."
        return pages.render(request, "login.html", context | {"error": error}, 403)
    token = create_access_token(settings, user_id=user.id, role=user.role)
    response = RedirectResponse(_safe_next(next_page) or HOME[user.role], status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.jwt_ttl_minutes * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment is Environment.PRODUCTION,
    )
    return response


@page_router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/dashboards/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@page_router.get("")
def home(request: Request, settings: SettingsDep, accounts: AccountsDep) -> Response:
    actor = page_actor(request, settings, accounts)
    target = HOME.get(actor.role, "/dashboards/seller") if actor else "/dashboards/login"
    return RedirectResponse(target, status_code=303)


@page_router.get("/seller")
def seller_dashboard(
    request: Request, settings: SettingsDep, accounts: AccountsDep, reader: ReaderDep
) -> Response:
    return seller_page(request, settings, accounts, reader)


@page_router.get("/market")
def market_dashboard(
    request: Request, settings: SettingsDep, accounts: AccountsDep, reader: ReaderDep
) -> Response:
    return market_page(request, settings, accounts, reader)


@page_router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    target = (pages.STATIC_DIR / path).resolve()
    if not target.is_relative_to(pages.STATIC_DIR) or not target.is_file():
        raise HTTPException(404, "no such file")
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return FileResponse(target, headers=headers)


router.include_router(page_router)
router.include_router(analytics.router)
