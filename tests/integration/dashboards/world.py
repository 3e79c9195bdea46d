"""A migrated database with two sellers, a seller without data, an admin and a buyer, and a
warehouse built and published from ``scenario`` for their seller ids."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from api.security import create_access_token
from core import migrate
from core.db import create_db_engine, make_session_factory
from core.models import Role, SellerType
from core.services import accounts
from core.unit_of_work import SqlAlchemyUnitOfWork
from local_services.postgres import drop_database
from souk.settings import Settings
from tests.integration.dashboards import scenario
from tests.unit.warehouse.fixtures import records
from warehouse.build import build_days
from warehouse.layout import WarehouseLayout
from warehouse.serving import publish
from warehouse.sink import WarehouseSink

PASSWORD = "long-password-1"
NAMES = ("Nile Motors", "معرض الأهرام للسيارات")


@dataclass(frozen=True)
class Person:
    email: str
    user_id: uuid.UUID
    role: Role
    seller_id: str | None = None


@dataclass(frozen=True)
class World:
    settings: Settings
    seller_a: Person
    seller_b: Person
    seller_c: Person  # a seller the warehouse has never heard of
    admin: Person
    buyer: Person
    listings: scenario.Listings

    def token(self, person: Person) -> str:
        return create_access_token(self.settings, user_id=person.user_id, role=person.role)

    def headers(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(person)}"}


def _register(settings: Settings, role: Role, name: str | None = None) -> Person:
    engine = create_db_engine(settings)
    try:
        uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
        email = f"{role.value}-{secrets.token_hex(4)}@example.eg"
        profile = None
        if name is not None:
            profile = accounts.SellerProfile(SellerType.DEALER, name, "cairo", "Nasr City")
        done = accounts.register(
            uow, email=email, password=PASSWORD, full_name=f"Test {role}", role=role, seller=profile
        )
        seller_id = str(done.seller.id) if done.seller is not None else None
        return Person(email, done.user.id, role, seller_id)
    finally:
        engine.dispose()


def build_warehouse(root: Path, seller_a: str, seller_b: str) -> scenario.Listings:
    layout = WarehouseLayout(root)
    ids = scenario.Listings(
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        (str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())),
    )
    sink = WarehouseSink(layout, timezone="Africa/Cairo", durable=False)
    report = sink.write_batch(records(scenario.events(seller_a, seller_b, NAMES, ids)))
    assert not report.rejections, report.rejections
    build_days(layout, scenario.FIRST_DAY, scenario.LAST_DAY)
    publish(layout)
    return ids


_SHARED: list[World] = []


@contextmanager
def shared_world(base: Settings, data_dir: Callable[[], Path]) -> Iterator[World]:
    """One world per test process, whichever test directory asks first (building the
    warehouse takes seconds); the first caller's exit drops it."""
    if _SHARED:
        yield _SHARED[0]
        return
    with dashboard_world(base, data_dir()) as built:
        _SHARED.append(built)
        try:
            yield built
        finally:
            _SHARED.clear()


@contextmanager
def dashboard_world(base: Settings, data_dir: Path) -> Iterator[World]:
    name = f"souk_test_dash_{secrets.token_hex(4)}"
    with psycopg.connect(base.postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings = base.model_copy(update={"postgres_db": name, "data_dir": data_dir})
    try:
        migrate.upgrade(settings)
        a = _register(settings, Role.SELLER, NAMES[0])
        b = _register(settings, Role.SELLER, NAMES[1])
        c = _register(settings, Role.SELLER, "Delta Cars")
        admin, buyer = _register(settings, Role.ADMIN), _register(settings, Role.BUYER)
        assert a.seller_id is not None
        assert b.seller_id is not None
        listings = build_warehouse(settings.warehouse_dir, a.seller_id, b.seller_id)
        yield World(settings, a, b, c, admin, buyer, listings)
    finally:
        drop_database(base, name)
