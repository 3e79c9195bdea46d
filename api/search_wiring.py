"""Mounts the search and catalog routers on any FastAPI app, with their resources.

``mount_search(app, settings)`` includes the routers and wraps the app's lifespan so the
Elasticsearch client and the behavioural-events producer open at start-up and close at
shutdown. Tests pass a fake :class:`BehaviourEvents`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request

from api.behaviour import BehaviourEvents, InMemoryBehaviourEvents, KafkaBehaviourEvents
from search.catalog_search import CatalogSearch
from search.elastic import async_client
from souk.settings import Settings

SESSION_HEADER = "X-Session-Id"


def mount_search(
    app: FastAPI, settings: Settings, *, behaviour: BehaviourEvents | None = None
) -> None:
    from api.routes import catalog, search  # the routers import this module's dependencies

    app.include_router(search.router)
    app.include_router(catalog.router)
    if behaviour is None:
        enabled = settings.behaviour_events_enabled
        behaviour = KafkaBehaviourEvents(settings) if enabled else InMemoryBehaviourEvents()
    events = behaviour
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        es = async_client(settings)
        application.state.catalog_search = CatalogSearch(es, alias=settings.catalog_alias)
        application.state.behaviour_events = events
        application.state.search_settings = settings
        await events.start()
        try:
            async with previous(application) as state:
                yield state
        finally:
            await events.stop()
            await es.close()

    app.router.lifespan_context = lifespan


async def _catalog(request: Request) -> CatalogSearch:
    catalog: CatalogSearch = request.app.state.catalog_search
    return catalog


async def _behaviour(request: Request) -> BehaviourEvents:
    events: BehaviourEvents = request.app.state.behaviour_events
    return events


def session_of(request: Request) -> str:
    return request.headers.get(SESSION_HEADER) or f"anon-{uuid.uuid4()}"


def user_of(request: Request) -> str | None:
    """The signed-in user, when an auth middleware has put one on the request."""
    user = getattr(request.state, "user_id", None)
    return str(user) if user else None


async def _session_id(request: Request) -> str:
    return session_of(request)


async def _user_id(request: Request) -> str | None:
    return user_of(request)


@dataclass(frozen=True)
class SearchCall:
    """What a ``GET /search`` needs besides its parameters, as one dependency: FastAPI
    solving the five separate ones (catalog, events, settings, session, user) was ~5% of
    the API's CPU per search."""

    catalog: CatalogSearch
    behaviour: BehaviourEvents
    settings: Settings
    session_id: str
    user_id: str | None


async def _search_call(request: Request) -> SearchCall:
    state = request.app.state
    return SearchCall(
        catalog=state.catalog_search,
        behaviour=state.behaviour_events,
        settings=state.search_settings,
        session_id=session_of(request),
        user_id=user_of(request),
    )


CatalogDep = Annotated[CatalogSearch, Depends(_catalog)]
BehaviourDep = Annotated[BehaviourEvents, Depends(_behaviour)]
SessionIdDep = Annotated[str, Depends(_session_id)]
UserIdDep = Annotated[str | None, Depends(_user_id)]
SearchCallDep = Annotated[SearchCall, Depends(_search_call)]


def unknown_parameters(names: Iterable[str], known: Iterable[str]) -> HTTPException:
    """The 422 naming query parameters the endpoint doesn't know, and the ones it knows."""
    listed = ", ".join(known)
    return HTTPException(
        status_code=422,
        detail=[{"loc": ["query", name], "type": "unknown_parameter",
                 "msg": f"unknown query parameter {name!r}; known: {listed}"} for name in names],
    )  # fmt: skip


def only_query_params(*allowed: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency refusing (422) query parameters the endpoint doesn't know."""
    known = sorted(allowed)

    async def check(request: Request) -> None:
        unknown = sorted(set(request.query_params) - set(known))
        if unknown:
            raise unknown_parameters(unknown, known)

    return check
