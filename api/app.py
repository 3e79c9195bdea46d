"""The FastAPI application factory every entry point and test uses: ``create_app(settings)``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from api.edge.admin_access import install_admin_access
from api.edge.rate_limits import install_rate_limits
from api.edge.request_limits import install_request_limits
from api.errors import install_error_handlers
from api.health import install_health
from api.metrics import install_metrics
from api.request_ids import install_request_ids
from api.routes import auth, dashboards, listings, orders, search_page
from api.routes.internal import install_internal
from api.search_wiring import mount_search
from api.signed_in_user import install_signed_in_user
from api.startup_heap import freeze_startup_heap
from api.tracing import install_tracing, trace_database
from core.db import create_db_engine, make_session_factory
from core.payments import PaymentProvider, SandboxPaymentProvider
from souk.settings import Settings, load_settings
from souk.tracing import installed_provider

log = logging.getLogger(__name__)

DESCRIPTION = """Souk El-Syarat's transactional API: accounts, listings, leads, favourites
and orders (writes go to PostgreSQL with their domain events in the outbox). Public listing
pages, search and facets come from the search read model."""


def create_app(
    settings: Settings | None = None,
    *,
    payment_provider: PaymentProvider | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The API for ``settings`` (default: from the environment); the database engine opens
    in the lifespan. ``payment_provider`` defaults to the sandbox; ``tracer_provider`` to the
    process's (none when traces are off)."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_db_engine(settings)
        app.state.engine = engine
        trace_database(app, engine)
        app.state.session_factory = make_session_factory(engine)
        log.info("API connected to %s", settings.postgres_db)
        if settings.api_freeze_startup_heap:  # the last start-up step: see api/startup_heap.py
            freeze_startup_heap()
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Souk El-Syarat API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.payment_provider = payment_provider or SandboxPaymentProvider()
    install_error_handlers(app)
    install_rate_limits(app, settings)  # runs inside signed_in_user: it reads state.user_id
    install_signed_in_user(app, settings)  # request.state.user_id: the token's user or None

    # Edge and operations (outermost last): admin networks, body size, metrics, request ids.
    install_admin_access(app, settings)
    install_request_limits(app, settings)
    install_metrics(app, settings)
    install_request_ids(app, settings)
    install_health(app, settings)
    install_internal(app, settings)
    if (tracing := tracer_provider or installed_provider()) is not None:
        install_tracing(app, tracing)  # outermost: the request's span covers every middleware

    # Search first: Starlette tries the routers in order, and matching /search behind the
    # others cost ~0.24 ms per search (~0.01 ms first); no route of theirs is one of its paths.
    mount_search(app, settings)  # /search, /suggest, /search/clicks, GET /listings/{id}[/similar]

    # Transactional routers (this module's owner).
    app.include_router(auth.router)
    app.include_router(listings.router)
    app.include_router(orders.router)

    # Read-side and other routers: include them below this line.
    app.include_router(dashboards.router)  # /dashboards pages and /analytics JSON
    app.include_router(search_page.router)  # buyers' search page / and /listing/{id}

    return app
