"""SQL statements become client spans under a traced request, and only there."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core.db_spans import trace_statements


def test_statements_are_children_of_the_request_and_failures_are_errors() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    engine = create_engine("sqlite://")  # the events are the same for every dialect
    trace_statements(engine, tracer)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # no request: no span
        with tracer.start_as_current_span("POST /listings") as request:
            conn.execute(text("  select 2"))
            with pytest.raises(OperationalError):
                conn.execute(text("INSERT INTO nowhere VALUES (1)"))
    select, insert, server = exporter.get_finished_spans()
    assert server.name == "POST /listings"
    assert select.name == "SELECT"  # the operation, then the database (none for sqlite)
    assert select.kind is SpanKind.CLIENT
    assert select.attributes is not None
    assert select.attributes["db.query.text"] == "  select 2"
    assert select.parent is not None
    assert select.parent.span_id == request.get_span_context().span_id
    assert insert.status.status_code is StatusCode.ERROR
    assert [event.name for event in insert.events] == ["exception"]
