"""Rate limits per client IP and per signed-in user: 429 with ``Retry-After``.

Three classes of request, each with its own buckets (from settings, requests per minute):

- ``search``: ``GET /search``, ``/suggest`` (and below them), per IP and per user;
- ``login``: ``POST /auth/login``, ``/auth/register`` and the dashboards' cookie sign-in
  ``/dashboards/login``, per IP (nobody is signed in yet);
- ``write``: every POST, PUT, PATCH and DELETE, per IP and per user.

A request in several classes takes a token from each. The middleware must run inside the
one that sets ``request.state.user_id`` (``create_app`` installs it before that one). The
buckets live in this process: with several API processes each enforces its own share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api.edge.refusal import client_host, refuse
from api.edge.token_bucket import Clock, TokenBuckets, retry_after_seconds
from souk.settings import Settings

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_PATHS = frozenset({"/auth/login", "/auth/register", "/dashboards/login"})
MINUTE = 60.0


@dataclass(frozen=True)
class Limit:
    name: str  # "search per ip"
    applies: Callable[[str, str], bool]  # (method, path) -> bool
    per_user: bool
    buckets: TokenBuckets


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def _is_search(method: str, path: str) -> bool:
    return _under(path, ("/search", "/suggest"))


def _is_login(method: str, path: str) -> bool:
    return method == "POST" and path in LOGIN_PATHS


def _is_write(method: str, path: str) -> bool:
    return method in WRITE_METHODS


def limits_from(settings: Settings, clock: Clock) -> list[Limit]:
    def buckets(per_minute: int) -> TokenBuckets:
        return TokenBuckets(capacity=per_minute, period=MINUTE, clock=clock)

    return [
        Limit("search per ip", _is_search, False, buckets(settings.rate_limit_search_per_ip)),
        Limit("search per user", _is_search, True, buckets(settings.rate_limit_search_per_user)),
        Limit("login per ip", _is_login, False, buckets(settings.rate_limit_login_per_ip)),
        Limit("write per ip", _is_write, False, buckets(settings.rate_limit_write_per_ip)),
        Limit("write per user", _is_write, True, buckets(settings.rate_limit_write_per_user)),
    ]


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: list[Limit]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        user = scope.get("state", {}).get("user_id")
        waits: list[tuple[float, str]] = []
        for limit in self.limits:
            if not limit.applies(method, path):
                continue
            if limit.per_user and not user:
                continue
            key = f"user:{user}" if limit.per_user else f"ip:{client_host(scope)}"
            wait = limit.buckets.take(key)
            if wait > 0:
                waits.append((wait, limit.name))
        if not waits:
            await self.app(scope, receive, send)
            return
        wait, name = max(waits)
        seconds = retry_after_seconds(wait)
        await refuse(
            scope, receive, send, status=429,
            detail=f"too many requests ({name}); retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )  # fmt: skip


def install_rate_limits(app: FastAPI, settings: Settings, *, clock: Clock | None = None) -> None:
    """Add the middleware (nothing when ``settings.rate_limits_enabled`` is off)."""
    if not settings.rate_limits_enabled:
        return
    limits = limits_from(settings, clock or time.monotonic)
    app.add_middleware(RateLimitMiddleware, limits=limits)
