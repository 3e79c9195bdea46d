"""Declarative base, constraint naming, text-backed enums and event recording for aggregates."""

from __future__ import annotations

import itertools
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, MetaData, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from core import clock
from core.events import DomainEvent

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}  # noqa: RUF012


def utcnow() -> datetime:
    return clock.utcnow()


E = TypeVar("E", bound=StrEnum)


class TextEnum(TypeDecorator[E], Generic[E]):
    """A :class:`StrEnum` stored as plain ``text`` (the allowed values are a CHECK constraint).

    Plain text keeps the change stream readable (wal2json shows the value) and adding a value
    is a constraint change rather than an ``ALTER TYPE``.
    """

    impl = Text
    cache_ok = True

    def __init__(self, enum_class: type[E]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


def check_in(column: str, values: type[StrEnum] | frozenset[str]) -> str:
    """SQL text of ``column IN (...)`` for a CHECK constraint."""
    allowed = sorted(v.value if isinstance(v, StrEnum) else v for v in values)
    return f"{column} IN ({', '.join(repr(v) for v in allowed)})"


_sequence = itertools.count()


class EventRecorder:
    """Mixin for aggregates: they record domain events, the unit of work collects them.

    The events live in the instance ``__dict__`` (not a mapped column), so they exist both for
    objects built in memory and for objects SQLAlchemy loaded without calling ``__init__``.
    A process-wide sequence keeps the order in which events were recorded across aggregates.
    """

    def record(self, event: DomainEvent) -> None:
        self.__dict__.setdefault("_recorded_events", []).append((next(_sequence), event))

    def pull_events(self) -> list[tuple[int, DomainEvent]]:
        events: list[tuple[int, DomainEvent]] = self.__dict__.pop("_recorded_events", [])
        return events

    @property
    def pending_events(self) -> list[DomainEvent]:
        return [event for _, event in self.__dict__.get("_recorded_events", [])]
