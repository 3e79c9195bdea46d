"""Domain errors to HTTP: the one place that knows both.

NotFound 404, Forbidden 403, AuthenticationError 401, InvalidInput 422 (shaped like FastAPI's
own validation errors), PaymentDeclined 402, every other DomainError 409 with its reason; a
value the database cannot store (SQLAlchemy ``DataError``) 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError

from core.errors import (
    AuthenticationError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PaymentDeclinedError,
)

STATUS_CODES: dict[type[DomainError], int] = {
    NotFoundError: 404,
    ForbiddenError: 403,
    AuthenticationError: 401,
    InvalidInputError: 422,
    PaymentDeclinedError: 402,
}


class ErrorOut(BaseModel):
    detail: str


DESCRIPTIONS = {
    401: "Not signed in, or the token is invalid or expired.",
    402: "The payment provider declined the charge (the attempt is recorded).",
    403: "Signed in, but not allowed to do this.",
    404: "Not found, or not yours to see.",
    409: "Refused by a marketplace rule (the detail says which).",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error codes a route can return."""
    return {code: {"model": ErrorOut, "description": DESCRIPTIONS[code]} for code in codes}


def status_code_for(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 409


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_code_for(exc)
    if status == 422:
        detail = [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    """A value PostgreSQL cannot store (a NUL character in text, a number out of range) is the
    client's mistake: 422 with the database's own words, never a 500."""
    assert isinstance(exc, DataError)
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
    detail = [
        {"loc": ["body"], "msg": f"a value cannot be stored: {reason}", "type": "value_error"}
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(DomainError, _domain_error)
