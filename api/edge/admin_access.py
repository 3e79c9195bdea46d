"""Admin endpoints answer only clients on allowed networks (403 for everyone else).

Admin endpoints are the paths under ``settings.admin_path_prefixes`` (``/admin``,
``/internal``, ``/metrics``) and every route that depends on ``api.deps.AdminUser``,
wherever it lives. The network check comes before and on top of authentication: an
administrator's token does not open these endpoints from outside the allowed networks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import RouteContext
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import get_admin
from api.edge.refusal import client_ip, refuse
from api.route_table import RouteTable, dependant_of
from souk.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def needs_admin(dependant: Dependant) -> bool:
    """Whether ``get_admin`` is anywhere in a route's dependency tree."""
    return any(d.call is get_admin or needs_admin(d) for d in dependant.dependencies)


class AdminNetworksMiddleware:
    def __init__(
        self, app: ASGIApp, *, networks: Sequence[Network], prefixes: Sequence[str]
    ) -> None:
        self.app = app
        self.networks = tuple(networks)
        self.prefixes = tuple(p.rstrip("/") for p in prefixes)
        self._table = RouteTable()
        self._admin_routes: list[RouteContext] | None = None  # found at the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.is_admin(scope) and not self.allowed(scope):
            detail = "admin endpoints are not reachable from this network"
            await refuse(scope, receive, send, status=403, detail=detail)
            return
        await self.app(scope, receive, send)

    def allowed(self, scope: Scope) -> bool:
        address = client_ip(scope)
        return address is not None and any(address in network for network in self.networks)

    def is_admin(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if any(path == p or path.startswith(p + "/") for p in self.prefixes):
            return True
        if self._admin_routes is None:
            self._admin_routes = [
                r for r in self._table.routes(scope) if (d := dependant_of(r)) and needs_admin(d)
            ]
        return any(route.matches(scope)[0] is not Match.NONE for route in self._admin_routes)


def install_admin_access(app: FastAPI, settings: Settings) -> None:
    networks = [ipaddress.ip_network(n, strict=False) for n in settings.admin_allowed_networks]
    app.add_middleware(
        AdminNetworksMiddleware, networks=networks, prefixes=settings.admin_path_prefixes
    )
