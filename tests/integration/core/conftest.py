"""Fixtures for the transactional core against the real PostgreSQL: a migrated fresh database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import core.passwords
from core import migrate
from core.db import create_db_engine, make_session_factory
from core.unit_of_work import SqlAlchemyUnitOfWork
from souk.settings import Settings


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        core.passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def migrated(fresh_database: Settings) -> Settings:
    migrate.upgrade(fresh_database)
    return fresh_database


@pytest.fixture
def engine(migrated: Settings) -> Iterator[Engine]:
    engine = create_db_engine(migrated, pool_size=24, max_overflow=4)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def new_uow(session_factory: sessionmaker[Session]) -> Callable[[], SqlAlchemyUnitOfWork]:
    """A fresh unit of work per command, as the API makes one per request."""
    return lambda: SqlAlchemyUnitOfWork(session_factory)
