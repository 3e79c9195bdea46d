"""What the dashboard pages show: who is asking, which period, and the page context.

Pages never answer JSON errors: no valid token redirects to the sign-in form, a buyer (or a
seller on the market page) gets a 403 page, a bad range falls back to the default period
with a notice, and missing marts show an empty dashboard that says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response

from api.analytics import market_dashboard, seller_dashboard, seller_queries
from api.analytics.access import COOKIE, actor_for_token, default_end, seller_of
from api.analytics.accounts import RecentAccounts
from api.analytics.pages import query_url, render
from api.analytics.periods import Granularity, Period, PeriodError, resolve_period
from api.analytics.reader import AnalyticsReader, WarehouseNotReadyError
from api.analytics.schemas import SellerRef
from core.actor import Actor
from core.errors import AuthenticationError, ForbiddenError
from souk.settings import Settings


def page_actor(request: Request, settings: Settings, accounts: RecentAccounts) -> Actor | None:
    """The signed-in user from the Authorization header or the cookie; None if neither is
    valid."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    try:
        return actor_for_token(settings, accounts, token)
    except AuthenticationError:
        return None


def login_redirect(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(query_url("/dashboards/login", next=here), status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def page_period(
    request: Request, reader: AnalyticsReader, settings: Settings
) -> tuple[Period, str | None]:
    """The period of the page's query string, or the default one and why."""
    params = request.query_params
    fallback = default_end(reader, settings)
    try:
        start = date.fromisoformat(params["start"]) if params.get("start") else None
        end = date.fromisoformat(params["end"]) if params.get("end") else None
        granularity = Granularity(params.get("granularity") or "day")
        return resolve_period(start, end, granularity, default_end=fallback), None
    except PeriodError as exc:
        notice = f"{exc}; showing the last 30 days instead."
    except ValueError:
        notice = "Dates are YYYY-MM-DD and granularity is day, week or month; showing defaults."
    return resolve_period(None, None, Granularity.DAY, default_end=fallback), notice


def _base(actor: Actor, period: Period, notice: str | None) -> dict[str, Any]:
    return {
        "role": actor.role.value,
        "period": period,
        "notice": notice,
        "granularities": [g.value for g in Granularity],
    }


def _forbidden(request: Request, actor: Actor, message: str) -> Response:
    return render(request, "forbidden.html", {"role": actor.role.value, "message": message}, 403)


def seller_page(
    request: Request, settings: Settings, accounts: RecentAccounts, reader: AnalyticsReader
) -> Response:
    actor = page_actor(request, settings, accounts)
    if actor is None:
        return login_redirect(request)
    try:
        seller = seller_of(accounts, actor, request.query_params.get("seller_id") or None)
    except ForbiddenError as exc:
        return _forbidden(request, actor, str(exc))
    except RequestValidationError:
        return _seller_picker(request, reader, actor)
    period, notice = page_period(request, reader, settings)
    context = _base(actor, period, notice) | {
        "seller": seller,
        "sources": _sources(seller, period, actor),
    }
    try:
        context |= {
            "kpis": seller_dashboard.kpis(reader, seller, period),
            "listings": seller_dashboard.listings(reader, seller, period),
            "terms": seller_dashboard.search_terms(reader, seller, period, limit=10),
            "ready": True,
        }
    except WarehouseNotReadyError:
        context["ready"] = False
    return render(request, "seller.html", context, 422 if notice else 200)


def _sources(seller: SellerRef, period: Period, actor: Actor) -> dict[str, str]:
    chosen = seller.seller_id if actor.is_admin else None
    return {
        name: query_url(
            f"/analytics/seller/{name}",
            start=period.start,
            end=period.end,
            granularity=period.granularity.value,
            seller_id=chosen,
        )
        for name in ("timeseries", "funnel", "kpis", "listings", "search-terms")
    }


def _seller_picker(request: Request, reader: AnalyticsReader, actor: Actor) -> Response:
    try:
        sellers = seller_queries.directory(reader)
    except WarehouseNotReadyError:
        sellers = []
    return render(request, "seller_picker.html", {"role": actor.role.value, "sellers": sellers})


def market_page(
    request: Request, settings: Settings, accounts: RecentAccounts, reader: AnalyticsReader
) -> Response:
    actor = page_actor(request, settings, accounts)
    if actor is None:
        return login_redirect(request)
    if not actor.is_admin:
        return _forbidden(request, actor, "The market dashboard is for administrators.")
    period, notice = page_period(request, reader, settings)
    query = {"start": period.start, "end": period.end, "granularity": period.granularity.value}
    context = _base(actor, period, notice) | {
        "sources": {
            "overview": query_url("/analytics/market/overview", **query),
            "price_index": query_url("/analytics/market/price-index", **query),
        }
    }
    try:
        context |= {
            "kpis": market_dashboard.kpis(reader, period),
            "terms": market_dashboard.search_terms(reader, period, limit=10),
            "data_through": reader.data_through(),
            "ready": True,
        }
    except WarehouseNotReadyError:
        context["ready"] = False
    return render(request, "market.html", context, 422 if notice else 200)
