"""Who is asking: ``request.state.user_id`` is the bearer token's user, or None.

For routes that only want to know who is asking (search, views); routes that need a user use
``deps.CurrentUser`` (401). A plain ASGI middleware: it only reads a header and sets the
request's state, so it needs none of Starlette's ``BaseHTTPMiddleware`` machinery (a task
and memory streams around every request).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api.security import user_id_from_token
from core.errors import AuthenticationError
from souk.settings import Settings


def token_user(authorization: str, settings: Settings) -> str | None:
    """The user of an ``Authorization: Bearer`` header value, None when absent or invalid."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return str(user_id_from_token(settings, token))
    except AuthenticationError:
        return None


class SignedInUserMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            authorization = ""
            for name, value in scope.get("headers", ()):
                if name == b"authorization":
                    authorization = bytes(value).decode("latin-1")
                    break
            scope.setdefault("state", {})["user_id"] = token_user(authorization, self.settings)
        await self.app(scope, receive, send)


def install_signed_in_user(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(SignedInUserMiddleware, settings=settings)
