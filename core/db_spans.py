"""One client span per SQL statement an engine runs inside a traced request.

SQLAlchemy's cursor events bracket each statement; the span is a child of the current span
(the API's request span; statements outside one, such as readiness probes, make none),
named after the statement's operation and the database, with OpenTelemetry's database
attributes. OpenTelemetry's own SQLAlchemy instrumentation does not support SQLAlchemy 2.1
yet; this is the part of it the platform needs.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, get_current_span
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext

_SPAN = "_souk_span"


def trace_statements(engine: Engine, tracer: Tracer) -> None:
    """Record every statement ``engine`` executes as a span of ``tracer``."""
    database = engine.url.database or ""
    host, port = engine.url.host or "", engine.url.port or 5432

    def start(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if context is None or not get_current_span().is_recording():
            return  # only inside a traced request: probes and pool pings make no root spans
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        span = tracer.start_span(
            f"{operation} {database}".strip(),
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": "postgresql",
                "db.namespace": database,
                "db.operation.name": operation,
                "db.query.text": statement,
                "server.address": host,
                "server.port": port,
            },
        )
        setattr(context, _SPAN, span)

    def end(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        span: Span | None = getattr(context, _SPAN, None)
        if span is not None:
            span.end()
            setattr(context, _SPAN, None)

    def failed(exception: ExceptionContext) -> None:
        span: Span | None = getattr(exception.execution_context, _SPAN, None)
        if span is not None:
            error = exception.original_exception
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.record_exception(error)
            span.end()
            setattr(exception.execution_context, _SPAN, None)

    event.listen(engine, "before_cursor_execute", start)
    event.listen(engine, "after_cursor_execute", end)
    event.listen(engine, "handle_error", failed)
