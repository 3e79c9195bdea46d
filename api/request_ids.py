"""Request ids on every response and log record, and one access log line per request.

The middleware takes the caller's ``X-Request-ID`` when it is a sane token (or makes one),
keeps it in a context variable for the request's duration and echoes it on the response.
A log record factory copies it onto every record made meanwhile, so the JSON-lines
formatter of ``souk.logs`` writes ``"request_id"`` whichever logger wrote the line.
An exception that escapes the app is logged here with the id and answered with a 500 that
carries it, so a user can quote the id to support.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.refusal import client_host, refuse
from souk.settings import Settings

HEADER = "X-Request-ID"
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})  # probes: access log at DEBUG
_VALID = re.compile(r"[A-Za-z0-9._:@/+=-]{8,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("souk.access")
log = logging.getLogger(__name__)


def current_request_id() -> str | None:
    return request_id_var.get()


def _install_record_factory() -> None:
    """Once per process: records made during a request carry ``request_id``."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        request_id = request_id_var.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _VALID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, *, access_log_enabled: bool = True) -> None:
        self.app = app
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status, responded = 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not responded:
                detail = f"internal server error (request id {request_id})"
                await refuse(scope, receive, send_with_id, status=500, detail=detail)
            raise
        finally:
            if self.access_log_enabled:
                _log_access(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)


def _log_access(scope: Scope, status: int, seconds: float) -> None:
    path = scope["path"]
    level = logging.DEBUG if path in QUIET_PATHS and status < 500 else logging.INFO
    if not access_log.isEnabledFor(level):
        return
    route = scope.get("route")
    duration_ms = round(seconds * 1000, 2)
    access_log.log(
        level,
        "%s %s %s %.1fms",
        scope["method"],
        path,
        status,
        duration_ms,
        extra={
            "method": scope["method"],
            "path": path,
            "route": getattr(route, "path", None),
            "status": status,
            "duration_ms": duration_ms,
            "client": client_host(scope),
            "user_id": scope.get("state", {}).get("user_id"),
        },
    )


def install_request_ids(app: FastAPI, settings: Settings) -> None:
    _install_record_factory()
    app.add_middleware(RequestIdMiddleware, access_log_enabled=settings.access_log_enabled)
