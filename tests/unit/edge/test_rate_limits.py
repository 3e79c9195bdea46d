"""Rate limits: per IP and per user, by class of request, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from api.edge.rate_limits import install_rate_limits
from souk.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


LOW = {
    "rate_limit_search_per_ip": 5, "rate_limit_search_per_user": 2,
    "rate_limit_login_per_ip": 2, "rate_limit_write_per_ip": 4, "rate_limit_write_per_user": 3,
}  # fmt: skip


def limited_app(clock: FakeClock, **settings: Any) -> FastAPI:
    app = FastAPI()
    chosen: dict[str, Any] = LOW | settings
    install_rate_limits(app, Settings(**chosen), clock=clock)

    @app.middleware("http")  # stands for create_app's signed_in_user (outside the limits)
    async def user(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.user_id = request.headers.get("x-user")
        return await call_next(request)

    @app.get("/search")
    @app.get("/suggest")
    @app.get("/listings/{listing_id}")
    def read() -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/auth/login")
    @app.post("/auth/register")
    @app.post("/dashboards/login")
    @app.post("/listings")
    @app.patch("/listings/{listing_id}")
    @app.delete("/listings/{listing_id}")
    def write() -> dict[str, str]:
        return {"ok": "yes"}

    return app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client(app: FastAPI, ip: str = "203.0.113.7") -> TestClient:
    return TestClient(app, client=(ip, 40000))


def test_a_signed_in_user_is_limited_per_user_then_recovers(clock: FakeClock) -> None:
    api = client(limited_app(clock))
    alice = {"x-user": "alice"}
    assert [api.get("/search", headers=alice).status_code for _ in range(2)] == [200, 200]
    refused = api.get("/search", headers=alice, params={"q": "corolla"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"  # 2 per minute: one token every 30 s
    assert "search per user" in refused.json()["detail"]
    assert api.get("/suggest", headers={"x-user": "bob"}).status_code == 200  # bob's own bucket
    clock.now += 30
    assert api.get("/search", headers=alice).status_code == 200


def test_anonymous_clients_are_limited_per_ip(clock: FakeClock) -> None:
    app = limited_app(clock)
    here, there = client(app), client(app, ip="198.51.100.1")
    assert all(here.get("/search").status_code == 200 for _ in range(5))
    assert here.get("/suggest").status_code == 429  # search and suggest share the buckets
    assert there.get("/search").status_code == 200
    assert here.get("/listings/abc").status_code == 200  # reads elsewhere are not limited


def test_many_users_behind_one_address_share_its_ip_budget(clock: FakeClock) -> None:
    api = client(limited_app(clock))
    codes = [api.get("/search", headers={"x-user": f"user-{i}"}).status_code for i in range(6)]
    assert codes == [200] * 5 + [429]


def test_login_and_register_are_limited_per_ip(clock: FakeClock) -> None:
    api = client(limited_app(clock, rate_limit_write_per_ip=100))
    assert api.post("/auth/login").status_code == 200
    assert api.post("/auth/register").status_code == 200
    refused = api.post("/dashboards/login")  # the dashboards' sign-in shares the budget
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"


def test_writes_are_limited_per_user_whatever_the_method(clock: FakeClock) -> None:
    api = client(limited_app(clock))
    me = {"x-user": "seller-1"}
    codes = [
        api.post("/listings", headers=me).status_code,
        api.patch("/listings/1", headers=me).status_code,
        api.delete("/listings/1", headers=me).status_code,
        api.post("/listings", headers=me).status_code,
    ]
    assert codes == [200, 200, 200, 429]
    assert api.get("/listings/1", headers=me).status_code == 200  # reads are not writes


def test_the_longest_wait_is_the_one_reported(clock: FakeClock) -> None:
    api = client(limited_app(clock, rate_limit_write_per_ip=1, rate_limit_write_per_user=60))
    assert api.post("/listings", headers={"x-user": "u"}).status_code == 200
    refused = api.post("/listings", headers={"x-user": "u"})
    assert refused.headers["Retry-After"] == "60"
    assert "write per ip" in refused.json()["detail"]


def test_limits_can_be_switched_off(clock: FakeClock) -> None:
    api = client(limited_app(clock, rate_limits_enabled=False))
    assert all(api.post("/auth/login").status_code == 200 for _ in range(10))
