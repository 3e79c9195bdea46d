"""The app's routes as one flat table, for middleware that runs before routing.

FastAPI keeps included routers as branches (``app.routes`` holds the branches, not their
routes); ``fastapi.routing.iter_route_contexts`` expands them into every effective route
with its full path template, its methods and its dependencies. The table is built at the
first request (every router is included by then) and kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope

UNMATCHED = "<unmatched>"


class RouteTable:
    def __init__(self) -> None:
        self._routes: list[RouteContext] | None = None
        self._template_of: dict[int, str] = {}

    def routes(self, scope: Scope) -> list[RouteContext]:
        if self._routes is None:
            self._routes = list(iter_route_contexts(scope["app"].routes))
            self._template_of = {id(r.original_route): _template(r) for r in self._routes}
        return self._routes

    def matching(self, scope: Scope) -> Iterator[RouteContext]:
        """The routes whose path matches (any method), in routing order."""
        return (r for r in self.routes(scope) if r.matches(scope)[0] is not Match.NONE)

    def template(self, scope: Scope) -> str:
        """The template of the route that answered, or that would have answered a request
        refused before routing; :data:`UNMATCHED` when no route matches."""
        if "app" not in scope:
            return UNMATCHED
        self.routes(scope)
        routed: Any = scope.get("route")
        if routed is not None:
            return self._template_of.get(id(routed)) or str(
                getattr(routed, "path_format", UNMATCHED)
            )
        return next((_template(r) for r in self.matching(scope)), UNMATCHED)


def _template(route: RouteContext) -> str:
    return str(route.path_format or route.path or UNMATCHED)


def dependant_of(route: RouteContext) -> Dependant | None:
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        dependant = getattr(route.original_route, "dependant", None)
    return dependant if isinstance(dependant, Dependant) else None
