"""Request body size limit: 413 above ``settings.max_request_bytes``.

A declared ``Content-Length`` over the limit is refused before the body is read (the server
then delivers at most the declared bytes: uvicorn refuses a longer body). A body without a
declared length (chunked) is read here first, up to the limit, and refused with 413 the
moment it crosses it; under the limit, it is handed to the app as one message. So the app
never sees a body over the limit, and the refusal never depends on how the app reads.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.refusal import refuse
from souk.settings import Settings


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await refuse(scope, receive, send, status=400, detail="invalid Content-Length header")
        elif declared is not None and declared > self.max_bytes:
            await refuse(scope, receive, send, status=413, detail=self.too_large)
        elif declared is not None:
            await self.app(scope, receive, send)
        else:
            await self._streamed(scope, receive, send)

    @property
    def too_large(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"

    async def _streamed(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it
                first: Message = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await refuse(scope, receive, send, status=413, detail=self.too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when unreadable."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = bytes(value).decode("latin-1").strip()
            return int(text) if text.isdigit() else -1
    return None


def install_request_limits(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
