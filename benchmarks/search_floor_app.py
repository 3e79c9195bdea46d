"""The floor of a Python hop in front of Elasticsearch, for ``benchmarks.search_latency
--floor``: a bare ASGI app (no FastAPI, no validation, no highlighting, no facet reading, no
search event) under the same uvicorn, which builds the same ``_msearch`` as the API (the
query's text analysis included) and answers with Elasticsearch's bytes as they came.

Whatever the API does per search costs on top of this; the API's overhead ratio cannot
drop below this app's on the same machine.

    uvicorn benchmarks.search_floor_app:app --port 18082   # settings from SOUK_* variables
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import orjson

from benchmarks.search_queries import search_request
from search.query.builder import search_requests
from souk.settings import load_settings

NUMBERS = {"year_min": int, "year_max": int, "price_max": int, "mileage_max": int,
           "lat": float, "lon": float, "radius_km": float}  # fmt: skip
Receive = Any
Send = Any


class SearchFloor:
    """An ASGI application: ``GET /search?<the benchmark's parameters>`` only."""

    def __init__(self) -> None:
        settings = load_settings()
        self.alias = settings.catalog_alias
        self.msearch = f"{settings.elasticsearch_url.rstrip('/')}/_msearch"
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        params: dict[str, Any] = dict(parse_qsl(scope["query_string"].decode()))
        for name, kind in NUMBERS.items():
            if name in params:
                params[name] = kind(params[name])
        lines = search_requests(search_request(params), self.alias)
        body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
        assert self.session is not None, "lifespan not started"
        headers = {"content-type": "application/x-ndjson"}
        async with self.session.post(self.msearch, data=body, headers=headers) as response:
            status, answer = response.status, await response.read()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": answer})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.session is not None:
                    await self.session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


app = SearchFloor()
