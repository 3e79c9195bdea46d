"""Request ids: taken or made, echoed, on every log record of the request; access lines."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.request_ids import current_request_id, install_request_ids
from souk.logs import JsonLines
from souk.settings import Settings

log = logging.getLogger("tests.edge.route")


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    install_request_ids(app, Settings())

    @app.get("/listings/{listing_id}")
    def show(listing_id: str) -> dict[str, str | None]:
        log.info("showing %s", listing_id)
        return {"request_id": current_request_id()}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("the route failed")

    return app


def test_a_sane_incoming_id_is_kept_and_echoed(app: FastAPI) -> None:
    response = TestClient(app).get("/listings/1", headers={"X-Request-ID": "lb-7f3a:0001"})
    assert response.headers["X-Request-ID"] == "lb-7f3a:0001"
    assert response.json() == {"request_id": "lb-7f3a:0001"}  # seen inside the sync route


@pytest.mark.parametrize(
    "hostile",
    [b"short", b"x" * 129, b"a b c d e f g h", b"id\r\nSet-Cookie: x", "رقم-الطلب-١".encode()],
)
def test_an_unsafe_incoming_id_is_replaced(app: FastAPI, hostile: bytes) -> None:
    response = TestClient(app).get("/listings/1", headers={"X-Request-ID": hostile})
    made = response.headers["X-Request-ID"]
    assert made.encode() != hostile
    assert len(made) == 32


def test_every_record_of_the_request_carries_the_id(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    TestClient(app).get("/listings/42", headers={"X-Request-ID": "req-000000042"})
    route_line = next(r for r in caplog.records if r.name == "tests.edge.route")
    access = next(r for r in caplog.records if r.name == "souk.access")
    entry = json.loads(JsonLines().format(route_line))
    assert entry["request_id"] == "req-000000042"
    assert entry["message"] == "showing 42"
    fields = json.loads(JsonLines().format(access))
    assert fields["request_id"] == "req-000000042"
    assert (fields["method"], fields["route"], fields["status"]) == (
        "GET",
        "/listings/{listing_id}",
        200,
    )
    assert fields["path"] == "/listings/42"
    assert fields["duration_ms"] >= 0
    assert current_request_id() is None  # nothing leaks out of the request


def test_an_unhandled_error_answers_500_with_the_id_and_is_logged(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom", headers={"X-Request-ID": "req-boom-0001"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-boom-0001"
    assert "req-boom-0001" in response.json()["detail"]
    error = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert error.request_id == "req-boom-0001"  # type: ignore[attr-defined]
    assert error.exc_info is not None


def test_probes_are_logged_at_debug(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    app.get("/health")(lambda: {"status": "ok"})
    caplog.set_level(logging.INFO)
    TestClient(app).get("/health")
    assert not [r for r in caplog.records if r.name == "souk.access"]
