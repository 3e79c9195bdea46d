"""Body size limit: 413 on a declared length over the limit and on streamed bodies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from api.edge.request_limits import install_request_limits
from souk.settings import Settings

LIMIT = 1000


@pytest.fixture
def api() -> TestClient:
    app = FastAPI()
    install_request_limits(app, Settings(max_request_bytes=LIMIT))

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    @app.post("/json")
    def json_body(body: dict[str, str]) -> dict[str, str]:
        return body

    return TestClient(app)


def chunks(size: int, count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield b"x" * size


def test_a_body_up_to_the_limit_passes(api: TestClient) -> None:
    assert api.post("/echo", content=b"x" * LIMIT).json() == {"received": LIMIT}
    assert api.post("/json", json={"q": "كورولا"}).json() == {"q": "كورولا"}


def test_a_declared_length_over_the_limit_is_refused_unread(api: TestClient) -> None:
    response = api.post("/echo", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {"detail": f"the request body is larger than {LIMIT} bytes"}


def test_a_streamed_body_is_counted_as_it_arrives(api: TestClient) -> None:
    assert api.post("/echo", content=chunks(300, 3)).json() == {"received": 900}
    response = api.post("/echo", content=chunks(300, 4))
    assert response.status_code == 413
    refused = api.post(
        "/json", content=chunks(300, 50), headers={"content-type": "application/json"}
    )
    assert refused.status_code == 413


def test_a_streamed_json_body_under_the_limit_reaches_the_route_whole(api: TestClient) -> None:
    parts = iter([b'{"make": ', b'"Toyota"}'])
    response = api.post("/json", content=parts, headers={"content-type": "application/json"})
    assert response.json() == {"make": "Toyota"}


def test_an_unreadable_content_length_is_a_bad_request(api: TestClient) -> None:
    response = api.post("/echo", content=b"{}", headers={"content-length": "12abc"})
    assert response.status_code == 400
