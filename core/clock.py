"""The core's notion of "now": the wall clock, unless a simulation sets another time.

The demo market replays past days through the real commands; inside
``with simulated_time(t):`` every aggregate timestamp and domain event's ``occurred_at`` is
``t``. Production code never sets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_simulated: ContextVar[datetime | None] = ContextVar("simulated_time", default=None)


def utcnow() -> datetime:
    simulated = _simulated.get()
    return simulated if simulated is not None else datetime.now(UTC)


@contextmanager
def simulated_time(moment: datetime) -> Iterator[None]:
    if moment.tzinfo is None:
        raise ValueError("simulated_time needs an aware datetime")
    token = _simulated.set(moment)
    try:
        yield
    finally:
        _simulated.reset(token)
