"""The analytics requests' account look-ups are kept ``analytics_account_seconds``, no longer:
a changed role or a deleted account takes effect once that time has passed."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.analytics.accounts import RecentAccounts
from api.app import create_app
from api.security import create_access_token
from core.db import create_db_engine, make_session_factory
from core.models import Role, SellerType
from core.services import accounts
from core.unit_of_work import SqlAlchemyUnitOfWork
from tests.integration.dashboards.scenario import END, START
from tests.integration.dashboards.world import PASSWORD, World

pytestmark = pytest.mark.integration
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
SECONDS = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app_and_clock(world: World) -> Iterator[tuple[TestClient, Clock]]:
    clock = Clock()
    with TestClient(create_app(world.settings)) as client:
        state = client.app.state  # type: ignore[attr-defined]
        state.analytics_accounts = RecentAccounts(
            state.session_factory, seconds=SECONDS, size=100, clock=clock
        )
        yield client, clock


def _new_seller(world: World) -> tuple[str, str]:
    """A fresh seller account: its token and user id."""
    engine = create_db_engine(world.settings)
    try:
        done = accounts.register(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            email=f"short-lived-{secrets.token_hex(4)}@example.eg",
            password=PASSWORD,
            full_name="Short-lived seller",
            role=Role.SELLER,
            seller=accounts.SellerProfile(SellerType.INDIVIDUAL, "Short-lived", "giza", "Dokki"),
        )
    finally:
        engine.dispose()
    assert done.seller is not None
    token = create_access_token(world.settings, user_id=done.user.id, role=Role.SELLER)
    return token, str(done.user.id)


def _execute(world: World, *statements: str, user: str) -> None:
    engine = create_db_engine(world.settings)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql), {"user": user})
    finally:
        engine.dispose()


def _kpis(client: TestClient, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/analytics/seller/kpis", params=PERIOD, headers=headers)
    return int(response.status_code)


def test_a_changed_role_takes_effect_within_the_ttl(
    world: World, app_and_clock: tuple[TestClient, Clock]
) -> None:
    client, clock = app_and_clock
    token, user = _new_seller(world)
    assert _kpis(client, token) == 200
    _execute(world, "UPDATE users SET role = 'buyer' WHERE id = :user", user=user)
    clock.now += SECONDS - 1
    assert _kpis(client, token) == 200  # the account as read less than the TTL ago
    clock.now += 1
    assert _kpis(client, token) == 403  # a buyer now


def test_a_deleted_account_stops_working_within_the_ttl(
    world: World, app_and_clock: tuple[TestClient, Clock]
) -> None:
    client, clock = app_and_clock
    token, user = _new_seller(world)
    assert _kpis(client, token) == 200
    _execute(
        world,
        "DELETE FROM sellers WHERE user_id = :user",
        "DELETE FROM users WHERE id = :user",
        user=user,
    )
    clock.now += SECONDS - 1
    assert _kpis(client, token) == 200  # the account as read less than the TTL ago
    clock.now += 1
    assert _kpis(client, token) == 401  # the account of this token no longer exists


def test_zero_seconds_reads_the_account_on_every_request(world: World) -> None:
    with TestClient(create_app(world.settings)) as client:
        state = client.app.state  # type: ignore[attr-defined]
        state.analytics_accounts = RecentAccounts(state.session_factory, seconds=0, size=100)
        token, user = _new_seller(world)
        assert _kpis(client, token) == 200
        _execute(world, "UPDATE users SET role = 'buyer' WHERE id = :user", user=user)
        assert _kpis(client, token) == 403
