"""Server spans per request and client spans per SQL statement, when traces are on.

OpenTelemetry's FastAPI instrumentation wraps the whole middleware stack, so a request's
span is current in every middleware, route and unit of work (which hands it on to the
relay through the transaction: core/trace_messages.py). Probes are left out.
"""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import Engine

from core.db_spans import trace_statements

UNTRACED_PATHS = "/health$,/ready$,/metrics$"


def install_tracing(app: FastAPI, provider: TracerProvider) -> None:
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=UNTRACED_PATHS,
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )
    app.state.tracer_provider = provider


def trace_database(app: FastAPI, engine: Engine) -> None:
    """Statement spans on ``engine`` when :func:`install_tracing` ran for ``app``."""
    provider: TracerProvider | None = getattr(app.state, "tracer_provider", None)
    if provider is not None:
        trace_statements(engine, provider.get_tracer("core.db"))
