"""How edge middleware refuses a request, and who is asking (the client's address).

Refusals are the API's usual JSON error (``{"detail": ...}``), sent straight from ASGI so
the refused request never reaches routing, dependencies or the database.
"""

from __future__ import annotations

import ipaddress

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_host(scope: Scope) -> str:
    """The peer's address as the server saw it (behind a trusted proxy, uvicorn's
    ``--forwarded-allow-ips`` puts the forwarded client here); "unknown" when absent."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_ip(scope: Scope) -> IpAddress | None:
    """The peer's IP address, or None when the server gave no address (a test client)."""
    try:
        address = ipaddress.ip_address(client_host(scope))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    await JSONResponse({"detail": detail}, status_code=status, headers=headers)(
        scope, receive, send
    )
