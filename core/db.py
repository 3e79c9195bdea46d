"""Engine and session factory for the transactional database (SQLAlchemy 2 + psycopg 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from souk.settings import Settings


def create_db_engine(settings: Settings, **options: Any) -> Engine:
    """An engine for ``settings.database_url``; ``options`` go to :func:`create_engine`."""
    options.setdefault("pool_pre_ping", True)
    return create_engine(settings.database_url, **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: commands return the aggregates they changed.
    return sessionmaker(engine, expire_on_commit=False)
